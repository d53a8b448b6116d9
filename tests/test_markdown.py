"""Markdown through markdown-it-py: headings are sections, pipe tables are Tables, lists stay lists, offsets hold."""

from __future__ import annotations

from qa_service.index.chunking import chunk_document
from qa_service.ingest.corpus import CorpusFile, load_document
from qa_service.ingest.markdown import markdown_text

SOURCE = """---
title: front matter is not text
---
# Harbour *Cluster* Report

The plan was **approved** in 2010
by the [Ministry of Ports](http://example.org).

## Budget

| Program | 2010 | 2011 |
|---------|-----:|-----:|
| Alpha   | 1.2  | 3.4  |
| Beta    | 5    | 6    |

## Steps

- first step
- second step
  - a detail of it
1. one
2. two

```
raw	code
```
"""


def test_headings_become_sections_with_levels():
    text, sections = markdown_text(SOURCE)
    assert [(s.title, s.level) for s in sections] == [("Harbour Cluster Report", 1), ("Budget", 2), ("Steps", 2)]
    for section in sections:
        assert text[section.start :].startswith(section.title)
    assert "front matter" not in text and "#" not in text and "**" not in text and "](" not in text
    assert "The plan was approved in 2010 by the Ministry of Ports." in text  # soft breaks join the paragraph


def test_lists_stay_lists():
    text, _ = markdown_text(SOURCE)
    assert "- first step\n- second step\n  - a detail of it" in text
    assert "1. one\n2. two" in text


def test_pipe_tables_become_tables(tmp_path):
    path = tmp_path / "harbour.md"
    path.write_text(SOURCE, encoding="utf-8")
    doc = load_document(CorpusFile(path, "harbour"))
    assert len(doc.tables) == 1
    table = doc.tables[0]
    assert table.header == ("Program", "2010", "2011")
    assert {(c.row, c.column): c.value for c in table.cells}[("Beta", "2011")] == "6"
    assert doc.section_at(table.cells[0].start) == "Budget"
    for cell in table.cells:
        assert doc.text[cell.start : cell.end] == cell.value
    chunks = chunk_document(doc, target_words=15, overlap=0)
    assert any(c.kind == "table" and c.table_id == table.table_id for c in chunks)
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text


def test_fixture_markdown_still_reads(tmp_path):
    from tests.conftest import FIXTURE_CORPUS

    doc = load_document(CorpusFile(FIXTURE_CORPUS / "beta.md", "beta"))
    assert doc.sections[0].title == "Notes on the Harbour Cluster Plan"
    assert "The Harbour Cluster Plan (HCP) was approved in 2010" in doc.text
