"""Reciprocal rank fusion on a hand-computed example, and its argument checks."""

from __future__ import annotations

import pytest

from qa_service.retrieval.fusion import rrf

DENSE = ["a", "b", "c"]
LEXICAL = ["b", "c", "d"]


def test_hand_computed_scores_and_order():
    fused = rrf([DENSE, LEXICAL], k=1)
    # a: 1/2; b: 1/3 + 1/2; c: 1/4 + 1/3; d: 1/4
    assert list(fused) == ["b", "c", "a", "d"]
    assert fused == pytest.approx({"a": 1 / 2, "b": 1 / 3 + 1 / 2, "c": 1 / 4 + 1 / 3, "d": 1 / 4})


def test_default_k_is_60():
    fused = rrf([DENSE, LEXICAL])
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["d"] == pytest.approx(1 / 63)


def test_weights_scale_each_ranking():
    fused = rrf([DENSE, LEXICAL], k=1, weights=[2.0, 1.0])
    # a: 2/2; b: 2/3 + 1/2; c: 2/4 + 1/3; d: 1/4
    assert list(fused) == ["b", "a", "c", "d"]
    assert fused["a"] == pytest.approx(1.0)
    assert fused["b"] == pytest.approx(2 / 3 + 1 / 2)


def test_a_larger_k_flattens_the_differences():
    small, large = rrf([DENSE], k=1), rrf([DENSE], k=1000)
    assert small["a"] / small["c"] > large["a"] / large["c"] > 1


def test_any_hashable_items_and_empty_input():
    assert list(rrf([[3, 1], [1]], k=1)) == [1, 3]
    assert rrf([]) == {}
    assert rrf([[], []]) == {}


@pytest.mark.parametrize("k", [0, -5])
def test_k_below_one_is_refused(k):
    with pytest.raises(ValueError, match=f"k must be >= 1, got {k}"):
        rrf([DENSE], k=k)


def test_weights_must_match_the_rankings():
    with pytest.raises(ValueError, match="1 weights for 2 rankings"):
        rrf([DENSE, LEXICAL], weights=[1.0])
