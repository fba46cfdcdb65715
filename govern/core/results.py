"""A meeting's results as the record carries them: how each counted ballot reached the ledger, the counts by
kind on each motion, the tally of every motion over the counting ballots and the server-signed result
objects (``govern.result.v1``)."""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.archive import RESULT_TYPE
from govern.core.ballot import (
    RevisionPolicy,
)
from govern.core.election_result import count_election_motion, election_entries
from govern.core.keys import sign
from govern.core.ledger import ELECTRONIC, PAPER, LedgerEntry, counting_ballots
from govern.core.roll import Roll, roll_hash
from govern.core.rules import DeemedConsent, DeemedVariant, InvalidPolicy, Matter, Vote, tally

#: A proxy ballot: an electronic ballot cast by the principal's proxy under a delegation (R15).
PROXY = "proxy"
#: The counts by kind in a signed result (``"ballots"``). Disjoint: every counted ballot is exactly one of
#: them, so on each motion they add up to the ballots that carry a mark on it.
BALLOT_KINDS = (ELECTRONIC, PAPER, PROXY)


# --------------------------------------------------------------------------- results


def ballot_kind(entry: LedgerEntry) -> str:
    """How a counted ballot reached the ledger: ``"paper"`` (entered and attested by two committee
    members), ``"proxy"`` (signed by the principal's proxy; the entry carries the delegation) or
    ``"electronic"`` (signed by a caster of the voter on their own device)."""
    if entry.kind == PAPER:
        return PAPER
    return PROXY if entry.delegation is not None else ELECTRONIC


def motion_ballots(counted: Mapping[str, LedgerEntry], motion_id: str, voters: Any = None) -> dict[str, int]:
    """The signed result's ``"ballots"`` for one motion: ``{"electronic": n, "paper": n, "proxy": n}``.

    Counts the counting ballots (``voter -> entry``, :func:`govern.core.ledger.counting_ballots`) that
    carry a mark on ``motion_id`` (agree, oppose, abstain, or an invalid paper mark), by
    :func:`ballot_kind`; a ballot that leaves the motion out is not counted on it. ``voters``: when
    given, only voters in it count (the roll's persons, as in the tally). The three numbers add up to
    ``agree + oppose + abstain + invalid`` persons of the motion's tally.
    """
    out = dict.fromkeys(BALLOT_KINDS, 0)
    for voter, entry in counted.items():
        if voters is not None and voter not in voters:
            continue
        if motion_id in entry.ballot.get("choices", {}):
            out[ballot_kind(entry)] += 1
    return out


def result_object(
    *, meeting: Mapping[str, Any], motion: Mapping[str, Any], roll_hash_hex: str, entries: Sequence[LedgerEntry],
    tally_json: Mapping[str, Any], ballots: Mapping[str, int],
) -> dict[str, Any]:
    """The ``govern.result.v1`` object the server signs for one motion after close.

    It pins the ledger (``ledger_length`` and ``ledger_head``, the last entry's chain hash), so
    dropping or adding entries after the result was signed is detected, and carries the counted
    ballots on the motion by kind (``ballots``, :func:`motion_ballots`), so every signature covers them.
    """
    return {
        "type": RESULT_TYPE,
        "community": meeting["community"],
        "meeting": meeting["meeting"],
        "motion": motion["id"],
        "title": motion.get("title", ""),
        "roll_hash": roll_hash_hex,
        "ledger_length": len(entries),
        "ledger_head": entries[-1].chain_hash if entries else "0" * 64,
        "ballots": dict(ballots),
        "tally": dict(tally_json),
    }


def compute_results(
    meeting: Mapping[str, Any], roll: Roll, counted: Mapping[str, LedgerEntry]
) -> dict[str, dict[str, Any]]:
    """Tally every motion of ``meeting`` over the counting ballots (``voter -> entry``) with ``rules.tally``.

    Returns ``motion id -> TallyResult.to_json()``. A voter who gives no choice on a motion
    does not take part in it. Raises ``ValueError`` from the rules on impossible input.
    """
    out: dict[str, dict[str, Any]] = {}
    clause = meeting.get("deemed_consent")
    deemed = None if clause is None else DeemedConsent(DeemedVariant(clause))
    invalid_policy = InvalidPolicy(meeting.get("invalid_policy", InvalidPolicy.AS_ABSTAIN.value))
    voters = []
    for voter in sorted(counted):
        person = roll.person(voter)
        if person is not None:
            voters.append((voter, person.area, counted[voter].ballot.get("choices", {})))
    elections = election_entries(meeting.get("agenda"))
    for motion in meeting["motions"]:
        mid = motion["id"]
        if mid in elections:  # an election motion (#14): counted with marks, R33–R35
            out[mid] = count_election_motion(elections[mid], voters, total_area=roll.total_area,
                                             total_persons=roll.total_persons, invalid_policy=invalid_policy)
            continue
        votes = [Vote(voter, area, choices[mid]) for voter, area, choices in voters if mid in choices]
        matter = Matter(motion["matter"])
        interested = motion.get("interested_persons") if matter is Matter.UNANIMOUS_INTERESTED else None
        result = tally(
            total_area=roll.total_area,
            total_persons=roll.total_persons,
            votes=votes,
            matter=matter,
            invalid_policy=invalid_policy,
            interested_persons=interested,
            deemed_consent=None if matter is Matter.UNANIMOUS_INTERESTED else deemed,
        )
        out[mid] = result.to_json()
    return out


def sign_results(
    *,
    meeting: Mapping[str, Any],
    roll: Roll,
    entries: Sequence[LedgerEntry],
    server_private: Ed25519PrivateKey,
) -> list[dict[str, Any]]:
    """The server's part of ``result.json``: for each motion the result object and its signature.

    Countersignatures and certifications are appended later by committee members and auditors
    (each an envelope of a ``govern.countersignature.v1`` / ``govern.certification.v1`` object
    naming :func:`govern.core.ballot.object_hash` of the result object).
    """
    policy = RevisionPolicy(meeting["revision_policy"])
    counted = counting_ballots(entries, policy)
    tallies = compute_results(meeting, roll, counted)
    persons = {p.person for p in roll.persons}
    out = []
    for motion in meeting["motions"]:
        obj = result_object(meeting=meeting, motion=motion, roll_hash_hex=roll_hash(roll), entries=entries,
                            tally_json=tallies[motion["id"]], ballots=motion_ballots(counted, motion["id"], persons))
        out.append({"result": obj, "server_signature": sign(server_private, obj), "countersignatures": [],
                    "certifications": []})
    return out
