"""``SpectralDenoiser``: the article's classic pipeline, shared by every spectral denoiser.

    STFT -> |X|^2 -> noise estimator + gain estimator (the algorithm) -> gain post-processing
    (link, frequency smoothing, floor, attack/release) -> gain x X -> ISTFT (noisy phase)
    -> latency-aligned dry/wet mix or "removed" output

A concrete denoiser supplies only its estimator: a ``dsp/`` module-like object with

- ``init_state(num_channels, num_bins, sample_rate, hop_size, values) -> state``
- ``process_frame(state, power, noise_override, update, noise_gain, values) -> gain`` where
  ``power`` is ``(channels, bins)`` noisy power of one frame; ``noise_override`` is the learned
  noise power ``(channels, bins)`` in ``mode="learned"`` (else ``None``); ``update`` in [0, 1]
  scales the noise-tracking rate (0 in ``mode="frozen"``; Solution 1's music detector lowers it);
  ``noise_gain`` (from ``sensitivity_db``) scales the noise power the gain rule sees; and the
  returned gain is ``(channels, bins)`` in [0, 1] before post-processing.

Frame geometry: ``frame_size`` is the power of two nearest 21.3 ms (1024 at 44.1/48 kHz), hop is
half of it (sqrt-Hann analysis/synthesis), latency ``frame_size - 1`` samples (see ``dsp.stft``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from ..dsp import dry_wet, gain_smoothing
from ..dsp.noise_profile import NoiseProfile, learn_noise_profile, resample_profile
from ..dsp.stft import StftState, StreamingStft
from .base import Plugin, as_float_array, check_sample_rate, to_channels_first, detect_layout
from .common import LINK, MIX, OUTPUT, REDUCTION_DB
from .parameter import Param, Value

FRAME_SECONDS = 1024 / 48000  # 21.3 ms: resolves speech harmonics, short enough for onsets

MODE = Param("mode", "adaptive", choices=("adaptive", "learned", "frozen"),
             doc="'adaptive' tracks the noise; 'learned' uses the profile from learn(); "
                 "'frozen' stops updating the tracked noise.")
SENSITIVITY_DB = Param("sensitivity_db", 0.0, -12.0, 12.0, unit="dB",
                       doc="Scales the noise estimate the gain rule sees: higher removes more.")
ATTACK_MS = Param("attack_ms", 10.0, 0.0, 200.0, unit="ms",
                  doc="How fast the gain opens when speech or music appears.")
RELEASE_MS = Param("release_ms", 50.0, 0.0, 1000.0, unit="ms",
                   doc="How fast the gain closes again; also limits gain decay (musical noise).")
SMOOTHING_HZ = Param("smoothing_hz", 100.0, 0.0, 2000.0, unit="Hz",
                     doc="Extra frequency smoothing of the gain (a median over 3 bins always "
                         "removes one-bin musical noise); wider smooths more, dulls tones.")

#: The controls every spectral denoiser has, in the order presets and reprs show them.
SPECTRAL_CONTROLS: tuple[Param, ...] = (
    REDUCTION_DB, SENSITIVITY_DB, MODE, ATTACK_MS, RELEASE_MS, SMOOTHING_HZ, MIX, OUTPUT, LINK)


def frame_size_for(sample_rate: float) -> int:
    """Power-of-two frame length nearest ``FRAME_SECONDS`` at ``sample_rate``."""
    return int(2 ** round(math.log2(sample_rate * FRAME_SECONDS)))


@dataclass
class SpectralState:
    """Everything a spectral denoiser carries across blocks."""

    stft: StreamingStft
    stft_state: StftState
    estimator: Any
    smoother: gain_smoothing.GainSmootherState
    mixer: dry_wet.DryWetState
    learned_noise: np.ndarray | None
    sample_rate: float
    frames_done: int = 0
    extra: dict = field(default_factory=dict)  # what a subclass's hooks carry (e.g. a detector)
    constants: tuple | None = None  # (values key, derived constants): see _block_constants


class NoiseLearning:
    """``learn()``, ``noise_profile`` and preset state for a plugin with ``mode="learned"``.

    Mixed into :class:`SpectralDenoiser` and ``SubspaceDenoiser``: one profile format
    (:class:`~hushboard.dsp.noise_profile.NoiseProfile`, the mean power spectrum of this module's
    STFT), one set of checks (a clip shorter than one frame or digital silence raises
    ``ValueError``), resampled to whatever rate the plugin later runs at.
    """

    _noise_profile: NoiseProfile | None = None

    def learn(self, noise_audio: np.ndarray, sample_rate: float) -> NoiseProfile:
        """Learn the noise's mean spectrum from a noise-only clip and switch to ``mode="learned"``.

        Args:
            noise_audio: float32/float64, any pedalboard layout, at least one frame long.
            sample_rate: in Hz; the profile is resampled if the plugin later runs at another rate.
        """
        rate = check_sample_rate(sample_rate)
        array = as_float_array(noise_audio)
        layout = detect_layout(array.shape, None) if array.ndim == 2 else None
        audio = to_channels_first(array, layout).astype(np.float64)
        if not np.isfinite(audio).all():
            raise ValueError("the noise clip contains NaN or infinite values.")
        size = frame_size_for(rate)
        self._noise_profile = learn_noise_profile(audio, rate, StreamingStft(size, size // 2))
        self.mode = "learned"
        self.reset()
        return self._noise_profile

    @property
    def noise_profile(self) -> NoiseProfile | None:
        """The learned profile, or ``None``."""
        return self._noise_profile

    def get_state(self) -> dict:
        """Learned state for presets (``include_state=True``)."""
        return {"noise_profile": self._noise_profile.to_dict() if self._noise_profile else None}

    def set_state(self, state: Mapping[str, Any]) -> None:
        profile = state.get("noise_profile")
        self._noise_profile = NoiseProfile.from_dict(profile) if profile else None
        self.reset()

    def _learned_power(self, values: Mapping[str, Value], sample_rate: float, frame_size: int,
                       num_channels: int) -> np.ndarray | None:
        """The profile as ``(channels, frame_size // 2 + 1)`` power for a stream in
        ``mode="learned"`` (``None`` in the other modes), at its start or when the mode is switched
        to mid-stream; ``ValueError`` if nothing was learned."""
        if values["mode"] != "learned":
            return None
        if self._noise_profile is None:
            raise ValueError(f"{type(self).__name__}: mode='learned' needs a noise profile; "
                             "call learn(noise_audio, sample_rate) first.")
        return resample_profile(self._noise_profile, sample_rate, frame_size, num_channels)


class SpectralDenoiser(NoiseLearning, Plugin, register=False):
    """Base of the classic spectral denoisers (see the module docstring)."""

    ESTIMATOR: ClassVar[Any] = None
    PARAMETERS = SPECTRAL_CONTROLS

    # -- Plugin hooks ----------------------------------------------------------------------
    def _latency_for(self, sample_rate: float) -> int:
        return frame_size_for(sample_rate) - 1

    def _create_state(self, sample_rate: float, num_channels: int,
                      values: Mapping[str, Value]) -> SpectralState:
        size = frame_size_for(sample_rate)
        stft = StreamingStft(size, size // 2)
        learned = self._learned_power(values, sample_rate, size, num_channels)
        estimator = self.ESTIMATOR.init_state(num_channels, stft.num_bins, sample_rate,
                                              stft.hop_size, values)
        return SpectralState(stft, stft.init_state(num_channels), estimator,
                             gain_smoothing.GainSmootherState(),
                             dry_wet.init_state(num_channels, stft.latency_samples,
                                                float(values["mix"]), sample_rate),
                             learned, sample_rate)

    def _process_block(self, state: SpectralState, block: np.ndarray,
                       values: Mapping[str, Value]) -> np.ndarray:
        wet = state.stft.process(state.stft_state, block,
                                 lambda spectra: self._apply_gains(state, spectra, values))
        return dry_wet.combine(state.mixer, block, wet, values["mix"], str(values["output"]))

    def _noise_update_factors(self, state: SpectralState, power: np.ndarray,
                              values: Mapping[str, Value]) -> np.ndarray:
        """Per-frame scale of the noise-tracking rate, ``(frames,)`` in [0, 1] (hook for Solution 1).

        Called once per block with the block's power spectra ``(channels, frames, bins)`` and
        the block's parameter snapshot, before any frame's gain is estimated.
        """
        return np.ones(power.shape[1])

    def _reduction_scales(self, state: SpectralState, power: np.ndarray,
                          values: Mapping[str, Value]) -> np.ndarray:
        """Per-frame scale of ``reduction_db``, ``(frames,)`` in [0, 1] (hook for Solution 1).

        1 applies the full reduction; 0.5 lets half as many dB be taken off in that frame.
        Called right after :meth:`_noise_update_factors` for the same block.
        """
        return np.ones(power.shape[1])

    def _apply_gains(self, state: SpectralState, spectra: np.ndarray,
                     values: Mapping[str, Value]) -> np.ndarray:
        """Estimate, post-process and apply gains to ``(channels, frames, bins)`` spectra."""
        power = np.square(spectra.real)
        power += np.square(spectra.imag)
        mode = values["mode"]
        if mode == "learned" and state.learned_noise is None:  # switched to mid-stream
            state.learned_noise = self._learned_power(values, state.sample_rate, state.stft.frame_size,
                                                      power.shape[0])
        override = state.learned_noise if mode == "learned" else None
        base_update = 0.0 if mode == "frozen" else 1.0
        factors = self._noise_update_factors(state, power, values)
        noise_gain, width, attack, release, fixed_floor = self._block_constants(state, values)
        estimate = self.ESTIMATOR.process_frame
        num_frames = power.shape[1]
        if num_frames == 1:  # the real-time case (one frame per block): no frame loop
            raw = estimate(state.estimator, power[:, 0], override,
                           float(factors[0]) * base_update, noise_gain, values)[:, None]
        else:
            raw = np.empty(power.shape)
            # each frame as its own C-ordered (channels, bins) array, as in the one-frame case:
            # sums over bins round by memory layout, and the output must not depend on blocking
            frames = np.ascontiguousarray(power.transpose(1, 0, 2))
            for f in range(num_frames):
                raw[:, f] = estimate(state.estimator, frames[f], override,
                                     float(factors[f]) * base_update, noise_gain, values)
        if fixed_floor is None:  # a subclass scales the reduction per frame
            scales = self._reduction_scales(state, power, values)
            floor = np.power(10.0, scales * (-float(values["reduction_db"]) / 20.0))[None, :, None]
        else:
            floor = fixed_floor
        smoother = state.smoother
        if smoother.kernel is None or smoother.kernel.width_bins != width:
            smoother.kernel = gain_smoothing.FrequencyKernel.build(power.shape[2], width)
        shaped = gain_smoothing.shape_gains(raw, link=str(values["link"]), width_bins=width,
                                            floor=floor, kernel=smoother.kernel)
        gains = gain_smoothing.attack_release(smoother, shaped, attack, release)
        state.frames_done += num_frames
        return spectra * gains

    def _block_constants(self, state: SpectralState,
                         values: Mapping[str, Value]) -> tuple[float, int, float, float, float | None]:
        """``(noise_gain, width_bins, attack, release, floor)`` for this block's values, cached
        while they stay the same (a real-time host changes them rarely, calls often).

        ``floor`` is ``None`` when a subclass overrides :meth:`_reduction_scales` (per-frame
        floors); else the linear gain floor ``10^(-reduction_db/20)``.
        """
        key = (values["sensitivity_db"], values["smoothing_hz"], values["attack_ms"],
               values["release_ms"], values["reduction_db"])
        cached = state.constants
        if cached is not None and cached[0] == key:
            return cached[1]
        frame_period = state.stft.hop_size / state.sample_rate
        bin_hz = state.sample_rate / state.stft.frame_size
        fixed = type(self)._reduction_scales is SpectralDenoiser._reduction_scales
        constants = (
            10.0 ** (float(values["sensitivity_db"]) / 10.0),
            2 * int(round(float(values["smoothing_hz"]) / bin_hz / 2)) + 1,
            gain_smoothing.time_constant_coefficient(float(values["attack_ms"]), frame_period),
            gain_smoothing.time_constant_coefficient(float(values["release_ms"]), frame_period),
            float(np.power(10.0, -float(values["reduction_db"]) / 20.0)) if fixed else None)
        state.constants = (key, constants)
        return constants
