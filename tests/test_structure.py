"""Structure: numbered headings, slide titles and tab-separated tables with addressable cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.ingest.corpus import CorpusFile, load_document
from qa_service.ingest.structure import find_sections, find_tables, iter_lines

REAL_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

PAPER = """A Paper Title

Intro text before any heading.

3. The Approaches by the Roh Government

Body of three.

2) Rural Development

Body of rural development.

(2) RIS Pilot Program

Body of the pilot.
"""

TABLE_TEXT = """Employees in the Science Park

Year\t1990\t2000
Universities\t2,084\t2,423
Total\t6,782\t9,271

After the table."""


def test_iter_lines_offsets_slice_back():
    text = "one\n\ntwo\tthree\n"
    assert [(line, text[s:e]) for s, e, line in iter_lines(text)] == [
        ("one", "one"),
        ("", ""),
        ("two\tthree", "two\tthree"),
        ("", ""),
    ]


def test_numbered_headings_of_three_styles_with_levels():
    sections = find_sections(PAPER)
    assert [(s.title, s.level) for s in sections] == [
        ("3. The Approaches by the Roh Government", 1),
        ("2) Rural Development", 2),
        ("(2) RIS Pilot Program", 3),
    ]
    for sec in sections:
        assert PAPER[sec.start :].startswith(sec.title)
    # each section runs until the next heading, the last one to the end
    assert [s.end for s in sections[:-1]] == [s.start for s in sections[1:]]
    assert sections[-1].end == len(PAPER)


def test_numbered_sentences_are_not_headings():
    text = "1. We went to the market and bought many things.\n2. Then we left for home.\n\nPlain text."
    assert find_sections(text) == ()


def test_slide_titles_are_found_in_documents_without_numbered_headings():
    text = (
        "Regional Innovation\n\n\nThe body of the slide is here.\n\n"
        "Growing Employees in the DSP\n\nYear\t1990\t2000\nUniversities\t2,084\t2,423\n\n"
        "NURI: Concept\nA program for the regions.\n\nthis is a lower case line\n\nbody."
    )
    titles = [s.title for s in find_sections(text)]
    assert titles == ["Regional Innovation", "Growing Employees in the DSP", "NURI: Concept"]


def test_document_section_at_reports_the_governing_heading(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_text(PAPER, encoding="utf-8")
    doc = load_document(CorpusFile(path, "paper"))
    assert doc.section_at(doc.text.index("Intro text")) is None
    assert doc.section_at(doc.text.index("Body of rural")) == "2) Rural Development"
    assert doc.section_at(doc.text.index("Body of the pilot")) == "(2) RIS Pilot Program"


def test_table_has_caption_header_rows_and_addressable_cells():
    (table,) = find_tables(TABLE_TEXT, "doc")
    assert table.table_id == "doc#t00"
    assert table.caption == "Employees in the Science Park"
    assert table.header == ("Year", "1990", "2000")
    assert table.rows[1:] == (("Universities", "2,084", "2,423"), ("Total", "6,782", "9,271"))
    cells = {(c.row, c.column): c for c in table.cells}
    assert cells["Universities", "1990"].value == "2,084"
    assert cells["Total", "2000"].value == "9,271"
    assert len(cells) == 4
    for cell in table.cells:
        assert TABLE_TEXT[cell.start : cell.end] == cell.value
    # the span runs from the caption to the end of the last row, never mid-row
    assert TABLE_TEXT[table.start : table.end] == TABLE_TEXT[: TABLE_TEXT.index("\n\nAfter")]


def test_a_single_tab_line_is_not_a_table():
    assert find_tables("Caption\nonly\tone row\n\nText.", "d") == ()


def test_table_without_a_short_line_above_has_no_caption():
    long_line = "This long sentence above the rows is plain prose and not a caption because it has far too many words."
    text = f"{long_line}\nA\tB\nC\tD"
    (table,) = find_tables(text, "d")
    assert table.caption == ""
    assert table.start == text.index("A\tB")


def test_key_value_table_first_row_of_quantities_is_data():
    text = "Networking DB\nNo. Company\t126,000\nProduct\t43,000"
    (table,) = find_tables(text, "d")
    assert table.header == ("", "")
    assert [(c.row, c.column, c.value) for c in table.cells] == [
        ("No. Company", "value", "126,000"),
        ("Product", "value", "43,000"),
    ]


def test_empty_first_cell_continues_the_row_label_and_empty_columns_are_dropped():
    text = "Plan\n\t\tPhase\tBudget\n\tNorth\tOne\t5\n\t\tTwo\t7"
    (table,) = find_tables(text, "d")
    assert table.header == ("", "Phase", "Budget")  # the all-empty leading column is gone
    assert [(c.row, c.column, c.value) for c in table.cells] == [
        ("North", "Phase", "One"),
        ("North", "Budget", "5"),
        ("North", "Phase", "Two"),
        ("North", "Budget", "7"),
    ]


def test_a_row_of_units_under_the_heads_joins_them():
    text = "Key figures\nYear\tActive incubators\tGrants\tRate\n\t(number)\t(NIS million)\t(%)\n2012\t22\t162\t55"
    (table,) = find_tables(text, "d")
    assert table.header == ("Year", "Active incubators (number)", "Grants (NIS million)", "Rate (%)")
    assert [(c.row, c.column, c.value) for c in table.cells] == [
        ("2012", "Active incubators (number)", "22"),
        ("2012", "Grants (NIS million)", "162"),
        ("2012", "Rate (%)", "55"),
    ]


def test_a_units_row_may_open_with_a_unit_label():
    text = "Indicators\nYear\tFirms\tExports\n(unit)\t(firms)\t(USD billion)\n2016\t2,561\t17.9"
    (table,) = find_tables(text, "d")
    assert [c.column for c in table.cells] == ["Firms (firms)", "Exports (USD billion)"]


def test_a_units_line_above_a_table_gives_its_columns_their_units_read_from_the_right():
    text = (
        "Table 2-1 Main indicators, 2015-2019\n(Unit: firms, persons, KRW billion, USD million)\n"
        "Year\tTenant firms\tOperating firms\tEmployment\tProduction\tExports\n2017\t781\t602\t12,180\t2,214\t517"
    )
    (table,) = find_tables(text, "d")
    assert table.caption == "Table 2-1 Main indicators, 2015-2019"  # the units line is no caption
    assert [c.column for c in table.cells] == [
        "Tenant firms (firms)", "Operating firms (firms)", "Employment (persons)", "Production (KRW billion)",
        "Exports (USD million)",
    ]  # fmt: skip


def test_one_unit_in_the_caption_covers_every_column_and_a_label_keeps_its_own():
    text = "< 표 1 > 연도별 사업비 (단위: 억 원)\n연도\t국비\t비율 (%)\n2020\t290\t70"
    (table,) = find_tables(text, "d")
    assert table.caption == "< 표 1 > 연도별 사업비 (단위: 억 원)"
    assert [c.column for c in table.cells] == ["국비 (억 원)", "비율 (%)"]


def test_several_units_over_year_columns_follow_the_rows():
    text = "Key figures\n(unit: firms, KRW billion)\nIndicator\t2019\t2020\nFirms\t87\t95\nOutput\t318.4\t330.0"
    (table,) = find_tables(text, "d")
    assert [(c.row, c.column) for c in table.cells] == [
        ("Firms (firms)", "2019"), ("Firms (firms)", "2020"), ("Output (KRW billion)", "2019"),
        ("Output (KRW billion)", "2020"),
    ]  # fmt: skip


def test_two_tables_get_their_own_ids_and_captions():
    text = f"{TABLE_TEXT}\n\nSecond Table\nK\tV\nx\t1\ny\t2"
    tables = find_tables(text, "d")
    assert [(t.table_id, t.caption) for t in tables] == [
        ("d#t00", "Employees in the Science Park"),
        ("d#t01", "Second Table"),
    ]


@pytest.fixture(scope="module")
def slides():
    path = REAL_CORPUS / "shin-2007-cluster-day-slides.txt"
    return load_document(CorpusFile(path, path.stem))


def test_real_slides_growing_employees_table(slides):
    table = next(t for t in slides.tables if t.caption == "Growing Employees in the DSP")
    cells = {(c.row, c.column): c for c in table.cells}
    cell = cells["Universities", "1990"]
    assert cell.value == "2,084"
    assert slides.text[cell.start : cell.end] == "2,084"
    assert table.header[:3] == ("Year", "1979", "1985")
    # every row has the header's width
    assert {len(r) for r in table.rows} == {len(table.header)}


def test_real_slides_every_table_cell_slices_back(slides):
    assert len(slides.tables) >= 3
    for table in slides.tables:
        for cell in table.cells:
            assert slides.text[cell.start : cell.end] == cell.value
        assert slides.text[table.start :].startswith(table.caption)


def test_real_paper_numbered_sections():
    path = REAL_CORPUS / "shin-2009-daejeon-cluster-policies.txt"
    doc = load_document(CorpusFile(path, path.stem))
    titles = [s.title for s in doc.sections]
    assert "3. The Approaches by the Roh Government" in titles
    assert "2) Rural Development" in titles
    assert "(2) RIS Pilot Program" in titles
    levels = {s.title: s.level for s in doc.sections}
    assert levels["(2) RIS Pilot Program"] == 3
