"""Item analysis on a hand-computed example: facility and discrimination indexes."""

from __future__ import annotations

import pytest

from studyapp.assessments.analysis import (
    discrimination_index,
    facility_index,
    item_analysis,
    score_groups,
)

# Ten members, ranked by score. round(0.27 × 10) = 3 in each group:
# upper = m1 m2 m3, lower = m8 m9 m10.
SCORES = {"m1": 90, "m2": 85, "m3": 80, "m4": 70, "m5": 60,
          "m6": 55, "m7": 50, "m8": 40, "m9": 30, "m10": 20}  # fmt: skip
RIGHT, WRONG = True, False
RESULTS = {
    # Everyone got A; right: m1 m2 m3 m4 m5 m8 → facility 6/10 = 60%.
    # Upper 3/3 = 1, lower (m8 right, m9 m10 wrong) 1/3 → D = 2/3.
    "A": {"m1": RIGHT, "m2": RIGHT, "m3": RIGHT, "m4": RIGHT, "m5": RIGHT,
          "m6": WRONG, "m7": WRONG, "m8": RIGHT, "m9": WRONG, "m10": WRONG},
    # A random draw: only six got B; right: m2 m9 → 2/6 = 33.3%.
    # Upper members given it: m1 (wrong) m2 (right) → 1/2; lower: m9 (right) m10 (wrong) → 1/2.
    # D = 0.
    "B": {"m1": WRONG, "m2": RIGHT, "m4": WRONG, "m6": WRONG, "m9": RIGHT, "m10": WRONG},
    # Three got C, all right → 100%; nobody of the lower group got it → D undefined.
    "C": {"m3": RIGHT, "m5": RIGHT, "m7": RIGHT},
    # D is answered right by the weak members only: 4/10 = 40%; upper 0/3, lower 3/3 → D = -1.
    "D": {"m1": WRONG, "m2": WRONG, "m3": WRONG, "m4": WRONG, "m5": WRONG,
          "m6": WRONG, "m7": RIGHT, "m8": RIGHT, "m9": RIGHT, "m10": RIGHT},
}  # fmt: skip


def test_groups_are_the_top_and_bottom_27_percent():
    upper, lower = score_groups(SCORES)
    assert upper == {"m1", "m2", "m3"}
    assert lower == {"m8", "m9", "m10"}


def test_hand_computed_example():
    statistics = {s.question: s for s in item_analysis(SCORES, RESULTS)}
    assert statistics["A"].facility_index == pytest.approx(60.0)
    assert statistics["A"].discrimination_index == pytest.approx(2 / 3)
    assert statistics["B"].facility_index == pytest.approx(100 / 3)
    assert statistics["B"].discrimination_index == pytest.approx(0.0)
    assert statistics["C"].facility_index == pytest.approx(100.0)
    assert statistics["C"].discrimination_index is None
    assert statistics["D"].facility_index == pytest.approx(40.0)
    assert statistics["D"].discrimination_index == pytest.approx(-1.0)
    assert (statistics["B"].answered, statistics["B"].correct, statistics["B"].missed) == (6, 2, 4)


def test_most_missed_first():
    assert [s.question for s in item_analysis(SCORES, RESULTS)] == ["B", "D", "A", "C"]


@pytest.mark.parametrize(
    ("size", "group"),
    [(1, 0), (2, 1), (3, 1), (5, 1), (6, 2), (10, 3), (50, 14), (100, 27)],
)
def test_group_size(size, group):
    upper, lower = score_groups({f"m{i}": i for i in range(size)})
    assert len(upper) == len(lower) == group
    assert not upper & lower


def test_ties_at_the_edge_are_broken_by_member_and_stable():
    scores = {1: 50, 2: 50, 3: 50, 4: 50}
    assert score_groups(scores) == (frozenset({1}), frozenset({4}))
    assert score_groups(dict(reversed(scores.items()))) == (frozenset({1}), frozenset({4}))


@pytest.mark.parametrize(
    ("correct", "answered", "expected"), [(0, 0, None), (0, 4, 0.0), (3, 4, 75.0), (4, 4, 100.0)]
)
def test_facility_index(correct, answered, expected):
    assert facility_index(correct, answered) == expected


def test_discrimination_needs_someone_in_both_groups():
    upper, lower = frozenset({"a"}), frozenset({"z"})
    assert discrimination_index({"a": True}, upper, lower) is None
    assert discrimination_index({"a": True, "z": False}, upper, lower) == 1.0
    assert discrimination_index({}, frozenset(), frozenset()) is None
