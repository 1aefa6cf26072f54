"""The host bridge: ``Chain`` (serial) and ``Mix`` (parallel) of native and hushboard plugins.

pedalboard cannot hold Python plugins (``Pedalboard.append`` rejects them, ``Plugin`` cannot be
subclassed usefully), so hushboard brings its own list-like chain. It holds any mix of native
pedalboard plugins (built-ins, loaded VST3/AU, ``pedalboard.Pedalboard``/``Chain``/``Mix``),
hushboard plugins and nested hushboard ``Chain``/``Mix``; it has pedalboard's ``process``
signature, so it can sit wherever a plugin can.

How it runs
    Consecutive native plugins are grouped into one native ``pedalboard.Pedalboard`` ("segment"),
    so a stretch of built-ins costs what it costs in pedalboard, with one Python round trip per
    block however many plugins it holds.

Whole-buffer calls (``reset=True``)
    The buffer is streamed through every member from a fresh start, then the chain's latency is
    flushed with silence and trimmed: the output is aligned and as long as the input, and equals
    what streaming the same audio gives, including members' tails ringing into the next member.
    A chain of only native plugins makes exactly the call the same ``pedalboard.Pedalboard``
    would make, so it gives the same samples.

Streaming (``reset=False``)
    Every member streams exactly as it would alone: it gets the previous member's aligned
    output (shorter at the start of a stream, by the latency so far) and returns its own aligned
    output, so each member sees the same signal as in a whole-buffer call and a streamed chain
    equals the whole-buffer chain. (Handing members delayed signals would shift the frame grid
    and the start of every adaptive estimator, which changes their output.)
    pedalboard re-prepares a native plugin, wiping its state, whenever a call's block is longer
    than any before, and cannot read a 2-D block shorter than its channel count (``(2, 1)`` is
    two mono samples to it; measured in 0.9.26). So the first block a native segment gets in a
    stream is prefixed with ``buffer_size`` samples of silence (whose output is dropped): that
    prepares it for the largest block it will see, and any first block, however short, reaches
    it as part of a long one. Plugins whose state after silence equals their fresh state
    (filters, dynamics, delays, reverbs, EQ, distortion) stream exactly like the whole-buffer
    call; plugins with a free-running LFO (``Chorus``, ``Phaser``) start their LFO
    ``buffer_size`` samples later. Later blocks shorter than the channel count (from the caller)
    raise ``ValueError``, as pedalboard cannot process them.

Latency
    ``latency_samples`` is the sum of the members' latencies (a ``Mix`` has the largest of its
    branches'). ``compensate_latency=False`` returns the output delayed by that amount instead of
    aligned, always as long as the input (what a DAW track without delay compensation does).
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence, Union, overload

import numpy as np
import pedalboard

from . import automation as _automation
from .base import (DEFAULT_SAMPLE_RATE, Plugin, as_float_array, check_buffer_size, NonfinitePolicy,
                   check_sample_rate, detect_layout, from_channels_first,
                   replace_or_reject_nonfinite, to_channels_first)

Member = Union[Plugin, "_Host", pedalboard.Plugin]


FLOAT32 = np.dtype(np.float32)

def is_native(obj: Any) -> bool:
    """True for any pedalboard (C++) plugin, including ``pedalboard.Pedalboard`` itself."""
    return isinstance(obj, pedalboard.Plugin)


def _check_member(obj: Any) -> Member:
    if isinstance(obj, (Plugin, _Host)) or is_native(obj):
        return obj
    raise TypeError(
        f"a hushboard Chain holds pedalboard plugins and hushboard plugins; got {type(obj).__name__!r}")


class _NativeSegment:
    """Consecutive native plugins run as one ``pedalboard.Pedalboard``."""

    def __init__(self, plugins: Sequence[pedalboard.Plugin]) -> None:
        self.plugins = list(plugins)
        self.board = pedalboard.Pedalboard(self.plugins)
        self._latency: dict[float, int] = {}
        self._prefix_pending = False  # the next block gets the silence prefix
        self._to_trim = 0  # output of the silence prefix still to drop
        # automation bound by the top-level host at stream start: [(plugin, property, envelope)]
        self.lanes: list[tuple[pedalboard.Plugin, str, Any]] | None = None
        self._position = 0  # input samples fed since the stream began (automation's clock)
        self._set: dict[tuple[int, str], Any] = {}  # last value set per (plugin id, property)

    def reset(self) -> None:
        self.board.reset()
        self._prefix_pending = True
        self._to_trim = 0

    def get_latency_samples(self, sample_rate: float) -> int:
        """Measured once per rate on the board (it is reset; a stream re-primes it anyway)."""
        if sample_rate not in self._latency:
            self.board.reset()
            block = 8192
            fed = produced = 0
            while produced == 0 and fed < 10 * sample_rate:  # a latency above 10 s is no plugin
                produced += self.board.process(np.zeros(block, np.float32), sample_rate,
                                               buffer_size=block, reset=False).shape[-1]
                fed += block
            self._latency[sample_rate] = fed - produced
            self.reset()
        return self._latency[sample_rate]

    def _process_whole(self, audio: np.ndarray, sample_rate: float, buffer_size: int) -> np.ndarray:
        out = self.board.process(audio if audio.shape[0] > 1 else audio[0], sample_rate,
                                 buffer_size=buffer_size, reset=True)
        return out if out.ndim == 2 else out[None, :]

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        channels, n = audio.shape
        if start:
            self.get_latency_samples(sample_rate)  # measure before the stream, never during it
            self.reset()
            self._position, self._set = 0, {}
        if n == 0:
            return audio
        if self.lanes:
            return self._process_automated(audio, sample_rate, buffer_size)
        self._position += n
        if self._prefix_pending:
            audio = np.concatenate([np.zeros((channels, buffer_size), np.float32), audio], axis=1)
            self._to_trim, self._prefix_pending = buffer_size, False
        elif channels > 1 and n < channels:
            raise ValueError(
                f"pedalboard cannot read a block of {n} sample(s) with {channels} channels; stream "
                f"blocks of at least {channels} samples through a Chain holding native plugins.")
        return self._run_board(audio, sample_rate, buffer_size)

    def _apply_lanes(self, position: int, sample_rate: float) -> None:
        """Set every automated property to its envelope's value at ``position`` (if it changed)."""
        for plugin, name, envelope in self.lanes or ():
            value = _automation.native_value(plugin, name, envelope.value_at(position, sample_rate))
            key = (id(plugin), name)
            if key not in self._set or self._set[key] != value:
                setattr(plugin, name, value)
                self._set[key] = value

    def _process_automated(self, audio: np.ndarray, sample_rate: float, buffer_size: int) -> np.ndarray:
        """Like the plain path, with the block cut into automation cells (``plugin/automation.py``)
        and the natives' properties set before each. A piece shorter than the channel count,
        which pedalboard cannot read, joins the piece before it (its change lands that late)."""
        channels, n = audio.shape
        pieces = _automation.sub_blocks([lane[2] for lane in self.lanes or ()], self._position, n,
                                        _automation.GRID_SAMPLES, buffer_size, sample_rate)
        merged: list[list[int]] = []
        for offset, length, cell in pieces:
            if merged and (length < channels or merged[-1][1] < channels):
                merged[-1][1] += length
            else:
                merged.append([offset, length, cell])
        if self._prefix_pending:
            self._apply_lanes(0, sample_rate)
            self._prefix_pending = False
            self._to_trim = buffer_size
            self._run_board(np.zeros((channels, buffer_size), np.float32), sample_rate, buffer_size)
        elif channels > 1 and n < channels:
            raise ValueError(
                f"pedalboard cannot read a block of {n} sample(s) with {channels} channels; stream "
                f"blocks of at least {channels} samples through a Chain holding native plugins.")
        outs = []
        for offset, length, cell in merged:
            self._apply_lanes(cell, sample_rate)
            outs.append(self._run_board(audio[:, offset:offset + length], sample_rate, buffer_size))
        self._position += n
        return np.concatenate(outs, axis=1) if len(outs) > 1 else outs[0]

    def _run_board(self, audio: np.ndarray, sample_rate: float, buffer_size: int) -> np.ndarray:
        """One streamed board call; the aligned part of its output (the prefix's is dropped)."""
        out = self.board.process(audio if audio.shape[0] > 1 else audio[0], sample_rate,
                                 buffer_size=buffer_size, reset=False)
        out = out if out.ndim == 2 else out[None, :]
        if self._to_trim:
            dropped = min(self._to_trim, out.shape[1])
            out, self._to_trim = out[:, dropped:], self._to_trim - dropped
        return out


class _Host:
    """Shared by Chain and Mix: input checks, layout, alignment, the stream's bookkeeping."""

    is_effect = True
    is_instrument = False

    def __init__(self, compensate_latency: bool = True) -> None:
        self.compensate_latency = bool(compensate_latency)
        self._layout: str | None = None
        self._stream: tuple[float, int] | None = None  # (sample_rate, channels) of the open stream
        self._owed = 0  # leading silence still to emit when compensate_latency is False
        self._on_nonfinite = "raise"
        #: Extra labels for members, ``{name: member}`` (a preset member's ``"name"``); automation
        #: and MIDI maps may name members by these or by their automatic labels.
        self.names: dict[str, Any] = {}
        self._automation: Any = None
        #: A ``hushboard.plugin.midi.MidiMap`` kept with the chain (presets save it).
        self.midi_map: Any = None

    @property
    def automation(self) -> Any:
        """Envelopes for members' parameters, keyed ``(member, parameter)`` (``hushboard.Automation``).

        A member is the object, a top-level index or a label (``"compressor"``, ``"hum_remover_2"``,
        a name from ``names``). Assigning checks members, parameter names and values.
        """
        return self._automation

    @automation.setter
    def automation(self, automation: Any) -> None:
        self._automation = _automation.check_host_automation(self, automation)

    on_nonfinite = NonfinitePolicy()

    def __reduce__(self) -> tuple:
        """Pickle (and ``copy``) support, native pedalboard members included (``plugin/pickling.py``):
        the copy holds the same configuration and starts a fresh stream."""
        from . import pickling

        return pickling.restore_host, (type(self), pickling.host_state(self))

    # -- what Chain and Mix provide --------------------------------------------------------
    def get_latency_samples(self, sample_rate: float) -> int:
        raise NotImplementedError

    def _process_whole(self, audio: np.ndarray, sample_rate: float, buffer_size: int) -> np.ndarray:
        """A fresh stream through every member, flushed with the total latency of silence and
        trimmed: exactly what streaming the same audio gives, tails included."""
        segment = self._single_native_segment()
        if segment is not None and not segment.lanes:  # the very call pedalboard.Pedalboard would make
            return segment._process_whole(audio, sample_rate, buffer_size)
        channels, n = audio.shape
        out = self._process_aligned(audio, sample_rate, buffer_size, start=True)
        owed = n - out.shape[1]
        if owed:
            tail = self._process_aligned(np.zeros((channels, owed), np.float32), sample_rate,
                                         buffer_size, start=False)
            out = np.concatenate([out, tail], axis=1)
        return out[:, :n]

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        raise NotImplementedError

    def _reset_members(self) -> None:
        raise NotImplementedError

    def _holds_python_plugins(self) -> bool:
        raise NotImplementedError

    # -- the protocol ----------------------------------------------------------------------
    @property
    def latency_samples(self) -> int:
        """Total delay in samples at the open stream's rate (48 kHz if none)."""
        rate = self._stream[0] if self._stream else DEFAULT_SAMPLE_RATE
        return self.get_latency_samples(rate)

    def reset(self) -> None:
        """Reset every member and forget the stream and layout (parameter values stay)."""
        self._reset_members()
        self._stream = None
        self._layout = None

    def process(self, input_array: np.ndarray, sample_rate: float, buffer_size: int = 8192,
                reset: bool = True) -> np.ndarray:
        """Process audio through every member; same contract as ``hushboard.Plugin.process``."""
        board = self._fast_board(input_array, sample_rate, reset)
        if board is not None:
            return board.process(input_array, sample_rate, buffer_size=buffer_size, reset=False)
        rate = check_sample_rate(sample_rate)
        block_limit = check_buffer_size(buffer_size)
        array = as_float_array(input_array)
        if reset:
            self._stream = None
        if self._stream is None:  # a stream starts: hand the tree's automation to its members
            _automation.bind(self)
        layout = None
        if array.ndim == 2:
            continuing = self._stream[1] if self._stream else None
            layout = detect_layout(array.shape, self._layout, continuing)
            self._layout = layout
        if array.size == 0:  # pedalboard returns empty input unchanged (after the layout check)
            return np.zeros(array.shape, np.float32)
        audio = to_channels_first(array, layout)
        if self._holds_python_plugins():
            # NaN would poison hushboard plugins' state; pedalboard itself does not check, so a
            # chain of only native plugins passes audio on exactly as pedalboard would.
            audio = replace_or_reject_nonfinite(audio, self.on_nonfinite)
        if audio.dtype != np.float32:
            audio = audio.astype(np.float32)
        if reset:
            out = self._process_whole(audio, rate, block_limit)
            if not self.compensate_latency:
                out = _delay(out, self.get_latency_samples(rate))
            return from_channels_first(out, array.ndim, layout)
        start = self._stream is None
        if not start and self._stream != (rate, audio.shape[0]):
            raise ValueError(
                f"sample rate or channel count changed from {self._stream} to "
                f"{(rate, audio.shape[0])} while streaming (reset=False); call reset() first.")
        self._stream = (rate, audio.shape[0])
        if start:
            self._owed = self.get_latency_samples(rate) if not self.compensate_latency else 0
        out = self._process_aligned(audio, rate, block_limit, start)
        if self._owed and out.shape[1] < audio.shape[1]:
            # no compensation: the latency comes out as leading silence, so every call returns
            # as many samples as it was given
            pad = min(self._owed, audio.shape[1] - out.shape[1])
            out = np.concatenate([np.zeros((out.shape[0], pad), np.float32), out], axis=1)
            self._owed -= pad
        return from_channels_first(out, array.ndim, layout)

    __call__ = process

    def _fast_board(self, input_array: Any, sample_rate: Any, reset: bool) -> Any:
        """The native board to hand a streamed block to directly, or ``None``.

        When the whole chain is one native segment and the stream is running (primed, aligned,
        nothing left to trim), pedalboard's own checks and layout rule give exactly what the
        general path would, so the block goes straight to pedalboard: a chain of native
        plugins then costs what the same ``pedalboard.Pedalboard`` costs.
        """
        stream = self._stream
        if reset or stream is None or self._owed or type(input_array) is not np.ndarray:
            return None
        segment = self._single_native_segment()
        # ``is``: builtin dtypes are singletons; any other float32 spelling takes the general path
        if segment is None or segment._to_trim or segment._prefix_pending or segment.lanes or \
                sample_rate != stream[0] or input_array.dtype is not FLOAT32:
            return None
        channels = stream[1]
        if input_array.ndim == 1:
            return segment.board if channels == 1 else None
        if input_array.ndim == 2 and channels > 1:
            rows, cols = input_array.shape
            if self._layout == "channels_first" and rows == channels and cols > channels:
                return segment.board
            if self._layout == "channels_last" and cols == channels and rows > channels:
                return segment.board
        return None

    def _single_native_segment(self) -> Any:
        return None


def _delay(audio: np.ndarray, samples: int) -> np.ndarray:
    """``audio`` delayed by ``samples`` (zeros in front), same length."""
    if samples == 0:
        return audio
    out = np.zeros_like(audio)
    out[:, samples:] = audio[:, : max(audio.shape[1] - samples, 0)]
    return out


class Chain(_Host):
    """A serial chain of native pedalboard plugins, hushboard plugins and nested chains.

    Args:
        plugins: the members, in processing order.
        compensate_latency: ``True`` (default) returns output aligned with the input;
            ``False`` returns it delayed by ``latency_samples``.

    Example:
        >>> import numpy as np, pedalboard, hushboard
        >>> chain = hushboard.Chain([pedalboard.HighpassFilter(80), hushboard.HumRemover(),
        ...                          pedalboard.Compressor(threshold_db=-20)])
        >>> noisy = np.random.default_rng(0).normal(0, 0.1, (2, 48000)).astype(np.float32)
        >>> chain(noisy, 48000).shape
        (2, 48000)
    """

    def __init__(self, plugins: Iterable[Member] | None = None, compensate_latency: bool = True) -> None:
        super().__init__(compensate_latency)
        self._members: list[Member] = [_check_member(p) for p in (plugins or [])]
        self._segments: list[Any] | None = None
        self._python_members: bool | None = None

    # -- list API (like pedalboard.Pedalboard) ---------------------------------------------
    def _changed(self) -> None:
        self._segments = None
        self._python_members = None
        self._stream = None

    def append(self, plugin: Member) -> None:
        self._members.append(_check_member(plugin))
        self._changed()

    def extend(self, plugins: Iterable[Member]) -> None:
        self._members.extend(_check_member(p) for p in plugins)
        self._changed()

    def insert(self, index: int, plugin: Member) -> None:
        self._members.insert(index, _check_member(plugin))
        self._changed()

    def remove(self, plugin: Member) -> None:
        for i, member in enumerate(self._members):
            if member is plugin:
                del self._members[i]
                self._changed()
                return
        raise ValueError("Chain.remove(x): x is not in the chain")

    def pop(self, index: int = -1) -> Member:
        member = self._members.pop(index)
        self._changed()
        return member

    def clear(self) -> None:
        self._members.clear()
        self._changed()

    def index(self, plugin: Member) -> int:
        for i, member in enumerate(self._members):
            if member is plugin:
                return i
        raise ValueError("Chain.index(x): x is not in the chain")

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterator[Member]:
        return iter(list(self._members))

    def __contains__(self, plugin: object) -> bool:
        return any(member is plugin for member in self._members)

    @overload
    def __getitem__(self, index: int) -> Member: ...
    @overload
    def __getitem__(self, index: slice) -> "Chain": ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(self._members[index], compensate_latency=self.compensate_latency)
        return self._members[index]

    def __setitem__(self, index: int | slice, value: Any) -> None:
        if isinstance(index, slice):
            self._members[index] = [_check_member(p) for p in value]
        else:
            self._members[index] = _check_member(value)
        self._changed()

    def __delitem__(self, index: int | slice) -> None:
        del self._members[index]
        self._changed()

    def __repr__(self) -> str:
        inner = ", ".join(repr(m) for m in self._members)
        return f"<hushboard.{type(self).__name__} with {len(self)} plugins: [{inner}]>"

    # -- running ---------------------------------------------------------------------------
    def _plan(self) -> list[Any]:
        """Members with consecutive native plugins grouped into native segments (cached)."""
        if self._segments is None:
            plan: list[Any] = []
            natives: list[pedalboard.Plugin] = []
            for member in self._members:
                if is_native(member):
                    natives.append(member)
                    continue
                if natives:
                    plan.append(_NativeSegment(natives))
                    natives = []
                plan.append(member)
            if natives:
                plan.append(_NativeSegment(natives))
            self._segments = plan
        return self._segments

    def get_latency_samples(self, sample_rate: float) -> int:
        rate = check_sample_rate(sample_rate)
        return sum(step.get_latency_samples(rate) for step in self._plan())

    def _single_native_segment(self) -> Any:
        plan = self._segments if self._segments is not None else self._plan()
        if len(plan) == 1 and type(plan[0]) is _NativeSegment:
            return plan[0]
        return None

    def _holds_python_plugins(self) -> bool:
        if self._python_members is None:
            self._python_members = any(
                not is_native(m) and (not isinstance(m, _Host) or m._holds_python_plugins())
                for m in self._members)
        return self._python_members

    def _reset_members(self) -> None:
        for step in self._plan():
            step.reset()

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        for step in self._plan():
            audio = step._process_aligned(audio, sample_rate, buffer_size, start)
        return audio


class Mix(_Host):
    """Parallel branches whose outputs are summed, latency-aligned (like ``pedalboard.Mix``).

    Each branch is a plugin or a ``Chain``; a list is wrapped in a ``Chain``. Every branch's
    output is aligned with the input, so the sum never combs; while streaming, output is released
    as soon as every branch has produced it (the slowest branch sets the latency).

    Example:
        >>> import numpy as np, pedalboard, hushboard
        >>> mix = hushboard.Mix([pedalboard.Gain(-6), hushboard.HumRemover()])
        >>> mix(np.zeros((2, 1000), np.float32), 48000).shape
        (2, 1000)
    """

    def __init__(self, branches: Iterable[Member | list], compensate_latency: bool = True) -> None:
        super().__init__(compensate_latency)
        self.branches: list[Chain] = [
            b if isinstance(b, Chain) else Chain(b if isinstance(b, list) else [b]) for b in branches]
        self._pending: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self.branches)

    def __iter__(self) -> Iterator[Chain]:
        return iter(list(self.branches))

    def __getitem__(self, index: int) -> Chain:
        return self.branches[index]

    def __repr__(self) -> str:
        return f"<hushboard.Mix with {len(self.branches)} branches: {self.branches!r}>"

    def get_latency_samples(self, sample_rate: float) -> int:
        return max((b.get_latency_samples(sample_rate) for b in self.branches), default=0)

    def _reset_members(self) -> None:
        for branch in self.branches:
            branch.reset()

    def _holds_python_plugins(self) -> bool:
        return any(branch._holds_python_plugins() for branch in self.branches)

    def _process_aligned(self, audio: np.ndarray, sample_rate: float, buffer_size: int,
                         start: bool) -> np.ndarray:
        """Sum the branches' aligned outputs; a branch that is ahead waits in a FIFO."""
        if not self.branches:
            return audio
        if start:
            self._pending = [np.zeros((audio.shape[0], 0), np.float32) for _ in self.branches]
        for i, branch in enumerate(self.branches):
            out = branch._process_aligned(audio, sample_rate, buffer_size, start)
            self._pending[i] = np.concatenate([self._pending[i], out], axis=1)
        ready = min(p.shape[1] for p in self._pending)
        total = sum(p[:, :ready] for p in self._pending)
        self._pending = [p[:, ready:] for p in self._pending]
        return total
