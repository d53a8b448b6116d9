"""Not content: reference lists, tables of contents, title pages and running headers are marked, never evidence."""

from __future__ import annotations

from qa_service.index.chunking import chunk_document, is_evidence
from qa_service.index.evidence_units import unit_spans
from qa_service.ingest.cleaning import clean_pages
from qa_service.ingest.regions import find_regions
from qa_service.ingest.structure import find_sections, find_tables
from qa_service.records import Document, DocumentMeta

PAPER = """Cluster Policy in Practice

1. Introduction

The ministry funded 43 project teams in 2004 (Kim 2005). Most of them were in Daejeon.

2. Results

The teams filed 120 patents by 2007.

References

- Kim, J., 2005, "Regional Innovation Systems", Journal of Policy 12(3), pp. 1-20.
- Porter, M. (1990). The Competitive Advantage of Nations. Free Press.
- Shin, D.-H., 2001, An Alternative Approach to Developing a Science Park, Papers in Regional Science.

Appendix: The survey asked 900 engineers about their work.
"""

CONTENTS = """Annual Report

Contents

1. Overview ........ 3
2. Budget .......... 7
3. Programs ........ 12
4. Outlook ......... 20

1. Overview

The program grew to 39 projects in 2005.
"""


def _doc(raw: str, doc_id: str = "d") -> Document:
    text, _pages = clean_pages([raw])
    return Document(
        meta=DocumentMeta(doc_id=doc_id, title=doc_id, source=f"{doc_id}.txt"),
        text=text,
        sections=find_sections(text),
        tables=find_tables(text, doc_id),
        regions=find_regions(text),
    )


def test_a_reference_list_is_marked_and_ends_with_its_last_citation():
    doc = _doc(PAPER)
    refs = [r for r in doc.regions if r.kind == "references"]
    assert len(refs) == 1
    span = doc.text[refs[0].start : refs[0].end]
    assert span.startswith("References") and span.rstrip().endswith("Papers in Regional Science.")
    assert "Appendix" not in span
    chunks = chunk_document(doc, target_words=30, overlap=0)
    kinds = {c.kind for c in chunks if "Porter, M." in c.text}
    assert kinds == {"references"}
    assert all(c.kind == "text" for c in chunks if "Appendix" in c.text or "43 project teams" in c.text)
    for chunk in chunks:
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert is_evidence(chunk) == (chunk.kind in ("text", "table"))
        if not is_evidence(chunk):
            assert unit_spans(chunk, doc) == []  # never an evidence sentence


def test_a_heading_alone_does_not_make_a_reference_list():
    doc = _doc("Notes\n\nReferences\n\nThe references to the plan were many and varied in 2004.\n")
    assert not [r for r in doc.regions if r.kind == "references"]


def test_a_table_of_contents_is_front_matter():
    doc = _doc(CONTENTS)
    contents = [r for r in doc.regions if r.label == "contents"]
    assert len(contents) == 1
    span = doc.text[contents[0].start : contents[0].end]
    assert span.startswith("Contents") and span.endswith("20")
    chunks = chunk_document(doc, target_words=30, overlap=0)
    assert all(c.kind == "front_matter" for c in chunks if "........" in c.text)
    assert any(c.kind == "text" and "39 projects" in c.text for c in chunks)


def test_a_title_block_set_apart_is_front_matter():
    raw = (
        "Cluster Policies in the 2000s\n\nPrepared for the 2nd Cluster Day\n\nDong-Ho Shin\nHannam University\n\n\n\n"
        + ("The clusters grew quickly after 2004 and the ministry funded many of them. " * 5)
    )
    doc = _doc(raw)
    assert [r.label for r in doc.regions] == ["title page"]
    assert doc.text[doc.regions[0].start : doc.regions[0].end].endswith("Hannam University")


def test_a_running_header_is_front_matter_but_repeated_years_are_not():
    body = "\n\n".join(f"Journal of Cluster Studies 12\n\nSection {n} says the ministry spent {n} billion won." for n in
                       range(1, 5))  # fmt: skip
    doc = _doc(body + "\n\n1960s\n\n1970s\n\n1980s\n\n1990s\n")
    headers = [r for r in doc.regions if r.label == "running header"]
    assert len(headers) == 4
    assert all(doc.text[r.start : r.end] == "Journal of Cluster Studies 12" for r in headers)


def test_the_real_corpus_keeps_its_content():
    from tests.conftest import REAL_CORPUS

    text, _ = clean_pages([(REAL_CORPUS / "shin-2009-daejeon-cluster-policies.txt").read_text(encoding="utf-8")])
    regions = find_regions(text)
    refs = [r for r in regions if r.kind == "references"]
    assert len(refs) == 1
    assert "Porter, M., 1990" in text[refs[0].start : refs[0].end]
    assert "지방 차원의 산업 클러스터 정책" in text[refs[0].end :], "the Korean abstract after the list is content"
