"""What a passage can be said to speak about: itself, its neighbours, its section, its document's title and author.

Both answerers read it (a question's names or years that a passage's surroundings never use say the passage is about
something else). Its stems, with the other forms of the names in it, are derived once per passage of a loaded index.
"""

from __future__ import annotations

from qa_service.answering.context import AnswerContext
from qa_service.index.lexical import analyze
from qa_service.text.glossary import searchable


def passage_surroundings(ctx: AnswerContext, chunk_index: int) -> str:
    """A passage, the passages either side of it in its document, its section and its document's title and author:
    what the passage can be said to speak about."""
    chunks = ctx.index.chunks
    chunk = chunks[chunk_index]
    meta = ctx.index.documents[chunk.doc_id].meta
    near = [c.text for c in chunks[max(0, chunk_index - 1) : chunk_index + 2] if c.doc_id == chunk.doc_id]
    return f"{meta.title} {meta.author or ''} {chunk.section or ''} {' '.join(near)}"


def surroundings_stems(ctx: AnswerContext, chunk_index: int, other_forms: bool = True) -> frozenset[str]:
    """The index terms of a passage's surroundings, with (``other_forms``) the other forms of the names in them
    ("DRIA" brings "Daejeon ...") and, for Korean text, the English of its words and its names romanized
    (``glossary.searchable``: an English question's words are then not "missing" from a Korean passage). Derived
    once per passage of the loaded index (an index is read-only once loaded)."""
    memo = ctx.index.derived.setdefault(("surroundings_stems", other_forms), {})
    found = memo.get(chunk_index)
    if found is None:
        text = passage_surroundings(ctx, chunk_index)
        found = memo[chunk_index] = frozenset(
            analyze(searchable(ctx.index.aliases.expand(text) if other_forms else text))
        )
    return found
