"""The eval's scoring code on inputs whose results are known by hand."""

from __future__ import annotations

import json

import pytest

from qa_service.evaluation import metrics as m
from qa_service.evaluation.dataset import DatasetError, Question, load_questions
from qa_service.evaluation.report import README_END, README_START, update_readme
from qa_service.evaluation.runner import failed_gates, is_correct, parse_gates

# -- IR metrics through ranx -----------------------------------------------------------------------------
# q1 has two relevant chunks (a, c) ranked 1st and 3rd; q2 has one (x) ranked 2nd.
QRELS = {"q1": {"a": 1, "c": 1}, "q2": {"x": 1}}
RANKINGS = {"q1": ["a", "b", "c"], "q2": ["y", "x"]}


def test_ranking_known_by_hand():
    means, per_query = m.retrieval_metrics(QRELS, RANKINGS)
    assert per_query["q1"]["recall@1"] == pytest.approx(0.5)  # one of two relevant in the top 1
    assert per_query["q2"]["recall@1"] == pytest.approx(0.0)
    assert means["recall@1"] == pytest.approx(0.25)
    assert means["recall@5"] == pytest.approx(1.0)
    assert means["recall@10"] == pytest.approx(1.0)
    assert per_query["q2"]["mrr@10"] == pytest.approx(0.5)
    assert means["mrr@10"] == pytest.approx((1 + 0.5) / 2)
    # nDCG: q1 DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3); q2 = 1/log2(3)
    ndcg_q1 = 1.5 / (1 + 1 / 1.5849625007211562)
    ndcg_q2 = 1 / 1.5849625007211562
    assert means["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2)


def test_ranking_order_is_kept_and_missing_runs_score_zero():
    means, per_query = m.retrieval_metrics({"q1": {"c": 1}, "q2": {"x": 1}}, {"q1": ["a", "b", "c"]})
    assert per_query["q1"]["mrr@10"] == pytest.approx(1 / 3)  # ranx must not reorder the service's ranking
    assert per_query["q2"]["recall@10"] == 0.0
    assert means["recall@10"] == pytest.approx(0.5)


def test_unjudgeable_queries_are_left_out():
    means, per_query = m.retrieval_metrics({"q1": {"a": 1}, "q2": {}}, {"q1": ["a"], "q2": ["z"]})
    assert set(per_query) == {"q1"}
    assert means["recall@1"] == 1.0


def test_first_relevant_rank():
    assert m.first_relevant_rank(["y", "x", "z"], {"x": 1}) == 2
    assert m.first_relevant_rank(["y"], {"x": 1}) is None


# -- relevance -------------------------------------------------------------------------------------------
def test_quote_found_after_normalisation():
    passage = "Row:\nUniversities\t2,084\t2,423   and it costs $5 — “quoted”."
    assert m.contains_quote(passage, "Universities 2,084 2,423")
    assert m.contains_quote(passage, r"it costs \$5 - \"quoted\"".replace('\\"', '"'))
    assert m.contains_quote(passage, "UNIVERSITIES\t2,084")


def test_most_of_a_long_quote_counts_but_a_short_quote_must_be_whole():
    quote = "The satellite cities around Seoul were only 30 to 60 km from the city centre and grew fast."
    first_part = "Background. The satellite cities around Seoul were only 30 to 60 km from the city"
    assert m.contains_quote(first_part, quote)  # 13 of 17 words in a row: a quote split across chunks
    assert not m.contains_quote("and grew fast. Other text here.", quote)
    assert not m.contains_quote("University 38", "University\t384")
    assert m.contains_quote("University\t384\nResearch Institute\t488", "University\t384")


def test_qrels_mark_every_chunk_holding_the_quote():
    chunks = [("c1", "Alpha beta gamma."), ("c2", "gamma. Delta."), ("c3", "Other.")]
    qrels = m.build_qrels(chunks, {"q1": "gamma.", "q2": "missing"})
    assert qrels == {"q1": {"c1": 1, "c2": 1}, "q2": {}}


# -- answers ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("candidates", "system", "qtype", "expected"),
    [
        (["2,330"], "2330", "figure", True),
        (["2330"], "2,330 clusters", "figure", True),
        (["2,330개"], "2,330", "korean", True),
        (["2.5 million"], "2,500,000 people", "figure", True),
        (["almost 50 million people"], "50 million", "figure", True),  # number rule
        (["27"], "127 institutions", "table", False),  # no digit glued on
        (["27"], "8 11 27 49 54 64", "table", False),  # a whole row is not an answer
        (["6,848"], "Research Institutes 4,698 6,848 10,218 Total 6,782 9,271 12,925", "table", False),
        (
            ["fifteen year"],
            "In 2000 the plan was released to cover a fifteen year timeframe, i.e., the period from "
            "2001 and 2015. After only three years it was dropped.",
            "date",
            True,
        ),  # a sentence with numbers is fine
        (["1.3 million dollars"], "approximately 1.3 million dollars annually from 2004", "figure", True),
        (["KAIST", "Korea Advanced Institute of Science and Technology"], "kaist", "table", True),
        (["New Community Movement"], "the New Community Movement (Saemaul Undong)", "program", True),
        (["Korean Agricultural Cooperative (Nonghyup)"], "Korean Agricultural Cooperative", "entity", True),
        (["Cheonan, Asan, and Jochiwon"], "Cheonan", "entity", False),  # one of three is not the answer
        (["three to five million dollars per year"], "three", "figure", False),
        (["1972-81"], "1972-1981", "date", True),  # years compared
        (["1972-81"], "1972-1981", "figure", False),  # ... for dates only
        (["2003–2007"], "2003-2007", "date", True),
        (["March 2004"], "June 2005", "date", False),
        (["New Universities for Regional Innovation"], None, "korean", False),
        (["12th"], "", "figure", False),
    ],
)
def test_answer_matching(candidates, system, qtype, expected):
    assert m.answer_matches(candidates, system, qtype) is expected


def _q(**kw) -> Question:
    base = {"id": "q1", "question": "Why?", "answer": "x", "type": "figure", "doc_id": "d", "evidence": "e e e"}
    return Question.model_validate(base | kw)


def test_correctness_needs_found_and_handles_unanswerable_and_explanations():
    fig = _q(answer="48")
    assert is_correct(fig, True, "48 projects")
    assert not is_correct(fig, False, "48 projects")
    unans = _q(type="unanswerable", evidence=None, doc_id=None, answer="Not stated.")
    assert is_correct(unans, False, None)
    assert not is_correct(unans, True, "something")
    expl = _q(
        type="explanation",
        answer="Too many ministries ran overlapping programs.",
        evidence="The program failed mainly because too many ministries ran overlapping programs with little coordination.",
    )
    assert is_correct(expl, True, "Many ministries ran overlapping programs, with little coordination.")
    assert is_correct(expl, True, "Something else.", "It failed because too many ministries ran overlapping programs.")
    assert not is_correct(expl, True, "The program supported small firms.", "It was launched in 2003.")


def test_content_overlap_ignores_stop_words():
    assert m.content_overlap("the cat and the dog", "a dog") == pytest.approx(0.5)
    assert m.content_overlap("the of and", "anything") == 0.0


# -- citation, abstention, latency -----------------------------------------------------------------------
def test_key_span_and_citation():
    quote = "Res. Institutions\t8\t11\t27\t49\t54\t64"
    assert m.key_span(["49"], quote) == "49"
    assert m.cites("Res. Institutions 8 11 27 49 54 64", ["49"], quote)
    assert not m.cites("Total 9 13 33 59 185 239", ["49"], quote)
    long_quote = "the city lacked the financial resources and the confidence needed to start independent policies"
    assert m.key_span(["no money"], long_quote) == long_quote  # the answer is not in the quote
    assert m.cites(
        "In short, the city lacked the financial resources and the confidence needed.", ["no money"], long_quote
    )
    assert not m.cites(None, ["49"], quote)


def test_abstention_scores():
    # 4 questions: 2 unanswerable; the system abstains on one unanswerable and one answerable
    s = m.abstention_scores([True, False, True, False], [True, True, False, False])
    assert s["precision"] == 0.5 and s["recall"] == 0.5
    assert s["false_abstentions"] == 1 and s["false_abstention_rate"] == 0.5
    none = m.abstention_scores([False, False], [True, False])
    assert none["precision"] is None and none["recall"] == 0.0


def test_percentiles_and_share():
    assert m.percentiles([1, 2, 3, 4, 100]) == {"p50": 3.0, "p95": pytest.approx(80.8)}
    assert m.percentiles([]) == {"p50": None, "p95": None}
    assert m.share([True, False, True, True]) == 0.75
    assert m.share([]) is None


def test_years_and_numbers():
    assert m.years("1972-81 and 1968–71") == {1972, 1981, 1968, 1971}
    assert m.answer_numbers("2,330개 and 2.5 million") == [2330.0, 2500000.0]


# -- gates, dataset, README ------------------------------------------------------------------------------
def test_gates():
    gates = parse_gates(["answer_accuracy=0.5", "recall@5=0.6", "bm25.mrr@10=0.2"])
    assert gates == {"answer_accuracy": 0.5, "full.recall@5": 0.6, "bm25.mrr@10": 0.2}
    headline = {"answer_accuracy": 0.4, "full.recall@5": 0.6, "bm25.mrr@10": None}
    assert failed_gates(headline, gates) == [("answer_accuracy", 0.4, 0.5), ("bm25.mrr@10", None, 0.2)]
    for bad in ("answer_accuracy", "nonsense=0.5", "answer_accuracy=high", "answer_accuracy=2"):
        with pytest.raises(ValueError):
            parse_gates([bad])


def _write(tmp_path, rows) -> object:
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


GOOD = {"id": "q1", "question": "How many?", "answer": "48", "aliases": [], "type": "figure", "doc_id": "a",
        "evidence": "48 projects were selected"}  # fmt: skip


def test_dataset_loads_and_limits(tmp_path):
    path = _write(tmp_path, [GOOD, GOOD | {"id": "q2", "extra": 1}, "", GOOD | {"id": "q3"}])
    qs = load_questions(path)
    assert [q.id for q in qs] == ["q1", "q2", "q3"]
    assert qs[0].candidates == ["48"] and qs[0].answerable
    assert [q.id for q in load_questions(path, limit=2)] == ["q1", "q2"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["{not json"], ":1: not valid JSON"),
        ([GOOD, GOOD], "duplicate question ids: q1"),
        ([GOOD | {"type": "riddle"}], ":1: type"),
        ([GOOD | {"question": "  "}], ":1: question"),
        ([{k: v for k, v in GOOD.items() if k != "answer"}], ":1: answer"),
        ([GOOD | {"type": "unanswerable"}], "evidence null"),
        ([], "holds no questions"),
    ],
)
def test_dataset_errors_name_the_line(tmp_path, rows, message):
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")):
        load_questions(_write(tmp_path, rows))


def test_dataset_missing_file(tmp_path):
    with pytest.raises(DatasetError, match="no such questions file"):
        load_questions(tmp_path / "nope.jsonl")


def test_readme_block_is_replaced_only_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# T\n\nintro\n{README_START}\nold table\n{README_END}\n\nrest\n", encoding="utf-8")
    update_readme(readme, "| new | table |")
    assert (
        readme.read_text(encoding="utf-8") == f"# T\n\nintro\n{README_START}\n| new | table |\n{README_END}\n\nrest\n"
    )
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="eval-table"):
        update_readme(plain, "x")
    assert plain.read_text(encoding="utf-8") == "no markers\n"
