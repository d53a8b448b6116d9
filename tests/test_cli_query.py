"""The query commands (search, facts) over the fixture index: modes, the fact kinds, exports, usage errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from qa_service.records import FACT_KINDS


@pytest.fixture
def cli(fixture_env):
    """The Typer app with settings pointing at the fixture corpus and the hashing embedder."""
    from qa_service.cli import query  # noqa: F401  (registers the commands)
    from qa_service.cli.app import app

    return lambda *args: CliRunner().invoke(app, list(args))


def test_a_misspelled_kind_is_a_usage_error_listing_the_kinds(cli):
    result = cli("facts", "--kind", "mony")
    assert result.exit_code == 2
    assert all(kind in result.output for kind in FACT_KINDS), result.output


def test_facts_of_one_kind_as_json(cli):
    result = cli("facts", "--kind", "money", "--json")
    assert result.exit_code == 0, result.output
    page = json.loads(result.output)
    assert page["total"] > 0 and {f["kind"] for f in page["items"]} == {"money"}


def test_facts_export_every_match_as_jsonl_and_csv(cli, fixture_service):
    total = fixture_service.facts(kind="count").total
    jsonl = cli("facts", "--kind", "count", "--format", "jsonl", "--limit", "1")
    assert jsonl.exit_code == 0, jsonl.output
    rows = [json.loads(line) for line in jsonl.output.splitlines()]
    assert len(rows) == total > 1  # every match: --limit is for the table
    assert {r["kind"] for r in rows} == {"count"} and all(r["citation"]["doc_id"] for r in rows)
    table = cli("facts", "--kind", "count", "--format", "csv")
    assert table.exit_code == 0, table.output
    records = list(csv.DictReader(io.StringIO(table.output)))
    assert len(records) == total and records[0]["fact_id"] == rows[0]["fact_id"]
    assert cli("facts", "--format", "xml").exit_code == 2


@pytest.mark.parametrize("mode", ["full", "hybrid", "bm25", "dense"])
def test_search_in_every_mode(cli, mode):
    result = cli("search", "Technoparks built in rural areas", "-k", "3", "--mode", mode, "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["hits"]
    assert 1 <= len(hits) <= 3
    if mode == "bm25":
        assert all(h["dense_score"] is None for h in hits)
    if mode == "dense":
        assert all(h["lexical_score"] is None for h in hits)


def test_an_unknown_mode_is_a_usage_error_listing_the_modes(cli):
    result = cli("search", "budget", "--mode", "semantic")
    assert result.exit_code == 2
    assert all(mode in result.output for mode in ("full", "hybrid", "bm25", "dense"))
