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
