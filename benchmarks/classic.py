"""Classic denoisers side by side with the classic peers, on real recordings (issue 3's table).

Scenes: speech from the TEST split of the stems (``python -m hushboard.models.stems build``)
plus noise at 0, 5 and 10 dB SNR, 6 s each, seeded, in two noise classes:

- ``stationary``: pink noise plus a 50 Hz hum series (steady, like a fan and a ground loop);
- ``recorded``: recorded ambiences (machinery, ventilation, rain, crowds...) from the test split.

Methods: every hushboard classic plugin with default settings, and the peers that run offline
here (``pip install speexdsp-ns webrtc-noise-gain noisereduce logmmse pesq pystoi``): SpeexDSP's
preprocessor (48 kHz, 10 ms frames, int16), WebRTC NS (16 kHz only: resampled in and out),
noisereduce (stationary spectral gating), logmmse. Each peer's output is aligned with its input
by cross-correlation before scoring. Metrics: PESQ-WB and STOI at 16 kHz, SI-SDR improvement,
noise attenuation (the noise alone through the same method) over the full band and above 8 kHz,
and the single-thread real-time factor of whole-file calls, all measured in this one run.

    OMP_NUM_THREADS=1 python benchmarks/classic.py [--scenes 3]
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy import signal  # noqa: E402

import hushboard  # noqa: E402
from hushboard.models.metrics import noise_attenuation_db, si_sdr  # noqa: E402
from hushboard.models.stems import stem_source  # noqa: E402

SR = 48000
SECONDS = 6.0
Method = Callable[[np.ndarray], np.ndarray]


# -- peers ----------------------------------------------------------------------------------
def speex(x: np.ndarray) -> np.ndarray:
    import speexdsp_ns

    ns = speexdsp_ns.NoiseSuppression.create(480, SR)
    pcm = np.clip(x * 32767, -32768, 32767).astype(np.int16)
    n = len(pcm) // 480 * 480
    out = b"".join(ns.process(pcm[i:i + 480].tobytes()) for i in range(0, n, 480))
    return np.pad(np.frombuffer(out, np.int16) / 32767.0, (0, len(x) - n))


def webrtc(x: np.ndarray) -> np.ndarray:
    from webrtc_noise_gain import AudioProcessor

    processor = AudioProcessor(0, 2)  # no AGC, suppression level 2 (high)
    low = signal.resample_poly(x, 1, 3)
    pcm = np.clip(low * 32767, -32768, 32767).astype(np.int16)
    n = len(pcm) // 160 * 160
    out = b"".join(processor.Process10ms(pcm[i:i + 160].tobytes()).audio for i in range(0, n, 160))
    low_out = np.pad(np.frombuffer(out, np.int16) / 32767.0, (0, len(low) - n))
    return signal.resample_poly(low_out, 3, 1)[: len(x)]


def noisereduce_stationary(x: np.ndarray) -> np.ndarray:
    import noisereduce

    return noisereduce.reduce_noise(y=x, sr=SR, stationary=True)


def log_mmse(x: np.ndarray) -> np.ndarray:
    import logmmse

    out = logmmse.logmmse(x.astype(np.float32), SR)
    return np.pad(np.asarray(out, np.float64), (0, max(0, len(x) - len(out))))[: len(x)]


PEERS: dict[str, Method] = {"speexdsp-ns": speex, "webrtc-noise-gain": webrtc,
                            "noisereduce": noisereduce_stationary, "logmmse": log_mmse}


def align(out: np.ndarray, reference: np.ndarray, max_lag: int = 4800) -> np.ndarray:
    """``out`` shifted by the lag (0..max_lag samples) that best matches ``reference``."""
    corr = signal.correlate(out[: 4 * SR], reference[: 4 * SR], mode="full", method="fft")
    zero = len(reference[: 4 * SR]) - 1
    lag = int(np.argmax(corr[zero: zero + max_lag + 1]))
    return np.concatenate([out[lag:], np.zeros(lag)])


# -- scenes ---------------------------------------------------------------------------------
def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / SR), 20.0))
    return np.fft.irfft(spectrum, n)


def scenes(count: int) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    take = stem_source("test")
    rng = np.random.default_rng(11)
    n = int(SECONDS * SR)
    t = np.arange(n) / SR
    out = []
    for noise_class in ("stationary", "recorded"):
        for snr in (0.0, 5.0, 10.0):
            for _ in range(count):
                speech = take("speech", rng, n)
                if noise_class == "stationary":
                    hum = sum(np.sin(2 * np.pi * 50 * k * t + rng.uniform(0, 6)) / k for k in range(1, 6))
                    noise = pink(n, rng) / 30 + 0.002 * hum
                else:
                    noise = take("noise", rng, n)
                noise *= np.std(speech) * 10 ** (-snr / 20) / max(np.std(noise), 1e-9)
                scale = 0.1 / np.std(speech + noise)
                out.append((noise_class, snr, speech * scale, noise * scale))
    return out


# -- metrics --------------------------------------------------------------------------------
def to16k(x: np.ndarray) -> np.ndarray:
    return signal.resample_poly(x, 1, 3)


def pesq_wb(out: np.ndarray, clean: np.ndarray) -> float:
    from pesq import pesq

    return float(pesq(16000, to16k(clean), to16k(out), "wb"))


def stoi(out: np.ndarray, clean: np.ndarray) -> float:
    from pystoi import stoi as stoi_

    return float(stoi_(to16k(clean), to16k(out), 16000, extended=False))


def hushboard_method(cls: type) -> Method:
    return lambda x: cls()(x.astype(np.float32), SR).astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=3, help="scenes per noise class and SNR")
    args = parser.parse_args()
    methods: dict[str, Method] = {"noisy (no processing)": lambda x: x}
    for name in ("SpectralSubtraction", "WienerDenoiser", "NoiseSuppressor", "SubspaceDenoiser",
                 "MusicAwareDenoiser"):
        methods[name] = hushboard_method(hushboard.available_plugins()[name])
    methods.update(PEERS)
    data = scenes(args.scenes)
    print(f"{len(data)} scenes ({args.scenes} per noise class and SNR 0/5/10 dB), {SECONDS:g} s, "
          "speech from the stems' test split, one thread\n")
    rows: dict[tuple[str, str], list[list[float]]] = {}
    seconds: dict[str, float] = {}
    for name, method in methods.items():
        seconds[name] = 0.0
        for noise_class, _, clean, noise in data:
            noisy = clean + noise
            started = time.perf_counter()
            out = method(noisy)
            seconds[name] += time.perf_counter() - started
            noise_out = method(noise)
            if name in PEERS:
                out, noise_out = align(out, noisy), align(noise_out, noise)
            rows.setdefault((noise_class, name), []).append([
                pesq_wb(out, clean), stoi(out, clean), si_sdr(out, clean) - si_sdr(noisy, clean),
                noise_attenuation_db(noise, noise_out, SR),
                noise_attenuation_db(noise, noise_out, SR, low_hz=8000.0)])
    audio_seconds = len(data) * SECONDS
    for noise_class in ("stationary", "recorded"):
        print(f"\n### {noise_class} noise\n")
        print("| method | PESQ-WB | STOI | SI-SDR impr. (dB) | noise atten. (dB) | atten. > 8 kHz (dB) | RTF |")
        print("|---|---|---|---|---|---|---|")
        for name in methods:
            m = np.mean(rows[(noise_class, name)], axis=0)
            print(f"| {name} | {m[0]:.2f} | {m[1]:.3f} | {m[2]:+.2f} | {m[3]:.1f} | {m[4]:.1f} | "
                  f"{seconds[name] / audio_seconds:.4f} |")


if __name__ == "__main__":
    main()
