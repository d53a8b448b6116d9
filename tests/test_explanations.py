"""Explanations read as prose, or as a heading with its list."""

from __future__ import annotations

from qa_service.answering.explanations import joined


def test_sentences_are_joined_by_a_space():
    assert joined(["The plan failed.", "Funds came late."]) == "The plan failed. Funds came late."


def test_a_heading_and_its_list_items_read_as_a_list():
    pieces = ["At the local level", "Lack of coordination", "Poor ethics", "Weak sub-teams"]
    assert joined(pieces) == "At the local level: Lack of coordination; Poor ethics; Weak sub-teams"


def test_two_bare_items_are_a_list_not_a_heading():
    assert joined(["Too many programs", "Too much investment"]) == "Too many programs; Too much investment"
