"""Build realistic small meeting records for the record and verify-CLI tests.

The standard meeting (community "12", meeting "345", two motions) has six persons on its roll:

* ``p-a`` (300.00 m², account ``acc-a``) votes electronically;
* ``p-b`` (100.00, co-owned: accounts ``acc-b1`` and ``acc-b2`` may cast) votes through ``acc-b2``;
* ``p-c`` (100.00) delegates to the non-owner account ``proxy`` with instructions, and the proxy votes;
* ``p-d`` (100.00) votes on paper: entered by committee member ``c1``, attested by ``c2``,
  with one motion marked invalid;
* ``p-e`` (100.00) abstains; ``p-f`` (100.00) delegates to ``proxy``, then revokes, then does not vote.

Everything is deterministic: keys come from fixed seeds, nonces from a counter, times from a
fixed clock. ``rewrite`` edits one file of an archive, optionally re-signing the manifest as a
dishonest server could.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from govern.core.archive import (
    CERTIFICATION_TYPE,
    COUNTERSIGNATURE_TYPE,
    FORMATS,
    build_record,
    read_record,
    write_record,
)
from govern.core.ballot import (
    build_ballot,
    build_delegation,
    build_revocation,
    envelope,
    format_time,
    object_hash,
)
from govern.core.canonical import GENESIS_HASH, canonical_bytes
from govern.core.keys import b64url_encode, private_key_from_bytes, public_key_b64, sign
from govern.core.ledger import PAPER, LedgerEntry, append_entry
from govern.core.paper_rules import build_attestation, build_paper_ballot
from govern.core.results import sign_results
from govern.core.roll import RollPerson, RollUnit, build_roll, roll_hash

COMMUNITY = "12"
MEETING = "345"
T_ENROL = datetime(2025, 2, 1, tzinfo=UTC)
T_FREEZE = datetime(2025, 3, 1, tzinfo=UTC)
OPENS = datetime(2025, 3, 20, tzinfo=UTC)
CLOSES = datetime(2025, 3, 27, tzinfo=UTC)
T_CREATED = datetime(2025, 3, 28, tzinfo=UTC)


def private(name: str):
    """A fixed Ed25519 key for ``name``."""
    return private_key_from_bytes(hashlib.sha256(b"govern-test-key:" + name.encode()).digest())


def pub(name: str) -> str:
    return public_key_b64(private(name))


SERVER = private("server")
SERVER_PUB = pub("server")

# person id, area (hundredths), casters, units
PERSONS = [
    ("p-a", 30000, ["acc-a"], [("101", "1", 8000), ("102", "1", 8000), ("103", "1", 14000)]),
    ("p-b", 10000, ["acc-b1", "acc-b2"], [("201", "2", 10000)]),
    ("p-c", 10000, ["acc-c"], [("301", "3", 10000)]),
    ("p-d", 10000, ["acc-d"], [("302", "3", 10000)]),
    ("p-e", 10000, ["acc-e"], [("303", "3", 10000)]),
    ("p-f", 10000, ["acc-f"], [("304", "3", 10000)]),
]
ACCOUNTS = ["acc-a", "acc-b1", "acc-b2", "acc-c", "acc-d", "acc-e", "acc-f", "proxy", "c1", "c2", "c3", "aud1"]


class RecordFactory:
    """A meeting under construction; see the module docstring for the standard scenario."""

    def __init__(self, *, policy: str = "single-cast", proxy_cap: int | None = 3) -> None:
        self.counter = 0
        self.clock = OPENS + timedelta(hours=1)
        self.enrolments: list[dict[str, Any]] = [
            {"account": a, "public_key": pub(a), "enrolled_at": format_time(T_ENROL), "revoked_at": None}
            for a in ACCOUNTS
        ]
        self.committee = ["c1", "c2", "c3"]
        self.auditors = ["aud1"]
        persons = [
            RollPerson(
                person=pid, area=area, casters=tuple(casters), keys=tuple(sorted(pub(c) for c in casters)),
                buildings=tuple(sorted({b for _, b, _ in units})), owners=(pid.upper(),),
                units=tuple(RollUnit(u, b, a) for u, b, a in units), salt=b64url_encode(pid.encode().ljust(16, b"!")),
            )
            for pid, area, casters, units in PERSONS
        ]
        self.roll = build_roll(community=COMMUNITY, meeting=MEETING, frozen_at=format_time(T_FREEZE), persons=persons)
        self.meeting: dict[str, Any] = {
            "type": "govern.meeting.v1",
            "community": COMMUNITY,
            "meeting": MEETING,
            "title": "2025年第一次业主大会",
            "roll_hash": roll_hash(self.roll),
            "opens_at": format_time(OPENS),
            "closes_at": format_time(CLOSES),
            "revision_policy": policy,
            "invalid_policy": "as-abstain",
            "clock_tolerance_seconds": 600,
            "proxy_cap": proxy_cap,
            "deemed_consent": None,
            "motions": [
                {"id": "1", "title": "续聘物业服务企业", "matter": "ordinary"},
                {"id": "2", "title": "使用维修资金更换电梯", "matter": "major"},
            ],
        }
        self.entries: list[LedgerEntry] = []
        self.delegations: list[dict[str, Any]] = []

    # ---- primitives
    def nonce(self) -> str:
        self.counter += 1
        return b64url_encode(self.counter.to_bytes(16, "big"))

    def tick(self, minutes: int = 5) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def keys_json(self) -> dict[str, Any]:
        return {"type": "govern.keys.v1", "enrolments": self.enrolments, "committee": self.committee,
                "auditors": self.auditors}

    def append(self, ballot: dict, signer: str, *, delegation=None, attestation=None, kind="electronic",
               at: datetime | None = None) -> LedgerEntry:
        prev = self.entries[-1].chain_hash if self.entries else GENESIS_HASH
        entry = append_entry(
            prev, len(self.entries) + 1, ballot=ballot, signature=sign(private(signer), ballot), key_id=pub(signer),
            received_at=at or self.clock, kind=kind, delegation=delegation, attestation=attestation,
        )
        self.entries.append(entry)
        return entry

    def cast(self, voter: str, choices: dict[str, str], signer: str, *, delegation=None,
             at: datetime | None = None) -> LedgerEntry:
        at = at or self.tick()
        b = build_ballot(community=COMMUNITY, meeting=MEETING, roll_hash=self.meeting["roll_hash"], voter=voter,
                         choices=choices, issued_at=at, nonce=self.nonce())
        return self.append(b, signer, delegation=delegation, at=at)

    def delegate(self, principal: str, signer: str, proxy: str = "proxy", instructions=None) -> dict[str, Any]:
        at = self.tick()
        d = build_delegation(community=COMMUNITY, meeting=MEETING, principal=principal, proxy=proxy, issued_at=at,
                             nonce=self.nonce(), instructions=instructions)
        env = envelope(d, sign(private(signer), d), pub(signer))
        self.delegations.append({"delegation": env, "received_at": format_time(at), "revocation": None,
                                 "revoked_at": None})
        return env

    def revoke(self, env: dict[str, Any], signer: str) -> None:
        at = self.tick()
        d = env["object"]
        r = build_revocation(community=COMMUNITY, meeting=MEETING, principal=d["principal"], delegation=d,
                             issued_at=at, nonce=self.nonce())
        for item in self.delegations:
            if object_hash(item["delegation"]["object"]) == object_hash(d):
                item["revocation"] = envelope(r, sign(private(signer), r), pub(signer))
                item["revoked_at"] = format_time(at)

    def paper(self, voter: str, choices: dict[str, str], entered_by: str = "c1", attested_by: str = "c2",
              reasons: dict[str, str] | None = None) -> LedgerEntry:
        at = self.tick()
        p = build_paper_ballot(community=COMMUNITY, meeting=MEETING, roll_hash=self.meeting["roll_hash"], voter=voter,
                               choices=choices, invalid_reasons=reasons, scan_sha256=hashlib.sha256(
                                   f"scan of {voter}".encode()).hexdigest(), entered_at=at, nonce=self.nonce())
        a = build_attestation(paper_ballot=p, attested_at=at, nonce=self.nonce())
        att = envelope(a, sign(private(attested_by), a), pub(attested_by))
        return self.append(p, entered_by, attestation=att, kind=PAPER, at=at)

    def revoke_key(self, account: str, at: datetime, new_name: str | None = None) -> None:
        """Revoke the account's key at ``at`` and enrol a new one (``new_name``'s key) from then."""
        for e in self.enrolments:
            if e["account"] == account and e["revoked_at"] is None:
                e["revoked_at"] = format_time(at)
        if new_name is not None:
            self.enrolments.append({"account": account, "public_key": pub(new_name), "enrolled_at": format_time(at),
                                    "revoked_at": None})

    # ---- scenario
    def standard(self) -> RecordFactory:
        self.cast("p-a", {"1": "agree", "2": "agree"}, "acc-a")
        self.cast("p-b", {"1": "oppose", "2": "agree"}, "acc-b2")
        env = self.delegate("p-c", "acc-c", instructions={"1": "agree"})
        self.cast("p-c", {"1": "agree", "2": "oppose"}, "proxy", delegation=env)
        self.paper("p-d", {"1": "agree", "2": "invalid"}, reasons={"2": "两个选项都打了勾"})
        self.cast("p-e", {"1": "abstain", "2": "abstain"}, "acc-e")
        env_f = self.delegate("p-f", "acc-f")
        self.revoke(env_f, "acc-f")
        return self

    def results(self, countersigners=("c1", "c2"), auditors=("aud1",)) -> list[dict[str, Any]]:
        items = sign_results(meeting=self.meeting, roll=self.roll, entries=self.entries, server_private=SERVER)
        at = format_time(CLOSES + timedelta(hours=2))
        for item in items:
            rh = object_hash(item["result"])
            mid = item["result"]["motion"]
            for c in countersigners:
                o = {"type": COUNTERSIGNATURE_TYPE, "meeting": MEETING, "motion": mid, "result_hash": rh,
                     "signed_at": at}
                item["countersignatures"].append(envelope(o, sign(private(c), o), pub(c)))
            for a in auditors:
                o = {"type": CERTIFICATION_TYPE, "meeting": MEETING, "motion": mid, "result_hash": rh,
                     "verdict": "certify", "reason": "", "signed_at": at}
                item["certifications"].append(envelope(o, sign(private(a), o), pub(a)))
        return items

    def build(self, *, interim: bool = False, public: bool = False, results=None) -> bytes:
        if results is None and not interim:
            results = self.results()
        return build_record(
            meeting=self.meeting, roll=self.roll, keys=self.keys_json(), delegations=self.delegations,
            ledger=self.entries, results=None if interim else results, server_private=SERVER, created_at=T_CREATED,
            interim=interim, public=public,
        )


def standard_record(**kw) -> bytes:
    """The standard scenario as a final, auditor-edition record."""
    return RecordFactory(**kw).standard().build()


def rewrite(record: bytes, name: str, data: bytes | None, *, resign: bool = True) -> bytes:
    """Replace (or with ``None`` delete) one member; with ``resign`` rebuild and re-sign the manifest."""
    files = read_record(record)
    manifest = json.loads(files["manifest.json"])
    if not resign:
        import io
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for n, d in files.items():
                if n == name:
                    if data is not None:
                        zf.writestr(n, data)
                else:
                    zf.writestr(n, d)
            if name not in files and data is not None:
                zf.writestr(name, data)
        return out.getvalue()
    body = {n: d for n, d in files.items() if n not in ("manifest.json", "manifest.sig")}
    if data is None:
        body.pop(name, None)
    else:
        body[name] = data
    return write_record(body, server_private=SERVER, community=manifest["community"], meeting=manifest["meeting"],
                        edition=manifest["edition"], interim=manifest["interim"], created_at=T_CREATED,
                        stage=manifest.get("stage"), version=FORMATS[manifest["format"]])


def edit_json(record: bytes, name: str, edit, *, resign: bool = True) -> bytes:
    """Load a JSON member, let ``edit(obj)`` change it in place, and write it back."""
    obj = json.loads(read_record(record)[name])
    edit(obj)
    return rewrite(record, name, canonical_bytes(obj), resign=resign)


def edit_ledger(record: bytes, edit, *, resign: bool = True) -> bytes:
    """Let ``edit(list of entry dicts)`` change the ledger lines in place, and write them back."""
    lines = [json.loads(x) for x in read_record(record)["ledger.jsonl"].splitlines() if x.strip()]
    edit(lines)
    return rewrite(record, "ledger.jsonl", b"".join(canonical_bytes(x) + b"\n" for x in lines), resign=resign)
