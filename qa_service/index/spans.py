"""Typed spans of every evidence unit, from spaCy: named entities, noun chunks and coordinated lists.

They are computed once per index (``annotate``: spaCy over every unit, batched) and kept as plain offsets
into the document text, so a question is never held up by parsing corpus sentences. ``save``/``load`` keep
them as JSON beside the index.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

FORMAT = 1
ENTITY_LABELS = frozenset(
    "ORG GPE PERSON LAW EVENT DATE MONEY PERCENT QUANTITY CARDINAL NORP FAC LOC PRODUCT WORK_OF_ART ORDINAL".split()
)
PARSE_BLOCK = 1024  # units parsed together; a repeated text within a block is parsed once
_DROP_LEFT = frozenset("the a an this that these those its their his her our some such".split())


@dataclass(frozen=True)
class Span:
    """A typed span: ``label`` is an entity label, ``NC`` (noun chunk) or ``LIST`` (coordinated names)."""

    start: int
    end: int
    label: str
    head: str  # lemma of the span's head noun (lower case)


def _trim(tokens) -> tuple[int, int] | None:
    toks = [t for t in tokens]
    while toks and (toks[0].lower_ in _DROP_LEFT or toks[0].is_punct):
        toks = toks[1:]
    while toks and toks[-1].is_punct:
        toks = toks[:-1]
    if not toks:
        return None
    return toks[0].idx, toks[-1].idx + len(toks[-1].text)


def _head_lemma(tok) -> str:
    from qa_service.text.nlp import noun_lemma

    return noun_lemma(tok)


def spans_of(doc, base: int) -> list[Span]:
    """The spans of one parsed unit (``base``: the unit's offset in its document)."""
    out: list[Span] = []
    for ent in doc.ents:
        if ent.label_ in ENTITY_LABELS:
            trimmed = _trim(ent)
            if trimmed:
                out.append(Span(base + trimmed[0], base + trimmed[1], ent.label_, _head_lemma(ent.root)))
    for nc in doc.noun_chunks:
        if nc.root.pos_ == "PRON":
            continue
        trimmed = _trim(nc)
        if trimmed:
            out.append(Span(base + trimmed[0], base + trimmed[1], "NC", _head_lemma(nc.root)))
    for tok in doc:
        conj = [c for c in tok.children if c.dep_ == "conj"]
        if not conj or tok.dep_ == "conj" or tok.pos_ not in ("NOUN", "PROPN"):
            continue
        items = [tok]
        while conj:
            items.append(conj[0])
            conj = [c for c in conj[0].children if c.dep_ == "conj"]
        if len(items) < 2 or not all(t.pos_ in ("NOUN", "PROPN") for t in items):
            continue
        left = min((t for t in tok.lefts if t.dep_ in ("compound", "amod", "nmod", "flat")), default=tok,
                   key=lambda t: t.i)  # fmt: skip
        last = items[-1]
        right = max((t for t in last.rights if t.dep_ in ("compound", "flat", "appos")), default=last,
                    key=lambda t: t.i)  # fmt: skip
        lo = min(left.i, tok.i)
        out.append(Span(base + doc[lo].idx, base + right.idx + len(right.text), "LIST", _head_lemma(tok)))
    return out


@dataclass
class UnitSpans:
    """Spans per evidence unit (unit number -> spans), offsets into the document text.

    ``memo`` keeps what answering derives from a unit or chunk once (its tokens, its lists): the index never
    changes under a loaded service, so these never go stale, and they grow at most to the corpus' size."""

    by_unit: list[list[Span]]
    memo: dict = field(default_factory=dict, repr=False)

    def of(self, unit: int) -> list[Span]:
        return self.by_unit[unit] if 0 <= unit < len(self.by_unit) else []

    @classmethod
    def concat(cls, parts: Sequence[UnitSpans]) -> UnitSpans:
        """The spans of several documents' units, one document after the other (as the index numbers them)."""
        lists = {f.name: [x for p in parts for x in getattr(p, f.name)] for f in fields(cls) if f.name != "memo"}
        return cls(**lists)

    def save(self, path: Path) -> None:
        rows = [[[s.start, s.end, s.label, s.head] for s in spans] for spans in self.by_unit]
        path.write_text(json.dumps({"format": FORMAT, "units": rows}), encoding="utf-8")

    @classmethod
    def load(cls, path: Path, n_units: int) -> UnitSpans | None:
        """The saved spans, or None when the file is missing, of another format or another index."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("format") != FORMAT or len(data.get("units", ())) != n_units:
            return None
        return cls([[Span(int(a), int(b), str(c), str(d)) for a, b, c, d in spans] for spans in data["units"]])


def annotate(texts: Sequence[str], starts: Sequence[int], batch_size: int = 256) -> UnitSpans:
    """Parse every unit text (spaCy, batched) and keep its spans.

    A text repeated within a block of ``PARSE_BLOCK`` units (the sentence two overlapping chunks share) is
    parsed once: spaCy's parse of a text does not depend on its batch, so the spans are the same
    (tests/test_embed_pipeline.py compares them with a parse of every unit).
    """
    from qa_service.text.nlp import nlp

    pipeline = nlp()
    by_unit: list[list[Span]] = []
    for lo in range(0, len(texts), PARSE_BLOCK):
        block = texts[lo : lo + PARSE_BLOCK]
        distinct = list(dict.fromkeys(block))
        parsed = dict(zip(distinct, pipeline.pipe(distinct, batch_size=batch_size), strict=True))
        by_unit += [spans_of(parsed[t], int(base)) for t, base in zip(block, starts[lo : lo + PARSE_BLOCK],
                                                                      strict=True)]  # fmt: skip
    return UnitSpans(by_unit)


def annotate_units(documents, chunks, units) -> UnitSpans:
    """The spans of every evidence unit of an index being built (``documents`` by id)."""
    texts, starts = [], []
    for u in range(len(units.chunk_index)):
        doc = documents[chunks[int(units.chunk_index[u])].doc_id]
        s, e = int(units.start[u]), int(units.end[u])
        texts.append(doc.text[s:e])
        starts.append(s)
    return annotate(texts, starts)
