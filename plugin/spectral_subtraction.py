"""``SpectralSubtraction``: the article's spectral subtraction as a plugin (see
``hushboard.dsp.spectral_subtraction`` and ``hushboard.dsp.minimum_statistics``)."""
from __future__ import annotations

from ..dsp import spectral_subtraction
from .parameter import Param
from .spectral import SPECTRAL_CONTROLS, SpectralDenoiser


class SpectralSubtraction(SpectralDenoiser):
    """Power or magnitude spectral subtraction with Berouti's over-subtraction.

    Noise comes from a learned profile (``learn()``, ``mode="learned"``) or is tracked by minimum
    statistics (``mode="adaptive"``; it follows a rise of the noise within about 1.7 s and treats
    anything steady for longer, a held tone included, as noise). Latency ``frame_size - 1``
    samples (1023 at 44.1/48 kHz); any channel count.

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.spectral_subtraction import SpectralSubtraction
        >>> noise = np.random.default_rng(0).normal(0, 0.05, 96000).astype(np.float32)
        >>> out = SpectralSubtraction(reduction_db=12)(noise, 48000)
        >>> level_db = 10 * np.log10(np.mean(out[48000:] ** 2) / np.mean(noise[48000:] ** 2))
        >>> bool(-15 < level_db < -9)
        True
    """

    ESTIMATOR = spectral_subtraction
    PARAMETERS = SPECTRAL_CONTROLS + (
        Param("over_subtraction", 4.0, 1.0, 6.0,
              doc="Berouti's over-subtraction factor at 0 dB SNR: higher removes more noise "
                  "peaks (less musical noise) at the cost of more speech distortion."),
        Param("exponent", "power", choices=tuple(spectral_subtraction.EXPONENTS),
              doc="'power' subtracts noise power (|Y|^2); 'magnitude' subtracts noise "
                  "magnitude (|Y|, Boll), which removes more."),
    )
