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

Python's pickle protocol: ``Plugin.__reduce__`` and ``_Host.__reduce__`` return one of the
``restore_*`` functions below with picklable arguments. A host pickles its own state with
``HostPickler``, which turns each native pedalboard plugin into its preset entry, so a native
that appears twice (a member and an automation key) is still one object after loading.
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
        return {name: value for name, value in vars(plugin).items() if name not in transient}


def restore_plugin(cls: type, state: Mapping[str, Any]) -> Any:
    """A new ``cls()`` (a fresh stream) given the pickled ``state``."""
    plugin = cls()
    with plugin._lock:
        vars(plugin).update(state)
    return plugin


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


class HostPickler(pickle.Pickler):
    """Pickles a host's state; native pedalboard plugins go as their preset entries."""

    def reducer_override(self, obj: Any) -> Any:
        from .chain import is_native

        if is_native(obj):
            return restore_native, (native_entry(obj),)
        return NotImplemented


def host_state(host: Any) -> bytes:
    """A ``Chain``'s or ``Mix``'s pickled attributes, natives included (``HostPickler``)."""
    state = {name: value for name, value in vars(host).items() if name not in HOST_TRANSIENT}
    buffer = io.BytesIO()
    HostPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(state)
    return buffer.getvalue()


def restore_host(cls: type, pickled: bytes) -> Any:
    """A ``Chain``/``Mix`` with a fresh stream from ``host_state``'s bytes."""
    host = cls([])
    vars(host).update(pickle.loads(pickled))
    return host
