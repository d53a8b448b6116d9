"""What a question asks for: a sum of money, a count, a date, an entity, an explanation..."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_service.text.glossary import HANGUL

# A question that asks for a reason: answered by a sentence, never by a table cell.
WHY = re.compile(r"^\s*(?:why|how come)\b|\b(?:reasons?|explain)\b", re.I)

# (answer type, pattern): the first that matches wins, so the specific come first.
_RULES: tuple[tuple[str, str], ...] = (
    (
        "date",
        r"^\s*(when|since when|by when|until when|(?:(?:in|on|by|from|until|since) )?(what|which) "
        r"(year|month|date|day)s?|(over|during|for) (what|which) (period|years)|what (period|years))\b",
    ),
    # The question's own form before its words: "where", "who" and "which X" ask for a name, a yes/no question
    # for a sentence, whatever figures it mentions ("Which unit of the budget office ...", "Could a
    # university ... get a grant?").
    (
        "entity",
        r"^\s*(where|who|whom|whose)\b|^\s*which (?!(?:years?|months?|dates?|days?|periods?|decades?|share|percentage)\b)",
    ),
    ("explanation", r"^\s*(could|can|did|does|do|is|was|were|are|has|have|had|will|would|should)\b"),
    (
        "explanation",
        r"^\s*(why|how come)\b|\bwhat (went wrong|difficult|recommend|(\w+ )?did .* (recommend|conclude|find|argue|"
        r"propose|suggest))|"
        # "what (structural) problem", "what other weaknesses": a problem or a lesson is told in prose
        r"\bwhat (\w+ )?(problems?|issues?|challenges?|lessons?|criticisms?|weakness(es)?|shortcomings?|drawbacks?|"
        r"downsides?|risks?|obstacles?|barriers?|bottlenecks?|strengths?|advantages?|benefits?|changes)\b|"
        # what a cause or an obstacle is ("What explains ...", "What held up land supply ...")
        r"^\s*what (explains?|accounts? for|led to|leads to|lies behind|drove|drives|held up|holds? (up|back)|"
        r"hampered|hampers|hindered|hinders|prevented|prevents|kept|keeps|stopped|made|makes|prompted|prompts|"
        r"triggered|triggers|motivated|attracted|attracts|enabled|enables|allowed|pushed|forced)\b|"
        # what someone does ("What do residents have to do in return?")
        r"^\s*what (do|does|did) .*\bdo\b|"
        r"\b(explain\w*|describe|purpose|"
        r"reasons?|cause[sd]?|goals?|aims?|main findings?|evaluat|outcomes?|results?|concept|idea|thinking|rationale|"
        r"logic|motivation)\b",
    ),
    ("percent", r"\b(percent(age)?|per ?cent|share|proportion|rate)\b|%"),
    # "How many teams won support?" counts teams ("won" is a verb here); "how many dollars" is money.
    (
        "count",
        r"^(?:(?!how much).)*\bhow many\b(?!\s+(?:dollars|won|usd|krw|euros?|people|residents|inhabitants)\b)|\bhow much time\b|"
        r"\bhow long\b",
    ),
    (
        "money",
        # "What is the most a single firm could receive?": a sum of money
        r"\b(most|maximum|minimum|least|ceiling)\b.*\b(receive|get|pay|award|claim)|"
        r"\bhow much\b.*\b(money|fund|budget|invest|grant|spend|spent|cost|paid|won|dollars?|receive|get|"
        r"allocat|provide)|\b(budget|funding|funds?|investment|grant|awards?|subsid(y|ies)|loans?|money|dollars?|won|"
        r"cost|amount|spend|spending|allocat\w*)\b.*\?|\bhow much\b",
    ),
    ("area", r"\b(how (large|big)|area|size|square|km2|km²|sq\.? ?m)\b"),
    ("population", r"\b(population|how many (people|residents|inhabitants)|inhabitants|residents)\b"),
    ("count", r"\bhow many\b|\bnumber of\b|\bcount\b"),
    (
        "date",
        r"^\s*when\b|\b(what|which|in what) (year|month|date|period|decade|years)\b|\bsince when\b|"
        r"\bwhen (was|were|did|does|is|had)\b|\b(began|begin|start|started|completed|launched|"
        r"founded|established|created)\b.*\bwhen\b",
    ),
    (
        "entity",
        r"^\s*(who|whom|which|what (agency|ministry|ministries|organi[sz]ation|institution|body|committee|"
        r"program|programme|project|plan|university|universities|city|cities|region|company|companies|agencies|"
        r"institute|industr\w*|cluster|zone|district|government))\b|\bwho\b|\bwhich\b|\bname (the|of)\b|"
        r"\bwhat (is|was|were|are) (the )?(name|acronym|abbreviation)",
    ),
)
_KOREAN_RULES: tuple[tuple[str, str], ...] = (
    (
        "date",
        r"^\s*(when|since when|by when|until when|in (what|which) year|(what|which) (year|month|date)|"
        r"(over|during|for) (what|which) (period|years)|what (period|years))\b",
    ),
    ("explanation", r"왜|이유|원인|문제|평가|결론|주장"),
    ("percent", r"몇\s*(?:%|퍼센트)|비율|비중|달성률|점유율"),
    ("money", r"얼마|예산|금액|달러|원은"),
    ("count", r"몇\s*(개|명|곳|건|팀)|수는|개수"),
    ("date", r"언제|몇\s*년|연도|날짜|기간"),
    ("entity", r"누구|어느|어떤|무엇|무슨|어디"),
)
ENTITY_HINTS = {
    "ministry": ("ministry", "ministries", "department"),
    "agency": ("agency", "agencies", "organization", "organisation", "institution", "institute", "body", "center",
               "centre", "foundation", "office", "corporation"),
    "committee": ("committee", "council", "board"),
    "program": ("program", "programme", "project", "scheme", "initiative"),
    "plan": ("plan", "plans", "strategy"),
    "institution": ("university", "universities", "college", "school"),
    "place": ("city", "cities", "region", "province", "zone", "district", "area", "cluster"),
}  # fmt: skip


@dataclass(frozen=True)
class QuestionType:
    answer_type: str  # money, count, percent, area, population, date, entity, explanation
    entity_type: str | None = None  # for entity questions: ministry, agency, program...
    per_year: bool = False  # the question asks for a yearly amount
    korean: bool = False
    head: str | None = None  # the noun a what/which question asks for ("What movement ..." -> "movement")
    duration: bool = False  # "how much time", "how many months": a length of time
    preposition: str | None = None  # "since" / "until" / "by" / "from" that introduces the asked-for date
    fallback: bool = False  # no rule matched: the type is a guess from the question's form


def classify(question: str) -> QuestionType:
    """The answer type a question asks for (falls back to 'explanation')."""
    q = question.lower()
    korean = bool(HANGUL.search(question))
    answer_type = None
    for kind, pattern in _KOREAN_RULES if korean else _RULES:
        if re.search(pattern, q):
            answer_type = kind
            break
    head = _HEAD.match(q)
    noun = head.group(1) if head and head.group(1) not in _NOT_NOUNS else None
    fallback = answer_type is None
    if answer_type is None:
        # "What movement did ... launch?": a what/which question about a noun asks for a name of that kind.
        answer_type = "entity" if noun else "explanation"
    entity_type = None
    if answer_type == "entity" and noun:
        # "What source was the 'Programs by Ministries' table based on?" asks for a source, not a ministry.
        entity_type = next((etype for etype, words in ENTITY_HINTS.items() if noun in words), None)
    elif answer_type == "entity":
        # The hint word closest to the start names what is asked ("who ran the institution for the ministry").
        first = len(q) + 1
        for etype, words in ENTITY_HINTS.items():
            match = re.search(r"\b(" + "|".join(words) + r")\b", q)
            if match and match.start() < first:
                entity_type, first = etype, match.start()
    per_year = bool(re.search(r"\b(per|a|each|every) year\b|\bannual(ly)?\b|\byearly\b|\bper annum\b", q))
    duration = bool(re.search(r"\bhow much time\b|\bhow long\b|\bhow many (?:years|months|weeks|days)\b", q))
    lead = re.match(r"^\s*(since|until|by|from)\s+(?:when|what|which)\b", q)
    return QuestionType(answer_type, entity_type, per_year, korean, noun, duration, lead.group(1) if lead else None,
                        fallback)  # fmt: skip


_HEAD = re.compile(r"^\s*(?:what|which)\s+(?:kinds? of |types? of |sorts? of )?([a-z][a-z-]+)")
_NOT_NOUNS = frozenset(
    "is was were are be been did do does has have had can could would will should may might must the a an "
    "of in on at to for by with from about".split()
)
