"""PDFs end to end: reportlab pages with known text -> cleaned Document -> chunks -> search hits with pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.index.chunking import chunk_document
from qa_service.ingest.corpus import CorpusFile, load_document

ALPHA = "Alpha widgets were first produced in the northern valley in 1998."
SPLIT_HEAD = "The growth of the widget cluster was"
SPLIT_TAIL = "also seen in the southern plains, where eleven new firms opened."
BRAVO = "Bravo harbour hosts the second cluster programme of the coast."
ROWS = [("Region", "2001", "2005"), ("North", "1,200", "2,084"), ("South", "310", "950")]

PAGES = [
    ["Widget Clusters Review", "", ALPHA, "The valley now hosts forty widget firms and two universities.", SPLIT_HEAD],
    [SPLIT_TAIL, BRAVO],
    ["Widget Output by Region", *("{:<14}{:<10}{}".format(*row) for row in ROWS)],
]


def write_pdf(path: Path, pages: list[list[str]], header: str | None = None) -> Path:
    """One drawn line per entry; a page number at the foot of each page; an optional running header."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(pages, start=1):
        if header:
            pdf.drawString(72, 810, header)
        for k, line in enumerate(lines):
            pdf.setFont("Courier", 10)  # fixed width keeps the table's columns aligned
            pdf.drawString(72, 770 - 16 * k, line)
        pdf.drawString(300, 30, str(number))
        pdf.showPage()
    pdf.save()
    return path


@pytest.fixture(scope="module")
def pdf_doc(tmp_path_factory):
    path = write_pdf(tmp_path_factory.mktemp("pdf") / "widgets.pdf", PAGES)
    return load_document(CorpusFile(path, "widgets"))


def _page_of(doc, needle: str) -> int | None:
    return doc.page_at(doc.text.index(needle))


def test_pages_are_kept(pdf_doc):
    assert [p.number for p in pdf_doc.pages] == [1, 2, 3]
    assert pdf_doc.meta.kind == "pdf"
    assert _page_of(pdf_doc, "Alpha widgets") == 1
    assert _page_of(pdf_doc, BRAVO) == 2
    assert _page_of(pdf_doc, "Widget Output") == 3
    assert pdf_doc.page_at(len(pdf_doc.text)) == 3


def test_sentence_split_across_the_page_break_is_one_sentence(pdf_doc):
    sentence = f"{SPLIT_HEAD} {SPLIT_TAIL}"
    assert sentence in pdf_doc.text
    start = pdf_doc.text.index(sentence)
    assert pdf_doc.page_at(start) == 1
    assert pdf_doc.page_at(start + len(SPLIT_HEAD) + 1) == 2  # "also" opens page 2


def test_page_numbers_are_dropped(pdf_doc):
    lines = pdf_doc.text.split("\n")
    assert not any(line.strip() in {"1", "2", "3"} for line in lines)


def test_table_drawn_as_text_lines_becomes_a_table(pdf_doc):
    (table,) = pdf_doc.tables
    assert table.caption == "Widget Output by Region"
    assert table.header == ROWS[0]
    cells = {(c.row, c.column): c.value for c in table.cells}
    assert cells["North", "2005"] == "2,084"
    assert cells["South", "2001"] == "310"
    assert pdf_doc.page_at(table.start) == 3


def test_chunks_know_their_pages(pdf_doc):
    chunks = chunk_document(pdf_doc, target_words=12, overlap=0)
    for chunk in chunks:
        assert pdf_doc.text[chunk.start : chunk.end] == chunk.text
        assert chunk.page_start == pdf_doc.page_at(chunk.start)
        assert chunk.page_end == pdf_doc.page_at(chunk.end - 1)
    spanning = next(c for c in chunks if SPLIT_TAIL in c.text)
    assert (spanning.page_start, spanning.page_end) == (1, 2)
    bravo = next(c for c in chunks if BRAVO in c.text)
    assert bravo.page_end == 2
    (table_chunk,) = [c for c in chunks if c.kind == "table"]
    assert (table_chunk.page_start, table_chunk.page_end) == (3, 3)


def test_running_header_and_mid_page_numbers(tmp_path):
    pages = [
        ["Founding of the parks", "Key years:", "2004", "Twelve parks were built in the valley."],
        ["Second page text about the parks and their tenants."],
        ["Third page text about the funding of the parks."],
    ]
    path = write_pdf(tmp_path / "parks.pdf", pages, header="Park Review 2009 Draft")
    doc = load_document(CorpusFile(path, "parks"))
    assert "Park Review" not in doc.text
    assert "Key years:\n2004\nTwelve parks" in doc.text  # a number inside a page is content
    assert _page_of(doc, "Third page") == 3


@pytest.fixture(scope="module")
def pdf_service(tmp_path_factory):
    from qa_service.config import Settings
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    root = tmp_path_factory.mktemp("pdf-service")
    corpus = root / "corpus"
    corpus.mkdir()
    write_pdf(corpus / "widgets.pdf", PAGES)
    (corpus / "notes.txt").write_text("Notes on Harbours\n\nThe harbour of Delta has ten piers.", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hash", chunk_words=20)
    embedder = HashEmbedder()
    ensure_index(settings, embedder)
    return QAService.open(settings, embedder)


@pytest.mark.parametrize(
    "query, page",
    [
        ("Alpha widgets first produced northern valley 1998", 1),
        ("Bravo harbour second cluster programme coast", 2),
        ("widget output by region North 2005", 3),
    ],
)
def test_search_hit_reports_the_page(pdf_service, query, page):
    response = pdf_service.search(query, k=3)
    top = response.hits[0]
    assert top.doc_id == "widgets"
    assert top.page <= page <= (top.page_end or top.page)
    if top.evidence:
        index = pdf_service.index
        assert index.documents["widgets"].page_at(top.evidence.start) == page


def test_text_documents_have_no_page_in_hits(pdf_service):
    top = pdf_service.search("harbour of Delta ten piers", k=1).hits[0]
    assert top.doc_id == "notes"
    assert top.page is None
    assert top.section == "Notes on Harbours"
