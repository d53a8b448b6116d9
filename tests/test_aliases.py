"""Alias and acronym mining, lookup, query expansion and (de)serialisation."""

from __future__ import annotations

import json

from qa_service.text.aliases import AliasTable, fits_acronym, is_acronym, mine_aliases, sh_long_form_start

TEXT = """
The Northern Coastal Development Agency (NCDA) reviewed the proposals. Later the NCDA signed contracts.
Funding came from the Ministry of Trade, Energy and Transport (MTET), 2019.
The Ministry of Trade, Energy and Transport (\u201cTrade ministry,\u201d hereafter) set the rules, and the
Trade ministry kept them. Elsewhere the MOTET was criticised by the press.
Firms joined several Local Innovation Networks (LINs) across the region.
Grants went through Green Growth 30 (GG30), a flagship scheme.
The Provincial Testing and Certification Center(PTCC) opened in spring.
Audits were run by its subordinate body, the Korean Institute for Evaluation of Rural Programs (KIERP).
The idea follows the learning-region model (Morgan 1997) and later work (Asheim 2002).
"""


def test_acronym_definitions() -> None:
    table = mine_aliases([TEXT])
    assert table.canonical("NCDA") == "Northern Coastal Development Agency"
    assert table.canonical("gg30") == "Green Growth 30"
    assert table.canonical("PTCC") == "Provincial Testing and Certification Center"
    assert table.canonical("KIERP") == "Korean Institute for Evaluation of Rural Programs"


def test_plural_acronym_gives_singular_alias() -> None:
    table = mine_aliases([TEXT])
    assert table.canonical("LIN") == "Local Innovation Networks"
    assert table.canonical("LINs") == "Local Innovation Networks"


def test_hereafter_acronym_and_close_acronym_merge_transitively() -> None:
    table = mine_aliases([TEXT])
    full = "Ministry of Trade, Energy and Transport"
    for form in (
        "MTET",
        "Trade ministry",
        "trade MINISTRY",
        "MOTET",
        full,
        "ministry of trade energy and transport",
    ):
        assert table.canonical(form) == full, form
    assert set(table.aliases_of(full)) == {"MTET", "MOTET", "Trade ministry"}


def test_citations_are_not_aliases() -> None:
    table = mine_aliases([TEXT])
    assert table.canonical("Morgan") is None
    assert table.canonical("Asheim 2002") is None
    assert all("1997" not in form for group in table.groups for form in group)


def test_reverse_definition() -> None:
    table = mine_aliases(["Reports went to KOTRA (Korea Trade-Investment Promotion Agency) every month."])
    assert table.canonical("KOTRA") == "Korea Trade-Investment Promotion Agency"


def test_letters_must_fit() -> None:
    assert fits_acronym("NCDA", "Northern Coastal Development Agency")
    assert fits_acronym("MOTET", "Ministry of Trade, Energy and Transport")
    assert fits_acronym("GG30", "Green Growth 30")
    assert not fits_acronym("XYZ", "Northern Coastal Development Agency")
    assert not fits_acronym("NA", "Northern Coastal Development Agency")  # skips two content words
    assert sh_long_form_start("tic", "the Technology Innovation Center") == 4
    assert sh_long_form_start("zq", "the Technology Innovation Center") is None


def test_is_acronym() -> None:
    assert is_acronym("NCDA") and is_acronym("GG30") and is_acronym("LINs") and is_acronym("R&D")
    assert not is_acronym("Morgan") and not is_acronym("II") and not is_acronym("1997") and not is_acronym("a")


def test_expand_adds_other_forms() -> None:
    table = mine_aliases([TEXT])
    expanded = table.expand("What did ncda decide?")
    assert expanded.startswith("What did ncda decide?")
    assert "Northern Coastal Development Agency" in expanded
    assert table.expand("Nothing known here") == "Nothing known here"
    # A form already in the query is not repeated.
    once = table.expand("Trade ministry budget")
    assert once.count("Trade ministry") == 1 and "MTET" in once


def test_mentions_in_documents_need_capitals() -> None:
    table = mine_aliases([TEXT])
    text = "See www.ncda.go.kr; the NCDA and the Northern Coastal Development Agency agreed."
    found = [text[s:e] for s, e, _ in table.mentions(text)]
    assert found == ["NCDA", "Northern Coastal Development Agency"]


def test_round_trip() -> None:
    table = mine_aliases([TEXT])
    again = AliasTable.from_dict(json.loads(json.dumps(table.to_dict())))
    assert again == table
    assert again.canonical("MOTET") == table.canonical("MOTET")
    assert len(again) == len(table) > 0


def test_empty() -> None:
    table = mine_aliases([])
    assert len(table) == 0 and table.canonical("X") is None and table.expand("q") == "q"
    assert AliasTable.from_dict({}).groups == ()


def _old_alternation(names: list[str], flags: int):  # the single alternation mentions() used, as the reference
    import re

    parts = []
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        words = re.findall(r"[^\s,]+", name)
        body = r"[\s,]+".join(r"(?:&|and)" if w == "&" else re.escape(w) for w in words)
        parts.append(body + (r"s?" if is_acronym(name) else ""))
    return re.compile(r"(?<![\w&\-./@])(?:" + "|".join(parts) + r")(?![\w&@]|[./]\w)", flags) if parts else None


def _old_mentions(table: AliasTable, text: str, query: bool = False) -> list[tuple[int, int, str]]:
    import re

    from qa_service.text.stopwords import STOPWORDS

    names = [n for g in table.groups for n in g]
    acronyms = [n for n in names if is_acronym(n)]
    phrases = [n for n in names if not is_acronym(n)]
    loose = [n for n in acronyms if n.lower() not in STOPWORDS]
    patterns = (
        [
            _old_alternation(phrases, re.I),
            _old_alternation(loose, re.I),
            _old_alternation([n for n in acronyms if n not in loose], 0),
        ]
        if query
        else [_old_alternation(phrases, re.I), _old_alternation(acronyms, 0)]
    )
    found = []
    for pattern in patterns:
        for m in pattern.finditer(text) if pattern else ():
            canonical = table.canonical(m.group())
            if canonical is not None:
                found.append((m.start(), m.end(), canonical))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out = []
    for f in found:
        if not out or f[0] >= out[-1][1]:
            out.append(f)
    return out


def test_mentions_are_those_of_one_alternation_of_every_name() -> None:
    import random

    groups = (
        ("Regional Innovation Systems", "RIS", "RISs"),
        ("Regional Innovation Agency", "RIA"),
        ("Ministry of Science & Technology", "Science ministry", "MOST"),
        ("Brain Korea 21", "BK21", "BK21-NURI"),
        ("Research and Development", "R&D"),
        ("Information Technology", "IT"),
        ("Korea's Innovation Cluster", "KIC"),
    )
    table = AliasTable(groups=groups)
    pieces = [n for g in groups for n in g] + [
        "regional innovation systems", "rises", "ministry of science and technology", "www.ris.go.kr", "RIS-based",
        "(RIS)", "RISs,", "MOST.", "most", "it", "IT", "Regional", "Innovation", "Agency", ",", ".", "\n", "the",
        "R&Ds", "anti-RIS", "x@MOST", "BK21s", "Korea's",
    ]  # fmt: skip
    rng = random.Random(11)
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice([" ", " ", ", ", "\n", "", "-"]) for _ in range(40))
        for query in (False, True):
            assert table.mentions(text, query=query) == _old_mentions(table, text, query=query), text


def test_mentions_cost_does_not_grow_with_the_alias_table() -> None:
    import time

    text = "The Northern Coastal Development Agency (NCDA) reviewed the proposals of the region. " * 4000

    def seconds(n_groups: int) -> float:
        table = AliasTable(groups=tuple((f"Coastal{i} Development Board", f"CDB{i}X") for i in range(n_groups)))
        t0 = time.process_time()
        table.mentions(text)
        return time.process_time() - t0

    small, large = min(seconds(10) for _ in range(2)), min(seconds(4000) for _ in range(2))
    # One alternation of every name: 400x the names took ~30x the time; per first word: about the same.
    assert large < 3 * small + 0.05, (small, large)


GLOSSARY = """Annex 2. Abbreviations

CPVA\tCentral Project Management Agency (Centrine projektu valdymo agentura)
ERDF\tEuropean Regional Development Fund
MES\tMinistry of Education and Science
MITA\tAgency for Science, Innovation and Technology (Mokslo, inovaciju ir technologiju agentura)

Table 4. Spending by year
Year: 2019 budget
NOTE: Figures are estimates
KRW - Korean won
MOTIE: Ministry of Trade, Industry and Energy
"""


def test_a_list_of_abbreviations_defines_its_acronyms() -> None:
    table = mine_aliases([GLOSSARY])
    assert table.canonical("ERDF") == "European Regional Development Fund"
    assert table.canonical("MES") == "Ministry of Education and Science"
    # in a list where most rows spell their acronym, a row whose acronym is of another language's words counts
    assert table.canonical("CPVA") == "Central Project Management Agency"
    assert table.canonical("MITA") == "Agency for Science, Innovation and Technology"
    # a lone row counts only when it spells its acronym; labels and notes are not acronyms
    assert table.canonical("MOTIE") == "Ministry of Trade, Industry and Energy"
    assert table.canonical("KRW") is None
    assert table.canonical("NOTE") is None
    assert table.canonical("Year") is None
