"""``NeuralDenoiser``: the article's Solution 2, a full-band 48 kHz neural denoiser (ONNX, no torch).

    STFT (960/480 sqrt-Hann, ``dsp.stft``) -> shipped ONNX graph, one frame per call, all state
    carried as explicit tensors -> effective per-bin complex gain G = E / Y -> optional post-filter
    -> stereo link -> gain floor (``reduction_db``) -> G * Y -> ISTFT -> dry/wet (``dsp.dry_wet``)

The graphs come from ``hushboard.models.export`` (features, network and target head inside; see
``models/neural_denoiser.md`` for the shipped model's card). Whatever the target (mask or
mapping), the plugin works on the effective gain ``G = E Y* / (|Y|^2 + eps)``, so every model
gets the same controls:

- ``reduction_db``: ``|G|`` is limited to ``[10^(-reduction_db / 20), 1]`` per bin, so no bin of
  any frame is attenuated by more than ``reduction_db`` (the noisy signal is mixed back) and none
  is amplified; ``reduction_db = 0`` returns the input for mask models.
- ``post_filter``: PercepNet's gain sharpening ``g sin(pi g / 2)`` with energy compensation
  ``(1 + b) g / (1 + b g^2 / g_sin^2)``, b = 0.02 (Valin et al., "A Perceptually-Motivated
  Approach for Low-Complexity, Real-Time Enhancement of Fullband Speech", Interspeech 2020,
  arXiv:2008.04259; DeepFilterNet uses the same post-filter): deeper cuts where the network is
  unsure, the same loudness where it is sure.
- ``music_protection``: the shipped speech/music detector (``MusicDetector``'s ``DetectorCore``,
  the article's Solution 1 yellow box) runs on the same STFT frames, and each frame's limit is
  ``reduction_db * (1 - 0.75 music_protection P(music))`` (``common.music_reduction_scale``, as
  in ``MusicAwareDenoiser``), P(music) smoothed with ``hold_ms``: deep cuts under dialogue, a
  lighter touch where music plays (defaults 30 dB, 0.25, 1500 ms: 24.4 dB where the detector
  is sure of music; at 1.0, 7.5 dB). The detector decides in groups of 8 frames, and
  the limit glides toward the newest decision (opening in 50 ms as music starts, closing in
  200 ms after it), so it never jumps. At 0 the limit is ``reduction_db`` everywhere and the
  detector does not run (it adds about a third to the network's time); it starts, from a fresh
  state, at the first block where the value is above 0 and then runs until the next reset.
- ``link``: channels run as one batch through the graph; ``mean``/``min`` replace every channel's
  ``|G|`` by the mean/min over channels (each keeps its own phase correction), so the stereo image
  does not wander; ``off`` keeps per-channel gains.

Latency: ``frame_size - 1`` = 959 samples (19.98 ms at 48 kHz), reported and compensated like
every hushboard STFT plugin. The networks were trained at 48 kHz; at other rates the same
960/480 framing is used, so the network hears frequencies scaled by ``rate / 48000`` (fine for
44.1 kHz: -0.7 semitones).

The graph is run one STFT frame per ``session.run``, whatever the block size, so the output is
bit-identical for every blocking (the invariance test).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import onnxruntime

from ..dsp import dry_wet
from ..dsp.stft import StftState, StreamingStft
from ..models.inference import make_session, shipped_model_path
from .base import Plugin
from .common import LINK, MIX, OUTPUT, REDUCTION_DB, music_reduction_scale
from .music_detector import HOLD_MS, DetectorCore, MusicProbabilityLog
from .parameter import Param, Value

#: Shipped models by name -> ONNX file inside ``hushboard/models`` (cards: ``models/*.md``).
SHIPPED_MODELS: dict[str, str] = {"hushnet-s": "neural_denoiser_s.onnx"}

MODEL = Param("model", "hushnet-s", choices=tuple(SHIPPED_MODELS),
              doc="Which shipped network runs (see models/neural_denoiser.md); takes effect at the next reset.")
POST_FILTER = Param("post_filter", False,
                    doc="Sharpen the network's gains (PercepNet post-filter): deeper cuts between harmonics.")

MUSIC_PROTECTION = Param("music_protection", 0.25, 0.0, 1.0,
                         doc="How far detected music lifts the attenuation limit: at 1 a music frame "
                             "is cut by at most a quarter of reduction_db (0 = reduction_db everywhere).")
#: The defaults were chosen on the harness's validation split (models/neural_denoiser.md, "One
#: default for dialogue and music" and "Noise removed while the music plays"): 30 dB under speech
#: and noise, 24.4 dB where the detector is sure of music, so that at least 10 dB of noise is
#: removed WHILE music plays (measured in the scene); decisions held about 1.5 s.
NEURAL_REDUCTION_DB = replace(REDUCTION_DB, default=30.0)
NEURAL_HOLD_MS = replace(HOLD_MS, default=1500.0)

DETECTOR_GROUP = 8  # frames (80 ms at 48 kHz) per detector run; see NeuralDenoiser._music_scales
#: Time constants (s) of the limit's move toward the music value (music starts: open quickly, the
#: music masks the noise that comes up) and back toward the dialogue value (close gently).
LIMIT_OPEN_S, LIMIT_CLOSE_S = 0.05, 0.2
GAIN_EPS = 1e-12  # on |Y|^2 of a bin: below it the bin is silent and its gain irrelevant
POST_FILTER_BETA = 0.02  # PercepNet/DeepFilterNet value: energy compensation of the sharpening


@dataclass(frozen=True)
class ShippedGraph:
    """An onnxruntime session with its frame geometry and state layout (read from metadata)."""

    session: onnxruntime.InferenceSession
    frame_size: int
    hop_size: int
    sample_rate: int
    state_names: tuple[str, ...]
    state_shapes: tuple[tuple[int, ...], ...]  # without the batch dimension
    config: dict
    path: str = ""
    _per_batch: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, filename: str) -> "ShippedGraph":
        path = shipped_model_path(filename)
        session = make_session(path)
        meta = session.get_modelmeta().custom_metadata_map
        inputs = [i for i in session.get_inputs() if i.name.startswith("state_in_")]
        inputs.sort(key=lambda i: int(i.name.rsplit("_", 1)[1]))
        shapes = tuple(tuple(int(d) for d in i.shape[1:]) for i in inputs)
        return cls(session, int(meta["frame_size"]), int(meta["hop_size"]), int(meta["sample_rate"]),
                   tuple(i.name for i in inputs), shapes, json.loads(meta["hushboard_config"]), str(path))

    def frame_session(self, batch: int) -> onnxruntime.InferenceSession:
        """A session for one frame of ``batch`` channels, its dimensions fixed (``make_session``),
        built on first use; the dynamic ``session`` when the graph names no such dimensions."""
        session = self._per_batch.get(batch)
        if session is None:
            names = {d for i in self.session.get_inputs() for d in i.shape if isinstance(d, str)}
            fixed = {name: value for name, value in (("batch", batch), ("frames", 1)) if name in names}
            session = make_session(Path(self.path), fixed) if self.path and fixed else self.session
            self._per_batch[batch] = session
        return session

    def initial_state(self, batch: int) -> list[np.ndarray]:
        return [np.zeros((batch,) + shape, np.float32) for shape in self.state_shapes]


@dataclass
class FrameRunner:
    """One graph step per call through onnxruntime's IOBinding, for one stream.

    The frame's input, its output and two sets of state buffers are numpy arrays bound once
    (``OrtValue``s share their memory); each step writes the frame in place, runs, and swaps
    which state set is read and which written. Same numbers as ``session.run`` with a feed dict,
    without building the feed and the output arrays every 10 ms (about 30 us of 170-200 per
    frame here).
    """

    session: onnxruntime.InferenceSession
    bindings: tuple[onnxruntime.IOBinding, onnxruntime.IOBinding]
    spectrum: np.ndarray  # (batch, 1, bins, 2) float32, the frame's input
    enhanced: np.ndarray  # (batch, 1, bins, 2) float32, the frame's output
    turn: int = 0

    @classmethod
    def create(cls, graph: "ShippedGraph", batch: int) -> "FrameRunner":
        session = graph.frame_session(batch)
        bins = graph.frame_size // 2 + 1
        spectrum = np.zeros((batch, 1, bins, 2), np.float32)
        enhanced = np.zeros_like(spectrum)
        states = (graph.initial_state(batch), graph.initial_state(batch))
        result = next(o.name for o in session.get_outputs() if not o.name.startswith("state_out_"))
        bindings = []
        for read, written in ((0, 1), (1, 0)):
            binding = session.io_binding()
            binding.bind_ortvalue_input("spectrum", onnxruntime.OrtValue.ortvalue_from_numpy(spectrum))
            binding.bind_ortvalue_output(result, onnxruntime.OrtValue.ortvalue_from_numpy(enhanced))
            for name, into, out_of in zip(graph.state_names, states[read], states[written]):
                binding.bind_ortvalue_input(name, onnxruntime.OrtValue.ortvalue_from_numpy(into))
                binding.bind_ortvalue_output(name.replace("state_in_", "state_out_"),
                                             onnxruntime.OrtValue.ortvalue_from_numpy(out_of))
            bindings.append(binding)
        return cls(session, (bindings[0], bindings[1]), spectrum, enhanced)

    def step(self) -> None:
        """Run the graph on ``spectrum``; the result is in ``enhanced``, the state carried."""
        self.session.run_with_iobinding(self.bindings[self.turn])
        self.turn = 1 - self.turn


def post_filter(gain: np.ndarray, beta: float = POST_FILTER_BETA) -> np.ndarray:
    """PercepNet post-filter on gains in [0, 1] (see module docstring); returns gains in [0, 1]."""
    sharpened = gain * np.sin(0.5 * np.pi * gain)
    ratio = gain ** 2 / np.maximum(sharpened ** 2, 1e-20)
    return np.minimum((1 + beta) * gain / (1 + beta * ratio), 1.0)


def limit_magnitudes(magnitude: np.ndarray, reduction_db: float | np.ndarray, use_post_filter: bool,
                     link: str) -> np.ndarray:
    """Gain magnitudes ``(channels, frames, bins)`` -> limited magnitudes: at most 1, optionally
    post-filtered, linked across channels (``mean``/``min``), at least ``10^(-reduction_db/20)``;
    ``reduction_db`` in dB, one value or one per frame ``(frames,)``."""
    limited = np.minimum(magnitude, 1.0)
    if use_post_filter:
        limited = post_filter(limited)
    if link != "off" and limited.shape[0] > 1:
        shared = limited.mean(axis=0) if link == "mean" else limited.min(axis=0)
        limited = np.broadcast_to(shared, limited.shape)
    floor = 10.0 ** (-np.asarray(reduction_db, dtype=float) / 20.0)
    return np.maximum(limited, floor[:, None] if floor.ndim else floor)


def limited_output(enhanced: np.ndarray, spectra: np.ndarray, reduction_db: float | np.ndarray,
                   use_post_filter: bool, link: str) -> np.ndarray:
    """``g Y``, the limited gain times the input, for the effective gain ``G = E Y* / (|Y|^2 + eps)``
    (module docstring): ``g`` has ``G``'s phase and the magnitude ``limit_magnitudes(|G|)``.
    Computed without forming ``G``: ``|G| = |E| |Y| / (|Y|^2 + eps)``, and ``g Y`` is ``E``
    scaled by the real ``|Y|^2 / (|Y|^2 + eps) * |g| / |G|``. Where ``|G| = 0`` (an exact zero
    from the network) ``g`` is real, ``|g|``.

    ``enhanced`` and ``spectra``: ``(channels, frames, bins)`` complex; ``reduction_db`` one value
    or ``(frames,)``; returns complex128.
    """
    magnitude_y = np.abs(spectra)
    power = magnitude_y * magnitude_y
    denominator = power + GAIN_EPS
    magnitude = np.abs(enhanced) * magnitude_y / denominator  # |G|
    limited = limit_magnitudes(magnitude, reduction_db, use_post_filter, link)
    zero = magnitude == 0.0
    scale = np.divide(limited, magnitude, out=np.zeros_like(magnitude), where=~zero)
    output = enhanced * (scale * (power / denominator))
    if zero.any():
        np.copyto(output, limited * spectra, where=zero)
    return output


@dataclass
class _NeuralState:
    graph: ShippedGraph
    stft: StreamingStft
    stft_state: StftState
    runner: FrameRunner
    mixer: dry_wet.DryWetState
    sample_rate: float
    detector: DetectorCore | None = None  # started by the first block with music_protection > 0
    music: float = 0.0  # the detector's newest P(music)
    glide: float = 0.0  # P(music) as the limit follows it (LIMIT_OPEN_S / LIMIT_CLOSE_S), last frame
    pending: list[np.ndarray] = field(default_factory=list)  # power spectra of the group being filled
    pending_frames: int = 0


class NeuralDenoiser(MusicProbabilityLog, Plugin):
    """Full-band neural noise reduction for speech AND music (see the module docstring).

    After each ``process`` call with the detector running (``music_protection`` > 0),
    ``last_music_probability`` holds its P(music) of the frames it decided, ``(frames,)`` (in
    groups of ``DETECTOR_GROUP`` frames).

    Example:
        >>> import numpy as np
        >>> from hushboard.plugin.neural_denoiser import NeuralDenoiser
        >>> denoiser = NeuralDenoiser(reduction_db=20.0)
        >>> noisy = np.random.default_rng(0).normal(0, 0.01, 48000).astype(np.float32)
        >>> denoiser(noisy, 48000).shape
        (48000,)
    """

    PARAMETERS = (NEURAL_REDUCTION_DB, MIX, OUTPUT, POST_FILTER, LINK, MODEL, MUSIC_PROTECTION, NEURAL_HOLD_MS)
    _TRANSIENT = MusicProbabilityLog._TRANSIENT + ("_graphs",)  # loaded ONNX graphs: a cache

    def __init__(self, **parameters: Value) -> None:
        self._graphs: dict[str, ShippedGraph] = {}
        super().__init__(**parameters)

    def _graph(self, name: str) -> ShippedGraph:
        graph = self._graphs.get(name)
        if graph is None:
            graph = self._graphs[name] = ShippedGraph.load(SHIPPED_MODELS[name])
        return graph

    def _latency_for(self, sample_rate: float) -> int:
        return self._graph(str(self._values["model"])).frame_size - 1

    def _create_state(self, sample_rate: float, num_channels: int, values: Mapping[str, Value]) -> Any:
        graph = self._graph(str(values["model"]))
        stft = StreamingStft(graph.frame_size, graph.hop_size)
        return _NeuralState(graph, stft, stft.init_state(num_channels), FrameRunner.create(graph, num_channels),
                            dry_wet.init_state(num_channels, stft.latency_samples, float(values["mix"]),
                                               sample_rate), sample_rate)

    def _process_block(self, state: _NeuralState, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        def processor(spectra: np.ndarray) -> np.ndarray:  # (C, frames, bins) complex128
            reduction_db = float(values["reduction_db"]) * self._music_scales(state, spectra, values)
            return limited_output(self._run_frames(state, spectra), spectra, reduction_db,
                                  bool(values["post_filter"]), str(values["link"]))

        wet = state.stft.process(state.stft_state, block, processor)
        # mix is a float, or one value per sample under automation (dsp.dry_wet handles both)
        return dry_wet.combine(state.mixer, block, wet, values["mix"], str(values["output"]))

    def _music_scales(self, state: _NeuralState, spectra: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        """Per-frame factors on ``reduction_db`` from the detector's P(music), ``(frames,)``.

        The detector runs on groups of ``DETECTOR_GROUP`` frames (one feature pass and one graph
        call per group, whatever the block size); each frame's limit uses the newest P(music),
        that of the group before it, so the limit follows the music ``DETECTOR_GROUP`` frames
        late, well inside ``hold_ms``'s smoothing. The limit then glides there (a one-pole on
        P(music), ``LIMIT_OPEN_S`` when it rises, ``LIMIT_CLOSE_S`` when it falls): a switch
        moves it by up to 22 dB, which a step from one group to the next would make audible as
        the noise floor jumping."""
        protection = float(values["music_protection"])
        if state.detector is None:
            if protection == 0.0:
                return np.ones(spectra.shape[1])
            state.detector = DetectorCore(state.sample_rate, state.stft.hop_size, state.stft.frame_size)
        power = spectra.real ** 2 + spectra.imag ** 2
        music = np.empty(spectra.shape[1])
        done = 0
        while done < spectra.shape[1]:
            take = min(DETECTOR_GROUP - state.pending_frames, spectra.shape[1] - done)
            music[done: done + take] = state.music
            state.pending.append(power[:, done: done + take])
            state.pending_frames += take
            done += take
            if state.pending_frames == DETECTOR_GROUP:
                decided = state.detector.step(np.concatenate(state.pending, axis=1), float(values["hold_ms"]))
                state.music = float(decided[-1, 0])
                state.pending, state.pending_frames = [], 0
                self._log_frames(decided[:, 0])
        return music_reduction_scale(protection, self._glide(state, music))

    @staticmethod
    def _glide(state: _NeuralState, music: np.ndarray) -> np.ndarray:
        """``music`` (per frame) through the open/close one-pole, carried in ``state.glide``."""
        frame_s = state.stft.hop_size / state.sample_rate
        opening, closing = (float(np.exp(-frame_s / tau)) for tau in (LIMIT_OPEN_S, LIMIT_CLOSE_S))
        glided, value = np.empty_like(music), state.glide
        for f, target in enumerate(music.tolist()):  # a scalar recursion, a few frames per block
            coefficient = opening if target > value else closing
            value = coefficient * value + (1.0 - coefficient) * target
            glided[f] = value
        state.glide = value
        return glided

    @staticmethod
    def _run_frames(state: _NeuralState, spectra: np.ndarray) -> np.ndarray:
        """The graph over ``(C, frames, bins)`` spectra, one frame per call; returns the enhanced
        spectra, ``(C, frames, bins)`` complex64 (the graph's float32 (real, imag) pairs, viewed)."""
        runner = state.runner
        out = np.empty(spectra.shape + (2,), np.float32)  # [C, F, bins, 2]
        for f in range(spectra.shape[1]):
            runner.spectrum[:, 0, :, 0] = spectra[:, f].real
            runner.spectrum[:, 0, :, 1] = spectra[:, f].imag
            runner.step()
            out[:, f] = runner.enhanced[:, 0]
        return out.view(np.complex64)[..., 0]
