"""The election motions of a published agenda, counted from the ledger's choices (R33–R35).

An agenda entry with ``"kind": "election"`` (``govern.core.agenda``) carries ``seats``, ``max_marks`` and the
``candidates``. Its choice in a counting ballot is ``{"marks": [...]}`` (or ``"invalid"`` on paper): the app's
signed result and ``govern verify`` both count it here with :func:`govern.core.election.count_election`,
so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from govern.core.election import Candidate, ElectionBallot, count_election
from govern.core.rules import InvalidPolicy

ELECTION_KIND = "election"


def election_entries(agenda: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    """``motion id -> agenda entry`` of the agenda's election motions (empty for none or no agenda)."""
    if not isinstance(agenda, Mapping):
        return {}
    return {m["id"]: m for m in agenda.get("motions") or () if isinstance(m, Mapping)
            and m.get("kind") == ELECTION_KIND}


def candidates_of(entry: Mapping[str, Any]) -> list[Candidate]:
    return [Candidate(str(c["id"]), str(c["name"])) for c in entry["candidates"]]


def election_ballot(person: str, area: int, choice: Any) -> ElectionBallot:
    """A ledger choice as a ballot of the count: ``"invalid"`` (or anything but marks) is an invalid ballot."""
    if isinstance(choice, Mapping) and isinstance(choice.get("marks"), list):
        return ElectionBallot(person, area, tuple(choice["marks"]))
    return ElectionBallot(person, area, None)


def count_election_motion(
    entry: Mapping[str, Any], voters: Iterable[tuple[str, int, Mapping[str, Any]]], *, total_area: int,
    total_persons: int, invalid_policy: str,
) -> dict[str, Any]:
    """The count of one election motion: ``ElectionResult.to_json()``.

    ``voters``: ``(person, area, choices)`` of every counting ballot; a ballot without this motion's id does not
    take part. Raises ``ValueError`` on impossible input (an unknown or repeated mark).
    """
    mid = entry["id"]
    ballots = [election_ballot(person, area, choices[mid]) for person, area, choices in voters if mid in choices]
    return count_election(total_area=total_area, total_persons=total_persons, candidates=candidates_of(entry),
                          ballots=ballots, seats=int(entry["seats"]), max_marks=int(entry["max_marks"]),
                          invalid_policy=InvalidPolicy(invalid_policy)).to_json()
