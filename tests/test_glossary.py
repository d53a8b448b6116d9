"""The English of a Korean question's words (qa_service.text.glossary): what lets it reach English text."""

from __future__ import annotations

import numpy as np

from qa_service.answering.analysis import analyse
from qa_service.text.glossary import KO_EN, english_for, with_english


def test_the_longest_korean_word_is_read_first_and_each_english_once():
    assert english_for("2020년 말까지 설립된 연구소기업은 모두 몇 개인가?") == (
        "established founded research institute enterprises"
    )  # "연구소기업" is one word, not "연구소" and "기업"
    assert english_for("기업과 기업") == "companies firms"


def test_text_without_hangul_is_left_as_it_is():
    question = "How many companies do Korea's 30 industrial complexes host?"
    assert english_for(question) == "" and with_english(question) == question


def test_every_entry_is_a_korean_word_with_english():
    assert len(KO_EN) > 100
    for korean, english in KO_EN.items():
        assert all("\uac00" <= ch <= "\ud7a3" for ch in korean), korean
        assert english and english.isascii(), korean


def test_a_korean_questions_terms_include_the_english_of_its_words():
    a = analyse("2020년 혁신도시 시즌2 사업 예산은 얼마인가?")
    assert {"budget", "innov", "citi", "예산"} <= a.terms  # the English stems beside the Korean words


def test_a_korean_query_vector_lies_between_the_korean_and_its_english(fixture_service):
    retriever = fixture_service.retriever
    korean = "사업단 예산은 얼마인가?"
    own = retriever.embed_query(retriever.index.aliases.expand(korean))
    english = retriever.embed_query(retriever.index.aliases.expand(with_english(korean)))
    both = retriever.query_vector(korean)
    assert np.isclose(np.linalg.norm(both), 1.0, atol=1e-5)
    assert both @ own > own @ english and both @ english > own @ english
    question = "How much was each project team's budget?"  # English: one embedding, as before
    assert np.allclose(
        retriever.query_vector(question), retriever.embed_query(retriever.index.aliases.expand(question))
    )
    assert "budget" in retriever.query_terms(korean)
