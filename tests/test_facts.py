"""Fact extraction: one test group per fact family, then the raw corpus and a hand-built table."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from qa_service.facts import FACT_KINDS, extract_facts, extract_text_facts
from qa_service.records import Chunk, Document, DocumentMeta, Fact, Table, TableCell
from qa_service.text.aliases import mine_aliases

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def facts_of(text: str, kind: str) -> list[Fact]:
    facts = extract_text_facts(text, doc_id="t")
    for f in facts:
        assert text[f.start : f.end] == f.text
    return [f for f in facts if f.kind == kind]


def one(text: str, kind: str, surface: str) -> Fact:
    found = [f for f in facts_of(text, kind) if f.text == surface]
    assert len(found) == 1, (surface, [f.text for f in facts_of(text, kind)])
    return found[0]


# -- money -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "surface", "value", "unit", "per"),
    [
        ("The agency received 3.2 million dollars for the pilot.", "3.2 million dollars", 3.2e6, "USD", None),
        ("A fund of 1.2 trillion won was set aside.", "1.2 trillion won", 1.2e12, "KRW", None),
        ("Phase two cost US$ 12M in total.", "US$ 12M", 12e6, "USD", None),
        ("(Budget US\\$ 45M)", "US\\$ 45M", 45e6, "USD", None),
        ("They pledged $5 million to the park.", "$5 million", 5e6, "USD", None),
        ("Exports reached 75 billion dollars annually.", "75 billion dollars", 75e9, "USD", "year"),
        ("Sales hit 9 billion dollars per year.", "9 billion dollars", 9e9, "USD", "year"),
        (
            "It gave roughly 1.8 million dollars per year over a four-year period.",
            "1.8 million dollars",
            1.8e6,
            "USD",
            "year",
        ),
        ("Each unit costs 40 euros.", "40 euros", 40.0, "EUR", None),
        ("The deal was worth $2.5m last year.", "$2.5m", 2.5e6, "USD", None),
        ("(a) City of Tampere, own funds: EUR 2.4 m (total);", "EUR 2.4 m", 2.4e6, "EUR", None),
        ("Capex: planned PLN 480 m, actual PLN 412 m.", "PLN 412 m", 412e6, "PLN", None),
        ("Rent is EUR 14 m² in the park.", "EUR 14", 14.0, "EUR", None),
        # currencies beyond the five the bundled documents use: sign, ISO code or name, each read as its own
        ("The envelope was up to CAD 950 million.", "CAD 950 million", 950e6, "CAD", None),
        ("Ottawa put in C$ 236.8 million.", "C$ 236.8 million", 236.8e6, "CAD", None),
        ("Revenue was NT$1.09 trillion that year.", "NT$1.09 trillion", 1.09e12, "TWD", None),
        ("Investment reached RM 62.9 billion by 2014.", "RM 62.9 billion", 62.9e9, "MYR", None),
        ("Grants of SEK 10 million a year were paid.", "SEK 10 million", 10e6, "SEK", "year"),
        ("Grants totalled NIS 162 million.", "NIS 162 million", 162e6, "ILS", None),
        ("The centre cost 12 million Canadian dollars.", "12 million Canadian dollars", 12e6, "CAD", None),
        ("It was budgeted at 40 billion ringgit.", "40 billion ringgit", 40e9, "MYR", None),
        ("The state paid ₹ 500 million.", "₹ 500 million", 500e6, "INR", None),
        # the Indian scale words: a crore is ten million, a lakh a hundred thousand
        ("The upgrade will cost ₹1,200 crore.", "₹1,200 crore", 12e9, "INR", None),
        ("Each start-up gets Rs 40 lakh a year.", "Rs 40 lakh", 4e6, "INR", "year"),
    ],
)
def test_money(text: str, surface: str, value: float, unit: str, per: str | None) -> None:
    fact = one(text, "money", surface)
    assert fact.value == pytest.approx(value) and fact.unit == unit and fact.per == per


def test_money_range_gives_both_bounds() -> None:
    text = "Each team could get from two to four million dollars per year."
    low, high = facts_of(text, "money")
    assert (low.text, low.value, low.unit, low.per) == ("two", 2e6, "USD", "year")
    assert (high.text, high.value, high.unit, high.per) == ("four million dollars", 4e6, "USD", "year")
    assert "from two to four million dollars" in (low.context or "")


def test_money_inherits_currency() -> None:
    text = "The city pays 150 million dollars for the first year, and 200 million for each later year."
    first, second = facts_of(text, "money")
    assert first.per is None and second.per == "year"
    assert (second.text, second.value, second.unit) == ("200 million", 2e8, "USD")


def test_won_as_a_verb_is_not_money() -> None:
    assert facts_of("Team 3 won the regional prize.", "money") == []


# -- percent, area, population ---------------------------------------------------------------------------
def test_percent() -> None:
    text = "Enrollment rose by 7.25% while costs fell five percent and 100% of firms replied."
    assert [(f.text, f.value, f.unit) for f in facts_of(text, "percent")] == [
        ("7.25%", 7.25, "%"),
        ("five percent", 5.0, "%"),
        ("100%", 100.0, "%"),
    ]


@pytest.mark.parametrize(
    ("text", "surface", "km2"),
    [
        ("The zone covers 31.5 Km2 of farmland.", "31.5 Km2", 31.5),
        ("Land: 412 Km²", "412 Km²", 412.0),
        ("a complex of 1,250,000 sq. meter in all", "1,250,000 sq. meter", 1.25),
        ("an estate of 80 hectares", "80 hectares", 0.8),
        ("about 65 square kilometres", "65 square kilometres", 65.0),
    ],
)
def test_area(text: str, surface: str, km2: float) -> None:
    fact = one(text, "area", surface)
    assert fact.value == pytest.approx(km2) and fact.unit == "km2"


def test_distance_is_not_an_area() -> None:
    assert facts_of("The towns lie 20 to 45 km from the port.", "area") == []


@pytest.mark.parametrize(
    ("text", "surface", "value"),
    [
        ("Ulsan\n\nPop: 2.3 Million\n\nLand: 1,060 km2", "Pop: 2.3 Million", 2.3e6),
        ("The province has nearly 40 million people.", "40 million people", 40e6),
        ("The city has two and a half million residents.", "two and a half million residents", 2.5e6),
        ("each with more than half a million people", "half a million people", 5e5),
    ],
)
def test_population(text: str, surface: str, value: float) -> None:
    fact = one(text, "population", surface)
    assert fact.value == pytest.approx(value) and fact.unit == "people"


def test_small_group_of_people_is_a_count() -> None:
    text = "Some 40 people attended the workshop."
    assert facts_of(text, "population") == []
    assert one(text, "count", "40 people").unit == "people"


# -- dates and periods -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "surface", "start", "end"),
    [
        ("The park opened in 1988 after long delays.", "1988", "1988", "1988"),
        ("It has run since April 2001.", "April 2001", "2001-04", "2001-04"),
        ("Published on Sept. 3, 2015 by the office.", "Sept. 3, 2015", "2015-09-03", "2015-09-03"),
        ("Issued 2015-06-30 in Sejong.", "2015-06-30", "2015-06-30", "2015-06-30"),
        ("Feb. 2012: Plan approved", "Feb. 2012", "2012-02", "2012-02"),
        ("A survey was done in the early 2012.", "early 2012", "2012", "2012"),
        ("It peaked during the first half of 2009.", "first half of 2009", "2009-01", "2009-06"),
        ("2011년 4월 7일 접수", "2011년 4월 7일", "2011-04-07", "2011-04-07"),
        ("MEXT started its initiative in FY2002 as a parallel programme.", "FY2002", "2002", "2002"),
        ("The FY 2010 budget fell.", "FY 2010", "2010", "2010"),
    ],
)
def test_date(text: str, surface: str, start: str, end: str) -> None:
    fact = one(text, "date", surface)
    assert (fact.date_start, fact.date_end) == (start, end)


@pytest.mark.parametrize(
    ("text", "surface", "start", "end"),
    [
        ("The plan for 2016-2020 was revised.", "2016-2020", "2016", "2020"),
        ("1971 – 1975: First phase", "1971 – 1975", "1971", "1975"),
        ("under President Park (2008-2012)", "2008-2012", "2008", "2012"),
        ("the second plan (for 1983-89) was short", "1983-89", "1983", "1989"),
        ("the years 2011–2015 were hard", "2011–2015", "2011", "2015"),
        (
            "Funds flowed between February 2011 and October 2013.",
            "February 2011 and October 2013",
            "2011-02",
            "2013-10",
        ),
        ("It covered the period from 1995 and 2005 only.", "1995 and 2005", "1995", "2005"),
        ("from 1990 to 1994 the index fell", "1990 to 1994", "1990", "1994"),
        ("The first year ('09.2~'10.1) went well.", "'09.2~'10.1", "2009-02", "2010-01"),
        ("Conference, Busan, Korea October 12-14, 2016", "October 12-14, 2016", "2016-10-12", "2016-10-14"),
        ("Growth slowed in the late 1980s.", "late 1980s", "1987", "1989"),
        ("Reforms of the 1950's failed.", "1950's", "1950", "1959"),
        ("Since the early 2000s, firms moved.", "early 2000s", "2000", "2003"),
        ("by the mid-1990s", "mid-1990s", "1994", "1996"),
        ("in the 1970s", "1970s", "1970", "1979"),
        ("Direct budget FY2001–FY2010, all regions", "FY2001–FY2010", "2001", "2010"),
        ("over FY 2014-16 it fell", "FY 2014-16", "2014", "2016"),
    ],
)
def test_period(text: str, surface: str, start: str, end: str) -> None:
    fact = one(text, "period", surface)
    assert (fact.date_start, fact.date_end) == (start, end)


def test_phone_numbers_and_pages_are_no_periods() -> None:
    text = "Tel: +82-31-555-2012, Fax: 031-555-2013, Zip 441-873. See pp.103-111 and pp.2-25."
    facts = extract_text_facts(text)
    assert [f for f in facts if f.kind in ("period", "date", "count")] == []


def test_two_dates_joined_by_and_are_not_a_period() -> None:
    text = "Reviews took place in March 2004 and May 2005."
    assert facts_of(text, "period") == []
    assert [f.text for f in facts_of(text, "date")] == ["March 2004", "May 2005"]


def test_citation_years_are_no_dates_or_counts() -> None:
    text = "The idea of learning regions (Lundvall 1992; Florida 1995) and clusters (Porter 1990: 12) spread."
    facts = extract_text_facts(text)
    assert [f for f in facts if f.kind in ("date", "count", "period")] == []


# -- counts ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "surface", "value", "unit"),
    [
        ("The board funded 36 projects last year.", "36 projects", 36.0, "projects"),
        ("The ministry set up twelve Technoparks.", "twelve Technoparks", 12.0, "technoparks"),
        ("It picked three project teams.", "three project teams", 3.0, "project teams"),
        ("A panel of approximately 65 experts met.", "65 experts", 65.0, "experts"),
        ("The estate hosts 31,402 companies.", "31,402 companies", 31402.0, "companies"),
        (
            "Eleven regional industrial clusters were named.",
            "Eleven regional industrial clusters",
            11.0,
            "clusters",
        ),
        ("Researchers (27) took part.", "Researchers (27)", 27.0, "researchers"),
    ],
)
def test_count(text: str, surface: str, value: float, unit: str) -> None:
    fact = one(text, "count", surface)
    assert fact.value == value and fact.unit == unit


def test_two_counts_in_one_sentence() -> None:
    text = "Seven ministries were running a total of nineteen programs."
    assert [(f.text, f.value, f.unit) for f in facts_of(text, "count")] == [
        ("Seven ministries", 7.0, "ministries"),
        ("nineteen programs", 19.0, "programs"),
    ]


def test_list_of_counts_shares_the_noun() -> None:
    text = "In total 80 were chosen: 18 large-, 22 medium-, and 40 small-scale research teams."
    counts = facts_of(text, "count")
    assert [(f.value, f.unit) for f in counts] == [
        (18.0, "research teams"),
        (22.0, "research teams"),
        (40.0, "research teams"),
    ]
    text = "Each ran two to five programs."
    assert [(f.text, f.value, f.unit) for f in facts_of(text, "count")] == [
        ("two", 2.0, "programs"),
        ("five programs", 5.0, "programs"),
    ]


def test_numbers_that_are_not_counts() -> None:
    text = (
        "Its economy is the world's 15th largest (Kim 2003). In 2007 the city grew. "
        "One of the towns won 2.5 million dollars; 12% of it went to roads of 40 km."
    )
    assert facts_of(text, "count") == []


# -- entities --------------------------------------------------------------------------------------------
def test_entities_by_head_noun_and_ministry_names() -> None:
    text = (
        "The Ministry of Land, Infrastructure and Transport launched the Smart City Challenge Program. "
        "However, the Busan Marine Industry Cluster grew, and Chungbuk National University joined the "
        "Presidential Committee on Rural Renewal."
    )
    got = {f.text: f.entity_type for f in facts_of(text, "entity")}
    assert got == {
        "Ministry of Land, Infrastructure and Transport": "ministry",
        "Smart City Challenge Program": "program",
        "Busan Marine Industry Cluster": "place",
        "Chungbuk National University": "institution",
        "Presidential Committee on Rural Renewal": "committee",
    }


def test_quoted_plan_title() -> None:
    text = "In 2019 the \u201cThird Comprehensive Regional Growth Plan\u201d was adopted."
    fact = one(text, "entity", "Third Comprehensive Regional Growth Plan")
    assert fact.entity_type == "plan"


def test_entities_use_the_alias_table() -> None:
    text = (
        "Grants were handled by the Gyeonggi Science Foundation (GSF). Later the GSF merged two offices.\n"
        "Its parent, the Ministry of Trade and Industry (\u201cTrade ministry,\u201d hereafter), agreed; "
        "the Trade\n"
        "ministry paid."
    )
    facts = facts_of(text, "entity")
    by_text = {f.text: f for f in facts}
    assert by_text["GSF"].entity == "Gyeonggi Science Foundation"
    assert by_text["Gyeonggi Science Foundation"].aliases == ("GSF",)
    assert by_text["GSF"].entity_type == "agency"
    trade = [f for f in facts if f.entity == "Ministry of Trade and Industry"]
    assert [f.text for f in trade] == ["Ministry of Trade and Industry", "Trade ministry", "Trade\nministry"]
    assert all(f.entity_type == "ministry" and "Trade ministry" in f.aliases for f in trade)


def test_given_alias_table_is_used() -> None:
    aliases = mine_aliases(["the Ulsan Free Economic Zone (UFEZ) was designated"])
    facts = extract_text_facts("Investors liked UFEZ.", doc_id="x", aliases=aliases)
    assert [(f.text, f.entity) for f in facts] == [("UFEZ", "Ulsan Free Economic Zone")]


# -- common properties -----------------------------------------------------------------------------------
def test_offsets_ids_and_context_with_base() -> None:
    text = "Since 2004 the office has hired 48 engineers."
    base = 1000
    facts = extract_text_facts(text, base=base, doc_id="doc")
    assert {f.kind for f in facts} == {"date", "count"}
    for f in facts:
        assert text[f.start - base : f.end - base] == f.text
        assert f.fact_id == f"doc:{f.kind}:{f.start}-{f.end}"
        assert f.context == text and f.doc_id == "doc" and f.chunk_id is None


def test_context_is_the_sentence() -> None:
    text = "First sentence here. The park spans 12 Km2 in all. Last sentence."
    assert one(text, "area", "12 Km2").context == "The park spans 12 Km2 in all."


@pytest.fixture(scope="module")
def corpus_texts() -> dict[str, str]:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))}
    if not texts:
        pytest.skip("no corpus files")
    return texts


def test_raw_corpus_offsets_slice_back(corpus_texts: dict[str, str]) -> None:
    extract_text_facts("Warm-up on May 1, 2020.")  # dateparser's one-time import is not extraction time
    started = time.perf_counter()
    aliases = mine_aliases(corpus_texts.values())
    kinds: Counter[str] = Counter()
    for doc_id, text in corpus_texts.items():
        facts = extract_text_facts(text, doc_id=doc_id, aliases=aliases)
        assert len({f.fact_id for f in facts}) == len(facts)
        for f in facts:
            assert text[f.start : f.end] == f.text, f
            assert f.kind in FACT_KINDS and f.context
            kinds[f.kind] += 1
    assert time.perf_counter() - started < 2.0
    assert set(kinds) >= {"money", "count", "percent", "area", "population", "date", "period", "entity"}


# -- tables and chunks -----------------------------------------------------------------------------------
def _doc_with_table() -> tuple[Document, list[Chunk]]:
    intro = "Since 2004 the valley has grown.\n\n"
    caption = "Firms by year"
    rows = [("Year", "2001", "2006"), ("Startups", "1,204", "na"), ("Share", "12.5%", "31%")]
    text = intro + caption + "\n" + "\n".join("\t".join(r) for r in rows) + "\n"
    cells = []
    for row in rows[1:]:
        line_start = text.index("\t".join(row))
        offset = line_start + len(row[0]) + 1
        for c, value in enumerate(row[1:], start=1):
            cells.append(TableCell(row=row[0], column=rows[0][c], value=value, start=offset, end=offset + len(value)))
            offset += len(value) + 1
    table_start = text.index(caption)
    table = Table(
        table_id="d:t1",
        doc_id="d",
        caption=caption,
        header=rows[0],
        rows=tuple(rows[1:]),
        cells=tuple(cells),
        start=table_start,
        end=len(text),
    )
    doc = Document(meta=DocumentMeta(doc_id="d", title="T", source="d.txt"), text=text, tables=(table,))
    chunks = [
        Chunk(chunk_id="d:0", doc_id="d", start=0, end=table_start, text=text[:table_start]),
        Chunk(chunk_id="d:1", doc_id="d", start=0, end=len(text), text=text),  # overlaps the first one
        Chunk(
            chunk_id="d:t1",
            doc_id="d",
            start=table_start,
            end=len(text),
            text=text[table_start:],
            kind="table",
            table_id="d:t1",
        ),
    ]
    return doc, chunks


def test_extract_facts_with_table() -> None:
    doc, chunks = _doc_with_table()
    facts = extract_facts(doc, chunks)
    for f in facts:
        assert doc.text[f.start : f.end] == f.text
    cells = {(f.row, f.column): f for f in facts if f.kind == "table_cell"}
    assert set(cells) == {("Startups", "2001"), ("Startups", "2006"), ("Share", "2001"), ("Share", "2006")}
    startups = cells[("Startups", "2001")]
    assert (startups.text, startups.value, startups.unit) == ("1,204", 1204.0, None)
    assert startups.chunk_id == "d:t1" and startups.table_id == "d:t1" and startups.entity == "Firms by year"
    assert startups.context == "Firms by year: Startups, 2001"
    assert startups.fact_id == f"d:table_cell:{startups.start}-{startups.end}"
    assert cells[("Startups", "2006")].value is None
    assert (cells[("Share", "2001")].value, cells[("Share", "2001")].unit) == (12.5, "%")
    since = next(f for f in facts if f.kind == "date" and f.text == "2004")
    assert since.chunk_id == "d:0"  # the first text chunk holding it, not the overlapping one


def test_extract_facts_chunk_for_a_fact_across_chunks() -> None:
    text = "Funding reached 4.5 million dollars in total."
    cut = text.index("million")
    doc = Document(meta=DocumentMeta(doc_id="e", title="E", source="e.txt"), text=text)
    chunks = [
        Chunk(chunk_id="e:0", doc_id="e", start=0, end=cut, text=text[:cut]),
        Chunk(chunk_id="e:1", doc_id="e", start=cut, end=len(text), text=text[cut:]),
    ]
    (money,) = [f for f in extract_facts(doc, chunks) if f.kind == "money"]
    assert money.chunk_id == "e:0"
