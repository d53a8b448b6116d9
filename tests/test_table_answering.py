"""Answers read off table rows: the row is picked out by any of its cells, the field is the one asked for."""

from __future__ import annotations

import pytest

from qa_service.answering.tables import PreparedTable, best_table_answer, records
from qa_service.ingest.structure import find_tables
from qa_service.records import Document, DocumentMeta

TEXT = """Harbour Science Park

Changes in the HSP
Time\tMajor Activities
1981\tArea Designated (12.5 Km2)
1984\tConstruction Started
1990\tFirst Laboratories Opened
1999\tRenamed as "Harbour Valley"

Growth in the HSP
Year\t1990\t2000\t2010
Laboratories\t4\t19\t33
Start-ups\t0\t12\t87
Total\t4\t31\t120

Staff in the HSP
Year\t1990\t2000\t2010
Laboratories\t300\t1,450\t2,010
Total\t350\t1,900\t4,400

Programs by Ministry
Ministry\tProjects\tMain Actors\tBeneficiaries
Ministry of Ports and Fisheries\tDock Tech Center (DTC)\tUniversities (12)\tShipyards outside the capital
\tMarine Incubator\tCompanies, City Governments\tStart-up founders
"""


@pytest.fixture(scope="module")
def tables():
    doc = Document(DocumentMeta("hsp", "Harbour Science Park", "hsp.txt", year=2010), TEXT)
    found = find_tables(TEXT, "hsp")
    assert len(found) == 4
    doc = Document(doc.meta, TEXT, tables=found)
    return [PreparedTable.of(t, doc) for t in found]


def _ask(tables, question: str, answer_type: str):
    # Plain IDF stand-in: every word equally rare, so only the matching rules decide.
    return best_table_answer(question, answer_type, tables, idf=lambda term: 1.0)


def test_records_keep_their_label_and_inherit_it_on_continuation_rows(tables):
    programs = tables[3]
    rows = records(programs.table, TEXT)
    assert [f.value for f in rows[1].fields][:2] == ["Ministry of Ports and Fisheries", "Marine Incubator"]
    for row in rows:
        for f in row.fields:
            assert TEXT[f.start : f.end] == f.value
        assert TEXT[row.start : row.end].count("\n") == 0


@pytest.mark.parametrize(
    ("question", "answer_type", "value"),
    [
        ("How many start-ups were in the Harbour Science Park in 2010?", "count", "87"),
        ("How many laboratories were there in the HSP in 2000?", "count", "19"),
        ("When did the first laboratories open in the science park?", "date", "1990"),
        ("When did construction start at the Harbour Science Park?", "date", "1984"),
        ("What name did the park take in 1999?", "explanation", 'Renamed as "Harbour Valley"'),
        ("Who were the beneficiaries of the Dock Tech Center?", "entity", "Shipyards outside the capital"),
        ("Which project had companies and city governments as its main actors?", "entity", "Marine Incubator"),
        ("What was the total staff in the HSP in 2010?", "explanation", "4,400"),
    ],
)
def test_the_field_asked_for_in_the_row_the_question_names(tables, question, answer_type, value):
    found = _ask(tables, question, answer_type)
    assert found is not None, question
    assert found.target.value == value
    assert TEXT[found.target.start : found.target.end] == value


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("How many start-ups were in the park in 1995?", "count"),  # no 1995 column
        ("How many fishermen live in the harbour town?", "count"),  # no row fits
        ("Why was the park renamed?", "explanation"),  # the table has no reason in it
    ],
)
def test_no_answer_when_no_row_and_field_fit(tables, question, answer_type):
    assert _ask(tables, question, answer_type) is None


def test_a_value_the_question_already_names_is_not_its_answer(tables):
    found = _ask(tables, "Which project did the Ministry of Ports and Fisheries run for start-up founders?", "entity")
    assert found is not None and found.target.value == "Marine Incubator"
