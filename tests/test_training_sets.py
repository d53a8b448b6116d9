"""The labelled questions the ranker is trained on (eval/training.json), and the held-out ones listed beside them:
every file loads, ids are unique across sets, and every answerable question quotes its evidence verbatim from the
document it names (data only)."""

import json
from pathlib import Path

import pytest

from qa_service.evaluation.dataset import load_questions
from qa_service.evaluation.training import TrainingSet, load_sets

ROOT = Path(__file__).resolve().parent.parent
SETS = load_sets(ROOT / "eval" / "training.json")
HELD_OUT = [  # listed in training.json but not trained on
    TrainingSet(s["name"], ROOT / s["corpus"], tuple(ROOT / q for q in s["questions"]))
    for s in json.loads((ROOT / "eval" / "training.json").read_text(encoding="utf-8")).get("held_out", [])
]


def _documents(corpus: Path) -> dict[str, str]:
    entries = json.loads((corpus / "sources.json").read_text(encoding="utf-8"))
    return {e["id"]: (corpus / e["file"]).read_text(encoding="utf-8") for e in entries}


@pytest.mark.parametrize("ts", SETS + HELD_OUT, ids=[s.name for s in SETS + HELD_OUT])
def test_every_answerable_question_quotes_its_evidence_from_its_document(ts):
    docs = _documents(ts.corpus)
    questions = [q for f in ts.questions for q in load_questions(f)]
    assert questions
    for q in questions:
        if not q.answerable:
            assert q.doc_id is None and q.evidence is None, q.id
            continue
        assert q.doc_id in docs, f"{q.id}: no document {q.doc_id!r} in {ts.corpus}"
        assert q.evidence in docs[q.doc_id], f"{q.id}: evidence not found verbatim in {q.doc_id}"


def test_question_ids_are_unique_across_the_sets():
    ids = [q.id for ts in SETS + HELD_OUT for f in ts.questions for q in load_questions(f)]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 600
