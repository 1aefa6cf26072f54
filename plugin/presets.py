"""Presets: any plugin or chain as plain, versioned, human-readable JSON.

    import pedalboard, hushboard
    chain = hushboard.Chain([pedalboard.HighpassFilter(80), hushboard.HumRemover()])
    hushboard.save_preset(chain, "my-chain.json", description="rumble and hum")
    same = hushboard.load_preset("my-chain.json")
    voice = hushboard.load_preset("podcast-voice")  # a factory preset, by name

The document (``presets/schema.json`` describes it; every load is checked against it)::

    {"format": "hushboard.preset", "version": "1.0", "description": "...",
     "plugin": NODE, "midi_map": [{"cc": 74, "channel": null, "member": "denoiser",
                                   "parameter": "reduction_db"}]}

    NODE = {"type": "hushboard.Chain", "compensate_latency": true, "plugins": [NODE, ...],
            "automation": [LANE, ...]}
         | {"type": "hushboard.Mix", "compensate_latency": true, "branches": [NODE, ...]}
         | {"type": "hushboard.HumRemover", "name": "hum", "parameters": {"reduction_db": 40.0, ...},
            "state": {...}, "automation": [LANE, ...]}
         | {"type": "pedalboard.Compressor", "parameters": {"threshold_db": -20.0, ...}}
         | {"type": "pedalboard.Pedalboard" | "pedalboard.Chain" | "pedalboard.Mix", "plugins": [...]}
         | {"type": "pedalboard.VST3Plugin" | "pedalboard.AudioUnitPlugin", "path": "...",
            "plugin_name": "...", "raw_state": BASE64}
    LANE = {"member": "compressor" (chains only), "parameter": "threshold_db",
            "points": [[0, -10], [30, -20]], "curve": "linear", "unit": "s", "repeat": "hold"}

- Hushboard plugins are named by registry name (``hushboard.available_plugins()``) and their
  parameters by ``Param`` name, units included; values are checked by ``Param.validate`` (the
  one description of a parameter). Missing parameters take their defaults.
- Built-in pedalboard plugins are saved by their public settable properties, found by
  introspection (enums by member name); VST3/AU plugins by path, plugin name and ``raw_state``
  (base64). pedalboard does not expose a loaded plugin's path: load external plugins with
  :func:`load_external_plugin` (which remembers it) or pass ``plugin_paths`` to
  :func:`save_preset`.
- Learned state (a noise profile) is saved with ``include_state=True`` from plugins that
  implement ``get_state() -> dict`` (JSON-able; arrays as lists or base64) and
  ``set_state(dict)`` (:class:`StatefulPlugin`).
- Members may carry a ``"name"``; automation lanes and MIDI bindings name members by it or by their
  automatic label (``hushboard.plugin.automation.member_labels``).

Errors are :class:`PresetError` (a ``ValueError``) naming the file and the JSON key path, e.g.
``my.json: plugin.plugins[1].parameters.reduction_db: HumRemover reduction_db must be between 0 dB
and 60 dB (got 70).`` Saving builds and checks the whole document first and then writes it
atomically (temporary file + rename): on any error nothing is written.

Versioning: ``version`` is ``"MAJOR.MINOR"``. This module writes :data:`VERSION` and reads any
1.x whose keys it knows; a newer major version is refused with a message saying so. Older formats
would be upgraded in :func:`migrate` (there are none yet: 1.0 is the first).

Schema validation uses a small built-in validator for the JSON-Schema subset the shipped schema
uses (no ``jsonschema`` runtime dependency); the tests check the schema with ``jsonschema`` too.
"""
from __future__ import annotations

import base64
import functools
import json
import math
import os
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence, Union, runtime_checkable

import numpy as np
import pedalboard

from . import automation as auto
from .base import Plugin
from .chain import Chain, Mix, _Host, is_native
from .registry import PLUGINS

FORMAT = "hushboard.preset"
VERSION = "1.0"
MAJOR = 1

KeyPath = Sequence[Union[str, int]]
PathLike = Union[str, "os.PathLike[str]"]


class PresetError(ValueError):
    """A preset could not be read, checked or written.

    Attributes:
        source: the file (or ``"factory preset 'name'"``) the error is about.
        key: the JSON key path, e.g. ``"plugin.plugins[1].parameters.mix"`` (``None`` for the
            file as a whole).
    """

    def __init__(self, source: str, key: str | None, message: str) -> None:
        self.source, self.key, self.message = source, key, message
        super().__init__(f"{source}: {key}: {message}" if key else f"{source}: {message}")

    def __reduce__(self) -> tuple:
        """Rebuilt from its three parts, so it crosses a process boundary (a preset loaded in a
        ``multiprocessing`` worker raises the same error in the parent)."""
        return type(self), (self.source, self.key, self.message)


@runtime_checkable
class StatefulPlugin(Protocol):
    """A plugin whose learned state presets can carry (``include_state=True``).

    ``get_state`` returns a JSON-able dict (numbers, strings, lists, dicts; arrays as lists or
    base64 strings); ``set_state`` restores it on a plugin built with the same parameters.
    """

    def get_state(self) -> dict: ...

    def set_state(self, state: Mapping[str, Any]) -> None: ...


def key_text(path: KeyPath) -> str:
    """``["plugin", "plugins", 1, "mix"]`` -> ``"plugin.plugins[1].mix"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# ---------------------------------------------------------------------------------------------
# Schema: the shipped file and a small validator for the subset it uses
# ---------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON schema shipped as ``hushboard/presets/schema.json`` (read once, on first use)."""
    return json.loads((resources.files("hushboard.presets") / "schema.json").read_text("utf-8"))


_JSON_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


def validate_schema(document: Any, source: str, root: Mapping[str, Any] | None = None) -> None:
    """Check ``document`` against the shipped schema; raise :class:`PresetError` at the first
    violation, naming its key path. Supports ``type``, ``const``, ``enum``, ``required``,
    ``properties``, ``additionalProperties: false``, ``items``, ``minItems``/``maxItems``,
    ``minimum``/``maximum``, ``minLength``, ``pattern`` and local ``$ref``s."""
    root = root if root is not None else schema()
    _check(document, root, root, ["(preset)"], source)


def _check(value: Any, rule: Mapping[str, Any], root: Mapping[str, Any], path: list, source: str) -> None:
    def fail(message: str) -> None:
        raise PresetError(source, key_text(path[1:]) or None, message)

    if "$ref" in rule:
        target: Any = root
        for part in rule["$ref"].lstrip("#/").split("/"):
            target = target[part]
        rule = target
    if "const" in rule and value != rule["const"]:
        fail(f"must be {rule['const']!r} (got {value!r}).")
    if "enum" in rule and value not in rule["enum"]:
        fail(f"must be one of {rule['enum']} (got {value!r}).")
    if "type" in rule:
        types = rule["type"] if isinstance(rule["type"], list) else [rule["type"]]
        if not any(_JSON_TYPES[t](value) for t in types):
            fail(f"must be {' or '.join(types)} (got {json.dumps(value)[:60]}).")
    if isinstance(value, dict):
        for key in rule.get("required", ()):
            if key not in value:
                fail(f"missing key {key!r}.")
        properties = rule.get("properties", {})
        for key, item in value.items():
            if key in properties:
                _check(item, properties[key], root, path + [key], source)
            elif rule.get("additionalProperties") is False:
                raise PresetError(source, key_text(path[1:] + [key]),
                                  f"unknown key; allowed here: {sorted(properties)}")
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0):
            fail(f"needs at least {rule['minItems']} item(s) (got {len(value)}).")
        if "maxItems" in rule and len(value) > rule["maxItems"]:
            fail(f"takes at most {rule['maxItems']} item(s) (got {len(value)}).")
        if "items" in rule:
            for i, item in enumerate(value):
                _check(item, rule["items"], root, path + [i], source)
    if _JSON_TYPES["number"](value):
        if "minimum" in rule and value < rule["minimum"]:
            fail(f"must be >= {rule['minimum']} (got {value}).")
        if "maximum" in rule and value > rule["maximum"]:
            fail(f"must be <= {rule['maximum']} (got {value}).")
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0):
            fail("must not be empty.")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            fail(f"{value!r} does not match {rule['pattern']!r}.")


# ---------------------------------------------------------------------------------------------
# External plugins: pedalboard does not expose their path, so remember it
# ---------------------------------------------------------------------------------------------
_EXTERNAL_PATHS: dict[int, tuple[Any, str]] = {}  # id(plugin) -> (plugin kept alive, path)


def load_external_plugin(path: PathLike, plugin_name: str | None = None, **kwargs: Any) -> Any:
    """``pedalboard.load_plugin`` that remembers the file, so :func:`save_preset` can save it."""
    plugin = pedalboard.load_plugin(str(path), plugin_name=plugin_name, **kwargs)
    remember_plugin_path(plugin, path)
    return plugin


def remember_plugin_path(plugin: Any, path: PathLike) -> None:
    """Record where an already loaded VST3/AU plugin came from (for :func:`save_preset`)."""
    _EXTERNAL_PATHS[id(plugin)] = (plugin, os.fspath(path))


def _external_kind(obj: Any) -> str | None:
    for kind in ("VST3Plugin", "AudioUnitPlugin"):
        cls = getattr(pedalboard, kind, None)
        if cls is not None and isinstance(obj, cls):
            return kind
    return None


# ---------------------------------------------------------------------------------------------
# Object -> document
# ---------------------------------------------------------------------------------------------
class _Saver:
    def __init__(self, include_state: bool, plugin_paths: Mapping[Any, PathLike] | None) -> None:
        self.include_state = include_state
        self.paths = {id(k): os.fspath(v) for k, v in (plugin_paths or {}).items()}

    def node(self, obj: Any, name: str | None = None) -> dict[str, Any]:
        if isinstance(obj, Plugin):
            data = self.hushboard_plugin(obj)
        elif isinstance(obj, Chain):
            data = {"type": "hushboard.Chain", "compensate_latency": obj.compensate_latency,
                    "plugins": [self.node(m, _given_name(obj, m)) for m in obj]}
        elif isinstance(obj, Mix):
            data = {"type": "hushboard.Mix", "compensate_latency": obj.compensate_latency,
                    "branches": [self.node(b, _given_name(obj, b)) for b in obj.branches]}
        elif is_native(obj):
            data = self.native(obj)
        else:
            raise TypeError(f"cannot save a {type(obj).__name__}: presets hold hushboard plugins, "
                            "hushboard Chain/Mix and pedalboard plugins.")
        if isinstance(obj, _Host) and obj.automation:
            data["automation"] = [{"member": _member_label(obj, member), "parameter": parameter,
                                   **envelope.to_dict()}
                                  for (member, parameter), envelope in obj.automation.items()]
        if name is not None:
            data = {"type": data.pop("type"), "name": name, **data}
        return data

    def hushboard_plugin(self, plugin: Plugin) -> dict[str, Any]:
        cls = type(plugin)
        data: dict[str, Any] = {"type": f"hushboard.{cls.__name__}",
                                "parameters": dict(plugin._values_snapshot())}
        if self.include_state and isinstance(plugin, StatefulPlugin):
            state = plugin.get_state()
            try:
                json.dumps(state, allow_nan=False)
            except (TypeError, ValueError) as error:
                raise TypeError(f"{cls.__name__}.get_state() must return JSON-able data "
                                f"(arrays as lists or base64): {error}") from None
            data["state"] = state
        if plugin.automation:
            data["automation"] = [{"parameter": name, **envelope.to_dict()}
                                  for name, envelope in plugin.automation.items()]
        return data

    def native(self, plugin: Any) -> dict[str, Any]:
        kind = _external_kind(plugin)
        if kind is not None:
            path = self.paths.get(id(plugin)) or _EXTERNAL_PATHS.get(id(plugin), (None, None))[1]
            if path is None:
                raise ValueError(f"cannot save {plugin!r}: pedalboard does not tell where it was "
                                 "loaded from; load it with hushboard.load_external_plugin(path) or "
                                 "pass plugin_paths={plugin: path} to save_preset.")
            return {"type": f"pedalboard.{kind}", "path": path, "plugin_name": plugin.name,
                    "raw_state": base64.b64encode(bytes(plugin.raw_state)).decode("ascii")}
        cls_name = type(plugin).__name__
        if getattr(pedalboard, cls_name, None) is not type(plugin):
            raise TypeError(f"cannot save {cls_name}: only pedalboard's own plugin classes are "
                            "known by name (a subclass would load as its base).")
        if isinstance(plugin, pedalboard.PluginContainer):
            return {"type": f"pedalboard.{cls_name}", "plugins": [self.node(p) for p in plugin]}
        data: dict[str, Any] = {"type": f"pedalboard.{cls_name}", "parameters": {}}
        if isinstance(plugin, pedalboard.Convolution):  # by its file: an array's rate is not kept
            if plugin.impulse_response_filename is None:
                raise ValueError("cannot save a pedalboard.Convolution built from an array "
                                 "(pedalboard does not keep its sample rate): write the impulse "
                                 "response to an audio file and build it from the path.")
            data["parameters"]["impulse_response_filename"] = plugin.impulse_response_filename
        for name in auto.native_properties(plugin):
            value = getattr(plugin, name)
            if hasattr(type(value), "__members__"):
                value = value.name
            elif isinstance(value, (np.floating, np.integer)):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"cannot save {cls_name} {name} = {value}: JSON has no NaN/Inf.")
            if value is None:
                continue
            data["parameters"][name] = value
        return data


def _given_name(host: Any, member: Any) -> str | None:
    for name, obj in host.names.items():
        if obj is member:
            return name
    return None


def _member_label(host: Any, key: Any) -> str | int:
    if isinstance(key, (str, int)) and not isinstance(key, bool):
        return key
    return auto.label_of(host, key)


def to_document(obj: Any, *, description: str | None = None, include_state: bool = False,
                midi_map: Any = None, plugin_paths: Mapping[Any, PathLike] | None = None) -> dict:
    """The preset document for ``obj`` (a hushboard plugin, ``Chain``/``Mix`` or native plugin)."""
    from .. import __version__

    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if description is not None:
        document["description"] = str(description)
    document["hushboard_version"] = __version__
    document["plugin"] = _Saver(include_state, plugin_paths).node(obj)
    midi_map = midi_map if midi_map is not None else getattr(obj, "midi_map", None)
    if midi_map is not None and len(midi_map):
        document["midi_map"] = midi_map.to_list(obj)
    return document


def save_preset(obj: Any, path: PathLike, *, description: str | None = None,
                include_state: bool = False, midi_map: Any = None,
                plugin_paths: Mapping[Any, PathLike] | None = None) -> Path:
    """Save ``obj`` as a JSON preset at ``path``, atomically; return the path.

    Args:
        obj: a hushboard plugin, a ``hushboard.Chain``/``Mix`` (nested freely), or a native
            pedalboard plugin. Its automation and ``midi_map`` are saved with it.
        path: the ``.json`` file to write (its folder must exist).
        description: one line saying what the preset is for (shown by ``hushboard presets``).
        include_state: also save learned state (e.g. a learned noise profile) of plugins that
            implement ``get_state``/``set_state``.
        midi_map: a ``MidiMap`` to save instead of ``obj.midi_map``.
        plugin_paths: ``{external_plugin: path}`` for VST3/AU plugins not loaded through
            :func:`load_external_plugin`.

    The document is built and checked against the schema before anything is written, then
    written to a temporary file in the same folder, flushed and renamed over ``path``: a preset
    on disk is always complete, and on error the old file (if any) is untouched.
    """
    target = Path(path)
    document = to_document(obj, description=description, include_state=include_state,
                           midi_map=midi_map, plugin_paths=plugin_paths)
    text = json.dumps(document, indent=2, allow_nan=False) + "\n"
    validate_schema(document, str(target))
    _write_atomic(target, text)
    return target


def _write_atomic(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# ---------------------------------------------------------------------------------------------
# Document -> object
# ---------------------------------------------------------------------------------------------
def migrate(document: dict, source: str) -> dict:
    """Upgrade an older document to :data:`VERSION` (one explicit step per old version).

    1.0 is the first format, so today this only checks the format and refuses newer majors.
    """
    if not isinstance(document, dict):
        raise PresetError(source, None, "a preset is a JSON object at the top level.")
    if document.get("format") != FORMAT:
        raise PresetError(source, "format", f"not a hushboard preset (expected {FORMAT!r}, got "
                                            f"{document.get('format')!r}).")
    version = document.get("version")
    match = re.fullmatch(r"([0-9]+)\.([0-9]+)", version) if isinstance(version, str) else None
    if match is None:
        raise PresetError(source, "version", f"must be 'MAJOR.MINOR' like {VERSION!r} (got {version!r}).")
    major = int(match.group(1))
    if major > MAJOR:
        raise PresetError(source, "version",
                          f"written by a newer hushboard (preset format {version}); this one reads "
                          f"{MAJOR}.x: upgrade hushboard to load it.")
    if major < 1:
        raise PresetError(source, "version", f"unknown preset format {version}.")
    return document


class _Loader:
    def __init__(self, source: str, classes: Mapping[str, type]) -> None:
        self.source = source
        self.classes = classes

    def error(self, path: KeyPath, message: str) -> PresetError:
        return PresetError(self.source, key_text(path), message)

    def node(self, data: Mapping[str, Any], path: list) -> Any:
        namespace, _, name = data["type"].partition(".")
        allowed = {
            "hushboard.Chain": {"compensate_latency", "plugins", "automation"},
            "hushboard.Mix": {"compensate_latency", "branches", "automation"},
        }
        if namespace == "hushboard" and data["type"] in allowed:
            self.only(data, path, allowed[data["type"]])
            return self.host(data, path)
        if namespace == "hushboard":
            self.only(data, path, {"parameters", "state", "automation"})
            return self.hushboard_plugin(name, data, path)
        return self.native(name, data, path)

    def only(self, data: Mapping[str, Any], path: list, keys: set[str]) -> None:
        for key in data:
            if key not in keys | {"type", "name"}:
                raise self.error(path + [key], f"not a key of a {data['type']} entry; allowed: "
                                               f"{sorted(keys | {'type', 'name'})}")

    def host(self, data: Mapping[str, Any], path: list) -> Any:
        is_chain = data["type"] == "hushboard.Chain"
        field = "plugins" if is_chain else "branches"
        members, names = [], {}
        for i, item in enumerate(data.get(field, [])):
            member = self.node(item, path + [field, i])
            if not is_chain and not isinstance(member, Chain):
                member = Chain([member])
            members.append(member)
            if "name" in item:
                if item["name"] in names:
                    raise self.error(path + [field, i, "name"], f"name {item['name']!r} is used twice.")
                names[item["name"]] = member
        compensate = data.get("compensate_latency", True)
        host: Any = Chain(members, compensate) if is_chain else Mix(members, compensate)
        host.names.update(names)
        lanes = data.get("automation")
        if lanes:
            automation = auto.Automation()
            for i, lane in enumerate(lanes):
                if "member" not in lane:
                    raise self.error(path + ["automation", i], "a chain's lane needs a 'member'.")
                automation.add((lane["member"], lane["parameter"]), self.envelope(lane, path + ["automation", i]))
            try:
                host.automation = automation
            except (ValueError, TypeError) as error:
                raise self.error(path + ["automation"], str(error)) from None
        return host

    def envelope(self, lane: Mapping[str, Any], path: list) -> auto.Envelope:
        try:
            return auto.Envelope.from_dict(lane)
        except (ValueError, TypeError) as error:
            raise self.error(path + ["points"], str(error)) from None

    def hushboard_plugin(self, name: str, data: Mapping[str, Any], path: list) -> Plugin:
        cls = self.classes.get(name) or (PLUGINS.get(name) if name in PLUGINS else None)
        if cls is None:
            raise self.error(path + ["type"], f"unknown hushboard plugin {name!r}; known: "
                                              f"{sorted(set(PLUGINS) | set(self.classes))}")
        plugin = cls()
        for key, value in data.get("parameters", {}).items():
            spec = cls._specs.get(key)
            if spec is None:
                raise self.error(path + ["parameters", key],
                                 f"{name} has no parameter {key!r}; parameters are {list(cls._specs)}")
            try:
                setattr(plugin, key, spec.validate(value, owner=name))
            except ValueError as error:
                raise self.error(path + ["parameters", key], str(error)) from None
        if "state" in data:
            if not isinstance(plugin, StatefulPlugin):
                raise self.error(path + ["state"], f"{name} has no learned state to restore.")
            try:
                plugin.set_state(data["state"])
            except (ValueError, TypeError, KeyError) as error:
                raise self.error(path + ["state"], f"{name} could not restore it: {error}") from None
        lanes = data.get("automation")
        if lanes:
            automation = auto.Automation()
            for i, lane in enumerate(lanes):
                if "member" in lane:
                    raise self.error(path + ["automation", i, "member"],
                                     "a plugin's lanes name only a 'parameter'.")
                automation.add(lane["parameter"], self.envelope(lane, path + ["automation", i]))
            for i, lane in enumerate(lanes):
                try:
                    auto.check_plugin_automation(plugin, auto.Automation(
                        {lane["parameter"]: automation[lane["parameter"]]}))
                except ValueError as error:
                    raise self.error(path + ["automation", i], str(error)) from None
            plugin.automation = automation
        return plugin

    def native(self, name: str, data: Mapping[str, Any], path: list) -> Any:
        cls = getattr(pedalboard, name, None)
        if not (isinstance(cls, type) and issubclass(cls, pedalboard.Plugin)) or name in (
                "Plugin", "ExternalPlugin", "PluginContainer", "IIRFilter"):
            raise self.error(path + ["type"], f"unknown pedalboard plugin {name!r} (pedalboard "
                                              f"{pedalboard.__version__}).")
        if name in ("VST3Plugin", "AudioUnitPlugin"):
            self.only(data, path, {"path", "plugin_name", "raw_state"})
            return self.external(cls, data, path)
        if issubclass(cls, pedalboard.PluginContainer):
            self.only(data, path, {"plugins"})
            return cls([self.node(item, path + ["plugins", i])
                        for i, item in enumerate(data.get("plugins", []))])
        self.only(data, path, {"parameters"})
        parameters = dict(data.get("parameters", {}))
        try:
            plugin = self.construct(cls, name, parameters)
        except (ValueError, TypeError, RuntimeError) as error:
            raise self.error(path, f"could not create pedalboard.{name}: {error}") from None
        known = auto.native_properties(plugin)
        for key, value in parameters.items():
            if key not in known:
                raise self.error(path + ["parameters", key], f"pedalboard.{name} has no property "
                                                             f"{key!r}; properties are {known}")
            try:
                setattr(plugin, key, auto.native_value(plugin, key, value))
            except (ValueError, TypeError) as error:
                raise self.error(path + ["parameters", key], str(error)) from None
        return plugin

    def construct(self, cls: type, name: str, parameters: dict) -> Any:
        if name != "Convolution":
            return cls()
        filename = parameters.pop("impulse_response_filename", None)
        if filename is None:
            raise ValueError("needs parameters.impulse_response_filename")
        return cls(filename, **{k: parameters.pop(k) for k in ("mix",) if k in parameters})

    def external(self, cls: type, data: Mapping[str, Any], path: list) -> Any:
        if "path" not in data:
            raise self.error(path, f"a {data['type']} entry needs 'path'.")
        try:
            plugin = cls(data["path"], plugin_name=data.get("plugin_name"))
        except Exception as error:  # pedalboard raises ImportError/RuntimeError for bad files
            raise self.error(path + ["path"], f"could not load {data['path']!r}: {error}") from None
        remember_plugin_path(plugin, data["path"])
        if "raw_state" in data:
            try:
                plugin.raw_state = base64.b64decode(data["raw_state"], validate=True)
            except Exception as error:
                raise self.error(path + ["raw_state"], f"not a valid state: {error}") from None
        return plugin


def from_document(document: Any, source: str = "<preset>",
                  plugins: Mapping[str, type] | None = None) -> Any:
    """Build the object a preset document describes (see :func:`load_preset`)."""
    document = migrate(document, source)
    validate_schema(document, source)
    loader = _Loader(source, dict(plugins or {}))
    obj = loader.node(document["plugin"], ["plugin"])
    if document.get("midi_map"):
        from .midi import MidiMap

        try:
            obj.midi_map = MidiMap.from_list(document["midi_map"], obj)
        except AttributeError:
            raise PresetError(source, "midi_map", f"a {type(obj).__name__} cannot hold a MIDI map; "
                                                  "wrap it in a hushboard.Chain.") from None
        except ValueError as error:
            raise PresetError(source, "midi_map", str(error)) from None
    return obj


def read_document(path_or_name: PathLike) -> tuple[dict, str]:
    """``(document, source)`` of a preset file, or of a factory preset given by name."""
    text, source = _read_text(path_or_name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PresetError(source, None, f"invalid JSON at line {error.lineno} column {error.colno}: "
                                        f"{error.msg}.") from None
    return document, source


def _read_text(path_or_name: PathLike) -> tuple[str, str]:
    from .. import presets as factory

    path = Path(os.fspath(path_or_name))
    if path.is_file():
        try:
            return path.read_text("utf-8"), str(path)
        except UnicodeDecodeError as error:
            raise PresetError(str(path), None, f"not UTF-8 text ({error.reason}).") from None
    name = os.fspath(path_or_name)
    if name in factory.names():
        return factory.read_text(name), f"factory preset {name!r}"
    if path.suffix.lower() == ".json" or os.sep in name or "/" in name:
        raise FileNotFoundError(f"no preset file {name!r}.")
    raise FileNotFoundError(f"no preset file or factory preset {name!r}; factory presets are "
                            f"{factory.names()}")


def load_preset(path_or_name: PathLike, *, plugins: Mapping[str, type] | None = None) -> Any:
    """Load a preset file, or a factory preset by name (``hushboard presets`` lists them).

    Args:
        path_or_name: a ``.json`` file, or a factory preset name like ``"podcast-voice"``.
        plugins: extra hushboard plugin classes by name, for classes outside the registry.

    Returns:
        The plugin, ``Chain`` or ``Mix`` the preset describes, with its automation and MIDI map
        (``obj.midi_map``) attached and learned state restored.

    Raises:
        PresetError: malformed JSON, not a preset, a newer major version, an unknown plugin,
            parameter or key, or an invalid value; the message names the file and the key path.
        FileNotFoundError: no such file or factory preset.
    """
    document, source = read_document(path_or_name)
    return from_document(document, source, plugins)
