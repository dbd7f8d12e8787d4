"""Parameter constraints declared as data, checked in one place (after ``sklearn.utils._param_validation``).

Every public entry of ``core`` that takes settings declares what it allows as a table
``{name: [constraint, ...]}`` (any constraint in the list may match; ``None`` in the list allows
the value ``None``) and checks its arguments once, at the entry, with :func:`validate_params`
(a mapping of arguments) or :func:`validate_fields` (the fields of a frozen dataclass). Hot
inner helpers never validate.

Constraints
-----------
:class:`Interval`
    An int or a real number between two bounds, each open or closed (``Real`` rejects NaN and
    infinities; ``bool`` is never a number here).
:class:`Options`, :class:`StrOptions`
    One of a fixed set of values of one type (``StrOptions``: strings).
:class:`Boolean`
    ``True`` or ``False`` (numpy bools too).
:class:`Text`
    A string, optionally non-empty.
:class:`Constraint`
    The base class: subclass it for a module-specific rule (e.g. a pair of bounds).

Every failure raises :class:`core.errors.ParameterError` in the one shape of
:func:`core.errors.check_param`: "The 'x' parameter of Owner must be <allowed>. Got <value>
instead." :func:`invalid_values` gives values a table rejects, so one test can walk every
declared constraint (``tests/test_params.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Mapping, Sequence

import numpy as np

from core.errors import ParameterError, check_param

__all__ = [
    "Constraint",
    "Interval",
    "Options",
    "StrOptions",
    "Boolean",
    "Text",
    "describe",
    "is_allowed",
    "validate_params",
    "validate_fields",
    "invalid_values",
]

_BOOLS = (bool, np.bool_)


class Constraint:
    """Base of every constraint: a test, a description and a few values it rejects.

    Subclasses implement :meth:`is_satisfied_by`, :meth:`__str__` (what is allowed, read after
    "must be") and :meth:`invalid_values` (for the tests).
    """

    def is_satisfied_by(self, value) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def __str__(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def invalid_values(self) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError


def _fmt(v) -> str:
    return str(int(v)) if isinstance(v, Integral) else f"{v:g}"


@dataclass(frozen=True)
class Interval(Constraint):
    """A number between two bounds.

    Parameters
    ----------
    type : numbers.Integral or numbers.Real
        ``Integral`` accepts Python and numpy integers; ``Real`` accepts any finite real number
        (ints included; NaN and +-inf rejected). ``bool`` is rejected by both.
    left, right : number or None
        Bounds; ``None`` leaves that side unbounded.
    closed : {"both", "left", "right", "neither"}, default "both"
        Which bounds belong to the interval.
    """

    type: type
    left: Any = None
    right: Any = None
    closed: str = "both"

    def __post_init__(self):
        if self.type not in (Integral, Real):
            raise TypeError(f"Interval type must be numbers.Integral or numbers.Real, got {self.type!r}")
        if self.closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"Interval closed must be 'both', 'left', 'right' or 'neither', got {self.closed!r}")
        if self.left is not None and self.right is not None and self.left > self.right:
            raise ValueError(f"Interval left bound {self.left!r} is above its right bound {self.right!r}")

    def is_satisfied_by(self, value) -> bool:
        if isinstance(value, _BOOLS):
            return False
        if self.type is Integral:
            if not isinstance(value, Integral):
                return False
        elif not isinstance(value, Real) or not (isinstance(value, Integral) or math.isfinite(value)):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.type is Integral else "a real number"
        if self.left is None and self.right is None:
            return kind if self.type is Integral else "a finite real number"
        lb = "[" if self.left is not None and self.closed in ("both", "left") else "("
        rb = "]" if self.right is not None and self.closed in ("both", "right") else ")"
        lo = "-inf" if self.left is None else _fmt(self.left)
        hi = "inf" if self.right is None else _fmt(self.right)
        return f"{kind} in the range {lb}{lo}, {hi}{rb}"

    def invalid_values(self) -> tuple:
        """Values just outside each bound, values of the wrong type, and NaN/inf for reals."""
        if self.type is Integral:
            bad = ["1", 1.5, True, None]
            step = lambda b: 1  # noqa: E731
        else:
            bad = ["0.5", True, None, float("nan"), float("inf"), float("-inf")]
            step = lambda b: 1e-3 + abs(b) * 1e-3  # noqa: E731
        if self.left is not None:
            bad.append(self.left if self.closed in ("right", "neither") else self.left - step(self.left))
        if self.right is not None:
            bad.append(self.right if self.closed in ("left", "neither") else self.right + step(self.right))
        return tuple(bad)


class Options(Constraint):
    """One of a fixed set of values of one type (``bool`` is not an int here).

    Parameters
    ----------
    type : type
        The values' type, e.g. ``str`` or ``int``.
    options : iterable
        The allowed values; shown sorted in messages.
    """

    def __init__(self, type, options):
        self.type = type
        self.options = frozenset(options)

    def __eq__(self, other):
        return type(other) is type(self) and (self.type, self.options) == (other.type, other.options)

    def __hash__(self):
        return hash((type(self), self.type, self.options))

    def __repr__(self):
        return f"{type(self).__name__}({sorted(self.options, key=repr)!r})"

    def is_satisfied_by(self, value) -> bool:
        if isinstance(value, _BOOLS) and self.type is not bool:
            return False
        return isinstance(value, self.type) and value in self.options

    def __str__(self) -> str:
        name = getattr(self.type, "__name__", str(self.type))
        return f"a {name} among " + "{" + ", ".join(repr(o) for o in sorted(self.options, key=repr)) + "}"

    def invalid_values(self) -> tuple:
        wrong_type = 3 if self.type is str else "not-an-option"
        return ("not-an-option" if self.type is str else -987654321, wrong_type, None)


class StrOptions(Options):
    """One of a fixed set of strings."""

    def __init__(self, options):
        super().__init__(str, options)


class Boolean(Constraint):
    """``True`` or ``False`` (numpy bools accepted)."""

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))

    def __repr__(self):
        return "Boolean()"

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, _BOOLS)

    def __str__(self) -> str:
        return "a bool"

    def invalid_values(self) -> tuple:
        return ("yes", 1, None)


@dataclass(frozen=True)
class Text(Constraint):
    """A string; with ``nonempty=True``, one with a non-blank character."""

    nonempty: bool = False

    def is_satisfied_by(self, value) -> bool:
        return isinstance(value, str) and (not self.nonempty or value.strip() != "")

    def __str__(self) -> str:
        return "a non-empty str" if self.nonempty else "a str"

    def invalid_values(self) -> tuple:
        return (None, 3) + (("", "  ") if self.nonempty else ())


def describe(allowed: Sequence) -> str:
    """What a constraint list allows, in words: ``"an int in the range [1, inf) or None"``."""
    parts = ["None" if c is None else str(c) for c in allowed]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def is_allowed(value, allowed: Sequence) -> bool:
    """True when ``value`` meets at least one constraint of the list (``None`` allows None)."""
    for c in allowed:
        if c is None:
            if value is None:
                return True
        elif c.is_satisfied_by(value):
            return True
    return False


def validate_params(owner: str, constraints: Mapping[str, Sequence], params: Mapping) -> None:
    """Check every ``params[name]`` against the list ``constraints[name]``.

    Parameters
    ----------
    owner : str
        The function or class named in messages, e.g. ``"cluster(algorithm='kmeans')"``.
    constraints : mapping str -> list
        The declared table. Names absent from it are rejected, naming the allowed ones.
    params : mapping str -> value
        The arguments as the caller passed them.

    Raises
    ------
    ParameterError
        "The 'x' parameter of Owner must be <allowed>. Got <value> instead."
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None:
            raise ParameterError(
                f"{owner} got an unexpected parameter {name!r}; allowed parameters are "
                f"{sorted(constraints)}.")
        if not is_allowed(value, allowed):
            check_param(owner, name, value, describe(allowed), False)


def validate_fields(owner: str, obj, constraints: Mapping[str, Sequence]) -> None:
    """Check the attribute of ``obj`` named by every key of ``constraints`` (a frozen dataclass).

    Fields are checked in the table's order; the first bad one raises ParameterError.
    """
    for name, allowed in constraints.items():
        value = getattr(obj, name)
        if not is_allowed(value, allowed):
            check_param(owner, name, value, describe(allowed), False)


def invalid_values(allowed: Sequence) -> list:
    """Values that no constraint of the list accepts (for tests).

    The union of each constraint's :meth:`~Constraint.invalid_values`, without duplicates and
    without anything another constraint in the list (or an allowed ``None``) accepts.
    """
    out, seen = [], set()
    for c in allowed:
        if c is None:
            continue
        for bad in c.invalid_values():
            key = (type(bad), repr(bad))
            if key in seen or is_allowed(bad, allowed):
                continue
            seen.add(key)
            out.append(bad)
    return out
