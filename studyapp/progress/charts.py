"""Geometry of the server-rendered SVG charts. Pure functions: numbers in, shapes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CELL = 12  # heatmap cell size with its gap, in SVG units
LEVELS = (0, 1, 5, 10, 20)  # reviews per day at which the heatmap gets darker
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    day: date
    count: int
    level: int

    @property
    def label(self) -> str:
        """Return the cell's tooltip, e.g. "Mon 15 Jun 2026: 12 reviews"."""
        return f"{day_label(self.day)}: {self.count} review{'' if self.count == 1 else 's'}"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def day_label(day: date) -> str:
    """Return a day as "Mon 15 Jun 2026" (English, whatever the machine's locale)."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def level(count: int) -> int:
    """Return the shade (0-4) of a day with `count` reviews."""
    return max(i for i, threshold in enumerate(LEVELS) if count >= threshold)


def heatmap(counts: dict[date, int], today: date, days: int = 365) -> list[HeatCell]:
    """Return one cell per day, weeks as columns (Monday on top), ending with today."""
    first = today - timedelta(days=days - 1)
    start_column = first - timedelta(days=first.weekday())
    cells = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        column = (day - start_column).days // 7
        count = counts.get(day, 0)
        cells.append(HeatCell(column * CELL, day.weekday() * CELL, day, count, level(count)))
    return cells


def bars(values: list[tuple[date, int]], *, width: float, height: float) -> list[Bar]:
    """Return vertical bars filling width x height, scaled to the largest value."""
    if not values:
        return []
    top = max(value for _, value in values) or 1
    step = width / len(values)
    return [
        Bar(
            x=round(i * step + 1, 2),
            y=round(height - height * value / top, 2),
            width=round(max(step - 2, 1), 2),
            height=round(height * value / top, 2),
            label=day.isoformat(),
            value=value,
        )
        for i, (day, value) in enumerate(values)
    ]
