"""A voting world for the record, proxy, paper-ballot and audit tests (extends tests/meetings/helpers.World)."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import timedelta

from govern.core.archive import CERTIFICATION_TYPE
from govern.core.ballot import build_delegation, build_revocation, format_time, new_nonce, object_hash
from govern.core.keys import sign
from govern.core.paper_rules import build_attestation, build_paper_ballot, build_paper_ballot_v2
from govern.core.verify import verify_record
from govern.extensions import db
from tests.meetings.helpers import CLOSES, OPENS, World

PDF = b"%PDF-1.4\n% scan of a paper ballot\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class RecordWorld(World):
    """The meetings World plus paper ballots, delegations, certifications and record export."""

    def info(self, client, mid: int) -> dict:
        return client.get(f"/api/v1/meetings/{mid}", headers=self.headers("chair")).get_json()

    def agenda_hash(self, mid: int) -> str | None:
        """The meeting's agenda hash (``None`` for a meeting published before agendas were bound)."""
        with self.app.app_context():
            return self.meeting(mid).agenda_hash

    def person_of(self, mid: int, name: str) -> str:
        from govern.meetings import services

        with self.app.app_context():
            return services.persons_for(self.meeting(mid), self.user(name))[0].person

    # ---- paper
    def paper_body(self, client, mid: int, voter: str, choices: dict, *, entered_by="member", scan=PDF,
                   reasons=None, scan_hash=None, collected_at=None, agenda_hash=None) -> dict:
        info = self.info(client, mid)
        fields = dict(
            community=info["community"], meeting=str(mid), roll_hash=info["roll_hash"], voter=voter,
            choices=choices, invalid_reasons=reasons, scan_sha256=scan_hash or hashlib.sha256(scan).hexdigest(),
            entered_at=self.clock.moment, nonce=new_nonce(os.urandom))
        if info.get("agenda_hash") is None:  # a meeting published before agendas were bound: v1 paper ballots
            ballot = build_paper_ballot(**fields)
        else:  # govern.paper_ballot.v2: collected by the close (default: now, or the close once it has passed)
            ballot = build_paper_ballot_v2(collected_at=collected_at or min(self.clock.moment, CLOSES),
                                           agenda_hash=agenda_hash or info["agenda_hash"], **fields)
        return {"ballot": ballot, "signature": sign(self.keys[entered_by], ballot), "key_id": self.key_ids[entered_by]}

    def enter_paper(self, client, mid: int, voter: str, choices: dict, *, entered_by="member", scan=PDF,
                    body=None, **kw):
        import json

        body = body or self.paper_body(client, mid, voter, choices, entered_by=entered_by, scan=scan, **kw)
        self.login(client, entered_by)
        resp = client.post(f"/meetings/{mid}/paper", data={"body": json.dumps(body),
                                                          "scan": (io.BytesIO(scan), "scan.pdf")},
                           content_type="multipart/form-data")
        client.post("/logout")
        return resp

    def attest_body(self, paper_ballot: dict, attested_by="chair") -> dict:
        att = build_attestation(paper_ballot=paper_ballot, attested_at=self.clock.moment, nonce=new_nonce(os.urandom))
        return {"attestation": att, "signature": sign(self.keys[attested_by], att),
                "key_id": self.key_ids[attested_by]}

    def attest(self, client, paper_id: int, *, attested_by="chair", body=None):
        import json

        from govern.ballots.models import PaperBallot

        with self.app.app_context():
            ballot = db.session.get(PaperBallot, paper_id).ballot
        body = body or self.attest_body(ballot, attested_by)
        self.login(client, attested_by)
        resp = client.post(f"/paper-ballots/{paper_id}/attest", data={"body": json.dumps(body)})
        client.post("/logout")
        return resp

    def login(self, client, name: str) -> None:
        client.post("/logout")
        resp = client.post("/login", data={"username": name.lower(), "password": "correct-horse-battery"})
        assert resp.status_code == 302

    def latest_paper_id(self) -> int:
        from sqlalchemy import func, select

        from govern.ballots.models import PaperBallot

        with self.app.app_context():
            return db.session.scalar(select(func.max(PaperBallot.id)))

    # ---- proxies
    def delegation_body(self, mid: int, principal_name: str, proxy_name: str, *, instructions=None,
                        key_name=None) -> dict:
        info_cid = str(self.cid)
        d = build_delegation(community=info_cid, meeting=str(mid), principal=self.person_of(mid, principal_name),
                             proxy=str(self.users[proxy_name]), issued_at=self.clock.moment,
                             nonce=new_nonce(os.urandom), instructions=instructions,
                             agenda_hash=self.agenda_hash(mid))
        signer = key_name or principal_name
        return {"delegation": d, "signature": sign(self.keys[signer], d), "key_id": self.key_ids[signer]}

    def delegate(self, client, mid: int, principal_name: str, proxy_name: str, **kw):
        return client.post(f"/api/v1/meetings/{mid}/delegations", headers=self.headers(principal_name),
                           json=self.delegation_body(mid, principal_name, proxy_name, **kw))

    def accept(self, client, did: int, name: str):
        return client.post(f"/api/v1/delegations/{did}/accept", headers=self.headers(name))

    def revoke(self, client, did: int, name: str, delegation: dict):
        r = build_revocation(community=delegation["community"], meeting=delegation["meeting"],
                             principal=delegation["principal"], delegation=delegation, issued_at=self.clock.moment,
                             nonce=new_nonce(os.urandom))
        body = {"revocation": r, "signature": sign(self.keys[name], r), "key_id": self.key_ids[name]}
        return client.post(f"/api/v1/delegations/{did}/revoke", headers=self.headers(name), json=body)

    # ---- results and certifications
    def close(self, *, tick: bool = True) -> None:
        """Voting has closed an hour ago; with ``tick``, ``govern tick`` has run (the preliminary result)."""
        self.clock.set(CLOSES + timedelta(hours=1))
        if tick:
            self.tick()

    def results(self, client, mid: int) -> list[dict]:
        return client.get(f"/api/v1/meetings/{mid}/results", headers=self.headers("chair")).get_json()["results"]

    def countersign(self, client, mid: int, name: str = "chair") -> None:
        for r in self.results(client, mid):
            body = {"signature": sign(self.keys[name], r["document"]), "key_id": self.key_ids[name]}
            resp = client.post(f"/api/v1/meetings/{mid}/results/{r['motion']}/countersign", json=body,
                               headers=self.headers(name))
            assert resp.status_code == 201, resp.get_json()

    def certification_body(self, result: dict, verdict="certify", reason="", name="auditor") -> dict:
        o = {"type": CERTIFICATION_TYPE, "meeting": result["document"]["meeting"], "motion": result["motion"],
             "result_hash": result["document_hash"], "verdict": verdict, "reason": reason,
             "signed_at": format_time(self.clock.moment)}
        return {"certification": o, "signature": sign(self.keys[name], o), "key_id": self.key_ids[name]}

    def certify(self, client, mid: int, result: dict, verdict="certify", reason="", name="auditor"):
        return client.post(f"/api/v1/meetings/{mid}/results/{result['motion']}/certifications",
                           json=self.certification_body(result, verdict, reason, name), headers=self.headers(name))

    # ---- the record
    def export(self, client, mid: int, edition: str | None = None, name: str = "auditor") -> bytes:
        url = f"/api/v1/meetings/{mid}/record" + (f"?edition={edition}" if edition else "")
        resp = client.get(url, headers=self.headers(name))
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.data


def codes(data: bytes) -> set[str]:
    return {p.code for p in verify_record(data, workers=1).problems}


def delegation_hash(body: dict) -> str:
    return object_hash(body["delegation"])


__all__ = ["OPENS", "CLOSES", "PDF", "PNG", "RecordWorld", "codes", "delegation_hash"]


def authz_sample(app, community_id: int, users: dict) -> dict:
    """For tests/test_authz_matrix.py: in the sample (open) meeting, a delegation by "owner" naming "observer"
    as proxy, and a paper ballot entered by "committee_member" awaiting attestation. Returns
    ``delegation_id`` and ``paper_id``."""
    from sqlalchemy import select

    from govern.ballots.models import Delegation, Meeting, PaperBallot, RollCaster, RollPerson

    with app.test_request_context():
        meeting = db.session.scalar(select(Meeting).where(Meeting.community_id == community_id,
                                                          Meeting.title == "Matrix assembly"))
        person = db.session.scalar(
            select(RollPerson.person).join(RollCaster, RollCaster.roll_person_id == RollPerson.id)
            .where(RollPerson.meeting_id == meeting.id, RollCaster.user_id == users["owner"]))
        d = build_delegation(community=str(community_id), meeting=str(meeting.id), principal=person,
                             proxy=str(users["observer"]), issued_at=meeting.opens_at, nonce=new_nonce(os.urandom),
                             agenda_hash=meeting.agenda_hash)
        delegation = Delegation(community_id=community_id, meeting_id=meeting.id, principal=person,
                                principal_user_id=users["owner"], proxy_user_id=users["observer"],
                                envelope={"object": d, "signature": "x", "key_id": "x"},
                                delegation_hash=object_hash(d), nonce=d["nonce"])
        p = build_paper_ballot(community=str(community_id), meeting=str(meeting.id), roll_hash=meeting.roll_hash,
                               voter=person, choices={}, scan_sha256=hashlib.sha256(PDF).hexdigest(),
                               entered_at=meeting.opens_at, nonce=new_nonce(os.urandom))
        paper = PaperBallot(community_id=community_id, meeting_id=meeting.id, voter=person, ballot=p,
                            ballot_hash=object_hash(p), nonce=p["nonce"], signature="x", key_id="x",
                            entered_by_id=users["committee_member"], scan=PDF, scan_type="application/pdf",
                            scan_size=len(PDF), scan_sha256=p["scan_sha256"])
        db.session.add_all([delegation, paper])
        db.session.commit()
        return {"delegation_id": delegation.id, "paper_id": paper.id}
