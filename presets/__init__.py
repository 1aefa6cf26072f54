"""Factory presets: versioned JSON files in this folder, loadable by name.

``hushboard.load_preset("podcast-voice")`` loads ``podcast-voice.json`` from here; ``hushboard
presets`` lists them with their descriptions. Files are read through ``importlib.resources`` when
asked for (nothing is read at import). ``schema.json`` is the preset format's JSON schema.

Example:
    >>> from hushboard import presets
    >>> "podcast-voice" in presets.names()
    True
"""
from __future__ import annotations

import json
from importlib import resources

__all__ = ["names", "read_text", "descriptions"]

_NOT_PRESETS = {"schema.json"}


def _folder():
    return resources.files(__name__)


def names() -> list[str]:
    """Every factory preset name, sorted (file names without ``.json``)."""
    return sorted(entry.name[:-5] for entry in _folder().iterdir()
                  if entry.name.endswith(".json") and entry.name not in _NOT_PRESETS)


def read_text(name: str) -> str:
    """The JSON text of factory preset ``name``; ``KeyError`` listing the names if unknown."""
    if name not in names():
        raise KeyError(f"unknown factory preset {name!r}; factory presets are {names()}")
    return (_folder() / f"{name}.json").read_text("utf-8")


def descriptions() -> dict[str, str]:
    """``{name: description}`` of every factory preset (an unreadable file says so)."""
    found = {}
    for name in names():
        try:
            found[name] = str(json.loads(read_text(name)).get("description", ""))
        except (ValueError, AttributeError) as error:
            found[name] = f"(unreadable: {error})"
    return found
