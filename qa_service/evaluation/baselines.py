"""The naive answer baseline: the sentence of the top BM25 passage that shares most words with the question."""

from __future__ import annotations

from qa_service.index.lexical import analyze
from qa_service.text.sentences import sentence_spans


def overlap_sentence(service, question: str) -> str | None:
    """The best-overlap sentence of the top BM25 chunk (never abstains)."""
    hits = service.search(question, k=1, mode="bm25").hits
    if not hits:
        return None
    passage = hits[0]
    terms = set(analyze(question))
    best, best_score = None, -1
    for s, e in sentence_spans(passage.text):
        text = passage.text[s:e]
        score = len(terms & set(analyze(text)))
        if score > best_score:
            best, best_score = text, score
    return " ".join(best.split()) if best else None
