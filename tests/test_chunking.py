"""Chunking: exact offsets on every chunk of the real and fixture corpora, whole sentences and tables."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

from qa_service.index.chunking import chunk_document
from qa_service.ingest import load_corpus
from qa_service.records import Document, DocumentMeta, Page, Section
from qa_service.text.sentences import sentence_spans

TESTS = Path(__file__).resolve().parent
CORPORA = {"real": TESTS.parent / "corpus", "fixture": TESTS / "fixtures" / "corpus"}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus_docs(request) -> list[Document]:
    docs, errors = load_corpus(CORPORA[request.param])
    assert not errors
    assert docs
    return docs


def _boundaries(doc: Document) -> tuple[set[int], set[int]]:
    """Offsets where a chunk may start and end: sentence edges outside tables, table edges."""
    starts, ends = set(), set()
    pos = 0
    for table in sorted(doc.tables, key=lambda t: t.start):
        for s, e in sentence_spans(doc.text, pos, table.start):
            starts.add(s)
            ends.add(e)
        starts.add(table.start)
        ends.add(table.end)
        pos = table.end
    for s, e in sentence_spans(doc.text, pos, len(doc.text)):
        starts.add(s)
        ends.add(e)
    return starts, ends


@pytest.mark.parametrize("target, overlap", [(120, 1), (40, 0), (20, 2)])
def test_every_chunk_slices_back_and_never_cuts_a_sentence(corpus_docs, target, overlap):
    for doc in corpus_docs:
        chunks = chunk_document(doc, target, overlap)
        assert chunks, doc.doc_id
        starts, ends = _boundaries(doc)
        for chunk in chunks:
            assert doc.text[chunk.start : chunk.end] == chunk.text, chunk.chunk_id
            assert chunk.doc_id == doc.doc_id
            assert chunk.start in starts, (chunk.chunk_id, chunk.text[:40])
            assert chunk.end in ends, (chunk.chunk_id, chunk.text[-40:])


def test_chunk_ids_are_unique_and_stable(corpus_docs):
    for doc in corpus_docs:
        first = chunk_document(doc, 60, 1)
        again = chunk_document(doc, 60, 1)
        assert first == again
        ids = [c.chunk_id for c in first]
        assert len(set(ids)) == len(ids)
        assert all(re.fullmatch(rf"{re.escape(doc.doc_id)}#[0-9a-f]{{12}}(~\d+)?", i) for i in ids), ids[:3]


def test_chunk_ids_follow_the_text_not_the_position():
    """Editing one paragraph changes that chunk's id only; the chunks after it keep theirs."""
    paragraphs = [f"Paragraph {n} says that cluster number {n} hosts {n * 10} firms in its park." for n in range(12)]
    meta = DocumentMeta(doc_id="d", title="t", source="d.txt")
    before = chunk_document(Document(meta, "\n".join(paragraphs)), target_words=10, overlap=0)
    edited = ["A new first line that was not there before, long enough to be its own chunk of text.", *paragraphs]
    after = chunk_document(Document(meta, "\n".join(edited)), target_words=10, overlap=0)
    by_text = {c.text: c.chunk_id for c in after}
    assert len(after) == len(before) + 1
    assert all(by_text[c.text] == c.chunk_id for c in before)
    assert all(a.start != b.start for a, b in zip(before, after[1:], strict=True))  # the positions did move


def test_a_text_repeated_in_one_document_gets_distinct_ids():
    meta = DocumentMeta(doc_id="d", title="t", source="d.txt")
    line = "The same slide footer line repeated on every page of the deck, word for word, again."
    chunks = chunk_document(Document(meta, "\n".join([line] * 3)), target_words=10, overlap=0)
    assert len(chunks) == 3 and len({c.chunk_id for c in chunks}) == 3
    assert [c.chunk_id.split("~")[0] for c in chunks] == [chunks[0].chunk_id] * 3


def test_each_table_is_one_whole_chunk_with_its_caption(corpus_docs):
    for doc in corpus_docs:
        chunks = chunk_document(doc, 20, 1)
        table_chunks = [c for c in chunks if c.kind == "table"]
        assert [c.table_id for c in table_chunks] == [t.table_id for t in doc.tables]
        heads = {sec.start for sec in doc.sections}
        for table, chunk in zip(doc.tables, table_chunks, strict=True):
            assert chunk.end == table.end and chunk.start <= table.start
            assert table.caption in chunk.text
            # Anything before the caption is a title carried over from a section with no body of its own.
            lead = doc.text[chunk.start : table.start]
            starts = [chunk.start + i + 1 for i, ch in enumerate(lead) if ch == "\n"] + [chunk.start]
            assert all(s in heads for s in starts if s < table.start and doc.text[s : s + 1].strip())
        for chunk in chunks:
            if chunk.kind == "text":  # no text chunk overlaps a table
                assert all(chunk.end <= t.start or chunk.start >= t.end for t in doc.tables)


def test_chunks_carry_their_section(corpus_docs):
    for doc in corpus_docs:
        for chunk in chunk_document(doc, 60, 1):
            # the section is that of the chunk's content: its last line for a table, else its first line,
            # unless that line is a bare title carried into the next section's chunk
            where = chunk.end - 1 if chunk.kind == "table" else chunk.start
            carried = {s.title for s in doc.sections if chunk.start <= s.start < chunk.end}
            assert chunk.section == doc.section_at(where) or chunk.section in carried
            if chunk.kind == "text":  # a text chunk ends inside the section it names (or one carried into it)
                assert doc.section_at(chunk.end - 1) == chunk.section or doc.section_at(chunk.end - 1) in carried


def test_fixture_growing_table_chunk_holds_the_cell(corpus_docs):
    for doc in corpus_docs:
        for table in doc.tables:
            for cell in table.cells:
                assert doc.text[cell.start : cell.end] == cell.value


def _doc(text: str, sections=(), pages=()) -> Document:
    return Document(DocumentMeta("d", "T", "d.txt"), text, pages=tuple(pages), sections=tuple(sections))


def _sentences(n: int, words: int = 5) -> str:
    return " ".join(f"S{i} " + " ".join(["word"] * (words - 2)) + " end." for i in range(n))


def test_target_size_and_overlap():
    doc = _doc(_sentences(12))  # twelve 5-word sentences
    chunks = chunk_document(doc, target_words=20, overlap=1)
    spans = sentence_spans(doc.text)
    for chunk in chunks:
        words = len(chunk.text.split())
        assert words <= 20 + 5  # the target, plus at most the sentence that reached it
    for a, b in pairwise(chunks):
        shared = [s for s in spans if a.start <= s[0] and s[1] <= a.end and b.start <= s[0] and s[1] <= b.end]
        assert len(shared) == 1  # exactly one sentence of overlap
    # every sentence is in some chunk
    assert all(any(c.start <= s and e <= c.end for c in chunks) for s, e in spans)


def test_no_overlap_tiles_the_text():
    doc = _doc(_sentences(12))
    chunks = chunk_document(doc, target_words=20, overlap=0)
    assert len(chunks) == 3
    assert all(a.end < b.start for a, b in pairwise(chunks))
    assert " ".join(c.text for c in chunks) == doc.text


def test_smaller_target_gives_more_chunks():
    doc = _doc(_sentences(30))
    assert len(chunk_document(doc, 10, 0)) > len(chunk_document(doc, 50, 0)) > 1


def test_chunk_pages_come_from_the_document_pages():
    first = _sentences(4)
    text = first + " " + _sentences(4)
    pages = (Page(1, 0, len(first) + 1), Page(2, len(first) + 1, len(text)))
    chunks = chunk_document(_doc(text, pages=pages), target_words=15, overlap=0)
    assert [(c.page_start, c.page_end) for c in chunks] == [(1, 1), (1, 2), (2, 2)]


def test_text_documents_have_no_pages():
    chunks = chunk_document(_doc(_sentences(3)))
    assert [(c.page_start, c.page_end) for c in chunks] == [(None, None)]


def test_a_heading_alone_is_carried_into_the_next_chunk():
    # A slide title whose body was a picture is neither lost nor a chunk of its own.
    text = "Empty Slide Title\n\nNext Title\nBody sentence here."
    sections = [Section("Empty Slide Title", 0, 19), Section("Next Title", 19, len(text))]
    chunks = chunk_document(_doc(text, sections=sections), target_words=50)
    assert [c.text for c in chunks] == [text]


@pytest.mark.parametrize("target, overlap", [(0, 1), (10, -1)])
def test_bad_arguments_are_refused(target, overlap):
    with pytest.raises(ValueError, match="target_words"):
        chunk_document(_doc("Some text."), target, overlap)
