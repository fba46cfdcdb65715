"""Benchmark: build the persons of a 100,000-unit community and tally one motion, in-process.

Deterministic (seeded). About 70,000 persons: most own one unit, many own two to four,
some units are co-owned, 2% are developer-held. Prints figures; asserts nothing.
Run: ``.venv/bin/python bench/tally.py``. Target: the tally under 0.2 s.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govern.core.persons import build_persons  # noqa: E402
from govern.core.register import UnitRecord, UnitStatus  # noqa: E402
from govern.core.rules import Choice, Matter, Vote, tally  # noqa: E402

UNITS = 100_000
SEED = 20250301
RUNS = 7


def make_community(rng: random.Random) -> list[UnitRecord]:
    units: list[UnitRecord] = []
    owner = 0
    i = 0
    while i < UNITS:
        if rng.random() < 0.02:
            status = UnitStatus.UNSOLD if rng.random() < 0.7 else UnitStatus.SOLD_UNDELIVERED
            owners: tuple[str, ...] = ()
            n_units = 1
        else:
            status = UnitStatus.DELIVERED
            owner += 1
            owners = (f"o{owner:06d}",)
            if rng.random() < 0.15:  # co-owned (spouses)
                owner += 1
                owners = tuple(sorted((*owners, f"o{owner:06d}")))
            n_units = rng.choices((1, 2, 3, 4), weights=(74, 16, 6, 4))[0]
        for _ in range(min(n_units, UNITS - i)):
            units.append(
                UnitRecord(
                    unit=f"{i // 1000 + 1}-{i % 1000:03d}",
                    building=str(i // 1000 + 1),
                    area=rng.randint(3000, 20000),  # 30.00–200.00 m²
                    status=status,
                    owners=owners,
                    counts=rng.random() > 0.01,
                )
            )
            i += 1
        if len(owners) == 2 and rng.random() < 0.1 and i < UNITS:
            # one spouse also owns a unit alone: a distinct, flagged person (R4d)
            units.append(
                UnitRecord(
                    unit=f"{i // 1000 + 1}-{i % 1000:03d}",
                    building=str(i // 1000 + 1),
                    area=rng.randint(3000, 20000),
                    status=status,
                    owners=owners[:1],
                )
            )
            i += 1
    return units


def best_of(fn, runs: int = RUNS) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    rng = random.Random(SEED)
    units = make_community(rng)
    t_build, roll = best_of(lambda: build_persons(units))
    choices = (Choice.AGREE, Choice.OPPOSE, Choice.ABSTAIN, Choice.INVALID)
    votes = [
        Vote(p.id, p.area, rng.choices(choices, weights=(55, 15, 8, 2))[0]) for p in roll.persons if rng.random() < 0.75
    ]
    areas = [v.area for v in votes]

    t_sum, _ = best_of(lambda: sum(areas))
    t_sum_attr, _ = best_of(lambda: sum(v.area for v in votes))
    t_tally, result = best_of(
        lambda: tally(total_area=roll.total_area, total_persons=roll.total_persons, votes=votes, matter=Matter.ORDINARY)
    )
    print(f"units              {len(units):>10,}")
    print(f"persons            {roll.total_persons:>10,}   (flags: {len(roll.flags)})")
    print(f"votes              {len(votes):>10,}")
    print(f"build_persons      {t_build * 1000:>10.1f} ms  (best of {RUNS})")
    print(f"tally              {t_tally * 1000:>10.1f} ms  (best of {RUNS}; target < 200 ms)")
    print(f"sum(areas)         {t_sum * 1000:>10.2f} ms  -> tally / bare sum       = {t_tally / t_sum:6.1f}x")
    print(f"sum(v.area ...)    {t_sum_attr * 1000:>10.2f} ms  -> tally / sum over votes = {t_tally / t_sum_attr:6.1f}x")
    print(f"build + tally      {(t_build + t_tally) * 1000:>10.1f} ms")
    print(f"adopted            {result.adopted!s:>10}   {result.reasons}")


if __name__ == "__main__":
    main()
