"""A meeting's results as the record carries them: how each counted ballot reached the ledger, the counts by
kind on each motion, the tally of every motion over the counting ballots and the server-signed result
documents (``govern.result.v1`` / ``govern.result.v2``, built by :func:`result_document` alone: the app's
``govern tick``, the tests and the bench all sign what it builds; docs/record-format.md)."""


from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.archive import RESULT_TYPE, RESULT_TYPE_V2, record_version
from govern.core.ballot import (
    RevisionPolicy,
    format_time,
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


#: The keys of a ``govern.result.v1`` document (the app's shape since the first release).
RESULT_KEYS_V1 = frozenset({"type", "community", "meeting", "motion", "motion_title", "matter", "roll_hash", "ledger",
                            "closes_at", "revision_policy", "ballots", "result"})
#: ``govern.result.v2`` = v1 + the stage it was signed at and the agenda the meeting's notice fixed.
RESULT_KEYS_V2 = RESULT_KEYS_V1 | {"stage", "agenda_hash"}
#: Keys a v2 result document may add (the law issue's ``deemed_consent``, the elections issue's ``election``):
#: each branch that adds one declares it here, and docs/record-format.md describes it.
RESULT_OPTIONAL_V2: frozenset[str] = frozenset()
#: The stage at which the server signs results: the ledger head at the end of the paper grace period.
SIGNED_STAGE = "preliminary"


def result_document(
    *, meeting: Mapping[str, Any], motion: Mapping[str, Any], ledger_length: int, ledger_head: str,
    ballots: Mapping[str, int], tally_json: Mapping[str, Any], stage: str = SIGNED_STAGE,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The result document the server signs for one motion (``govern.result.v1``, or ``.v2`` for a meeting whose
    notice bound an agenda). The one builder: the app's ``sign_results``, :func:`sign_results` (tests, bench).

    ``meeting``: ``community``, ``meeting``, ``roll_hash``, ``closes_at`` (RFC 3339 text), ``revision_policy`` and,
    for v2, ``agenda_hash`` — the keys of ``meeting.json``. ``motion``: ``id``, ``title``, ``matter``. It pins the
    ledger (``ledger``: length and head, the last entry's chain hash) and the counted ballots by kind
    (:func:`motion_ballots`). ``extra``: v2 fields other issues add (keys of :data:`RESULT_OPTIONAL_V2`).
    """
    doc: dict[str, Any] = {
        "type": RESULT_TYPE,
        "community": meeting["community"],
        "meeting": meeting["meeting"],
        "motion": motion["id"],
        "motion_title": motion.get("title", ""),
        "matter": motion["matter"],
        "roll_hash": meeting["roll_hash"],
        "ledger": {"length": ledger_length, "head": ledger_head},
        "closes_at": meeting["closes_at"],
        "revision_policy": meeting["revision_policy"],
        "ballots": dict(ballots),
        "result": dict(tally_json),
    }
    if record_version(meeting) == 1:
        if extra:
            raise ValueError("a govern.result.v1 document has no extra fields")
        return doc
    unknown = set(extra or ()) - RESULT_OPTIONAL_V2
    if unknown:
        raise ValueError(f"not a govern.result.v2 field: {sorted(unknown)}")
    doc.update({"type": RESULT_TYPE_V2, "stage": stage, "agenda_hash": meeting["agenda_hash"], **(extra or {})})
    return doc


def result_fields(res: Mapping[str, Any], version: int) -> tuple[Any, Any, Any]:
    """``(ledger length, ledger head, tally)`` of a result document of the record's ``version``: exactly the keys
    of ``govern.result.v1`` in a v1 record, of ``govern.result.v2`` (plus its optional fields) in a v2 record
    (:func:`govern.core.results.result_document`); ``ValueError`` otherwise."""
    keys = set(res) | {"ballots"}  # missing counts are named apart (result_counts_mismatch)
    if version == 1:
        if res.get("type") != RESULT_TYPE or keys != RESULT_KEYS_V1:
            raise ValueError("not a govern.result.v1 document")
    elif res.get("type") != RESULT_TYPE_V2 or not RESULT_KEYS_V2 <= keys <= RESULT_KEYS_V2 | RESULT_OPTIONAL_V2:
        raise ValueError("not a govern.result.v2 document")
    ledger = res["ledger"]
    if not isinstance(ledger, dict) or set(ledger) != {"length", "head"}:
        raise ValueError("ledger must be {length, head}")
    return ledger["length"], ledger["head"], res["result"]


def meeting_fields(*, community: Any, meeting: Any, roll_hash_hex: str, closes_at: Any, revision_policy: str,
                   agenda_hash: str | None) -> dict[str, Any]:
    """The ``meeting`` argument of :func:`result_document` from the app's values (``closes_at`` aware datetime)."""
    out = {"community": str(community), "meeting": str(meeting), "roll_hash": roll_hash_hex,
           "closes_at": closes_at if isinstance(closes_at, str) else format_time(closes_at),
           "revision_policy": str(revision_policy)}
    if agenda_hash is not None:
        out["agenda_hash"] = agenda_hash
    return out


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
    """The server's part of ``result.json``: for each motion the result document (:func:`result_document`) and
    its signature. ``meeting``: the ``meeting.json`` object.

    Countersignatures and certifications are appended later by committee members and auditors
    (each an envelope of a ``govern.countersignature.v1`` / ``govern.certification.v1`` object
    naming :func:`govern.core.ballot.object_hash` of the result object).
    """
    policy = RevisionPolicy(meeting["revision_policy"])
    counted = counting_ballots(entries, policy)
    tallies = compute_results(meeting, roll, counted)
    persons = {p.person for p in roll.persons}
    fields = {**meeting, "roll_hash": roll_hash(roll)}
    head = entries[-1].chain_hash if entries else "0" * 64
    out = []
    for motion in meeting["motions"]:
        obj = result_document(meeting=fields, motion=motion, ledger_length=len(entries), ledger_head=head,
                              tally_json=tallies[motion["id"]], ballots=motion_ballots(counted, motion["id"], persons))
        out.append({"result": obj, "server_signature": sign(server_private, obj), "countersignatures": [],
                    "certifications": []})
    return out
