"""PDF tables through pdfplumber: ruled, borderless, merged header cells, split across a page break, and a bomb."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from qa_service.errors import IngestError
from qa_service.index.chunking import chunk_document
from qa_service.ingest.corpus import CorpusFile, load_document
from qa_service.ingest.pdf_guard import check_inflation


def _build(path: Path, flow: list) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    def footer(canvas, doc) -> None:
        canvas.setFont("Helvetica", 9)
        canvas.drawString(300, 30, str(doc.page))

    SimpleDocTemplate(str(path), pagesize=A4).build(flow, onFirstPage=footer, onLaterPages=footer)
    return path


def _para(text: str):
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph

    return Paragraph(text, getSampleStyleSheet()["Normal"])


def _grid(*extra):
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    return TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), *extra])


def _doc(tmp_path: Path, name: str, flow: list):
    return load_document(CorpusFile(_build(tmp_path / f"{name}.pdf", flow), name))


def _check_offsets(doc) -> None:
    for table in doc.tables:
        for cell in table.cells:
            assert doc.text[cell.start : cell.end] == cell.value
    for chunk in chunk_document(doc, target_words=40, overlap=0):
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_ruled_table(tmp_path):
    from reportlab.platypus import Spacer, Table

    rows = [["Region", "1990", "2000"], ["Seoul", "1,200", "2,084"], ["Busan", "310", "950"], ["Daejeon", "45", "410"]]
    doc = _doc(tmp_path, "ruled", [
        _para("The survey counted firms in each region over two decades, as the table below shows."), Spacer(1, 12),
        _para("Table 1. Firms by region"), Table(rows, style=_grid()), Spacer(1, 12),
        _para("Growth was fastest in Daejeon, where the science town drew research firms."),
    ])  # fmt: skip
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.caption == "Table 1. Firms by region"
    assert table.header == ("Region", "1990", "2000")
    cells = {(c.row, c.column): c.value for c in table.cells}
    assert cells[("Busan", "2000")] == "950" and cells[("Daejeon", "1990")] == "45"
    assert "Growth was fastest in Daejeon" in doc.text[table.end :]
    assert doc.page_at(table.cells[0].start) == 1
    _check_offsets(doc)


def test_borderless_table(tmp_path):
    from reportlab.platypus import Spacer, Table

    rows = [["Sector", "1995", "2005"], ["Manufacturing", "12,400", "15,020"], ["Services", "3,100", "9,500"],
            ["Research", "800", "2,300"]]  # fmt: skip
    doc = _doc(tmp_path, "borderless", [
        _para("Employment grew in every sector of the cluster."), Spacer(1, 12),
        _para("Table 2. Employment by sector"), Table(rows), Spacer(1, 12), _para("Services tripled over the decade."),
    ])  # fmt: skip
    assert len(doc.tables) == 1
    cells = {(c.row, c.column): c.value for c in doc.tables[0].cells}
    assert cells == {
        ("Manufacturing", "1995"): "12,400", ("Manufacturing", "2005"): "15,020", ("Services", "1995"): "3,100",
        ("Services", "2005"): "9,500", ("Research", "1995"): "800", ("Research", "2005"): "2,300",
    }  # fmt: skip
    assert doc.tables[0].caption == "Table 2. Employment by sector"
    assert "Employment grew in every sector of the cluster." in doc.text  # prose stays prose
    _check_offsets(doc)


def test_merged_header_cells(tmp_path):
    from reportlab.platypus import Table

    rows = [["Region", "Output (units)", "", "Staff"], ["", "2001", "2005", ""], ["North", "1,200", "2,084", "35"],
            ["South", "310", "950", "12"]]  # fmt: skip
    spans = (("SPAN", (1, 0), (2, 0)), ("SPAN", (0, 0), (0, 1)), ("SPAN", (3, 0), (3, 1)))
    doc = _doc(tmp_path, "merged", [_para("Table 3. Output by region"), Table(rows, style=_grid(*spans))])
    table = doc.tables[0]
    assert table.header == ("Region", "Output (units) 2001", "Output (units) 2005", "Staff")
    cells = {(c.row, c.column): c.value for c in table.cells}
    assert cells[("North", "Output (units) 2005")] == "2,084"
    assert cells[("South", "Staff")] == "12"
    assert all(c.row in ("North", "South") for c in table.cells)  # the second header row is no data row
    _check_offsets(doc)


def test_table_split_across_a_page_break(tmp_path):
    from reportlab.platypus import Table

    rows = [["Project", "Budget", "Year"]] + [[f"Project {i:02d}", f"{100 + i * 7:,}", str(2000 + i % 20)]
                                              for i in range(1, 71)]  # fmt: skip
    doc = _doc(tmp_path, "split", [_para("Table 4. Projects funded"), Table(rows, style=_grid(), repeatRows=1),
                                   _para("All projects were audited.")])  # fmt: skip
    assert len(doc.pages) == 2
    assert len(doc.tables) == 1, "the two halves are one table"
    table = doc.tables[0]
    assert len(table.rows) == 71, "the header repeated on page 2 is not a data row"
    cells = {(c.row, c.column): c for c in table.cells}
    first, last = cells[("Project 01", "Budget")], cells[("Project 70", "Budget")]
    assert (first.value, last.value) == ("107", "590")
    assert doc.page_at(first.start) == 1 and doc.page_at(last.start) == 2
    chunks = [c for c in chunk_document(doc, target_words=40, overlap=0) if c.table_id]
    assert len(chunks) == 1 and (chunks[0].page_start, chunks[0].page_end) == (1, 2)
    _check_offsets(doc)


_PROSE = (
    "Regional innovation policy in Korea moved from building industrial complexes to linking the firms, "
    "universities and research institutes already in them, and the ministries shared the budget between "
    "the new cluster programs and the older complexes. "
)


def test_only_pages_that_could_hold_a_table_are_laid_out(tmp_path, monkeypatch):
    """pdfminer's layout (the slow part of reading a PDF) runs on the table's page only, and the table is read."""
    from reportlab.platypus import PageBreak, Table

    from qa_service.ingest import pdf_tables

    laid_out = []
    real = pdf_tables.layout_page
    monkeypatch.setattr(pdf_tables, "layout_page", lambda page: laid_out.append(page.page_number) or real(page))
    rows = [["Region", "1990", "2000"], ["Seoul", "1,200", "2,084"], ["Busan", "310", "950"]]
    doc = _doc(tmp_path, "mixed", [
        *[_para(_PROSE * 3) for _ in range(4)], PageBreak(),
        _para("Table 5. Firms by region"), Table(rows, style=_grid()), PageBreak(),
        *[_para(_PROSE * 3) for _ in range(4)],
    ])  # fmt: skip
    assert len(doc.pages) == 3
    assert laid_out == [2], "the two prose pages are not laid out"
    cells = {(c.row, c.column): c.value for c in doc.tables[0].cells}
    assert cells[("Busan", "2000")] == "950"
    _check_offsets(doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_PROSE.replace(", ", ",\n"), False),  # wrapped prose: long lines
        ("Chapter 2\n" + _PROSE + "\n14", False),  # a heading and a page number around prose
        ("Table 1\nRegion\n1990\n2000\nSeoul\n1,200", True),  # cells one per line
        ("Seoul 1,200 2,084 3.5%\n" + _PROSE, True),  # a row of numbers on one line
        ("Region\t1990\t2000", True),
        ("", False),
    ],
)
def test_may_hold_table(text, expected):
    from qa_service.ingest.pdf_tables import may_hold_table

    assert may_hold_table(text) is expected


def _bomb(path: Path, gigabytes: float) -> Path:
    """A valid PDF whose content stream inflates to ``gigabytes`` of zeros (about 1 MB per GB on disk)."""
    packer = zlib.compressobj(9)
    zeros = bytes(1 << 24)
    body = b"".join(packer.compress(zeros) for _ in range(int(gigabytes * 64))) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return _bomb(tmp_path_factory.mktemp("bomb") / "bomb.pdf", 1)


def test_a_decompression_bomb_is_refused_quickly(bomb):
    import time

    assert bomb.stat().st_size < 4 * 1024 * 1024
    t0 = time.perf_counter()
    with pytest.raises(IngestError, match="decompression bomb"):
        load_document(CorpusFile(bomb, "bomb"))
    assert time.perf_counter() - t0 < 10


def test_the_guard_counts_ordinary_streams_and_passes_them(tmp_path):
    from reportlab.platypus import Table

    path = _build(tmp_path / "ok.pdf", [_para("A short page."), Table([["a", "1"], ["b", "2"]], style=_grid())])
    assert 0 < check_inflation(path.read_bytes(), "ok.pdf") < 1_000_000
    assert check_inflation(_bomb(tmp_path / "small.pdf", 0.02).read_bytes(), "small.pdf", limit=1 << 30) > 1 << 20
