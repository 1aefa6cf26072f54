"""``MusicAwareDenoiser``: the article's Solution 1 — a classic suppressor steered by a music detector.

The blue box is ``NoiseSuppressor`` (quantile noise estimation, speech presence, Wiener gain);
the yellow box is the GRU speech/music detector (``MusicDetector``'s ``DetectorCore``), run on the
same STFT frames. Its smoothed P(music) becomes the "noise factor" of each frame:

- noise update rate ``1 - music_protection * P(music)`` for the RISE of the noise estimates:
  sustained notes are not learned as noise (a classic tracker learns anything steady for longer
  than its window, about 1-2 s), while a fall to quieter noise is learned at full speed (music
  only adds energy; ``dsp.noise_suppressor``'s ``fall_update``);
- reduction ``reduction_db * (1 - FLOOR_SHARE * music_protection * P(music))``
  (``common.music_reduction_scale``): in music frames the gain floor rises, so residual gain
  errors cannot carve holes into the music.

With ``music_protection = 0`` it is exactly ``NoiseSuppressor``.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .common import music_reduction_scale
from .music_detector import HOLD_MS, DetectorCore, MusicProbabilityLog
from .noise_suppressor import NoiseSuppressor
from .parameter import Param, Value
from .spectral import SpectralState

MUSIC_PROTECTION = Param("music_protection", 0.8, 0.0, 1.0,
                         doc="How strongly detected music slows noise learning and limits "
                             "attenuation (0 = plain NoiseSuppressor).")


class MusicAwareDenoiser(MusicProbabilityLog, NoiseSuppressor):
    """``NoiseSuppressor`` whose noise update and floor follow a music detector (Solution 1).

    After each ``process`` call, ``last_music_probability`` holds P(music) of the frames it
    completed, ``(frames,)`` (``MusicProbabilityLog``).
    """

    PARAMETERS = NoiseSuppressor.PARAMETERS + (MUSIC_PROTECTION, HOLD_MS)

    def _create_state(self, sample_rate: float, num_channels: int,
                      values: Mapping[str, Value]) -> SpectralState:
        state = super()._create_state(sample_rate, num_channels, values)
        state.extra["detector"] = DetectorCore(sample_rate, state.stft.hop_size, state.stft.frame_size)
        return state

    def _noise_update_factors(self, state: SpectralState, power: np.ndarray,
                              values: Mapping[str, Value]) -> np.ndarray:
        music = state.extra["detector"].step(power, float(values["hold_ms"]))[:, 0]
        state.extra["music"] = music
        self._log_frames(music)
        # the factor slows only what the noise estimates learn upward; they fall at the mode's rate
        state.estimator.fall_update = 0.0 if values["mode"] == "frozen" else 1.0
        return 1.0 - float(values["music_protection"]) * music

    def _reduction_scales(self, state: SpectralState, power: np.ndarray,
                          values: Mapping[str, Value]) -> np.ndarray:
        return music_reduction_scale(float(values["music_protection"]), state.extra["music"])
