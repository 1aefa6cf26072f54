"""``MusicDetector``: per-frame P(music) and P(speech), from the shipped GRU (ONNX, no torch).

It passes audio through untouched (latency 0) and keeps what it heard: ``last_probabilities``
holds, for the frames completed during the last ``process`` call (or ``Chain`` hand-off), their
times in seconds since the stream started (the end of each analysis frame) and the smoothed
probabilities. Scripts use
it to analyse a file or to drive automation; ``MusicAwareDenoiser`` uses the same
``DetectorCore`` inside its noise estimator (Solution 1 of the reference article).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

import numpy as np

from ..dsp import decision_smoothing, music_features
from ..dsp.stft import StftState, StreamingStft
from ..models.inference import RecurrentSession, make_session, shipped_model_path
from .base import Plugin
from .parameter import Param, Value
from .spectral import frame_size_for

MODEL_FILE = "music_detector.onnx"

HOLD_MS = Param("hold_ms", 400.0, 0.0, 5000.0, unit="ms",
                doc="Expected time between music/speech changes: longer gives steadier decisions.")


@dataclass(frozen=True)
class Probabilities:
    """Detector output for a run of frames: ``times_s``, ``music`` and ``speech``, each ``(frames,)``."""

    times_s: np.ndarray
    music: np.ndarray
    speech: np.ndarray

    @classmethod
    def empty(cls) -> "Probabilities":
        return cls(np.zeros(0), np.zeros(0), np.zeros(0))


class DetectorCore:
    """Features -> GRU (onnxruntime) -> HMM smoothing, one step per block of STFT frames."""

    def __init__(self, sample_rate: float, hop_size: int, frame_size: int) -> None:
        self.sample_rate, self.hop_size = sample_rate, hop_size
        self.features = music_features.init_state(sample_rate, frame_size, hop_size)
        self.network = RecurrentSession(make_session(shipped_model_path(MODEL_FILE)))
        self.posterior = np.full(2, 0.5)

    def step(self, power: np.ndarray, hold_ms: float) -> np.ndarray:
        """Smoothed ``(frames, 2)`` [P(music), P(speech)] for power spectra ``(channels, frames, bins)``."""
        if power.shape[1] == 0:
            return np.zeros((0, 2))
        feats = music_features.block_features(self.features, power)
        raw = self.network.run(feats[None])[0].astype(np.float64)
        switch = decision_smoothing.switch_probability(hold_ms * 1e-3, self.hop_size, self.sample_rate)
        smoothed = decision_smoothing.smooth_probabilities(raw, self.posterior, switch)
        self.posterior = smoothed[-1]
        return smoothed


class FrameLog:
    """Mixin for plugins that report per-frame results: what ``_log_frames`` receives during one
    ``process`` call (or one ``Chain`` hand-off, ``_process_aligned``) is handed, in order, to
    ``_logged`` when the call ends, so a script reads the frames of the whole call."""

    _TRANSIENT: tuple[str, ...] = ("_frames_logged",)  # one call's log: never pickled

    def process(self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192,
                reset: bool = True) -> np.ndarray:
        with self._frame_log():
            return super().process(input_array, sample_rate, buffer_size, reset)  # type: ignore[misc]

    __call__ = process

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        with self._frame_log():
            return super()._process_aligned(audio, sample_rate, buffer_size, start)  # type: ignore[misc]

    @contextmanager
    def _frame_log(self) -> Iterator[None]:
        self._frames_logged: list[Any] = []
        try:
            yield
        finally:
            pieces, self._frames_logged = self._frames_logged, []
            self._logged(pieces)

    def _log_frames(self, piece: Any) -> None:
        getattr(self, "_frames_logged", []).append(piece)

    def _logged(self, pieces: list[Any]) -> None:
        raise NotImplementedError


class MusicProbabilityLog(FrameLog):
    """For denoisers that run a ``DetectorCore``: after each ``process`` call (or a ``Chain``'s
    hand-off), ``last_music_probability`` holds P(music) of every frame completed during it,
    ``(frames,)``, in order; the subclass reports frames with ``_log_frames(music)``."""

    last_music_probability: np.ndarray = np.zeros(0)

    def _logged(self, pieces: list[np.ndarray]) -> None:
        self.last_music_probability = np.concatenate(pieces) if pieces else np.zeros(0)


@dataclass
class _DetectorState:
    stft: StreamingStft
    stft_state: StftState
    core: DetectorCore
    sample_rate: float


class MusicDetector(FrameLog, Plugin):
    """Speech/music detector that passes audio through and records per-frame probabilities.

    Example:
        >>> import numpy as np, hushboard
        >>> detector = hushboard.MusicDetector()
        >>> _ = detector(np.zeros(48000, np.float32), 48000)
        >>> p = detector.last_probabilities
        >>> p.music.shape == p.times_s.shape
        True
    """

    PARAMETERS = (HOLD_MS,)
    last_probabilities: Probabilities = Probabilities.empty()

    def _create_state(self, sample_rate: float, num_channels: int, values: Mapping[str, Value]) -> Any:
        size = frame_size_for(sample_rate)
        stft = StreamingStft(size, size // 2)
        return _DetectorState(stft, stft.init_state(num_channels),
                              DetectorCore(sample_rate, stft.hop_size, size), sample_rate)

    def _logged(self, pieces: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if pieces:
            times = np.concatenate([t for t, _ in pieces])
            probs = np.concatenate([p for _, p in pieces])
            self.last_probabilities = Probabilities(times, probs[:, 0], probs[:, 1])
        else:
            self.last_probabilities = Probabilities.empty()

    def _process_block(self, state: _DetectorState, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        first = state.stft_state.frames_done
        spectra = state.stft.frames(state.stft_state, block)
        if spectra.shape[1]:
            power = spectra.real ** 2 + spectra.imag ** 2
            probs = state.core.step(power, float(values["hold_ms"]))
            # frame k covers input samples [k*hop - (N - hop), k*hop + hop): it ends at (k+1)*hop
            ends = (first + 1 + np.arange(spectra.shape[1])) * state.stft.hop_size
            self._log_frames((ends / state.sample_rate, probs))
        return block
