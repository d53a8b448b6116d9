"""Answer candidates from every sentence (and table row) of the top passages.

A candidate is a short span that could answer the question: a stored typed fact (money, count, percent, area,
population, date, period, entity, table cell), a spaCy entity, a noun chunk, a coordinated list of names, the
field of a table row that fits the question, or, for why/how questions, the sentence itself and the sentence
with its neighbour. The learned ranker (``ranker``) scores them; nothing here decides which one wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa_service.answering.context import AnswerContext
from qa_service.answering.currency import stated_currency
from qa_service.facts.dates import MONTH
from qa_service.facts.money import CURRENCY_SYMBOLS, CURRENCY_WORDS
from qa_service.index.spans import Span, UnitSpans
from qa_service.records import Fact
from qa_service.retrieval.retriever import ScoredUnit
from qa_service.text.glossary import HANGUL
from qa_service.text.numbers import YEAR_DIGITS

# Sentences of the top passages that yield candidates. Cross-validated top-1 over the 556 training questions
# (2026-12-07, late-chunked sentence vectors): 12 -> 0.661, 18 -> 0.682, 24 -> 0.682; 18 with 12 passages
# instead of 8 (learned.PASSAGES) -> 0.674.
MAX_UNITS = 18
_SPAN_KIND = {
    "MONEY": "money", "PERCENT": "percent", "DATE": "date", "CARDINAL": "count", "QUANTITY": "count",
    "ORG": "entity", "GPE": "entity", "PERSON": "entity", "LAW": "entity", "EVENT": "entity", "NORP": "entity",
    "FAC": "entity", "LOC": "entity", "PRODUCT": "entity", "WORK_OF_ART": "entity", "ORDINAL": "count",
    "NC": "entity", "LIST": "entity",
}  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """One possible answer: what it says, where it sits, and what kind of thing it is."""

    source: str  # fact:<kind>, span:<label>, table, sentence, sentences
    kind: str  # the answer kind it can serve: money, count, ..., entity, explanation
    text: str  # the answer as shown
    doc_id: str
    start: int
    end: int
    unit: ScoredUnit  # the sentence it sits in
    unit_rank: int  # 0 = the best-scoring sentence
    passage_rank: int  # rank of its passage among the hits (1-based)
    head: str | None = None  # lemma of its head noun, or the noun a count counts
    value: float | None = None
    fact: Fact | None = None
    extra: tuple[tuple[str, float], ...] = ()  # source-specific features (table row and column fit)


def unit_text(ctx: AnswerContext, unit: int) -> str:
    idx = ctx.index.units
    chunk = ctx.index.chunks[int(idx.chunk_index[unit])]
    return ctx.index.documents[chunk.doc_id].text[int(idx.start[unit]) : int(idx.end[unit])]


def rules_text(fact: Fact, doc_text: str) -> str:
    """A fact as an answer, with its qualifiers and range ("three to five million dollars per year")."""
    if fact.kind == "table_cell":
        return cell_answer(fact.text, fact.row, fact.column)
    from qa_service.answering.rules import _answer_text

    return _answer_text(fact, doc_text)


_LABEL_UNIT = re.compile(r"\(([^()\d]{1,24})\)\s*$")  # "Revenue (KRW trillion)", "Core grant 2019/20 (£m)"
_SCALE = {"m": "million", "mn": "million", "mio": "million", "bn": "billion", "b": "billion", "k": "thousand",
          "tn": "trillion", "thousands": "thousand", "millions": "million", "billions": "billion"}  # fmt: skip
_NO_UNIT = frozenset({"number", "no", "no.", "n", "count", "#"})
_BARE = re.compile(r"[-+]?[\d.,]*\d[\d.,]*")
_ISO_CODE = re.compile(r"[A-Z]{3}")  # a currency code not in the money extractor's tables: "BRL billion"


def cell_answer(value: str, row: str | None, column: str | None) -> str:
    """A table cell as an answer: a bare number takes the unit its column or row label states in brackets
    ("2.7" under "Revenue (KRW trillion)" -> "KRW 2.7 trillion"; "15.8" under "Core grant (£m)" -> "£15.8
    million"); anything else is shown as it is."""
    text = " ".join(value.split())
    if not _BARE.fullmatch(text):
        return text
    for label in (column, row):
        m = _LABEL_UNIT.search(label or "")
        if m:
            return _with_unit(text, m.group(1))
    return text


_AREA_UNIT = re.compile(r"(?:km2|km²|m2|m²|sq\.?\s*(?:km|m|mi)\w*|square\s+\w+|hectares?|ha|acres?)\s*$", re.I)


# A cell that is a date: "2019", "2021.07.06", "2020-03", "2019-2023", "2019-20", "28 June 2024", "June 28, 2024", "Q3 2022"
_DATE_CELL = re.compile(
    rf"{YEAR_DIGITS}(?:[./-]\d{{1,2}}){{0,2}}|{YEAR_DIGITS}\s*[-–]\s*(?:{YEAR_DIGITS}|\d\d)|(?:\d{{1,2}}\s+)?{MONTH}\s+(?:\d{{1,2}},?\s+)?{YEAR_DIGITS}|"
    rf"(?:Q[1-4]|H[12])\s*(?:FY\s*)?{YEAR_DIGITS}",
    re.I,
)


def is_date_cell(text: str) -> bool:
    """Whether a table cell's text is a date (no amount, whatever ``cell_kind`` calls it)."""
    return bool(_DATE_CELL.fullmatch(text.strip()))


def cell_kind(text: str) -> str:
    """The answer kind a cell's text (with its unit, ``cell_answer``) can serve: an amount with a currency is
    money, one with "%" a percentage, one with an area unit an area, another number a count, words a name."""
    if not any(ch.isdigit() for ch in text):
        return "entity"
    if text.rstrip().endswith("%"):
        return "percent"
    if stated_currency(text) or _ISO_CODE.fullmatch(text.split()[0]):
        return "money"
    if _AREA_UNIT.search(text):
        return "area"
    return "count"


def _with_unit(number: str, unit: str) -> str:
    unit = re.split(r"[,;]", unit)[0].strip()  # "RM bn, cum.": the unit, then a note on the figures
    if unit.lower() in _NO_UNIT or len(unit.split()) > 3:
        return number
    if HANGUL.match(unit):
        return f"{number}{unit}"  # "1,530" in "억 원": "1,530억 원"
    if unit == "%":
        return f"{number}%"
    symbol = next((sym for sym in sorted(CURRENCY_SYMBOLS, key=len, reverse=True)
                   if unit.startswith(sym) and not sym.isalpha()), None)  # fmt: skip
    words = unit[len(symbol) :].split() if symbol else unit.split()
    code = None
    if (
        not symbol
        and words
        and (words[0] in CURRENCY_SYMBOLS or words[0].lower() in CURRENCY_WORDS or _ISO_CODE.fullmatch(words[0]))
    ):
        code = words.pop(0)
    rest = " ".join(_SCALE.get(w.lower(), w) for w in words)
    if symbol:
        return f"{symbol}{number} {rest}".strip()
    if code:
        return f"{code} {number} {rest}".strip()
    return f"{number} {rest}".strip()


def _head_of_fact(fact: Fact) -> str | None:
    if fact.kind == "count":
        return (fact.unit or fact.entity or "").lower().split()[-1:][0] if (fact.unit or fact.entity) else None
    if fact.kind in ("entity", "table_cell"):
        words = re.findall(r"[A-Za-z]+", fact.entity or fact.text)
        return words[-1].lower() if words else None
    return fact.kind


def _singular(word: str | None) -> str | None:
    if not word:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


NOT_EVIDENCE = frozenset({"references", "front_matter"})


def is_evidence(chunk) -> bool:
    """Reference lists, tables of contents and title pages are citable, never evidence for an answer."""
    return chunk.kind not in NOT_EVIDENCE


def generate(
    ctx: AnswerContext,
    spans: UnitSpans | None,
    units: list[ScoredUnit],
    passage_rank: dict[int, int],
    want_sentences: bool = True,
) -> list[Candidate]:
    """Candidates from the best ``MAX_UNITS`` sentences (``units`` sorted best first)."""
    idx = ctx.index.units
    out: list[Candidate] = []
    seen: set[tuple[str, int, int, str]] = set()

    def add(c: Candidate) -> None:
        if c.source.startswith("span:") and c.text.count("(") != c.text.count(")"):
            c = _balanced(c, ctx.index.documents[c.doc_id].text)
        key = (c.doc_id, c.start, c.end, c.kind)
        if key not in seen and c.text.strip():
            seen.add(key)
            out.append(c)

    for rank, unit in enumerate(units[:MAX_UNITS]):
        chunk = ctx.index.chunks[unit.chunk]
        if not is_evidence(chunk):
            continue
        doc_text = ctx.index.documents[chunk.doc_id].text
        lo, hi = int(idx.start[unit.unit]), int(idx.end[unit.unit])
        prank = passage_rank.get(unit.chunk, 99)
        for fact in ctx.fact_lookup.within(chunk.doc_id, lo, hi):
            text = rules_text(fact, doc_text)
            kind = {"period": "date", "table_cell": cell_kind(text)}.get(fact.kind, fact.kind)
            add(Candidate(f"fact:{fact.kind}", kind, text, chunk.doc_id, fact.start, fact.end,
                          unit, rank, prank, _singular(_head_of_fact(fact)), fact.value, fact))  # fmt: skip
            if fact.kind == "population":
                add(Candidate("fact:population", "count", text, chunk.doc_id, fact.start,
                              fact.end, unit, rank, prank, "people", fact.value, fact))  # fmt: skip
        for span in spans.of(unit.unit) if spans is not None else ():
            c = _span_candidate(span, doc_text, chunk.doc_id, unit, rank, prank)
            if c is not None:
                add(c)
        lists = spans.memo.setdefault("lists", {}) if spans is not None else {}
        if unit.unit not in lists:
            lists[unit.unit] = list_spans(doc_text, lo, hi)
        for lo_l, hi_l in lists[unit.unit]:
            add(Candidate("span:LIST", "entity", " ".join(doc_text[lo_l:hi_l].split()), chunk.doc_id, lo_l, hi_l,
                          unit, rank, prank, _singular(_last_word(doc_text[lo_l:hi_l]))))  # fmt: skip
        if want_sentences:
            text = " ".join(doc_text[lo:hi].split())
            add(Candidate("sentence", "explanation", text, chunk.doc_id, lo, hi, unit, rank, prank))
            nxt = unit.unit + 1
            if nxt < len(idx.start) and int(idx.chunk_index[nxt]) == unit.chunk:
                e2 = int(idx.end[nxt])
                add(Candidate("sentences", "explanation", " ".join(doc_text[lo:e2].split()), chunk.doc_id, lo, e2,
                              unit, rank, prank))  # fmt: skip
            prev = unit.unit - 1
            if prev >= 0 and int(idx.chunk_index[prev]) == unit.chunk and _LEANS_BACK.match(text):
                # "This was a problem as ...", "The Plan therefore ...": the sentence leans on the one before it
                s0 = int(idx.start[prev])
                add(Candidate("sentences", "explanation", " ".join(doc_text[s0:hi].split()), chunk.doc_id, s0, hi,
                              unit, rank, prank))  # fmt: skip
    return out


# A sentence that opens with a pronoun or a connective, or has "therefore"/"thus" early on, leans on the one before
# it: its reason or its subject is there.
_LEANS_BACK = re.compile(
    r"(?:this|these|that|those|such|it|they|thus|hence|therefore|consequently|accordingly|as a result|so|"
    r"for this reason|because of this|however|but|yet|instead)\b|(?:\S+\s+){1,4}(?:therefore|thus|hence)\b",
    re.I,
)


# A telephone or fax number ("042-629-7857", "(02) 3456-7890"): its digits are no figure
_PHONE = re.compile(r"(?<![\d.,])(?:\+\d{1,3}[\s-])?(?:\(\d{2,4}\)\s?|\d{2,4}[-.\s])\d{3,4}[-.]\d{4}(?!\d)")


def _balanced(c: Candidate, doc_text: str) -> Candidate:
    """A name cut inside its brackets made whole: "Ministry of Trade, Industry and Energy (MOTIE" takes the
    ")" that follows it, or, without one, loses the open "(MOTIE" tail; an unopened ")" at either end goes."""
    start, end = c.start, c.end
    piece = doc_text[start:end]
    if piece.count("(") > piece.count(")"):
        close = re.match(r"[^()\n]{0,12}\)", doc_text[end : end + 13])
        if close:
            end += close.end()
        else:
            end = start + len(piece[: piece.rfind("(")].rstrip(" ,;:"))
    elif piece.count(")") > piece.count("("):
        if start > 0 and doc_text[start - 1] == "(":
            start -= 1
        elif piece.rstrip().endswith(")"):
            end = start + len(piece.rstrip()[:-1].rstrip())
    if end <= start or (start, end) == (c.start, c.end):
        return c
    return replace(c, text=" ".join(doc_text[start:end].split()), start=start, end=end)


def _in_phone_number(doc_text: str, start: int, end: int) -> bool:
    lo = max(0, start - 20)
    return any(m.start() + lo <= start and end <= m.end() + lo for m in _PHONE.finditer(doc_text[lo : end + 20]))


def _span_candidate(
    span: Span, doc_text: str, doc_id: str, unit: ScoredUnit, rank: int, prank: int
) -> Candidate | None:
    """The parser's entity as a candidate; a figure label on a text that holds no number (the English model
    reading Korean text: "초래하였으며" as an ORDINAL) or the digits of a telephone number give none."""
    from qa_service.text.numbers import numbers_in

    text = " ".join(doc_text[span.start : span.end].split())
    kind = _SPAN_KIND.get(span.label, "entity")
    value = None
    if kind in ("count", "money", "percent"):
        nums = numbers_in(text)
        if not nums or _in_phone_number(doc_text, span.start, span.end):
            return None
        value = nums[0]
        if span.label in ("CARDINAL", "QUANTITY"):
            tail = re.match(r"\s*([A-Za-z][A-Za-z-]+)", doc_text[span.end : span.end + 30])
            head = _singular(tail.group(1).lower()) if tail else span.head
            return Candidate(f"span:{span.label}", kind, text, doc_id, span.start, span.end, unit, rank, prank, head,
                             value)  # fmt: skip
    return Candidate(f"span:{span.label}", kind, text, doc_id, span.start, span.end, unit, rank, prank, span.head,
                     value)  # fmt: skip


_ITEM = r"[\w'’&./-]+(?:\s+[\w'’&./-]+){0,5}?"
_LIST = re.compile(
    rf"{_ITEM}(?:\s*,\s*{_ITEM}){{1,}},?\s+(?:and|or)\s+{_ITEM}(?=\s*[.;:)(]|\s*,|\s+(?:were|are|was|is|have|has|had|each|which|that|located|in|as|to|for|with)\b|$)"
)
_LIST_START = re.compile(
    r"(?:^|[:;(]\s*|\b(?:such as|including|namely|are|were|is|was|include[sd]?|of|as|in|the|called|named|for)\s+)",
    re.I,
)
_LIST_MORE = re.compile(rf"\s*,\s*(?:and|or)\s+{_ITEM}(?=\s*[.;:)(]|\s*,|$)")


def list_spans(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Spans of comma lists ending in "and"/"or" inside ``text[lo:hi]`` ("Suwon, Seongnam, ..., and Anyang"),
    each starting after the nearest list opener (a colon, "such as", "including", a copula, "of")."""
    out = []
    sentence = text[lo:hi]
    for m in _LIST.finditer(sentence):
        start = m.start()
        head = sentence[: m.end()]
        # the last opener before the list's second item
        second = sentence.find(",", m.start())
        openers = [
            o.end() for o in _LIST_START.finditer(head, 0, second if second > 0 else m.end()) if o.end() <= second
        ]
        if openers:
            start = max(openers)
        end = m.end()
        more = _LIST_MORE.match(sentence, end)
        if more:
            end = more.end()
        piece = sentence[start:end].strip(" ,.;:")
        if piece.count(",") >= 1 and len(piece.split()) <= 40:
            s = lo + sentence.index(piece, start)
            out.append((s, s + len(piece)))
    return out


def _last_word(text: str) -> str | None:
    words = re.findall(r"[A-Za-z]+", text)
    return words[-1].lower() if words else None
