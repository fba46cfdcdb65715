"""Verifying a record archive: :func:`verify_record` trusts nothing in the archive but the mathematics.

It recomputes every hash, checks every signature and every binding of a key to an account and of an account
to a roll person at the time it was used, replays the revision policy and the proxy rules, and recomputes
each motion's result with :func:`govern.core.rules.tally`. It lists **every** problem it finds, in a
:class:`Report`. The checks are listed in ``docs/record-format.md``.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from govern.core import law_checks
from govern.core.agenda import election_motion_ids, meeting_agenda_problem
from govern.core.archive import (
    AUDITOR,
    DELEGATIONS_TYPE,
    FORMATS,
    MANIFEST,
    MANIFEST_SIG,
    MEETING_TYPE,
    PUBLIC,
    REQUIRED_FILES,
    RESULT_FILE,
    STAGES,
    read_record,
)
from govern.core.ballot import (
    ATTESTATION_TYPE,
    RevisionPolicy,
    instructions_followed,
    object_hash,
    parse_time,
    validate_attestation_shape,
    validate_ballot_shape,
    validate_delegation_shape,
    validate_envelope_shape,
    validate_paper_shape,
    validate_revocation_shape,
)
from govern.core.canonical import sha256_hex
from govern.core.casters import CasterList
from govern.core.digestcheck import (
    CHECKED_FULL,
    DigestChecks,
    accounts_of,
    chain_of,
    digest_edition,
)
from govern.core.extensions import extension_problems
from govern.core.fastpath import CryptoPass, form_problem, gc_paused, light_roll, parse_canonical
from govern.core.keybook import parse_keys
from govern.core.keys import verify
from govern.core.ledger import (
    CASTER_CHANGE,
    ELECTRONIC,
    PAPER,
    LedgerEntry,
    Problem,
    counting_ballots,
    revision_violations,
)
from govern.core.objections import check_objections
from govern.core.paper_rules import timing_problems
from govern.core.report import Report
from govern.core.resultcheck import ResultChecks
from govern.core.roll import Roll
from govern.core.rules import InvalidPolicy, Matter

# --------------------------------------------------------------------------- verification


def _crypto_failures(ballot_ok: bool, chain_ok: bool, sig_ok: bool, deleg_ok: bool | None,
                     att_ok: bool | None) -> list[tuple[str, str]]:
    """The problems of one ledger line from the crypto pass's flags (``None``: nothing to check)."""
    failures = []
    if not chain_ok:
        failures.append(("chain_hash_mismatch", "the entry's content does not match its chain_hash"))
    if not ballot_ok:
        failures.append(("ballot_hash_mismatch", "ballot_hash is not the hash of the ballot"))
    if not sig_ok:
        failures.append(("bad_signature", "the ballot's signature does not verify under key_id"))
    if deleg_ok is False:
        failures.append(("delegation_bad_signature", "the delegation's signature does not verify"))
    if att_ok is False:
        failures.append(("paper_bad_attestation", "the attestation's signature does not verify"))
    return failures


class _Verifier(ResultChecks, DigestChecks):
    def __init__(self, files: dict[str, bytes], workers: int, server_key: str | None = None) -> None:
        self.files = files
        self.server_key = server_key
        self.workers = workers
        self.report = Report()
        self.problems = self.report.problems
        self.entries: list[LedgerEntry] = []
        self.counted: dict[str, LedgerEntry] = {}

    def manifest_key(self) -> str | None:
        """The server key the record is checked against: the pinned one, else the manifest's."""
        if self.server_key is not None:
            return self.server_key
        try:
            return json.loads(self.files[MANIFEST]).get("server_key")
        except (ValueError, AttributeError):
            return None

    def problem(self, file: str, entry: int | None, code: str, message: str) -> None:
        self.problems.append(Problem(file, entry, code, message))

    # ---- manifest
    def check_manifest(self) -> dict[str, Any]:
        self.check_entries()
        manifest = self.load_json(MANIFEST)
        if not isinstance(manifest, dict):  # read_record made sure it parses; a repeated key may hide the rest
            manifest = json.loads(self.files[MANIFEST])
        r = self.report
        r.meeting, r.community = manifest.get("meeting"), manifest.get("community")
        r.edition, r.interim = manifest.get("edition"), bool(manifest.get("interim"))
        self.version = FORMATS.get(manifest.get("format"), 1)
        if r.edition not in (AUDITOR, PUBLIC):
            self.problem(MANIFEST, None, "bad_manifest", "edition must be 'auditor' or 'public'")
        if self.version == 2 and manifest.get("stage") not in STAGES:
            self.problem(MANIFEST, None, "bad_manifest", "a govern.record.v2 manifest names the meeting's stage")
        listed = manifest.get("files")
        if not isinstance(listed, dict):
            self.problem(MANIFEST, None, "bad_manifest", "files must map names to SHA-256")
            listed = {}
        if self.server_key is not None and manifest.get("server_key") != self.server_key:
            self.problem(MANIFEST, None, "server_key_mismatch",
                         "the record is signed by another server key than the one expected")
        sig = self.files.get(MANIFEST_SIG, b"").decode("ascii", "replace").strip()
        if not verify(manifest.get("server_key"), manifest, sig):
            self.problem(MANIFEST_SIG, None, "manifest_signature_invalid",
                         "the manifest is not signed by the server key it names")
        for name, digest in sorted(listed.items()):
            data = self.files.get(name)
            if data is None:
                self.problem(name, None, "file_missing", "listed in the manifest but absent")
            elif sha256_hex(data) != digest:
                self.problem(name, None, "file_hash_mismatch", "the file's SHA-256 differs from the manifest")
        for name in sorted(set(self.files) - set(listed) - {MANIFEST, MANIFEST_SIG}):
            self.problem(name, None, "unlisted_entry", "present in the archive but not listed in the manifest")
        wanted = list(REQUIRED_FILES) + ([] if r.interim else [RESULT_FILE])
        for name in wanted:
            if name not in self.files and name not in listed:
                self.problem(name, None, "file_missing", "required file absent")
        if r.interim and RESULT_FILE in self.files:
            self.problem(RESULT_FILE, None, "unexpected_result", "an interim record carries no result")
        return manifest

    def load_json(self, name: str) -> Any:
        """A JSON member, parsed; names a member that is not JSON, or not exactly its canonical form."""
        data = self.files.get(name)
        if data is None:
            return None
        try:
            obj, form = parse_canonical(data)
        except ValueError:
            self.problem(name, None, "bad_json", "not valid JSON")
            return None
        if form is not None:
            self.form_problem(name, None, form)
        return obj

    # ---- an unambiguous archive: one reading only (docs/record-format.md, "Reading the archive")
    def form_problem(self, file: str, entry: int | None, code: str) -> None:
        if code == "duplicate_json_key":
            self.problem(file, entry, code, "an object names one key twice: readers may disagree on its value")
        else:
            self.problem(file, entry, code, "not exactly its RFC 8785 canonical form")

    def check_entries(self) -> None:
        """Zip entries: no name twice, no directories; no CR in any text member."""
        for name in sorted(set(self.files.duplicates)):
            self.problem(name, None, "duplicate_entry",
                         f"the archive holds {self.files.duplicates.count(name) + 1} entries named {name}")
        for name in self.files.directories:
            self.problem(name, None, "unlisted_entry", "a directory entry: a record holds files only")
        for name in sorted(self.files):
            if (name.endswith((".json", ".jsonl")) or name == MANIFEST_SIG) and b"\r" in self.files[name]:
                self.problem(name, None, "crlf", "a carriage return (CR): text members end lines with LF only")

    def check_ledger_layout(self, data: bytes, lines: list[bytes]) -> None:
        """``ledger.jsonl`` is each entry's canonical line followed by LF: no blank line, no missing last LF."""
        if data and (not data.endswith(b"\n") or data.count(b"\n") != len(lines)):
            self.problem("ledger.jsonl", None, "non_canonical_json",
                         "the ledger must be one canonical entry per line, each ending in LF, with no blank lines")

    def check_edition(self, is_public: bool) -> None:
        """The manifest's ``edition`` is what the files are: the public edition holds no roll identity, the
        auditor edition every one."""
        roll = self.files.get("roll.json", b"")
        identities, digests = b'"identity":' in roll, b'"identity_digest":' in roll
        edition = self.report.edition
        if edition == PUBLIC and (identities or not is_public and digests):
            self.problem("roll.json", None, "edition_mismatch",
                         "the manifest says public edition, but the roll names owners and units")
        elif edition == AUDITOR and (digests or is_public):
            self.problem("roll.json", None, "edition_mismatch",
                         "the manifest says auditor edition, but the roll holds identity digests only")

    # ---- the run
    def run(self) -> Report:
        if digest_edition(self.files):
            return self.run_digest()
        self.chain = chain_of(self.files)
        self.report.checked = list(CHECKED_FULL)
        data = self.files.get("ledger.jsonl")
        lines = [] if data is None else [line for line in data.split(b"\n") if line.strip()]
        if data is not None:
            self.check_ledger_layout(data, lines)
        # start the hashing and signature checks first: they run in workers while the rest is checked here
        self.crypto = CryptoPass(lines, self.files.get("roll.json"), self.workers, self.chain)
        try:
            return self._run()
        finally:
            self.crypto.close()

    def _run(self) -> Report:
        manifest = self.check_manifest()
        meeting = self.load_json("meeting.json")
        if not self.check_meeting(meeting, manifest):
            return self.report
        self.meeting = meeting
        self.scrutineers = accounts_of(meeting.get("scrutineers"))
        self.window = (parse_time(meeting["opens_at"]), parse_time(meeting["closes_at"]))
        self.tolerance = timedelta(seconds=meeting["clock_tolerance_seconds"])
        self.policy = RevisionPolicy(meeting["revision_policy"])
        self.motion_ids = {m["id"] for m in meeting["motions"]}
        self.election_motions = election_motion_ids(meeting.get("agenda"))
        self.roll = self.check_roll()
        self.keys = parse_keys(self.load_json("keys.json"), self.problems)
        for code, message in extension_problems(meeting, self.keys):
            self.problem("meeting.json", None, code, message)
        if self.roll is not None:
            self.check_roll_keys()
        self.caster_list = CasterList(
            {p.person: p.casters for p in self.roll.persons} if self.roll else {}, meeting=meeting, keys=self.keys,
            server_key=self.manifest_key(), is_person=lambda v: bool(self.roll and self.roll.person(v)))
        self.caster_times = law_checks.CasterTimeline(  # #13: delegations checked against casters in time
            {p.person: p.casters for p in self.roll.persons} if self.roll else {}, self.crypto.lines, self.chain)
        self.problems += [Problem("meeting.json", None, *p) for p in law_checks.window_bounds_problems(meeting)]
        self.delegations = self.check_delegations(self.load_json("delegations.json"))
        entries, valid = self.check_ledger()
        counted = counting_ballots(valid, self.policy)
        self.entries, self.counted = entries, counted
        self.report.ballots = sum(e.kind != CASTER_CHANGE for e in entries)
        self.report.counted = len(counted)
        kinds = [e.kind for e in counted.values()]
        self.report.counted_by_kind = {ELECTRONIC: kinds.count(ELECTRONIC), PAPER: kinds.count(PAPER)}
        for pos, code, message in timing_problems(meeting, entries, self.keys):
            self.problem("ledger.jsonl" if pos else "meeting.json", pos, code, message)
        if self.roll is not None:
            self.check_results(entries, counted)
            self.check_countersignature_rule(manifest)
        for code, message in check_objections(meeting, holder=self.keys.holder, stage=manifest.get("stage"),
                                              signers=self.keys.committee | self.keys.auditors):
            self.problem("meeting.json", None, code, message)
        return self.report

    def check_meeting(self, meeting: Any, manifest: Mapping[str, Any]) -> bool:
        file = "meeting.json"
        try:
            if not isinstance(meeting, dict) or meeting.get("type") != MEETING_TYPE:
                raise ValueError("not a govern.meeting.v1 object")
            parse_time(meeting["opens_at"])
            parse_time(meeting["closes_at"])
            RevisionPolicy(meeting["revision_policy"])
            InvalidPolicy(meeting["invalid_policy"])
            if type(meeting["clock_tolerance_seconds"]) is not int:
                raise ValueError("clock_tolerance_seconds must be an integer")
            if meeting.get("proxy_cap") is not None and type(meeting["proxy_cap"]) is not int:
                raise ValueError("proxy_cap must be an integer or null")
            for m in meeting["motions"]:
                if not isinstance(m["id"], str):
                    raise ValueError("motion ids are strings")
                Matter(m["matter"])
        except (KeyError, TypeError, ValueError) as exc:
            if meeting is not None:
                self.problem(file, None, "bad_file", f"meeting.json is malformed: {exc}")
            return False
        if meeting.get("meeting") != manifest.get("meeting") or meeting.get("community") != manifest.get(
            "community"
        ):
            self.problem(file, None, "wrong_meeting", "meeting.json is for another meeting than the manifest")
        if "agenda" in meeting or "agenda_hash" in meeting:
            self.check_agenda(meeting)
        if self.version == 2 and not isinstance(meeting.get("agenda_hash"), str):
            self.problem(file, None, "bad_file", "a govern.record.v2 meeting.json carries the agenda and its hash")
            return False
        return True

    def agenda_bound(self, obj: Mapping[str, Any], file: str, entry: int | None, what: str) -> None:
        """A v2 ballot or delegation names the meeting's agenda hash (``wrong_agenda``)."""
        if self.version == 2 and obj.get("agenda_hash") != self.meeting.get("agenda_hash"):
            self.problem(file, entry, "wrong_agenda", f"{what} names another agenda than meeting.json's agenda_hash")

    def check_agenda(self, meeting: Mapping[str, Any]) -> None:
        """The agenda publishing fixed (docs/ballot-format.md): :func:`govern.core.agenda.meeting_agenda_problem`."""
        found = meeting_agenda_problem(meeting)
        if found is not None:
            self.problem("meeting.json", None, *found)

    def check_roll(self) -> Roll | None:
        file = "roll.json"
        if file not in self.files:
            return None
        computed, problems, is_public, head = self.crypto.roll_digest()
        if computed is None or head is None:
            self.problem(file, None, "bad_file", "roll.json is malformed or cannot be canonicalised")
            return None
        roll = light_roll(head)
        self.check_edition(is_public)
        if computed != self.meeting["roll_hash"]:
            self.problem(file, None, "roll_hash_mismatch", "the roll's hash is not the meeting's published roll hash")
        if roll.meeting != self.meeting["meeting"] or roll.community != self.meeting["community"]:
            self.problem(file, None, "wrong_meeting", "the roll is for another meeting")
        for code, message in problems:
            self.problem(file, None, code, message)
        if is_public:
            self.report.unchecked.append(
                "roll identities: the public edition shows each person's area and a salted digest of its owners "
                "and units, so the composition of each area cannot be checked"
            )
        return roll

    def check_roll_keys(self) -> None:
        try:
            frozen = parse_time(self.roll.frozen_at)
        except ValueError:
            self.problem("roll.json", None, "bad_file", "frozen_at is not an RFC 3339 UTC time")
            return
        for p in self.roll.persons:
            if not self.keys.roll_keys_match(p.casters, p.keys, frozen):
                self.problem("roll.json", None, "roll_key_mismatch",
                             f"person {p.person}: the keys frozen in the roll are not its casters' keys at freeze")

    # ---- delegations
    def check_delegations(self, obj: Any) -> dict[str, dict[str, Any]]:
        """delegation hash -> {"object", "received_at", "revoked_at"} for well-signed delegations."""
        file = "delegations.json"
        out: dict[str, dict[str, Any]] = {}
        if obj is None:
            return out
        if not isinstance(obj, dict) or obj.get("type") != DELEGATIONS_TYPE or not isinstance(
            obj.get("delegations"), list
        ):
            self.problem(file, None, "bad_file", "delegations.json is not a govern.delegations.v1 object")
            return out
        for i, item in enumerate(obj["delegations"], start=1):
            where = f"delegation #{i}"
            try:
                env = item["delegation"]
                received = parse_time(item["received_at"])
                if validate_envelope_shape(env) or validate_delegation_shape(env["object"], version=self.version):
                    raise ValueError("malformed delegation")
            except (KeyError, TypeError, ValueError):
                self.problem(file, None, "bad_delegation", f"{where} is malformed")
                continue
            d = env["object"]
            h = object_hash(d)
            if not verify(env["key_id"], d, env["signature"]):
                self.problem(file, None, "delegation_bad_signature", f"{where}: the signature does not verify")
                continue
            if not self.signed_for_person(env["key_id"], d["principal"], received):
                self.problem(file, None, "delegation_key_not_enrolled",
                             f"{where}: not signed by a key of an account that may cast for {d['principal']}")
                continue
            if d["meeting"] != self.meeting["meeting"] or d["community"] != self.meeting["community"]:
                self.problem(file, None, "wrong_meeting", f"{where} is for another meeting")
                continue
            self.agenda_bound(d, file, None, where)
            revoked_at = None
            if item.get("revocation") is not None:
                rev = item["revocation"]
                try:
                    rtime = parse_time(item["revoked_at"])
                    if validate_envelope_shape(rev) or validate_revocation_shape(rev["object"]):
                        raise ValueError
                except (KeyError, TypeError, ValueError):
                    self.problem(file, None, "bad_revocation", f"{where}: the revocation is malformed")
                else:
                    r = rev["object"]
                    if not verify(rev["key_id"], r, rev["signature"]):
                        self.problem(file, None, "revocation_bad_signature", f"{where}: revocation signature")
                    elif r["delegation_hash"] != h or r["principal"] != d["principal"]:
                        self.problem(file, None, "bad_revocation", f"{where}: the revocation names another delegation")
                    elif not self.signed_for_person(rev["key_id"], d["principal"], rtime):
                        self.problem(file, None, "revocation_key_not_enrolled",
                                     f"{where}: revocation not signed by the principal's key")
                    else:
                        revoked_at = rtime
            out[h] = {"object": d, "received_at": received, "revoked_at": revoked_at}
        return out

    def signed_for_person(self, key: str, person_id: str, at: datetime) -> bool:
        """The key was active at ``at`` for an account allowed to cast for ``person_id``."""
        person = self.roll.person(person_id) if self.roll is not None else None
        account, _ = self.keys.holder(key, at)
        return person is not None and account is not None and account in self.caster_times.casters_at(person_id, at)

    # ---- ledger
    def check_ledger(self) -> tuple[list[LedgerEntry], list[LedgerEntry]]:
        file = "ledger.jsonl"
        if "ledger.jsonl" not in self.files:
            return [], []
        start = len(self.problems)
        entries: list[LedgerEntry] = []
        seen_nonces: dict[str, int] = {}
        seen_hashes: dict[str, int] = {}
        proxies: dict[str, list[str]] = defaultdict(list)
        cap = self.meeting.get("proxy_cap")
        prev = "0" * 64
        bad: set[int] = set()
        index_of: dict[int, int] = {}
        for index, line in enumerate(self.crypto.lines, start=1):
            try:
                entry = LedgerEntry.from_json(json.loads(line), self.chain)
            except ValueError as exc:
                self.problem(file, index, "bad_entry", f"line {index} is not a ledger entry: {exc}")
                prev = ""
                continue
            pos = entry.position
            index_of[index] = len(entries)
            entries.append(entry)
            before = len(self.problems)
            if pos != index:
                self.problem(file, pos, "position_gap", f"line {index} holds position {pos}")
            if entry.prev_hash != prev:
                self.problem(file, pos, "chain_broken", "prev_hash is not the previous entry's chain_hash")
            prev = entry.chain_hash
            if entry.kind == CASTER_CHANGE:
                self.problems += [Problem(file, pos, *p) for p in self.caster_list.replay(entry, seen_nonces)]
            else:
                self.check_entry(entry, seen_nonces, seen_hashes, proxies, cap)
            if len(self.problems) != before:
                bad.add(index_of[index])
        # merge the hashes and signatures checked in the worker processes
        for index, flags in enumerate(self.crypto.results(), start=1):
            if index not in index_of:
                continue
            i = index_of[index]
            for code, message in _crypto_failures(*flags[:5]):
                self.problem(file, entries[i].position, code, message)
                bad.add(i)
            if not flags[5]:
                self.form_problem(file, entries[i].position, form_problem(self.crypto.lines[index - 1]))
                bad.add(i)
        valid = [e for i, e in enumerate(entries) if i not in bad]
        for entry in revision_violations(valid, self.policy):
            self.problem(file, entry.position, "revision_policy_violated",
                         f"single-cast meeting: a second ballot for {entry.voter} was accepted")
        if self.policy is RevisionPolicy.SINGLE_CAST:
            violations = {e.position for e in revision_violations(valid, self.policy)}
            valid = [e for e in valid if e.position not in violations]
        self.problems[start:] = sorted(self.problems[start:], key=lambda p: p.entry or 0)
        return entries, valid

    def check_entry(
        self,
        entry: LedgerEntry,
        seen_nonces: dict[str, int],
        seen_hashes: dict[str, int],
        proxies: dict[str, list[str]],
        cap: int | None,
    ) -> bool:
        file, pos = "ledger.jsonl", entry.position
        before = len(self.problems)
        b = entry.ballot
        try:
            received = parse_time(entry.received_at)
        except ValueError:
            self.problem(file, pos, "bad_entry", "received_at is not an RFC 3339 UTC time")
            return False
        if entry.kind == ELECTRONIC:
            shape = validate_ballot_shape(b, version=self.version, election_motions=self.election_motions)
        elif entry.kind == PAPER:
            shape = validate_paper_shape(b)
        else:
            self.problem(file, pos, "bad_entry", f"unknown kind {entry.kind!r}")
            return False
        if shape:
            self.problem(file, pos, "bad_ballot_shape", "malformed ballot: " + ", ".join(shape))
            return False
        if b["community"] != self.meeting["community"] or b["meeting"] != self.meeting["meeting"]:
            self.problem(file, pos, "wrong_meeting", "the ballot is for another community or meeting")
        if b["roll_hash"] != self.meeting["roll_hash"]:
            self.problem(file, pos, "wrong_roll", "the ballot names another roll")
        if set(b["choices"]) - self.motion_ids:
            self.problem(file, pos, "unknown_motion", "the ballot names a motion not in the meeting")
        person = self.roll.person(b["voter"]) if self.roll is not None else None
        if person is None:
            self.problem(file, pos, "not_eligible", f"voter {b['voter']} is not on the roll")
        for seen, value, what in ((seen_nonces, b["nonce"], "nonce"), (seen_hashes, entry.ballot_hash, "ballot")):
            if value in seen:
                self.problem(file, pos, "replay", f"the same {what} was already recorded at position {seen[value]}")
            else:
                seen[value] = pos
        if entry.kind == PAPER:
            self.check_paper(entry, received)
        else:
            self.check_electronic(entry, received, person, proxies, cap)
        return len(self.problems) == before

    def check_electronic(self, entry: LedgerEntry, received: datetime, person: Any, proxies: dict[str, list[str]],
                         cap: int | None) -> None:
        """An electronic ballot's agenda (v2), window, freshness and signer (the voter's caster, or the proxy)."""
        file, pos, b = "ledger.jsonl", entry.position, entry.ballot
        self.agenda_bound(b, file, pos, "the ballot")
        opens, closes = self.window
        if not opens <= received < closes:
            self.problem(file, pos, "outside_window", "received outside the voting window")
        if abs(parse_time(b["issued_at"]) - received) > self.tolerance:
            self.problem(file, pos, "stale_ballot", "issued_at is too far from received_at")
        if entry.delegation is None:
            if person is not None:
                self.check_caster_key(entry, received, self.caster_list.casters(person.person), "voter")
                self.problems += [Problem(file, pos, *p) for p in self.caster_list.claim(
                    person.person, self.keys.holder(entry.key_id, received)[0])]
        else:
            self.check_proxy(entry, received, proxies, cap)

    def check_caster_key(self, entry: LedgerEntry, at: datetime, accounts: Iterable[str], who: str) -> None:
        account, why = self.keys.holder(entry.key_id, at)
        if account is None:
            detail = "was revoked before" if why == "key_revoked" else "was not enrolled at"
            self.problem("ledger.jsonl", entry.position, why, f"the signing key {detail} casting time")
        elif account not in set(accounts):
            self.problem("ledger.jsonl", entry.position, "key_not_enrolled",
                         f"the signing key belongs to account {account}, which may not cast for this {who}")

    def check_proxy(self, entry: LedgerEntry, at: datetime, proxies: dict[str, list[str]], cap: int | None) -> None:
        file, pos = "ledger.jsonl", entry.position
        env = entry.delegation
        if validate_envelope_shape(env) or validate_delegation_shape(env.get("object"), version=self.version):
            self.problem(file, pos, "bad_delegation", "the carried delegation is malformed")
            return
        d = env["object"]
        h = object_hash(d)
        registered = self.delegations.get(h)
        if registered is None or registered["received_at"] > at:
            self.problem(file, pos, "delegation_unregistered",
                         "the delegation is not a valid delegation in delegations.json registered before this ballot")
        elif registered["revoked_at"] is not None and registered["revoked_at"] <= at:
            self.problem(file, pos, "delegation_revoked", "the delegation was revoked before this ballot")
        if d["principal"] != entry.voter:
            self.problem(file, pos, "bad_delegation", "the delegation's principal is not the ballot's voter")
        self.check_caster_key(entry, at, [d["proxy"]], "proxy")
        if not instructions_followed(d, entry.ballot):
            self.problem(file, pos, "instructions_not_followed", "the ballot departs from the principal's instructions")
        held = proxies[d["proxy"]]
        if d["principal"] not in held:
            held.append(d["principal"])
            if cap is not None and len(held) > cap:
                self.problem(file, pos, "proxy_cap_exceeded",
                             f"proxy {d['proxy']} votes for {len(held)} principals; the cap is {cap}")

    def check_paper(self, entry: LedgerEntry, at: datetime) -> None:
        file, pos = "ledger.jsonl", entry.position
        self.problems += [Problem(file, pos, *p) for p in self.caster_list.claim_paper(entry.voter)]
        if entry.delegation is not None:
            self.problem(file, pos, "bad_entry", "a paper ballot carries no delegation")
        env = entry.attestation
        if env is None or validate_envelope_shape(env) or validate_attestation_shape(env.get("object")):
            self.problem(file, pos, "paper_bad_attestation", "the paper ballot has no well-formed attestation")
            return
        a = env["object"]
        if a.get("type") != ATTESTATION_TYPE:
            self.problem(file, pos, "paper_bad_attestation", "the attestation is not a paper attestation")
        if a["paper_ballot_hash"] != entry.ballot_hash or a["scan_sha256"] != entry.ballot["scan_sha256"]:
            self.problem(file, pos, "paper_attestation_mismatch", "the attestation names another ballot or scan")
        entered, why1 = self.keys.holder(entry.key_id, at)
        attested, why2 = self.keys.holder(env["key_id"], at)
        for account, why, role in ((entered, why1, "entering"), (attested, why2, "attesting")):
            if account is None:
                self.problem(file, pos, why, f"the {role} member's key was not active when the entry was made")
            elif account not in self.keys.committee:
                self.problem(file, pos, "paper_not_committee", f"the {role} account {account} is not on the committee")
        if entry.key_id == env["key_id"] or (entered is not None and entered == attested):
            self.problem(file, pos, "paper_same_member", "entered and attested by the same committee member")

def verify_record(
    source: bytes | str | os.PathLike[str], *, workers: int = 2, server_key: str | None = None
) -> Report:
    """Verify a record archive and report **every** problem (``Report.valid`` iff none).

    ``source``: the zip's bytes or a path. ``workers``: threads for the hashing and signature
    pass (worker processes; ``1`` keeps everything in this process). ``server_key``: the
    server's public key as the community published it; when given, a record signed by any
    other key fails with ``server_key_mismatch`` (otherwise the manifest's key is used). Raises
    :class:`NotARecord` when ``source`` is not a record at all; any other defect, however
    gross, is reported as a problem. Checks are listed in ``docs/record-format.md``.
    """
    return verified(source, workers=workers, server_key=server_key).report


def verified(source: bytes | str | os.PathLike[str], *, workers: int = 2, server_key: str | None = None) -> _Verifier:
    """:func:`verify_record`, keeping what the checks saw: ``.report``, ``.entries`` (every parsed ledger
    entry) and ``.counted`` (voter -> the entry that counts; absent when meeting.json is unusable)."""
    files = read_record(source)
    verifier = _Verifier(files, workers, server_key)
    with gc_paused():
        verifier.run()
    return verifier
