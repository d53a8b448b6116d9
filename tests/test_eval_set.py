"""Consistency checks for the evaluation set eval/questions.jsonl.

These tests check the data only (no model, no service): every gold answer
must be backed by a verbatim evidence quote from the corpus file it names.
"""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL_PATH = ROOT / "eval" / "questions.jsonl"
CORPUS_DIR = ROOT / "corpus"

ALLOWED_TYPES = {
    "figure",
    "date",
    "program",
    "entity",
    "table",
    "explanation",
    "unanswerable",
    "korean",
}
REQUIRED_FIELDS = {"id", "question", "answer", "aliases", "type", "doc_id", "evidence"}
OPTIONAL_FIELDS = {"notes"}
MIN_QUESTIONS = 80
MIN_UNANSWERABLE = 8
MIN_KOREAN = 5
MIN_EVIDENCE_WORDS = 6
MAX_EVIDENCE_WORDS = 40
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _norm_answer(text: str) -> str:
    # case-insensitive, comma-insensitive ("26,768" == "26768"), whitespace-insensitive
    return _collapse(text.replace(",", "")).lower()


def _load_questions():
    records = []
    with EVAL_PATH.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported as failure
                pytest.fail(f"{EVAL_PATH.name}:{lineno} is not valid JSON: {exc}")
    return records


QUESTIONS = _load_questions()
ANSWERABLE = [q for q in QUESTIONS if q.get("type") != "unanswerable"]
WITH_EVIDENCE = [q for q in QUESTIONS if q.get("evidence") is not None]


def _sources():
    return json.loads((CORPUS_DIR / "sources.json").read_text(encoding="utf-8"))


SOURCE_IDS = {s["id"] for s in _sources()}


def _raw(doc_id: str) -> str:
    return (CORPUS_DIR / f"{doc_id}.txt").read_text(encoding="utf-8")


def _qid(q):
    return q.get("id", "?")


def test_minimum_size():
    assert len(QUESTIONS) >= MIN_QUESTIONS


def test_ids_unique_and_well_formed():
    ids = [q.get("id") for q in QUESTIONS]
    dupes = [i for i, n in Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    bad = [i for i in ids if not isinstance(i, str) or not re.fullmatch(r"q\d{3,}", i)]
    assert not bad, f"malformed ids: {bad}"


def test_questions_unique():
    texts = Counter(_collapse(q["question"]).lower() for q in QUESTIONS)
    dupes = [t for t, n in texts.items() if n > 1]
    assert not dupes, f"duplicate questions: {dupes}"


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_fields_and_types(q):
    missing = REQUIRED_FIELDS - q.keys()
    assert not missing, f"missing fields {missing}"
    extra = q.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS
    assert not extra, f"unknown fields {extra}"
    assert q["type"] in ALLOWED_TYPES, q["type"]
    assert isinstance(q["question"], str) and q["question"].strip()
    assert isinstance(q["answer"], str) and q["answer"].strip()
    assert isinstance(q["aliases"], list)
    assert all(isinstance(a, str) and a.strip() for a in q["aliases"])
    if "notes" in q:
        assert isinstance(q["notes"], str) and q["notes"].strip()


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_unanswerable_has_no_source(q):
    if q["type"] == "unanswerable":
        assert q["doc_id"] is None
        assert q["evidence"] is None
    else:
        assert q["doc_id"] is not None, "answerable question needs a doc_id"
        assert q["evidence"] is not None, "answerable question needs evidence"


def test_every_type_present():
    present = {q["type"] for q in QUESTIONS}
    assert present >= ALLOWED_TYPES, f"missing types: {ALLOWED_TYPES - present}"


def test_enough_unanswerable():
    n = sum(1 for q in QUESTIONS if q["type"] == "unanswerable" and q["evidence"] is None)
    assert n >= MIN_UNANSWERABLE


def test_korean_questions_are_korean():
    korean = [q for q in QUESTIONS if q["type"] == "korean"]
    assert len(korean) >= MIN_KOREAN
    for q in korean:
        assert HANGUL.search(q["question"]), f"{q['id']} is typed korean but has no Hangul"


def test_every_document_covered():
    covered = {q["doc_id"] for q in QUESTIONS if q["doc_id"] is not None}
    assert covered >= SOURCE_IDS, f"documents without questions: {SOURCE_IDS - covered}"


@pytest.mark.parametrize("q", QUESTIONS, ids=_qid)
def test_doc_id_exists(q):
    if q["doc_id"] is None:
        return
    assert q["doc_id"] in SOURCE_IDS, f"unknown doc_id {q['doc_id']}"
    assert (CORPUS_DIR / f"{q['doc_id']}.txt").is_file()


@pytest.mark.parametrize("q", WITH_EVIDENCE, ids=_qid)
def test_evidence_is_verbatim(q):
    ev = q["evidence"]
    raw = _raw(q["doc_id"])
    assert ev == ev.strip(), "evidence has leading/trailing whitespace"
    assert "\n" not in ev and "\r" not in ev, "evidence spans a line break"
    assert ev in raw, "evidence not found verbatim in the raw file"
    assert _collapse(ev) in _collapse(raw), "evidence lost after whitespace collapsing"


@pytest.mark.parametrize("q", WITH_EVIDENCE, ids=_qid)
def test_evidence_length(q):
    ev = q["evidence"]
    n = len(ev.split())
    assert n <= MAX_EVIDENCE_WORDS, f"evidence too long ({n} words)"
    if n < MIN_EVIDENCE_WORDS:
        # Short quotes are only allowed when they are a complete line of the
        # file (a table row or a short slide bullet).
        lines = {line.strip() for line in _raw(q["doc_id"]).splitlines()}
        assert ev in lines, f"evidence too short ({n} words) and not a whole line"


@pytest.mark.parametrize("q", ANSWERABLE, ids=_qid)
def test_answer_supported_by_evidence(q):
    if q["type"] == "explanation":
        return  # free-text summaries
    ev = _norm_answer(q["evidence"])
    candidates = [q["answer"], *q["aliases"]]
    assert any(_norm_answer(c) in ev for c in candidates), (
        f"neither answer nor any alias occurs in the evidence: {candidates!r}"
    )
