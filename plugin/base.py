"""``hushboard.Plugin``: pedalboard's call protocol for Python audio plugins.

What a subclass writes (everything else is here, once):

- ``PARAMETERS``: a tuple of :class:`~hushboard.plugin.parameter.Param` specs. Each becomes a
  constructor keyword, a validated property, an entry of ``parameters`` and a repr field.
- ``_latency_for(sample_rate) -> int``: the constant delay of its DSP in samples (default 0).
- ``_create_state(sample_rate, num_channels, values)``: a fresh ``dsp/`` state object.
- ``_process_block(state, block, values) -> block``: ``(channels, n)`` float64 in, the same shape
  out, delayed by ``_latency_for(sample_rate)`` samples. It must give the same output whatever
  the block sizes are (the invariance test checks every registered plugin).

What the base does, matching pedalboard 0.9 (measured facts in shared/PEDALBOARD.md):

- ``process(input_array, sample_rate, buffer_size=8192, reset=True)``, ``__call__`` the same.
- Layout: 1-D in, 1-D out. 2-D: the smaller dimension is channels, so ``(2, N)`` and ``(N, 2)``
  both work and come back in the same layout. A square array keeps the last detected layout until
  ``reset()``; with none detected it raises ``RuntimeError`` like pedalboard. One extension: while
  a stream continues (``reset=False``), a block whose shape matches the stream's channel count
  along the stream's channel axis keeps that layout, so a stereo stream may be fed ``(2, 1)``
  blocks (pedalboard would read that as two mono samples).
- dtype: float32 and float64 are accepted (float64 is processed and returned as float32); any
  other dtype raises pedalboard's ``TypeError``. 3-D input raises ``ValueError``.
- An empty input returns an empty float32 array of the same layout (pedalboard does the same).
- NaN or infinite input raises ``ValueError`` (never NaN out). Set ``on_nonfinite = "zero"`` on
  an instance to replace them with silence instead.
- ``reset=True`` resets, processes the whole buffer and returns output ALIGNED with the input and
  of the same length: the latency is flushed with silence and trimmed. ``reset=False`` continues
  the stream: output is aligned too, so the first calls return up to ``latency_samples`` fewer
  samples, and feeding silence afterwards flushes the tail. Concatenated, the streamed output
  equals the whole-buffer output, whatever the block sizes.
- A change of sample rate or channel count while streaming raises ``ValueError``.
- Parameters may be set from any thread at any time: setting takes a lock, and each internal
  block of ``buffer_size`` samples uses one consistent snapshot of all values.

One more than pedalboard: a plugin pickles and copies (``plugin/pickling.py``). A subclass
names in ``_TRANSIENT`` the attributes it keeps for the running stream or as caches; the rest of
its ``__dict__`` travels, and the copy is made by ``cls()`` (so every parameter needs a default,
as ``Param`` requires).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np

from . import automation as _automation
from .parameter import Param, Parameter, Value, constructor_signature
from .registry import PLUGINS

DEFAULT_SAMPLE_RATE = 48000.0

CHANNELS_FIRST = "channels_first"
CHANNELS_LAST = "channels_last"

_DTYPE_ERROR = "Pedalboard only supports 32-bit and 64-bit floating point audio for processing."


# ---------------------------------------------------------------------------------------------
# Input checks and layout (shared with Chain)
# ---------------------------------------------------------------------------------------------
def check_sample_rate(sample_rate: Any) -> float:
    """Return ``sample_rate`` as a float, or raise ``ValueError`` unless it is a positive number."""
    try:
        rate = float(sample_rate)
    except (TypeError, ValueError):
        rate = float("nan")
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"sample_rate must be a positive number of Hz (got {sample_rate!r}).")
    return rate


def check_buffer_size(buffer_size: Any) -> int:
    """Return ``buffer_size`` as an int, or raise ``ValueError`` unless it is >= 1."""
    if isinstance(buffer_size, bool) or not isinstance(buffer_size, (int, np.integer)) or buffer_size < 1:
        raise ValueError(f"buffer_size must be an integer >= 1 (got {buffer_size!r}).")
    return int(buffer_size)


def as_float_array(input_array: Any) -> np.ndarray:
    """``input_array`` as a float32/float64 ndarray of 1 or 2 dimensions, else pedalboard's error."""
    array = np.asarray(input_array)
    if array.dtype not in (np.float32, np.float64):
        raise TypeError(_DTYPE_ERROR)
    if array.ndim not in (1, 2):
        raise ValueError(f"Number of input dimensions must be 1 or 2 (got {array.ndim}).")
    return array


def detect_layout(shape: tuple[int, ...], last_layout: str | None,
                  stream_channels: int | None = None) -> str:
    """Which axis of a 2-D array is channels, by pedalboard's rule (see module docstring).

    Args:
        shape: ``(rows, cols)`` of the input.
        last_layout: the layout detected before (kept for square arrays), or ``None``.
        stream_channels: channel count of a stream that continues, or ``None``.
    """
    rows, cols = shape
    if stream_channels is not None and last_layout is not None:
        if last_layout == CHANNELS_FIRST and rows == stream_channels:
            return CHANNELS_FIRST
        if last_layout == CHANNELS_LAST and cols == stream_channels:
            return CHANNELS_LAST
    if rows < cols:
        return CHANNELS_FIRST
    if rows > cols:
        return CHANNELS_LAST
    if last_layout is None:
        raise RuntimeError(
            f"Unable to determine channel layout from shape: {tuple(shape)}. Provide a non-square "
            "array first to allow hushboard to determine which dimension corresponds with the "
            "number of channels and which dimension corresponds with the number of samples.")
    return last_layout


def to_channels_first(array: np.ndarray, layout: str | None) -> np.ndarray:
    """``(channels, samples)`` view of a 1-D (layout ``None``) or 2-D array."""
    if array.ndim == 1:
        return array[None, :]
    return array if layout == CHANNELS_FIRST else array.T


def from_channels_first(audio: np.ndarray, ndim: int, layout: str | None) -> np.ndarray:
    """Inverse of :func:`to_channels_first`, as a contiguous float32 array."""
    if ndim == 1:
        audio = audio[0]
    elif layout == CHANNELS_LAST:
        audio = audio.T
    if audio.dtype == np.float32 and audio.flags.c_contiguous:
        return audio
    return np.ascontiguousarray(audio, dtype=np.float32)


def check_nonfinite_policy(policy: Any) -> str:
    if policy not in ("raise", "zero"):
        raise ValueError(f"on_nonfinite must be 'raise' or 'zero' (got {policy!r}).")
    return policy


class NonfinitePolicy:
    """The ``on_nonfinite`` attribute of plugins and chains: what NaN/Inf input does,
    ``"raise"`` (default, ``ValueError``) or ``"zero"`` (treated as silence); validated on set."""

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        return self if obj is None else obj._on_nonfinite

    def __set__(self, obj: Any, policy: str) -> None:
        obj._on_nonfinite = check_nonfinite_policy(policy)


SMALL_BLOCK_SAMPLES = 1 << 14  # below this, the finiteness check has no errstate to pay for


def replace_or_reject_nonfinite(audio: np.ndarray, policy: str) -> np.ndarray:
    """Raise ``ValueError`` on NaN/Inf (policy ``"raise"``) or zero them (policy ``"zero"``)."""
    # Real-time blocks: isfinite().all() (~1 us for 2 x 512). Long arrays: a sum is ~10x cheaper;
    # it can only overflow for absurd levels, in which case the exact test below decides.
    if audio.size <= SMALL_BLOCK_SAMPLES:
        if np.isfinite(audio).all():
            return audio
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            if math.isfinite(float(audio.sum(dtype=np.float64))):
                return audio
    bad = ~np.isfinite(audio)
    if not bad.any():
        return audio
    if policy == "zero":
        return np.where(bad, 0.0, audio)
    channel, sample = (int(i[0]) for i in np.nonzero(bad))
    raise ValueError(
        f"Input audio contains NaN or infinite values (first at channel {channel}, sample "
        f"{sample}); nothing was processed. Clean the input (e.g. numpy.nan_to_num) or set "
        "on_nonfinite = 'zero' on the plugin to treat them as silence.")


# ---------------------------------------------------------------------------------------------
# The plugin base
# ---------------------------------------------------------------------------------------------
@dataclass
class _Stream:
    """What one stream (from a reset to the next) carries besides the DSP state."""

    sample_rate: float
    num_channels: int
    latency: int
    dsp: Any
    to_trim: int  # delayed output samples still to drop to align the output with the input
    position: int = 0  # input samples fed since the stream began: automation's clock


class Plugin:
    """Base class of every hushboard plugin (see the module docstring for the contract).

    Subclasses are registered by class name in ``hushboard.available_plugins()`` unless they
    pass ``register=False`` in the class statement (abstract helpers do).
    """

    PARAMETERS: ClassVar[tuple[Param, ...]] = ()
    is_effect: ClassVar[bool] = True
    is_instrument: ClassVar[bool] = False
    _specs: ClassVar[dict[str, Param]] = {}
    # Automation (``plugin/automation.py``): the plugin's own lanes, and the lanes a Chain bound
    # to it for the current stream; both None in the common case, which costs one check per call.
    _automation: Any = None
    _host_lanes: Any = None
    #: A ``hushboard.plugin.midi.MidiMap`` kept with the plugin (presets save it); not used here.
    midi_map: Any = None

    def __init_subclass__(cls, register: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._specs = {spec.name: spec for spec in cls.PARAMETERS}
        if len(cls._specs) != len(cls.PARAMETERS):
            raise TypeError(f"{cls.__name__} declares a parameter name twice")
        for spec in cls.PARAMETERS:
            setattr(cls, spec.name, _parameter_property(spec))
        cls.__signature__ = constructor_signature(cls.PARAMETERS)  # type: ignore[attr-defined]
        if register:
            PLUGINS.register(cls.__name__, cls)

    def __init__(self, **parameters: Value) -> None:
        self._lock = threading.RLock()
        self._values: dict[str, Value] = {spec.name: spec.default for spec in self.PARAMETERS}
        self._stream: _Stream | None = None
        self._layout: str | None = None
        self._on_nonfinite = "raise"
        unknown = sorted(set(parameters) - set(self._specs))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected parameter(s) {unknown}; "
                            f"parameters are {list(self._specs)}")
        for name, value in parameters.items():
            setattr(self, name, value)

    # -- attributes ------------------------------------------------------------------------
    if TYPE_CHECKING:  # for type checkers only: the parameters are properties made at run time
        def __getattr__(self, name: str) -> Any: ...

    def __setattr__(self, name: str, value: Any) -> None:
        # Plain check, not dispatch: a typo like `plugin.reduction_Db = 6` must not pass silently.
        if not name.startswith("_") and not hasattr(type(self), name):
            raise AttributeError(
                f"{type(self).__name__} has no parameter {name!r}; parameters are {list(self._specs)}")
        object.__setattr__(self, name, value)

    on_nonfinite = NonfinitePolicy()

    @property
    def automation(self) -> Any:
        """Envelopes for this plugin's parameters (``hushboard.Automation``), or ``None``.

        Assigning checks every parameter name and breakpoint value through the ``Param`` specs.
        The envelopes run on stream time, so streamed output equals the whole-buffer output.
        """
        return self._automation

    @automation.setter
    def automation(self, automation: Any) -> None:
        self._automation = _automation.check_plugin_automation(self, automation)

    def _set_value(self, name: str, value: Value) -> None:
        checked = self._specs[name].validate(value, owner=type(self).__name__)
        with self._lock:
            self._values[name] = checked

    def _values_snapshot(self) -> dict[str, Value]:
        with self._lock:
            return dict(self._values)

    @property
    def parameters(self) -> dict[str, Parameter]:
        """Ordered mapping ``name -> Parameter`` (live views, settable)."""
        return {spec.name: Parameter(self, spec) for spec in self.PARAMETERS}

    # -- pickling and copying (``plugin/pickling.py``) ------------------------------------------
    #: Attributes of a subclass that belong to the running stream or are caches: not pickled.
    _TRANSIENT: ClassVar[tuple[str, ...]] = ()

    def __reduce__(self) -> tuple:
        """Pickle (and ``copy``) support: configuration, learned state and automation travel;
        the copy starts a fresh stream, like the original after ``reset()``."""
        from . import pickling

        return pickling.new_plugin, (type(self),), pickling.plugin_state(self)

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        with self._lock:
            vars(self).update(state)

    def __repr__(self) -> str:
        values = self._values_snapshot()
        fields = " ".join(f"{name}={value!r}" for name, value in values.items())
        return f"<hushboard.{type(self).__name__} {fields} at {hex(id(self))}>".replace("  ", " ")

    # -- latency ---------------------------------------------------------------------------
    @property
    def latency_samples(self) -> int:
        """Delay of the plugin's DSP in samples at the current stream's rate (48 kHz if none).

        ``process`` compensates it (output is aligned with input); a host that streams with
        ``reset=False`` gets the first ``latency_samples`` samples later.
        """
        stream = self._stream
        rate = stream.sample_rate if stream else DEFAULT_SAMPLE_RATE
        return self.get_latency_samples(rate)

    def get_latency_samples(self, sample_rate: float) -> int:
        """Delay in samples this plugin would have at ``sample_rate``."""
        return int(self._latency_for(check_sample_rate(sample_rate)))

    # -- processing ------------------------------------------------------------------------
    def reset(self) -> None:
        """Clear all internal state (tails, noise estimates, layout); parameter values stay."""
        with self._lock:
            self._stream = None
            self._layout = None

    def process(self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192,
                reset: bool = True) -> np.ndarray:
        """Process audio and return float32 audio of the same layout.

        Args:
            input_array: float32 or float64, ``(samples,)``, ``(channels, samples)`` or
                ``(samples, channels)``.
            sample_rate: in Hz, > 0.
            buffer_size: largest block handed to the DSP at once, in samples (bounds memory; the
                output does not depend on it).
            reset: ``True`` resets first and returns the whole aligned output (same length as the
                input). ``False`` continues the stream; the first calls return up to
                ``latency_samples`` fewer samples (pedalboard: "the plugin has likely buffered
                audio inside itself"); flush by feeding silence.

        Returns:
            float32 array, at most as many samples as were provided.
        """
        rate = check_sample_rate(sample_rate)
        block_limit = check_buffer_size(buffer_size)
        array = as_float_array(input_array)
        self._host_lanes = None  # a plugin called on its own runs only its own automation
        if reset:
            self._stream = None  # the layout stays known until reset(), as in pedalboard
        layout = None
        if array.ndim == 2:
            continuing = self._stream.num_channels if self._stream is not None else None
            layout = detect_layout(array.shape, self._layout, continuing)
            self._layout = layout
        if array.size == 0:  # pedalboard returns empty input unchanged (after the layout check)
            return np.zeros(array.shape, np.float32)
        audio = to_channels_first(array, layout)
        audio = replace_or_reject_nonfinite(audio, self.on_nonfinite)
        if reset:
            out = self._process_whole(audio, rate, block_limit)
        else:
            stream = self._open_stream(rate, audio.shape[0])
            out = self._run(stream, audio.astype(np.float64), block_limit)
        return from_channels_first(out, array.ndim, layout)

    __call__ = process

    def _process_whole(self, audio: np.ndarray, sample_rate: float, buffer_size: int) -> np.ndarray:
        """A fresh stream over all of ``audio`` ``(channels, n)``, flushed with silence and
        trimmed: aligned output of the same shape. Input checks are the caller's job."""
        self._stream = None
        stream = self._open_stream(sample_rate, audio.shape[0])
        out = self._run(stream, audio.astype(np.float64), buffer_size)
        tail = np.zeros((audio.shape[0], stream.latency))
        out = np.concatenate([out, self._run(stream, tail, buffer_size)], axis=1)
        self._stream = None  # the flush silence ended this stream; the next call starts anew
        # float32 like every hand-off between plugins, streamed or not: a chain's next member
        # must see the same bits either way
        return out.astype(np.float32)

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        """Host-bridge entry used by ``Chain``/``Mix``: ``process(reset=False)`` on ``(channels, n)``
        float32 without the input checks (the host did them); ``start`` begins a new stream.
        Output is aligned (the first calls return fewer samples) and float32."""
        if start:
            self._stream = None
        stream = self._open_stream(sample_rate, audio.shape[0])
        return self._run(stream, audio.astype(np.float64), buffer_size).astype(np.float32)

    def _open_stream(self, sample_rate: float, num_channels: int) -> _Stream:
        stream = self._stream
        if stream is not None:
            if sample_rate != stream.sample_rate:
                raise ValueError(
                    f"{type(self).__name__}: sample rate changed from {stream.sample_rate:g} Hz to "
                    f"{sample_rate:g} Hz while streaming (reset=False); call reset() first.")
            if num_channels != stream.num_channels:
                raise ValueError(
                    f"{type(self).__name__}: channel count changed from {stream.num_channels} to "
                    f"{num_channels} while streaming (reset=False); call reset() first.")
            return stream
        latency = self.get_latency_samples(sample_rate)
        values = self._values_snapshot()
        lanes = self._active_lanes()
        if lanes:
            values = _automation.values_at(lanes, self._specs, values, 0, sample_rate)
        dsp = self._create_state(sample_rate, num_channels, values)
        stream = _Stream(sample_rate, num_channels, latency, dsp, to_trim=latency)
        self._stream = stream
        return stream

    def _active_lanes(self) -> dict[str, Any] | None:
        """``{parameter: envelope}`` automating this plugin now, or ``None`` (the common case)."""
        own, hosted = self._automation, self._host_lanes
        if own is None and hosted is None:
            return None
        lanes = dict(own.items()) if own is not None else {}
        lanes.update(hosted or {})
        return lanes or None

    def _run(self, stream: _Stream, audio: np.ndarray, block_limit: int) -> np.ndarray:
        """Feed ``audio`` through the DSP in blocks; return the aligned (trimmed) output.

        With automation, blocks are cut at the envelopes' breakpoints and at a fixed grid of
        stream positions, and each piece gets the values of its cell (``plugin/automation.py``);
        a sample-domain parameter (``Param.per_sample``, e.g. ``mix``) gets its envelope sample
        by sample, as an array.
        """
        lanes = self._active_lanes()
        if lanes is None:
            blocks = [(start, min(block_limit, audio.shape[1] - start), -1)
                      for start in range(0, audio.shape[1], block_limit)]
        else:
            blocks = _automation.sub_blocks(lanes.values(), stream.position, audio.shape[1],
                                            self._automation_grid(stream.dsp), block_limit,
                                            stream.sample_rate)
        pieces = []
        for start, length, cell in blocks:
            block = audio[:, start:start + length]
            values = self._values_snapshot()
            if lanes is not None:
                values = _automation.values_at(lanes, self._specs, values, cell, stream.sample_rate)
                for name, envelope in lanes.items():
                    if self._specs[name].per_sample:  # e.g. mix: one value per sample
                        values[name] = envelope.curve_at(stream.position + start, length,
                                                         stream.sample_rate)
            out = self._process_block(stream.dsp, block, values)
            if stream.to_trim:
                dropped = min(stream.to_trim, out.shape[1])
                out = out[:, dropped:]
                stream.to_trim -= dropped
            pieces.append(out)
        stream.position += audio.shape[1]
        if len(pieces) == 1:
            return pieces[0]
        return np.concatenate(pieces, axis=1) if pieces else np.zeros((audio.shape[0], 0))

    # -- what subclasses provide -----------------------------------------------------------
    def _latency_for(self, sample_rate: float) -> int:
        return 0

    def _automation_grid(self, dsp_state: Any) -> int:
        """Grid of automation changes in samples: the STFT hop of a spectral DSP state (one
        ``stft`` attribute with a ``hop_size``), else 32 samples. Override to choose another."""
        return _automation.grid_for(dsp_state)

    def _create_state(self, sample_rate: float, num_channels: int,
                      values: Mapping[str, Value]) -> Any:
        raise NotImplementedError

    def _process_block(self, state: Any, block: np.ndarray, values: Mapping[str, Value]) -> np.ndarray:
        raise NotImplementedError


def _parameter_property(spec: Param) -> property:
    """The validated attribute for one parameter (``plugin.reduction_db``)."""

    def getter(self: Plugin) -> Value:
        return self._values[spec.name]

    def setter(self: Plugin, value: Value) -> None:
        self._set_value(spec.name, value)

    doc = f"{spec.doc} ({spec.range_text()}; default {spec.format(spec.default)})"
    return property(getter, setter, doc=doc)
