"""Questions that name their source by year ("according to the 2009 paper") search that source."""

from __future__ import annotations

import pytest

from qa_service.records import DocumentMeta
from qa_service.retrieval.doc_refs import document_reference

DOCS = [
    DocumentMeta(
        "paper-2009", "Cluster policies: the case of Daejeon", "a.txt", "Dong-Ho Shin", 2009, "journal article"
    ),
    DocumentMeta("slides-2007", "Cluster policies in the 2000s", "b.txt", "Dong-Ho Shin", 2007, "conference slides"),
    DocumentMeta("report-2024", "Evaluation of cluster programs", "c.txt", "Budget office", 2024, "evaluation report"),
    DocumentMeta("undated", "Notes", "d.txt"),
]


@pytest.mark.parametrize(
    ("question", "doc_ids", "rest"),
    [
        (
            "How many teams were selected, according to Shin's 2009 paper?",
            ("paper-2009",),
            "How many teams were selected?",
        ),
        ("When did the plans run, per the 2007 slides?", ("slides-2007",), "When did the plans run?"),
        ("What does the 2024 report recommend?", ("report-2024",), "What does the report recommend?"),
        ("In the 2009 paper, who ran the TIC?", ("paper-2009",), "Who ran the TIC?"),
        ("What did Shin (2007) list as problems?", ("slides-2007",), "What did Shin list as problems?"),
        ("How many teams, in the 2009 Daejeon cluster paper?", ("paper-2009",), "How many teams?"),
    ],
)
def test_a_year_and_kind_point_to_the_document_and_leave_the_question(question, doc_ids, rest):
    ref = document_reference(question, DOCS)
    assert ref is not None and ref.doc_ids == doc_ids
    assert ref.strip(question) == rest


@pytest.mark.parametrize(
    "question",
    [
        "What happened in 2009?",  # a year alone is what is asked about, not a source
        "How many projects were selected in 2004?",
        "What does the 2007 report say?",  # the 2007 document is slides, not a report
        "What did the 2015 paper find?",  # no document of 2015
        "What did Kim (2007) argue?",  # the 2007 document is not Kim's
    ],
)
def test_no_reference_when_no_document_fits(question):
    assert document_reference(question, DOCS) is None


def test_an_asked_question_keeps_its_wording_while_searching_only_the_named_source(fixture_service):
    docs = fixture_service.documents()
    dated = next((d for d in docs if d.year), None)
    if dated is None:
        pytest.skip("the fixture corpus has no dated document")
    question = f"What programs are described, according to the {dated.year} document?"
    response = fixture_service.ask(question)
    assert response.question == question
    assert response.passages and {p.doc_id for p in response.passages} <= {
        d.doc_id for d in docs if d.year == dated.year
    }
