"""An explicit name -> object registry (plugins today; losses and networks reuse it).

Names are registered on purpose, never looked up in a module's ``globals()``: asking for an
unknown name lists the valid ones, and registering a name twice is refused.
"""
from __future__ import annotations

from typing import Generic, Iterator, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """A small ordered ``name -> T`` mapping that refuses duplicates.

    Example:
        >>> r = Registry("loss")
        >>> r.register("mse", len)
        >>> r.get("mse") is len
        True
        >>> r.get("msee")
        Traceback (most recent call last):
        ...
        KeyError: "unknown loss 'msee'; known: ['mse']"
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> None:
        if name in self._items and self._items[name] is not item:
            raise ValueError(f"a {self.kind} named {name!r} is already registered")
        self._items[name] = item

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; known: {sorted(self._items)}") from None

    def items(self) -> dict[str, T]:
        """A copy of the mapping, in registration order."""
        return dict(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))


#: Every hushboard plugin class, by class name (filled as plugin modules are imported).
PLUGINS: Registry[type] = Registry("plugin")
