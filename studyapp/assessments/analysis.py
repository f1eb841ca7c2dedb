"""Item analysis of an assessment: how hard each question was and how well it separates. Pure.

facility index
    the percentage of members who got the question right, among those who were given it (an
    unanswered question counts as not right).
discrimination index
    D = p(upper) - p(lower): members are ranked by score and the top and bottom 27% form the
    upper and lower groups; p is the proportion of a group's members given the question who got
    it right. From -1 to 1: high when strong members get it right and weak ones do not.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass

GROUP_FRACTION = 0.27


@dataclass(frozen=True)
class ItemStatistics:
    question: Hashable
    asked: int  # members given the question
    answered: int  # of them, those who gave an answer
    correct: int
    facility_index: float | None
    discrimination_index: float | None

    @property
    def missed(self) -> int:
        """Members given the question who did not get it right (wrong or unanswered)."""
        return self.asked - self.correct

    @property
    def unanswered(self) -> int:
        return self.asked - self.answered


def facility_index(correct: int, answered: int) -> float | None:
    """Return the percentage right, or None when nobody was given the question."""
    if answered <= 0:
        return None
    return 100.0 * correct / answered


def score_groups(
    scores: Mapping[Hashable, float], fraction: float = GROUP_FRACTION
) -> tuple[frozenset, frozenset]:
    """Return the (upper, lower) groups: the top and bottom `fraction` of members by score.

    Each group holds round(fraction × members) members, at least one and never more than half,
    so the groups do not overlap; none with fewer than two members. Ties at a group's edge are
    broken by the member key, so the result is stable.
    """
    size = len(scores)
    if size < 2:
        return frozenset(), frozenset()
    group = min(max(1, round(fraction * size)), size // 2)
    ranked = sorted(scores, key=lambda member: (-scores[member], member))
    return frozenset(ranked[:group]), frozenset(ranked[-group:])


def _proportion(results: Mapping[Hashable, bool], group: frozenset) -> float | None:
    given = [results[member] for member in group if member in results]
    if not given:
        return None
    return sum(given) / len(given)


def discrimination_index(
    results: Mapping[Hashable, bool], upper: frozenset, lower: frozenset
) -> float | None:
    """Return p(upper) - p(lower) for one question (`results`: member → right), or None when a
    group has nobody who was given the question."""
    high, low = _proportion(results, upper), _proportion(results, lower)
    if high is None or low is None:
        return None
    return high - low


def item_analysis(
    scores: Mapping[Hashable, float],
    results: Mapping[Hashable, Mapping[Hashable, bool]],
    fraction: float = GROUP_FRACTION,
    answered: Mapping[Hashable, Collection[Hashable]] | None = None,
) -> list[ItemStatistics]:
    """Return the statistics of every question, the most missed first.

    `scores`: member → score; `results`: question → {member → answered right}; `answered`:
    question → the members who gave an answer (default: everyone given it).
    """
    upper, lower = score_groups(scores, fraction)
    statistics = []
    for question, by_member in results.items():
        correct = sum(1 for right in by_member.values() if right)
        gave = (
            len(by_member)
            if answered is None
            else sum(1 for member in answered.get(question, ()) if member in by_member)
        )
        statistics.append(
            ItemStatistics(
                question=question,
                asked=len(by_member),
                answered=gave,
                correct=correct,
                facility_index=facility_index(correct, len(by_member)),
                discrimination_index=discrimination_index(by_member, upper, lower),
            )
        )
    return sorted(
        statistics,
        key=lambda s: (
            s.facility_index is None,
            s.facility_index if s.facility_index is not None else 0.0,
            -s.missed,
            str(s.question),
        ),
    )
