"""What a question asks for."""

from __future__ import annotations

import pytest

from qa_service.answering.question_types import classify


@pytest.mark.parametrize(
    "question, expected",
    [
        ("How much did the ministry pay each team per year?", "money"),
        ("What was the total budget of the harbour plan?", "money"),
        ("How many firms joined the network?", "count"),
        ("What share of the grant went to salaries?", "percent"),
        ("How large is the science park?", "area"),
        ("What is the population of the city?", "population"),
        ("When did the agency open?", "date"),
        ("In what year was the plan revised?", "date"),
        ("Which ministry ran the scheme?", "entity"),
        ("Who designed the cluster plan?", "entity"),
        ("Why did the pilot program stall?", "explanation"),
        ("What went wrong with the reporting rules?", "explanation"),
        # the question's form decides before the figures it mentions
        ("Where were firms moving their investment?", "entity"),
        ("Which unit of the budget office wrote the evaluation?", "entity"),
        ("On what date did the budget office publish its review?", "date"),
        ("Which years did the first funding plan cover?", "date"),
        ("Could a university in the capital region get a grant?", "explanation"),
        ("What was the thinking behind the funding rule?", "explanation"),
        ("예산은 얼마였나?", "money"),
        ("왜 실패했나?", "explanation"),
    ],
)
def test_answer_type(question, expected):
    assert classify(question).answer_type == expected


def test_entity_hint_and_per_year():
    assert classify("Which ministry ran the scheme?").entity_type == "ministry"
    assert classify("Which agency managed it?").entity_type == "agency"
    assert classify("How much was given per year?").per_year
    assert not classify("How much was given in total?").per_year
    assert classify("대전의 인구는?").korean


def test_the_first_hint_word_names_what_is_asked():
    assert classify("Which institution ran the program for the ministry?").entity_type == "agency"
    assert classify("Which ministry ran the program through an agency?").entity_type == "ministry"


def test_a_what_or_which_noun_names_the_kind_of_answer():
    movement = classify("What movement did the government launch to modernise farming?")
    assert (movement.answer_type, movement.entity_type, movement.head) == ("entity", None, "movement")
    # The head noun decides, not a hint word inside a quoted name further on.
    source = classify("What source was the 'Programs by Ministries' table based on?")
    assert (source.entity_type, source.head) == (None, "source")
    assert classify("Which ministries funded the scheme?").entity_type == "ministry"
    assert classify("What is the aim of the plan?").head is None  # "is" is no noun
    assert classify("What kind of relationship did the strategy aim for?").head == "relationship"


def test_durations_and_the_preposition_of_the_date_asked_for():
    assert classify("How much time did the teams have to spend their grants?").duration
    assert classify("How many months did the review take?").duration
    long = classify("How long did a pilot team have money in hand each year?")
    assert long.duration and long.answer_type == "count"  # a length of time, like "how much time"
    assert not classify("How many teams were selected?").duration
    assert classify("Since what year have governors been elected?").preposition == "since"
    assert classify("Until when did the plan run?").preposition == "until"
    assert classify("When did the plan start?").preposition is None


def test_a_type_no_rule_gave_is_marked_as_a_guess():
    assert classify("What was the original target?").fallback
    assert not classify("How many firms joined?").fallback
