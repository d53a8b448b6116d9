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
