"""Classic denoisers side by side with the classic peers, on real recordings (issue 3's table).

Scenes: speech from the TEST split of the stems (``python -m hushboard.models.stems build``)
plus noise at 0, 5 and 10 dB SNR, 6 s each, seeded, in two noise classes:

- ``stationary``: pink noise plus a 50 Hz hum series (steady, like a fan and a ground loop);
- ``recorded``: recorded ambiences (machinery, ventilation, rain, crowds...) from the test split.

Methods: every hushboard classic plugin with default settings, and the peers that run offline
here (``pip install speexdsp-ns webrtc-noise-gain noisereduce logmmse pesq pystoi``): SpeexDSP's
preprocessor (48 kHz, 10 ms frames, int16), WebRTC NS (16 kHz only: resampled in and out,
so nothing comes back above 8 kHz), WebRTC NS "full-band" (the same core on 0-8 kHz and
WebRTC's one-gain-per-10-ms rule on 8-24 kHz, as WebRTC treats a 48 kHz stream),
noisereduce (stationary spectral gating), logmmse; the adapters are
``hushboard.models.peers`` (each removes its own delay). ``hushboard eval`` is the full
harness (all five scenarios). Metrics: PESQ-WB and STOI at 16 kHz, SI-SDR improvement, noise
attenuation over the full band and above 8 kHz, measured two ways: the noise alone through the
same method, and in the scene (the method also runs on speech minus noise; half the difference
of the two outputs is the noise it let through while the speech played: Hagerman & Olofsson
2004, ``models.metrics.in_scene_attenuation_db``), SI-SDR improvement of the 8-24 kHz band
alone (speech kept and noise removed there; "-" where the noise leaves that band clean), and
the single-thread real-time factor of whole-file calls (the mixture's call), all measured in
this one run.

Two kinds of reference rows besides the defaults:

- ``<plugin> @ N dB``: the same plugin with ``reduction_db = N`` (``--matched-db``, 20 by
  default: about what logmmse removes), to compare at a matched attenuation depth;
- ``oracle mask``: the clean-speech-aware phase-sensitive mask ``Re(S Y*) / |Y|^2`` limited to
  ``[10^(-12/20), 1]`` through hushboard's STFT: the best any real gain with the default 12 dB
  floor can do on these scenes (it knows the speech; no method can).

    OMP_NUM_THREADS=1 python benchmarks/classic.py [--scenes 3] [--matched-db 20]
"""
from __future__ import annotations

import argparse
import os
import time
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import hushboard  # noqa: E402
from hushboard.models import metrics  # noqa: E402
from hushboard.models.metrics import (band_si_sdr, in_scene_attenuation_db,  # noqa: E402
                                      noise_attenuation_db, si_sdr)
from hushboard.models.peers import PEERS as PEER_ADAPTERS  # noqa: E402
from hushboard.models.stems import stem_source  # noqa: E402
from hushboard.dsp.stft import StreamingStft  # noqa: E402

SR = 48000
SECONDS = 6.0
Method = Callable[[np.ndarray], np.ndarray]


# -- peers (one copy, in hushboard.models.peers: each adapter resamples and aligns itself) ----
PEERS: dict[str, Method] = {name: PEER_ADAPTERS[name].process
                            for name in ("speexdsp-ns", "webrtc-noise-gain", "webrtc-noise-gain-fullband",
                                         "noisereduce", "logmmse")}


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


# -- metrics (hushboard.models.metrics) -----------------------------------------------------
def pesq_wb(out: np.ndarray, clean: np.ndarray) -> float:
    return metrics.pesq_wb(out, clean, SR)


def stoi(out: np.ndarray, clean: np.ndarray) -> float:
    return metrics.stoi(out, clean, SR)


UPPER_BAND_CLEAN_DB = 30.0  # noisy band SI-SDR above this: no noise up there to judge a method by


def upper_band_si_sdr_improvement(out: np.ndarray, noisy: np.ndarray, clean: np.ndarray) -> float:
    """SI-SDR improvement of the 8-24 kHz band alone (zero-phase high-pass on all three, dB):
    speech kept and noise removed where WebRTC NS gives one gain per block. NaN where the noisy
    band's SI-SDR is already over ``UPPER_BAND_CLEAN_DB`` (the recorded ambiences hold almost
    nothing above 8 kHz: any change there is distortion of a clean band, not denoising)."""
    before = band_si_sdr(noisy, clean, SR, low_hz=8000.0, high_hz=SR / 2)
    if before > UPPER_BAND_CLEAN_DB:
        return float("nan")
    return band_si_sdr(out, clean, SR, low_hz=8000.0, high_hz=SR / 2) - before


def hushboard_method(cls: type, **values: float) -> Method:
    return lambda x: cls(**values)(x.astype(np.float32), SR).astype(np.float64)


ORACLE_FLOOR_DB = 12.0  # the default reduction_db


def oracle_mask(noisy: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """``noisy`` through hushboard's STFT with the phase-sensitive mask ``Re(S Y*) / |Y|^2``
    (the real gain closest to the clean spectrum ``S``) limited to ``[floor, 1]``; aligned."""
    stft = StreamingStft(1024, 512)
    pad = np.zeros(stft.latency_samples)
    speech = stft.frames(stft.init_state(1), np.concatenate([clean, pad])[None])
    floor = 10.0 ** (-ORACLE_FLOOR_DB / 20.0)

    def mask(spectra: np.ndarray) -> np.ndarray:
        gain = (speech * spectra.conj()).real / np.maximum(np.abs(spectra) ** 2, 1e-30)
        return spectra * np.clip(gain, floor, 1.0)

    out = stft.process(stft.init_state(1), np.concatenate([noisy, pad])[None], mask)
    return out[0, stft.latency_samples:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=3, help="scenes per noise class and SNR")
    parser.add_argument("--matched-db", type=float, default=20.0,
                        help="reduction_db of the matched-attenuation rows (0: none)")
    args = parser.parse_args()
    methods: dict[str, Method] = {"noisy (no processing)": lambda x: x}
    classic = ("SpectralSubtraction", "WienerDenoiser", "NoiseSuppressor", "SubspaceDenoiser",
               "MusicAwareDenoiser")
    for name in classic:
        methods[name] = hushboard_method(hushboard.available_plugins()[name])
    if args.matched_db > 0:
        for name in classic:
            methods[f"{name} @ {args.matched_db:g} dB"] = hushboard_method(
                hushboard.available_plugins()[name], reduction_db=args.matched_db)
    methods.update(PEERS)
    oracle = f"oracle mask ({ORACLE_FLOOR_DB:g} dB floor)"
    methods[oracle] = oracle_mask  # takes the clean speech too (see the loop)
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
            out = oracle_mask(noisy, clean) if name == oracle else method(noisy)
            seconds[name] += time.perf_counter() - started
            # peers come back aligned (models.peers); the oracle's noise alone gets the floor
            noise_out = oracle_mask(noise, 0.0 * clean) if name == oracle else method(noise)
            inverted = clean - noise
            inverted_out = oracle_mask(inverted, clean) if name == oracle else method(inverted)
            rows.setdefault((noise_class, name), []).append([
                pesq_wb(out, clean), stoi(out, clean), si_sdr(out, clean) - si_sdr(noisy, clean),
                noise_attenuation_db(noise, noise_out, SR),
                noise_attenuation_db(noise, noise_out, SR, low_hz=8000.0),
                upper_band_si_sdr_improvement(out, noisy, clean),
                in_scene_attenuation_db(noise, out, inverted_out, SR),
                in_scene_attenuation_db(noise, out, inverted_out, SR, low_hz=8000.0)])
    audio_seconds = len(data) * SECONDS
    for noise_class in ("stationary", "recorded"):
        print(f"\n### {noise_class} noise\n")
        print("| method | PESQ-WB | STOI | SI-SDR impr. (dB) | noise atten. (dB) | atten. > 8 kHz (dB) "
              "| SI-SDR impr. > 8 kHz (dB) | atten. in scene (dB) | in scene > 8 kHz (dB) | RTF |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name in methods:
            values = np.array(rows[(noise_class, name)])
            m = values.mean(axis=0)
            upper = values[:, 5][~np.isnan(values[:, 5])]
            upper_text = f"{upper.mean():+.2f}" if upper.size else "-"
            print(f"| {name} | {m[0]:.2f} | {m[1]:.3f} | {m[2]:+.2f} | {m[3]:.1f} | {m[4]:.1f} | "
                  f"{upper_text} | {m[6]:.1f} | {m[7]:.1f} | {seconds[name] / audio_seconds:.4f} |")


if __name__ == "__main__":
    main()
