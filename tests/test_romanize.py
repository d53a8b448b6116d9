"""Korean names in Latin letters (qa_service.text.romanize), and English questions that reach Korean documents."""

from __future__ import annotations

import pytest

from qa_service.index.lexical import analyze
from qa_service.text.glossary import searchable
from qa_service.text.romanize import romanize, romanized_names

# Examples from the Revised Romanization of Korean (2000) and the official English names of places.
OFFICIAL = {
    "신라": "silla", "종로": "jongno", "백마": "baengma", "대관령": "daegwallyeong", "속리산": "songnisan",
    "울릉": "ulleung", "설날": "seollal", "학교": "hakgyo", "독립": "dongnip", "협력": "hyeomnyeok",
    "한국어": "hangugeo", "영월": "yeongwol", "김해": "gimhae", "대덕": "daedeok", "판교": "pangyo",
    "포항": "pohang", "경기": "gyeonggi", "용인": "yongin", "새만금": "saemangeum", "평택": "pyeongtaek",
    "익산": "iksan", "충북": "chungbuk", "광양": "gwangyang", "한국토지주택공사": "hanguktojijutaekgongsa",
}  # fmt: skip


@pytest.mark.parametrize(("korean", "latin"), OFFICIAL.items())
def test_words_are_spelled_as_the_revised_romanization_spells_them(korean, latin):
    assert romanize(korean) == latin


def test_a_names_spelling_is_found_whatever_particle_or_compound_follows_it():
    names = romanized_names("포항테크노파크에서 경기도 남사읍 2023년").split()
    assert {"pohang", "gyeonggi", "gyeonggido", "namsa"} <= set(names)
    assert len(names) == len(set(names)) and romanized_names("Pohang, 2023") == ""


def test_korean_text_is_read_with_its_english_and_its_names_in_latin():
    text = "포항은 2023. 7. 20. 이차전지 특화단지로 지정되었다. 민간투자 12조 원"
    terms = set(analyze(searchable(text)))
    # an English question's stems: the place, "designated", "investment", "complex"
    assert {"pohang", "design", "invest", "complex"} <= terms and "포항은" in terms
    english = "How many firms moved to Pohang?"
    assert searchable(english) == english  # English text is indexed as before


def test_an_english_question_retrieves_the_korean_document_it_is_about(tmp_path):
    from qa_service.service import QAService

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pohang.txt").write_text(
        "포항 이차전지 특화단지 육성계획\n\n포항은 2023. 7. 20. 이차전지 국가첨단전략산업 특화단지로 지정되었다. "
        "입주 기업들은 2027년까지 총 12조 1,000억 원의 민간투자를 계획하고 있다.\n",
        encoding="utf-8",
    )
    (corpus / "ulsan.txt").write_text(
        "Ulsan hydrogen cluster\n\nUlsan was designated a regulation-free zone for hydrogen mobility in 2019. "
        "Private investment in the Ulsan cluster reached KRW 120 billion by 2022, mostly in refuelling stations.\n",
        encoding="utf-8",
    )
    svc = QAService.from_folder(corpus, tmp_path / "index", embedder="hash", chunk_words=60)
    question = "How much private investment do firms in the Pohang battery cluster plan to make?"
    # the lexical side (the hashing embedder's vectors mean nothing): "Pohang" (as 포항), "private", "investment",
    # "firms", "battery" and "plan" reach the Korean text, only "private investment" and "cluster" the English
    assert [h.doc_id for h in svc.search(question, k=2, mode="bm25").hits] == ["pohang", "ulsan"]
    # the question's names in Hangul, as the index holds them (a word and its two-syllable openings)
    assert svc.retriever.korean_spellings(question) == ["포항"]
    assert svc.retriever.korean_spellings("how much private investment?") == []
    # The English-only dense model never places the Korean chunk near the question: in full mode its BM25 rank
    # votes again in the dense list's stead, and the Korean document leads.
    lexical = [c for c, _ in svc.retriever.lexical(svc.retriever.query_terms(question), None, 10)]
    korean = [c for c in lexical if svc.index.chunks[c].doc_id == "pohang"]
    assert korean and svc.retriever.other_script(question, lexical) == korean
    assert svc.retriever.other_script("포항의 민간투자는 얼마인가?", lexical) == []  # a Korean question: none
    assert svc.search(question, k=2, mode="full").hits[0].doc_id == "pohang"
