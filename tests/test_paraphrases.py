"""Paraphrases of a question get the same answer: a synonym ("companies" / "firms"), another wording of the
question word ("how much time" / "how long"), the passive voice, another verb. Over the real corpus and model."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.model

PARAPHRASES = [
    (
        "How many companies do Korea's 30 industrial complexes host?",
        "How many firms do Korea's 30 industrial complexes host?",
        "26,768",
    ),
    (
        "Given the funding delays, how much time did an RIS pilot team effectively have to work with money in hand "
        "each year?",
        "Given the funding delays, how long did an RIS pilot team effectively have to work with money in hand each "
        "year?",
        "six months",
    ),
    (
        "How many scientists and engineers did DRIA survey for its cluster plan?",
        "How many scientists and engineers were surveyed by DRIA for its cluster plan?",
        "900",
    ),
    (
        "When did the Daedeok Innovative Cluster Plan start operating?",
        "When did the Daedeok Innovative Cluster Plan begin operation?",
        "December 2005",
    ),
]


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace(",", "")).strip().lower()


@pytest.mark.parametrize(("question", "paraphrase", "gold"), PARAPHRASES, ids=lambda v: v[:30])
def test_a_paraphrase_gets_the_same_answer(real_service, question, paraphrase, gold):
    first, second = real_service.ask(question), real_service.ask(paraphrase)
    assert first.found and second.found, (first.answer, second.answer)
    assert _norm(gold) in _norm(first.answer), first.answer
    assert _norm(second.answer) == _norm(first.answer)
    assert second.passages[0].doc_id == first.passages[0].doc_id
