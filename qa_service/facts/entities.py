"""Named programs, plans, agencies, ministries, committees, institutions and places.

Found by the shape of English proper names, not by a list of this corpus's names:

* capitalised words ending in a head noun ("Daejeon Regional Innovation Agency", "RIS Pilot Program"),
  optionally followed by an of/for/on tail ("Ministry of Commerce, Industry and Energy");
* quoted titles that are mostly capitalised and hold a head noun ("Fourth Five-Year ... Plan");
* every mention of a name the AliasTable knows ("DRIA", "Industry ministry", "Brain Korea 21").

The head noun gives the type; the AliasTable gives the canonical name and the other forms.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from qa_service.facts.base import Found
from qa_service.text.aliases import CONNECTORS, STOPWORDS, AliasTable, is_capitalised
from qa_service.text.numbers import parse_number

_HEAD_TYPES = {
    "program": "program",
    "programme": "program",
    "project": "program",
    "initiative": "program",
    "fund": "program",
    "movement": "program",
    "plan": "plan",
    "policy": "policy",
    "strategy": "policy",
    "ministry": "ministry",
    "agency": "agency",
    "institute": "agency",
    "foundation": "agency",
    "center": "agency",
    "centre": "agency",
    "office": "agency",
    "corporation": "agency",
    "bureau": "agency",
    "authority": "agency",
    "division": "agency",
    "department": "agency",
    "association": "agency",
    "cooperative": "agency",
    "bank": "agency",
    "technopark": "agency",
    "committee": "committee",
    "council": "committee",
    "commission": "committee",
    "university": "institution",
    "college": "institution",
    "school": "institution",
    "zone": "place",
    "district": "place",
    "cluster": "place",
    "complex": "place",
    "park": "place",
    "town": "place",
    "act": "law",
    "law": "law",
}


def _plural(word: str) -> str:
    if word.endswith("y"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith("x") else "s")


HEADS: dict[str, str] = _HEAD_TYPES | {_plural(k): v for k, v in _HEAD_TYPES.items()}
"""Head nouns (lower case, singular and plural) -> entity type."""

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'’\-]*[A-Za-z0-9&]|[A-Za-z0-9]|[^\w\s]")
_TAIL = frozenset({"of", "for", "on"})
_QUOTED = re.compile(r"[“\"](?P<t>[^\"“”\n()]{3,150}?)[,.]?[”\"]")


class _Tok(NamedTuple):
    start: int
    end: int
    text: str


def _joinable(prev: _Tok, tok: _Tok, text: str) -> bool:
    gap = text[prev.end : tok.start]
    if gap.strip() or "\t" in gap:
        return False
    # PDF text breaks lines inside names, but only after a connector ("Education and\n\nHuman").
    return "\n" not in gap or prev.text.lower() in CONNECTORS or prev.text == ","


def _runs(text: str) -> list[list[_Tok]]:
    """Maximal stretches of capitalised words and the connectors between them."""
    runs: list[list[_Tok]] = []
    run: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        tok = _Tok(m.start(), m.end(), m.group())
        low = tok.text.lower()
        if run and not _joinable(run[-1], tok, text):
            runs.append(run)
            run = []
        possessive = low.endswith(("'s", "’s"))
        name_word = tok.text[0].isalnum() and is_capitalised(tok.text) and not possessive
        connector = bool(run) and low in CONNECTORS and (low != "the" or run[-1].text.lower() in _TAIL)
        # Commas only after of/for/on: "Ministry of Trade, Energy and ..." (checked again in _split).
        comma = bool(run) and tok.text == "," and any(t.text.lower() in _TAIL for t in run)
        number = bool(run) and tok.text.isdigit() and len(tok.text) <= 3 and is_capitalised(run[-1].text)
        if name_word or connector or comma or number:
            run.append(tok)
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [piece for r in runs for piece in _split(r)]


def _split(run: list[_Tok]) -> list[list[_Tok]]:
    """Cut a run at commas that close no enumeration and at numbers inside it ("Launched 7 Cluster ...")."""
    pieces: list[list[_Tok]] = [[]]
    # Position of the last "and"/"&" of the run: a comma before it opens an enumeration (one pass, not one per
    # comma, so a long run of capitalised words stays linear).
    last_and = max((i for i, t in enumerate(run) if t.text.lower() in ("and", "&")), default=-1)
    for i, tok in enumerate(run):
        if tok.text == "," and i > last_and:
            pieces.append([])
            continue
        # A number ends a name ("Brain Korea 21") or precedes its final head ("... 21 Program"); anywhere
        # else it separates two things ("Launched 7 Cluster Development Agency").
        rest = [t.text.lower() for t in run[i + 1 : i + 3]]
        ends_name = not rest or (rest[0] in HEADS and (len(rest) == 1 or rest[1] in _TAIL))
        if tok.text.isdigit() and not ends_name:
            pieces.append([])
            continue
        pieces[-1].append(tok)
    return [p for p in pieces if p]


def _is_filler(tok: _Tok) -> bool:
    low = tok.text.lower()
    return low in STOPWORDS or low in CONNECTORS or not tok.text[0].isalnum() or parse_number(tok.text) is not None


def _entity_in(run: list[_Tok]) -> tuple[int, int, str] | None:
    """(first token, end token, type) of the name in a run: from the first part that holds a head noun,
    to that head, or to the end of the run when an of/for/on tail follows."""
    cuts = [i for i, t in enumerate(run) if t.text.lower() in _TAIL]
    bounds = list(zip([0] + [c + 1 for c in cuts], [*cuts, len(run)], strict=True))
    for k, (lo, hi) in enumerate(bounds):
        heads = [i for i in range(lo, hi) if run[i].text.lower() in HEADS]
        if not heads:
            continue
        first = lo
        while first < heads[-1] and _is_filler(run[first]):
            first += 1
        last = len(run) if k + 1 < len(bounds) else heads[-1] + 1
        while last > first + 1 and _is_filler(run[last - 1]):
            last -= 1
        return first, last, HEADS[run[heads[-1]].text.lower()]
    return None


def _content_words(tokens: list[_Tok]) -> int:
    return sum(1 for t in tokens if t.text[0].isalnum() and t.text.lower() not in CONNECTORS)


def entity_type_of(name: str) -> str | None:
    """The type a name's head noun implies ("Daejeon Regional Innovation Agency" -> "agency")."""
    for run in _runs(name):
        found = _entity_in(run)
        if found:
            return found[2]
    return None


def _pattern_candidates(text: str) -> list[tuple[int, int, str]]:
    out = []
    for run in _runs(text):
        found = _entity_in(run)
        if found and _content_words(run[found[0] : found[1]]) >= 2:
            out.append((run[found[0]].start, run[found[1] - 1].end, found[2]))
    for m in _QUOTED.finditer(text):
        title = m.group("t").strip()
        words = [w for w in re.findall(r"[A-Za-z][\w\-]*", title) if w.lower() not in STOPWORDS]
        if len(words) < 2 or not title[0].isupper():
            continue
        if sum(w[0].isupper() for w in words) / len(words) < 0.6:
            continue
        kind = next((HEADS[w.lower()] for w in reversed(words) if w.lower() in HEADS), None)
        if kind:
            start = m.start("t") + (len(m.group("t")) - len(m.group("t").lstrip()))
            out.append((start, start + len(title), kind))
    return out


def _group_types(text: str, aliases: AliasTable, mentions: list[tuple[int, int, str]]) -> dict[str, str | None]:
    """Type of each known name: the head noun written after its mentions ("NURI program"), else its own."""
    votes: dict[str, Counter[str]] = {}
    for _start, end, canonical in mentions:
        nxt = re.match(r"[ ]+([A-Za-z]+)", text[end : end + 30])
        if nxt and nxt.group(1).lower() in HEADS:
            votes.setdefault(canonical, Counter())[HEADS[nxt.group(1).lower()]] += 1
    types: dict[str, str | None] = {}
    for group in aliases.groups:
        counted = votes.get(group[0])
        types[group[0]] = counted.most_common(1)[0][0] if counted else entity_type_of(group[0])
    return types


def find_entities(text: str, aliases: AliasTable) -> list[Found]:
    """One entity fact per mention; overlapping candidates keep the longest."""
    mentions = aliases.mentions(text)
    candidates = [(s, e, k, False) for s, e, k in _pattern_candidates(text)]
    candidates += [(s, e, c, True) for s, e, c in mentions]
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0]), c[3]))
    types = _group_types(text, aliases, mentions)
    out: list[Found] = []
    taken_end = -1
    for start, end, info, from_alias in candidates:
        if start < taken_end:
            continue
        surface = " ".join(text[start:end].split())
        if from_alias:
            canonical, kind = info, types.get(info)
        else:
            canonical = aliases.canonical(surface)
            kind = (types.get(canonical) if canonical else None) or info
        entity = canonical or surface
        forms = tuple(f for f in aliases.forms(entity) if f != entity)
        out.append(Found("entity", start, end, entity=entity, entity_type=kind, aliases=forms))
        taken_end = end
    return out
