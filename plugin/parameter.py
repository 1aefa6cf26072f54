"""The one parameter model: a frozen ``Param`` spec per parameter, and a bound ``Parameter`` view.

Every hushboard plugin declares its parameters once, as a class-level tuple of ``Param`` specs.
From that tuple the plugin base derives everything else: constructor keyword arguments, the
validated properties (``plugin.reduction_db = 12``), the range errors, the ``parameters`` mapping
(``plugin.parameters["reduction_db"].raw_value``), the repr, presets, automation and the CLI's
``--set key=value``. Nothing else describes a parameter.

Normalized values (``raw_value`` in [0, 1]) follow pedalboard's external-plugin parameters and
DAW automation lanes:

- ``scale="linear"``: ``raw = (value - minimum) / (maximum - minimum)``.
- ``scale="log"`` (frequencies, times; needs ``minimum > 0``):
  ``raw = log(value / minimum) / log(maximum / minimum)``, so each octave (or doubling of a time)
  gets the same share of a fader's travel.
- choices (``choices=("a", "b", "c")``): ``raw = index / (len(choices) - 1)``; a raw value maps
  to the nearest choice.
- booleans: ``False -> 0.0``, ``True -> 1.0``; a raw value >= 0.5 is ``True``.
- ``step``: a value is snapped to ``minimum + k * step`` when set from a raw value, and a
  directly set value must already lie on that grid (integers use ``step=1``).
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Sequence, Union

if TYPE_CHECKING:  # pragma: no cover
    from .base import Plugin

Value = Union[float, int, str, bool]

_SCALES = ("linear", "log")


@dataclass(frozen=True)
class Param:
    """Declaration of one plugin parameter (immutable; shared by every instance of a plugin).

    Args:
        name: attribute, keyword argument and preset key; carries its unit as a suffix
            (``_db``, ``_hz``, ``_ms``, ``_s``) unless it is a unitless ratio or a choice.
        default: value a new plugin starts with.
        minimum, maximum: inclusive numeric range (ignored for choices and booleans).
        unit: short unit label shown in ``string_value`` and errors (``"dB"``, ``"Hz"``, ``"ms"``).
        doc: one sentence saying what the parameter does, for docs, presets and ``--help``.
        choices: allowed string values, for a discrete choice parameter.
        step: numeric grid (``1`` for integers); ``None`` for continuous.
        scale: ``"linear"`` or ``"log"`` mapping to ``raw_value`` (see module docstring).
        per_sample: a sample-domain parameter (``mix``): under automation the plugin receives
            one value per sample (an array) instead of one per block.
    """

    name: str
    default: Value
    minimum: float = 0.0
    maximum: float = 1.0
    unit: str = ""
    doc: str = ""
    choices: tuple[str, ...] | None = None
    step: float | None = None
    scale: str = "linear"
    per_sample: bool = False

    def __post_init__(self) -> None:
        if not self.doc:
            raise TypeError(f"Param {self.name!r} needs a doc string")
        if self.scale not in _SCALES:
            raise TypeError(f"Param {self.name!r}: scale must be one of {_SCALES}")
        if self.is_numeric:
            if not self.minimum < self.maximum:
                raise TypeError(f"Param {self.name!r}: minimum must be < maximum")
            if self.scale == "log" and self.minimum <= 0:
                raise TypeError(f"Param {self.name!r}: a log scale needs minimum > 0")
        # The default must pass the same validation as any user value.
        self.validate(self.default, owner="Param")

    # -- kind -------------------------------------------------------------------------------
    @property
    def is_boolean(self) -> bool:
        return isinstance(self.default, bool)

    @property
    def is_choice(self) -> bool:
        return self.choices is not None

    @property
    def is_numeric(self) -> bool:
        return not (self.is_boolean or self.is_choice)

    @property
    def is_integer(self) -> bool:
        return self.is_numeric and self.step is not None and float(self.step).is_integer() \
            and float(self.minimum).is_integer()

    @property
    def is_discrete(self) -> bool:
        return not self.is_numeric or self.step is not None

    @property
    def num_steps(self) -> int | None:
        """Number of distinct values for a discrete parameter, ``None`` when continuous."""
        if self.is_boolean:
            return 2
        if self.is_choice:
            return len(self.choices or ())
        if self.step is not None:
            return int(round((self.maximum - self.minimum) / self.step)) + 1
        return None

    @property
    def valid_values(self) -> list[Value] | None:
        """Every allowed value of a discrete parameter (like pedalboard's ``valid_values``)."""
        if self.is_boolean:
            return [False, True]
        if self.is_choice:
            return list(self.choices or ())
        n = self.num_steps
        if n is None:
            return None
        return [self._cast(self.minimum + k * float(self.step or 0)) for k in range(n)]

    def range_text(self) -> str:
        """The allowed range in the parameter's units, as used in error messages."""
        if self.is_boolean:
            return "True or False"
        if self.is_choice:
            return "one of " + ", ".join(repr(c) for c in self.choices or ())
        unit = f" {self.unit}" if self.unit else ""
        text = f"between {_fmt(self.minimum)}{unit} and {_fmt(self.maximum)}{unit}"
        if self.step is not None:
            text += f" in steps of {_fmt(self.step)}"
        return text

    # -- validation -------------------------------------------------------------------------
    def validate(self, value: Any, owner: str = "") -> Value:
        """Return ``value`` converted to this parameter's type, or raise ``ValueError``.

        The message names the owner, the parameter and the allowed range, e.g.
        ``HumRemover reduction_db must be between 0 dB and 60 dB (got 70.0).``
        """
        prefix = f"{owner} {self.name}".strip()
        if self.is_boolean:
            if isinstance(value, (bool, int)) and value in (0, 1):
                return bool(value)
            raise ValueError(f"{prefix} must be True or False (got {value!r}).")
        if self.is_choice:
            text = str(value)
            if text in (self.choices or ()):
                return text
            raise ValueError(f"{prefix} must be {self.range_text()} (got {value!r}).")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, complex):
            try:
                import numpy as np  # numpy scalars are fine

                if isinstance(value, np.generic) and np.isreal(value) and not isinstance(value, np.bool_):
                    value = float(value)
                else:
                    raise TypeError
            except TypeError:
                raise ValueError(
                    f"{prefix} must be a number {self.range_text()} (got {value!r})."
                ) from None
        number = float(value)
        if not math.isfinite(number) or not (self.minimum <= number <= self.maximum):
            raise ValueError(f"{prefix} must be {self.range_text()} (got {value!r}).")
        if self.step is not None:
            k = (number - self.minimum) / self.step
            if abs(k - round(k)) > 1e-9:
                raise ValueError(f"{prefix} must be {self.range_text()} (got {value!r}).")
        return self._cast(number)

    def _cast(self, number: float) -> Value:
        return int(round(number)) if self.is_integer else float(number)

    # -- normalized mapping -----------------------------------------------------------------
    def to_raw(self, value: Value) -> float:
        """Map a valid value to its normalized position in [0, 1]."""
        value = self.validate(value)
        if self.is_boolean:
            return 1.0 if value else 0.0
        if self.is_choice:
            choices = self.choices or ()
            return choices.index(str(value)) / max(len(choices) - 1, 1)
        number = float(value)
        if self.scale == "log":
            return math.log(number / self.minimum) / math.log(self.maximum / self.minimum)
        return (number - self.minimum) / (self.maximum - self.minimum)

    def from_raw(self, raw: float) -> Value:
        """Map a normalized position in [0, 1] to a valid value (snapped to steps/choices)."""
        try:
            raw = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} raw_value must be a number between 0 and 1 (got {raw!r}).") from None
        if not (0.0 <= raw <= 1.0):
            raise ValueError(f"{self.name} raw_value must be between 0 and 1 (got {raw!r}).")
        if self.is_boolean:
            return raw >= 0.5
        if self.is_choice:
            choices = self.choices or ()
            return choices[int(round(raw * (len(choices) - 1)))]
        if self.scale == "log":
            number = self.minimum * (self.maximum / self.minimum) ** raw
        else:
            number = self.minimum + raw * (self.maximum - self.minimum)
        if self.step is not None:
            number = self.minimum + round((number - self.minimum) / self.step) * self.step
        number = min(max(number, self.minimum), self.maximum)
        return self._cast(number)

    def format(self, value: Value) -> str:
        """Human-readable value with units, e.g. ``"12 dB"``, ``"auto"``, ``"On"``."""
        if self.is_boolean:
            return "On" if value else "Off"
        if self.is_choice:
            return str(value)
        return f"{_fmt(float(value))} {self.unit}".strip()


def constructor_signature(specs: Sequence[Param]) -> inspect.Signature:
    """The keyword-only signature ``(*, name: type = default, ...)`` of a plugin's constructor,
    from its ``PARAMETERS``: what ``help()``, IPython and ``inspect.signature`` show, as for
    pedalboard's plugins (whose constructors name every parameter)."""
    def annotation(spec: Param) -> Any:
        if spec.is_boolean:
            return bool
        if spec.is_choice:
            return Literal[tuple(spec.choices or ())]  # type: ignore[misc]
        return int if spec.is_integer else float

    return inspect.Signature([inspect.Parameter(spec.name, inspect.Parameter.KEYWORD_ONLY,
                                                default=spec.default, annotation=annotation(spec))
                              for spec in specs], return_annotation=None)


def _fmt(number: float) -> str:
    """Short decimal text: 12.0 -> '12', 0.25 -> '0.25', 1e-05 -> '1e-05'."""
    return f"{number:g}"


class Parameter:
    """A parameter of one plugin instance: its spec plus live access to the value.

    Mirrors the attribute names of pedalboard's external-plugin parameter objects
    (``raw_value``, ``default_raw_value``, ``string_value``, ``min_value``, ``max_value``,
    ``range``, ``units``/``label``, ``num_steps``, ``is_discrete``, ``is_boolean``,
    ``valid_values``). Setting ``value`` or ``raw_value`` goes through the plugin's validated,
    thread-safe setter, exactly like setting the attribute on the plugin.
    """

    __slots__ = ("_plugin", "spec")

    def __init__(self, plugin: "Plugin", spec: Param) -> None:
        self._plugin = plugin
        self.spec = spec

    name = property(lambda self: self.spec.name)
    units = property(lambda self: self.spec.unit)
    label = property(lambda self: self.spec.unit)
    doc = property(lambda self: self.spec.doc)
    default_value = property(lambda self: self.spec.default)
    choices = property(lambda self: self.spec.choices)
    is_boolean = property(lambda self: self.spec.is_boolean)
    is_discrete = property(lambda self: self.spec.is_discrete)
    num_steps = property(lambda self: self.spec.num_steps)
    valid_values = property(lambda self: self.spec.valid_values)

    @property
    def min_value(self) -> Value:
        return self.spec.choices[0] if self.spec.is_choice else (
            False if self.spec.is_boolean else self.spec._cast(self.spec.minimum))

    @property
    def max_value(self) -> Value:
        return self.spec.choices[-1] if self.spec.is_choice else (
            True if self.spec.is_boolean else self.spec._cast(self.spec.maximum))

    @property
    def range(self) -> tuple[Value, Value, float | None]:
        """``(min_value, max_value, step)`` like pedalboard's parameter ``range``."""
        return self.min_value, self.max_value, self.spec.step

    @property
    def value(self) -> Value:
        return getattr(self._plugin, self.spec.name)

    @value.setter
    def value(self, new: Value) -> None:
        setattr(self._plugin, self.spec.name, new)

    @property
    def raw_value(self) -> float:
        return self.spec.to_raw(self.value)

    @raw_value.setter
    def raw_value(self, raw: float) -> None:
        setattr(self._plugin, self.spec.name, self.spec.from_raw(raw))

    @property
    def default_raw_value(self) -> float:
        return self.spec.to_raw(self.spec.default)

    @property
    def string_value(self) -> str:
        return self.spec.format(self.value)

    def __repr__(self) -> str:
        return (f"<hushboard.Parameter {self.name}={self.string_value!r} "
                f"{self.spec.range_text()}>")
