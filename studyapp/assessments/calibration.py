"""How well predicted chances matched what happened: reliability in deciles, Brier score, log loss.

Pure: pairs of (predicted probability, what happened) in, figures out. A prediction is calibrated
when, among the events given a chance near p, a share near p happened; each decile of the table
says how far its observed share is from its mean prediction, in standard errors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DECILES = 10
# Log loss of a prediction of exactly 0 or 1 that turned out wrong is infinite: predictions are
# clipped to [EPSILON, 1 - EPSILON] for it (as scikit-learn does), nowhere else.
EPSILON = 1e-6
# A decile is flagged when its observed share is further than this many standard errors from its
# mean prediction (about 1 in 20 deciles by chance alone, when the predictions are calibrated).
FLAG_AT = 2.0


@dataclass(frozen=True)
class Bin:
    """One decile of predicted probability: [low, high)."""

    low: float
    high: float
    count: int
    mean_predicted: float | None
    observed: float | None
    standard_error: float | None  # of the observed share, if the predictions were right

    @property
    def happened(self) -> int:
        """How many of the bin's events happened."""
        return round((self.observed or 0.0) * self.count)

    @property
    def deviation(self) -> float | None:
        """How many standard errors the observed share is from the mean prediction."""
        if self.count == 0 or self.observed is None or self.mean_predicted is None:
            return None
        if not self.standard_error:
            return 0.0 if self.observed == self.mean_predicted else math.inf
        return (self.observed - self.mean_predicted) / self.standard_error

    @property
    def is_off(self) -> bool:
        deviation = self.deviation
        return deviation is not None and abs(deviation) > FLAG_AT


@dataclass(frozen=True)
class Calibration:
    """Predicted against actual over `count` events."""

    count: int
    bins: tuple[Bin, ...]
    brier: float | None
    log_loss: float | None
    mean_predicted: float | None
    observed: float | None
    # The Brier score of always predicting the observed share: a skill baseline.
    reference_brier: float | None
    # Spiegelhalter's z: about standard normal when the predictions are calibrated.
    z: float | None


def calibration(pairs: Iterable[tuple[float, bool]]) -> Calibration:
    """Return the reliability table, Brier score and log loss of (predicted, happened) pairs."""
    pairs = [(min(1.0, max(0.0, float(p))), bool(y)) for p, y in pairs]
    count = len(pairs)
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(DECILES)]
    for p, y in pairs:
        grouped[min(DECILES - 1, int(p * DECILES))].append((p, y))
    bins = []
    for index, group in enumerate(grouped):
        n = len(group)
        bins.append(
            Bin(
                low=index / DECILES,
                high=(index + 1) / DECILES,
                count=n,
                mean_predicted=math.fsum(p for p, _ in group) / n if n else None,
                observed=sum(y for _, y in group) / n if n else None,
                standard_error=math.sqrt(math.fsum(p * (1 - p) for p, _ in group)) / n
                if n
                else None,
            )
        )
    if not count:
        return Calibration(0, tuple(bins), None, None, None, None, None, None)
    brier = math.fsum((p - y) ** 2 for p, y in pairs) / count
    log_loss = -math.fsum(_log_likelihood(p, y) for p, y in pairs) / count
    observed = sum(y for _, y in pairs) / count
    variance = math.fsum((1 - 2 * p) ** 2 * p * (1 - p) for p, _ in pairs)
    z = (
        math.fsum((y - p) * (1 - 2 * p) for p, y in pairs) / math.sqrt(variance)
        if variance > 0
        else None
    )
    return Calibration(
        count=count,
        bins=tuple(bins),
        brier=brier,
        log_loss=log_loss,
        mean_predicted=math.fsum(p for p, _ in pairs) / count,
        observed=observed,
        reference_brier=observed * (1 - observed),
        z=z,
    )


def _log_likelihood(p: float, happened: bool) -> float:
    p = min(1 - EPSILON, max(EPSILON, p))
    return math.log(p if happened else 1 - p)


def table_lines(result: Calibration, label: str) -> list[str]:
    """Return the reliability table and scores as plain text lines (for the command)."""
    lines = [f"{label}: {result.count} predictions"]
    if not result.count:
        return [*lines, "  none yet"]
    lines.append("  predicted     n   mean predicted   observed   (observed - predicted) / SE")
    for row in result.bins:
        if not row.count:
            lines.append(f"  {row.low:.1f}-{row.high:.1f}  {0:>5}")
            continue
        flag = "  off" if row.is_off else ""
        lines.append(
            f"  {row.low:.1f}-{row.high:.1f}  {row.count:>5}   {row.mean_predicted:>14.3f}"
            f"   {row.observed:>8.3f}   {row.deviation:>+8.2f}{flag}"
        )
    z = "n/a" if result.z is None else f"{result.z:+.2f}"
    lines.append(
        f"  Brier score {result.brier:.4f} (always predicting the observed share "
        f"{result.observed:.3f}: {result.reference_brier:.4f}) · log loss {result.log_loss:.4f}"
        f" · mean predicted {result.mean_predicted:.3f} · Spiegelhalter z {z}"
    )
    return lines
