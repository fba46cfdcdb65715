"""Verifying the public edition of a v2 record, which holds no choice (docs/record-format.md, "Editions").

The digest-form public edition carries the ledger in digest form (:func:`govern.core.ledger.digest_form`), the
roll's totals, each delegation's hash, every key enrolment, every server signature, the countersignatures and
certifications and the per-motion totals. :class:`DigestChecks` is the part of the verifier
(:mod:`govern.core.verify`) that checks it: the chain and its receipts, the signatures on the results and on
the manifest, that the results were signed over this ledger, that each motion's totals add up, and the
countersignature rule. What the edition cannot show is listed in the report's ``unchecked``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from govern.core.archive import DELEGATIONS_TYPE, MANIFEST, PUBLIC, ROLL_TOTALS_TYPE
from govern.core.fastpath import parse_canonical
from govern.core.keybook import parse_keys
from govern.core.ledger import CHAIN_V1, CHAIN_V2, ELECTRONIC, PAPER, LedgerEntry, digest_line_problems
from govern.core.register import parse_area
from govern.core.results import BALLOT_KINDS
from govern.core.rules import Count, quorum_legs

#: What ``govern verify`` checks on an edition that holds the ballots (the auditor edition, a v1 public edition).
CHECKED_FULL = (
    "archive: one entry per name, every file listed and hashed in the manifest, canonical JSON, the manifest "
    "signed by the server key",
    "meeting: the agenda's hash and the motions it fixes",
    "roll: its hash, totals and the keys frozen in it",
    "keys: each enrolment's proof of possession, no key shared or overlapping",
    "ledger: the hash chain, every ballot's hash and signature, the signer's key and right to cast at that time, "
    "the voting window, replays, the revision policy, delegations, proxy caps and paper attestations",
    "results: every motion recomputed from the counted ballots and compared with the signed result, the counts "
    "by kind, the server's signature over this ledger, countersignatures, certifications and the "
    "countersignature rule",
)
#: What ``govern verify`` checks on the digest-form public edition of a v2 meeting.
CHECKED_DIGEST = (
    "archive: one entry per name, every file listed and hashed in the manifest, canonical JSON, the manifest "
    "signed by the server key",
    "meeting: the agenda's hash and the motions it fixes",
    "ledger: the hash chain over every entry's digest form (receipts are checked against it), each proxy "
    "entry's delegation registered",
    "keys: each enrolment's proof of possession, no key shared or overlapping",
    "results: the server's signature over this ledger, that each motion's totals add up (roll totals, "
    "participation and quorum, choices against counts by kind), countersignatures by the convening body and the "
    "scrutineers, certifications and the countersignature rule",
)
#: What the digest-form public edition cannot show, as ``govern verify`` lists it (``unchecked``).
UNCHECKED = (
    "ballots: the public edition holds each ballot's hash, not the ballot, so no ballot signature, choice, "
    "voter eligibility, revision or proxy rule can be checked; the auditor edition holds them",
    "tally: the per-motion totals are the server's signed totals; that they follow from the ballots is "
    "checked on the auditor edition (by the scrutineers and the street office)",
    "roll: the public edition holds the roll's totals only, so the roll's hash and each person's area, "
    "owners and keys cannot be recomputed",
    "delegations and paper attestations: only their hashes are published",
)


def digest_edition(files: Mapping[str, bytes]) -> bool:
    """The record is the digest-form public edition of a v2 meeting (its meeting.json binds an agenda): its ledger
    is checked by :class:`DigestChecks`. Malformed files answer False (the full checks then name them)."""
    try:
        manifest, meeting = json.loads(files[MANIFEST]), json.loads(files.get("meeting.json", b"null"))
    except (ValueError, KeyError):
        return False
    return (isinstance(manifest, dict) and manifest.get("edition") == PUBLIC and isinstance(meeting, dict)
            and "agenda_hash" in meeting)


def chain_of(files: Mapping[str, bytes]) -> int:
    """The ledger's chain version: v2 when meeting.json binds an agenda (``Meeting.record_version``)."""
    try:
        meeting = json.loads(files.get("meeting.json", b"null"))
    except ValueError:
        return CHAIN_V1
    return CHAIN_V2 if isinstance(meeting, dict) and "agenda_hash" in meeting else CHAIN_V1


def accounts_of(items: Any) -> frozenset[str]:
    """Account ids from a list of ids or of objects with an ``account`` (``meeting.json`` → ``scrutineers``,
    ``convening_body.members``); an object with ``removed_at`` set (a scrutineer removed before the close) is
    left out."""
    out = set()
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("removed_at") is not None:
            continue
        account = item.get("account") if isinstance(item, dict) else item
        if isinstance(account, str):
            out.add(account)
    return frozenset(out)


def convening_accounts(meeting: Any, committee: frozenset[str]) -> frozenset[str]:
    """The convening body's accounts as ``meeting.json`` lists them (``convening_body.members``); records without
    the list: the committee of ``keys.json``."""
    body = meeting.get("convening_body") if isinstance(meeting, dict) else None
    if isinstance(body, dict) and isinstance(body.get("members"), list):
        return accounts_of(body["members"])
    return frozenset(committee)


def _count(value: Any) -> Count:
    """A ``{"area": "12.00", "persons": n}`` object of a signed result as a :class:`Count` (``ValueError``)."""
    if not isinstance(value, Mapping) or type(value.get("persons")) is not int or not isinstance(
            value.get("area"), str):
        raise ValueError("a count is {area, persons}")
    area = value["area"]
    return Count(0 if area in ("0.00", "0") else parse_area(area), value["persons"])


def totals_problems(tally: Any, ballots: Any, roll_totals: Count, ledger_length: int) -> list[str]:
    """How a signed motion result's totals fail to add up (empty when they do): its ``totals`` are the roll's;
    participation is within them and quorum is what it says; agree, oppose, abstain and invalid persons are
    the ballots counted by kind, which are no more than the ledger's entries."""
    try:
        totals, part = _count(tally["totals"]), _count(tally["participation"])
        marks = [_count(tally[k]) for k in ("agree", "oppose", "abstain", "invalid")]
        quorum = tally["participation"]["quorum_met"]
    except (KeyError, TypeError, ValueError) as exc:
        return [f"the signed result is malformed: {exc}"]
    out = []
    if totals != roll_totals:
        out.append("its totals are not the roll's totals")
    if part.area > totals.area or part.persons > totals.persons:
        out.append("participation exceeds the roll's totals")
    if quorum is not quorum_legs(part, totals).holds:
        out.append("quorum_met does not follow from participation and totals")
    marked = sum(c.persons for c in marks)
    if any(c.area > totals.area or c.persons > totals.persons for c in marks):
        out.append("a choice's area or persons exceed the roll's totals")
    if isinstance(ballots, Mapping) and set(ballots) == set(BALLOT_KINDS) and all(
            type(ballots[k]) is int for k in BALLOT_KINDS):
        if sum(ballots.values()) != marked:
            out.append("its ballots by kind do not add up to agree + oppose + abstain + invalid persons")
        if sum(ballots.values()) > ledger_length:
            out.append("it counts more ballots than the ledger holds")
    else:
        out.append("it carries no counts by kind")
    return out


class DigestChecks:
    """The digest-form public edition's checks; mixed into the verifier (which provides ``files``, ``report``,
    ``problem``, ``load_json``, ``check_manifest``, ``check_meeting``, ``check_result_file``, ...)."""

    #: True when the record is a digest-form public edition: entries carry no ballot; nothing is "counted".
    digest_only = False

    def run_digest(self) -> Any:
        self.digest_only = True
        manifest = self.check_manifest()
        meeting = self.load_json("meeting.json")
        if not self.check_meeting(meeting, manifest):
            return self.report
        self.meeting = meeting
        self.scrutineers = accounts_of(meeting.get("scrutineers"))
        totals = self.check_roll_totals()
        self.keys = parse_keys(self.load_json("keys.json"), self.problems)
        registered = self.check_delegation_digests()
        self.entries = self.check_digest_ledger(registered)
        self.counted = {}
        self.report.ballots = len(self.entries)
        self.report.counted = None
        self.report.counted_by_kind = {}
        self.report.unchecked.extend(UNCHECKED)
        self.report.checked = list(CHECKED_DIGEST)
        if not self.report.interim:
            self.check_digest_results(totals)
            self.check_countersignature_rule(manifest)
        return self.report

    def check_roll_totals(self) -> Count | None:
        file = "roll.json"
        obj = self.load_json(file)
        if obj is None:
            return None
        if isinstance(obj, Mapping) and "persons" in obj:
            self.problem(file, None, "edition_mismatch",
                         "the manifest says public edition, but roll.json lists each person (a v2 public edition "
                         "holds the roll's totals only)")
            return None
        keys = {"type", "community", "meeting", "scope", "frozen_at", "total_area", "total_persons", "roll_hash"}
        if not isinstance(obj, Mapping) or set(obj) != keys or obj["type"] != ROLL_TOTALS_TYPE or any(
                type(obj[k]) is not int or obj[k] < 0 for k in ("total_area", "total_persons")):
            self.problem(file, None, "bad_file", f"roll.json is not a {ROLL_TOTALS_TYPE} object")
            return None
        if obj["roll_hash"] != self.meeting["roll_hash"]:
            self.problem(file, None, "roll_hash_mismatch", "the roll totals name another roll than meeting.json")
        if (obj["community"], obj["meeting"]) != (self.meeting["community"], self.meeting["meeting"]):
            self.problem(file, None, "wrong_meeting", "the roll is for another meeting")
        return Count(obj["total_area"], obj["total_persons"])

    def check_delegation_digests(self) -> set[str]:
        """Hashes of the registered delegations (``delegations.json`` in digest form)."""
        file = "delegations.json"
        obj = self.load_json(file)
        out: set[str] = set()
        if obj is None:
            return out
        if not isinstance(obj, Mapping) or obj.get("type") != DELEGATIONS_TYPE or not isinstance(
                obj.get("delegations"), list):
            self.problem(file, None, "bad_file", "delegations.json is not a govern.delegations.v1 object")
            return out
        for i, item in enumerate(obj["delegations"], start=1):
            if isinstance(item, Mapping) and "delegation" in item:
                self.problem(file, None, "edition_mismatch",
                             "the manifest says public edition, but delegations.json holds whole delegations")
                return out
            if not isinstance(item, Mapping) or not isinstance(item.get("delegation_hash"), str):
                self.problem(file, None, "bad_delegation", f"delegation #{i} is not in digest form")
                continue
            out.add(item["delegation_hash"])
        return out

    def check_digest_ledger(self, registered: set[str]) -> list[LedgerEntry]:
        """The digest-form ledger: the layout, each line canonical, the chain; every proxy entry's delegation
        is a registered one. Returns the entries (ballots empty) for the ledger pin and receipts."""
        file = "ledger.jsonl"
        data = self.files.get(file)
        if data is None:
            return []
        lines = [line for line in data.split(b"\n") if line.strip()]
        self.check_ledger_layout(data, lines)
        objs: list[Any] = []
        for index, line in enumerate(lines, start=1):
            obj = self.parse_line(file, index, line)
            if isinstance(obj, Mapping) and "ballot" in obj:
                self.problem(file, index, "edition_mismatch",
                             "the manifest says public edition, but the ledger holds whole ballots")
                return []
            objs.append(obj)
        self.problems.extend(digest_line_problems(objs, file=file))
        entries = []
        for obj in objs:
            try:
                entries.append(LedgerEntry(
                    position=obj["position"], kind=obj["kind"], ballot={}, ballot_hash=obj["ballot_hash"],
                    signature=obj["signature"], key_id=obj["key_id"], received_at=obj["received_at"],
                    prev_hash=obj["prev_hash"], chain_hash=obj["chain_hash"], chain=CHAIN_V2))
            except (KeyError, TypeError):
                continue  # digest_line_problems named it
            if obj["kind"] not in (ELECTRONIC, PAPER) and not isinstance(obj["kind"], str):
                self.problem(file, obj["position"], "bad_entry", "kind must be a string")
            if "delegation_hash" in obj and obj["delegation_hash"] not in registered:
                self.problem(file, obj["position"], "delegation_unregistered",
                             "the entry's delegation is not one registered in delegations.json")
        return entries

    def parse_line(self, file: str, index: int, line: bytes) -> Any:
        try:
            obj, form = parse_canonical(line[:-1] if line.endswith(b"\r") else line)
        except ValueError:
            return None
        if form is not None:
            self.form_problem(file, index, form)
        return obj

    def check_digest_results(self, totals: Count | None) -> None:
        signed = self.check_result_file(self.entries, {})
        titles = {m["id"]: m.get("title", "") for m in self.meeting["motions"]}
        results = {}
        obj = self.load_json("result.json")
        for item in (obj or {}).get("motions", []) if isinstance(obj, Mapping) else []:
            try:
                results[item["result"]["motion"]] = item["result"]
            except (KeyError, TypeError):
                continue
        for mid, title in titles.items():
            if mid not in signed:
                self.problem("result.json", None, "result_missing", f"no signed result for motion {mid}")
                continue
            res = results.get(mid, {})
            tally = signed[mid]["tally"]
            self.report.motions.append({"id": mid, "title": title, **(tally if isinstance(tally, dict) else {}),
                                        "ballots": res.get("ballots"),
                                        **{k: v for k, v in signed[mid].items() if k != "tally"}})
            if totals is not None:
                for why in totals_problems(tally, res.get("ballots"), totals, len(self.entries)):
                    self.problem("result.json", None, "totals_mismatch", f"motion {mid}: {why}")
