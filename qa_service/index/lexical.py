"""Lexical side: one analyzer for documents and queries, and a bm25s index over chunks.

The analyzer lower-cases, drops English stop words, stems with Snowball
(PyStemmer), keeps numbers whole ("2,084" -> "2084") and adds character
bigrams of Hangul words so a Korean query matches inflected Korean text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa_service.text.stopwords import STOPWORDS


def _bm25s():
    import bm25s

    # bm25s sets its own logger to DEBUG when imported; its progress lines are not ours to print.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


_TOKEN = re.compile(r"[A-Za-z]&[A-Za-z]\b|[A-Za-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?|[가-힣]+|\w+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def analyze(text: str) -> list[str]:
    """Index terms of ``text`` (the same function serves documents and queries)."""
    stop = STOPWORDS
    words: list[str] = []
    hangul: list[str] = []
    for token in _TOKEN.findall(_THOUSANDS.sub("", text)):
        low = token.lower()
        if "\uac00" <= low[0] <= "\ud7a3":
            hangul.append(low)
        elif low in stop or (len(low) < 2 and not low.isdigit()):
            continue
        else:
            words.append(low)
    terms = _stemmer().stemWords(words) if words else []
    for word in hangul:
        terms.append(word)
        if len(word) > 2:  # a two-syllable word is its own only bigram
            terms.extend(word[i : i + 2] for i in range(len(word) - 1))
    return terms


class LexicalIndex:
    """BM25 (bm25s) over analysed texts; saved as bm25s' plain files."""

    def __init__(self, retriever) -> None:
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = _bm25s().BM25()
        corpus = [analyze(t) or ["__empty__"] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(_bm25s().BM25.load(str(folder), mmap=False))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every indexed text for the analysed query ``terms``."""
        known = [t for t in terms if t in self._vocab]
        if not known:
            return np.zeros(self._retriever.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    @property
    def size(self) -> int:
        """How many texts are indexed."""
        return int(self._retriever.scores["num_docs"])

    def known(self, term: str) -> bool:
        return term in self._vocab

    def vocabulary(self) -> Iterable[str]:
        """Every indexed term."""
        return self._vocab.keys()

    def closest(self, term: str) -> str | None:
        """The indexed term spelled most like ``term`` (romanisations vary: Daedeok, Daeduck), if close enough."""
        return self._closest(term)

    @lru_cache(maxsize=4096)  # noqa: B019 - bounded, one index object per loaded index
    def _closest(self, term: str) -> str | None:
        from rapidfuzz import fuzz, process

        if term in self._vocab or len(term) < 5 or not term.isalpha():
            return term if term in self._vocab else None
        candidates = [t for t in self._vocab if t[:1] == term[:1] and abs(len(t) - len(term)) <= 2]
        # Indel similarity in percent, the measure difflib's ratio approximates (cutoff 0.8 there).
        match = process.extractOne(term, candidates, scorer=fuzz.ratio, score_cutoff=80)
        return match[0] if match else None

    def idf(self, term: str) -> float:
        """Inverse document frequency of an analysed term (0 for unknown terms)."""
        return self._idf().get(term, 0.0)

    @lru_cache(maxsize=1)  # noqa: B019 - one index object per loaded index, kept for its life
    def _idf(self) -> dict[str, float]:
        scores = self._retriever.scores
        n = scores["num_docs"]
        indptr = np.asarray(scores["indptr"])
        df = np.diff(indptr)
        return {t: float(np.log(1 + (n - df[i] + 0.5) / (df[i] + 0.5))) for t, i in self._vocab.items() if i < len(df)}
