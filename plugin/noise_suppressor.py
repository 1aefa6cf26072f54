"""``NoiseSuppressor``: the article's Solution 1 blue box, WebRTC-style, over the full band (see
``hushboard.dsp.noise_suppressor`` and ``hushboard.dsp.quantile_noise``)."""
from __future__ import annotations

from ..dsp import noise_suppressor
from .parameter import Param
from .spectral import SPECTRAL_CONTROLS, SpectralDenoiser


class NoiseSuppressor(SpectralDenoiser):
    """Quantile noise estimation, speech probability from three features, Wiener gain.

    WebRTC's noise suppressor design applied to every bin up to the Nyquist frequency: a
    log-domain quantile pre-estimate of the noise, a speech probability from the likelihood
    ratio, spectral flatness and spectral difference (with thresholds learned from their
    histograms), a probability-gated noise update and a decision-directed Wiener gain limited by
    ``reduction_db``. Sustained stationary sounds (a held tone) are eventually learned as noise
    in ``mode="adaptive"``, as in WebRTC; ``mode="frozen"`` or a lower noise-update factor (the
    music detector's hook, ``_noise_update_factors``) keeps them. Latency ``frame_size - 1``
    samples (1023 at 44.1/48 kHz); any channel count.

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.noise_suppressor import NoiseSuppressor
        >>> noise = np.random.default_rng(0).normal(0, 0.05, 96000).astype(np.float32)
        >>> out = NoiseSuppressor(reduction_db=12)(noise, 48000)
        >>> level_db = 10 * np.log10(np.mean(out[48000:] ** 2) / np.mean(noise[48000:] ** 2))
        >>> bool(-15 < level_db < -9)
        True
    """

    ESTIMATOR = noise_suppressor
    PARAMETERS = SPECTRAL_CONTROLS + (
        Param("aggressiveness", 0.0, 0.0, 1.0,
              doc="WebRTC's over-subtraction in the Wiener gain, from 1.0 (its 6/12 dB levels) "
                  "at 0 to 1.25 (its 21 dB level) at 1; 0.4 matches its 18 dB level (1.1)."),
    )
