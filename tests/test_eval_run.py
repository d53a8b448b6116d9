"""The whole eval, end to end, on the fixture corpus with the hashing embedder.

These tests check structure and ranges, never quality: the hashing embedder is not a model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_service.evaluation import MODES, load_questions, run_eval, write_reports
from qa_service.evaluation.runner import CALIBRATION_THRESHOLDS, IR_METRICS

QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "eval_questions.jsonl"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(fixture_service, tmp_path_factory):
    questions = load_questions(QUESTIONS)
    data = run_eval(fixture_service, questions, questions_file=QUESTIONS)
    paths = write_reports(data, tmp_path_factory.mktemp("eval") / "out")
    return data, paths


def _in_unit(value) -> bool:
    return value is None or 0.0 <= value <= 1.0


def test_report_files_exist(report):
    _, paths = report
    assert set(paths) == {"json", "markdown", "chart"}
    for path in paths.values():
        assert path.is_file() and path.stat().st_size > 0
    assert paths["chart"].read_bytes()[:8] == PNG_MAGIC


def test_report_json_structure_and_ranges(report):
    data, paths = report
    assert json.loads(paths["json"].read_text(encoding="utf-8")) == json.loads(json.dumps(data))
    assert set(data) >= {"config", "counts", "retrieval", "answers", "abstention", "citation", "calibration",
                         "headline", "questions"}  # fmt: skip
    counts = data["counts"]
    assert counts["questions"] == 11 and counts["unanswerable"] == 2
    assert counts["judged"] + len(counts["unjudgeable"]) == counts["answerable"]
    assert counts["unjudgeable"] == []  # every fixture quote is found in some chunk
    assert counts["errors"] == {}
    assert list(data["retrieval"]) == list(MODES)
    for res in data["retrieval"].values():
        assert all(0.0 <= res[metric] <= 1.0 for metric in IR_METRICS)
        assert 0.0 <= res["latency_ms"]["p50"] <= res["latency_ms"]["p95"]
    assert all(_in_unit(v) for v in data["headline"].values())
    answers = data["answers"]
    assert sum(t["n"] for t in answers["per_type"].values()) == 11
    assert all(_in_unit(t["accuracy"]) for t in answers["per_type"].values())
    assert answers["latency_ms"]["p50"] > 0
    assert _in_unit(data["citation"]["top1"]) and data["citation"]["top1"] <= data["citation"]["top5"]
    assert data["abstention"]["unanswerable"] == 2


def test_calibration_sweep_agrees_with_the_configured_service(report):
    data, _ = report
    rows = data["calibration"]["rows"]
    assert [r["threshold"] for r in rows] == list(CALIBRATION_THRESHOLDS)
    assert all(_in_unit(r[k]) for r in rows for k in ("answer_accuracy", "abstention_precision", "abstention_recall"))
    configured = data["calibration"]["configured_threshold"]
    same = [r for r in rows if abs(r["threshold"] - configured) < 1e-9]
    if same:  # the sweep re-applies the rule ask uses, so it must reproduce the real run
        assert same[0]["answer_accuracy"] == data["answers"]["answer_accuracy"]
        assert same[0]["abstention_recall"] == data["abstention"]["recall"]


def test_the_report_names_the_threshold_the_answers_were_judged_at(report, fixture_service):
    data, paths = report
    cfg = data["config"]
    assert cfg["answerer"] == fixture_service.settings.answerer
    assert cfg["effective_abstain_threshold"] == fixture_service.abstain_threshold()
    assert data["calibration"]["configured_threshold"] == cfg["effective_abstain_threshold"]
    found = [r for r in data["questions"] if r["found"]]
    assert all(r["confidence"] >= cfg["effective_abstain_threshold"] for r in found)
    assert f"abstain threshold {cfg['effective_abstain_threshold']}" in paths["markdown"].read_text(encoding="utf-8")


def test_per_question_rows(report):
    data, _ = report
    rows = data["questions"]
    assert [r["id"] for r in rows] == [q.id for q in load_questions(QUESTIONS)]
    for r in rows:
        assert {"id", "type", "found", "answer", "correct", "confidence", "rank", "ranks"} <= set(r)
        assert set(r["ranks"]) == set(MODES)
        assert r["rank"] is None or 1 <= r["rank"] <= 5
        assert 0.0 <= r["confidence"] <= 1.0
        if r["type"] == "unanswerable":
            assert r["relevant_chunks"] == 0 and r["cited"] is None
            assert r["correct"] is (not r["found"])
        if not r["found"]:
            assert r["answer"] is None and not (r["correct"] and r["type"] != "unanswerable")


def test_markdown_has_the_tables(report):
    _, paths = report
    text = paths["markdown"].read_text(encoding="utf-8")
    for heading in ("## Retrieval", "## Answers", "### Per question type", "## Calibration", "## How it is measured"):
        assert heading in text
    for mode in MODES:
        assert f"| {mode} |" in text
    assert "| configuration | Recall@1 | Recall@5 | Recall@10 |" in text


# -- the command -----------------------------------------------------------------------------------------
@pytest.fixture
def cli(fixture_env):
    """The Typer app with settings pointing at the fixture corpus and the hashing embedder."""
    from qa_service.cli import eval_cmd  # noqa: F401  (registers the command)
    from qa_service.cli.app import app

    return lambda *args: CliRunner().invoke(app, ["eval", *args])


def test_cli_writes_reports_and_passes_a_met_gate(cli, fixture_settings, tmp_path):
    out = tmp_path / "out"
    result = cli("--questions", str(QUESTIONS), "--index", str(fixture_settings.index_dir), "--out", str(out),
                 "--quick", "4", "--fail-under", "answer_accuracy=0")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"report.json", "report.md", "report.png"}
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["counts"]["questions"] == 4


def test_cli_gate_fails_on_an_undefined_metric(cli, fixture_settings, tmp_path):
    only_unanswerable = tmp_path / "q.jsonl"
    lines = [ln for ln in QUESTIONS.read_text(encoding="utf-8").splitlines() if '"unanswerable"' in ln]
    only_unanswerable.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("--questions", str(only_unanswerable), "--index", str(fixture_settings.index_dir),
                 "--out", str(tmp_path / "out"), "--fail-under", "answer_accuracy=0.1")  # fmt: skip
    assert result.exit_code == 1
    assert "FAIL answer_accuracy" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-under", "nonsense=0.5"], "unknown metric"),
        (["--fail-under", "answer_accuracy"], "METRIC=VALUE"),
        (["--questions", "/nonexistent/q.jsonl"], "no such questions file"),
    ],
)
def test_cli_bad_input_exits_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_calibration_bins_are_what_the_web_page_reads(report, tmp_path):
    import json

    from qa_service import calibration

    data, _ = report
    bins = data["calibration"]["bins"]
    assert [(b["low"], b["high"]) for b in bins] == [(i / 10, (i + 1) / 10) for i in range(10)]
    assert (
        all(0 <= b["correct"] <= b["n"] for b in bins) and 0 < sum(b["n"] for b in bins) <= data["counts"]["questions"]
    )
    file = tmp_path / "report.json"
    file.write_text(json.dumps(data))
    assert len(calibration.load_bins([file])) == 10


def test_cli_without_out_writes_a_run_folder_of_its_own(cli, fixture_settings, tmp_path, monkeypatch):
    committed = {p: p.stat().st_mtime_ns for p in (Path(__file__).resolve().parent.parent / "eval").glob("report.*")}
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        result = cli("--questions", str(QUESTIONS), "--index", str(fixture_settings.index_dir), "--quick", "2")
        assert result.exit_code == 0, result.output
    runs = sorted((tmp_path / "eval" / "runs").iterdir())
    assert len(runs) == 2  # a second run in the same second gets a folder of its own
    assert all({p.name for p in run.iterdir()} == {"report.json", "report.md", "report.png"} for run in runs)
    assert {p: p.stat().st_mtime_ns for p in committed} == committed


def test_cli_exports_the_set_in_beirs_layout(cli, fixture_settings, fixture_service, tmp_path):
    beir = tmp_path / "beir"
    result = cli("--questions", str(QUESTIONS), "--index", str(fixture_settings.index_dir), "--out",
                 str(tmp_path / "out"), "--quick", "4", "--export-beir", str(beir))  # fmt: skip
    assert result.exit_code == 0, result.output
    corpus = [json.loads(line) for line in (beir / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    queries = [json.loads(line) for line in (beir / "queries.jsonl").read_text(encoding="utf-8").splitlines()]
    qrels = (beir / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()
    assert [c["_id"] for c in corpus] == [c.chunk_id for c in fixture_service.index.chunks]
    assert all(set(c) >= {"_id", "title", "text"} for c in corpus) and queries
    assert qrels[0] == "query-id\tcorpus-id\tscore"
    chunk_ids, query_ids = {c["_id"] for c in corpus}, {q["_id"] for q in queries}
    rows = [line.split("\t") for line in qrels[1:]]
    assert rows and all(q in query_ids and c in chunk_ids and s == "1" for q, c, s in rows)
    evidence = {q.id: q.evidence for q in load_questions(QUESTIONS, limit=4)}
    texts = {c["_id"]: c["text"] for c in corpus}
    assert all(" ".join(evidence[q].split()[:3]) in " ".join(texts[c].split()) for q, c, _s in rows)
