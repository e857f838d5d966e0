"""The result of grading one submission, the data every later stage reads (merge, pages, report).

Plain data and constants only, so that a module that needs them imports nothing heavier.
"""
from dataclasses import asdict, dataclass, field

OVERRULED = "your answer passed the notebook's tests but not the independent check"


@dataclass
class Outcome:
    """The result of grading one student's assignment (plain data, so it can cross processes and be saved)."""

    student: str
    assignment: str
    graded: bool
    scores: dict  # test cell -> (score, max score)
    messages: dict = field(default_factory=dict)  # test cell -> sentence, when it lost points
    notes: list = field(default_factory=list)  # repairs made before grading
    overruled: list = field(default_factory=list)  # functions whose points the independent check took away
    reason: str | None = None  # why it could not be graded, if it could not
    seconds: float = 0.0
    autograded: str | None = None  # the executed notebook (in the grader's workspace)
    feedback: str | None = None  # the feedback page (in the grader's workspace)

    @property
    def total(self):
        return sum(score for score, _ in self.scores.values())

    @property
    def maximum(self):
        return sum(maximum for _, maximum in self.scores.values())

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "scores": {k: tuple(v) for k, v in data["scores"].items()}})
