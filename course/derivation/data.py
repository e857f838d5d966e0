"""The plain data a derivation check passes between its two sides.

The learner's side turns sympy expressions into numbers (:mod:`.evaluate`); the judging side
compares numbers and writes sentences (:mod:`.compare`, :mod:`.judge`). Between them only the
names, sizes and arrays below travel, so the judging side never needs the learner's expressions:
the independent check runs the first side in a contained process and the second in the grader.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Outline:
    """What both sides must know about a derivation, by name: its symbols, their shapes, and which is the
    variable. (An outline, not a "layout": in this course a layout is numerator or denominator layout.)

    ``matrices`` maps each matrix name to its ``(rows, cols)``, each a dimension name or an int;
    ``constants`` are scalar symbols. ``shape`` is the shape of step 0 (``()`` for a scalar
    function; the shape of ``G`` when ``inner``, i.e. when ``f = tr(G)`` and the derivation
    starts with the matrix ``dG``). ``scalar`` says whether ``f`` is a scalar, so a gradient is asked.
    """

    matrices: dict[str, tuple[str | int, str | int]]
    constants: tuple[str, ...]
    wrt: str
    direction: str
    shape: tuple[str | int, ...]
    scalar: bool
    inner: bool = False
    fixed_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def dimensions(self) -> tuple[str, ...]:
        """The names of the free matrix sizes, sorted."""
        return tuple(sorted({d for shape in self.matrices.values() for d in shape if isinstance(d, str)}
                            | {d for d in self.shape if isinstance(d, str)}))

    @property
    def constant_matrices(self) -> tuple[str, ...]:
        """Matrices other than the variable and its differential (A, B, ...)."""
        return tuple(name for name in sorted(self.matrices) if name not in (self.wrt, self.direction))

    def to_plain(self) -> dict[str, Any]:
        """As JSON-able data (for the contained process)."""
        return {"matrices": {k: list(v) for k, v in self.matrices.items()}, "constants": list(self.constants),
                "wrt": self.wrt, "direction": self.direction, "shape": list(self.shape), "scalar": self.scalar,
                "inner": self.inner, "fixed_sizes": dict(self.fixed_sizes)}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Outline:
        """The outline :meth:`to_plain` gave."""
        return cls({k: tuple(v) for k, v in data["matrices"].items()}, tuple(data["constants"]), data["wrt"],
                   data["direction"], tuple(data["shape"]), data["scalar"], data["inner"], data["fixed_sizes"])


@dataclass
class Point:
    """One random point: a value for every name (sizes, constants, matrices), and the reference
    derivatives there (``differential``: f'(X)[dX], or dG when ``inner``; ``gradient``: ∂f/∂X).

    ``kind`` is "general", "symmetric" (the constant square matrices made symmetric, to tell
    "right only for symmetric A") or "commuting" (every matrix diagonal, so all products commute).
    """

    trial: int
    kind: str
    values: dict[str, Any]
    differential: np.ndarray | None = None
    gradient: np.ndarray | None = None


@dataclass
class Item:
    """The numbers of one step (or the gradient) at every point, in the order of the points.

    ``scalar`` says whether the item is a scalar; ``values[k]`` is the item at point k; when it
    contains the differential, ``offsets[k]`` is its value at dX = 0 and ``coefficients[k]`` the
    array ``J`` with ``value = J · dX`` when it is linear.
    """

    scalar: bool
    direction: bool
    values: list[np.ndarray]
    offsets: list[np.ndarray] | None = None
    coefficients: list[np.ndarray] | None = None

    def to_plain(self) -> dict[str, Any]:
        """As plain data: lists of arrays (which :func:`autograder.containment.wire.plain` turns into JSON)."""
        return {"scalar": self.scalar, "direction": self.direction, "values": self.values, "offsets": self.offsets,
                "coefficients": self.coefficients}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Item:
        """The item :meth:`to_plain` gave (arrays or nested lists of numbers)."""
        arrays = lambda items: None if items is None else [np.asarray(a, dtype=float) for a in items]  # noqa: E731
        return cls(bool(data["scalar"]), bool(data["direction"]), arrays(data["values"]), arrays(data["offsets"]),
                   arrays(data["coefficients"]))


@dataclass
class Tabulated:
    """The learner's derivation as text, messages and numbers: what the judging side needs.

    Per step: its text, the reason it cannot be checked (None when it can), its :class:`Item`
    (None when it cannot be checked), and the index of an identical earlier step (None if new).
    The gradient likewise; ``gradient_asked`` is False only for a matrix-valued f given no gradient.
    """

    step_texts: list[str]
    step_messages: list[str | None]
    step_items: list[Item | None]
    repeats: list[int | None]
    gradient_text: str | None
    gradient_message: str | None
    gradient_item: Item | None
    gradient_asked: bool

    def to_plain(self) -> dict[str, Any]:
        """As plain data, items included."""
        return {**self.__dict__, "step_items": [None if i is None else i.to_plain() for i in self.step_items],
                "gradient_item": None if self.gradient_item is None else self.gradient_item.to_plain()}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Tabulated:
        """The derivation :meth:`to_plain` gave."""
        item = lambda d: None if d is None else Item.from_plain(d)  # noqa: E731
        return cls(**{**data, "step_items": [item(d) for d in data["step_items"]],
                      "gradient_item": item(data["gradient_item"])})
