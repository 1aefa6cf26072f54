"""Parameters every denoiser shares, declared once so names, ranges and docs never drift."""
from __future__ import annotations

import numpy as np

from .parameter import Param

MIX = Param("mix", 1.0, 0.0, 1.0, per_sample=True,
            doc="Wet/dry balance: 0 passes the input unchanged, 1 is fully processed.")
OUTPUT = Param("output", "denoised", choices=("denoised", "removed"),
               doc="'denoised' plays the result; 'removed' plays only what is taken out.")
REDUCTION_DB = Param("reduction_db", 12.0, 0.0, 40.0, unit="dB",
                     doc="Most attenuation applied anywhere (the gain floor).")
LINK = Param("link", "mean", choices=("off", "mean", "min"),
             doc="Stereo link: 'off' per channel; 'mean' or 'min' share one gain across channels.")

#: At ``music_protection`` 1 a frame the detector is sure holds music keeps a quarter of
#: ``reduction_db`` (MusicAwareDenoiser, NeuralDenoiser).
FLOOR_SHARE = 0.75


def music_reduction_scale(music_protection: float, music_probability: np.ndarray) -> np.ndarray:
    """Per-frame factor on ``reduction_db``: ``1 - FLOOR_SHARE * music_protection * P(music)``,
    so detected music gets a higher gain floor (less attenuation) than speech or noise."""
    return 1.0 - FLOOR_SHARE * music_protection * np.asarray(music_probability, dtype=float)
