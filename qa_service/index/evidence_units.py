"""Evidence units: the sentences of text chunks and the rows of table chunks.

They are embedded once at build time so that, at query time, picking the
evidence sentence inside the top chunks is a handful of dot products.
A table row is embedded with its caption and header, so "university
employees in 1990" can match the row "Universities ... 2,084".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa_service.index.chunking import is_evidence
from qa_service.ingest.structure import iter_lines
from qa_service.records import Chunk, Document
from qa_service.text.sentences import sentence_spans


@dataclass
class Units:
    """Evidence units of all chunks, grouped by chunk (``offsets`` as in CSR)."""

    chunk_index: np.ndarray  # int32, one per unit
    start: np.ndarray  # int64 offsets into the document text
    end: np.ndarray
    offsets: np.ndarray  # units of chunk i are offsets[i]:offsets[i + 1]
    vectors: np.ndarray | None = None
    embed_texts: list[str] = field(default_factory=list)  # only while building

    def of_chunk(self, i: int) -> range:
        return range(int(self.offsets[i]), int(self.offsets[i + 1]))

    def save(self, folder: Path, vectors: np.ndarray) -> None:
        data = {"chunk_index": self.chunk_index.tolist(), "start": self.start.tolist(), "end": self.end.tolist()}
        (folder / "units.json").write_text(json.dumps(data), encoding="utf-8")
        np.save(folder / "units.npy", np.asarray(vectors, dtype=np.float32), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, n_chunks: int) -> Units:
        data = json.loads((folder / "units.json").read_text(encoding="utf-8"))
        chunk_index = np.asarray(data["chunk_index"], dtype=np.int32)
        return cls(
            chunk_index=chunk_index,
            start=np.asarray(data["start"], dtype=np.int64),
            end=np.asarray(data["end"], dtype=np.int64),
            offsets=_offsets(chunk_index, n_chunks),
            vectors=np.load(folder / "units.npy", allow_pickle=False),
        )


def _offsets(chunk_index: np.ndarray, n_chunks: int) -> np.ndarray:
    counts = np.bincount(chunk_index, minlength=n_chunks) if len(chunk_index) else np.zeros(n_chunks, int)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def unit_spans(chunk: Chunk, doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, text to embed) of each evidence unit of ``chunk`` (none for a not-content chunk)."""
    if not is_evidence(chunk):
        return []  # a reference list or front matter is citable, never evidence
    if chunk.kind != "table":
        # A heading is context for its sentences, not evidence of its own.
        heads = doc.heading_starts
        spans = sentence_spans(doc.text, chunk.start, chunk.end)
        body = [(s, e) for s, e in spans if s not in heads] or spans
        return [(s, e, with_context(doc.section_at(s), doc.text[s:e])) for s, e in body]
    table = doc.tables_by_id.get(chunk.table_id or "")
    caption = table.caption if table else ""
    header = " | ".join(table.header) if table else ""
    out = []
    for start, end, line in iter_lines(doc.text[chunk.start : chunk.end]):
        if line.strip():
            s, e = chunk.start + start, chunk.start + end
            row = line.replace("\t", " | ")
            out.append((s, e, f"{caption}. {header}. {row}" if "\t" in line else row))
    return out


def with_context(section: str | None, text: str) -> str:
    """A sentence as the model and BM25 see it: prefixed by its section title."""
    return f"{section}: {text}" if section and not text.startswith(section) else text


def build_units(chunks: Sequence[Chunk], docs: Mapping[str, Document]) -> Units:
    """Units of every chunk, in chunk order."""
    index, starts, ends, texts = [], [], [], []
    for i, chunk in enumerate(chunks):
        for s, e, text in unit_spans(chunk, docs[chunk.doc_id]):
            index.append(i)
            starts.append(s)
            ends.append(e)
            texts.append(text)
    chunk_index = np.asarray(index, dtype=np.int32)
    return Units(
        chunk_index=chunk_index,
        start=np.asarray(starts, dtype=np.int64),
        end=np.asarray(ends, dtype=np.int64),
        offsets=_offsets(chunk_index, len(chunks)),
        embed_texts=texts,
    )
