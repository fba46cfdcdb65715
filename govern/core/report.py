"""The verifier's report: what ``govern verify`` prints (docs/record-format.md, "The report")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govern.core.ledger import Problem


@dataclass
class Report:
    """What :func:`verify_record` found. ``valid`` iff there is no problem."""

    meeting: str | None = None
    community: str | None = None
    edition: str | None = None
    interim: bool = False
    ballots: int = 0
    counted: int = 0
    #: Counted ballots by kind: ``{"electronic": n, "paper": n}`` (proxy ballots are electronic).
    counted_by_kind: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    motions: list[dict[str, Any]] = field(default_factory=list)
    #: Checks that this edition cannot make (the public edition cannot see roll identities).
    unchecked: list[str] = field(default_factory=list)
    #: What was checked on this edition (``govern verify`` prints it beside ``unchecked``).
    checked: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No problem was found."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The summary printed by ``govern verify``."""
        out: dict[str, Any] = {
            "valid": self.valid,
            "meeting": self.meeting,
            "community": self.community,
            "edition": self.edition,
            "interim": self.interim,
            "ballots": self.ballots,
            "counted": self.counted,
            "counted_by_kind": self.counted_by_kind,
            "motions": self.motions,
            "checked": self.checked,
            "unchecked": self.unchecked,
        }
        if self.problems:
            out["problems"] = [p.to_json() for p in self.problems]
        return out
