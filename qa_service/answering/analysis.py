"""Question analysis: what a question asks for, about what, under which constraints, in how many parts.

The parse comes from spaCy (``answering.nlp``); the coarse answer kind from the question's form
(``question_types.classify``). From the parse: the focus noun ("how many *projects*", "which *ministry*"),
the main verb, the names and places it mentions, the years that constrain it ("in 2009", "as of 2024" — not
a year that names a source, "Shin's 2009 paper"), the ordinals ("the third plan") and the parts of a
multi-part question ("how many residents and how many jobs", "how much, and when").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from qa_service.answering.question_types import WHY, QuestionType, classify
from qa_service.answering.rules import _asked_ordinals
from qa_service.index.lexical import analyze
from qa_service.text.glossary import with_english
from qa_service.text.nlp import noun_lemma as _lemma
from qa_service.text.numbers import YEAR, YEAR_DIGITS

KINDS = ("money", "count", "percent", "area", "population", "date", "entity", "explanation")
# A year constrains the question only when the question says so: "in 2009", "as of 2024", "by 2030".
_YEAR_CONSTRAINT = re.compile(
    r"\b(?:in|as of|during|by|since|from|until|till|before|after|between|through|for|of|to|and|around|circa)\s+"
    r"(?:the\s+)?(?:(?:early|mid|late|end of|year|fiscal year|fiscal)\s+|fy\s*)?((?:1[89]|20)\d\d)\b",
    re.I,
)
_SOURCE_AFTER = re.compile(r"^\W*(?:\w+\W+)?(?:paper|slides?|report|study|article|document|evaluation|presentation)\b",
                           re.I)  # fmt: skip
FIGURES = frozenset(("money", "count", "percent", "area", "population"))  # kinds answered by an amount
FIGURE_KINDS = FIGURES | {"date"}  # ... or by a date
# A new part starts at a question word after "and" ("how many X and how many Y", "how much, and when"), or after
# a bare comma when it plainly opens a question ("..., how many jobs?", "..., when was it built?"): after a bare
# comma "which"/"who" and a "when"/"where" without an auxiliary open a relative clause ("the Chungbuk region,
# which includes Osong", "in 2015, when the plan began"), not a part.
_AUX = r"(?:was|were|did|do|does|is|are|has|have|had|can|could|will|would|should)"
_PART_SPLIT = re.compile(
    r"(?:,\s*and\s+|\s+and\s+)(?=(?:(?:to|in|on|by|from|until|over|for|at|since|under)\s+)?"
    r"(?:how|when|what|which|who|where)\b)"
    rf"|,\s*(?=how\b|(?:when|where|what|in what|in which)\s+{_AUX}\b|what\s+\w+\s+{_AUX}\b)",
    re.I,
)
_WH = frozenset("how what which who whom when where why".split())
_SKIP = frozenset("kind kinds type types sort sorts number amount share total level name".split())
_DATE_WORDS = frozenset("year years month months date period decade time day".split())
# What a focus noun asks for (plain English, not any corpus's words).
_FOCUS_KINDS = {
    "money": "revenue sale budget cost funding fund investment spending expenditure income turnover allocation grant "
             "subsidy price payment amount money loan capital contribution export import value envelope sum endowment "
             "tag bill outlay fee salary wage financing",
    "percent": "share percentage proportion rate ratio",
    "area": "area size land",
    "entity": "body agency ministry organisation organization program programme plan project city region province "
              "company firm university institute institution committee council bureau service foundation zone site "
              "country industry sector name law act policy initiative movement cluster office department center "
              "centre partner group person leader minister president government model approach strategy",
}  # fmt: skip
_VERBS_AFTER_WH = frozenset(
    "did does do went made caused can could should would will has have had led became explains accounts drives drove "
    "held holds kept keeps leads lies prevents".split()
)
_FOCUS_KIND = {w: k for k, words in _FOCUS_KINDS.items() for w in words.split()}


def _kind_of_focus(question: str, kind: str, focus: str | None) -> str:
    """A "which/what X" question asks for the kind of thing X is ("which body" a name, even if "budget" follows;
    "what were total sales" a sum of money); "how many", "when" and "why" keep the kind of their form."""
    low = question.lower().lstrip()
    if focus in _DATE_WORDS and kind in ("entity", "explanation", "count") and not WHY.search(question):
        return "date" if not re.search(r"\bhow many\b", low) else kind  # "(over) how many years": a count
    if re.match(r"what (?:happened|went wrong|was wrong|changed|were the (?:problems|results|lessons|effects))\b", low):
        return "explanation"
    if kind == "explanation" and re.search(r"\b(?:called|named|the name of|renamed)\b", low):
        return "entity"  # "what was it called": a name
    if not low.startswith("how") and re.search(r"\b(?:called|the name of)\b", low):
        return "entity"  # "what is the name of the fund ...": a name, not a sum of money
    if re.match(r"(?:[a-z]+\s+)?(?:what|which) (?:share|percentage|proportion|fraction)\b", low):
        return "percent"  # "what share of firms ...": the focus is the firms, the answer a share
    if re.search(r"\bhow much\b", low) and focus in ("land", "area", "space", "territory", "floor"):
        return "area"  # "how much land was reclaimed": an area, not a sum of money
    if re.search(r"\bhow many\b", low) and focus in ("hectare", "acre"):
        return "area"  # "how many hectares": an area, counted in its unit
    if focus is None or (kind in ("count", "date", "population") and low.startswith(("how many", "when"))):
        return kind
    words = low.split()
    second = words[1] if len(words) > 1 else ""
    if second.endswith("ed") or second in _VERBS_AFTER_WH:
        return kind  # "what happened to ...", "what did ... do": not a "what X" question
    # "which X", also after a preposition ("through which programme", "under which law")
    if re.match(r"(?:[a-z]+\s+)?(?:what|which|whose)\b", low) or (
        kind == "explanation" and re.match(r"(?:what|which)\b", low)
    ):
        wanted = _FOCUS_KIND.get(focus)
        if wanted and not (kind == "explanation" and WHY.search(question)):
            return wanted
    return kind


@dataclass(frozen=True)
class Part:
    """One thing a question asks: its answer kind and the noun it is about."""

    text: str
    kind: str
    focus: str | None = None  # lemma of the focus noun
    qtype: QuestionType | None = None


@dataclass(frozen=True)
class QuestionAnalysis:
    """Everything the candidate features need to know about a question."""

    text: str
    kind: str
    qtype: QuestionType
    focus: str | None
    verb: str | None
    terms: frozenset[str]  # analyzed content terms (stems) of the whole question
    main_terms: frozenset[str]  # ... of its main clause
    years: frozenset[str]  # years that constrain the answer
    ordinals: frozenset[str]
    names: tuple[str, ...]  # proper names and places the question mentions
    parts: tuple[Part, ...] = field(default_factory=tuple)
    why: bool = False
    korean: bool = False

    @property
    def multi_part(self) -> bool:
        return len(self.parts) > 1


# A lead-in before the question word ("According to the main indicators table, what were ...", "Under the 2011
# Order, what is the most ..."): the question's kind and focus noun are read after it.
_LEAD_IN = re.compile(
    r"^\s*(?:according to|in|under|per|for|from|based on|as of|by|during|between|among|of|apart from|besides|"
    r"other than|excluding|including|beyond|on|at|with|after|before|since|across|within|over|outside|inside|"
    r"compared with|unlike|like|as)\b[^,?]{0,160},\s*(?=(?:how|what|which|who|whom|whose|when|where|why)\b)",
    re.I,
)


def lead_in(question: str) -> int:
    """The length of the question's lead-in before its question word (0: none)."""
    m = _LEAD_IN.match(question)
    return m.end() if m else 0


def asks_who(tokens) -> bool:
    """A question whose subject is asked ("who headed the zone company ...", "who funded it"): it wants a person or
    an organisation, not the noun after its verb. "Who is the master developer of ..." asks for that noun."""
    if not tokens or tokens[0].lower_ not in ("who", "whom"):
        return False
    rest = [t for t in tokens[1:] if t.pos_ != "ADV"]
    copula = bool(rest) and rest[0].lemma_ == "be"
    return not (copula and len(rest) > 1 and rest[1].pos_ in ("DET", "NOUN", "ADJ", "PRON"))


def _focus(doc, skip: int = 0) -> str | None:
    """The noun the question asks about: after "how many", "which", "what" (the last noun of that run). The first
    ``skip`` characters (a lead-in) are not read."""
    tokens = [t for t in doc if t.idx >= skip]
    if asks_who(tokens):
        return None
    for i, tok in enumerate(tokens):
        low = tok.lower_
        if low == "which" and i and tokens[i - 1].text == ",":
            continue  # "the Chungbuk region, which includes Osong": a relative clause, not what is asked
        if (low == "many" and i and tokens[i - 1].lower_ == "how") or low in ("which", "what", "whose"):
            run = []
            for nxt in tokens[i + 1 : i + 8]:
                if nxt.pos_ in ("NOUN", "PROPN") or (nxt.pos_ == "VERB" and nxt.tag_ == "NNS"):
                    run.append(nxt)
                elif nxt.tag_ == "POS":
                    run = []  # "which of KICOX's pilot complexes": the possessor is not what is asked for
                elif (nxt.pos_ in ("ADJ", "NUM", "DET") and not run) or nxt.lower_ in ("of", "kind", "type"):
                    continue
                elif nxt.tag_ == "HYPH":
                    continue  # "which first-round winner"
                elif nxt.text.endswith("s") and nxt.pos_ == "VERB" and not run:
                    run.append(nxt)  # "which cities gained ...": a plural noun mistagged as a verb
                else:
                    break
            run = [t for t in run if t.lower_ not in _SKIP] or run
            if run:
                return _lemma(run[-1])
        if low == "much" and i and tokens[i - 1].lower_ == "how":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and nxt.pos_ == "NOUN":
                return _lemma(nxt)
    # "What was the budget of ...", "what was the name of the cluster programme ...": the head of the first noun
    # phrase after the copula (not its first noun: "the university-centred cluster programme" is a programme).
    first = tokens[0].i if tokens else 0
    for chunk in doc.noun_chunks:
        if chunk.start < first:
            continue
        if chunk.start - first >= 10:
            break
        if chunk.root.pos_ == "NOUN" and chunk.root.lower_ not in _SKIP:
            return _lemma(chunk.root)
    for tok in tokens[:10]:
        if tok.pos_ == "NOUN" and tok.lower_ not in _SKIP:
            return _lemma(tok)
    return None


_COUNT_WORDS = "two three four five six seven eight nine ten eleven twelve several"
_SEVERAL = re.compile(rf"\b(?:which|what|name|list)\s+(?:the\s+)?(?:{'|'.join(_COUNT_WORDS.split())}|\d+)\b|들", re.I)


@lru_cache(maxsize=4096)
def asks_several(text: str, focus: str | None) -> bool:
    """Whether the question asks for several things: a number after its question word ("which three
    governments"), its focus noun in the plural ("which cities", "what institutions"), or Korean's plural
    marker. A list answers it; one name alone answers it only in part."""
    if _SEVERAL.search(text):
        return True
    if not focus or focus.endswith("s"):
        return False
    stem = focus[:-1] + "ie" if focus.endswith("y") and focus[-2:-1] not in "aeiou" else focus
    return re.search(rf"\b{re.escape(stem)}e?s\b", text, re.I) is not None


def _verb(doc) -> str | None:
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return None
    if root.pos_ in ("VERB",) and root.lemma_ not in ("be", "have", "do"):
        return root.lemma_.lower()
    for child in root.children:
        if child.pos_ == "VERB" and child.dep_ in ("xcomp", "ccomp", "advcl", "acl", "relcl"):
            return child.lemma_.lower()
    return None


def constraint_years(question: str) -> frozenset[str]:
    """Years the question puts on its answer ("in 2009"), not those naming a source ("the 2009 paper", "Shin's
    2009 slides"). A year after "the" or a possessive is read as naming a source: reading "the 2019 budget" as a
    constraint too cost 0.8 points of cross-validated top-1 accuracy (2026-12-02)."""
    out = set()
    for m in _YEAR_CONSTRAINT.finditer(question):
        if not _SOURCE_AFTER.match(question[m.end() :]):
            out.add(m.group(1))
    for m in YEAR.finditer(question):
        year = m.group(0)
        if year in out or _SOURCE_AFTER.match(question[m.end() :]):
            continue
        before = question[max(0, m.start() - 12) : m.start()]
        if re.search(r"'s\s*$|\b(?:the|a|an)\s*$", before, re.I):
            continue  # "the 2009 paper", "Shin's 2009 ..." read as a source, not a constraint
        if re.search(r"\d\s*[-–~]\s*$", before):
            out.add(year)
    # Korean puts the year first and ties it to its noun ("2020년 말까지", "2019년 말 인구"): a constraint
    out.update(m.group(1) for m in _KOREAN_YEAR.finditer(question))
    return frozenset(out)


_KOREAN_YEAR = re.compile(rf"(?<![\d.,])({YEAR_DIGITS})\s*년")


def _names(doc, question: str) -> tuple[str, ...]:
    """Proper names and places the question mentions: its entities (when the parse ran the recogniser) and its
    runs of capitalised words but the first ("Daedeok Science Town")."""
    out = [e.text for e in doc.ents if e.label_ in ("GPE", "LOC", "ORG", "PERSON", "NORP", "FAC", "LAW", "EVENT")]
    words = re.findall(r"\b[A-Z][\w&'-]+(?:\s+[A-Z][\w&'-]+)*", question)
    first = question.split()[0] if question.split() else ""
    out += [w for w in words if w != first and w.lower() not in _WH]
    return tuple(dict.fromkeys(out))


def _korean_parts(question: str, kind: str, focus: str | None) -> tuple[Part, ...]:
    """A Korean question's parts: split where a clause ends ("몇 명이었고 ... 얼마였나") or a comma comes before
    another question word ("언제, 어느 지역과"), when each piece has a question word of its own."""
    pieces = [p.strip(" ,?") for p in _KOREAN_PART_SPLIT.split(question) if p.strip(" ,?")]
    if len(pieces) > 1 and all(_KOREAN_WH.search(p) for p in pieces):
        out = []
        for piece in pieces:
            qtype = classify(piece + "?")
            out.append(Part(piece, qtype.answer_type, None, qtype))
        return tuple(out)
    return (Part(question, kind, focus, classify(question)),)


_KOREAN_WH = re.compile(r"언제|어디|어느|누구|무엇|무슨|어떤|몇|얼마|왜")
_KOREAN_PART_SPLIT = re.compile(
    r"(?<=[였이했었]고)\s+|(?<=며),?\s*|,\s*(?=(?:언제|어디|어느|누구|무엇|무슨|어떤|몇|얼마|왜))"
)


def _parts(question: str, kind: str, focus: str | None, doc) -> tuple[Part, ...]:
    pieces = [p.strip(" ,?") for p in _PART_SPLIT.split(question) if p.strip(" ,?")]
    if len(pieces) > 2 and not _has_wh(pieces[0]):
        # a lead-in with no question word ("In the first round, how many ... and how many ...") belongs to the
        # first part; the split only happens before a question word, so only the first piece can lack one
        pieces = [f"{pieces[0]}, {pieces[1]}", *pieces[2:]]
    if len(pieces) > 1 and all(_has_wh(p) for p in pieces):
        out = []
        for piece in pieces:
            skip = lead_in(piece)
            qtype = classify(piece[skip:] + "?")
            part_focus = _focus(parse_cached(piece), skip)
            if out and qtype.fallback and out[0].kind in FIGURE_KINDS:
                # "By when is it due, and what was the original target?": a follow-up that names no kind of its
                # own asks for the same kind as the first part
                wanted = out[0].kind
            else:  # "What was the highest export value ..., and in what year?": a value is money, as in one part
                wanted = _kind_of_focus(piece[skip:], qtype.answer_type, part_focus)
            out.append(Part(piece, wanted, part_focus, qtype))
        return tuple(out)
    compared = _COMPARED.search(question)
    if compared and kind in FIGURE_KINDS and _has_wh(question[: compared.start()]):
        # "How many people were employed by 2022, compared with the number planned?": the same kind twice
        head, tail = question[: compared.start()].strip(" ,"), compared.group(1).strip(" ?")
        return (Part(head, kind, focus, classify(head + "?")), Part(tail, kind, focus, classify(question)))
    # "How many residents and jobs ...", "how many jobs and new companies": one wh-phrase, coordinated nouns.
    nouns = _coordinated_focus(doc)
    if len(nouns) > 1:
        people = {"people", "resident", "inhabitant", "person", "citizen"}
        return tuple(
            Part(question, "population" if _lemma(t) in people else "count", _lemma(t), classify(question))
            for t in nouns
        )
    return (Part(question, kind, focus, classify(question)),)


_COMPARED = re.compile(r",?\s+(?:compared (?:with|to)|as against|versus|vs\.?)\s+(.{3,80})$", re.I)


def _has_wh(text: str) -> bool:
    return bool(_WH & set(re.findall(r"[a-z]+", text.lower())))


def _coordinated_focus(doc) -> list:
    """The nouns coordinated right after "how many" ("how many *firms* and new *companies*"), in order; one or
    none when the question counts one thing."""
    tokens = list(doc)
    for i, tok in enumerate(tokens[:-2]):
        if tok.lower_ == "how" and tokens[i + 1].lower_ == "many":
            head = next((t for t in tokens[i + 2 : i + 6] if t.pos_ in ("NOUN", "PROPN", "VERB") and t.tag_ != "VB"),
                        None)  # fmt: skip
            if head is None:
                return []
            conj = [c for c in head.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN", "VERB")
                    and c.i - head.i <= 4]  # fmt: skip
            if conj and any(t.lower_ == "and" for t in tokens[head.i + 1 : conj[0].i]):
                return [head, conj[0]]
            m = re.search(r"\bhow many ([a-z-]+) and ([a-z-]+)\b", doc.text, re.I)  # a tagger slip on the nouns
            if m:
                pair = [t for t in tokens if t.lower_ in (m.group(1).lower(), m.group(2).lower())]
                if len(pair) == 2 and all(t.pos_ in ("NOUN", "VERB", "PROPN") for t in pair):
                    return pair
            return []
    return []


@lru_cache(maxsize=4096)
def parse_cached(text: str):
    from qa_service.text.nlp import parse

    # A question's names are read from its capitalised words (``_names``): the entity recogniser is not run.
    return parse(text, entities=False)


def _main_terms(question: str) -> frozenset[str]:
    """Terms before the first modifying preposition past the question word: the question's main clause."""
    words = question.split()
    head = " ".join(words[:3])
    match = re.search(r"\s(?:after|before|during|in|since|for|from|under|at|by|through|according to|per|between|"
                      r"within|among|over|until|when|while|as)\s", question[len(head):], re.I)  # fmt: skip
    return frozenset(analyze(question[: len(head) + match.start()] if match else question))


@lru_cache(maxsize=2048)
def analyse(question: str) -> QuestionAnalysis:
    """The analysis of ``question`` (cached: a question asked again is not parsed again)."""
    skip = lead_in(question)
    asked = question[skip:]  # the question after its lead-in ("According to the table, what were ...")
    qtype = classify(asked)
    korean = qtype.korean
    doc = parse_cached(question) if not korean else None
    focus = _focus(doc, skip) if doc is not None else None
    kind = _kind_of_focus(asked, qtype.answer_type, focus)
    parts = _parts(question, kind, focus, doc) if doc is not None else _korean_parts(question, kind, focus)
    english = with_english(question)  # a Korean question's words in English too
    return QuestionAnalysis(
        text=question,
        kind=kind,
        qtype=qtype,
        focus=focus,
        verb=_verb(doc) if doc is not None else None,
        terms=frozenset(analyze(english)),
        main_terms=_main_terms(english),
        years=constraint_years(question),
        ordinals=_asked_ordinals(question),
        names=_names(doc, question) if doc is not None else (),
        parts=parts,
        why=bool(WHY.search(question)) or question.lower().lstrip().startswith(("how did", "how does", "how do", "how was", "how were", "how can")),
        korean=korean,
    )  # fmt: skip
