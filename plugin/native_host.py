"""The Python half of the native bridge: what a plugin binary from ``hushboard export-plugin``
runs inside its host (``plugin/native/HushboardBridge.cpp`` is the C++ half).

The binary embeds CPython and, per plugin instance, builds one :class:`Bridge` from the
bundle's config file (``NAME.hushboard.json``: the preset, the parameter table, where hushboard
lives). The C++ side then calls, under the GIL:

- ``latency(sample_rate) -> int`` and ``activate(sample_rate, capacity) -> int`` (the latency);
  ``activate`` preallocates ``input``/``output``, float32 ``(channels, capacity)``, whose memory
  the C++ side writes and reads directly (no copies through Python objects);
- ``process(frames) -> int`` once per chunk: reads ``input[:, :frames]``, streams it through
  the plugin (``reset=False``) and writes the aligned output into the LAST ``m`` frames of
  ``output[:, :frames]``; returns ``m`` (fewer than ``frames`` while the stream starts, by the
  plugin's latency). It never raises: on error it prints the error to stderr (the first three,
  then every 1000th), resets the plugin and returns -1; the C++ side passes that chunk through
  dry, delayed like the wet signal;
- ``set_parameter(index, value)``: a host value (the plain value of the parameter table row;
  choices and booleans as their index) to the hushboard parameter;
- ``values() -> list[float]``, ``get_state() -> str`` (the preset JSON, with learned state) and
  ``set_state(str) -> list[float]`` (the host's project recall).

The parameter table (:func:`parameter_table`) is generated once, at export, from the ``Param``
specs: one row per parameter of each hushboard plugin in the preset (a chain's natives travel
in the preset only). Its digest is compiled into the binary, so a config edited into another
plugin is refused instead of mapping parameters wrongly.
"""
from __future__ import annotations

import hashlib
import json
import sys
import threading
from typing import Any

import numpy as np

from . import automation as auto
from .base import Plugin
from .parameter import Param, Value

CONFIG_FORMAT = "hushboard.native_bridge"
CONFIG_VERSION = 1

# Row keys that define the host's view of a parameter; the digest covers these (not the
# default: a preset with other values is the same plugin).
_DIGEST_KEYS = ("member", "parameter", "symbol", "name", "unit", "kind", "minimum", "maximum",
                "choices", "step")


def pedalboard_parameter_name(name: str, unit: str) -> str:
    """The Python name pedalboard gives an external plugin's parameter (name, then unit label):
    lower case, runs of other characters as one ``_``, no leading/trailing ``_``."""
    text = f"{name} {unit}" if unit else name
    out, previous = [], ""
    for char in text.lower().strip():
        char = char if char.isascii() and char.isalnum() else "_"
        if not (char == "_" and previous == "_"):
            out.append(char)
        previous = char
    return "".join(out).strip("_")


def _display(python_name: str, unit: str) -> tuple[str, str]:
    """``(name, unit)`` to show the host, such that pedalboard calls it ``python_name``:
    ``reduction_db`` with unit dB shows as ``reduction`` [dB]."""
    suffix = "_" + pedalboard_parameter_name(unit, "") if unit else ""
    if suffix and suffix != "_" and python_name.endswith(suffix):
        return python_name[:-len(suffix)], unit
    if not unit or pedalboard_parameter_name(python_name, unit) != python_name:
        return python_name, ""
    return python_name, unit


def _row(member: str | None, spec: Param, value: Value) -> dict[str, Any] | None:
    """The parameter table row of one ``Param`` (``None`` for a one-choice parameter: nothing
    for a host to change)."""
    if spec.is_choice and len(spec.choices or ()) < 2:
        return None
    python_name = f"{member}_{spec.name}" if member else spec.name
    name, unit = _display(python_name, spec.unit)
    row: dict[str, Any] = {"member": member, "parameter": spec.name, "symbol": python_name,
                           "name": name, "unit": unit, "doc": spec.doc, "step": None,
                           "choices": None}
    if spec.is_boolean:
        row.update(kind="boolean", minimum=0.0, maximum=1.0)
    elif spec.is_choice:
        row.update(kind="choice", minimum=0.0, maximum=float(len(spec.choices or ()) - 1),
                   choices=list(spec.choices or ()))
    else:
        row.update(kind="integer" if spec.is_integer and spec.step == 1 else
                   ("log" if spec.scale == "log" else "linear"),
                   minimum=float(spec.minimum), maximum=float(spec.maximum),
                   step=None if spec.step is None else float(spec.step))
    row["default"] = to_host(spec, value)
    return row


def _members(root: Any) -> list[tuple[str | None, Plugin]]:
    """The hushboard plugins a table describes: the root itself, or each leaf of a chain with
    its label (given name or automatic label, as presets and automation use)."""
    if isinstance(root, Plugin):
        return [(None, root)]
    return [(auto.label_of(root, leaf), leaf) for leaf in auto.leaves(root) if isinstance(leaf, Plugin)]


def parameter_table(root: Any) -> list[dict[str, Any]]:
    """One row per host parameter of ``root`` (a hushboard plugin, ``Chain`` or ``Mix``)."""
    rows = []
    for member, plugin in _members(root):
        values = plugin._values_snapshot()
        for spec in plugin.PARAMETERS:
            row = _row(member, spec, values[spec.name])
            if row is not None:
                rows.append(row)
    symbols = [row["symbol"] for row in rows]
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"two host parameters would share a name in {symbols}; give the chain's "
                         "members distinct names in the preset")
    return rows


def table_digest(table: list[dict[str, Any]]) -> str:
    """Digest of what defines the host's parameters (16 hex digits)."""
    core = [{key: row.get(key) for key in _DIGEST_KEYS} for row in table]
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:16]


def to_host(spec: Param, value: Value) -> float:
    """A hushboard value as the host's float: choices and booleans by index."""
    if spec.is_boolean:
        return 1.0 if value else 0.0
    if spec.is_choice:
        return float((spec.choices or ()).index(str(value)))
    return float(value)


def from_host(spec: Param, value: float) -> Value:
    """The host's float as a valid hushboard value: clamped, snapped to steps and choices.

    Hosts hold parameters as float32; the float32 is read as its shortest decimal
    (``0.8`` rather than ``0.800000011920929``), so a value typed in the host is the value the
    plugin gets.
    """
    number = float(str(np.float32(value)))
    if spec.is_boolean:
        return number >= 0.5
    if spec.is_choice:
        choices = spec.choices or ()
        return choices[int(round(min(max(number, 0.0), len(choices) - 1.0)))]
    number = min(max(number, float(spec.minimum)), float(spec.maximum))
    if spec.step is not None:
        steps = round((number - spec.minimum) / spec.step)
        number = min(spec.minimum + steps * spec.step, spec.maximum)
    return spec.validate(number)


class Bridge:
    """One embedded hushboard plugin (or chain), driven by the native plugin's C++ side.

    Args:
        config: the bundle config document (see :mod:`hushboard.plugin.native_export`).
        config_path: where it was read from (for messages).
        table_digest: the parameter-table digest compiled into the binary.
        num_channels: the binary's channel count.
    """

    def __init__(self, config: dict, config_path: str, table_digest_: str, num_channels: int) -> None:
        if config.get("format") != CONFIG_FORMAT:
            raise ValueError(f"{config_path}: not a hushboard native bridge config")
        if int(config.get("version", 0)) > CONFIG_VERSION:
            raise ValueError(f"{config_path}: written by a newer hushboard; re-export the plugin")
        self.label = str(config.get("label", "hushboard"))
        self._table = list(config["parameters"])
        if table_digest(self._table) != table_digest_:
            raise ValueError(f"{config_path}: its parameter table does not match the plugin binary "
                             "(the config was edited or belongs to another export); re-export")
        self._source = config_path
        self._channels = int(num_channels)
        self._lock = threading.Lock()
        self._root, self._targets = self._build(config["preset"])
        self._sample_rate = 48000.0
        self._capacity = 1
        self._started = False
        self.input = np.zeros((self._channels, 1), np.float32)
        self.output = np.zeros((self._channels, 1), np.float32)
        self.errors = 0
        self.last_error: str | None = None

    # -- building ---------------------------------------------------------------------------
    def _build(self, document: dict) -> tuple[Any, list[tuple[Plugin, Param]]]:
        from .presets import from_document

        root = from_document(document, f"{self._source}: preset")
        if table_digest(parameter_table(root)) != table_digest(self._table):
            raise ValueError("the preset describes other parameters than this plugin binary "
                             "(another plugin or chain); export it as its own plugin")
        members = dict(_members(root))
        targets = [(members[row["member"]], members[row["member"]]._specs[row["parameter"]])
                   for row in self._table]
        return root, targets

    # -- what the C++ side calls ------------------------------------------------------------
    def latency(self, sample_rate: float) -> int:
        """The plugin's own latency at ``sample_rate`` (the binary adds its chunking)."""
        return int(self._root.get_latency_samples(float(sample_rate)))

    def activate(self, sample_rate: float, capacity: int) -> int:
        """Start a fresh stream at ``sample_rate`` for chunks of up to ``capacity`` frames."""
        with self._lock:
            self._sample_rate = float(sample_rate)
            self._capacity = int(capacity)
            self.input = np.zeros((self._channels, self._capacity), np.float32)
            self.output = np.zeros((self._channels, self._capacity), np.float32)
            self._root.reset()
            self._started = False
            return self.latency(self._sample_rate)

    def process(self, frames: int) -> int:
        """Stream ``input[:, :frames]``; the aligned output ends at ``output[:, frames]``."""
        with self._lock:
            try:
                block = self.input[:, :frames]
                if self._channels == 1:
                    block = block[0]
                elif not self._started and frames <= self._channels:
                    return 0  # its layout would be ambiguous; the binary's chunks prevent this
                out = self._root.process(block, self._sample_rate, buffer_size=self._capacity,
                                         reset=False)
                self._started = True
                if out.ndim == 1:
                    out = out[None, :]
                produced = out.shape[1]
                if produced:
                    self.output[:, frames - produced:frames] = out
                return produced
            except Exception as error:  # the host must never see it: dry chunk, error reported
                self._fail("process", error)
                try:
                    self._root.reset()
                except Exception as reset_error:  # pragma: no cover - a plugin broken twice
                    self._fail("reset", reset_error)
                self._started = False
                return -1

    def set_parameter(self, index: int, value: float) -> None:
        try:
            plugin, spec = self._targets[index]
            setattr(plugin, spec.name, from_host(spec, value))
        except Exception as error:
            self._fail(f"set_parameter({index}, {value!r})", error)

    def values(self) -> list[float]:
        """Every table parameter's current value as the host's float."""
        return [to_host(spec, getattr(plugin, spec.name)) for plugin, spec in self._targets]

    def get_state(self) -> str:
        """The preset document of the plugin as it is now (learned state included)."""
        from .presets import to_document

        with self._lock:
            try:
                document = to_document(self._root, include_state=True)
            except (TypeError, ValueError):
                document = to_document(self._root)
        return json.dumps(document, allow_nan=False)

    def set_state(self, text: str) -> list[float]:
        """Replace the plugin by the one the preset JSON ``text`` describes (raises if it is not
        a valid preset of this plugin; the C++ side reports it and keeps the old one)."""
        root, targets = self._build(json.loads(text))
        with self._lock:
            self._root, self._targets = root, targets
            self._started = False
        return self.values()

    # -- errors -----------------------------------------------------------------------------
    def _fail(self, where: str, error: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{where}: {type(error).__name__}: {error}"
        if self.errors <= 3 or self.errors % 1000 == 0:
            print(f"hushboard bridge ({self.label}): {self.last_error}; audio passes through dry "
                  f"(error {self.errors})", file=sys.stderr, flush=True)
