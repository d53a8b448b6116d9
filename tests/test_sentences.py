"""sentence_spans: boundaries, abbreviations, decimals, initials, Korean, exact offsets."""

from __future__ import annotations

import time
from itertools import pairwise

import pytest

from qa_service.text.sentences import sentence_spans


def sentences(text: str, *window: int) -> list[str]:
    spans = sentence_spans(text, *window)
    return [text[s:e] for s, e in spans]


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "See e.g. Seoul and Busan. Then Dr. Kim spoke. The U.S. Army left.",
            ["See e.g. Seoul and Busan.", "Then Dr. Kim spoke.", "The U.S. Army left."],
        ),
        (
            "Approx. 30 firms joined vs. 20 before, i.e. more. Fig. 3 shows it.",
            ["Approx. 30 firms joined vs. 20 before, i.e. more.", "Fig. 3 shows it."],
        ),
        (
            "It cost 3.2 million dollars. In 2005, 48 projects were chosen.",
            ["It cost 3.2 million dollars.", "In 2005, 48 projects were chosen."],
        ),
        (
            "As H.-J. Braczyk and D. H. Shin argue, clusters matter. Next one.",
            ["As H.-J. Braczyk and D. H. Shin argue, clusters matter.", "Next one."],
        ),
        (
            "지역혁신 정책은 2004년에 시작되었다. 그러나 성과는 미미했다. 결론이다.",
            ["지역혁신 정책은 2004년에 시작되었다.", "그러나 성과는 미미했다.", "결론이다."],
        ),
        (
            "Growth was 35%. (See Table 2.) It rose again! Really? Yes.",
            ["Growth was 35%.", "(See Table 2.)", "It rose again!", "Really?", "Yes."],
        ),
        ('He said "stop." Then left.', ['He said "stop."', "Then left."]),
        ("It began in 2003. KICOX came next.", ["It began in 2003.", "KICOX came next."]),
    ],
)
def test_boundaries(text, expected):
    assert sentences(text) == expected


def test_lower_case_after_a_period_is_no_boundary():
    assert sentences("The rate fell to approx. three percent. next is lower.") == [
        "The rate fell to approx. three percent. next is lower."
    ]


def test_a_line_break_always_ends_a_sentence():
    assert sentences("A heading without a stop\nThe body sentence.\n\nAnother paragraph") == [
        "A heading without a stop",
        "The body sentence.",
        "Another paragraph",
    ]


def test_spans_are_stripped_and_exact():
    text = "  Padded sentence.   Second one.  \n\t Third. "
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Padded sentence.", "Second one.", "Third."]
    for s, e in spans:
        assert not text[s].isspace() and not text[e - 1].isspace()


def test_window_offsets_refer_to_the_whole_text():
    text = "Alpha one. Beta two. Gamma three."
    start = text.index("Beta")
    spans = sentence_spans(text, start, text.index("Gamma"))
    assert spans == [(start, start + len("Beta two."))]


def test_empty_and_blank_text_has_no_sentences():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\n \t") == []


def test_spans_are_ordered_and_disjoint_on_a_long_text():
    text = " ".join(f"Sentence number {i} ends here." for i in range(50))
    spans = sentence_spans(text)
    assert len(spans) == 50
    assert all(e1 <= s2 for (_s1, e1), (s2, _e2) in pairwise(spans))


def test_long_text_is_split_in_linear_time():
    # Each "Dr." makes the splitter look back at the word before the dot; that look-back must stay local
    # (it once scanned the whole text before the dot, so a 1 MB document took minutes).
    text = "Dr. Kim met Prof. Lee on the 3rd. They agreed. " * 8000  # ~380,000 characters
    started = time.perf_counter()
    spans = sentence_spans(text)
    assert time.perf_counter() - started < 2.0
    assert len(spans) == 16000


def test_a_facts_context_is_the_sentence_the_splitter_finds():
    """One sentence splitter: the context shown beside a fact is the sentence that sentence_spans cuts."""
    from qa_service.facts.base import context_around

    text = (
        "The first plan (for 1972-81) was prepared in 1968-71. While the Ministry ran the process, others wrote it.\n"
        "Operate 30 industrial complexes - total size : 265,960,000 sq. meter"
    )
    spans = sentence_spans(text)
    for needle in ("1968-71", "Ministry", "265,960,000"):
        start = text.index(needle)
        s, e = next((s, e) for s, e in spans if s <= start < e)
        assert context_around(text, start, start + len(needle)) == text[s:e]
    assert context_around(text, text.index("265"), text.index("265") + 11).endswith("sq. meter")
