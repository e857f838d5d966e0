"""The two exceptions of the derivation checker."""
from __future__ import annotations

from course.derivation.result import DerivationResult


class DerivationInputError(ValueError):
    """The instructor's side of a check is unusable: the function, ``wrt``, ``direction``, ``inner``, ``sizes``.

    What a learner supplies (steps, gradient) never raises: it is scored, with a message.
    """


class DerivationError(AssertionError):
    """A derivation with a wrong step or gradient; ``.result`` is the :class:`DerivationResult`."""

    def __init__(self, result: DerivationResult) -> None:
        super().__init__(result.report())
        self.result = result
