"""``govern verify --receipt RECEIPT RECORD``: the bare receipt and the ballot page's bundle; exits 0 / 1 / 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from govern.core.ballot import object_hash
from govern.core.ledger import make_receipt
from govern.verify_cli import verify
from tests.core.recordfactory import MEETING, SERVER, SERVER_PUB, RecordFactory, edit_ledger, private, pub


@pytest.fixture(scope="module")
def factory() -> RecordFactory:
    f = RecordFactory(policy="revisable-until-close").standard()
    f.cast("p-a", {"1": "oppose", "2": "oppose"}, "acc-a")  # p-a revises: entry 1 no longer counts
    return f


@pytest.fixture(scope="module")
def record(factory) -> bytes:
    return factory.build()


def bare(entry, server=SERVER, meeting=MEETING) -> dict:
    return make_receipt(server, meeting, entry.position, entry.ballot_hash, entry.chain_hash)


def bundle(entry, signer: str, **over) -> dict:
    out = {"type": "govern.receipt-bundle.v1", "meeting": MEETING, "ballot": entry.ballot,
           "signature": entry.signature, "key_id": pub(signer), "ballot_hash": entry.ballot_hash,
           "receipt": bare(entry), "server_public_key": SERVER_PUB, "server_signature_verified": True,
           "check_url": "https://example.test/meetings/345/receipt"}
    out.update(over)
    return out


def run(tmp_path, receipt, record: bytes | None, *extra: str):
    rpath, zpath = tmp_path / "receipt.json", tmp_path / "record.zip"
    if isinstance(receipt, bytes):
        rpath.write_bytes(receipt)
    elif receipt is not None:
        rpath.write_text(json.dumps(receipt, indent=2) + "\n")
    if record is not None:
        zpath.write_bytes(record)
    result = CliRunner().invoke(verify, ["--receipt", str(rpath), *extra, str(zpath)])
    out = json.loads(result.stdout) if result.exit_code in (0, 1) else None
    return result, out


def test_bare_receipt_included_counted_exit_0(tmp_path, factory, record):
    result, out = run(tmp_path, bare(factory.entries[1]), record)
    assert result.exit_code == 0, result.output
    assert out == {"included": True, "counted": True, "position": 2, "problems": []}


def test_bundle_from_ballot_page_included_exit_0(tmp_path, factory, record):
    result, out = run(tmp_path, bundle(factory.entries[1], "acc-b2"), record)
    assert result.exit_code == 0, result.output
    assert out == {"included": True, "counted": True, "position": 2, "problems": []}


def test_proxy_and_paper_entries_included(tmp_path, factory, record):
    for entry in factory.entries[2:4]:
        result, out = run(tmp_path, bare(entry), record)
        assert result.exit_code == 0 and out["counted"] is True


def test_superseded_ballot_included_not_counted_exit_0(tmp_path, factory, record):
    result, out = run(tmp_path, bare(factory.entries[0]), record)
    assert result.exit_code == 0, result.output
    assert out == {"included": True, "counted": False, "position": 1, "problems": []}


def test_receipt_signed_by_other_key_exit_1(tmp_path, factory, record):
    result, out = run(tmp_path, bare(factory.entries[1], server=private("impostor")), record)
    assert result.exit_code == 1
    assert [p["code"] for p in out["problems"]] == ["receipt_signature_invalid"]
    assert "receipt_signature_invalid" in result.stderr


def test_receipt_for_another_meeting_exit_1(tmp_path, factory, record):
    result, out = run(tmp_path, bare(factory.entries[1], meeting="999"), record)
    assert result.exit_code == 1 and [p["code"] for p in out["problems"]] == ["receipt_signature_invalid"]


def test_ballot_dropped_from_ledger_not_included_exit_1(tmp_path, factory, record):
    """The server dropped entry 2 and rebuilt the chain and the results: the receipt proves it."""
    def drop(lines):
        del lines[1]

    receipt = bare(factory.entries[1])
    result, out = run(tmp_path, receipt, edit_ledger(record, drop))
    assert result.exit_code == 1
    assert out["included"] is False and out["counted"] is False and out["position"] is None
    assert "receipt_not_in_ledger" in [p["code"] for p in out["problems"]]  # entry 3 keeps its position


def test_position_beyond_ledger_not_in_ledger_exit_1(tmp_path, factory, record):
    last = factory.entries[-1]
    receipt = make_receipt(SERVER, MEETING, last.position + 5, last.ballot_hash, last.chain_hash)
    result, out = run(tmp_path, receipt, record)
    assert result.exit_code == 1 and [p["code"] for p in out["problems"]] == ["receipt_not_in_ledger"]


def test_bundle_with_other_ballot_exit_1(tmp_path, factory, record):
    entry = factory.entries[1]
    other = dict(entry.ballot, choices={"1": "agree", "2": "agree"})
    result, out = run(tmp_path, bundle(entry, "acc-b2", ballot=other), record)
    assert result.exit_code == 1
    assert {"bundle_ballot_mismatch", "bundle_signature_invalid"} <= {p["code"] for p in out["problems"]}
    assert out["included"] is True  # the receipt's entry is there; the bundle contradicts it


def test_bundle_for_other_meeting_and_server_key_exit_1(tmp_path, factory, record):
    result, out = run(tmp_path, bundle(factory.entries[1], "acc-b2", meeting="999",
                                       server_public_key=pub("impostor")), record)
    assert result.exit_code == 1
    assert {"receipt_wrong_meeting", "server_key_mismatch"} <= {p["code"] for p in out["problems"]}


def test_included_in_a_record_that_does_not_verify_exit_1(tmp_path, factory, record):
    def edit(lines):
        lines[4]["ballot"]["choices"]["1"] = "agree"

    result, out = run(tmp_path, bare(factory.entries[1]), edit_ledger(record, edit))
    assert result.exit_code == 1 and out["included"] is True
    assert [p["code"] for p in out["problems"]] == ["record_invalid"]


def test_pinned_server_key_checks_receipt_against_it(tmp_path, factory, record):
    result, _ = run(tmp_path, bare(factory.entries[1]), record, "--server-key", SERVER_PUB)
    assert result.exit_code == 0
    result, out = run(tmp_path, bare(factory.entries[1]), record, "--server-key", pub("impostor"))
    assert result.exit_code == 1 and "receipt_signature_invalid" in {p["code"] for p in out["problems"]}


@pytest.mark.parametrize("receipt", [
    None,                                                   # missing file
    b"not json",
    b'{"ballot_hash": "00", "position": 1}',                # not a receipt's keys
    {"type": "govern.receipt-bundle.v1", "receipt": {}},    # bundle without meeting or receipt
    [1, 2, 3],
])
def test_not_a_receipt_exit_2(tmp_path, record, receipt):
    result, _ = run(tmp_path, receipt, record)
    assert result.exit_code == 2
    assert "not a receipt" in result.stderr and "Traceback" not in result.output


def test_receipt_with_repeated_key_not_a_receipt_exit_2(tmp_path, factory, record):
    r = bare(factory.entries[1])
    text = json.dumps(r)[:-1] + ', "position": 3}'
    result, _ = run(tmp_path, text.encode(), record)
    assert result.exit_code == 2 and "twice" in result.stderr


@pytest.mark.parametrize("content", [None, b"not a zip"])
def test_not_a_record_exit_2(tmp_path, factory, content):
    result, _ = run(tmp_path, bare(factory.entries[1]), content)
    assert result.exit_code == 2 and "not a govern record" in result.stderr


def test_bundle_hash_matches_page_computation(factory):
    """The bundle's ballot_hash is the hash the page computes: the hash of the ballot's canonical bytes."""
    entry = factory.entries[1]
    assert object_hash(entry.ballot) == entry.ballot_hash


def test_entry_at_position_differs_receipt_mismatch_exit_1(tmp_path, factory, record):
    """The server signed a receipt, then put another entry at that position."""
    entry, other = factory.entries[1], factory.entries[2]
    receipt = make_receipt(SERVER, MEETING, entry.position, entry.ballot_hash, other.chain_hash)
    result, out = run(tmp_path, receipt, record)
    assert result.exit_code == 1 and out["included"] is False
    assert [(p["file"], p["entry"], p["code"]) for p in out["problems"]] == [("ledger.jsonl", 2, "receipt_mismatch")]
