"""govern verify's paper timing rules (#12 item 2, govern.core.paper_rules): a v2 record's paper entries after the
close need a prior sealed-box declaration signed by two committee members, stay within the grace period and the
declared count, and every v2 paper ballot was collected by the close and names the agenda. Both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from govern.core.ballot import format_time
from govern.core.keys import generate_keypair, sign
from govern.core.paper_rules import (
    build_sealed_box,
    declaration_refusal,
    late_entry_refusal,
    timing_problems,
    validate_sealed_box_shape,
)

CLOSES = datetime(2025, 3, 31, 2, 0, tzinfo=UTC)
AGENDA = "ab" * 32
NONCE = "AAAAAAAAAAAAAAAAAAAAAA"
MEMBERS = {name: generate_keypair() for name in ("m1", "m2", "owner")}


class Keys:
    """The record's key book, as far as the rules use it."""

    committee = frozenset({"m1", "m2"})

    def holder(self, key, at):
        for name, (_private, public) in MEMBERS.items():
            if public == key:
                return name, ""
        return None, "key_not_enrolled"


def _meeting(box=None, grace_hours=24) -> dict:
    return {"community": "1", "meeting": "2", "closes_at": format_time(CLOSES), "agenda_hash": AGENDA,
            "paper": {"entry_grace_seconds": grace_hours * 3600, "sealed_box": box}}


def _box(declared=1, signers=("m1", "m2"), issued=CLOSES + timedelta(minutes=10), ledger_length=1) -> dict:
    obj = build_sealed_box(community="1", meeting="2", declared=declared, closed_at=CLOSES, issued_at=issued,
                           nonce=NONCE)
    sigs = [{"key_id": MEMBERS[n][1], "signature": sign(MEMBERS[n][0], obj), "signed_at": format_time(issued)}
            for n in signers]
    return {"object": obj, "signatures": sigs, "declared_at": format_time(issued), "ledger_length": ledger_length}


def _entry(position, received, *, collected=CLOSES - timedelta(hours=1), agenda=AGENDA, kind="paper",
           type_="govern.paper_ballot.v2"):
    ballot = {"type": type_, "collected_at": format_time(collected), "agenda_hash": agenda}
    return SimpleNamespace(kind=kind, position=position, ballot=ballot, received_at=format_time(received))


def _codes(meeting, entries) -> list[str]:
    return [code for _pos, code, _msg in timing_problems(meeting, entries, Keys())]


def test_paper_within_the_declaration_grace_and_count_verifies():
    entries = [_entry(1, CLOSES - timedelta(hours=3)), _entry(2, CLOSES + timedelta(hours=5))]
    assert _codes(_meeting(_box(declared=1)), entries) == []


def test_paper_after_the_close_without_declaration_is_a_problem():
    entries = [_entry(1, CLOSES + timedelta(hours=1))]
    assert _codes(_meeting(None), entries) == ["undeclared_paper"]
    # an entry made after the close but before the declaration (at or before its ledger_length)
    assert _codes(_meeting(_box(ledger_length=1)), entries) == ["undeclared_paper"]


def test_more_entries_than_declared_and_after_the_grace_are_problems():
    entries = [_entry(2, CLOSES + timedelta(hours=1)), _entry(3, CLOSES + timedelta(hours=2))]
    assert _codes(_meeting(_box(declared=1)), entries) == ["sealed_box_exceeded"]
    late = [_entry(2, CLOSES + timedelta(hours=24))]
    assert _codes(_meeting(_box(declared=1)), late) == ["window_closed"]
    assert _codes(_meeting(_box(declared=1), grace_hours=25), late) == []


def test_collection_time_agenda_and_version_of_v2_paper_ballots():
    entries = [_entry(1, CLOSES - timedelta(hours=1), collected=CLOSES + timedelta(seconds=1)),
               _entry(2, CLOSES - timedelta(hours=1), agenda="cd" * 32),
               _entry(3, CLOSES - timedelta(hours=1), type_="govern.paper_ballot.v1"),
               _entry(4, CLOSES - timedelta(hours=1), kind="electronic")]
    assert _codes(_meeting(), entries) == ["collected_after_close", "wrong_agenda", "wrong_paper_version"]


def test_the_declaration_needs_two_committee_members_in_time():
    entries = [_entry(2, CLOSES + timedelta(hours=3))]
    assert _codes(_meeting(_box(signers=("m1",))), entries) == ["sealed_box_signature", "undeclared_paper"]
    assert _codes(_meeting(_box(signers=("m1", "m1"))), entries)[0] == "sealed_box_signature"
    assert _codes(_meeting(_box(signers=("m1", "owner"))), entries)[0] == "sealed_box_signature"
    late = _box(issued=CLOSES + timedelta(hours=2, seconds=1))
    assert _codes(_meeting(late), entries)[0] == "sealed_box_late"
    forged = _box()
    forged["object"]["declared"] = 5  # the signatures covered 1
    assert _codes(_meeting(forged), entries)[0] == "sealed_box_signature"
    assert _codes(_meeting(_box()), entries) == []


def test_v1_records_are_not_held_to_the_new_rules():
    meeting = _meeting()
    del meeting["agenda_hash"], meeting["paper"]
    assert _codes(meeting, [_entry(1, CLOSES + timedelta(days=5), type_="govern.paper_ballot.v1")]) == []
    meeting = _meeting()
    meeting["paper"]["entry_grace_seconds"] = 49 * 3600
    assert _codes(meeting, []) == ["bad_paper_timing"]


def test_server_side_rules():
    grace = timedelta(hours=24)
    kw = dict(closes_at=CLOSES, grace=grace)
    assert late_entry_refusal(now=CLOSES - timedelta(seconds=1), declared=None, after_close=0, **kw) is None
    assert late_entry_refusal(now=CLOSES, declared=None, after_close=0, **kw) == "undeclared_paper"
    assert late_entry_refusal(now=CLOSES, declared=1, after_close=0, **kw) is None
    assert late_entry_refusal(now=CLOSES, declared=1, after_close=1, **kw) == "sealed_box_exceeded"
    assert late_entry_refusal(now=CLOSES + grace, declared=1, after_close=0, **kw) == "window_closed"
    obj = build_sealed_box(community="1", meeting="2", declared=0, closed_at=CLOSES, issued_at=CLOSES, nonce=NONCE)
    assert validate_sealed_box_shape(obj) == []
    assert validate_sealed_box_shape({**obj, "declared": -1}) == ["bad_declared"]
    assert validate_sealed_box_shape({**obj, "declared": True}) == ["bad_declared"]
    kw = dict(community="1", meeting="2", closes_at=CLOSES, tolerance=timedelta(minutes=10))
    assert declaration_refusal(obj, now=CLOSES + timedelta(minutes=1), **kw) is None
    assert declaration_refusal(obj, now=CLOSES + timedelta(minutes=11), **kw) == "stale_signature"
    assert declaration_refusal(obj, now=CLOSES - timedelta(minutes=1), **kw) == "not_closed"
    assert declaration_refusal(obj, now=CLOSES + timedelta(hours=2, seconds=1), **kw) == "window_closed"
    assert declaration_refusal({**obj, "meeting": "3"}, now=CLOSES, **kw) == "wrong_meeting"
