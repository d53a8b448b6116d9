"""Conflicts between sources (qa_service.answering.conflicts) over tests/fixtures/conflict_corpus: documents written
to disagree on one figure, and pairs that must not be flagged (same value, per province, another year, another
unit, another kind of the counted thing, another program, per year against a total)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa_service.answering import conflicts
from qa_service.records import Fact
from qa_service.retrieval.retriever import ScoredUnit
from qa_service.schemas import Citation, Conflict, ConflictSide, DocumentSummary, FactOut

CONFLICT_CORPUS = Path(__file__).resolve().parent / "fixtures" / "conflict_corpus"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """QAService over the conflict corpus, with the hashing embedder and the rules answerer."""
    from qa_service.config import Settings
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    base = tmp_path_factory.mktemp("conflicts")
    shutil.copytree(CONFLICT_CORPUS, base / "corpus")
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", embedder="hash", answerer="rules")
    embedder = HashEmbedder()
    ensure_index(settings, embedder)
    return QAService.open(settings, embedder)


def _statement(service, text: str, doc_id: str) -> conflicts.Statement:
    """The statement of the fact written ``text`` in ``doc_id``, read off the evidence unit that holds it."""
    fact = next(f for f in service.index.facts if f.text == text and f.doc_id == doc_id)
    idx = service.index.units
    unit = next(
        u for u in range(len(idx.start))
        if service.index.chunks[int(idx.chunk_index[u])].doc_id == doc_id and idx.start[u] <= fact.start < idx.end[u]
    )  # fmt: skip
    return conflicts.statement(fact, ScoredUnit(unit, int(idx.chunk_index[unit]), 1.0, 1.0, 1.0), service)


def _ask(service, question: str):
    return service.ask(question, answerer="rules")


# -- conflicts that are real -------------------------------------------------------------------------------
def test_two_sources_counting_the_same_teams_differently_disagree(service):
    r = _ask(service, "How many project teams did the Harbour Cluster Pilot Program select in 2004?")
    assert r.found and len(r.conflicts) == 1
    conflict = r.conflicts[0]
    assert [(s.value, s.fact.citation.doc_id) for s in conflict.sides] == [
        ("39 project teams", "harbour-2007-slides"),
        ("43 project teams", "harbour-2009-paper"),
    ]
    assert conflict.sentence == "The 2007 slides say 39 project teams; the 2009 paper says 43 project teams."
    assert r.message == f"Sources disagree: {conflict.sentence}"
    assert [s.source for s in conflict.sides] == ["the 2007 slides", "the 2009 paper"]
    assert "Harbour Cluster Pilot Program" in conflict.about and "2004" in conflict.about
    for side in conflict.sides:  # each side carries its own sentence, with offsets into its own document
        text = service.index.documents[side.fact.citation.doc_id].text
        assert side.sentence is not None and text[side.sentence.start : side.sentence.end] == side.sentence.text
        assert "selected" in side.sentence.text and side.value in side.sentence.text
        assert side.sentence.start <= side.fact.citation.start < side.fact.citation.end <= side.sentence.end


def test_two_reports_giving_one_budget_differently_disagree(service):
    r = _ask(service, "What budget did the Riverside Bio Cluster Program receive in 2005?")
    assert r.found and r.conflicts
    assert r.conflicts[0].sentence == "The 2006 report says 80 billion won; the 2010 report says 95 billion won."


# -- pairs that must not be flagged ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question, answer",
    [
        ("When did the Harbour Technopark open?", "2001"),  # both say 2001
        ("How many project teams was each province asked to propose?", "4 project teams"),  # per province
        ("How many project teams did the Riverside Bio Cluster Program select in 2004?", "52"),  # 61 is for 2007
        ("How much did the Riverside Bio Cluster Program pay in research grants in 2005?", "15 million dollars"),
        ("How much did the Riverside Bio Cluster Program spend on new research centres?", "90 billion won"),
        ("How many university laboratories did the Riverside Bio Cluster Program fund?", "14 university"),
    ],
    ids=["same-value", "per-province", "other-year", "other-unit", "per-year-vs-total", "other-kind-counted"],
)
def test_figures_that_are_not_the_same_quantity_are_no_conflict(service, question, answer):
    r = _ask(service, question)
    assert r.found and answer in (r.answer or "")
    assert r.conflicts == [] and "disagree" not in (r.message or "")


@pytest.mark.parametrize(
    "ours, theirs, reason",
    [
        (("39 project teams", "harbour-2007-slides"), ("43 project teams", "harbour-2009-paper"), None),
        (("39 project teams", "harbour-2007-slides"), ("52 project teams", "riverside-2006-report"), "another program"),
        (("4 project teams", "harbour-2007-slides"), ("43 project teams", "harbour-2009-paper"),
         "a per-unit figure against a total"),
        (("52 project teams", "riverside-2006-report"), ("61 project teams", "riverside-2010-report"), "another year"),
        (("15 million dollars", "riverside-2006-report"), ("18 billion won", "riverside-2010-report"), "another unit"),
        (("90 billion won", "riverside-2006-report"), ("30 billion won", "riverside-2010-report"),
         "a per-unit figure against a total"),
        (("14 university laboratories", "riverside-2006-report"), ("20 corporate laboratories", "riverside-2010-report"),
         "another kind of the counted thing"),
        (("80 billion won", "riverside-2006-report"), ("95 billion won", "riverside-2010-report"), None),
    ],
)  # fmt: skip
def test_why_two_figures_are_or_are_not_the_same_quantity(service, ours, theirs, reason):
    assert conflicts.different(_statement(service, *ours), _statement(service, *theirs)) == reason


def _bare(value: float, bound: str | None) -> conflicts.Statement:
    fact = Fact("f", "count", str(value), 0, 1, "d", value=value, unit="project teams")
    return conflicts.Statement(fact, 0, 1, "", "", ("project", "team"), frozenset(), {}, frozenset(), frozenset(),
                               bound)  # fmt: skip


def test_a_bound_or_an_approximation_admits_the_other_value():
    assert conflicts.agrees(_bare(4, "min"), _bare(6, None))  # "at least 4" and 6
    assert not conflicts.agrees(_bare(4, "max"), _bare(6, None))  # "up to 4" and 6
    assert conflicts.agrees(_bare(40, "approx"), _bare(43, None))  # "about 40" and 43
    assert not conflicts.agrees(_bare(39, None), _bare(43, None))


def _dated(sentence: str, date: str, year: int) -> conflicts.Statement:
    start = sentence.index(date)
    fact = Fact("d", "date", date, start, start + len(date), "d", date_start=f"{year}-01-01", date_end=f"{year}-12-31")
    clause = conflicts._clause(sentence, start, start + len(date), 0, len(sentence))
    return conflicts.Statement(fact, 0, len(sentence), sentence, clause, (), frozenset(), {}, frozenset(),
                               frozenset(), None)  # fmt: skip


def test_two_dates_are_of_one_event_only_when_more_than_their_verbs_agree():
    # a table row's bare date takes its event from the row; "began" and "starting" are one verb group, but the
    # location of the institutes and the program's operation are two events
    row = _dated("1978\tLocation of Research Institutes Began", "1978", 1978)
    program = _dated("The program was put into operation starting from December 2005.", "December 2005", 2005)
    assert conflicts.different(row, program) == "another event"
    moved = _dated("Research institutes began to locate in the town in 1980.", "1980", 1980)
    assert conflicts.different(row, moved) is None  # the same event, told with other words: a disagreement
    started = _dated("The program started in 2004.", "2004", 2004)
    ended = _dated("The program ended in 2008.", "2008", 2008)
    assert conflicts.different(started, ended) == "another event"  # the same program, a start and an end


def test_the_rival_window_does_not_depend_on_the_scale_of_the_scores():
    from qa_service.answering.learned import NEVER, RIVAL_SD, relevance

    scores = np.array([12.3, 11.0, 9.6, 7.2, 3.1, NEVER])
    for scale in (0.5, 1.0, 3.0):
        assert np.allclose(relevance(scores * scale, "softmax"), relevance(scores, "softmax"))
    rel = relevance(scores, "softmax")
    spread = scores[:-1].std()
    best = rel[0]
    floor = conflicts.RELEVANCE * best
    inside = scores[:-1] >= scores[0] - RIVAL_SD * spread - 1e-9
    assert ((rel[:-1] >= floor - 1e-9) == inside).all() and rel[-1] < 1e-12
    assert np.allclose(relevance(np.array([0.9, 0.4]), "logreg"), [0.9, 0.4])  # probabilities are kept as they are


# -- one wording for the API and the page -------------------------------------------------------------------
def test_the_page_shows_the_sentence_the_core_wrote():
    from qa_service.web import views

    c = Citation(doc_id="s", title="S", start=0, end=2)
    side = ConflictSide(value="39", fact=FactOut(fact_id="a", kind="count", text="39", citation=c))
    written = Conflict(about="teams", sides=[side, side], sentence="The 2007 slides say 39; the 2009 paper says 43.")
    assert views.conflict_sentence(written, {}) == written.sentence
    doc = DocumentSummary(doc_id="s", title="S", year=2007, kind="conference slides", source="x", chars=1, pages=1,
                          chunks=1, tables=0)  # fmt: skip
    assert views.source_name(doc, "s") == conflicts.source_name(doc, "s") == ("the 2007 slides", False)
    # The page's own wording (for a conflict without a sentence) is the core's: the web may not import the core.
    bare = Conflict(about="teams", sides=[side, side])
    assert views.conflict_sentence(bare, {"s": doc}) == conflicts.disagreement(bare.sides, {"s": doc})


# -- the real corpus -----------------------------------------------------------------------------------------
@pytest.mark.model
def test_the_ris_pilot_count_disagrees_between_the_slides_and_the_paper(real_service):
    r = real_service.ask("How many RIS pilot projects were chosen in 2004?", answerer="rules")
    assert r.found and r.conflicts
    sides = {s.fact.citation.doc_id: s for s in r.conflicts[0].sides}
    assert sides["shin-2007-cluster-day-slides"].value == "39 projects"
    assert sides["shin-2009-daejeon-cluster-policies"].value == "43 project teams"
    assert r.message == "Sources disagree: The 2007 slides say 39 projects; the 2009 paper says 43 project teams."


@pytest.mark.model
@pytest.mark.parametrize(
    "question",
    [
        "How many project teams applied for NURI in 2004?",  # 25 that applied in Daejeon against 111 selected
        "How many small-scale NURI project teams were selected in the first round?",  # 61 small-scale of 111
        "How many Daejeon project teams won NURI support in 2004?",
        "Which years did the first Comprehensive National Land Development Plan cover?",
    ],
)
def test_figures_of_the_real_corpus_about_other_things_are_no_conflict(real_service, question):
    assert real_service.ask(question, answerer="rules").conflicts == []
