"""Aliases and acronyms mined from the corpus text.

Three kinds of evidence link names, all general English writing conventions:

* a definition ``Long Form (ACR)``, its reverse ``ACR (Long Form)`` and plurals ``(RISs)``; the letters must
  fit the long form (Schwartz & Hearst 2003: in order, the first one starting a word) and cover the
  initials of its content words, which rejects citations such as ``(Cooke 1998)``;
* a short name set up with ``hereafter``: ``Ministry of X ("X ministry," hereafter)``;
* an acronym used without a definition (``MOCIE``) whose letters cover a defined long form's initials as
  closely as an acronym already defined for it (``MCIE``).

Linked names are merged transitively; the canonical name of a group is its longest full form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from qa_service.text.stopwords import STOPWORDS


def word_set(words: str) -> frozenset[str]:
    """A frozenset of the whitespace-separated words in ``words``."""
    return frozenset(words.split())


CONNECTORS = frozenset({"of", "and", "for", "on", "&", "de", "the"})
"""Lower-case words allowed inside a capitalised name ("Ministry of Science and Technology")."""

_TOKEN = re.compile(r"[A-Za-z0-9][\w&'’\-]*[\w&]|[A-Za-z0-9&]|[^\w\s]")
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2}|[A-Z][^0-9]*[0-9])[A-Z][A-Za-z0-9&\-]{1,9}$")
_ROMAN = re.compile(r"^[IVXLC]+$")
_PAREN = re.compile(r"\(([^()]{1,120})\)")
_QUOTES = "\"'“”‘’"
_HEREAFTER = re.compile(
    rf"^\s*(?:(?:hereafter|hereinafter)(?:\s+(?:referred\s+to\s+as|called))?[,:]?\s*)?(?:the\s+)?"
    rf"[{_QUOTES}]?(?P<alias>[^{_QUOTES}]+?)[,.]?[{_QUOTES}]?\s*,?\s*(?P<flag>hereafter|hereinafter)?\s*$",
    re.IGNORECASE,
)
_ACRONYM_IN_TEXT = re.compile(r"(?<![\w&\-])[A-Z][A-Z0-9&]{1,7}s?(?![\w&])")


def normalize_name(name: str) -> str:
    """The lookup key of a name: lower case, no quotes or commas, ``&`` as ``and``, no leading "the"."""
    key = name.lower().replace("&", " and ")
    key = re.sub(r"['’]s\b", "", key)
    key = re.sub(r"[,.\"'“”‘’()]", " ", key)
    key = " ".join(key.split())
    return key[4:] if key.startswith("the ") else key


def is_acronym(token: str) -> bool:
    """True for short forms: ``DRIA``, ``BK21``, ``RISs``, ``R&D`` (not ``II``, ``Korea``, ``Mu-Hyun``)."""
    if not _ACRONYM.match(token) or _ROMAN.match(token):
        return False
    letters = [c for c in token if c.isalpha()]
    return any(c.isdigit() for c in token) or 2 * sum(c.isupper() for c in letters) >= len(letters)


def _singular(acronym: str) -> str:
    return acronym[:-1] if len(acronym) > 2 and acronym.endswith("s") and acronym[:-1].isupper() else acronym


def _initials(long_form: str) -> str:
    """First letters of the content words; a hyphenated compound is one word ("Trade-Investment")."""
    words = [re.sub(r"^[^A-Za-z0-9]+", "", w) for w in re.split(r"[\s,;/]+", long_form)]
    return "".join(w[0].lower() for w in words if w and w.lower() not in STOPWORDS)


def _is_subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(c in it for c in needle)


def sh_long_form_start(short: str, text: str) -> int | None:
    """Offset in ``text`` where the shortest long form for ``short`` starts (Schwartz & Hearst), or None.

    ``text`` ends where the long form must end (just before the parenthesis).
    """
    s, t = short.lower(), text.lower()
    si, ti = len(s) - 1, len(t) - 1
    while si >= 0:
        c = s[si]
        if not c.isalnum():
            si -= 1
            continue
        while ti >= 0 and (t[ti] != c or (si == 0 and ti > 0 and t[ti - 1].isalnum())):
            ti -= 1
        if ti < 0:
            return None
        si -= 1
        ti -= 1
    return ti + 1


def _missing_initials(initials: str, letters: str) -> int:
    """How many initials are not covered by the letters (longest common subsequence)."""
    row = [0] * (len(letters) + 1)
    for c in initials:
        prev = 0
        for j, d in enumerate(letters, start=1):
            cur = row[j]
            row[j] = prev + 1 if c == d else max(row[j], row[j - 1])
            prev = cur
    return len(initials) - row[-1]


def fits_acronym(short: str, long_form: str, missing: int | None = None) -> bool:
    """Whether the letters of ``short`` plausibly abbreviate ``long_form``.

    The letters appear in order with the first starting a word, and they cover the initials of the
    content words, one initial per three words may be missing unless ``missing`` says otherwise
    ("TBI" for "Technology Business Incubator Center").
    """
    letters = re.sub(r"[^a-z0-9]", "", _singular(short).lower())
    if not letters or sh_long_form_start(letters, long_form) is None:
        return False
    initials = _initials(long_form)
    if not initials or (len(initials) < 2 and len(letters) > 2):
        return False
    allowed = (len(initials) - 1) // 3 if missing is None else missing
    return _missing_initials(initials, letters) <= allowed


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def is_capitalised(tok: str) -> bool:
    """A word that can be part of a proper name: "Ministry", "BK21-NURI", "R&D" (not "of", "2004")."""
    return tok[0].isupper() or (tok[0].isdigit() and any(c.isupper() for c in tok))


def name_start_before(text: str, pos: int, allow_commas: bool = False, max_words: int = 14) -> int | None:
    """Start of the capitalised name that ends at ``pos`` ("... the Ministry of Education and Human
    Resources Development" -> offset of "Ministry"), or None when the words before ``pos`` are no name.

    Connector words (of, and, for, the...) may sit inside the name, and a line break may follow one;
    commas only with ``allow_commas`` and only in an enumeration closed by "and" ("Commerce, Industry and").
    """
    lo = max(0, pos - 400)
    toks = _tokens(text[lo:pos])
    chosen: list[tuple[int, str]] = []  # (absolute start, token), right to left
    seen_and = False
    for m in reversed(toks):
        tok = m.group()
        start = lo + m.start()
        if chosen:
            gap = text[lo + m.end() : chosen[-1][0]]
            if gap.strip():
                break
            if "\n" in gap and tok.lower() not in CONNECTORS and chosen[-1][1].lower() not in CONNECTORS:
                break
        elif text[lo + m.end() : pos].strip():
            break
        low = tok.lower()
        right_is_name = not chosen or is_capitalised(chosen[-1][1])
        connector = low in CONNECTORS and bool(chosen)
        enumeration = tok == "," and allow_commas and seen_and and bool(chosen) and right_is_name
        number = tok.isdigit() and len(tok) <= 3 and right_is_name
        if not (connector or enumeration or number or (tok[0].isalnum() and is_capitalised(tok))):
            break
        seen_and = seen_and or (connector and low in ("and", "&"))
        chosen.append((start, tok))
        if sum(1 for _, t in chosen if t[0].isalnum()) > max_words:
            break
    # A name starts with a capitalised content word: trim connectors, commas, numbers and function words.
    while chosen and (
        chosen[-1][1].lower() in STOPWORDS or chosen[-1][1] == "," or chosen[-1][1].isdigit() or chosen[-1][1] == "&"
    ):
        chosen.pop()
    words = [t for _, t in chosen if t[0].isalnum()]
    if not words or not any(is_capitalised(t) for t in words):
        return None
    return chosen[-1][0]


def _sh_window_start(text: str, pos: int, n_letters: int) -> int:
    """Start of the words SH may use: at most min(n+5, 2n) words before ``pos``, within the sentence."""
    limit = min(n_letters + 5, 2 * n_letters)
    lo = max(0, pos - 300)
    start = pos
    count = 0
    prev_start = pos
    for m in reversed(_tokens(text[lo:pos])):
        tok = m.group()
        gap = text[lo + m.end() : prev_start]
        if not tok[0].isalnum() and tok not in (",", "&", "-"):
            break
        if "\n" in gap and tok.lower() not in CONNECTORS:
            break
        start = lo + m.start()
        prev_start = start
        if tok[0].isalnum():
            count += 1
            if count >= limit:
                break
    return start


@dataclass
class _Groups:
    """Union-find over name keys, remembering how each key was written."""

    parent: dict[str, str] = field(default_factory=dict)
    surface: dict[str, str] = field(default_factory=dict)

    def add(self, name: str) -> str:
        name = " ".join(name.split())
        key = normalize_name(name)
        if key and key not in self.parent:
            self.parent[key] = key
            self.surface[key] = name
        return key

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ka, kb = self.add(a), self.add(b)
        if ka and kb:
            self.parent[self.find(ka)] = self.find(kb)

    def groups(self) -> list[list[str]]:
        out: dict[str, list[str]] = {}
        for key in self.parent:
            out.setdefault(self.find(key), []).append(self.surface[key])
        return list(out.values())


# A row of a list of abbreviations: "CPVA<tab>Central Project Management Agency (Centrinė ...)", "MES: Ministry of
# Education and Science", "ERDF – European Regional Development Fund"; a note in brackets after the long form is
# left out.
_GLOSSARY_ROW = re.compile(
    r"^[ \t]*([A-Z][A-Za-z0-9&-]{1,11})[ \t]*(?:\t|:|\s[\u2013\u2014=-]\s)[ \t]*([A-Z][^\n()\t]{3,120}?)[ \t]*"
    r"(?:\([^\n]*\))?[ \t]*$",
    re.MULTILINE,
)


def _glossary_rows(text: str) -> Iterable[tuple[str, str]]:
    """The rows of lists of abbreviations: a row whose long form spells its acronym, and every row of a list of
    three or more where most do (an acronym of words in another language: "CPVA<tab>Central Project Management
    Agency (Centrinė projektų valdymo agentūra)")."""
    rows = []  # (line number, short, long form, fits)
    line, counted = 0, 0  # lines are counted from the last row on, so a long text is read once
    for m in _GLOSSARY_ROW.finditer(text):
        short, long_form = m.group(1), m.group(2).strip(" ,.;")
        if is_acronym(short) and len(long_form.split()) >= 2:
            line, counted = line + text.count("\n", counted, m.start()), m.start()
            rows.append((line, short, long_form, fits_acronym(short, long_form)))
    run: list = []
    for row in [*rows, None]:
        if row is not None and (not run or row[0] - run[-1][0] <= 2):
            run.append(row)
            continue
        listed = len(run) >= 3 and 2 * sum(r[3] for r in run) >= len(run)
        yield from ((long_form, short) for _, short, long_form, fits in run if fits or listed)
        run = [row] if row is not None else []


def _definitions(text: str) -> Iterable[tuple[str, str]]:
    """(long form, short form or alias) pairs defined in ``text``: "Long Form (LF)", "LF (Long Form)", "(hereafter
    ...)" and the rows of a list of abbreviations."""
    yield from _glossary_rows(text)
    for m in _PAREN.finditer(text):
        inner = m.group(1).strip()
        pos = m.start()
        while pos > 0 and text[pos - 1] in " \t":
            pos -= 1
        if is_acronym(inner):
            yield from _acronym_definition(text, pos, inner)
            continue
        h = _HEREAFTER.match(inner)
        if h and (h.group("flag") or re.match(r"\s*here(?:in)?after", inner, re.IGNORECASE)):
            alias = h.group("alias").strip().strip(",")
            if is_acronym(alias):
                yield from _acronym_definition(text, pos, alias)
            else:
                yield from _phrase_definition(text, pos, alias)
            continue
        yield from _reverse_definition(text, pos, inner)


def _acronym_definition(text: str, pos: int, short: str) -> Iterable[tuple[str, str]]:
    letters = re.sub(r"[^A-Za-z0-9]", "", _singular(short))
    window = _sh_window_start(text, pos, len(letters))
    rel = sh_long_form_start(letters, text[window:pos])
    if rel is None:
        return
    core_start = _best_start(text, window, window + rel, pos, letters.lower())
    core = text[core_start:pos].strip(" ,")
    if len(core.split()) < 2 and not re.search(r"[A-Za-z]-[A-Za-z]", core):
        return
    if not fits_acronym(short, core):
        return
    yield core, short
    if short != _singular(short):
        yield core, _singular(short)
    # Acronyms often leave out leading qualifiers ("Regional Technology Innovation Center (TIC)"): take in
    # up to four more words of the same capitalised name.
    name_start = name_start_before(text, pos)
    if name_start is not None and name_start < core_start and is_capitalised(core):
        extra = text[name_start:core_start].split()
        if len(extra) <= 4:
            yield text[name_start:pos].strip(" ,"), short


def _best_start(text: str, window: int, shortest: int, pos: int, letters: str) -> int:
    """Among long forms no shorter than SH's, the one whose initials the letters cover best.

    SH takes the shortest fit, which may use inner letters ("Research Center" for RRC); a start further left
    that turns more letters into initials ("Regional Research Center") is the better reading.
    """
    best, best_score = (
        shortest,
        len(_initials(text[shortest:pos])) - _missing_initials(_initials(text[shortest:pos]), letters),
    )
    for m in re.finditer(r"(?<![\w&'’\-])[A-Za-z0-9]", text[window:shortest]):
        start = window + m.start()
        candidate = text[start:pos]
        if candidate[0].lower() != letters[0] or sh_long_form_start(letters, candidate) is None:
            continue
        initials = _initials(candidate)
        score = len(initials) - _missing_initials(initials, letters)
        if score > best_score and len(initials) <= len(letters) + 1:
            best, best_score = start, score
    return best


def _phrase_definition(text: str, pos: int, alias: str) -> Iterable[tuple[str, str]]:
    start = name_start_before(text, pos, allow_commas=True)
    if start is None:
        return
    long_form = text[start:pos]
    long_words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", long_form)} - STOPWORDS
    alias_words = {w.lower() for w in re.findall(r"[A-Za-z0-9]+", alias)} - STOPWORDS
    # A "hereafter" name reuses words of the full name; anything else is a different remark.
    if alias_words and alias_words & long_words and 1 <= len(alias.split()) <= 6:
        yield long_form, alias


def _reverse_definition(text: str, pos: int, inner: str) -> Iterable[tuple[str, str]]:
    before = re.search(r"([A-Z][A-Za-z0-9&\-]{1,9})$", text[max(0, pos - 12) : pos])
    if not before or not is_acronym(before.group(1)):
        return
    long_form = re.sub(r"^(?:the|i\.e\.,?|or|also|formerly)\s+", "", inner.strip(), flags=re.IGNORECASE)
    if len(long_form.split()) >= 2 and fits_acronym(before.group(1), long_form):
        yield long_form, before.group(1)


@dataclass(frozen=True)
class AliasTable:
    """Groups of names for one thing; the first name of each group is its canonical name."""

    groups: tuple[tuple[str, ...], ...] = ()
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _matchers: tuple[_NameMatcher, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, group in enumerate(self.groups):
            for name in group:
                index.setdefault(normalize_name(name), i)
        object.__setattr__(self, "_index", index)
        names = [n for g in self.groups for n in g]
        acronyms = [n for n in names if is_acronym(n)]
        phrases = [n for n in names if not is_acronym(n)]
        # Queries are typed in any case ("what did dria do"), but an acronym that is also an English word
        # ("IT", "US") needs its capitals; in documents acronyms are matched as written ("mocie.go.kr" is a
        # URL).
        loose = [n for n in acronyms if n.lower() not in STOPWORDS]
        matchers = (
            _NameMatcher(phrases, re.IGNORECASE),
            _NameMatcher(loose, re.IGNORECASE),
            _NameMatcher([n for n in acronyms if n not in loose], 0),
            _NameMatcher(acronyms, 0),
        )
        object.__setattr__(self, "_matchers", matchers)

    def __len__(self) -> int:
        return len(self.groups)

    def _group(self, surface: str) -> int | None:
        key = normalize_name(surface)
        if key in self._index:
            return self._index[key]
        if key.endswith("s") and key[:-1] in self._index:
            return self._index[key[:-1]]
        return None

    def canonical(self, surface: str) -> str | None:
        """The canonical name for any of its forms (case-insensitive), or None for an unknown name."""
        i = self._group(surface)
        return None if i is None else self.groups[i][0]

    def forms(self, surface: str) -> tuple[str, ...]:
        """Every form of the thing ``surface`` names, canonical first; () for an unknown name."""
        i = self._group(surface)
        return () if i is None else self.groups[i]

    def aliases_of(self, surface: str) -> tuple[str, ...]:
        """The other forms of ``surface`` (its canonical name included when ``surface`` is an alias)."""
        key = normalize_name(surface)
        return tuple(f for f in self.forms(surface) if normalize_name(f) != key)

    def mentions(self, text: str, query: bool = False) -> list[tuple[int, int, str]]:
        """(start, end, canonical) of each known name in ``text``, longest match first, no overlaps.

        Acronyms must be written in capitals unless ``query`` is set (questions are typed in any case).
        """
        found: list[tuple[int, int, str]] = []
        phrases, loose, exact, all_exact = self._matchers
        for m in _NameMatcher.finditer_all((phrases, loose, exact) if query else (phrases, all_exact), text):
            canonical = self.canonical(m.group())
            if canonical is not None:
                found.append((m.start(), m.end(), canonical))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
        out: list[tuple[int, int, str]] = []
        for f in found:
            if not out or f[0] >= out[-1][1]:
                out.append(f)
        return out

    def expand(self, query: str) -> str:
        """``query`` followed by the other forms of every known name in it ("DRIA" -> "... Daejeon ...")."""
        lowered = normalize_name(query)
        extra: list[str] = []
        for _start, _end, canonical in self.mentions(query, query=True):
            for form in self.forms(canonical):
                key = normalize_name(form)
                if key not in lowered and form not in extra:
                    extra.append(form)
        return f"{query} {' '.join(extra)}" if extra else query

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"groups": [[canonical, alias, ...], ...]}``."""
        return {"groups": [list(g) for g in self.groups]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AliasTable:
        """Inverse of :meth:`to_dict`."""
        return cls(groups=tuple(tuple(g) for g in data.get("groups", [])))


_BEFORE_NAME = r"(?<![\w&\-./@])"  # not inside a word, a hyphenated compound, a URL or an e-mail address
_AFTER_NAME = r"(?![\w&@]|[./]\w)"
# Where a name may start, and the word there: the key of the names that may match at that point.
_NAME_START = re.compile(_BEFORE_NAME + r"(?:\w+|[^\w\s,])")


class _NameMatcher:
    """Known names found in a text in one pass, whatever the number of names.

    One regex alternation of every name tries each alternative at each position, so its cost grows with
    the size of the alias table, which grows with the corpus: ingest became quadratic (``mentions`` on a
    20 MB document: 0.9 s at 5 MB, 11 s at 20 MB). Here the names are grouped by their first word; at each
    place a name may start, only the small alternation of the names beginning with the word written there
    is tried. The matches are those of the single alternation (same order, longest name first, and the
    scan resumes after a match, as ``finditer`` does).
    """

    def __init__(self, names: list[str], flags: int) -> None:
        self.flags = flags
        ordered = sorted(set(names), key=lambda n: (-len(n), n))
        self._bodies = {n: _name_body(n) for n in ordered}
        self._by_key: dict[str, list[str]] = {}
        self._anywhere: list[str] = []  # names starting with punctuation: tried at every start
        for name in ordered:
            keys = _start_keys(name)
            if not keys:
                self._anywhere.append(name)
            for key in keys:
                self._by_key.setdefault(key, []).append(name)
        self._compiled: dict[str, re.Pattern[str] | None] = {}
        self.empty = not ordered

    def _pattern(self, key: str) -> re.Pattern[str] | None:
        if key not in self._compiled:
            wanted = set(self._by_key.get(key, ())) | set(self._anywhere)
            names = [n for n in self._bodies if n in wanted]  # the order of the single alternation
            self._compiled[key] = (
                re.compile(
                    _BEFORE_NAME + "(?:" + "|".join(self._bodies[n] for n in names) + ")" + _AFTER_NAME, self.flags
                )
                if names
                else None
            )
        return self._compiled[key]

    def match_at(self, text: str, pos: int, word: str) -> re.Match[str] | None:
        """The name starting at ``pos``, where ``word`` (lower case) is the word written there."""
        if word not in self._by_key and not self._anywhere:
            return None
        pattern = self._pattern(word if word in self._by_key else "")
        return pattern.match(text, pos) if pattern is not None else None

    @staticmethod
    def finditer_all(matchers: tuple[_NameMatcher, ...], text: str) -> list[re.Match[str]]:
        """The matches of each matcher in ``text`` (each as its own ``finditer`` would give them)."""
        active = [m for m in matchers if not m.empty]
        resume = [0] * len(active)  # where each matcher's scan goes on after its last match
        out: list[re.Match[str]] = []
        if not active:
            return out
        keys = set().union(*(m._by_key for m in active))
        anywhere = any(m._anywhere for m in active)
        for start in _NAME_START.finditer(text):
            word = start.group().lower()
            if word not in keys and not anywhere:
                continue
            pos = start.start()
            for i, matcher in enumerate(active):
                if pos >= resume[i]:
                    m = matcher.match_at(text, pos, word)
                    if m is not None:
                        out.append(m)
                        resume[i] = m.end()
        return out


def _name_body(name: str) -> str:
    words = re.findall(r"[^\s,]+", name)
    body = r"[\s,]+".join(r"(?:&|and)" if w == "&" else re.escape(w) for w in words)
    return body + (r"s?" if is_acronym(name) else "")


def _start_keys(name: str) -> tuple[str, ...]:
    """The words (lower case) that a text has where ``name`` starts; () when it starts with punctuation."""
    words = re.findall(r"[^\s,]+", name)
    if not words or words[0] == "&":
        return ()  # "&" is also written "and"
    lead = re.match(r"\w+", words[0])
    if lead is None:
        return ()
    key = lead.group().lower()
    # An acronym of one word may be followed by a plural "s" ("RISs").
    return (key, key + "s") if is_acronym(name) and lead.group() == words[0] else (key,)


def _canonical_first(names: list[str]) -> tuple[str, ...]:
    full = [n for n in names if not is_acronym(n)]
    canonical = max(full or names, key=lambda n: (len(n), n))
    rest = sorted((n for n in names if n != canonical), key=lambda n: (is_acronym(n), n.lower()))
    return (canonical, *rest)


def mine_aliases(texts: Iterable[str]) -> AliasTable:
    """Alias groups defined anywhere in ``texts`` (definitions, "hereafter" names, close acronyms)."""
    texts = list(texts)
    groups = _Groups()
    for text in texts:
        for long_form, short in _definitions(text):
            groups.union(long_form, short)
    _merge_undefined_acronyms(texts, groups)
    table = [_canonical_first(g) for g in groups.groups() if len(g) > 1]
    table.sort(key=lambda g: g[0].lower())
    return AliasTable(groups=tuple(table))


def _merge_undefined_acronyms(texts: list[str], groups: _Groups) -> None:
    known = set(groups.parent)
    by_root: dict[str, list[str]] = {}
    for key in groups.parent:
        by_root.setdefault(groups.find(key), []).append(groups.surface[key])
    seen: set[str] = set()
    for text in texts:
        for m in _ACRONYM_IN_TEXT.finditer(text):
            token = _singular(m.group())
            if token in seen or normalize_name(token) in known or not is_acronym(token):
                continue
            seen.add(token)
            letters = token.lower()
            matches = []
            for root, names in by_root.items():
                acronyms = [re.sub(r"[^a-z0-9]", "", n.lower()) for n in names if is_acronym(n)]
                fulls = [n for n in names if not is_acronym(n)]
                close = any(_is_subsequence(a, letters) or _is_subsequence(letters, a) for a in acronyms)
                fit = any(fits_acronym(token, f, missing=0) and len(letters) - len(_initials(f)) <= 2 for f in fulls)
                if close and fit:
                    matches.append(root)
            if len(matches) == 1:
                groups.union(token, groups.surface[matches[0]])
