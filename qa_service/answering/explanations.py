"""Explanations: the sentences that answer a why/how/what-went-wrong question, as one readable answer.

The best-scoring sentence comes first, then the next ones of its passage while the answer stays short. A
heading or label ("At the local level:", "Negative Side") is followed by its list, so more of it is kept,
up to the next label or section; a why-question whose sentences give no reason also gets the sentence after
them when that one does ("This was because ...").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa_service.answering.question_types import WHY
from qa_service.retrieval.retriever import ScoredUnit

if TYPE_CHECKING:
    from qa_service.answering.context import AnswerContext

CAUSE = re.compile(r"\b(?:because|due to|owing to|as a result|reasons?|thanks to|resulted from|caused by)\b", re.I)


def explanation(units: list[ScoredUnit], service: AnswerContext, question: str = "") -> tuple[str, list[ScoredUnit]]:
    """The best sentence, followed by the next ones of its passage while they stay short and relevant.

    A heading or label ("At the local level:", "Negative Side") is followed by its list, so more of it is
    kept; a why-question whose sentence gives no reason also gets the next sentence when that one does
    ("This was because ...")."""
    best = units[0]
    idx = service.index.units
    chunk = service.index.chunks[best.chunk]
    doc = service.index.documents[chunk.doc_id]
    text = doc.text

    def unit_text(u: int) -> str:
        return text[int(idx.start[u]) : int(idx.end[u])]

    chosen = [best]
    first = unit_text(best.unit)
    words = len(first.split())
    limit = 60 if first.rstrip().endswith(":") or words <= 5 else 25
    span = idx.of_chunk(best.chunk)
    section = doc.section_at(int(idx.start[best.unit]))
    u = best.unit + 1
    while u < span.stop and words < limit:
        if unit_text(u).rstrip().endswith(":") or doc.section_at(int(idx.start[u])) != section:
            break  # the next list's label, or the next section: another topic
        words += len(unit_text(u).split())
        chosen.append(ScoredUnit(u, best.chunk, 0.0, 0.0, 0.0))
        u += 1
    said = " ".join(unit_text(c.unit) for c in chosen)
    if WHY.search(question) and not CAUSE.search(said) and u < span.stop and CAUSE.search(unit_text(u)):
        chosen.append(ScoredUnit(u, best.chunk, 0.0, 0.0, 0.0))
    return joined([" ".join(unit_text(c.unit).split()) for c in chosen]), chosen


def joined(pieces: list[str]) -> str:
    """Sentences joined by a space; a heading and list items without punctuation by ': ' and '; '."""
    out = ""
    for i, piece in enumerate(pieces):
        if i:
            prev = pieces[i - 1]
            if prev[-1:] in ".!?;:,)\"'":
                out += " "
            else:
                out += ": " if i == 1 and len(prev.split()) <= 5 and len(pieces) > 2 else "; "
        out += piece
    return out


def span_coverage(service: AnswerContext, terms: list[str], chosen: list[ScoredUnit]) -> float:
    """IDF-weighted share of the query terms that the chosen sentences hold together."""
    weights = {t: service.index.lexical.idf(t) for t in set(terms)}
    total = sum(weights.values()) or 1.0
    held = set().union(*(service.retriever.unit_terms(c.unit) for c in chosen))
    return sum(w for t, w in weights.items() if t in held) / total
