"""The verifiable record of a meeting as an archive: its format constants, packing and reading the zip with its
signed manifest, building the auditor edition and deriving the public one.

The archive (a zip) and every field in it are described in ``docs/record-format.md``. In short::

    manifest.json    format, community, meeting, edition, interim, stage, created_at, server_key, files {name: sha256}
    manifest.sig     base64url Ed25519 signature of the manifest's canonical bytes by server_key
    meeting.json     the meeting: motions (matter class), window, revision and invalid-ballot policies, settings
    roll.json        the frozen roll (govern.core.roll); identities redacted in the public edition
    keys.json        key enrolments and revocations with times; committee members and auditors
    delegations.json delegations as registered, with their revocations
    ledger.jsonl     the ledger, one entry per line (govern.core.ledger)
    result.json      per motion: the signed tally, committee countersignatures, auditor certifications
                     (absent from an interim record)

The results inside come from :mod:`govern.core.results`; :func:`govern.core.verify.verify_record` checks
an archive.
"""


from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from govern.core.ballot import (
    format_time,
)
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import public_key_b64, sign
from govern.core.ledger import LedgerEntry, digest_form
from govern.core.roll import Roll, roll_from_json, roll_hash, roll_to_json

FORMAT = "govern.record.v1"
#: Records of meetings whose notice bound an agenda (``meeting.json`` carries ``agenda_hash``): v2 ballots,
#: delegations and results, and the manifest's ``stage`` is required.
FORMAT_V2 = "govern.record.v2"
FORMATS = {FORMAT: 1, FORMAT_V2: 2}
#: The stages of the result lifecycle a manifest's ``stage`` may name (docs/record-format.md).
STAGES = ("open", "closed", "paper_grace", "preliminary", "objection", "final", "certified", "objected", "revoked")
AUDITOR = "auditor"
PUBLIC = "public"
MEETING_TYPE = "govern.meeting.v1"
KEYS_TYPE = "govern.keys.v1"
DELEGATIONS_TYPE = "govern.delegations.v1"
RESULTS_TYPE = "govern.results.v1"
#: The public edition's ``roll.json`` for a v2 meeting: the roll's totals only (docs/record-format.md, "Editions").
ROLL_TOTALS_TYPE = "govern.roll_totals.v1"
RESULT_TYPE = "govern.result.v1"
RESULT_TYPE_V2 = "govern.result.v2"
COUNTERSIGNATURE_TYPE = "govern.countersignature.v1"
CERTIFICATION_TYPE = "govern.certification.v1"
#: A certification's ``verdict`` (R28) and the key of the verify report listing its signers.
CERTIFICATION_VERDICTS = {
    "certify": "certified_by",
    "object": "objected_by",
    "order_correction": "correction_ordered_by",
    "revoke": "revoked_by",
}

MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
REQUIRED_FILES = ("meeting.json", "roll.json", "keys.json", "delegations.json", "ledger.jsonl")
RESULT_FILE = "result.json"
#: Zip entries carry this fixed timestamp so that the same content gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class NotARecord(Exception):
    """The file is not a govern record at all: missing, not a zip, no manifest, or another format."""


class RecordFiles(dict[str, bytes]):
    """The members of a record archive by name, and what a mapping by name cannot hold.

    ``duplicates``: every name that occurs more than once in the zip's central directory (in
    order of its repeats); the mapping holds the first occurrence, but a verifier must never pick
    one of them (``duplicate_entry``). ``directories``: directory entries (names ending in ``/``),
    which a record never has (``unlisted_entry``).
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.duplicates: list[str] = []
        self.directories: list[str] = []


class DuplicateKey(ValueError):
    """A JSON object names one key twice (RFC 8259 leaves the meaning open, so a record never does)."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(f"the key {key!r} occurs twice in one object")
            seen.add(key)
    return out


def loads_strict(data: bytes | str) -> Any:
    """``json.loads`` that raises :class:`DuplicateKey` on an object with a repeated key."""
    return json.loads(data, object_pairs_hook=_refuse_duplicates)


# --------------------------------------------------------------------------- packing


def _json_bytes(obj: Any) -> bytes:
    """Stored JSON files are canonical (RFC 8785) UTF-8, so their hashes are reproducible."""
    return canonical_bytes(obj)


def write_record(
    files: Mapping[str, bytes],
    *,
    server_private: Ed25519PrivateKey,
    community: str,
    meeting: str,
    edition: str,
    interim: bool,
    created_at: datetime,
    stage: str | None = None,
    version: int = 1,
) -> bytes:
    """Zip ``files`` with a signed manifest listing each file's SHA-256. Deterministic for equal input.

    ``stage``: the meeting's stage in the result lifecycle when the record was built (docs/record-format.md),
    written as the manifest's ``stage`` (required in ``govern.record.v2``). ``version``: 1 or 2, the format."""
    if edition not in (AUDITOR, PUBLIC):
        raise ValueError("edition must be 'auditor' or 'public'")
    if version == 2 and stage not in STAGES:
        raise ValueError("a govern.record.v2 manifest names the meeting's stage")
    manifest = {
        "format": FORMAT_V2 if version == 2 else FORMAT,
        "community": community,
        "meeting": meeting,
        "edition": edition,
        "interim": interim,
        "created_at": format_time(created_at),
        "server_key": public_key_b64(server_private),
        "files": {name: sha256_hex(data) for name, data in sorted(files.items())},
    }
    if stage is not None:
        manifest["stage"] = stage
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        members = [(MANIFEST, _json_bytes(manifest)), (MANIFEST_SIG, sign(server_private, manifest).encode())]
        members += sorted(files.items())
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def read_record(source: bytes | str | os.PathLike[str]) -> RecordFiles:
    """Every member of a record archive by name; raises :class:`NotARecord` when it is not one.

    The zip's central directory is read entry by entry (``infolist``), so a name that occurs twice
    is seen (``RecordFiles.duplicates``) rather than silently resolved to one of its copies.
    """
    try:
        if isinstance(source, bytes | bytearray):
            zf = zipfile.ZipFile(io.BytesIO(source))
        else:
            zf = zipfile.ZipFile(source)
    except FileNotFoundError as exc:
        raise NotARecord(f"no such file: {source}") from exc
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise NotARecord(f"not a zip archive: {exc}") from exc
    files = RecordFiles()
    with zf:
        infos = zf.infolist()
        if not any(info.filename == MANIFEST for info in infos):
            raise NotARecord("no manifest.json: not a govern record")
        try:
            for info in infos:
                name = info.filename
                if name.endswith("/"):
                    files.directories.append(name)
                elif name in files:
                    files.duplicates.append(name)
                else:
                    files[name] = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise NotARecord(f"unreadable zip archive: {exc}") from exc
    try:
        manifest = json.loads(files[MANIFEST])
    except ValueError as exc:
        raise NotARecord("manifest.json is not JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        raise NotARecord(f"manifest.json does not declare format {FORMAT} or {FORMAT_V2}")
    return files


# --------------------------------------------------------------------------- building


def build_record(
    *,
    meeting: Mapping[str, Any],
    roll: Roll,
    keys: Mapping[str, Any],
    delegations: Sequence[Mapping[str, Any]],
    ledger: Iterable[LedgerEntry | Mapping[str, Any]],
    results: Sequence[Mapping[str, Any]] | None,
    server_private: Ed25519PrivateKey,
    created_at: datetime,
    interim: bool = False,
    public: bool = False,
    stage: str | None = None,
    digest: bool = False,
) -> bytes:
    """The record archive as zip bytes (deterministic: sorted members, fixed timestamps, canonical JSON).

    ``meeting``: the ``meeting.json`` object. ``keys``: the ``keys.json`` object.
    ``delegations``: the items of ``delegations.json``. ``results``: the items of
    ``result.json`` (:func:`sign_results` plus countersignatures and certifications); ``None``
    for an interim record. ``public=True`` writes the public edition (see :func:`pseudonymise`); with
    ``digest=True`` (a v2 meeting) it is the digest-form public edition: the ledger in digest form, the roll's
    totals and each delegation's hash only (:func:`digest_edition_files`), so it holds no choice.
    """
    if interim != (results is None):
        raise ValueError("an interim record has no results, and a final record needs them")
    if digest and not public:
        raise ValueError("only the public edition is in digest form")
    lines = []
    for entry in ledger:
        obj = entry.to_json() if isinstance(entry, LedgerEntry) else dict(entry)
        lines.append(_json_bytes(digest_form(obj) | {"chain_hash": obj["chain_hash"]} if digest else obj) + b"\n")
    files = {
        "meeting.json": _json_bytes(dict(meeting)),
        "roll.json": _json_bytes(roll_totals_json(roll) if digest else roll_to_json(roll, public=public)),
        "keys.json": _json_bytes(dict(keys)),
        "delegations.json": _json_bytes({"type": DELEGATIONS_TYPE, "delegations": [
            delegation_digest(d) if digest else dict(d) for d in delegations]}),
        "ledger.jsonl": b"".join(lines),
    }
    if results is not None:
        files[RESULT_FILE] = _json_bytes({"type": RESULTS_TYPE, "motions": [dict(r) for r in results]})
    return write_record(
        files, server_private=server_private, community=meeting["community"], meeting=meeting["meeting"],
        edition=PUBLIC if public else AUDITOR, interim=interim, created_at=created_at, stage=stage,
        version=record_version(meeting),
    )


def roll_totals_json(roll: Roll) -> dict[str, Any]:
    """The public edition's roll (v2): its totals, scope and freeze time, and the hash of the whole roll; no
    person, area or building (a per-person area beside the list of participating homes identifies voters)."""
    return {"type": ROLL_TOTALS_TYPE, "community": roll.community, "meeting": roll.meeting,
            "scope": roll.scope_json(), "frozen_at": roll.frozen_at, "total_area": roll.total_area,
            "total_persons": roll.total_persons, "roll_hash": roll_hash(roll)}


def delegation_digest(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``delegations.json`` item in digest form: the delegation envelope and its revocation replaced by their
    hashes (:func:`govern.core.ledger.digest_form`), the times kept."""
    return digest_form(item)


def record_version(meeting: Mapping[str, Any]) -> int:
    """2 (``govern.record.v2``) for a meeting whose ``meeting.json`` carries the ``agenda_hash`` its notice fixed,
    else 1: the one rule, as ``Meeting.record_version`` in the app."""
    return 1 if meeting.get("agenda_hash") is None else 2


def pseudonymise(
    record: bytes | str | os.PathLike[str], *, server_private: Ed25519PrivateKey, created_at: datetime
) -> bytes:
    """The public edition of an auditor record: every roll identity replaced by its salted digest; for a v2
    meeting (``meeting.json`` binds an agenda) the digest-form public edition of :func:`build_record`.

    Voters already appear only under their per-meeting roll pseudonyms (``voter`` in every
    signed ballot is the roll's person id, see :func:`govern.core.roll.person_pseudonym`), so
    nothing signed changes and every signature, the chain, the key bindings, the proxy rules
    and the tally still verify. What is removed: which owners and which units (house numbers,
    unit areas, area sources) make up each person. The roll hash is computed over the digest
    form, so it is unchanged. The manifest is rewritten and re-signed with the server key.
    """
    files = read_record(record)
    manifest = json.loads(files[MANIFEST])
    roll = roll_from_json(json.loads(files["roll.json"]))
    out = {name: data for name, data in files.items() if name not in (MANIFEST, MANIFEST_SIG)}
    out["roll.json"] = _json_bytes(roll_to_json(roll, public=True))
    if "agenda_hash" in json.loads(files["meeting.json"]):  # a v2 meeting: the digest form, no choice
        out["roll.json"] = _json_bytes(roll_totals_json(roll))
        lines = [json.loads(line) for line in files["ledger.jsonl"].splitlines() if line.strip()]
        out["ledger.jsonl"] = b"".join(_json_bytes(digest_form(e) | {"chain_hash": e["chain_hash"]}) + b"\n"
                                       for e in lines)
        delegations = json.loads(files["delegations.json"])
        out["delegations.json"] = _json_bytes({**delegations, "delegations": [
            delegation_digest(d) for d in delegations["delegations"]]})
    return write_record(
        out, server_private=server_private, community=manifest["community"], meeting=manifest["meeting"],
        edition=PUBLIC, interim=bool(manifest.get("interim")), created_at=created_at, stage=manifest.get("stage"),
        version=record_version(json.loads(files["meeting.json"])),
    )
