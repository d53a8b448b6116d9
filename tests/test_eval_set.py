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


def _problems_of(q: dict) -> list[str]:
    """Everything wrong with one question of the file (an empty list when it is fine)."""
    out = []
    missing, extra = REQUIRED_FIELDS - q.keys(), q.keys() - REQUIRED_FIELDS - OPTIONAL_FIELDS
    if missing or extra:
        return [f"missing fields {sorted(missing)}" if missing else f"unknown fields {sorted(extra)}"]
    if q["type"] not in ALLOWED_TYPES:
        out.append(f"unknown type {q['type']!r}")
    if not (isinstance(q["question"], str) and q["question"].strip()):
        out.append("blank question")
    if not (isinstance(q["answer"], str) and q["answer"].strip()):
        out.append("blank answer")
    if not (isinstance(q["aliases"], list) and all(isinstance(a, str) and a.strip() for a in q["aliases"])):
        out.append("aliases must be a list of non-blank strings")
    if "notes" in q and not (isinstance(q["notes"], str) and q["notes"].strip()):
        out.append("blank notes")
    if q["type"] == "unanswerable":
        if q["doc_id"] is not None or q["evidence"] is not None:
            out.append("an unanswerable question has doc_id and evidence null")
        return out
    if q["doc_id"] is None or q["evidence"] is None:
        return [*out, "an answerable question needs a doc_id and evidence"]
    if q["doc_id"] not in SOURCE_IDS or not (CORPUS_DIR / f"{q['doc_id']}.txt").is_file():
        return [*out, f"unknown doc_id {q['doc_id']}"]
    ev, raw = q["evidence"], _raw(q["doc_id"])
    if ev != ev.strip() or "\n" in ev or "\r" in ev:
        out.append("evidence has surrounding whitespace or spans a line break")
    if ev not in raw or _collapse(ev) not in _collapse(raw):
        out.append("evidence not found verbatim in the corpus file")
    n = len(ev.split())
    if n > MAX_EVIDENCE_WORDS:
        out.append(f"evidence too long ({n} words)")
    # Short quotes are only allowed when they are a complete line of the file (a table row or a short bullet).
    if n < MIN_EVIDENCE_WORDS and ev not in {line.strip() for line in raw.splitlines()}:
        out.append(f"evidence too short ({n} words) and not a whole line")
    candidates = [q["answer"], *q["aliases"]]
    if q["type"] != "explanation" and not any(_norm_answer(c) in _norm_answer(ev) for c in candidates):
        out.append(f"neither answer nor any alias occurs in the evidence: {candidates!r}")
    return out


def test_every_question_of_the_file_is_valid_and_quotes_the_corpus_verbatim():
    """The one data test over the whole file: fields, types, sources, verbatim evidence, answers in evidence."""
    problems = [f"{q.get('id', '?')}: {p}" for q in QUESTIONS for p in _problems_of(q)]
    assert not problems, f"{len(problems)} problem(s) in {EVAL_PATH.name}:\n" + "\n".join(problems)


def test_the_file_loads_with_the_evals_own_loader():
    from qa_service.evaluation import load_questions

    assert [q.id for q in load_questions(EVAL_PATH)] == [q["id"] for q in QUESTIONS]


def test_the_data_check_catches_bad_questions():
    good = next(q for q in QUESTIONS if q["type"] == "figure")
    assert _problems_of(good) == []
    assert _problems_of({**good, "evidence": good["evidence"] + " and words nobody wrote"})
    assert _problems_of({**good, "answer": "a figure the quote does not hold", "aliases": []})
    assert _problems_of({**good, "doc_id": "no-such-document"})
    assert _problems_of({**good, "type": "unanswerable"})
    assert _problems_of({k: v for k, v in good.items() if k != "aliases"})
