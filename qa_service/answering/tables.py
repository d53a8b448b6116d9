"""Answers read off tables: the question names a row (by any of its cells) and asks for one field of it.

A table row is a record: its label (first column) and its cells, each under a column header. A
question such as "How many SMEs were in the science town in 2005?" identifies a record by its
label ("SMEs") and asks for the field under "2005"; "Who were the beneficiaries of the Regional
Technology Innovation Center?" identifies the record by another cell and asks for the field under
"Beneficiaries"; "When did research institutes start moving in?" identifies it by its activity and
asks for its year (the label). So every (record, field) pair is scored by how much of the question
the *other* fields of the record, the field's header and the table's caption and heading cover
(IDF-weighted, stems matched by prefix so "employment" meets "Employees"), provided the field's value
has the type the question asks for and every year the question names is accounted for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from qa_service.answering.question_types import WHY
from qa_service.index.lexical import analyze
from qa_service.records import Document, Table
from qa_service.text.aliases import fits_acronym
from qa_service.text.numbers import YEAR

_NUMBER = re.compile(r"\d")
_AGGREGATE = re.compile(r"^\s*(?:total|all|sum|overall|grand total)\b", re.I)
_ACRONYM = re.compile(r"\b[A-Z][A-Z&]{1,7}s?\b")
_NAME_RUN = re.compile(r"(?:[A-Z][\w&'-]*\s+(?:(?:of|and|for|the|&)\s+)*){1,7}[A-Z][\w&'-]*")
NUMERIC_TYPES = {"count", "population", "percent", "money", "area"}
MIN_COVERAGE = 0.5


@dataclass(frozen=True)
class Field:
    header: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Record:
    """A table row: its fields (label first) and the span of its own line."""

    fields: tuple[Field, ...]
    start: int
    end: int


@dataclass(frozen=True)
class TableAnswer:
    """The field of a table row that answers the question, and how well the question fits it."""

    table: Table
    record: Record
    target: Field
    coverage: float  # IDF-weighted share of the question's terms the row, header and caption account for
    score: float

    @property
    def row(self) -> tuple[Field, ...]:
        return self.record.fields


def _soft(a: str, b: str) -> bool:
    """Same stem, or one a prefix of the other once the shorter loses its last letter ("employ"/"employe")."""
    if a == b:
        return True
    if len(a) > len(b):
        a, b = b, a
    if len(a) < 4 or a.isdigit() or b.isdigit():
        return False
    return b.startswith(a[: max(4, len(a) - 1)])


def records(table: Table, text: str) -> list[Record]:
    """The rows of ``table`` as records: the label field first, then every cell with its header.

    A continuation row (its first cell blank) inherits the label above it; the label field then
    points at the label's own line, while the record's span stays its own line.
    """
    label_header = table.header[0] if table.header else ""
    by_line: dict[int, list] = {}
    for cell in table.cells:
        by_line.setdefault(text.rfind("\n", 0, cell.start) + 1, []).append(cell)
    out = []
    label_at: dict[str, int] = {}
    for line_start, cells in sorted(by_line.items()):
        fields = [Field(c.column, c.value, c.start, c.end) for c in sorted(cells, key=lambda c: c.start)]
        label = cells[0].row
        at = text.find(label, line_start, fields[0].start) if label else -1
        if at >= 0:
            label_at[label] = at
        else:
            at = label_at.get(label, -1)
        if at >= 0:
            fields.insert(0, Field(label_header, label, at, at + len(label)))
        line_end = text.find("\n", line_start)
        out.append(Record(tuple(fields), line_start, len(text) if line_end < 0 else line_end))
    return out


def _acronyms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_ACRONYM.findall(text)))


def _acronym_terms(names: Iterable[str], acronyms: Iterable[str]) -> set[str]:
    """Stems of the question's capitalised ``names`` that one of ``acronyms`` abbreviates ("DST")."""
    out: set[str] = set()
    for short in acronyms:
        for name in names:
            if fits_acronym(short, name, missing=0):
                out |= set(analyze(name))
    return out


@dataclass(frozen=True)
class PreparedTable:
    """A table with what matching needs, analysed once: its records, their stems, its caption's terms."""

    table: Table
    records: tuple[Record, ...]
    stems: tuple[tuple[frozenset[str], ...], ...]  # per record, per field
    acronyms: tuple[tuple[tuple[str, ...], ...], ...]  # per record, per field
    header_stems: tuple[tuple[frozenset[str], ...], ...]  # per record, per field
    caption_terms: frozenset[str]
    caption_acronyms: tuple[str, ...]
    vocabulary: frozenset[str]  # every term above, to skip a table that cannot fit the question
    all_acronyms: tuple[str, ...]

    @classmethod
    def of(cls, table: Table, doc: Document) -> PreparedTable:
        rows = tuple(records(table, doc.text))
        before = doc.text[max(0, table.start - 160) : table.start].splitlines()
        heading = [ln for ln in before if ln.strip()][-1:]
        context = " ".join([table.caption, *heading, doc.section_at(table.start) or ""])
        stems = tuple(tuple(frozenset(analyze(f.value)) for f in r.fields) for r in rows)
        headers = tuple(tuple(frozenset(analyze(f.header)) for f in r.fields) for r in rows)
        caption = frozenset(analyze(context))
        return cls(
            table=table,
            records=rows,
            stems=stems,
            acronyms=tuple(tuple(_acronyms(f.value) for f in r.fields) for r in rows),
            header_stems=headers,
            caption_terms=caption,
            caption_acronyms=_acronyms(context),
            vocabulary=caption.union(*(s for r in stems for s in r), *(h for r in headers for h in r)),
            all_acronyms=tuple(dict.fromkeys(a for r in rows for f in r.fields for a in _acronyms(f.value))),
        )


def _type_ok(value: str, answer_type: str) -> bool:
    if answer_type == "explanation":  # "What was total employment in 1997?": any value may answer it
        return bool(value.strip())
    if answer_type == "date":
        return bool(YEAR.search(value))
    if answer_type in NUMERIC_TYPES:
        return bool(_NUMBER.search(value)) and not YEAR.fullmatch(value.strip())
    return bool(re.search(r"[A-Za-z가-힣]{3}", value)) and not YEAR.fullmatch(value.strip())


class _Question:
    """The question's terms, their weights, and other spellings of its acronyms (from the alias table)."""

    def __init__(self, question: str, idf: Callable[[str], float], forms: Callable[[str], Iterable[str]]) -> None:
        self.terms = list(dict.fromkeys(analyze(question)))
        top = max((idf(t) for t in self.terms if idf(t) > 0), default=1.0)
        self.weight = {t: idf(t) or top for t in self.terms}  # a term the corpus lacks weighs as its rarest
        self.total = sum(self.weight.values()) or 1.0
        self.years = set(YEAR.findall(question))
        self.alternatives: dict[str, list[set[str]]] = {}
        for token in _ACRONYM.findall(question):
            stems = analyze(token)
            alts = [set(analyze(f)) for f in forms(token) if f != token]
            if len(stems) == 1 and alts:
                self.alternatives.setdefault(stems[0], []).extend(a for a in alts if a)
        self._vocabulary = set(self.terms).union(*(a for alts in self.alternatives.values() for a in alts))
        self._memo: dict[str, frozenset[str]] = {}

    def _hits(self, term: str) -> frozenset[str]:
        """The question's terms and alternative stems that ``term`` matches (memoised: tables repeat words)."""
        hits = self._memo.get(term)
        if hits is None:
            hits = self._memo[term] = frozenset(w for w in self._vocabulary if _soft(w, term))
        return hits

    def matched(self, terms: Iterable[str]) -> set[str]:
        """The question's terms that ``terms`` contain, by stem prefix or through another spelling."""
        found: set[str] = set()
        for t in terms:
            found |= self._hits(t)
        out = {q for q in self.terms if q in found}
        for q, alternatives in self.alternatives.items():
            if q not in out and any(len(a & found) >= max(1, round(0.6 * len(a))) for a in alternatives):
                out.add(q)
        return out

    def share(self, terms: set[str]) -> float:
        return sum(self.weight[t] for t in terms) / self.total


def best_table_answer(
    question: str,
    answer_type: str,
    tables: Iterable[PreparedTable],
    idf: Callable[[str], float],
    forms: Callable[[str], Iterable[str]] = lambda s: (),
    similarity: Callable[[Table, Record], float] | None = None,
) -> TableAnswer | None:
    """The best-fitting (row, field) of ``tables`` for ``question``, or None when none fits well enough.

    ``forms`` gives other spellings of a name (the corpus's alias table); ``similarity(table, record)``
    the embedding similarity of the question to that row, which breaks near-ties between
    tables that share rows and columns ("Total" in 1997) but not words ("worked" vs "Employees").
    """
    if WHY.search(question):
        return None  # a reason is not a cell's value
    q = _Question(question, idf, forms)
    if not q.terms:
        return None
    names = [m.group(0) for m in _NAME_RUN.finditer(question)]
    best: TableAnswer | None = None
    for prepared in tables:
        table = prepared.table
        caption_terms = prepared.caption_terms | _acronym_terms(names, prepared.caption_acronyms)
        everything = prepared.vocabulary | caption_terms | _acronym_terms(names, prepared.all_acronyms)
        if q.share(q.matched(everything)) < MIN_COVERAGE:
            continue  # even all of the table together does not cover enough of the question
        in_caption_all = q.matched(caption_terms)
        for r, record in enumerate(prepared.records):
            row = record.fields
            stems = [
                st | _acronym_terms(names, ac) for st, ac in zip(prepared.stems[r], prepared.acronyms[r], strict=True)
            ]
            matched = [q.matched(st) for st in stems]
            headers = [q.matched(h) for h in prepared.header_stems[r]]
            aggregate = bool(_AGGREGATE.match(row[0].value))
            for i, target in enumerate(row):
                if not _type_ok(target.value, answer_type):
                    continue
                others = [j for j in range(len(row)) if j != i]
                in_key = set().union(*(matched[j] for j in others))
                if not (in_key - in_caption_all) and not (aggregate and i > 0):
                    # Nothing in the question picks out this row beyond what the whole table is about (a total
                    # row answers for the whole).
                    continue
                # "... had companies as its main actors": the header of a field that picks out the row counts
                in_header = (headers[i] | set().union(*(headers[j] for j in others if matched[j]))) - in_key
                in_caption = in_caption_all - in_key - in_header
                if matched[i] - in_key - in_header - in_caption:
                    continue  # the question already names this value: it asks for another field
                key = set().union(*(stems[j] for j in others))
                years_seen = {y for y in q.years if y in key or y == target.header.strip() or y in caption_terms}
                if years_seen != q.years or (YEAR.fullmatch(target.header.strip()) and target.header not in q.years):
                    continue  # a year of the question is unaccounted for, or the column is another year's
                coverage = q.share(in_key | in_header | in_caption)
                if coverage < MIN_COVERAGE:
                    continue
                # One cell that holds much of the question (a name) beats words scattered over shared cells.
                focus = max((q.share(matched[j]) for j in others), default=0.0)
                score = coverage + 0.3 * focus + 0.15 * bool(in_header) - 0.1 * (not in_key)
                if similarity is not None:
                    score += 0.3 * similarity(table, record)
                if best is None or score > best.score:
                    best = TableAnswer(table, record, target, round(coverage, 4), round(score, 4))
    return best
