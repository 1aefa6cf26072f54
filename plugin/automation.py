"""Parameter automation: envelopes over stream time, applied with sub-block accuracy.

An :class:`Envelope` is a list of breakpoints ``(time, value)`` (time in seconds or samples),
joined by ``"linear"``, ``"exponential"`` or ``"step"`` segments, held or looped after the last
point. An :class:`Automation` maps parameters to envelopes:

- on a hushboard plugin, keyed by parameter name: ``plugin.automation = Automation({"mix": env})``;
- on a ``Chain``/``Mix``, keyed by ``(member, parameter)``, the member given as the object itself,
  an index into the chain, or a label (see :func:`member_labels`), e.g.
  ``chain.automation = Automation({("hum_remover", "reduction_db"): env,
  ("compressor", "threshold_db"): env2})``. Native pedalboard plugins are automated by setting
  their properties between sub-blocks, as pedalboard's maintainers advise (issue #6).

How it is applied (block-size invariant)
    Time is the stream position in input samples since the stream began (``reset=True``, or the
    first ``reset=False`` call after ``reset()``); streamed and whole-buffer processing see the
    same positions. Every block is cut at the envelopes' breakpoints and at a fixed grid of
    absolute positions (``hop_size`` samples for spectral plugins, :data:`GRID_SAMPLES`
    otherwise). Each piece ("cell") gets one consistent set of values: the envelopes evaluated at
    the cell's first sample. A step therefore lands exactly on its sample; a ramp is followed in
    grid-sized stairs, which the plugins' own smoothing (``mix``: 20 ms ramps in
    ``dsp.dry_wet``; filter settings: crossfades) turns into a click-free curve. A cell that a
    caller's block boundary splits keeps its values, so a spectral frame always sees the values of
    the cell in which it completes, whatever the block sizes.

    Automation overrides a parameter while processing; the property keeps the value you set (the
    base the parameter returns to when its lane is removed). Native plugins are the exception:
    their property is set, so it reads the last automated value afterwards.

Example:
    >>> import numpy as np, hushboard
    >>> from hushboard.plugin.automation import Automation, Envelope
    >>> hum = hushboard.HumRemover()
    >>> hum.automation = Automation({"mix": Envelope([(0.0, 0.0), (0.5, 1.0)])})
    >>> hum(np.zeros(48000, np.float32), 48000).shape
    (48000,)
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence, Union

import numpy as np

from .parameter import Param, Value

CURVES = ("linear", "exponential", "step")
REPEATS = ("hold", "loop")
UNITS = ("s", "samples")

#: Grid of a plugin without a frame hop, in samples: 0.67 ms at 48 kHz. Fine enough that a
#: ramp's stairs (each smoothed by the plugin) are inaudible, coarse enough that the per-block
#: Python overhead stays small (1500 blocks per second of 48 kHz audio).
GRID_SAMPLES = 32

Point = tuple[float, Value]
MemberKey = Union[int, str, Any]


# ---------------------------------------------------------------------------------------------
# Envelope
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Envelope:
    """Breakpoint envelope of one parameter.

    Args:
        points: ``[(time, value), ...]`` with non-decreasing times >= 0; values in the
            parameter's own units (dB, Hz, a choice string, a bool). Two points at the same time
            make a jump. Before the first point the first value holds.
        curve: ``"linear"``; ``"exponential"`` (geometric between two values of the same sign,
            e.g. frequencies: equal ratios per unit of time); ``"step"`` (each value holds until
            the next point; the only curve for choices and booleans).
        unit: ``"s"`` (seconds) or ``"samples"`` for the point times.
        repeat: ``"hold"`` keeps the last value; ``"loop"`` repeats the span from the first to the
            last point forever (give the last point the first point's value for a seamless loop).

    Example:
        >>> env = Envelope([(0, 0.0), (1, 1.0)], unit="s")
        >>> env.value_at(24000, 48000)
        0.5
        >>> Envelope([(0, 6.0), (0.5, 18.0)], curve="step").change_points(0, 48000, 48000)
        [0, 24000]
    """

    points: tuple[Point, ...]
    curve: str = "linear"
    unit: str = "s"
    repeat: str = "hold"

    def __init__(self, points: Iterable[Sequence[Any]], curve: str = "linear", unit: str = "s",
                 repeat: str = "hold") -> None:
        pairs = []
        for i, point in enumerate(points):
            if isinstance(point, (str, bytes)) or len(point) != 2:
                raise ValueError(f"envelope point {i} must be a (time, value) pair (got {point!r}).")
            time, value = point
            if isinstance(time, bool) or not isinstance(time, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(float(time)) or float(time) < 0:
                raise ValueError(f"envelope point {i}: time must be a number >= 0 (got {time!r}).")
            if isinstance(value, (np.integer, np.floating)):
                value = value.item()
            pairs.append((float(time), value))
        object.__setattr__(self, "points", tuple(pairs))
        object.__setattr__(self, "curve", curve)
        object.__setattr__(self, "unit", unit)
        object.__setattr__(self, "repeat", repeat)
        self._check()

    def _check(self) -> None:
        if not self.points:
            raise ValueError("an envelope needs at least one (time, value) point.")
        for name, value, allowed in (("curve", self.curve, CURVES), ("unit", self.unit, UNITS),
                                     ("repeat", self.repeat, REPEATS)):
            if value not in allowed:
                raise ValueError(f"envelope {name} must be one of {allowed} (got {value!r}).")
        times = [t for t, _ in self.points]
        if any(b < a for a, b in zip(times, times[1:])):
            raise ValueError(f"envelope times must not decrease (got {times}).")
        values = [v for _, v in self.points]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if not numeric and self.curve != "step":
            raise ValueError(f"a {self.curve} envelope needs numeric values; use curve='step' for "
                             f"choices and booleans (got {values}).")
        if numeric and any(not math.isfinite(float(v)) for v in values):
            raise ValueError(f"envelope values must be finite (got {values}).")
        if self.curve == "exponential" and not (all(float(v) > 0 for v in values)
                                                or all(float(v) < 0 for v in values)):
            raise ValueError(f"an exponential envelope needs values of one sign, none zero "
                             f"(got {values}).")
        if self.repeat == "loop" and times[-1] <= times[0]:
            raise ValueError("a looping envelope needs its last point later than its first.")

    # -- geometry (sample positions as floats) ----------------------------------------------
    def _times(self, sample_rate: float) -> np.ndarray:
        scale = float(sample_rate) if self.unit == "s" else 1.0
        return np.array([t for t, _ in self.points]) * scale

    def _fold(self, position: float, times: np.ndarray) -> float:
        """Map ``position`` into the first period of a looping envelope."""
        if self.repeat == "loop" and position >= times[-1]:
            period = times[-1] - times[0]
            return times[0] + (position - times[0]) % period
        return position

    def value_at(self, position: int, sample_rate: float) -> Value:
        """The envelope's value at sample ``position`` (stream time) at ``sample_rate`` Hz."""
        times = self._times(sample_rate)
        pos = self._fold(float(position), times)
        index = int(np.searchsorted(times, pos, side="right")) - 1
        if index < 0:
            return self.points[0][1]
        if index >= len(times) - 1 or self.curve == "step":
            return self.points[index][1]
        t0, t1 = times[index], times[index + 1]
        v0, v1 = float(self.points[index][1]), float(self.points[index + 1][1])
        frac = (pos - t0) / (t1 - t0)
        if self.curve == "exponential":
            return float(v0 * (v1 / v0) ** frac)
        return float(v0 + (v1 - v0) * frac)

    def curve_at(self, start: int, n: int, sample_rate: float) -> np.ndarray:
        """Values at samples ``start .. start + n - 1`` of a numeric envelope, ``(n,)`` float64:
        :meth:`value_at` vectorised, for sample-domain parameters (``Param.per_sample``)."""
        times = self._times(sample_rate)
        values = np.array([float(v) for _, v in self.points])
        pos = np.arange(start, start + n, dtype=np.float64)
        if self.repeat == "loop":
            period = times[-1] - times[0]
            pos = np.where(pos >= times[-1], times[0] + (pos - times[0]) % period, pos)
        index = np.searchsorted(times, pos, side="right") - 1
        inside = (index >= 0) & (index < len(times) - 1)
        left = values[np.clip(index, 0, len(values) - 1)]
        if self.curve == "step" or not inside.any():
            return np.where(index < 0, values[0], left)
        i = np.clip(index, 0, len(times) - 2)
        t0, t1, v0, v1 = times[i], times[i + 1], values[i], values[i + 1]
        frac = np.where(t1 > t0, (pos - t0) / np.where(t1 > t0, t1 - t0, 1.0), 0.0)
        if self.curve == "exponential":
            between = v0 * (v1 / v0) ** frac
        else:
            between = v0 + (v1 - v0) * frac
        return np.where(index < 0, values[0], np.where(inside, between, left))

    def change_points(self, start: int, stop: int, sample_rate: float) -> list[int]:
        """Sorted sample positions in ``[start, stop)`` where a segment begins (first sample at or
        after each breakpoint's time), repeated every period for a looping envelope."""
        times = self._times(sample_rate)
        firsts = np.ceil(times - 1e-9)  # a time a hair below an integer sample lands on it
        if self.repeat != "loop":
            return sorted({int(p) for p in firsts if start <= p < stop})
        period = times[-1] - times[0]
        found: set[int] = set()
        k0 = max(0, int(math.floor((start - times[-1]) / period)))
        k = k0
        while True:
            shifted = np.ceil(times + k * period - 1e-9)
            found.update(int(p) for p in shifted if start <= p < stop)
            if shifted[0] >= stop:
                break
            k += 1
        return sorted(found)

    def previous_change(self, position: int, sample_rate: float) -> int | None:
        """The last change point at or before ``position``, or ``None``."""
        times = self._times(sample_rate)
        span = int(math.ceil(times[-1] - times[0])) + 2
        lo = max(0, position - span) if self.repeat == "loop" else 0
        points = self.change_points(lo, position + 1, sample_rate)
        return points[-1] if points else None

    # -- presets ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the preset's lane, without its target)."""
        return {"points": [[t, v] for t, v in self.points], "curve": self.curve, "unit": self.unit,
                "repeat": self.repeat}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Envelope":
        return cls([tuple(p) for p in data["points"]], curve=data.get("curve", "linear"),
                   unit=data.get("unit", "s"), repeat=data.get("repeat", "hold"))


def as_envelope(lane: Any) -> Envelope:
    """An :class:`Envelope`, or a list of ``(time, value)`` points read as a linear one in seconds."""
    return lane if isinstance(lane, Envelope) else Envelope(lane)


def check_envelope_for(spec: Param, envelope: Envelope, owner: str) -> None:
    """Raise ``ValueError`` unless every point value is valid for ``spec`` (its own message)."""
    if not spec.is_numeric and envelope.curve != "step":
        raise ValueError(f"{owner} {spec.name} is a {'switch' if spec.is_boolean else 'choice'}: "
                         "automate it with curve='step'.")
    for _, value in envelope.points:
        spec.validate(value, owner=owner)


def coerce(spec: Param, value: Value) -> Value:
    """An interpolated value made valid for ``spec``: clipped to the range, snapped to the step."""
    if not spec.is_numeric:
        return spec.validate(value)
    number = min(max(float(value), spec.minimum), spec.maximum)
    if spec.step is not None:
        number = spec.minimum + round((number - spec.minimum) / spec.step) * spec.step
        number = min(number, spec.maximum)
    return spec._cast(number)


# ---------------------------------------------------------------------------------------------
# Automation (a set of lanes)
# ---------------------------------------------------------------------------------------------
class Automation:
    """Envelopes for a plugin's parameters, or for the members' parameters of a chain.

    Args:
        lanes: ``{parameter: envelope}`` for a plugin, ``{(member, parameter): envelope}`` for a
            ``Chain``/``Mix``; an envelope may be given as a list of ``(seconds, value)`` points
            (linear). Assign the result to ``plugin.automation`` or ``chain.automation``, which
            checks every name and value.

    Example:
        >>> auto = Automation()
        >>> auto.add("reduction_db", [(0, 6.0), (10, 18.0)])
        >>> auto.add("mix", Envelope([(0, 1.0), (5, 0.5)], curve="step"))
        >>> sorted(auto)
        ['mix', 'reduction_db']
    """

    def __init__(self, lanes: Mapping[Any, Any] | None = None) -> None:
        self._lanes: dict[Any, Envelope] = {}
        for target, lane in (lanes or {}).items():
            self.add(target, lane)

    def add(self, target: Any, lane: Any, **envelope_options: Any) -> None:
        """Set the envelope of ``target`` (a parameter name, or ``(member, parameter)``).

        ``lane`` is an :class:`Envelope` or a list of ``(time, value)`` points; with points,
        ``curve``/``unit``/``repeat`` may be given as keywords.
        """
        if isinstance(target, list):
            target = tuple(target)
        if not (isinstance(target, str) or (isinstance(target, tuple) and len(target) == 2
                                              and isinstance(target[1], str))):
            raise TypeError(f"an automation target is a parameter name or (member, parameter) "
                            f"(got {target!r}).")
        envelope = lane if isinstance(lane, Envelope) else Envelope(lane, **envelope_options)
        self._lanes[target] = envelope

    def remove(self, target: Any) -> None:
        del self._lanes[tuple(target) if isinstance(target, list) else target]

    def items(self) -> list[tuple[Any, Envelope]]:
        return list(self._lanes.items())

    def __getitem__(self, target: Any) -> Envelope:
        return self._lanes[target]

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._lanes))

    def __len__(self) -> int:
        return len(self._lanes)

    def __repr__(self) -> str:
        return f"<hushboard.Automation {len(self)} lane(s): {list(self._lanes)}>"


def check_plugin_automation(plugin: Any, automation: Any) -> Automation | None:
    """Validate ``automation`` for a hushboard plugin (names and values through its ``Param`` specs)."""
    if automation is None:
        return None
    if not isinstance(automation, Automation):
        automation = Automation(automation)
    owner = type(plugin).__name__
    for target, envelope in automation.items():
        if not isinstance(target, str):
            raise ValueError(f"{owner} automation is keyed by parameter name (got {target!r}); "
                             "(member, parameter) keys belong on a Chain.")
        spec = plugin._specs.get(target)
        if spec is None:
            raise ValueError(f"{owner} has no parameter {target!r} to automate; parameters are "
                             f"{list(plugin._specs)}")
        check_envelope_for(spec, envelope, owner)
    return automation


# ---------------------------------------------------------------------------------------------
# What the processing hooks call
# ---------------------------------------------------------------------------------------------
Lanes = Mapping[str, Envelope]


def sub_blocks(lanes: Iterable[Envelope], start: int, n: int, grid: int, block_limit: int,
               sample_rate: float) -> list[tuple[int, int, int]]:
    """Cut ``n`` samples starting at stream position ``start`` into cells.

    Returns:
        ``[(offset, length, cell_start), ...]``: ``offset`` into the block, the piece's length,
        and the stream position of the cell's first sample (where its values are evaluated;
        earlier than ``start + offset`` when the block begins inside a cell).
    """
    stop = start + n
    envelopes = list(lanes)
    cuts = set(range((start // grid + 1) * grid, stop, grid))
    for envelope in envelopes:
        cuts.update(envelope.change_points(start + 1, stop, sample_rate))
    edges = sorted(cuts)
    first_cell = (start // grid) * grid
    for envelope in envelopes:
        previous = envelope.previous_change(start, sample_rate)
        if previous is not None:
            first_cell = max(first_cell, previous)
    pieces = []
    position, cell = start, first_cell
    for edge in edges + [stop]:
        while position < edge:  # block_limit smaller than a cell: cut further, same values
            length = min(edge - position, block_limit)
            pieces.append((position - start, length, cell))
            position += length
        cell = edge
    return pieces


def values_at(lanes: Mapping[str, Envelope], specs: Mapping[str, Param], values: dict[str, Value],
              position: int, sample_rate: float) -> dict[str, Value]:
    """``values`` with every automated parameter replaced by its envelope at ``position``."""
    for name, envelope in lanes.items():
        values[name] = coerce(specs[name], envelope.value_at(position, sample_rate))
    return values


def grid_for(dsp_state: Any) -> int:
    """Automation grid of a plugin's DSP: its STFT hop when it has one, else :data:`GRID_SAMPLES`."""
    stft = getattr(dsp_state, "stft", None)
    hop = getattr(stft, "hop_size", None)
    return int(hop) if isinstance(hop, (int, np.integer)) and hop > 0 else GRID_SAMPLES


# ---------------------------------------------------------------------------------------------
# Chains: member labels and binding lanes to members
# ---------------------------------------------------------------------------------------------
def snake_case(name: str) -> str:
    """``"HighpassFilter"`` -> ``"highpass_filter"``, ``"VST3Plugin"`` -> ``"vst3_plugin"``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _is_host(obj: Any) -> bool:
    from .chain import _Host

    return isinstance(obj, _Host)


def _children(obj: Any) -> list[Any]:
    """Direct members of a hushboard host or a native container (``pedalboard.Pedalboard``...)."""
    from .chain import Chain, Mix, is_native

    if isinstance(obj, Chain):
        return list(obj)
    if isinstance(obj, Mix):
        return list(obj.branches)
    if is_native(obj):
        import pedalboard

        if isinstance(obj, pedalboard.PluginContainer):
            return list(obj)
    return []


def walk(root: Any) -> Iterator[Any]:
    """Every object in the tree under ``root``, depth-first, ``root`` first."""
    yield root
    for child in _children(root):
        yield from walk(child)


def _is_container(obj: Any) -> bool:
    from .chain import is_native

    if _is_host(obj):
        return True
    if is_native(obj):
        import pedalboard

        return isinstance(obj, pedalboard.PluginContainer)
    return False


def leaves(root: Any) -> list[Any]:
    """The plugins that hold parameters (hushboard plugins and non-container natives), in order."""
    return [obj for obj in walk(root) if not _is_container(obj)]


def member_labels(root: Any) -> dict[str, Any]:
    """Every label a member of ``root`` answers to: ``{label: member}``.

    Labels are the snake_case class names in processing order, numbered from the second of a kind
    (``"compressor"``, ``"compressor_2"``), plus the names given in each host's ``names`` mapping
    (a preset member's ``"name"``), e.g. ``{"denoiser": ...}``.

    Example:
        >>> import pedalboard, hushboard
        >>> chain = hushboard.Chain([pedalboard.Gain(), hushboard.HumRemover(), pedalboard.Gain()])
        >>> list(member_labels(chain))
        ['gain', 'hum_remover', 'gain_2']
    """
    labels: dict[str, Any] = {}
    counts: dict[str, int] = {}
    for leaf in leaves(root):
        base = snake_case(type(leaf).__name__)
        counts[base] = counts.get(base, 0) + 1
        labels[base if counts[base] == 1 else f"{base}_{counts[base]}"] = leaf
    for host in walk(root):
        for name, member in (getattr(host, "names", None) or {}).items():
            labels[name] = member
    return labels


def label_of(root: Any, member: Any) -> str:
    """The label to save for ``member``: its given name if it has one, else its automatic label."""
    labels = member_labels(root)
    named = [name for host in walk(root) for name, m in (getattr(host, "names", None) or {}).items()
             if m is member]
    if named:
        return named[0]
    for label, obj in labels.items():
        if obj is member:
            return label
    raise ValueError(f"{member!r} is not in this chain.")


def resolve_member(root: Any, key: MemberKey) -> Any:
    """The member of ``root`` that ``key`` names: the object itself, a top-level index or a label."""
    if isinstance(key, bool):
        raise ValueError(f"not a member: {key!r}")
    if isinstance(key, (int, np.integer)):
        members = _children(root)
        if not -len(members) <= int(key) < len(members):
            raise ValueError(f"member index {int(key)} is out of range for {len(members)} members.")
        return members[int(key)]
    if isinstance(key, str):
        labels = member_labels(root)
        if key not in labels:
            raise ValueError(f"no member labelled {key!r}; labels are {list(labels)}")
        return labels[key]
    if any(obj is key for obj in walk(root)):
        return key
    raise ValueError(f"{key!r} is not a member of this chain.")


def native_value(plugin: Any, name: str, value: Any) -> Any:
    """``value`` converted for a native plugin's property (enum members by name)."""
    current = getattr(plugin, name)
    members = getattr(type(current), "__members__", None)
    if members is not None and isinstance(value, str):
        if value not in members:
            raise ValueError(f"{type(plugin).__name__} {name} must be one of {list(members)} "
                             f"(got {value!r}).")
        return members[value]
    if isinstance(current, bool):
        return bool(value)
    return value


def native_properties(plugin: Any) -> list[str]:
    """Settable public properties of a built-in pedalboard plugin (found by introspection)."""
    import inspect

    return [name for name, attr in inspect.getmembers(type(plugin))
            if isinstance(attr, property) and attr.fset is not None and not name.startswith("_")]


def check_host_automation(host: Any, automation: Any) -> Automation | None:
    """Validate a chain's automation: every member resolves, every parameter exists and every
    value is valid (hushboard parameters through their ``Param``; native ones must exist)."""
    if automation is None:
        return None
    if not isinstance(automation, Automation):
        automation = Automation(automation)
    from .base import Plugin

    for target, envelope in automation.items():
        if not isinstance(target, tuple):
            raise ValueError(f"a Chain's automation is keyed by (member, parameter) (got {target!r}).")
        member = resolve_member(host, target[0])
        _check_member_lane(member, target[1], envelope)
    return automation


def _check_member_lane(member: Any, parameter: str, envelope: Envelope) -> None:
    from .base import Plugin

    if isinstance(member, Plugin):
        check_plugin_automation(member, Automation({parameter: envelope}))
    elif _is_container(member):
        raise ValueError(f"{type(member).__name__} is a container; automate one of its members.")
    elif parameter not in native_properties(member):
        raise ValueError(f"{type(member).__name__} has no property {parameter!r} to automate; "
                         f"properties are {native_properties(member)}")


def bind(root: Any) -> None:
    """Push every host's lanes in the tree under ``root`` to the members that run them.

    Called by a top-level ``Chain``/``Mix`` when a stream starts. Hushboard plugins get
    ``_host_lanes`` (``{parameter: envelope}``); native plugins' lanes go to the native segment
    that runs them (``lanes``: ``[(plugin, property, envelope)]``). Later (inner) hosts override
    outer ones for the same parameter.
    """
    from .base import Plugin
    from .chain import Chain, _NativeSegment

    segments = []
    for obj in walk(root):
        if isinstance(obj, Plugin):
            obj._host_lanes = None
        elif isinstance(obj, Chain):
            for step in obj._plan():
                if isinstance(step, _NativeSegment):
                    step.lanes = None
                    segments.append(step)
    for host in walk(root):
        automation = getattr(host, "automation", None) if _is_host(host) else None
        if not automation:
            continue
        for (key, parameter), envelope in automation.items():
            member = resolve_member(host, key)
            _check_member_lane(member, parameter, envelope)
            if isinstance(member, Plugin):
                member._host_lanes = {**(member._host_lanes or {}), parameter: envelope}
                continue
            for segment in segments:
                if any(obj is member for p in segment.plugins for obj in walk(p)):
                    segment.lanes = [lane for lane in (segment.lanes or [])
                                     if not (lane[0] is member and lane[1] == parameter)]
                    segment.lanes.append((member, parameter, envelope))
