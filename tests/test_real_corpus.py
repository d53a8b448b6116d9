"""The bundled corpus through the real model: offsets everywhere, and answers to questions written for this test.

These questions are the tests' own (not the eval set's); they check behaviour the issue names: figures with
units, table cells, dates, entities with their acronyms, abstention and disagreement between sources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parent.parent


def test_manifest_counts_and_model(real_service):
    manifest = real_service.health().manifest
    assert manifest["counts"]["documents"] == 3
    assert manifest["counts"]["tables"] >= 5
    assert manifest["model"]["dim"] == 384
    assert "MiniLM" in manifest["model"]["name"]


def test_every_chunk_and_fact_slices_back(real_service):
    index = real_service.index
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    for fact in index.facts:
        assert index.documents[fact.doc_id].text[fact.start : fact.end] == fact.text


def test_every_hit_of_many_queries_slices_back(real_service):
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "questions.jsonl").open()]
    for question in questions:
        for passage in real_service.search(question, k=10).hits:
            text = real_service.index.documents[passage.doc_id].text
            assert text[passage.start : passage.end] == passage.text
            if passage.kind in ("references", "front_matter"):
                assert passage.evidence is None  # citable, never evidence
                continue
            assert passage.evidence and text[passage.evidence.start : passage.evidence.end] == passage.evidence.text


def _ask(service, question):
    response = service.ask(question)
    assert 0.0 <= response.confidence <= 1.0
    return response


def test_count_with_its_unit(real_service):
    r = _ask(real_service, "What number of workers are employed in Korea's industrial complexes?")
    assert r.found and "679,335" in r.answer and r.answer_type == "count"
    assert r.facts and r.facts[0].value == 679335


def test_table_cell_answer_names_row_and_column(real_service):
    r = _ask(real_service, "How many people did research institutions employ in the DSP in 1997?")
    assert r.found and "14,220" in r.answer


def test_money_answer_keeps_currency_and_period(real_service):
    r = _ask(real_service, "How much money per year did the Education ministry plan to put into NURI?")
    assert r.found and "260 million dollars" in r.answer
    money = [f for f in r.facts if f.kind == "money"]
    assert money and money[0].value == 260_000_000 and money[0].unit == "USD"


def test_entity_answer(real_service):
    r = _ask(real_service, "Which subordinate institution administered the RIS Pilot Program for the ministry?")
    assert r.found and "ITEP" in (r.answer or "") + " ".join(p.evidence.text for p in r.passages[:2] if p.evidence)


def test_unanswerable_questions_abstain(real_service):
    for question in [
        "What was the 2019 budget of the Gwangju photonics cluster in euros?",
        "How many patents did Busan universities file in 2012?",
    ]:
        r = _ask(real_service, question)
        assert not r.found, f"answered {r.answer!r} to {question!r}"
        assert r.answer is None and r.passages, "abstention must still show the nearest passages"


def test_sources_that_disagree_are_both_shown(real_service):
    r = _ask(real_service, "How many RIS pilot projects were chosen in 2004?")
    assert r.found and r.conflicts
    docs = {side.fact.citation.doc_id for side in r.conflicts[0].sides}
    assert docs == {"shin-2007-cluster-day-slides", "shin-2009-daejeon-cluster-policies"}
    assert "disagree" in (r.message or "")


def test_korean_question_reaches_the_korean_abstract(real_service):
    r = real_service.search("노무현 정부 지역혁신 정책", k=3)
    assert any("노무현" in p.text for p in r.hits)


def test_a_korean_question_reaches_a_figure_stated_only_in_english(real_service):
    # the 2,330 clusters are stated only in the English budget-office evaluation; without the glossary's English
    # ("지정" designated, "클러스터" cluster) the Korean question shared only "2024" with it
    r = real_service.search("2024년 9월 기준으로 지정되어 운영 중인 지역산업 클러스터는 몇 개인가?", k=3)
    assert any("2,330" in p.text for p in r.hits)


def test_a_table_row_picked_out_by_another_cell_gives_the_field_asked_for(real_service):
    r = _ask(real_service, "Who benefited from the Regional Technology Innovation Center program?")
    assert r.found and r.answer_type == "table" and r.answer.startswith("SMEs outside of Seoul")
    first = r.passages[0]
    assert first.kind == "table" and "SMEs outside of Seoul" in first.evidence.text


def test_a_question_that_names_its_source_by_year_is_answered_from_it(real_service):
    r = _ask(real_service, "Per the 2007 slides, how many projects were selected for NURI in 2004?")
    assert r.found and "111" in r.answer
    assert r.passages[0].doc_id == "shin-2007-cluster-day-slides"
    assert {p.doc_id for p in r.passages} == {"shin-2007-cluster-day-slides"}
