"""The record archive: a valid record verifies; every kind of tampering is named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govern.core import fastpath
from govern.core.archive import NotARecord, build_record, pseudonymise, read_record
from govern.core.ballot import build_ballot
from govern.core.canonical import canonical_bytes
from govern.core.keys import sign
from govern.core.roll import roll_from_json
from govern.core.verify import verify_record
from tests.core.recordfactory import (
    CLOSES,
    OPENS,
    SERVER,
    T_CREATED,
    RecordFactory,
    edit_json,
    edit_ledger,
    private,
    pub,
    rewrite,
    standard_record,
)


def codes(report) -> set[str]:
    return {p.code for p in report.problems}


def entry_codes(report, position: int) -> set[str]:
    return {p.code for p in report.problems if p.entry == position}


@pytest.fixture(scope="module")
def record() -> bytes:
    return standard_record()


def test_verify_record_standard_valid_with_results(record):
    report = verify_record(record)
    assert report.valid, report.problems
    assert report.ballots == 5 and report.counted == 5
    first, second = report.motions
    assert first["adopted"] is True and second["adopted"] is False
    assert second["invalid"] == {"area": "100.00", "persons": 1}
    assert first["countersigned_by"] == ["c1", "c2"] and first["certified_by"] == ["aud1"]


def test_build_record_deterministic_same_bytes():
    assert standard_record() == standard_record()


def test_build_record_members_sorted_with_fixed_times(record):
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(record)) as zf:
        names = zf.namelist()
        assert names[:2] == ["manifest.json", "manifest.sig"]
        assert names[2:] == sorted(names[2:])
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_verify_record_parallel_path_same_result(record, monkeypatch, method):
    monkeypatch.setattr(fastpath, "PARALLEL_THRESHOLD", 0)
    monkeypatch.setattr(fastpath, "START_METHOD", method)
    assert verify_record(record, workers=2).to_json() == verify_record(record, workers=1).to_json()
    assert fastpath._SHARED == {}


def test_verify_record_interim_valid_without_result():
    f = RecordFactory().standard()
    report = verify_record(f.build(interim=True))
    assert report.valid and report.interim
    assert "result.json" not in read_record(f.build(interim=True))


# --------------------------------------------------------------------------- not a record


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x03\x04garbage"])
def test_verify_record_not_a_zip_not_a_record(data):
    with pytest.raises(NotARecord):
        verify_record(data)


def test_verify_record_missing_path_not_a_record(tmp_path):
    with pytest.raises(NotARecord):
        verify_record(tmp_path / "missing.zip")


def test_verify_record_zip_without_manifest_not_a_record(record):
    files = read_record(record)
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("roll.json", files["roll.json"])
    with pytest.raises(NotARecord):
        verify_record(out.getvalue())


def test_verify_record_other_format_not_a_record(record):
    with pytest.raises(NotARecord):
        verify_record(edit_json(record, "manifest.json", lambda m: m.update(format="govern.record.v9"), resign=False))


# --------------------------------------------------------------------------- file-level tampering


@pytest.mark.parametrize(
    "name", ["meeting.json", "roll.json", "keys.json", "delegations.json", "ledger.jsonl", "result.json"]
)
def test_verify_record_any_file_edited_hash_mismatch_named(record, name):
    data = read_record(record)[name]
    report = verify_record(rewrite(record, name, data + b" ", resign=False))
    assert any(p.code == "file_hash_mismatch" and p.file == name for p in report.problems)


def test_verify_record_manifest_edited_signature_invalid(record):
    report = verify_record(edit_json(record, "manifest.json", lambda m: m.update(interim=True), resign=False))
    assert "manifest_signature_invalid" in codes(report)


def test_verify_record_file_removed_missing_named(record):
    report = verify_record(rewrite(record, "keys.json", None, resign=True))
    assert any(p.code == "file_missing" and p.file == "keys.json" for p in report.problems)


def test_verify_record_extra_file_unlisted(record):
    report = verify_record(rewrite(record, "extra.txt", b"x", resign=False))
    assert any(p.code == "unlisted_entry" and p.file == "extra.txt" for p in report.problems)


def test_verify_record_result_removed_from_final_missing(record):
    report = verify_record(rewrite(record, "result.json", None))
    assert "file_missing" in codes(report)


# --------------------------------------------------------------------------- ledger tampering (server re-signs)


def test_verify_record_changed_choice_named(record):
    def edit(lines):
        lines[0]["ballot"]["choices"]["1"] = "oppose"

    report = verify_record(edit_ledger(record, edit))
    assert {"bad_signature", "chain_hash_mismatch", "ballot_hash_mismatch"} <= entry_codes(report, 1)
    assert "result_mismatch" in codes(report)


def test_verify_record_changed_choice_rehashed_still_bad_signature(record):
    """A server that recomputes every hash still cannot forge the voter's signature."""
    from govern.core.ballot import ballot_hash
    from govern.core.canonical import chain_hash

    def edit(lines):
        prev = "0" * 64
        for i, line in enumerate(lines):
            if i == 1:
                line["ballot"]["choices"]["1"] = "agree"
                line["ballot_hash"] = ballot_hash(line["ballot"])
            line["prev_hash"] = prev
            payload = {k: v for k, v in line.items() if k != "chain_hash"}
            line["chain_hash"] = prev = chain_hash(prev, payload)

    report = verify_record(edit_ledger(record, edit))
    assert entry_codes(report, 2) == {"bad_signature"}
    assert "result_ledger_mismatch" in codes(report)


def test_verify_record_deleted_entry_named(record):
    report = verify_record(edit_ledger(record, lambda lines: lines.pop(1)))
    assert {"position_gap", "chain_broken"} <= entry_codes(report, 3)
    assert "result_ledger_mismatch" in codes(report)


def test_verify_record_deleted_last_entry_detected_by_result(record):
    report = verify_record(edit_ledger(record, lambda lines: lines.pop()))
    assert "result_ledger_mismatch" in codes(report)


def test_verify_record_inserted_entry_named(record):
    f = RecordFactory()
    forged = f.cast("p-f", {"1": "agree"}, "acc-f").to_json()
    forged["position"] = 2
    report = verify_record(edit_ledger(record, lambda lines: lines.insert(1, forged)))
    assert "chain_broken" in entry_codes(report, 2)
    assert "position_gap" in codes(report)


def test_verify_record_replayed_ballot_named(record):
    def edit(lines):
        copy = json.loads(json.dumps(lines[0]))
        copy["position"] = len(lines) + 1
        copy["prev_hash"] = lines[-1]["chain_hash"]
        lines.append(copy)

    report = verify_record(edit_ledger(record, edit))
    assert "replay" in entry_codes(report, 6)


def test_verify_record_unparseable_line_bad_entry(record):
    data = read_record(record)["ledger.jsonl"] + b"{not json\n"
    report = verify_record(rewrite(record, "ledger.jsonl", data))
    assert "bad_entry" in codes(report)


# --------------------------------------------------------------------------- keys and roll tampering


def test_verify_record_swapped_enrolled_key_named(record):
    def edit(keys):
        for e in keys["enrolments"]:
            if e["account"] == "acc-a":
                e["public_key"] = pub("mallory")

    report = verify_record(edit_json(record, "keys.json", edit))
    assert "key_not_enrolled" in entry_codes(report, 1)
    assert "roll_key_mismatch" in codes(report)


def test_verify_record_key_revoked_before_casting_named():
    f = RecordFactory()
    f.revoke_key("acc-a", OPENS, new_name="acc-a-phone2")
    f.cast("p-a", {"1": "agree"}, "acc-a")  # signs with the revoked key
    report = verify_record(f.build(interim=True))
    assert entry_codes(report, 1) == {"key_revoked"}


def test_verify_record_new_key_after_reenrolment_valid():
    f = RecordFactory()
    f.revoke_key("acc-a", OPENS, new_name="acc-a-phone2")
    f.cast("p-a", {"1": "agree"}, "acc-a-phone2")
    report = verify_record(f.build(interim=True))
    assert report.valid, report.problems


def test_verify_record_overlapping_keys_named():
    f = RecordFactory()
    f.enrolments.append({"account": "acc-a", "public_key": pub("second"), "enrolled_at": "2025-02-02T00:00:00Z",
                         "revoked_at": None})
    assert "key_overlap" in codes(verify_record(f.build(interim=True)))


def test_verify_record_ballot_by_other_owners_key_named():
    f = RecordFactory()
    f.cast("p-a", {"1": "agree"}, "acc-e")
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"key_not_enrolled"}


def test_verify_record_edited_roll_named(record):
    def edit(roll):
        roll["persons"][0]["area"] += 100
        roll["total_area"] += 100

    report = verify_record(edit_json(record, "roll.json", edit))
    assert "roll_hash_mismatch" in codes(report)
    assert "roll_area_mismatch" in codes(report)


def test_verify_record_roll_unit_moved_hash_mismatch(record):
    def edit(roll):
        roll["persons"][1]["identity"]["units"][0]["unit"] = "202"

    assert codes(verify_record(edit_json(record, "roll.json", edit))) == {"roll_hash_mismatch"}


def test_verify_record_voter_off_roll_not_eligible():
    f = RecordFactory()
    f.cast("p-zz", {"1": "agree"}, "acc-a")
    assert "not_eligible" in entry_codes(verify_record(f.build(interim=True)), 1)


def test_verify_record_wrong_meeting_and_roll_named():
    f = RecordFactory()
    at = f.tick()
    b = build_ballot(community="12", meeting="999", roll_hash="ab" * 32, voter="p-a", choices={"1": "agree"},
                     issued_at=at, nonce=f.nonce())
    f.append(b, "acc-a", at=at)
    assert {"wrong_meeting", "wrong_roll"} <= entry_codes(verify_record(f.build(interim=True)), 1)


def test_verify_record_outside_window_and_stale_named():
    f = RecordFactory()
    f.cast("p-a", {"1": "agree"}, "acc-a", at=CLOSES + timedelta(minutes=1))
    at = f.tick()
    b = build_ballot(community="12", meeting="345", roll_hash=f.meeting["roll_hash"], voter="p-e",
                     choices={"1": "agree"}, issued_at=at - timedelta(hours=1), nonce=f.nonce())
    f.append(b, "acc-e", at=at)
    report = verify_record(f.build(interim=True))
    assert entry_codes(report, 1) == {"outside_window"}
    assert entry_codes(report, 2) == {"stale_ballot"}


# --------------------------------------------------------------------------- revision policy


def test_verify_record_single_cast_second_ballot_violation():
    f = RecordFactory()
    f.cast("p-a", {"1": "agree"}, "acc-a")
    f.cast("p-a", {"1": "oppose"}, "acc-a")
    report = verify_record(f.build(interim=True))
    assert [p.code for p in report.problems] == ["revision_policy_violated"]
    assert report.motions[0]["agree"]["persons"] == 1


def test_verify_record_revisable_latest_counts_valid():
    f = RecordFactory(policy="revisable-until-close")
    f.cast("p-a", {"1": "agree"}, "acc-a")
    f.cast("p-a", {"1": "oppose"}, "acc-a")
    report = verify_record(f.build())
    assert report.valid, report.problems
    assert report.motions[0]["oppose"]["persons"] == 1 and report.motions[0]["agree"]["persons"] == 0


# --------------------------------------------------------------------------- proxies


def test_verify_record_proxy_cap_exceeded_named():
    f = RecordFactory(proxy_cap=2)
    for pid, acct in (("p-a", "acc-a"), ("p-b", "acc-b1"), ("p-c", "acc-c")):
        env = f.delegate(pid, acct)
        f.cast(pid, {"1": "agree"}, "proxy", delegation=env)
    report = verify_record(f.build(interim=True))
    assert [(p.entry, p.code) for p in report.problems] == [(3, "proxy_cap_exceeded")]


def test_verify_record_revoked_delegation_used_named():
    f = RecordFactory()
    env = f.delegate("p-c", "acc-c")
    f.revoke(env, "acc-c")
    f.cast("p-c", {"1": "agree"}, "proxy", delegation=env)
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"delegation_revoked"}


def test_verify_record_delegation_signed_by_proxy_named():
    f = RecordFactory()
    env = f.delegate("p-c", "proxy")
    f.cast("p-c", {"1": "agree"}, "proxy", delegation=env)
    report = verify_record(f.build(interim=True))
    assert "delegation_key_not_enrolled" in codes(report)
    assert "delegation_unregistered" in entry_codes(report, 1)


def test_verify_record_proxy_ignores_instructions_named():
    f = RecordFactory()
    env = f.delegate("p-c", "acc-c", instructions={"1": "oppose"})
    f.cast("p-c", {"1": "agree"}, "proxy", delegation=env)
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"instructions_not_followed"}


def test_verify_record_ballot_by_non_proxy_key_named():
    f = RecordFactory()
    env = f.delegate("p-c", "acc-c")
    f.cast("p-c", {"1": "agree"}, "acc-e", delegation=env)
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"key_not_enrolled"}


def test_verify_record_owner_vote_supersedes_proxy_valid():
    f = RecordFactory()
    env = f.delegate("p-c", "acc-c")
    f.cast("p-c", {"1": "agree"}, "proxy", delegation=env)
    f.cast("p-c", {"1": "oppose"}, "acc-c")
    report = verify_record(f.build())
    assert report.valid, report.problems
    assert report.motions[0]["oppose"]["persons"] == 1 and report.motions[0]["agree"]["persons"] == 0


# --------------------------------------------------------------------------- paper


def test_verify_record_paper_attested_by_same_member_named():
    f = RecordFactory()
    f.paper("p-d", {"1": "agree"}, entered_by="c1", attested_by="c1")
    assert "paper_same_member" in entry_codes(verify_record(f.build(interim=True)), 1)


def test_verify_record_paper_by_non_committee_named():
    f = RecordFactory()
    f.paper("p-d", {"1": "agree"}, entered_by="c1", attested_by="acc-e")
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"paper_not_committee"}


def test_verify_record_paper_forged_attestation_signature_named(record):
    def edit(lines):
        att = lines[3]["attestation"]
        att["signature"] = sign(private("c1"), att["object"])  # c1 forges c2's attestation

    report = verify_record(edit_ledger(record, edit))
    assert "paper_bad_attestation" in entry_codes(report, 4)


# --------------------------------------------------------------------------- results


def test_verify_record_result_altered_named(record):
    def edit(res):
        res["motions"][1]["result"]["result"]["adopted"] = True

    report = verify_record(edit_json(record, "result.json", edit))
    assert {"result_signature_invalid", "result_mismatch"} <= codes(report)
    assert "countersignature_invalid" in codes(report) and "certification_invalid" in codes(report)


def test_verify_record_result_signed_but_wrong_named():
    f = RecordFactory().standard()
    results = f.results()
    # the server signs a false tally: the verifier still catches it
    res = results[0]["result"]
    res["result"] = {**res["result"], "adopted": False}
    results[0]["server_signature"] = sign(SERVER, res)
    results[0]["countersignatures"] = []
    results[0]["certifications"] = []
    report = verify_record(f.build(results=results))
    assert codes(report) == {"result_mismatch"}


def test_verify_record_countersignature_by_non_member_named():
    f = RecordFactory().standard()
    report = verify_record(f.build(results=f.results(countersigners=("c1", "acc-a"))))
    assert codes(report) == {"countersignature_invalid"}


def test_verify_record_every_problem_listed_not_just_first(record):
    def edit(lines):
        lines[0]["ballot"]["choices"]["1"] = "oppose"
        lines[4]["ballot"]["choices"]["1"] = "oppose"

    report = verify_record(edit_ledger(record, edit))
    assert {p.entry for p in report.problems if p.code == "bad_signature"} == {1, 5}


# --------------------------------------------------------------------------- public edition


def test_pseudonymise_public_edition_verifies(record):
    public = pseudonymise(record, server_private=SERVER, created_at=T_CREATED)
    report = verify_record(public)
    assert report.valid, report.problems
    assert report.edition == "public" and report.unchecked
    assert verify_record(record).motions == report.motions
    roll = json.loads(read_record(public)["roll.json"])
    assert all("identity" not in p for p in roll["persons"])
    assert b"101" not in read_record(public)["roll.json"]


def test_pseudonymise_public_edition_tampered_detected(record):
    public = pseudonymise(record, server_private=SERVER, created_at=T_CREATED)

    def edit(roll):
        roll["persons"][0]["area"] += 1
        roll["total_area"] += 1

    assert "roll_hash_mismatch" in codes(verify_record(edit_json(public, "roll.json", edit)))


def test_build_record_public_flag_same_roll_hash():
    f = RecordFactory().standard()
    public = build_record(meeting=f.meeting, roll=f.roll, keys=f.keys_json(), delegations=f.delegations,
                          ledger=f.entries, results=f.results(), server_private=SERVER, created_at=T_CREATED,
                          public=True)
    assert verify_record(public).valid
    assert roll_from_json(json.loads(read_record(public)["roll.json"])).is_public


def test_build_record_interim_with_results_refused():
    f = RecordFactory().standard()
    with pytest.raises(ValueError):
        build_record(meeting=f.meeting, roll=f.roll, keys=f.keys_json(), delegations=[], ledger=[], results=[],
                     server_private=SERVER, created_at=T_CREATED, interim=True)


def test_record_json_members_are_canonical(record):
    files = read_record(record)
    for name in ("meeting.json", "roll.json", "keys.json"):
        assert canonical_bytes(json.loads(files[name])) == files[name]


# --------------------------------------------------------------------------- the verifier's fast canonical path

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**15) + 1, 10**15 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(_json_values)
def test_fast_canonical_equals_rfc8785_on_strict_json(value):
    line = json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if fastpath._needs_slow_path(line):
        return
    try:
        expected = canonical_bytes(value)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017 - lone surrogates fail on both paths
            fastpath._fast_canonical(fastpath._strict_loads(line))
        return
    assert fastpath._fast_canonical(fastpath._strict_loads(line)) == expected


def test_strict_loads_float_and_huge_int_refused():
    for line in (b'{"a":1.0}', b'{"a":1e3}', b'{"a":NaN}', b'{"a":-Infinity}', b'{"a":1234567890123456}'):
        with pytest.raises(ValueError):
            fastpath._strict_loads(line)
    assert fastpath._strict_loads(b'[-123456789012345]') == [-123456789012345]


@pytest.mark.parametrize("line", ['{"\U0001F600":1}'.encode(), b'{"a":"\\ud83d\\ude00"}', b'"\\uDBFF"'])
def test_needs_slow_path_non_bmp_matched(line):
    assert fastpath._needs_slow_path(line)


@pytest.mark.parametrize("line", [b'{"h":"1234567890123456789"}', '{"中文":"\\u00e9"}'.encode()])
def test_needs_slow_path_bmp_text_not_matched(line):
    assert not fastpath._needs_slow_path(line)


def _roll_variants():
    from govern.core.roll import roll_to_json

    roll = RecordFactory().roll
    yield roll_to_json(roll)
    yield roll_to_json(roll, public=True)
    edits = [
        lambda j: j["persons"][0].update(area=1),
        lambda j: j["persons"][0].update(weight=2),
        lambda j: j.update(total_persons=9),
        lambda j: j["persons"].reverse(),
        lambda j: j["persons"][1]["identity"]["units"][0].update(unit="101"),
        lambda j: j["persons"][1]["identity"]["units"][0].update(building="9"),
        lambda j: j.update(scope={"kind": "buildings", "buildings": ["1"]}),
        lambda j: j["persons"][0].update(extra=1),          # not exact: general path
        lambda j: j["persons"][0].update(area="1"),         # malformed
    ]
    for edit in edits:
        j = roll_to_json(roll)
        edit(j)
        yield j


@pytest.mark.parametrize("obj", list(_roll_variants()))
def test_roll_digest_fast_path_equals_general_path(obj):
    from govern.core.roll import roll_hash, roll_problems

    raw = canonical_bytes(obj)
    digest, problems, public, head = fastpath._roll_digest(raw)
    try:
        roll = roll_from_json(obj)
    except ValueError:
        assert digest is None
        return
    assert digest == roll_hash(roll)
    assert problems == roll_problems(roll)
    assert public == roll.is_public
    assert [p[0] for p in head[5]] == [p.person for p in roll.persons]


def test_verify_record_parallel_path_tampering_same_problems(record, monkeypatch):
    def edit(roll):
        roll["persons"][0]["area"] += 100
        roll["total_area"] += 100

    def edit_lines(lines):
        lines[0]["ballot"]["choices"]["1"] = "oppose"

    bad = edit_ledger(edit_json(record, "roll.json", edit), edit_lines)
    serial = verify_record(bad, workers=1).to_json()
    monkeypatch.setattr(fastpath, "PARALLEL_THRESHOLD", 0)
    parallel = verify_record(bad, workers=2).to_json()
    assert parallel == serial
    assert {"roll_hash_mismatch", "bad_signature"} <= {p["code"] for p in parallel["problems"]}


def test_verify_record_delegation_registered_after_ballot_named():
    f = RecordFactory()
    env = f.delegate("p-c", "acc-c")
    f.delegations[0]["received_at"] = "2025-03-26T00:00:00Z"
    f.cast("p-c", {"1": "agree"}, "proxy", delegation=env)
    assert entry_codes(verify_record(f.build(interim=True)), 1) == {"delegation_unregistered"}
