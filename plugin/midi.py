"""MIDI control: CC numbers (and channels) mapped to parameters, ``.mid`` files read to automation
with their tempo map, live ports and callbacks, and MIDI learn (with ``mido``).

A CC value ``v`` in 0..127 is the normalized position ``v / 127`` of the target, mapped through the
parameter's own ``raw_value`` (``Param.from_raw``): log-scaled frequencies move by octaves, steps
and choices snap, booleans switch at 64. Targets:

- a hushboard plugin's parameter: ``"reduction_db"`` (map on the plugin) or
  ``("denoiser", "reduction_db")`` (map on a chain; the member is a label, an index or the object);
- a VST3/AU parameter (its ``parameters[name].raw_value``);
- a built-in pedalboard property, which has no normalized range: give one,
  ``("compressor", "threshold_db", -40.0, 0.0)`` (linear).

Example:
    >>> import mido, pedalboard, hushboard
    >>> from hushboard.plugin.midi import MidiMap
    >>> hum = hushboard.HumRemover()
    >>> chain = hushboard.Chain([hum, pedalboard.Compressor()])
    >>> midi = MidiMap({74: ("hum_remover", "highpass_hz"),
    ...                 (1, 7): ("compressor", "threshold_db", -40.0, 0.0)}, chain)
    >>> midi.handle(mido.Message("control_change", control=74, value=127))
    True
    >>> hum.highpass_hz
    300.0
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence, Union

import mido

from . import automation as auto
from .base import Plugin

Target = Union[str, Sequence[Any]]


@dataclass(frozen=True)
class MidiBinding:
    """One CC -> parameter mapping.

    Args:
        cc: controller number 0..127.
        channel: MIDI channel 0..15 as mido numbers them (a DAW's channel 1 is 0), or ``None`` for
            any channel.
        member: label or index of the chain member (``None`` when the map belongs to a plugin).
        parameter: the parameter or property name.
        range: ``(value at CC 0, value at CC 127)`` for built-in pedalboard properties (linear);
            ``None`` for parameters with their own normalized mapping.
    """

    cc: int
    channel: int | None
    member: Any
    parameter: str
    range: tuple[float, float] | None = None

    def matches(self, message: Any) -> bool:
        return (message.type == "control_change" and message.control == self.cc
                and (self.channel is None or message.channel == self.channel))


def _parse_target(target: Target) -> tuple[Any, str, tuple[float, float] | None]:
    if isinstance(target, str):
        return None, target, None
    items = list(target)
    if len(items) == 2:
        return items[0], str(items[1]), None
    if len(items) == 4:
        return items[0], str(items[1]), (float(items[2]), float(items[3]))
    raise ValueError(f"a MIDI target is 'parameter', (member, parameter) or (member, property, "
                     f"value_at_0, value_at_127) (got {target!r}).")


def _parse_key(key: Any) -> tuple[int, int | None]:
    if isinstance(key, tuple) and len(key) == 2:
        channel, cc = key
    else:
        channel, cc = None, key
    if isinstance(cc, bool) or not isinstance(cc, int) or not 0 <= cc <= 127:
        raise ValueError(f"a CC number is an integer 0..127 (got {cc!r}).")
    if channel is not None and (isinstance(channel, bool) or not isinstance(channel, int)
                                or not 0 <= channel <= 15):
        raise ValueError(f"a MIDI channel is an integer 0..15 (mido numbering) or None (got {channel!r}).")
    return cc, channel


class MidiMap:
    """CC numbers (and channels) mapped to parameters of a plugin or of a chain's members.

    Args:
        mapping: ``{cc: target}`` or ``{(channel, cc): target}`` (see the module docstring).
        root: the plugin or ``Chain``/``Mix`` the targets live in.

    Use ``handle(message)`` (or ``callback``) for each incoming message: from a live port
    (:meth:`open_input`), a sequencer, or your own code while streaming with ``reset=False``.
    Values change between blocks; each block uses one consistent set of values.
    """

    def __init__(self, mapping: Mapping[Any, Target] | None = None, root: Any = None) -> None:
        if root is None:
            raise ValueError("MidiMap needs the plugin or chain its targets live in (root=...).")
        self.root = root
        self._bindings: list[MidiBinding] = []
        self._lock = threading.Lock()
        self._learning: tuple[Any, str, tuple[float, float] | None] | None = None
        self._on_learned: Callable[[MidiBinding], None] | None = None
        for key, target in (mapping or {}).items():
            cc, channel = _parse_key(key)
            self.bind(cc, target, channel=channel)

    # -- pickling (a plugin or chain carries its map: ``plugin/pickling.py``) ------------------
    def __getstate__(self) -> dict[str, Any]:
        """The root and the bindings; a MIDI-learn in progress (a live session's) is not kept."""
        with self._lock:
            return {"root": self.root, "_bindings": list(self._bindings)}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        vars(self).update(state, _lock=threading.Lock(), _learning=None, _on_learned=None)

    # -- bindings --------------------------------------------------------------------------
    @property
    def bindings(self) -> list[MidiBinding]:
        with self._lock:
            return list(self._bindings)

    def __len__(self) -> int:
        return len(self._bindings)

    def __repr__(self) -> str:
        return f"<hushboard.MidiMap {len(self)} binding(s): {self.bindings}>"

    def bind(self, cc: int, target: Target, channel: int | None = None) -> MidiBinding:
        """Map ``cc`` (on ``channel``, or any) to ``target``; replaces an existing binding of it."""
        cc, channel = _parse_key((channel, cc))
        member, parameter, value_range = _parse_target(target)
        binding = MidiBinding(cc, channel, member, parameter, value_range)
        self._setter(binding)  # resolve now: a wrong name fails here, not on the first message
        with self._lock:
            self._bindings = [b for b in self._bindings if (b.cc, b.channel) != (cc, channel)]
            self._bindings.append(binding)
        return binding

    def _member(self, binding: MidiBinding) -> Any:
        if binding.member is None:
            return self.root
        return auto.resolve_member(self.root, binding.member)

    def _setter(self, binding: MidiBinding) -> Callable[[float], None]:
        """A function taking a normalized position in [0, 1] and setting the target."""
        member = self._member(binding)
        name = binding.parameter
        if isinstance(member, Plugin):
            if name not in member._specs:
                raise ValueError(f"{type(member).__name__} has no parameter {name!r}; parameters "
                                 f"are {list(member._specs)}")
            parameter = member.parameters[name]
            return lambda raw: setattr(parameter, "raw_value", raw)
        if auto._is_container(member):
            raise ValueError(f"{type(member).__name__} is a container; map one of its members.")
        external = getattr(member, "parameters", None)
        if binding.range is None and isinstance(external, Mapping):
            if name not in external:
                raise ValueError(f"{type(member).__name__} has no parameter {name!r}; parameters "
                                 f"are {sorted(external)}")
            return lambda raw: setattr(external[name], "raw_value", raw)
        if name not in auto.native_properties(member):
            raise ValueError(f"{type(member).__name__} has no property {name!r}; properties are "
                             f"{auto.native_properties(member)}")
        if binding.range is None:
            raise ValueError(f"pedalboard.{type(member).__name__} {name} has no normalized range: "
                             f"map it as (member, {name!r}, value_at_0, value_at_127).")
        low, high = binding.range
        return lambda raw: setattr(member, name, low + raw * (high - low))

    def value_for(self, binding: MidiBinding, cc_value: int) -> Any:
        """The parameter value CC value ``cc_value`` (0..127) sets, in the parameter's units."""
        raw = min(max(int(cc_value), 0), 127) / 127.0
        member = self._member(binding)
        if isinstance(member, Plugin):
            return member._specs[binding.parameter].from_raw(raw)
        if binding.range is None:
            raise ValueError(f"{type(member).__name__} {binding.parameter}: automation from MIDI "
                             "needs a (value_at_0, value_at_127) range for this parameter.")
        low, high = binding.range
        return low + raw * (high - low)

    # -- live messages ---------------------------------------------------------------------
    def handle(self, message: Any) -> bool:
        """Apply one ``mido`` message; ``True`` when it changed a parameter.

        While :meth:`learn` is armed, the first control change binds its CC (and channel) to the
        chosen target, then applies.
        """
        if getattr(message, "type", None) != "control_change":
            return False
        with self._lock:
            learning, on_learned = self._learning, self._on_learned
            self._learning = self._on_learned = None
        if learning is not None:
            member, parameter, value_range = learning
            target = (member, parameter) if value_range is None else (member, parameter, *value_range)
            binding = self.bind(message.control, target if member is not None else parameter,
                                channel=message.channel)
            if on_learned is not None:
                on_learned(binding)
        applied = False
        for binding in self.bindings:
            if binding.matches(message):
                self._setter(binding)(message.value / 127.0)
                applied = True
        return applied

    callback = handle  #: pass to ``mido.open_input(name, callback=midi_map.callback)``

    def learn(self, target: Target, on_learned: Callable[[MidiBinding], None] | None = None) -> None:
        """MIDI learn: the next control change received binds to ``target``.

        Example:
            >>> import mido, hushboard
            >>> hum = hushboard.HumRemover()
            >>> midi = MidiMap({}, hum)
            >>> midi.learn("mix")
            >>> midi.handle(mido.Message("control_change", channel=2, control=21, value=0))
            True
            >>> midi.bindings[0].cc, midi.bindings[0].channel, hum.mix
            (21, 2, 0.0)
        """
        member, parameter, value_range = _parse_target(target)
        self._setter(MidiBinding(0, None, member, parameter, value_range))  # check the target now
        with self._lock:
            self._learning = (member, parameter, value_range)
            self._on_learned = on_learned

    @property
    def learning(self) -> bool:
        """True while :meth:`learn` waits for a control change."""
        return self._learning is not None

    def open_input(self, port_name: str | None = None) -> Any:
        """Open a live MIDI input port (``mido``'s backend, e.g. python-rtmidi) that calls
        :meth:`handle` for every message; close the returned port to stop."""
        return mido.open_input(port_name, callback=self.handle)

    # -- files -----------------------------------------------------------------------------
    def to_automation(self, midi_file: Any) -> auto.Automation:
        """Read a ``.mid`` file's control changes for the mapped CCs into step envelopes.

        Times follow the file's tempo map (every ``set_tempo``), in seconds; before a CC's first
        event the parameter keeps its current value. Assign the result to the root's
        ``automation``.

        Args:
            midi_file: a path or a ``mido.MidiFile`` (type 0 or 1).
        """
        lanes: dict[Any, list[tuple[float, Any]]] = {}
        keys: dict[Any, MidiBinding] = {}
        for seconds, message in read_events(midi_file):
            for binding in self.bindings:
                if binding.matches(message):
                    key = binding.parameter if binding.member is None else (binding.member,
                                                                            binding.parameter)
                    keys[key] = binding
                    lanes.setdefault(key, []).append((seconds, self.value_for(binding, message.value)))
        automation = auto.Automation()
        for key, points in lanes.items():
            if points[0][0] > 0:
                points.insert(0, (0.0, self._current(keys[key])))
            automation.add(key, auto.Envelope(points, curve="step", unit="s"))
        return automation

    def _current(self, binding: MidiBinding) -> Any:
        member = self._member(binding)
        value = getattr(member, binding.parameter)
        return value if isinstance(value, (int, float, str, bool)) else float(value)

    # -- presets ---------------------------------------------------------------------------
    def to_list(self, root: Any = None) -> list[dict[str, Any]]:
        """JSON-able bindings (members by label) for a preset."""
        root = self.root if root is None else root
        entries = []
        for binding in self.bindings:
            entry: dict[str, Any] = {"cc": binding.cc, "channel": binding.channel}
            if binding.member is not None:
                member = binding.member
                if not isinstance(member, (str, int)) or isinstance(member, bool):
                    member = auto.label_of(root, member)
                entry["member"] = member
            entry["parameter"] = binding.parameter
            if binding.range is not None:
                entry["range"] = list(binding.range)
            entries.append(entry)
        return entries

    @classmethod
    def from_list(cls, entries: Iterable[Mapping[str, Any]], root: Any) -> "MidiMap":
        midi = cls({}, root)
        for i, entry in enumerate(entries):
            member = entry.get("member")
            target: Any = entry["parameter"] if member is None else (member, entry["parameter"])
            if entry.get("range") is not None:
                target = (member, entry["parameter"], *entry["range"])
            try:
                midi.bind(entry["cc"], target, channel=entry.get("channel"))
            except ValueError as error:
                raise ValueError(f"[{i}]: {error}") from None
        return midi


# ---------------------------------------------------------------------------------------------
# .mid files and their tempo map
# ---------------------------------------------------------------------------------------------
def _open(midi_file: Any) -> Any:
    if isinstance(midi_file, mido.MidiFile):
        return midi_file
    try:
        return mido.MidiFile(os.fspath(midi_file))
    except (OSError, EOFError, ValueError, KeyError) as error:
        raise ValueError(f"{os.fspath(midi_file)}: not a readable MIDI file ({error}).") from None


def tempo_map(midi_file: Any) -> list[tuple[int, int]]:
    """``[(tick, microseconds per beat), ...]`` of every tempo change (120 BPM until the first)."""
    changes = [(0, 500000)]
    tick = 0
    for message in mido.merge_tracks(_open(midi_file).tracks):
        tick += message.time
        if message.type == "set_tempo":
            changes.append((tick, message.tempo))
    return changes


def read_events(midi_file: Any) -> list[tuple[float, Any]]:
    """Every message of a type-0/1 ``.mid`` file with its time in seconds, tempo map applied.

    Seconds advance by ``delta_ticks * tempo / (1e6 * ticks_per_beat)`` with the tempo in force
    (every track's ``set_tempo`` counts, as in a DAW); a type-2 file (independent tracks) is refused.
    """
    midi = _open(midi_file)
    if midi.type == 2:
        raise ValueError(f"{midi.filename or 'MIDI file'}: type 2 (asynchronous tracks) has no single "
                         "timeline; export it as type 0 or 1.")
    tempo, seconds, events = 500000, 0.0, []
    for message in mido.merge_tracks(midi.tracks):
        seconds += message.time * tempo / (1e6 * midi.ticks_per_beat)
        if message.type == "set_tempo":
            tempo = message.tempo
        elif not message.is_meta:
            events.append((seconds, message))
    return events


def midi_file_to_automation(midi_file: Any, midi_map: Mapping[Any, Target] | MidiMap,
                            root: Any = None) -> auto.Automation:
    """Automation from a ``.mid`` file's control changes (see :meth:`MidiMap.to_automation`).

    Example:
        ``chain.automation = midi_file_to_automation("moves.mid", {74: ("denoiser", "reduction_db")}, chain)``
    """
    if not isinstance(midi_map, MidiMap):
        midi_map = MidiMap(midi_map, root)
    return midi_map.to_automation(midi_file)
