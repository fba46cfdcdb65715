"""The count of a committee election (选举业主委员会, Civil Code art. 278(3); R33–R35), in integers only.

An election is an ordinary matter voted with marks: each ballot names the candidates its
person agrees with. The count (:func:`count_election`):

* **R34** a ballot with more marks than ``max_marks`` (at most the seats) is invalid for the
  election; R17's policy decides whether invalid ballots take part (``as-abstain``) or not
  (``excluded``).
* **R18** the quorum is taken over the persons and area taking part in this election:
  ``3*P_area >= 2*T_area`` and ``3*P_count >= 2*T_count``.
* **R33** a candidate passes if the quorum holds and the candidate's agree ``Y`` satisfies the
  ordinary threshold over the participants: ``2*Y_area > P_area`` and ``2*Y_count > P_count``
  (exactly half fails). Every failing leg is a reason of that candidate, as for a motion.
* **R35** passing candidates rank by agree persons, then agree area (competition ranking
  1, 2, 2, 4; ties listed in candidate order). Seats fill in rank order while seats remain;
  a group tied on both that does not fit in the seats left goes to a runoff, holds those
  seats (``runoff_seats``) and stops the filling. Passing candidates below the last elected,
  other than the runoff group, are alternates (候补) in rank order, uncapped.
  ``seats_unfilled = seats - elected`` (it includes the runoff seats; a by-election,
  另行选举, covers the rest).

Also here: reading the candidates file (``id,name``) and the marks ballots file
(``unit,marks``) of ``govern tally --election``, with every bad line reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from govern.core.register import FrozenMap, LineError, UnitRecord, read_rows
from govern.core.rules import Count, InvalidPolicy, Legs, check_voter, failing_legs, ordinary_legs, quorum_legs

__all__ = [
    "CANDIDATE_ID_RE",
    "INVALID_MARKS",
    "Candidate",
    "CandidateResult",
    "ElectionBallot",
    "ElectionResult",
    "MarksLine",
    "count_election",
    "marks_problems",
    "parse_candidates",
    "parse_marks_ballots",
]

#: A candidate id: 1 to 32 ASCII letters, digits, ``_`` or ``-``; ``invalid`` (any case) is reserved.
CANDIDATE_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)
#: The ``marks`` value of an invalid (spoilt) ballot; compared case-insensitively.
INVALID_MARKS = "invalid"
CANDIDATE_COLUMNS = ("id", "name")
MARKS_COLUMNS = ("unit", "marks")
_MARK_SPLIT_RE = re.compile("[;\uff1b]")
#: How a ballot with no marks is written in messages (cannot be a candidate id).
NO_MARKS = "(no marks)"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate of the election, in the order of the published candidate list."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ElectionBallot:
    """One person's election ballot: ``marks`` are the candidate ids agreed with, ``None`` if invalid.

    ``area`` is the person's summed area in hundredths of a m². A ballot with more marks than
    ``max_marks`` is invalid for the election (R34); the count decides that, not the caller.
    """

    person_id: str
    area: int
    marks: tuple[str, ...] | None


@dataclass(frozen=True)
class CandidateResult:
    """The count of one candidate: agree, whether the candidate passes (R33) and the rank (R35)."""

    candidate: Candidate
    agree: Count
    passes: bool
    reasons: tuple[str, ...]
    #: Competition rank among the passing candidates (1, 2, 2, 4); ``None`` when not passing.
    rank: int | None

    def to_json(self) -> dict[str, Any]:
        """``{"id", "name", "agree": {"area", "persons"}, "passes", "reasons", "rank"}``."""
        return {
            "id": self.candidate.id,
            "name": self.candidate.name,
            "agree": self.agree.to_json(),
            "passes": self.passes,
            "reasons": list(self.reasons),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class ElectionResult:
    """The official result of one election (R33–R35)."""

    seats: int
    max_marks: int
    invalid_policy: InvalidPolicy
    totals: Count
    participation: Count
    quorum_met: bool
    #: Invalid ballots (marked invalid, or more marks than ``max_marks``), always shown (R17).
    invalid: Count
    #: Quorum legs that fail (``QUORUM_AREA``, ``QUORUM_COUNT``).
    reasons: tuple[str, ...]
    #: Every candidate in the input order.
    candidates: tuple[CandidateResult, ...]
    #: Candidate ids in rank order (ties in candidate order), for each outcome.
    elected: tuple[str, ...]
    alternates: tuple[str, ...]
    runoff: tuple[str, ...]
    runoff_seats: int

    @property
    def seats_unfilled(self) -> int:
        """``seats - elected``: the runoff seats plus the seats left for a by-election (另行选举)."""
        return self.seats - len(self.elected)

    def to_json(self) -> dict[str, Any]:
        """The published result of ``govern tally --election``; areas are strings with two decimals."""
        return {
            "kind": "election",
            "seats": self.seats,
            "max_marks": self.max_marks,
            "invalid_policy": str(self.invalid_policy),
            "totals": self.totals.to_json(),
            "participation": {**self.participation.to_json(), "quorum_met": self.quorum_met},
            "invalid": self.invalid.to_json(),
            "reasons": list(self.reasons),
            "candidates": [c.to_json() for c in self.candidates],
            "elected": list(self.elected),
            "alternates": list(self.alternates),
            "runoff": list(self.runoff),
            "runoff_seats": self.runoff_seats,
            "seats_unfilled": self.seats_unfilled,
        }


def is_candidate_id(value: str) -> bool:
    """True for a well-formed candidate id that is not the reserved word ``invalid``."""
    return CANDIDATE_ID_RE.fullmatch(value) is not None and value.lower() != INVALID_MARKS


def check_election(candidates: Sequence[Candidate], seats: int, max_marks: int) -> None:
    """Raise ``ValueError`` unless the candidates, seats and ``max_marks`` make an election (R34).

    Candidate ids are well formed and unique; ``1 <= seats <= len(candidates)``;
    ``1 <= max_marks <= seats``.
    """
    seen: set[str] = set()
    for c in candidates:
        if not isinstance(c.id, str) or not is_candidate_id(c.id):
            raise ValueError(f"bad candidate id {c.id!r}")
        if c.id in seen:
            raise ValueError(f"candidate {c.id} appears twice")
        seen.add(c.id)
    for name, value in (("seats", seats), ("max_marks", max_marks)):
        if type(value) is not int:
            raise ValueError(f"{name} must be an integer")
    if not 1 <= seats <= len(candidates):
        raise ValueError(f"seats must be between 1 and the number of candidates ({len(candidates)}), not {seats}")
    if not 1 <= max_marks <= seats:
        raise ValueError(f"max_marks must be between 1 and the seats ({seats}), not {max_marks}")


def count_election(
    *,
    total_area: int,
    total_persons: int,
    candidates: Sequence[Candidate],
    ballots: Iterable[ElectionBallot],
    seats: int,
    max_marks: int | None = None,
    invalid_policy: InvalidPolicy = InvalidPolicy.AS_ABSTAIN,
) -> ElectionResult:
    """Count an election (R33–R35; Civil Code art. 278(3)) in one pass over ``ballots``.

    ``total_area``/``total_persons`` are the scope's ``T_area``/``T_count`` (R5). Each ballot is
    one person (a repeated ``person_id`` raises ``ValueError``), with a positive integer area;
    its marks must be known candidate ids without repeats (else ``ValueError``: the caller
    reports such input before counting). ``max_marks`` defaults to ``seats``; a ballot with
    more marks is invalid (R34). See the module docstring for the rules.
    """
    max_marks = seats if max_marks is None else max_marks
    check_election(candidates, seats, max_marks)
    invalid_policy = InvalidPolicy(invalid_policy)
    if total_area <= 0 or total_persons <= 0:
        raise ValueError("the scope must have a positive total area and at least one person")

    index = {c.id: i for i, c in enumerate(candidates)}
    agree_area = [0] * len(candidates)
    agree_heads = [0] * len(candidates)
    valid_area = valid_heads = invalid_area = invalid_heads = 0
    seen: set[str] = set()
    for ballot in ballots:
        pid = ballot.person_id
        area = ballot.area
        check_voter(seen, pid, area)
        marks = ballot.marks
        if marks is not None:
            unknown = [m for m in marks if m not in index]
            if unknown:
                raise ValueError(f"person {pid}: unknown candidate {unknown[0]!r}")
            if len(set(marks)) != len(marks):
                raise ValueError(f"person {pid}: a candidate is marked twice")
        if marks is None or len(marks) > max_marks:
            invalid_area += area
            invalid_heads += 1
            continue
        valid_area += area
        valid_heads += 1
        for mark in marks:
            i = index[mark]
            agree_area[i] += area
            agree_heads[i] += 1

    totals = Count(total_area, total_persons)
    if valid_area + invalid_area > total_area or valid_heads + invalid_heads > total_persons:
        raise ValueError("ballots exceed the totals of the scope")
    invalid = Count(invalid_area, invalid_heads)
    if invalid_policy is InvalidPolicy.AS_ABSTAIN:
        participation = Count(valid_area + invalid_area, valid_heads + invalid_heads)
    else:
        participation = Count(valid_area, valid_heads)
    quorum = quorum_legs(participation, totals)

    agrees = [Count(a, h) for a, h in zip(agree_area, agree_heads, strict=True)]
    reasons = [failing_legs(quorum, ordinary_legs(agree, participation)) for agree in agrees]
    passing = [i for i, r in enumerate(reasons) if not r]
    ranks = _competition_ranks(passing, agrees)
    elected, runoff, alternates, runoff_seats = _fill_seats(passing, agrees, seats)

    ids = [c.id for c in candidates]
    return ElectionResult(
        seats=seats,
        max_marks=max_marks,
        invalid_policy=invalid_policy,
        totals=totals,
        participation=participation,
        quorum_met=quorum.holds,
        invalid=invalid,
        reasons=failing_legs(quorum, Legs(True, True)),
        candidates=tuple(
            CandidateResult(candidate=c, agree=agrees[i], passes=not reasons[i], reasons=reasons[i], rank=ranks.get(i))
            for i, c in enumerate(candidates)
        ),
        elected=tuple(ids[i] for i in elected),
        alternates=tuple(ids[i] for i in alternates),
        runoff=tuple(ids[i] for i in runoff),
        runoff_seats=runoff_seats,
    )


def _standing(agree: Count) -> tuple[int, int]:
    """R35 order key: more agree persons first, then more agree area."""
    return (-agree.persons, -agree.area)


def _competition_ranks(passing: list[int], agrees: list[Count]) -> dict[int, int]:
    """Competition ranks (1, 2, 2, 4) of the passing candidates by :func:`_standing`."""
    ordered = sorted(passing, key=lambda i: _standing(agrees[i]))  # stable: ties stay in candidate order
    ranks: dict[int, int] = {}
    for position, i in enumerate(ordered):
        before = ordered[position - 1] if position else None
        if before is not None and _standing(agrees[before]) == _standing(agrees[i]):
            ranks[i] = ranks[before]
        else:
            ranks[i] = position + 1
    return ranks


def _fill_seats(passing: list[int], agrees: list[Count], seats: int) -> tuple[list[int], list[int], list[int], int]:
    """R35 seat filling: ``(elected, runoff group, alternates, runoff seats)``, each in rank order."""
    groups: list[list[int]] = []
    for i in sorted(passing, key=lambda i: _standing(agrees[i])):
        if groups and _standing(agrees[groups[-1][0]]) == _standing(agrees[i]):
            groups[-1].append(i)
        else:
            groups.append([i])
    elected: list[int] = []
    runoff: list[int] = []
    alternates: list[int] = []
    runoff_seats = 0
    for group in groups:
        left = seats - len(elected)
        if runoff or left == 0:
            alternates.extend(group)
        elif len(group) <= left:
            elected.extend(group)
        else:
            runoff, runoff_seats = group, left
    return elected, runoff, alternates, runoff_seats


def marks_problems(choice: Any, entry: Mapping[str, Any], *, paper: bool = False) -> tuple[str, str] | None:
    """What is wrong with ``choice`` on the election motion whose agenda entry is ``entry`` (``seats``,
    ``max_marks``, ``candidates`` [{"id", ...}]); ``None`` when it may be cast.

    A choice is ``{"marks": ["<candidate id>", ...]}``: no repeats, known ids, at most ``max_marks``
    (an electronic ballot is never invalid: the page prevents over-marking). A paper ballot may also
    record ``"invalid"`` (R34: an over-marked paper ballot is entered as invalid). Returns
    ``(code, message)`` with code ``bad_request``, ``unknown_candidate`` or ``too_many_marks``.
    """
    if paper and choice == INVALID_MARKS:
        return None
    if not isinstance(choice, dict) or set(choice) != {"marks"} or not isinstance(choice["marks"], list) or not all(
            isinstance(m, str) for m in choice["marks"]):
        return "bad_request", 'an election\'s choice is {"marks": ["<candidate id>", ...]}'
    marks = choice["marks"]
    if len(set(marks)) != len(marks):
        return "bad_request", "a candidate is marked twice"
    known = {c["id"] for c in entry.get("candidates") or ()}
    unknown = [m for m in marks if m not in known]
    if unknown:
        return "unknown_candidate", f"unknown candidate {unknown[0]!r}"
    if len(marks) > int(entry["max_marks"]):
        return "too_many_marks", f"{len(marks)} marks, at most {entry['max_marks']} allowed"
    return None


# -- the files of `govern tally --election` -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MarksLine:
    """One line of a marks ballots file: the unit and its marks in the order written, ``None`` if invalid.

    ``choice`` is the canonical form two lines are compared by when they resolve to the same
    person (:func:`govern.core.persons.resolve_ballots`): the set of marks in candidate order,
    so ``Q;P`` and ``P;Q`` agree and ``P`` and ``P;Q`` conflict.
    """

    line: int
    unit: str
    marks: tuple[str, ...] | None
    choice: str


def parse_candidates(text: str) -> tuple[list[Candidate], list[LineError]]:
    """Parse the candidates CSV (``id,name``; other columns are ignored), collecting every bad line.

    Ids match ``[A-Za-z0-9_-]{1,32}``, are not ``invalid`` and are unique; names are not empty.
    Codes: ``bad_candidate_id``, ``duplicate_candidate``, ``empty_name``, ``no_candidates`` and
    the file codes of :func:`govern.core.register.read_rows`.
    """
    rows, errors = read_rows(text, CANDIDATE_COLUMNS)
    candidates: list[Candidate] = []
    first_line: dict[str, int] = {}
    for line, values in rows:
        cid = values["id"].strip()
        name = values["name"].strip()
        ok = True
        if not is_candidate_id(cid):
            errors.append(
                _err(
                    line,
                    "bad_candidate_id",
                    f"candidate id '{cid}' must be 1 to 32 letters, digits, '_' or '-', and not 'invalid'",
                    id=cid,
                )
            )
            ok = False
        elif cid in first_line:
            errors.append(
                _err(
                    line,
                    "duplicate_candidate",
                    f"candidate {cid} already appears on line {first_line[cid]}",
                    id=cid,
                    first_line=first_line[cid],
                )
            )
            ok = False
        if not name:
            errors.append(_err(line, "empty_name", f"candidate {cid}: the name is empty", id=cid))
            ok = False
        if ok:
            first_line[cid] = line
            candidates.append(Candidate(id=cid, name=name))
    if not errors and not candidates:
        errors.append(_err(2, "no_candidates", "the file has a header but no candidates"))
    errors.sort(key=lambda e: e.line)
    return candidates, errors


def parse_marks_ballots(
    text: str, units_by_id: Mapping[str, UnitRecord] | None, candidates: Sequence[Candidate] | None
) -> tuple[list[MarksLine], list[LineError]]:
    """Parse a ``unit,marks`` ballots CSV of an election (R34), collecting every bad line.

    ``marks`` lists the candidate ids agreed with, separated by ``;`` (spaces around ids are
    ignored); empty means the person takes part and agrees with none; ``invalid`` (any case)
    is an invalid ballot. Every id must be a known candidate (``unknown_candidate``) and
    appear once (``repeated_candidate``); an empty id between separators is ``empty_mark``.
    These are checked before the marks are counted: a ballot with more marks than
    ``max_marks`` is not an input error but an invalid ballot, decided by :func:`count_election`.
    With ``units_by_id`` a unit not in it is ``unknown_unit``; with ``candidates=None``
    (a bad candidates file) ids are not checked.
    """
    rows, errors = read_rows(text, MARKS_COLUMNS)
    order = None if candidates is None else {c.id: i for i, c in enumerate(candidates)}
    ballots: list[MarksLine] = []
    for line, values in rows:
        n_errors = len(errors)
        unit = values["unit"].strip()
        raw = values["marks"].strip()
        if not unit:
            errors.append(_err(line, "empty_unit", "the unit id is empty"))
        elif units_by_id is not None and unit not in units_by_id:
            errors.append(_err(line, "unknown_unit", f"unit {unit} is not in the register", unit=unit))
        marks: tuple[str, ...] | None
        if raw.lower() == INVALID_MARKS:
            marks = None
        elif not raw:
            marks = ()
        else:
            marks = tuple(m.strip() for m in _MARK_SPLIT_RE.split(raw))
            if not all(marks):
                errors.append(
                    _err(line, "empty_mark", f"unit {unit}: marks '{raw}' contain an empty candidate id", unit=unit)
                )
            reported: set[str] = set()
            for mark in marks:
                if not mark or mark in reported:
                    continue
                if order is not None and mark not in order:
                    reported.add(mark)
                    errors.append(
                        _err(
                            line,
                            "unknown_candidate",
                            f"unit {unit}: '{mark}' is not a candidate",
                            unit=unit,
                            candidate=mark,
                        )
                    )
                elif marks.count(mark) > 1:
                    reported.add(mark)
                    errors.append(
                        _err(
                            line,
                            "repeated_candidate",
                            f"unit {unit}: candidate {mark} is marked more than once",
                            unit=unit,
                            candidate=mark,
                        )
                    )
        if len(errors) != n_errors:
            continue
        ballots.append(MarksLine(line=line, unit=unit, marks=marks, choice=_canonical(marks, order)))
    errors.sort(key=lambda e: e.line)
    return ballots, errors


def _canonical(marks: tuple[str, ...] | None, order: Mapping[str, int] | None) -> str:
    if marks is None:
        return INVALID_MARKS
    if not marks:
        return NO_MARKS
    ordered = sorted(marks, key=lambda m: (order.get(m, len(order)), m)) if order is not None else sorted(marks)
    return ";".join(ordered)


def _err(line: int, code: str, message: str, **params: Any) -> LineError:
    return LineError(line=line, code=code, params=FrozenMap(params), message=message)
