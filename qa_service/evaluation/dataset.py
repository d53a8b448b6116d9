"""The evaluation set: one JSON object per line, validated on load.

Fields: ``id``, ``question``, ``answer``, ``aliases`` (other accepted answers), ``type`` (one of
``QUESTION_TYPES``), ``doc_id`` and ``evidence`` (a verbatim quote from the raw corpus file that
supports the answer; both ``null`` for unanswerable questions) and optional ``notes``. Fields
beyond these are ignored, so a set written by someone else with extra columns still loads.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

QUESTION_TYPES = ("figure", "date", "program", "entity", "table", "explanation", "unanswerable", "korean")
QuestionType = Literal["figure", "date", "program", "entity", "table", "explanation", "unanswerable", "korean"]


class DatasetError(ValueError):
    """A questions file that cannot be evaluated; the message names the file, the line and the problem."""


class Question(BaseModel):
    """One question of the evaluation set."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(..., min_length=1)
    question: str = Field(..., min_length=1)
    answer: str = Field(..., min_length=1)
    aliases: tuple[str, ...] = ()
    type: QuestionType
    doc_id: str | None = None
    evidence: str | None = None
    notes: str | None = None

    @field_validator("question", "answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(a for a in value if a.strip())

    @model_validator(mode="after")
    def _evidence(self) -> Question:
        if self.type == "unanswerable" and self.evidence is not None:
            raise ValueError("an unanswerable question must have evidence null")
        if self.evidence is not None and not self.evidence.strip():
            raise ValueError("evidence must be null or a non-empty quote")
        return self

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def candidates(self) -> list[str]:
        """The gold answer and its aliases, in that order."""
        return [self.answer, *self.aliases]


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """The questions of a JSONL file, in file order (the first ``limit`` only, when given).

    Raises DatasetError for a missing file, invalid JSON, a bad field or a duplicate id.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such questions file")
    if limit is not None and limit < 1:
        raise DatasetError(f"the number of questions must be at least 1, not {limit}")
    questions: list[Question] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
            if not isinstance(data, dict):
                raise DatasetError(f"{path}:{lineno}: expected a JSON object, got {type(data).__name__}")
            try:
                questions.append(Question.model_validate(data))
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"]) or "record"
                raise DatasetError(f"{path}:{lineno}: {where}: {err['msg']}") from None
    if not questions:
        raise DatasetError(f"{path}: the file holds no questions")
    dupes = sorted(i for i, n in Counter(q.id for q in questions).items() if n > 1)
    if dupes:
        raise DatasetError(f"{path}: duplicate question ids: {', '.join(dupes)}")
    return questions[:limit] if limit else questions
