"""Cleaning of extracted text: rejoined sentences, dropped furniture, tab rows, page spans, Korean intact."""

from __future__ import annotations

import pytest

from qa_service.ingest.cleaning import clean_pages, normalise


def clean(*pages: str) -> str:
    return clean_pages(list(pages))[0]


def test_sentence_split_across_blank_lines_is_rejoined():
    assert clean("The growth was\n\nalso seen in rural areas.") == "The growth was also seen in rural areas."


def test_sentence_split_across_a_page_break_is_rejoined_and_pages_point_into_it():
    text, pages = clean_pages(["Intro ends here.\nThe growth was", "also seen in rural areas."])
    assert text == "Intro ends here.\nThe growth was also seen in rural areas."
    assert [p.number for p in pages] == [1, 2]
    assert text[pages[0].start : pages[0].end].rstrip() == "Intro ends here.\nThe growth was"
    assert text[pages[1].start : pages[1].end] == "also seen in rural areas."
    assert pages[0].end == pages[1].start  # the spans tile the text
    assert pages[1].end == len(text)


def test_finished_sentences_and_list_items_are_not_joined():
    text = clean("The first point is made.\nThe second one follows.\n\n1) an item\n2) another item")
    assert text.split("\n") == [
        "The first point is made.",
        "The second one follows.",
        "",
        "1) an item",
        "2) another item",
    ]


@pytest.mark.parametrize(
    "prev, nxt",
    [
        ("the ministries of", "Science and Industry ran it."),  # ends on a connector
        ("money went to universities,", "Research Institutes and firms."),  # ends on a comma
    ],
)
def test_an_open_line_end_carries_on_into_a_capitalised_line(prev, nxt):
    assert clean(f"{prev}\n\n{nxt}") == f"{prev} {nxt}"


def test_hyphenated_line_end_is_mended():
    assert clean("The regional econ-\nomy grew fast.") == "The regional economy grew fast."


@pytest.mark.parametrize("furniture", ["12", "- 12 -", "Page 3 of 10", "3/10", "٤", "|", "•", "* * *"])
def test_page_numbers_and_stray_glyphs_between_paragraphs_are_dropped(furniture):
    text = clean(f"First paragraph ends.\n\n{furniture}\n\nSecond paragraph starts.")
    assert text.replace("\n", " ").split() == ["First", "paragraph", "ends.", "Second", "paragraph", "starts."]


def test_page_number_at_the_foot_of_each_pdf_page_is_dropped():
    pages = [f"Body text of page {n} is here.\nMore words on page {n}.\n{n}" for n in (1, 2)]
    text = clean(*pages)
    assert (
        text
        == "Body text of page 1 is here.\nMore words on page 1.\n\nBody text of page 2 is here.\nMore words on page 2."
    )


def test_a_bare_number_inside_a_paragraph_is_content_not_a_page_number():
    page = "Opening line one.\nOpening line two.\nKey years:\n2004\nTwelve parks were built.\nClosing line.\n7"
    text = clean(page)
    assert "\n2004\n" in text
    assert not text.endswith("7")


def test_running_headers_and_footers_repeated_on_most_pages_are_dropped():
    bodies = ["Apples grow in the north.", "Pears grow in the south.", "Plums need rain.", "Figs need sun."]
    pages = [
        f"Journal of Cluster Studies, Vol. 9\n{body}\nA second body line.\nA third body line.\nKim: Clusters {n}"
        for n, body in enumerate(bodies, start=1)
    ]
    text = clean(*pages)
    assert "Journal of Cluster Studies" not in text
    assert "Kim: Clusters" not in text  # the page number in it does not hide the repetition
    for body in bodies:
        assert body in text


def test_a_heading_on_only_two_pages_is_not_taken_for_a_running_header():
    pages = ["Results\nFirst page body.", "Results\nSecond page body.", "Other\nThird page body."]
    assert clean(*pages).count("Results") == 2


def test_whitespace_invisible_characters_and_line_ends_are_normalised():
    raw = "The  quick\u00a0brown\u200b fox.\r\nIt jumps   over\u3000the dog.\rEnd."
    assert clean(raw) == "The quick brown fox.\nIt jumps over the dog.\nEnd."


def test_normalise_keeps_korean_and_composes_decomposed_hangul():
    assert normalise("\u1100\u1161\u11a8") == "각"  # NFD jamo -> one syllable
    assert normalise("fi\ufb01 \\$5") == "fifi $5"  # ligature and markdown escape


def test_korean_text_is_kept_intact():
    korean = "지역 혁신 클러스터 정책은 2004년에 시작되었다.\n대전은 과학도시이다. (대덕연구단지)"
    assert clean(korean) == korean


def test_column_aligned_block_becomes_tab_rows():
    raw = "Employees\n\nYear       1990     2000\nUniversities    2,084    2,423\nTotal    6,782    9,271\n\nAfter."
    text = clean(raw)
    assert "Year\t1990\t2000\nUniversities\t2,084\t2,423\nTotal\t6,782\t9,271" in text
    assert text.endswith("\n\nAfter.")


def test_a_single_line_with_wide_spaces_is_not_a_table():
    text = clean("A sentence with   a wide gap inside it.")
    assert "\t" not in text
    assert text == "A sentence with a wide gap inside it."


def test_tab_rows_keep_a_leading_empty_cell_and_drop_trailing_ones():
    text = clean("Head\tA\tB\t\t\n\tx\ty\n")
    assert text == "Head\tA\tB\n\tx\ty"


def test_bullets_become_dashes():
    assert clean("• first point\n● second point") == "- first point\n- second point"


def test_wide_gap_is_kept_as_two_blank_lines_and_smaller_gaps_as_one():
    assert clean("Slide Title\n\n\n\n\nBody of slide.") == "Slide Title\n\n\nBody of slide."
    assert clean("Para one ends.\n\nPara two.") == "Para one ends.\n\nPara two."


def test_page_spans_cover_every_page_even_empty_ones():
    text, pages = clean_pages(["First page text.", "", "Third page text."])
    assert [p.number for p in pages] == [1, 2, 3]
    assert text[pages[0].start : pages[0].end].strip() == "First page text."
    assert pages[1].start == pages[1].end == pages[2].start  # an empty page is an empty span
    assert text[pages[2].start : pages[2].end] == "Third page text."
    assert pages[0].start == 0 and pages[2].end == len(text)
