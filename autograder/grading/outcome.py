"""The result of grading one submission, the data every later stage reads (merge, pages, report).

Plain data and constants only, so that a module that needs them imports nothing heavier.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OVERRULED = "your answer passed the notebook's tests but not the independent check"


@dataclass
class Outcome:
    """The result of grading one student's assignment (plain data, so it can cross processes and be saved)."""

    student: str
    assignment: str
    graded: bool
    scores: dict[str, tuple[float, float]]  # test cell -> (score, max score)
    messages: dict[str, str] = field(default_factory=dict)  # test cell -> sentence, when it lost points
    notes: list[str] = field(default_factory=list)  # repairs made before grading
    overruled: list[str] = field(default_factory=list)  # functions whose points the independent check took away
    reason: str | None = None  # why it could not be graded, if it could not
    seconds: float = 0.0
    autograded: str | None = None  # the executed notebook (in the grader's workspace)
    feedback: str | None = None  # the feedback page (in the grader's workspace)

    @property
    def total(self) -> float:
        """The points earned."""
        return sum(score for score, _ in self.scores.values())

    @property
    def maximum(self) -> float:
        """The points there were to earn."""
        return sum(maximum for _, maximum in self.scores.values())

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON (``outcome.json``) and for crossing processes."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        """The outcome :meth:`to_dict` gave (JSON turned its score pairs into lists)."""
        return cls(**{**data, "scores": {k: tuple(v) for k, v in data["scores"].items()}})
