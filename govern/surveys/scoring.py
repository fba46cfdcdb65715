"""SERVQUAL scores as exact fractions (no Flask, no database): gap = perception − expectation.

For a dimension, the expectation (perception) score is the mean of every answer to its items, over every
response; its gap is perception − expectation. The overall gap is the unweighted mean of the dimension gaps
that have answers (the standard unweighted SERVQUAL score).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    answers: int
    expectation: Fraction | None
    perception: Fraction | None

    @property
    def gap(self) -> Fraction | None:
        if self.expectation is None or self.perception is None:
            return None
        return self.perception - self.expectation


@dataclass(frozen=True)
class Scores:
    responses: int
    dimensions: tuple[DimensionScore, ...]

    @property
    def overall_gap(self) -> Fraction | None:
        gaps = [d.gap for d in self.dimensions if d.gap is not None]
        return sum(gaps, Fraction(0)) / len(gaps) if gaps else None


def score(dimensions: Iterable[str], answers: Iterable[tuple[str, int, int]], responses: int) -> Scores:
    """``answers``: (dimension, expectation, perception) per answered item."""
    sums: dict[str, list[int]] = {}
    for dim, e, p in answers:
        s = sums.setdefault(dim, [0, 0, 0])
        s[0] += 1
        s[1] += e
        s[2] += p
    out = []
    for dim in dimensions:
        n, e, p = sums.get(dim, (0, 0, 0))
        out.append(DimensionScore(dim, n, Fraction(e, n) if n else None, Fraction(p, n) if n else None))
    return Scores(responses, tuple(out))
