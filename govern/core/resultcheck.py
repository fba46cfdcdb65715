"""The result checks of :func:`govern.core.verify.verify_record`: every motion recomputed from the counted ballots
and compared with the signed result, the counts by kind, the server's signature over this ledger, the
countersignatures and certifications, and the countersignature rule (``docs/record-format.md``).

:class:`ResultChecks` is a part of the verifier, like :class:`govern.core.digestcheck.DigestChecks`: it reads the
verifier's ``files``, ``meeting``, ``roll``, ``keys``, ``scrutineers``, ``version`` and ``report``, and reports
through its ``problem`` and ``load_json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from govern.core.agenda import result_agenda_problems
from govern.core.archive import (
    CERTIFICATION_TYPE,
    CERTIFICATION_VERDICTS,
    COUNTERSIGNATURE_TYPE,
    MANIFEST,
    RESULT_FILE,
    RESULTS_TYPE,
)
from govern.core.ballot import object_hash, parse_time, validate_envelope_shape
from govern.core.digestcheck import convening_accounts
from govern.core.keys import verify
from govern.core.ledger import LedgerEntry
from govern.core.results import BALLOT_KINDS, SIGNED_STAGE, compute_results, motion_ballots, result_fields

#: Stages from which a result must carry its countersignatures (``docs/record-format.md``, "Countersignature rule").
FINAL_STAGES = frozenset({"final", "certified", "objected", "revoked"})
#: The rule when ``meeting.json`` names none: two members of the convening body and one scrutineer.
DEFAULT_COUNTERSIGNATURE_RULE = {"convening_body": 2, "scrutineers": 1}


def _same_counts(signed: Any, expected: Mapping[str, int]) -> bool:
    """``signed`` is exactly the counts ``expected``: the same kinds, each an integer (not a boolean) equal to it."""
    return (
        isinstance(signed, dict)
        and set(signed) == set(expected)
        and all(type(signed[k]) is int and signed[k] == v for k, v in expected.items())
    )


def _counts_text(counts: Any) -> str:
    """``electronic 2, paper 1, proxy 0`` (or the JSON of whatever malformed value was signed)."""
    if isinstance(counts, dict) and set(counts) == set(BALLOT_KINDS):
        return ", ".join(f"{k} {counts[k]}" for k in BALLOT_KINDS)
    return json.dumps(counts, ensure_ascii=False, sort_keys=True)


class ResultChecks:
    """The verifier's checks of ``result.json`` and of the countersignature rule."""

    def check_countersignature_rule(self, manifest: Mapping[str, Any]) -> None:
        """From the ``final`` stage every motion's result is countersigned as ``meeting.json`` requires."""
        rule = self.meeting.get("countersignature_rule")
        stage = manifest.get("stage")
        if stage is None:
            applies = rule is not None and not self.report.interim
        else:
            applies = stage in FINAL_STAGES
        if not applies:
            return
        rule = DEFAULT_COUNTERSIGNATURE_RULE if rule is None else rule
        if (not isinstance(rule, dict) or set(rule) != set(DEFAULT_COUNTERSIGNATURE_RULE)
                or any(type(v) is not int or v < 0 for v in rule.values())):
            self.problem("meeting.json", None, "bad_file",
                         "countersignature_rule must be {\"convening_body\": n, \"scrutineers\": n}")
            return
        groups = {"convening_body": convening_accounts(self.meeting, self.keys.committee),
                  "scrutineers": self.scrutineers}
        for item in self.report.motions:
            signers = set(item.get("countersigned_by", []))
            for group, needed in sorted(rule.items()):
                have = len(signers & groups[group])
                if have < needed:
                    self.problem(RESULT_FILE, None, "missing_countersignature",
                                 f"motion {item['id']}: {have} of the {needed} countersignatures required "
                                 f"from {group.replace('_', ' ')}")

    def check_results(self, entries: list[LedgerEntry], counted: Mapping[str, LedgerEntry]) -> None:
        try:
            recomputed = compute_results(self.meeting, self.roll, counted)
        except ValueError as exc:
            self.problem("ledger.jsonl", None, "tally_impossible", f"the counted ballots cannot be tallied: {exc}")
            return
        titles = {m["id"]: m.get("title", "") for m in self.meeting["motions"]}
        persons = {voter for voter in counted if self.roll.person(voter) is not None}
        kinds = {mid: motion_ballots(counted, mid, persons) for mid in recomputed}
        signed: dict[str, Mapping[str, Any]] = {}
        if not self.report.interim:
            signed = self.check_result_file(entries, kinds)
        for mid, tally_json in recomputed.items():
            item = {"id": mid, "title": titles[mid], **tally_json, "ballots": kinds[mid]}
            if mid in signed:
                item.update({k: v for k, v in signed[mid].items() if k != "tally"})
            self.report.motions.append(item)
            if not self.report.interim:
                stored = signed.get(mid, {}).get("tally")
                if stored is None:
                    self.problem(RESULT_FILE, None, "result_missing", f"no signed result for motion {mid}")
                elif stored != tally_json:
                    self.problem(RESULT_FILE, None, "result_mismatch",
                                 f"motion {mid}: the signed result differs from the recomputed tally")

    def check_result_file(
        self, entries: list[LedgerEntry], kinds: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, Any]]:
        """Signatures, ledger pin and counts by kind of every signed result; ``kinds``: the recomputed
        ``ballots`` per motion (:func:`motion_ballots`)."""
        file = RESULT_FILE
        obj = self.load_json(file)
        out: dict[str, dict[str, Any]] = {}
        if obj is None:
            return out
        if not isinstance(obj, dict) or obj.get("type") != RESULTS_TYPE or not isinstance(obj.get("motions"), list):
            self.problem(file, None, "bad_file", "result.json is not a govern.results.v1 object")
            return out
        server_key = json.loads(self.files[MANIFEST]).get("server_key")
        head = entries[-1].chain_hash if entries else "0" * 64
        motions = {m["id"]: m for m in self.meeting["motions"]}
        for item in obj["motions"]:
            try:
                res = item["result"]
                mid = res["motion"]
                if not isinstance(mid, str):
                    raise ValueError
                length, ledger_head, tally_json = result_fields(res, self.version)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.problem(file, None, "bad_file", f"a result item is malformed ({exc})")
                continue
            if not verify(server_key, res, item.get("server_signature")):
                self.problem(file, None, "result_signature_invalid", f"motion {mid}: the server's signature fails")
            if res.get("meeting") != self.meeting["meeting"] or res.get("roll_hash") != self.meeting["roll_hash"]:
                self.problem(file, None, "wrong_meeting", f"motion {mid}: the result is for another meeting or roll")
            elif not self.app_result_matches(res, motions.get(mid)):
                self.problem(file, None, "wrong_meeting",
                             f"motion {mid}: the result names another community, motion, window or policy")
            if self.version == 2:
                for code, message in result_agenda_problems(res, self.meeting, SIGNED_STAGE):
                    self.problem(file, None, code, f"motion {mid}: {message}")
            if length != len(entries) or ledger_head != head:
                self.problem(file, None, "result_ledger_mismatch",
                             f"motion {mid}: the result was signed over a different ledger")
            expected = kinds.get(mid)
            if expected is not None and not _same_counts(res.get("ballots"), expected):
                if "ballots" not in res:
                    detail = "the signed result carries no counts by kind"
                else:
                    detail = (f"the signed counts by kind {_counts_text(res['ballots'])} differ from the counted "
                              f"ballots {_counts_text(expected)}")
                self.problem(file, None, "result_counts_mismatch", f"motion {mid}: {detail}")
            rh = object_hash(res)
            summary: dict[str, list[str]] = {"countersigned_by": [], "certified_by": [], "objected_by": [],
                                             "correction_ordered_by": [], "revoked_by": []}
            self.check_endorsements(mid, rh, item.get("countersignatures"), summary, counter=True, result=res)
            self.check_endorsements(mid, rh, item.get("certifications"), summary, counter=False)
            out[mid] = {"tally": tally_json, **summary}
        return out

    def app_result_matches(self, res: Mapping[str, Any], motion: Mapping[str, Any] | None) -> bool:
        """The app's result document (docs/meetings.md) also names the community, matter, close and policy."""
        return (
            motion is not None
            and res.get("community") == self.meeting["community"]
            and res.get("matter") == motion.get("matter")
            and res.get("closes_at") == self.meeting["closes_at"]
            and res.get("revision_policy") == self.meeting["revision_policy"]
            and res.get("motion_title", motion.get("title")) == motion.get("title")
        )

    def check_endorsements(
        self, mid: str, result_hash: str, envelopes: Any, summary: dict[str, list[str]], *, counter: bool,
        result: Mapping[str, Any] | None = None,
    ) -> None:
        """Countersignatures (committee) or certifications (auditors) of one motion's result.

        A countersignature is an envelope of a ``govern.countersignature.v1`` object, or a *direct*
        countersignature ``{"key_id", "signature", "signed_at"}``: a signature over the result
        object itself (what the app's committee members sign), ``signed_at`` being the server's
        time of receipt. A certification is an envelope of a ``govern.certification.v1`` object.
        """
        file = RESULT_FILE
        code = "countersignature_invalid" if counter else "certification_invalid"
        tag = COUNTERSIGNATURE_TYPE if counter else CERTIFICATION_TYPE
        allowed = self.keys.committee | self.scrutineers if counter else self.keys.auditors
        signers: set[str] = set()
        for env in envelopes or []:
            try:
                if counter and isinstance(env, dict) and set(env) == {"key_id", "signature", "signed_at"}:
                    o, at = result, parse_time(env["signed_at"])
                    if o is None or not isinstance(env["key_id"], str) or not isinstance(env["signature"], str):
                        raise ValueError
                    o = {**o, "result_hash": result_hash}  # signed over the result itself
                    signed = result
                else:
                    if validate_envelope_shape(env):
                        raise ValueError
                    o = signed = env["object"]
                    at = parse_time(o["signed_at"])
                    if o.get("type") != tag or o.get("motion") != mid or o.get("meeting") != self.meeting["meeting"]:
                        raise ValueError
                if not counter and (o.get("verdict") not in CERTIFICATION_VERDICTS
                                    or not isinstance(o.get("reason"), str)):
                    raise ValueError
            except (KeyError, TypeError, ValueError):
                self.problem(file, None, code, f"motion {mid}: a malformed {tag}")
                continue
            account, _ = self.keys.holder(env["key_id"], at)
            if not verify(env["key_id"], signed, env["signature"]):
                self.problem(file, None, code, f"motion {mid}: a {tag} signature does not verify")
            elif o.get("result_hash") != result_hash:
                self.problem(file, None, code, f"motion {mid}: a {tag} names another result")
            elif account is None or account not in allowed:
                role = "a committee member" if counter else "an auditor"
                self.problem(file, None, code, f"motion {mid}: a {tag} is not by {role}'s active key")
            elif account in signers:
                self.problem(file, None, code, f"motion {mid}: account {account} signed twice")
            else:
                signers.add(account)
                key = "countersigned_by" if counter else CERTIFICATION_VERDICTS[o["verdict"]]
                summary[key].append(account)

