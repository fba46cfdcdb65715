"""The ledger's hash chain, receipts, and which ballot counts under each revision policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from govern.core.ballot import RevisionPolicy, build_ballot, envelope
from govern.core.canonical import GENESIS_HASH, chain_hash
from govern.core.keys import b64url_encode, private_key_from_bytes, public_key_b64, sign
from govern.core.ledger import (
    LedgerEntry,
    append_entry,
    counting_ballots,
    make_receipt,
    revision_violations,
    verify_chain,
    verify_receipt,
)

KEY = private_key_from_bytes(b"\x03" * 32)
PUB = public_key_b64(KEY)
SERVER = private_key_from_bytes(b"\x04" * 32)
SERVER_PUB = public_key_b64(SERVER)
T0 = datetime(2025, 3, 21, 8, 0, tzinfo=UTC)


def make_ballot(voter: str, choice: str, i: int) -> dict:
    return build_ballot(
        community="1", meeting="2", roll_hash="00" * 32, voter=voter, choices={"m1": choice},
        issued_at=T0, nonce=b64url_encode(i.to_bytes(16, "big")),
    )


def chain(specs) -> list[LedgerEntry]:
    """specs: (voter, choice, delegated?)"""
    out: list[LedgerEntry] = []
    prev = GENESIS_HASH
    for i, (voter, choice, delegated) in enumerate(specs, start=1):
        b = make_ballot(voter, choice, i)
        deleg = envelope({"type": "govern.delegation.v1", "principal": voter}, "sig", PUB) if delegated else None
        e = append_entry(prev, i, ballot=b, signature=sign(KEY, b), key_id=PUB,
                         received_at=T0 + timedelta(seconds=i), delegation=deleg)
        out.append(e)
        prev = e.chain_hash
    return out


def test_append_entry_first_links_genesis_and_hashes_payload():
    e = chain([("a", "agree", False)])[0]
    assert e.prev_hash == GENESIS_HASH
    assert e.chain_hash == chain_hash(GENESIS_HASH, e.payload())
    assert "chain_hash" not in e.payload() and "delegation" not in e.payload()
    assert e.received_at == "2025-03-21T08:00:01Z"


def test_ledger_entry_json_roundtrip_equal():
    e = chain([("a", "agree", True)])[0]
    assert LedgerEntry.from_json(e.to_json()) == e


def test_ledger_entry_from_json_unknown_field_refused():
    with pytest.raises(ValueError):
        LedgerEntry.from_json({**chain([("a", "agree", False)])[0].to_json(), "extra": 1})


def test_append_entry_paper_without_attestation_refused():
    b = make_ballot("a", "agree", 1)
    with pytest.raises(ValueError):
        append_entry(GENESIS_HASH, 1, ballot=b, signature="s", key_id=PUB, received_at=T0, kind="paper")


def test_verify_chain_intact_no_problems():
    assert verify_chain(chain([("a", "agree", False), ("b", "oppose", False), ("c", "abstain", False)])) == []


def test_verify_chain_altered_choice_names_entry():
    entries = chain([("a", "agree", False), ("b", "oppose", False), ("c", "abstain", False)])
    e = entries[1]
    entries[1] = LedgerEntry(**{**e.__dict__, "ballot": {**e.ballot, "choices": {"m1": "agree"}}})
    problems = verify_chain(entries)
    assert problems[0].entry == 2 and problems[0].code == "chain_hash_mismatch"
    assert {p.code for p in problems} == {"chain_hash_mismatch", "ballot_hash_mismatch"}


def test_verify_chain_deleted_entry_first_break_named():
    entries = chain([("a", "agree", False), ("b", "oppose", False), ("c", "abstain", False)])
    del entries[1]
    problems = verify_chain(entries)
    assert problems[0].entry == 3
    assert {p.code for p in problems} == {"position_gap", "chain_broken"}


def test_verify_chain_inserted_entry_named():
    entries = chain([("a", "agree", False), ("b", "oppose", False)])
    forged = chain([("z", "agree", False)])[0]
    entries.insert(1, LedgerEntry(**{**forged.__dict__, "position": 2}))
    problems = verify_chain(entries)
    assert problems[0].entry == 2 and problems[0].code in {"chain_hash_mismatch", "chain_broken"}


def test_receipt_roundtrip_valid():
    e = chain([("a", "agree", False)])[0]
    r = make_receipt(SERVER, "2", e.position, e.ballot_hash, e.chain_hash)
    assert set(r) == {"ballot_hash", "position", "chain_hash", "server_signature"}
    assert verify_receipt(SERVER_PUB, r, "2")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(position=2),
        lambda r: r.update(chain_hash="11" * 32),
        lambda r: r.update(server_signature="x"),
        lambda r: r.pop("ballot_hash"),
        lambda r: r.update(position="1"),
    ],
)
def test_verify_receipt_altered_false(mutate):
    e = chain([("a", "agree", False)])[0]
    r = make_receipt(SERVER, "2", e.position, e.ballot_hash, e.chain_hash)
    mutate(r)
    assert not verify_receipt(SERVER_PUB, r, "2")


def test_verify_receipt_other_meeting_false():
    e = chain([("a", "agree", False)])[0]
    r = make_receipt(SERVER, "2", e.position, e.ballot_hash, e.chain_hash)
    assert not verify_receipt(SERVER_PUB, r, "3")
    assert not verify_receipt(PUB, r, "2")
    assert not verify_receipt(SERVER_PUB, "junk", "2")


def test_counting_ballots_single_cast_first_counts():
    entries = chain([("a", "agree", False), ("a", "oppose", False), ("b", "oppose", False)])
    counted = counting_ballots(entries, RevisionPolicy.SINGLE_CAST)
    assert counted["a"].position == 1 and counted["b"].position == 3
    assert [e.position for e in revision_violations(entries, "single-cast")] == [2]


def test_counting_ballots_revisable_latest_counts():
    entries = chain([("a", "agree", False), ("b", "oppose", False), ("a", "oppose", False)])
    counted = counting_ballots(entries, "revisable-until-close")
    assert counted["a"].position == 3
    assert revision_violations(entries, "revisable-until-close") == []


@pytest.mark.parametrize("policy", list(RevisionPolicy))
def test_counting_ballots_own_vote_supersedes_proxy(policy):
    entries = chain([("a", "agree", False), ("a", "oppose", True), ("b", "oppose", True)])
    counted = counting_ballots(entries, policy)
    assert counted["a"].position == 1
    assert counted["b"].position == 3


def test_counting_ballots_own_vote_after_proxy_supersedes():
    entries = chain([("a", "oppose", True), ("a", "agree", False)])
    assert counting_ballots(entries, "single-cast")["a"].position == 2
    assert revision_violations(entries, "single-cast") == []
