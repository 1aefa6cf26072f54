"""``WienerDenoiser``: the article's statistical-model method as a plugin (see
``hushboard.dsp.wiener`` and ``hushboard.dsp.mcra``)."""
from __future__ import annotations

from ..dsp import wiener
from .parameter import Param
from .spectral import SPECTRAL_CONTROLS, SpectralDenoiser


class WienerDenoiser(SpectralDenoiser):
    """Wiener / MMSE-STSA / log-MMSE gain with decision-directed SNR and speech presence.

    Noise comes from a learned profile (``learn()``, ``mode="learned"``) or is tracked by MCRA
    (``mode="adaptive"``), whose speech-presence probability also weights the gain towards the
    ``reduction_db`` floor where only noise is found. Latency ``frame_size - 1`` samples (1023 at
    44.1/48 kHz); any channel count.

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.wiener import WienerDenoiser
        >>> noise = np.random.default_rng(0).normal(0, 0.05, 96000).astype(np.float32)
        >>> out = WienerDenoiser(method="log-mmse", reduction_db=12)(noise, 48000)
        >>> level_db = 10 * np.log10(np.mean(out[48000:] ** 2) / np.mean(noise[48000:] ** 2))
        >>> bool(-15 < level_db < -9)
        True
    """

    ESTIMATOR = wiener
    PARAMETERS = SPECTRAL_CONTROLS + (
        Param("method", "log-mmse", choices=tuple(wiener.GAIN_RULES),
              doc="Gain rule under speech presence: 'wiener', 'mmse-stsa' (Ephraim-Malah 1984) "
                  "or 'log-mmse' (Ephraim-Malah 1985, least musical noise)."),
    )
