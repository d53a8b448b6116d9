"""ask() on the tiny fixture corpus: answers read off tables and names, cited by the passage they come from."""

from __future__ import annotations


def test_a_table_cell_answers_and_its_row_is_the_first_cited_passage(fixture_service):
    r = fixture_service.ask("How many employees did the research institutes of the Science Park have in 2000?")
    assert r.found and r.answer_type == "table"
    assert r.answer.startswith("6,848")
    first = r.passages[0]
    assert first.kind == "table" and first.evidence is not None and "6,848" in first.evidence.text
    doc = fixture_service.document(first.doc_id)
    assert doc.text[first.evidence.start : first.evidence.end] == first.evidence.text
    assert r.facts and r.facts[0].kind == "table_cell" and r.facts[0].text == "6,848"


def test_a_total_row_answers_for_the_whole_table(fixture_service):
    r = fixture_service.ask("What was total employment in the Science Park in 2010?")
    assert r.found and r.answer.startswith("12,925")


def test_a_table_year_the_question_does_not_ask_is_never_the_answer(fixture_service):
    r = fixture_service.ask("How many employees did the universities of the Science Park have in 1995?")
    assert not (r.answer or "").startswith(("2,084", "2,423", "2,707"))


def test_an_agency_question_gets_the_agency_and_its_acronym(fixture_service):
    r = fixture_service.ask("Which agency managed the program in the south?")
    assert r.found and "Coastal Development Agency" in r.answer and "CDA" in r.answer
    assert "Coastal Development Agency" in r.passages[0].evidence.text


def test_the_question_names_its_source_by_year(fixture_service):
    r = fixture_service.ask("How many projects were selected in 2005, according to the 2009 article?")
    assert r.question.endswith("according to the 2009 article?")
    assert {p.doc_id for p in r.passages} == {"alpha"}
    assert r.found and "48" in r.answer


def test_a_question_about_time_gets_a_length_of_time_not_another_count(fixture_service):
    r = fixture_service.ask("How much time did the project teams have to wait for their grants?")
    assert r.found and "five months" in r.answer
