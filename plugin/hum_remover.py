"""``HumRemover``: the article's linear filtering, as a plugin (see ``hushboard.dsp.hum_filter``)."""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from ..dsp import dry_wet, hum_filter
from .base import Plugin
from .common import MIX, OUTPUT
from .parameter import Param, Value


class HumRemover(Plugin):
    """Removes mains hum (50/60 Hz and harmonics) and rumble with a high-pass and notches.

    Zero latency, sample-accurate, any channel count. ``mains_hz="auto"`` measures which series
    is present and switches smoothly; changes of any parameter mid-stream are crossfaded.

    Example:
        >>> import numpy as np, hushboard
        >>> t = np.arange(48000) / 48000
        >>> hum = 0.1 * np.sin(2 * np.pi * 60 * t).astype(np.float32)
        >>> out = hushboard.HumRemover(mains_hz="60")(hum, 48000)
        >>> bool(np.abs(out[24000:]).max() < 0.002)
        True
    """

    PARAMETERS = (
        Param("mains_hz", "auto", choices=("auto", "50", "60"), unit="Hz",
              doc="Mains frequency whose harmonics are notched; 'auto' detects 50 or 60 Hz."),
        Param("harmonics", 8, 1, 16, step=1,
              doc="How many harmonics (f0, 2 f0, ...) get a notch."),
        Param("reduction_db", 40.0, 0.0, 60.0, unit="dB",
              doc="Depth of each notch; 0 dB leaves the hum untouched."),
        Param("notch_width_hz", 3.0, 0.5, 20.0, unit="Hz", scale="log",
              doc="Width of each notch at half its depth in dB."),
        Param("highpass_hz", 20.0, 5.0, 300.0, unit="Hz", scale="log",
              doc="Cutoff of the 24 dB/octave high-pass for rumble and DC."),
        MIX,
        OUTPUT,
    )

    def _create_state(self, sample_rate: float, num_channels: int, values: Mapping[str, Value]) -> Any:
        return (hum_filter.init_state(sample_rate, num_channels, _settings(values), str(values["mains_hz"])),
                dry_wet.init_state(num_channels, 0, float(values["mix"]), sample_rate))

    def _process_block(self, state: Any, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        hum, mixer = state
        hum_filter.update_settings(hum, _settings(values))
        wet = hum_filter.process_block(hum, block, str(values["mains_hz"]))
        return dry_wet.combine(mixer, block, wet, values["mix"], str(values["output"]))


def _settings(values: Mapping[str, Value]) -> hum_filter.HumSettings:
    return hum_filter.HumSettings(float(values["highpass_hz"]), int(values["harmonics"]),
                                  float(values["notch_width_hz"]), float(values["reduction_db"]))
