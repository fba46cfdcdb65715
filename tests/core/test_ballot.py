"""Ballot shapes and the cast-time check: forged, altered, replayed, misdirected ballots are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from govern.core.ballot import (
    BALLOT_TYPE,
    MeetingContext,
    Rejection,
    RevisionPolicy,
    ballot_hash,
    build_ballot,
    build_delegation,
    build_revocation,
    check_attestation,
    check_ballot,
    check_delegation,
    check_revocation,
    format_time,
    parse_time,
    validate_attestation_shape,
    validate_ballot_shape,
    validate_delegation_shape,
    validate_envelope_shape,
    validate_paper_shape,
    validate_revocation_shape,
)
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import b64url_encode, private_key_from_bytes, public_key_b64, sign
from govern.core.paper_rules import build_attestation, build_paper_ballot

VOTER = private_key_from_bytes(b"\x01" * 32)
VOTER_PUB = public_key_b64(VOTER)
OTHER = private_key_from_bytes(b"\x02" * 32)
OTHER_PUB = public_key_b64(OTHER)
ROLL = "ab" * 32
OPENS = datetime(2025, 3, 20, tzinfo=UTC)
CLOSES = datetime(2025, 3, 27, tzinfo=UTC)
NOW = datetime(2025, 3, 21, 8, 0, tzinfo=UTC)
CTX = MeetingContext(
    community="12", meeting="345", roll_hash=ROLL, motion_ids=frozenset({"1", "2"}), opens_at=OPENS, closes_at=CLOSES
)


def nonce(i: int = 0) -> str:
    return b64url_encode(i.to_bytes(16, "big"))


def ballot(**over):
    base = dict(
        community="12", meeting="345", roll_hash=ROLL, voter="p-a", choices={"1": "agree", "2": "oppose"},
        issued_at=NOW, nonce=nonce(),
    )
    base.update(over)
    return build_ballot(**base)


def check(b, sig, **over):
    kw = dict(
        context=CTX, public_key=VOTER_PUB, is_eligible=True, seen_nonces=set(), seen_hashes=set(),
        has_voted=False, now=NOW,
    )
    kw.update(over)
    return check_ballot(b, sig, **kw)


def test_build_ballot_exact_keys_valid_shape():
    b = ballot()
    assert set(b) == {"type", "community", "meeting", "roll_hash", "voter", "choices", "issued_at", "nonce"}
    assert b["type"] == BALLOT_TYPE and b["issued_at"] == "2025-03-21T08:00:00Z"
    assert validate_ballot_shape(b) == []


def test_ballot_hash_is_sha256_of_canonical_bytes():
    b = ballot()
    assert ballot_hash(b) == sha256_hex(canonical_bytes(b))


@pytest.mark.parametrize(
    "mutate, code",
    [
        (lambda b: b.pop("nonce"), "missing_keys"),
        (lambda b: b.update(extra=1), "unexpected_keys"),
        (lambda b: b.update(type="govern.ballot.v3"), "bad_type"),
        (lambda b: b.update(community=12), "bad_community"),
        (lambda b: b.update(roll_hash="AB" * 32), "bad_roll_hash"),
        (lambda b: b.update(voter=""), "bad_voter"),
        (lambda b: b.update(choices={}), "bad_choices"),
        (lambda b: b.update(choices={"1": "invalid"}), "bad_choice"),
        (lambda b: b.update(choices={"1": "yes"}), "bad_choice"),
        (lambda b: b.update(issued_at="2025-03-21T08:00:00+00:00"), "bad_issued_at"),
        (lambda b: b.update(issued_at="2025-03-21 08:00:00Z"), "bad_issued_at"),
        (lambda b: b.update(issued_at="2025-13-21T08:00:00Z"), "bad_issued_at"),
        (lambda b: b.update(nonce=b64url_encode(b"x" * 15)), "bad_nonce"),
        (lambda b: b.update(nonce=b64url_encode(b"x" * 16) + "="), "bad_nonce"),
    ],
)
def test_validate_ballot_shape_each_defect_named(mutate, code):
    b = ballot()
    mutate(b)
    assert code in validate_ballot_shape(b)


def test_validate_ballot_shape_not_object_named():
    assert validate_ballot_shape([1]) == ["not_an_object"]


def test_parse_time_fractional_seconds_accepted():
    assert parse_time("2025-03-21T08:00:00.123Z") == datetime(2025, 3, 21, 8, 0, 0, 123000, tzinfo=UTC)
    assert format_time(datetime(2025, 3, 21, 8, 0, 0, 123000, tzinfo=UTC)) == "2025-03-21T08:00:00.123Z"


def test_format_time_naive_refused():
    with pytest.raises(ValueError):
        format_time(datetime(2025, 1, 1))


def test_check_ballot_valid_ok_with_hash():
    b = ballot()
    result = check(b, sign(VOTER, b))
    assert result.ok and result.object_hash == ballot_hash(b)


def test_check_ballot_forged_signature_bad_signature():
    b = ballot()
    assert check(b, sign(OTHER, b)).code is Rejection.BAD_SIGNATURE


def test_check_ballot_altered_choice_bad_signature():
    b = ballot()
    sig = sign(VOTER, b)
    b["choices"]["1"] = "oppose"
    assert check(b, sig).code is Rejection.BAD_SIGNATURE


def test_check_ballot_garbage_signature_bad_signature():
    assert check(ballot(), "not-a-signature").code is Rejection.BAD_SIGNATURE


def test_check_ballot_wrong_key_bad_signature():
    b = ballot()
    assert check(b, sign(VOTER, b), public_key=OTHER_PUB).code is Rejection.BAD_SIGNATURE


def test_check_ballot_no_key_not_eligible():
    b = ballot()
    assert check(b, sign(VOTER, b), public_key=None).code is Rejection.NOT_ELIGIBLE


def test_check_ballot_off_roll_not_eligible():
    b = ballot()
    assert check(b, sign(VOTER, b), is_eligible=False).code is Rejection.NOT_ELIGIBLE


@pytest.mark.parametrize("field, value", [("meeting", "346"), ("community", "13")])
def test_check_ballot_other_meeting_wrong_meeting(field, value):
    b = ballot(**{field: value})
    assert check(b, sign(VOTER, b)).code is Rejection.WRONG_MEETING


def test_check_ballot_other_roll_wrong_roll():
    b = ballot(roll_hash="cd" * 32)
    assert check(b, sign(VOTER, b)).code is Rejection.WRONG_ROLL


def test_check_ballot_unknown_motion_refused():
    b = ballot(choices={"1": "agree", "9": "agree"})
    assert check(b, sign(VOTER, b)).code is Rejection.UNKNOWN_MOTION


def test_check_ballot_malformed_bad_request():
    assert check({"type": BALLOT_TYPE}, "x").code is Rejection.BAD_REQUEST
    assert check("nope", "x").code is Rejection.BAD_REQUEST


@pytest.mark.parametrize(
    "now, code",
    [
        (OPENS - timedelta(seconds=1), Rejection.WINDOW_NOT_OPEN),
        (CLOSES, Rejection.WINDOW_CLOSED),
        (CLOSES + timedelta(days=1), Rejection.WINDOW_CLOSED),
    ],
)
def test_check_ballot_outside_window_refused(now, code):
    b = ballot(issued_at=now)
    assert check(b, sign(VOTER, b), now=now).code is code


def test_check_ballot_window_edges_open_inclusive():
    b = ballot(issued_at=OPENS)
    assert check(b, sign(VOTER, b), now=OPENS).ok
    last = CLOSES - timedelta(microseconds=1)
    b = ballot(issued_at=last)
    assert check(b, sign(VOTER, b), now=last).ok


@pytest.mark.parametrize("delta, ok", [(600, True), (601, False), (-600, True), (-601, False)])
def test_check_ballot_issued_at_tolerance_boundary(delta, ok):
    b = ballot(issued_at=NOW + timedelta(seconds=delta))
    result = check(b, sign(VOTER, b))
    assert result.ok is ok
    if not ok:
        assert result.code is Rejection.STALE_BALLOT


def test_check_ballot_replayed_hash_replay():
    b = ballot()
    assert check(b, sign(VOTER, b), seen_hashes={ballot_hash(b)}).code is Rejection.REPLAY


def test_check_ballot_reused_nonce_replay():
    b = ballot()
    assert check(b, sign(VOTER, b), seen_nonces={nonce()}).code is Rejection.REPLAY


def test_check_ballot_single_cast_second_ballot_already_voted():
    b = ballot(nonce=nonce(2))
    assert check(b, sign(VOTER, b), has_voted=True).code is Rejection.ALREADY_VOTED


def test_check_ballot_revisable_second_ballot_ok():
    ctx = MeetingContext(**{**CTX.__dict__, "policy": RevisionPolicy.REVISABLE})
    b = ballot(nonce=nonce(2))
    assert check(b, sign(VOTER, b), has_voted=True, context=ctx).ok


# --------------------------------------------------------------------------- delegations


def delegation(**over):
    base = dict(community="12", meeting="345", principal="p-a", proxy="77", issued_at=NOW, nonce=nonce(5))
    base.update(over)
    return build_delegation(**base)


def check_del(d, sig, **over):
    kw = dict(
        context=CTX, principal_key=VOTER_PUB, principal_eligible=True, proxy_principals=(), proxy_cap=3,
        revoked_hashes=set(), principal_has_voted=False, seen_nonces=set(), now=NOW,
    )
    kw.update(over)
    return check_delegation(d, sig, **kw)


def test_delegation_valid_ok():
    d = delegation(instructions={"1": "agree"})
    assert validate_delegation_shape(d) == []
    assert check_del(d, sign(VOTER, d)).ok


def test_delegation_signed_by_proxy_bad_signature():
    d = delegation()
    assert check_del(d, sign(OTHER, d)).code is Rejection.BAD_SIGNATURE


def test_delegation_cap_reached_proxy_cap_exceeded():
    d = delegation()
    assert check_del(d, sign(VOTER, d), proxy_principals=["p-b", "p-c", "p-d"]).code is Rejection.PROXY_CAP_EXCEEDED
    assert check_del(d, sign(VOTER, d), proxy_principals=["p-b", "p-c"]).ok


def test_delegation_revoked_refused():
    d = delegation()
    from govern.core.ballot import object_hash

    assert check_del(d, sign(VOTER, d), revoked_hashes={object_hash(d)}).code is Rejection.DELEGATION_REVOKED


def test_delegation_principal_voted_lapsed():
    d = delegation()
    assert check_del(d, sign(VOTER, d), principal_has_voted=True).code is Rejection.DELEGATION_LAPSED


def test_delegation_ballot_against_instructions_refused():
    d = delegation(instructions={"1": "agree"})
    b = ballot(choices={"1": "oppose"})
    result = check_del(d, sign(VOTER, d), ballot=b, proxy_account="77")
    assert result.code is Rejection.INSTRUCTIONS_NOT_FOLLOWED


def test_delegation_ballot_other_voter_bad_request():
    d = delegation()
    b = ballot(voter="p-z")
    assert check_del(d, sign(VOTER, d), ballot=b).code is Rejection.BAD_REQUEST


def test_delegation_shape_bad_instructions_named():
    d = delegation(instructions={"1": "invalid"})
    assert "bad_instructions" in validate_delegation_shape(d)


def test_revocation_before_proxy_votes_ok_after_refused():
    d = delegation()
    r = build_revocation(community="12", meeting="345", principal="p-a", delegation=d, issued_at=NOW, nonce=nonce(6))
    assert validate_revocation_shape(r) == []
    sig = sign(VOTER, r)
    kw = dict(context=CTX, delegation=d, principal_key=VOTER_PUB)
    assert check_revocation(r, sig, proxy_has_voted=False, **kw).ok
    assert check_revocation(r, sig, proxy_has_voted=True, **kw).code is Rejection.ALREADY_VOTED
    assert check_revocation(r, sign(OTHER, r), proxy_has_voted=False, **kw).code is Rejection.BAD_SIGNATURE


# --------------------------------------------------------------------------- paper


def paper(**over):
    base = dict(
        community="12", meeting="345", roll_hash=ROLL, voter="p-a", choices={"1": "agree", "2": "invalid"},
        invalid_reasons={"2": "two boxes ticked"}, scan_sha256="ef" * 32, entered_at=NOW, nonce=nonce(8),
    )
    base.update(over)
    return build_paper_ballot(**base)


def check_paper(p, att, entered_key=VOTER, attested_key=OTHER, **over):
    kw = dict(
        context=CTX, entered_by_key=public_key_b64(entered_key), attested_by_key=public_key_b64(attested_key),
        entered_by_account="c1", attested_by_account="c2", committee={"c1", "c2"}, is_eligible=True,
        seen_nonces=set(), seen_hashes=set(), has_voted=False,
    )
    kw.update(over)
    return check_attestation(p, sign(entered_key, p), att, sign(attested_key, att), **kw)


def test_paper_entered_and_attested_ok():
    p = paper()
    att = build_attestation(paper_ballot=p, attested_at=NOW, nonce=nonce(9))
    assert validate_paper_shape(p) == [] and validate_attestation_shape(att) == []
    assert check_paper(p, att).ok


def test_paper_invalid_without_reason_bad_request():
    p = paper(invalid_reasons={})
    assert "bad_invalid_reasons" in validate_paper_shape(p)


def test_paper_same_member_refused():
    p = paper()
    att = build_attestation(paper_ballot=p, attested_at=NOW, nonce=nonce(9))
    result = check_paper(p, att, attested_key=VOTER, attested_by_account="c1")
    assert result.code is Rejection.SAME_MEMBER


def test_paper_non_committee_refused():
    p = paper()
    att = build_attestation(paper_ballot=p, attested_at=NOW, nonce=nonce(9))
    assert check_paper(p, att, committee={"c1"}).code is Rejection.NOT_COMMITTEE


def test_paper_attestation_of_other_ballot_bad_request():
    p = paper()
    att = build_attestation(paper_ballot=paper(voter="p-b"), attested_at=NOW, nonce=nonce(9))
    assert check_paper(p, att).code is Rejection.BAD_REQUEST


def test_envelope_shape_bad_key_named():
    assert "bad_key_id" in validate_envelope_shape({"object": {}, "signature": "A" * 86, "key_id": "x"})


# --------------------------------------------------------------------------- the documented worked example


def test_ballot_format_doc_worked_example_recomputes():
    import json
    import re
    from pathlib import Path

    from govern.core.keys import verify
    from govern.core.ledger import make_receipt

    doc = (Path(__file__).resolve().parents[2] / "docs" / "ballot-format.md").read_text(encoding="utf-8")
    part = doc.split("<!-- example:start -->")[1].split("<!-- example:end -->")[0]
    ticks = re.findall(r"`([^`\n]+)`", part)
    seed, pub, bhash, sig, server_seed, server_pub, chain, server_sig = ticks
    canonical = part.split("```")[1].strip()
    obj = json.loads(canonical)
    key = private_key_from_bytes(bytes.fromhex(seed))
    assert public_key_b64(key) == pub
    assert canonical_bytes(obj).decode() == canonical
    assert validate_ballot_shape(obj) == [] and ballot_hash(obj) == bhash
    assert sign(key, obj) == sig and verify(pub, obj, sig)
    server = private_key_from_bytes(bytes.fromhex(server_seed))
    assert public_key_b64(server) == server_pub
    assert make_receipt(server, "345", 7, bhash, chain)["server_signature"] == server_sig


def test_nonce_check_agrees_with_strict_decoder():
    import os

    from govern.core.ballot import _is_nonce
    from govern.core.keys import b64url_decode

    samples = [b64url_encode(os.urandom(16)) for _ in range(200)]
    samples += [s[:-1] + c for s in samples[:20] for c in "ABQRgwx-_"] + ["", "A" * 21, "A" * 23, "A" * 21 + "="]
    for text in samples:
        try:
            b64url_decode(text, length=16)
            expected = True
        except ValueError:
            expected = False
        assert _is_nonce(text) is expected, text
