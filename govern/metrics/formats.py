"""Exact ratios and their serialisation. Pure: no Flask, no database.

A **rate** is an unreduced pair of counts, serialised ``{"numerator": n, "denominator": d, "value": "0.5333"}``
(``value`` = n/d rounded half-up to 4 decimals), or ``null`` when ``d`` is 0. **Days** and **scores** are exact
``Fraction``s serialised as decimal strings rounded half-up (2 decimals), or ``null``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from govern.formats import VALUE_PLACES, decimal_string

__all__ = ["RATE_PLACES", "VALUE_PLACES", "Rate", "decimal_string", "mean", "percentile_nearest_rank"]

RATE_PLACES = 4


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def fraction(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    @property
    def percent(self) -> str | None:
        """For display: "53.3%"."""
        f = self.fraction
        return None if f is None else f"{decimal_string(f * 100, 1)}%"

    def json(self) -> dict | None:
        if not self.denominator:
            return None
        return {"numerator": self.numerator, "denominator": self.denominator,
                "value": decimal_string(self.fraction, RATE_PLACES)}


def percentile_nearest_rank(values: list[Fraction], pct: int) -> Fraction | None:
    """The nearest-rank percentile: the smallest value with at least ``pct``% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = -(-pct * len(ordered) // 100)  # ceil(pct/100 · n), integers only
    return ordered[max(rank, 1) - 1]


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None
