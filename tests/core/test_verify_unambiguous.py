"""One record, one reading: ZIP entries, JSON keys, canonical bytes, line ends, edition and countersignatures."""

from __future__ import annotations

import io
import json
import warnings
import zipfile

import pytest
from click.testing import CliRunner

from govern.core.archive import read_record, write_record
from govern.core.canonical import canonical_bytes
from govern.core.keys import sign
from govern.core.verify import verify_record
from govern.verify_cli import verify
from tests.core.recordfactory import SERVER, T_CREATED, RecordFactory, rewrite, standard_record


def codes(report) -> set[str]:
    return {p.code for p in report.problems}


@pytest.fixture(scope="module")
def record() -> bytes:
    return standard_record()


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    """A zip written entry by entry, exactly as given (repeated names included)."""
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name, and writes it all the same
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in members:
                zf.writestr(name, data)
    return out.getvalue()


def members(record: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(record)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def resigned(files: dict[str, bytes], **manifest_extra) -> tuple[bytes, bytes]:
    """``(manifest.json, manifest.sig)`` listing ``files`` (plus ``manifest_extra`` keys), signed by the server."""
    manifest = json.loads(read_record(write_record(
        files, server_private=SERVER, community="12", meeting="345", edition="auditor", interim=False,
        created_at=T_CREATED))["manifest.json"])
    manifest.update(manifest_extra)
    return canonical_bytes(manifest), sign(SERVER, manifest).encode()


def run_cli(tmp_path, data: bytes, *extra: str):
    path = tmp_path / "record.zip"
    path.write_bytes(data)
    return CliRunner().invoke(verify, [*extra, str(path)])


# --------------------------------------------------------------------------- duplicate_entry


@pytest.mark.parametrize("listed_first", [True, False])
def test_two_ledger_entries_duplicate_entry_exit_1(tmp_path, record, listed_first):
    """Two ``ledger.jsonl`` entries, the manifest listing either one: never valid, whichever a reader takes."""
    parts = members(record)
    ledger = dict(parts)["ledger.jsonl"]
    other = b"\n".join(ledger.split(b"\n")[:2]) + b"\n"  # a shorter ledger: two entries dropped
    if not listed_first:
        files = {n: d for n, d in parts if n not in ("manifest.json", "manifest.sig")}
        files["ledger.jsonl"] = other
        manifest, sig = resigned(files)
        parts = [("manifest.json", manifest), ("manifest.sig", sig)] + parts[2:]
    data = zip_of(parts + [("ledger.jsonl", other if listed_first else ledger)])
    report = verify_record(data)
    assert not report.valid
    assert any(p.code == "duplicate_entry" and p.file == "ledger.jsonl" for p in report.problems)
    result = run_cli(tmp_path, data)
    assert result.exit_code == 1 and "ledger.jsonl: duplicate_entry" in result.stderr


def test_two_manifest_entries_duplicate_entry(record):
    parts = members(record)
    report = verify_record(zip_of(parts + [parts[0]]))
    assert "duplicate_entry" in codes(report)


# --------------------------------------------------------------------------- unlisted_entry


def test_extra_member_unlisted_entry(record):
    report = verify_record(zip_of(members(record) + [("notes.txt", b"hello")]))
    assert [(p.file, p.code) for p in report.problems] == [("notes.txt", "unlisted_entry")]


def test_directory_entry_unlisted_entry(record):
    report = verify_record(zip_of(members(record) + [("extra/", b"")]))
    assert [(p.file, p.code) for p in report.problems] == [("extra/", "unlisted_entry")]


def test_member_in_subfolder_not_the_listed_one(record):
    """``./ledger.jsonl`` is another name than ``ledger.jsonl``: unlisted, not silently read."""
    parts = [(("./" + n) if n == "ledger.jsonl" else n, d) for n, d in members(record)]
    found = codes(verify_record(zip_of(parts)))
    assert {"unlisted_entry", "file_missing"} <= found


# --------------------------------------------------------------------------- duplicate_json_key


def test_ledger_line_duplicate_choice_key_never_valid(tmp_path, record):
    """``{"1":"agree","1":"oppose"}``: a last-wins reader sees the signed ballot, a first-wins reader another vote."""
    data = read_record(record)["ledger.jsonl"]
    first, rest = data.split(b"\n", 1)
    assert b'"choices":{"1":"agree"' in first
    forged = first.replace(b'"choices":{"1":"agree"', b'"choices":{"1":"oppose","1":"agree"', 1)
    tampered = rewrite(record, "ledger.jsonl", forged + b"\n" + rest)  # the server re-signs the manifest
    report = verify_record(tampered)
    assert [(p.entry, p.code) for p in report.problems if p.file == "ledger.jsonl"] == [(1, "duplicate_json_key")]
    assert "result_mismatch" in codes(report)  # the entry does not count, so the signed tally no longer holds
    result = run_cli(tmp_path, tampered)
    assert result.exit_code == 1 and "ledger.jsonl entry 1: duplicate_json_key" in result.stderr


@pytest.mark.parametrize("name", ["meeting.json", "keys.json", "roll.json", "result.json", "delegations.json"])
def test_json_member_duplicate_key_named(record, name):
    data = read_record(record)[name]
    assert data.startswith(b'{"')
    key = data[1:data.index(b":")]
    forged = b"{" + key + b':"x",' + data[1:]
    assert codes(verify_record(rewrite(record, name, forged))) >= {"duplicate_json_key"}


def test_manifest_duplicate_key_named(record):
    files = {n: d for n, d in members(record) if n not in ("manifest.json", "manifest.sig")}
    manifest, _ = resigned(files)
    forged = manifest.replace(b'"edition":"auditor"', b'"edition":"public","edition":"auditor"')
    obj = json.loads(forged)
    data = zip_of([("manifest.json", forged), ("manifest.sig", sign(SERVER, obj).encode()), *files.items()])
    report = verify_record(data)
    assert any(p.file == "manifest.json" and p.code == "duplicate_json_key" for p in report.problems)


# --------------------------------------------------------------------------- non_canonical_json, crlf


def test_pretty_printed_meeting_non_canonical(record):
    pretty = json.dumps(json.loads(read_record(record)["meeting.json"]), indent=1, ensure_ascii=False).encode()
    report = verify_record(rewrite(record, "meeting.json", pretty))
    assert [(p.file, p.code) for p in report.problems] == [("meeting.json", "non_canonical_json")]


def test_escaped_unicode_non_canonical(record):
    obj = json.loads(read_record(record)["meeting.json"])
    ascii_form = json.dumps(obj, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode()
    report = verify_record(rewrite(record, "meeting.json", ascii_form))
    assert [(p.file, p.code) for p in report.problems] == [("meeting.json", "non_canonical_json")]


def test_ledger_line_with_spaces_non_canonical(record):
    lines = read_record(record)["ledger.jsonl"].split(b"\n")
    lines[2] = json.dumps(json.loads(lines[2]), sort_keys=True).encode()
    report = verify_record(rewrite(record, "ledger.jsonl", b"\n".join(lines)))
    assert [(p.entry, p.code) for p in report.problems if p.file == "ledger.jsonl"] == [(3, "non_canonical_json")]


@pytest.mark.parametrize("layout", [b"\n\n", b""])
def test_ledger_blank_line_or_missing_final_lf_non_canonical(record, layout):
    data = read_record(record)["ledger.jsonl"]
    bad = data.replace(b"\n", layout, 1) if layout else data[:-1]
    report = verify_record(rewrite(record, "ledger.jsonl", bad))
    assert [(p.file, p.entry, p.code) for p in report.problems] == [("ledger.jsonl", None, "non_canonical_json")]


def test_ledger_crlf_named_once(record):
    data = read_record(record)["ledger.jsonl"].replace(b"\n", b"\r\n")
    report = verify_record(rewrite(record, "ledger.jsonl", data))
    assert [(p.file, p.entry, p.code) for p in report.problems] == [("ledger.jsonl", None, "crlf")]


def test_json_member_crlf(record):
    pretty = json.dumps(json.loads(read_record(record)["keys.json"]), indent=1).encode().replace(b"\n", b"\r\n")
    assert {"crlf", "non_canonical_json"} <= codes(verify_record(rewrite(record, "keys.json", pretty)))


def test_manifest_sig_crlf(record):
    parts = [(n, d + b"\r\n" if n == "manifest.sig" else d) for n, d in members(record)]
    report = verify_record(zip_of(parts))
    assert [(p.file, p.code) for p in report.problems] == [("manifest.sig", "crlf")]


# --------------------------------------------------------------------------- edition_mismatch


def test_public_roll_under_auditor_manifest_edition_mismatch():
    public = RecordFactory().standard().build(public=True)
    files = {n: d for n, d in members(public) if n not in ("manifest.json", "manifest.sig")}
    manifest, sig = resigned(files)  # edition "auditor"
    report = verify_record(zip_of([("manifest.json", manifest), ("manifest.sig", sig), *files.items()]))
    assert [(p.file, p.code) for p in report.problems] == [("roll.json", "edition_mismatch")]


def test_auditor_roll_under_public_manifest_edition_mismatch(record):
    files = {n: d for n, d in members(record) if n not in ("manifest.json", "manifest.sig")}
    manifest, sig = resigned(files, edition="public")
    report = verify_record(zip_of([("manifest.json", manifest), ("manifest.sig", sig), *files.items()]))
    assert [(p.file, p.code) for p in report.problems] == [("roll.json", "edition_mismatch")]


def test_public_edition_matches_itself():
    assert verify_record(RecordFactory().standard().build(public=True)).valid


# --------------------------------------------------------------------------- missing_countersignature


def with_rule(countersigners, *, rule=True) -> bytes:
    f = RecordFactory().standard()
    f.meeting["scrutineers"] = [{"account": "acc-e"}]
    if rule:
        f.meeting["countersignature_rule"] = {"convening_body": 2, "scrutineers": 1}
    return f.build(results=f.results(countersigners=countersigners))


def test_rule_met_by_two_members_and_a_scrutineer_valid():
    report = verify_record(with_rule(("c1", "c2", "acc-e")))
    assert report.valid, report.problems
    assert report.motions[0]["countersigned_by"] == ["c1", "c2", "acc-e"]


@pytest.mark.parametrize("signers, missing", [(("c1", "c2"), "scrutineers"), (("c1", "acc-e"), "convening body")])
def test_rule_not_met_missing_countersignature_per_motion(signers, missing):
    problems = [p for p in verify_record(with_rule(signers)).problems]
    assert [(p.code, p.message.split(":")[0]) for p in problems] == [
        ("missing_countersignature", "motion 1"), ("missing_countersignature", "motion 2")]
    assert all(missing in p.message for p in problems)


def restaged(record: bytes, stage: str) -> bytes:
    files = {n: d for n, d in members(record) if n not in ("manifest.json", "manifest.sig")}
    manifest, sig = resigned(files, stage=stage)
    return zip_of([("manifest.json", manifest), ("manifest.sig", sig), *files.items()])


@pytest.mark.parametrize("stage", ["final", "certified", "objected", "revoked"])
def test_final_stage_without_rule_applies_default(record, stage):
    """From ``final`` the default rule holds even when meeting.json names none: c1 + c2 but no scrutineer."""
    report = verify_record(restaged(record, stage))
    assert codes(report) == {"missing_countersignature"}


def test_preliminary_stage_not_required(record):
    assert verify_record(restaged(record, "preliminary")).valid


def test_no_stage_no_rule_today_valid(record):
    """Records exported today (no stage, no rule in meeting.json) are not held to the rule."""
    assert verify_record(record).valid


def test_rule_with_bad_shape_bad_file():
    f = RecordFactory().standard()
    f.meeting["countersignature_rule"] = {"convening_body": "two"}
    assert "bad_file" in codes(verify_record(f.build()))
