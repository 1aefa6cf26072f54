"""How hushboard plugins, ``Chain`` and ``Mix`` pickle and copy.

A ``pedalboard.Pedalboard`` and pedalboard's native plugins do not pickle, so a script cannot
hand them to ``multiprocessing``, ``concurrent.futures`` or joblib workers, nor ``copy.deepcopy``
them. hushboard objects do, and carry the native plugins inside a chain with them.

What a pickle (or ``copy.copy``/``copy.deepcopy``) keeps: parameter values, learned noise
profiles, automation, MIDI maps, ``on_nonfinite``, member names, ``compensate_latency``, and the
native members' properties (saved and restored as a preset saves them: ``plugin/presets.py``;
external VST3/AU plugins by path and state, so they must have been loaded with
``hushboard.load_external_plugin``). What it leaves out: the running stream. The copy starts a
fresh stream, exactly as the original would after ``reset()``: its output from there is the
original's after a reset, to the bit. (A mid-stream copy of every state would have to copy
onnxruntime sessions and pedalboard's native DSP state, which neither library exposes.)

Python's pickle protocol: ``Plugin.__reduce__`` returns ``new_plugin`` and the plugin's state,
which ``Plugin.__setstate__`` applies; ``_Host.__reduce__`` returns ``restore_host`` and the host's
state pickled by ``HostPickler``, which turns each native pedalboard plugin into its preset entry
(a native that appears twice, as a member and an automation key, is still one object after
loading) and a reference back to the host (its MIDI map's ``root``) into a persistent id.
"""
from __future__ import annotations

import io
import pickle
from typing import Any, Mapping

#: Attributes of every hushboard plugin that belong to the running stream (or to the object's
#: own thread safety), never pickled; subclasses add theirs in ``_TRANSIENT``.
PLUGIN_TRANSIENT = frozenset({"_lock", "_stream", "_layout", "_host_lanes"})
#: The same for ``Chain`` and ``Mix`` (open stream, pending output, the cached native segments).
HOST_TRANSIENT = frozenset({"_stream", "_layout", "_owed", "_segments", "_python_members",
                            "_pending"})


def plugin_state(plugin: Any) -> dict[str, Any]:
    """The attributes of ``plugin`` that a pickle carries (see the module docstring)."""
    transient = PLUGIN_TRANSIENT | frozenset(getattr(plugin, "_TRANSIENT", ()))
    with plugin._lock:
        state = {name: value for name, value in vars(plugin).items() if name not in transient}
    state["_values"] = dict(state["_values"])  # a shallow copy too gets its own parameter values
    return state


def new_plugin(cls: type) -> Any:
    """A new ``cls()``: a fresh stream, which ``Plugin.__setstate__`` then gives the pickled
    state (pickle's three-part reduce, so a state that refers back to the plugin, like a MIDI
    map's ``root``, loads as that same plugin)."""
    return cls()


def native_entry(plugin: Any) -> dict[str, Any]:
    """A native pedalboard plugin's preset entry (its class and properties); ``TypeError``/
    ``ValueError`` from ``plugin/presets.py`` name what cannot be saved (e.g. a Convolution
    built from an array)."""
    from .presets import _Saver

    try:
        return _Saver(include_state=True, plugin_paths=None).native(plugin)
    except (TypeError, ValueError) as error:
        raise pickle.PicklingError(f"cannot pickle {plugin!r}: {error}") from None


def restore_native(entry: Mapping[str, Any]) -> Any:
    """The native pedalboard plugin a ``native_entry`` describes."""
    from .presets import _Loader

    _, _, name = entry["type"].partition(".")
    return _Loader("<pickle>", {}).native(name, entry, [])


HOST = "host"  # the persistent id of the host being pickled, wherever its state refers to it


class HostPickler(pickle.Pickler):
    """Pickles a host's state: native pedalboard plugins go as their preset entries, and a
    reference back to the host itself (a MIDI map's ``root``) as ``HOST``."""

    def __init__(self, file: io.BytesIO, host: Any) -> None:
        super().__init__(file, pickle.HIGHEST_PROTOCOL)
        self.host = host

    def persistent_id(self, obj: Any) -> str | None:
        return HOST if obj is self.host else None

    def reducer_override(self, obj: Any) -> Any:
        from .chain import is_native

        if is_native(obj):
            return restore_native, (native_entry(obj),)
        return NotImplemented


class HostUnpickler(pickle.Unpickler):
    """Loads ``HostPickler``'s bytes, ``HOST`` being the host under construction."""

    def __init__(self, file: io.BytesIO, host: Any) -> None:
        super().__init__(file)
        self.host = host

    def persistent_load(self, pid: Any) -> Any:
        if pid != HOST:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self.host


def host_state(host: Any) -> bytes:
    """A ``Chain``'s or ``Mix``'s pickled attributes, natives included (``HostPickler``)."""
    state = {name: value for name, value in vars(host).items() if name not in HOST_TRANSIENT}
    buffer = io.BytesIO()
    HostPickler(buffer, host).dump(state)
    return buffer.getvalue()


def restore_host(cls: type, pickled: bytes) -> Any:
    """A ``Chain``/``Mix`` with a fresh stream from ``host_state``'s bytes."""
    host = cls([])
    vars(host).update(HostUnpickler(io.BytesIO(pickled), host).load())
    return host
