"""Quality metrics, one function per metric, numpy only unless the docstring says otherwise.

Conventions: signals are 1-D float arrays at the same rate and aligned (the caller compensates
latency); multichannel audio is flattened by the caller. Results are in dB where the name says
``_db``. Heavy third-party metrics (PESQ, STOI, DNSMOS, ViSQOL) are imported inside their
function and raise ``ImportError`` naming the package to install.
"""
from __future__ import annotations

import numpy as np

EPS = 1e-12


def si_sdr(estimate: np.ndarray, reference: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio in dB.

    ``10 log10(|a s|^2 / |a s - e|^2)`` with ``a = <e, s> / |s|^2`` (Le Roux, Wisdom, Erdogan,
    Hershey, "SDR - half-baked or well done?", ICASSP 2019, eqs. 7-8). Means are not removed.
    """
    e = np.asarray(estimate, np.float64).reshape(-1)
    s = np.asarray(reference, np.float64).reshape(-1)
    if e.shape != s.shape:
        raise ValueError(f"si_sdr needs equal lengths (got {e.shape[0]} and {s.shape[0]})")
    scale = np.dot(e, s) / (np.dot(s, s) + EPS)
    target = scale * s
    return float(10 * np.log10((np.dot(target, target) + EPS) / (np.sum((target - e) ** 2) + EPS)))


def band_si_sdr(estimate: np.ndarray, reference: np.ndarray, sample_rate: float,
                low_hz: float = 50.0, high_hz: float = 16000.0) -> float:
    """SI-SDR (dB) of both signals band-limited to ``[low_hz, high_hz)``: the music band by default.

    Both go through the same zero-phase band-pass (4th-order Butterworth, forward and backward),
    so the filter itself costs nothing, and hum below the band or hiss above it neither helps nor
    hurts. ``high_hz`` at or above Nyquist gives a high-pass only.
    """
    from scipy import signal

    e = np.asarray(estimate, np.float64).reshape(-1)
    s = np.asarray(reference, np.float64).reshape(-1)
    if e.shape != s.shape:
        raise ValueError(f"band_si_sdr needs equal lengths (got {e.size} and {s.size})")
    if high_hz < sample_rate / 2:
        sos = signal.butter(4, [low_hz, high_hz], "bandpass", fs=sample_rate, output="sos")
    else:
        sos = signal.butter(4, low_hz, "highpass", fs=sample_rate, output="sos")
    return si_sdr(signal.sosfiltfilt(sos, e), signal.sosfiltfilt(sos, s))


def si_sdr_improvement(estimate: np.ndarray, noisy: np.ndarray, reference: np.ndarray) -> float:
    """SI-SDR of ``estimate`` minus SI-SDR of ``noisy``, both against ``reference``, in dB."""
    return si_sdr(estimate, reference) - si_sdr(noisy, reference)


def noise_attenuation_db(noise_in: np.ndarray, noise_out: np.ndarray, sample_rate: float,
                         low_hz: float = 0.0, high_hz: float | None = None) -> float:
    """How much quieter ``noise_out`` is than ``noise_in`` in the band ``[low_hz, high_hz)``, dB.

    Typically ``noise_out`` is the noise alone sent through the same (frozen or identical)
    processing; the band energy comes from one FFT of the whole signal.
    """
    def band_energy(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(np.asarray(x, np.float64).reshape(-1))) ** 2
        freqs = np.fft.rfftfreq(np.asarray(x).size, 1.0 / sample_rate)
        top = sample_rate / 2 + 1 if high_hz is None else high_hz
        return float(spectrum[(freqs >= low_hz) & (freqs < top)].sum())

    return float(10 * np.log10((band_energy(noise_in) + EPS) / (band_energy(noise_out) + EPS)))


def phase_inversion_noise(output_plus: np.ndarray, output_minus: np.ndarray) -> np.ndarray:
    """The noise a method lets through WHILE the target plays (Hagerman & Olofsson 2004).

    ``output_plus`` is the method's output for ``target + noise``, ``output_minus`` for
    ``target - noise``; half their difference is the noise part of the output, exactly so for a
    linear processor and, for a signal-dependent one, as long as it treats the two mixtures
    alike (their power spectra differ only by the cross term of target and noise).

    Reference: B. Hagerman and A. Olofsson, "A method to measure the effect of noise reduction
    algorithms using simultaneous speech and noise", Acta Acustica united with Acustica 90(2),
    356-361, 2004.
    """
    return 0.5 * (np.asarray(output_plus, np.float64) - np.asarray(output_minus, np.float64))


def in_scene_attenuation_db(noise_in: np.ndarray, output_plus: np.ndarray, output_minus: np.ndarray,
                            sample_rate: float, low_hz: float = 0.0, high_hz: float | None = None) -> float:
    """Noise attenuation measured in the scene, dB: ``noise_in`` over the noise part of the output
    found by :func:`phase_inversion_noise`. Unlike sending the noise alone through the method,
    it counts what a method that follows its input (a music detector, a speech-presence gain)
    lets through because the target is there."""
    return noise_attenuation_db(noise_in, phase_inversion_noise(output_plus, output_minus),
                                sample_rate, low_hz, high_hz)


# -- perceptual and reference metrics (third-party packages of the ``bench`` extra) ------------
def to_16k(x: np.ndarray, sample_rate: float) -> np.ndarray:
    """Resample to 16 kHz (polyphase, Kaiser window) for the metrics defined there."""
    from fractions import Fraction

    from scipy import signal

    ratio = Fraction(16000, int(round(sample_rate))).limit_denominator(1000)
    x = np.asarray(x, np.float64).reshape(-1)
    return x if ratio == 1 else signal.resample_poly(x, ratio.numerator, ratio.denominator)


def _need(module: str, package: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(f"this metric needs `{package}` (pip install {package}, or the bench "
                          f"extra: pip install -e '.[bench]')") from error


def pesq_wb(estimate: np.ndarray, reference: np.ndarray, sample_rate: float) -> float:
    """Wide-band PESQ (ITU-T P.862.2, MOS-LQO 1.04-4.64) at 16 kHz; ``nan`` if no speech is found.

    Uses PyPI ``pesq`` (the ITU reference code). Both signals are resampled to 16 kHz.
    """
    pesq = _need("pesq", "pesq")
    try:
        return float(pesq.pesq(16000, to_16k(reference, sample_rate), to_16k(estimate, sample_rate), "wb"))
    except pesq.NoUtterancesError:
        return float("nan")


def stoi(estimate: np.ndarray, reference: np.ndarray, sample_rate: float, extended: bool = False) -> float:
    """Short-time objective intelligibility (Taal et al., IEEE TASLP 2011), 0..1, at 16 kHz.

    ``extended=True`` gives ESTOI (Jensen & Taal, IEEE TASLP 2016). Uses PyPI ``pystoi``.
    """
    pystoi = _need("pystoi", "pystoi")
    return float(pystoi.stoi(to_16k(reference, sample_rate), to_16k(estimate, sample_rate), 16000,
                             extended=extended))


def dnsmos(estimate: np.ndarray, sample_rate: float) -> dict[str, float]:
    """Non-intrusive DNSMOS P.835 (Reddy et al., ICASSP 2022) at 16 kHz: ``{ovrl, sig, bak, p808}``.

    Uses PyPI ``speechmos`` (the DNS challenge's ONNX models ship inside its wheel; needs
    ``librosa``); runs offline. The first call in a process takes ~30 s (librosa's JIT).
    """
    _need("librosa", "librosa")
    module = _need("speechmos.dnsmos", "speechmos")
    x = to_16k(estimate, sample_rate).astype(np.float32)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak > 1.0:  # speechmos refuses samples outside [-1, 1]
        x = x / peak
    # DNSMOS scores 9.01 s windows every 1 s; speechmos repeats a shorter clip by doubling, so a
    # 4 s clip became 16 s and 7 windows of the same repeated content. Repeat it to exactly one
    # window instead: the same score material, 7x less work.
    window = int(DNSMOS_WINDOW_S * 16000)
    if 0 < x.size < window:
        x = np.resize(x, window)
    scores = module.run(x, 16000)
    return {"ovrl": float(scores["ovrl_mos"]), "sig": float(scores["sig_mos"]),
            "bak": float(scores["bak_mos"]), "p808": float(scores["p808_mos"])}


DNSMOS_WINDOW_S = 9.01  # the DNSMOS P.835 models' input length
_VISQOL = {}


def visqol_audio(estimate: np.ndarray, reference: np.ndarray, sample_rate: float = 48000) -> float:
    """ViSQOL v3 audio mode (Chinen et al., QoMEX 2020): MOS-LQO 1..~4.75 for music, at 48 kHz.

    Uses PyPI ``visqol-python`` (a port of Google's ViSQOL 3.3.3 with its bundled SVR model).
    Signals at another rate are resampled to 48 kHz first.
    """
    from scipy import signal

    visqol = _need("visqol", "visqol-python")
    if "api" not in _VISQOL:
        api = visqol.VisqolApi()
        api.create(mode="audio")
        _VISQOL["api"] = api
    ref = np.asarray(reference, np.float64).reshape(-1)
    deg = np.asarray(estimate, np.float64).reshape(-1)
    if int(sample_rate) != 48000:
        ref = signal.resample_poly(ref, 48000, int(sample_rate))
        deg = signal.resample_poly(deg, 48000, int(sample_rate))
    return float(_VISQOL["api"].measure_from_arrays(ref, deg, 48000).moslqo)


def music_band_distortion_db(estimate: np.ndarray, reference: np.ndarray, sample_rate: float,
                             low_hz: float = 50.0, high_hz: float = 16000.0,
                             floor_db: float = 60.0) -> float:
    """Log-spectral distance over the music band, dB: how much the spectrum was reshaped.

    ``sqrt(mean of (L_e - L_r)^2)`` over the frames and bins in ``[low_hz, high_hz)`` where
    either signal is above the floor, with ``L`` the STFT power in dB (2048-point Hann, hop 512
    at 48 kHz, scaled with the rate), each floored at ``floor_db`` below the reference's loudest
    bin (so silence in both does not dilute the mean, and noise in silence still counts). 0 for
    identical signals; a broadband gain of g dB gives about |g| (bins near the floor give less).
    Lower is better.
    """
    from scipy import signal

    size = int(2 ** np.round(np.log2(2048 * sample_rate / 48000)))
    e = np.asarray(estimate, np.float64).reshape(-1)
    r = np.asarray(reference, np.float64).reshape(-1)
    if e.shape != r.shape:
        raise ValueError(f"music_band_distortion_db needs equal lengths (got {e.size} and {r.size})")
    freqs, _, spec_e = signal.stft(e, fs=sample_rate, nperseg=size, noverlap=size - size // 4)
    _, _, spec_r = signal.stft(r, fs=sample_rate, nperseg=size, noverlap=size - size // 4)
    band = (freqs >= low_hz) & (freqs < high_hz)
    level_r = 10 * np.log10(np.abs(spec_r[band]) ** 2 + EPS)
    level_e = 10 * np.log10(np.abs(spec_e[band]) ** 2 + EPS)
    floor = level_r.max() - floor_db
    audible = (level_e > floor) | (level_r > floor)  # bins silent in both say nothing
    if not audible.any():
        return 0.0
    difference = np.maximum(level_e, floor) - np.maximum(level_r, floor)
    return float(np.sqrt(np.mean(difference[audible] ** 2)))
