"""The lexical analyzer and the BM25 index over a three-document toy corpus."""

from __future__ import annotations

import numpy as np
import pytest

from qa_service.index.lexical import LexicalIndex, analyze

TOY = [
    "The Daejeon science town hosts research institutes.",
    "Busan harbour handles container shipping.",
    "Universities in Daejeon employed 2,084 people in 1990.",
]


@pytest.mark.parametrize(
    "text, terms",
    [
        ("Clusters of universities were running", ["cluster", "universiti", "run"]),  # stems, no stop words
        ("How many employees are in the DSP?", ["employe", "dsp"]),  # question words are no search terms
        ("CLUSTER Cluster cluster", ["cluster"] * 3),  # case folded
        ("Korea's KAIST", ["korea", "kaist"]),
    ],
)
def test_analyze_words(text, terms):
    assert analyze(text) == terms


def test_analyze_numbers_are_kept_whole():
    assert analyze("2,084 and 1,200,000 then 3.2 or 5") == ["2084", "1200000", "3.2", "5"]
    assert analyze("2,084") == analyze("2084")


def test_analyze_drops_single_letters_but_not_digits():
    assert analyze("x y 7") == ["7"]


def test_analyze_hangul_words_and_their_bigrams():
    assert analyze("클러스터의 연구소") == ["클러스터의", "클러", "러스", "스터", "터의", "연구소", "연구", "구소"]
    # an inflected form shares bigrams with the bare word, so they can match
    assert set(analyze("클러스터")) & set(analyze("클러스터의")) == {"클러", "러스", "스터"}


def test_analyze_mixed_scripts_and_empty():
    assert analyze("RIS 지원사업 2005") == ["ris", "2005", "지원사업", "지원", "원사", "사업"]
    assert analyze("") == []
    assert analyze("the of and") == []


@pytest.fixture(scope="module")
def toy() -> LexicalIndex:
    return LexicalIndex.build(TOY)


def _ranking(index: LexicalIndex, query: str) -> list[int]:
    scores = index.scores(analyze(query))
    return [int(i) for i in np.argsort(-scores) if scores[i] > 0]


def test_ranking_on_the_toy_corpus(toy):
    assert _ranking(toy, "How many university employees in 1990?") == [2]
    assert _ranking(toy, "harbour containers") == [1]
    assert _ranking(toy, "2,084") == [2]
    assert sorted(_ranking(toy, "Daejeon")) == [0, 2]
    assert _ranking(toy, "Daejeon research institutes")[0] == 0


def test_unknown_terms_score_zero(toy):
    scores = toy.scores(analyze("zebra quantum"))
    assert scores.shape == (3,) and not scores.any()
    assert not toy.scores([]).any()


def test_idf_rarer_terms_weigh_more(toy):
    assert toy.idf("harbour") > toy.idf("daejeon") > 0
    assert toy.idf("zebra") == 0.0


def test_save_and_load_give_the_same_scores(toy, tmp_path):
    toy.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    for query in ("Daejeon research", "harbour", "2084 universities"):
        np.testing.assert_allclose(loaded.scores(analyze(query)), toy.scores(analyze(query)), rtol=1e-6)


def test_an_empty_text_is_indexed_without_error():
    index = LexicalIndex.build(["", "Some real words here."])
    assert _ranking(index, "real words") == [1]


def test_an_unknown_spelling_maps_to_the_closest_indexed_term():
    """Romanisations vary (Daedeok, Daedok): a close spelling finds the indexed term (rapidfuzz, >= 80%)."""
    index = LexicalIndex.build(["Daedeok Innopolis hosts the research institutes of the cluster."])
    assert index.closest("daedok") == "daedeok"
    assert index.closest("daedeok") == "daedeok"
    assert index.closest("dangjin") is None  # not close enough
    assert index.closest("dae") is None  # too short to guess


def test_the_one_stop_word_list():
    """Lexical analysis, name mining and answer matching share one list; "may" is a month, not a stop word."""
    from qa_service.evaluation import metrics
    from qa_service.text import aliases
    from qa_service.text.stopwords import STOPWORDS

    assert aliases.STOPWORDS is STOPWORDS and metrics.STOPWORDS is STOPWORDS
    assert analyze("How many firms were there within the complexes?") == ["firm", "complex"]
    assert "may" in analyze("launched in May 2005")
