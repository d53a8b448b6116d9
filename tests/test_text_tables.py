"""Text tables found by shape: one cell per line between blank lines, and columns of "N (M)" values."""

from __future__ import annotations

from qa_service.ingest.cleaning import clean_pages
from qa_service.ingest.structure import find_tables


def _tables(raw: str):
    text, _ = clean_pages([raw])
    tables = find_tables(text, "d")
    for table in tables:
        for cell in table.cells:
            assert text[cell.start : cell.end] == cell.value
    return text, tables


def test_one_cell_per_line_label_value():
    raw = "Budget by program\n\nProgram A\n\n1,200\n\nProgram B\n\n950\n\nProgram C\n\n310 (4)\n\nThe total rose.\n"
    text, tables = _tables(raw)
    assert len(tables) == 1
    assert {c.row: c.value for c in tables[0].cells} == {
        "Program A": "1,200",
        "Program B": "950",
        "Program C": "310 (4)",
    }
    assert tables[0].caption == "Budget by program"
    assert "The total rose." in text


def test_two_label_value_pairs_are_not_a_table():
    _text, tables = _tables("Program A\n\n1,200\n\nProgram B\n\n950\n")
    assert tables == ()


def test_n_m_columns_separated_by_single_spaces():
    raw = (
        "Table 2. Firms (share in %)\n\nRegion 1990 2000\nSeoul 1,200 (12.1) 2,084 (15.0)\nBusan 310 (3.2) 950 (9.4)\n"
    )
    _text, tables = _tables(raw)
    assert len(tables) == 1
    table = tables[0]
    assert table.header == ("Region", "1990", "2000")
    assert {(c.row, c.column): c.value for c in table.cells}[("Busan", "2000")] == "950 (9.4)"


def test_n_m_columns_separated_by_runs_of_spaces():
    raw = "Employment\n\nSector  1990  2000\nManufacturing  1,200 (12)  2,084 (15)\nServices  310 (3)  950 (9)\n"
    _text, tables = _tables(raw)
    assert {(c.row, c.column): c.value for c in tables[0].cells}[("Services", "1990")] == "310 (3)"


def test_prose_with_a_parenthesis_is_no_table():
    _text, tables = _tables("The fund gave 12 (of 40) grants.\nThe fund gave 9 (of 30) loans.\n")
    assert tables == ()
