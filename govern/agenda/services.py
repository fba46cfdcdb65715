"""Agenda use cases: drafting, co-signing (联署) per voting person, thresholds, committee review, attachments.

Every function validates, changes state, flushes, writes the audit entry and a timeline row, and raises a
``DomainError``; none commits.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

from flask import current_app, g, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from govern import settings
from govern.accounts.access import COMMITTEE, is_committee
from govern.accounts.models import RoleGrant
from govern.agenda import notifications
from govern.agenda.access import has_interest
from govern.agenda.models import (
    FINAL_STATES,
    ITEMS,
    Attachment,
    CoSignature,
    Proposal,
    ProposalEvent,
    ProposalKind,
    ProposalState,
)
from govern.audit.services import log_action
from govern.clock import now
from govern.core.persons import Person, Roll
from govern.core.procedure import petition_threshold
from govern.core.rules import Matter
from govern.errors import Conflict, DomainError, Forbidden
from govern.extensions import db
from govern.inputs import MAX_ID
from govern.locking import lock_row
from govern.register.models import Community
from govern.register.records import community_persons
from govern.register.records import persons_of as register_persons_of


def _percent(value) -> Fraction:
    if isinstance(value, bool):
        raise TypeError("a percentage is required")
    if isinstance(value, float):  # a float in a JSON setting: take its decimal text, never its binary value
        value = repr(value)
    share = Fraction(str(value))
    if not 0 < share <= 100:
        raise ValueError("cosign_threshold_percent must be in (0, 100]")
    return share


#: Community settings of this feature (``Community.settings_json``), declared once with defaults and parsers.
settings.declare("agenda", "cosign_threshold_percent", Fraction(5), parse=_percent,
                 doc="Share of voting persons whose co-signatures bring a proposal to review, in percent "
                     "(an integer or a decimal string).")
settings.declare("agenda", "cosign_threshold_count", None, parse=settings.positive_int,
                 doc="A fixed number of persons instead of the share (none: use the share).")
settings.declare("agenda", "petition_convene_days", 30, parse=settings.positive_int,
                 doc="Days within which the committee must convene after a petition reaches R8.")
#: Milestones of the threshold that notify the author.
MILESTONES = (Fraction(1, 2), Fraction(1))
#: Attachments: magic bytes → content type and extension.
MAGIC = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
ALLOWED_EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg"}
DEFAULT_MAX_ATTACHMENT = 5 * 1024 * 1024
TITLE_MAX = 200
BODY_MAX = 20_000


setting = settings.get


# --- the roll ----------------------------------------------------------------------------------------------


def community_roll(community) -> Roll:
    """The community's voting persons (R4–R5) from the register, once per request."""
    cache = g.setdefault("_agenda_rolls", {}) if _has_g() else {}
    if community.id not in cache:
        cache[community.id] = community_persons(community.id)
    return cache[community.id]


def _has_g() -> bool:
    from flask import has_app_context

    return has_app_context()


def persons_of(user, community, roll: Roll | None = None) -> list[Person]:
    """The user's voting persons (:func:`govern.register.records.persons_of`) against the request's cached roll."""
    if not getattr(user, "is_authenticated", False):
        return []
    return register_persons_of(user, community, roll or community_roll(community))


# --- thresholds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Co-signing progress of a proposal against its threshold, in integers."""

    kind: str
    signed_persons: int
    signed_area: int
    total_persons: int
    total_area: int
    #: Persons needed (the petition also needs ``required_area``).
    required_persons: int
    required_area: int
    met: bool
    #: Progress towards the threshold as an exact fraction (1 = reached), capped at 1.
    fraction: Fraction

    @property
    def percent_display(self) -> int:
        """Floored percent of the threshold for the progress bar (informative only)."""
        return math.floor(self.fraction * 100)


def threshold_persons(community, total_persons: int) -> int:
    """Persons needed to bring an ordinary proposal to review: the fixed count, or ceil(share × T_count)."""
    fixed = setting(community, "cosign_threshold_count")
    if fixed is not None:
        return fixed
    share = setting(community, "cosign_threshold_percent")
    return max(1, math.ceil(share * total_persons / 100))


def progress(proposal: Proposal, roll: Roll | None = None) -> Progress:
    """Count the proposal's co-signatures per voting person of the current register."""
    roll = roll or community_roll(proposal.community)
    signed = {s.person_id for s in proposal.signatures}
    persons = []
    for pid in signed:
        try:
            persons.append(roll.person(pid))
        except KeyError:  # the register changed since: a person that no longer exists does not count
            continue
    s_count, s_area = len(persons), sum(p.area for p in persons)
    t_count, t_area = roll.total_persons, roll.total_area
    if proposal.kind == ProposalKind.PETITION:
        result = petition_threshold(support_area=s_area, support_persons=s_count, total_area=t_area,
                                    total_persons=t_count) if t_count else None
        met = bool(result and result.met)
        frac = min(Fraction(5 * s_area, t_area), Fraction(5 * s_count, t_count)) if t_count else Fraction(0)
        return Progress("petition", s_count, s_area, t_count, t_area, math.ceil(t_count / 5), math.ceil(t_area / 5),
                        met, min(frac, Fraction(1)))
    need = threshold_persons(proposal.community, t_count)
    return Progress("proposal", s_count, s_area, t_count, t_area, need, 0, s_count >= need,
                    min(Fraction(s_count, need), Fraction(1)))


# --- drafting ----------------------------------------------------------------------------------------------


def _clean(data: dict) -> dict:
    title = str(data.get("title") or "").strip()
    body = str(data.get("body") or "")
    item = str(data.get("item") or "other")
    matter = data.get("matter") or Matter.ORDINARY.value
    errors = {}
    if not title:
        errors["title"] = _("A title is required.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title is too long (at most %(n)d characters).", n=TITLE_MAX)
    if len(body) > BODY_MAX:
        errors["body"] = _("The text is too long (at most %(n)d characters).", n=BODY_MAX)
    if item not in ITEMS:
        errors["item"] = _("Choose an item of Civil Code art. 278.")
    if matter not in {m.value for m in Matter}:
        errors["matter"] = _("Choose a matter class.")
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    return {"title": title, "body": body, "item": item, "matter": Matter(matter)}


def _event(proposal: Proposal, kind: str, actor, note: str = "", **data) -> None:
    db.session.add(ProposalEvent(community_id=proposal.community_id, proposal_id=proposal.id, kind=kind,
                                 actor_id=getattr(actor, "id", None), note=note, data=data, created_at=now()))


def _audit(action: str, proposal: Proposal, actor, **data) -> None:
    log_action(action, actor=actor, community=proposal.community_id, obj=proposal,
           data={"state": proposal.state.value, **data})


def create_proposal(community, data: dict, *, actor) -> Proposal:
    """Draft a proposal (or, with ``kind="petition"``, a petition for an interim assembly)."""
    clean = _clean(data)
    kind = data.get("kind") or ProposalKind.PROPOSAL.value
    if kind not in {k.value for k in ProposalKind}:
        raise DomainError("invalid", _("Unknown kind of proposal."), details={"kind": _("Unknown kind of proposal.")})
    proposal = Proposal(community_id=community.id, community=community, kind=ProposalKind(kind), author_id=actor.id,
                        state=ProposalState.DRAFT, created_at=now(), **clean)
    db.session.add(proposal)
    db.session.flush()
    _event(proposal, "created", actor)
    _audit("proposal.create", proposal, actor, kind=kind, title=proposal.title)
    return proposal


def update_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """Edit a draft (title, body, item, matter class)."""
    if proposal.state != ProposalState.DRAFT:
        raise Conflict("not_draft", _("Only a draft can be edited."))
    clean = _clean(data)
    for key, value in clean.items():
        setattr(proposal, key, value)
    db.session.flush()
    _audit("proposal.update", proposal, actor, title=proposal.title)
    return proposal


def open_proposal(proposal: Proposal, *, actor) -> Proposal:
    """Publish a draft for co-signing; the author's own voting person signs first."""
    if proposal.state != ProposalState.DRAFT:
        raise Conflict("not_draft", _("Only a draft can be opened for co-signing."))
    if proposal.author_id != actor.id:
        raise Forbidden("forbidden", _("Only the author can open the proposal."))
    proposal.state = ProposalState.OPEN
    proposal.opened_at = now()
    db.session.flush()
    _event(proposal, "opened", actor)
    _audit("proposal.open", proposal, actor)
    for person in persons_of(actor, proposal.community):
        db.session.add(CoSignature(community_id=proposal.community_id, proposal_id=proposal.id,
                                   person_id=person.id, user_id=actor.id, created_at=now()))
    db.session.flush()
    db.session.refresh(proposal, ["signatures"])
    _after_signatures(proposal, Fraction(0), actor)
    return proposal


def lock_proposal(proposal: Proposal) -> Proposal:
    """Take the proposal's row lock (PostgreSQL ``SELECT … FOR UPDATE``) and reload its state.

    Every change of a proposal's state or signatures starts here, so of two colliding requests (accept and
    reject, a double co-signature) the second waits, sees the first one's result and answers 409.
    """
    lock_row(proposal)
    db.session.refresh(proposal, ["signatures"])
    return proposal


def cosign_proposal(proposal: Proposal, *, actor) -> list[CoSignature]:
    """Co-sign for each of the actor's voting persons not yet signed; refused when all of them are."""
    lock_proposal(proposal)
    if proposal.state not in (ProposalState.OPEN, ProposalState.REVIEW):
        raise Conflict("not_open", _("This proposal is not open for co-signing."))
    roll = community_roll(proposal.community)
    persons = persons_of(actor, proposal.community, roll)
    if not persons:
        raise Forbidden("not_a_person", _("Only a confirmed owner of a unit that counts for voting can co-sign."))
    signed = {s.person_id for s in proposal.signatures}
    new = [p for p in persons if p.id not in signed]
    if not new:
        raise Conflict("already_signed", _("This proposal is already co-signed for your voting person "
                                           "(co-owners and the units of one owner sign once)."))
    before = progress(proposal, roll).fraction
    rows = [CoSignature(community_id=proposal.community_id, proposal_id=proposal.id, person_id=p.id,
                        user_id=actor.id, created_at=now()) for p in new]
    db.session.add_all(rows)
    db.session.flush()
    db.session.refresh(proposal, ["signatures"])
    log_action("proposal.cosign", actor=actor, community=proposal.community_id, obj=proposal,
           data={"persons": [p.id for p in new]})
    _after_signatures(proposal, before, actor)
    return rows


def _after_signatures(proposal: Proposal, before: Fraction, actor) -> None:
    """Milestone notifications, and the move to review when the threshold is reached."""
    prog = progress(proposal)
    for m in MILESTONES:
        if before < m <= prog.fraction:
            _event(proposal, "milestone", None, percent=int(m * 100), persons=prog.signed_persons)
            if proposal.author_id != getattr(actor, "id", None) or m == 1:
                notifications.notify([proposal.author_id], "cosign_milestone", community=proposal.community_id,
                                     url=proposal_url(proposal), title=proposal.title, percent=int(m * 100))
    if prog.met and proposal.state == ProposalState.OPEN:
        proposal.state = ProposalState.REVIEW
        proposal.review_at = now()
        if proposal.is_petition:
            days = setting(proposal.community, "petition_convene_days")
            proposal.convene_by = proposal.review_at + timedelta(days=days)
        db.session.flush()
        _event(proposal, "review", None, persons=prog.signed_persons, area=prog.signed_area)
        _audit("proposal.review", proposal, None, persons=prog.signed_persons, area=prog.signed_area,
               convene_by=proposal.convene_by.isoformat() if proposal.convene_by else None)
        committee = db.session.scalars(select(RoleGrant.user_id).where(
            RoleGrant.community_id == proposal.community_id, RoleGrant.role.in_(COMMITTEE),
            RoleGrant.revoked_at.is_(None))).all()
        notifications.notify(set(committee), "review_ready", community=proposal.community_id,
                             url=proposal_url(proposal), title=proposal.title,
                             petition=proposal.is_petition)


def withdraw_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """The author withdraws the proposal before a decision."""
    if proposal.author_id != actor.id:
        raise Forbidden("forbidden", _("Only the author can withdraw the proposal."))
    lock_proposal(proposal)
    if proposal.state in FINAL_STATES:
        raise Conflict("decided", _("This proposal has already been decided."))
    proposal.state = ProposalState.WITHDRAWN
    proposal.decided_at = now()
    proposal.decision_reason = str(data.get("reason") or "")[:2000]
    db.session.flush()
    _event(proposal, "withdrawn", actor, note=proposal.decision_reason)
    _audit("proposal.withdraw", proposal, actor, reason=proposal.decision_reason)
    return proposal


# --- committee review --------------------------------------------------------------------------------------


def _check_decider(proposal: Proposal, actor) -> None:
    if not is_committee(actor, proposal.community):
        raise Forbidden("forbidden", _("Only committee members decide proposals."))
    if has_interest(actor, proposal):
        raise Forbidden("conflict_of_interest", _("You authored or co-signed this proposal: another committee "
                                                  "member must decide it."))


def _notify_decision(proposal: Proposal, decision: str) -> None:
    users = {proposal.author_id} | {s.user_id for s in proposal.signatures}
    notifications.notify(users, "decision", community=proposal.community_id, url=proposal_url(proposal),
                         title=proposal.title, decision=decision)


def accept_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """Accept a proposal in review as a motion: final title, text and matter class."""
    _check_decider(proposal, actor)
    lock_proposal(proposal)
    if proposal.state != ProposalState.REVIEW:
        raise Conflict("not_in_review", _("Only a proposal in review can be accepted."))
    title = str(data.get("motion_title") or proposal.title).strip()
    text = str(data.get("motion_text") or proposal.body)
    matter = data.get("motion_matter") or proposal.matter.value
    errors = {}
    if not title or len(title) > TITLE_MAX:
        errors["motion_title"] = _("The motion needs a title of at most %(n)d characters.", n=TITLE_MAX)
    if len(text) > BODY_MAX:
        errors["motion_text"] = _("The text is too long (at most %(n)d characters).", n=BODY_MAX)
    if matter not in {m.value for m in Matter}:
        errors["motion_matter"] = _("Choose a matter class.")
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    proposal.motion_title, proposal.motion_text, proposal.motion_matter = title, text, Matter(matter)
    proposal.state = ProposalState.ACCEPTED
    proposal.decided_at, proposal.decided_by_id = now(), actor.id
    proposal.decision_reason = str(data.get("reason") or "")[:2000]
    db.session.flush()
    _event(proposal, "accepted", actor, note=proposal.decision_reason, motion_title=title, matter=matter)
    _audit("proposal.accept", proposal, actor, motion_title=title, motion_matter=matter,
           motion_sha256=hashlib.sha256(text.encode()).hexdigest())
    _notify_decision(proposal, "accepted")
    return proposal


def reject_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """Reject a proposal with a public reason."""
    _check_decider(proposal, actor)
    lock_proposal(proposal)
    if proposal.state not in (ProposalState.OPEN, ProposalState.REVIEW):
        raise Conflict("decided", _("This proposal is not waiting for a decision."))
    reason = str(data.get("reason") or "").strip()
    if not reason:
        raise DomainError("invalid", _("A rejection needs a public reason."),
                          details={"reason": _("A rejection needs a public reason.")})
    proposal.state = ProposalState.REJECTED
    proposal.decided_at, proposal.decided_by_id, proposal.decision_reason = now(), actor.id, reason[:2000]
    db.session.flush()
    _event(proposal, "rejected", actor, note=proposal.decision_reason)
    _audit("proposal.reject", proposal, actor, reason=proposal.decision_reason)
    _notify_decision(proposal, "rejected")
    return proposal


def merge_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """Merge a proposal into another; its co-signatures carry over, one per voting person."""
    _check_decider(proposal, actor)
    lock_proposal(proposal)
    if proposal.state not in (ProposalState.OPEN, ProposalState.REVIEW):
        raise Conflict("decided", _("This proposal is not waiting for a decision."))
    try:
        target_id = int(data.get("into"))
    except (TypeError, ValueError):
        target_id = 0
    if not 0 < target_id <= MAX_ID:
        target_id = 0
    target = db.session.get(Proposal, target_id)
    if (target is None or target.community_id != proposal.community_id or target.id == proposal.id
            or target.state not in (ProposalState.OPEN, ProposalState.REVIEW)):
        raise DomainError("invalid", _("Choose another open or in-review proposal of this community to merge into."),
                          details={"into": _("Choose another open or in-review proposal of this community.")})
    before = progress(target).fraction
    have = {s.person_id for s in target.signatures}
    carried = []
    for sig in proposal.signatures:
        if sig.person_id not in have:
            have.add(sig.person_id)
            carried.append(sig.person_id)
            db.session.add(CoSignature(community_id=target.community_id, proposal_id=target.id,
                                       person_id=sig.person_id, user_id=sig.user_id, created_at=now(),
                                       carried_from_id=proposal.id))
    proposal.state = ProposalState.MERGED
    proposal.merged_into_id = target.id
    proposal.decided_at, proposal.decided_by_id = now(), actor.id
    proposal.decision_reason = str(data.get("reason") or "")[:2000]
    db.session.flush()
    db.session.refresh(target, ["signatures"])
    _event(proposal, "merged", actor, note=proposal.decision_reason, into=target.id, into_title=target.title)
    _event(target, "merged_in", actor, source=proposal.id, source_title=proposal.title, carried=len(carried))
    _audit("proposal.merge", proposal, actor, into=target.id, carried=carried)
    _notify_decision(proposal, "merged")
    _after_signatures(target, before, actor)
    return proposal


REVIEW_ACTIONS = {"accept": accept_proposal, "reject": reject_proposal, "merge": merge_proposal}


def review_proposal(proposal: Proposal, data: dict, *, actor) -> Proposal:
    """Dispatch a committee decision: ``{"action": "accept"|"reject"|"merge", …}``."""
    func = REVIEW_ACTIONS.get(data.get("action"))
    if func is None:
        raise DomainError("invalid", _("The action must be accept, reject or merge."),
                          details={"action": _("The action must be accept, reject or merge.")})
    return func(proposal, data, actor=actor)


def mark_petition_convened(proposal: Proposal, *, actor, meeting_ref: str = "") -> Proposal:
    """Record that the committee convened the interim assembly a petition asked for (for the meetings feature)."""
    if not proposal.is_petition or proposal.review_at is None:
        raise Conflict("not_reached", _("Only a petition that reached its threshold can be marked convened."))
    if proposal.convened_at is None:
        proposal.convened_at = now()
        db.session.flush()
        _event(proposal, "convened", actor, meeting=meeting_ref)
        _audit("proposal.convened", proposal, actor, meeting=meeting_ref)
    return proposal


# --- queries for pages and other features ------------------------------------------------------------------


def accepted_proposals(community) -> list[Proposal]:
    """Proposals accepted as motions, oldest decision first: ``motion_title``, ``motion_text``, ``motion_matter``."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id, Proposal.state == ProposalState.ACCEPTED)
        .order_by(Proposal.decided_at, Proposal.id)
    ))


def overdue_petitions(community) -> list[Proposal]:
    """Petitions that reached R8 and were not convened within the community's deadline."""
    moment = now()
    rows = db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id, Proposal.kind == ProposalKind.PETITION,
                               Proposal.convene_by.is_not(None), Proposal.convened_at.is_(None))
        .order_by(Proposal.convene_by)
    )
    return [p for p in rows if p.is_overdue(moment)]


def bigrams(text: str) -> set[str]:
    """Character bigrams of a title, ignoring spaces and punctuation (works for Chinese without segmentation)."""
    s = re.sub(r"[\W_]+", "", text.lower())
    return {s[i:i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def similarity(a: str, b: str) -> Fraction:
    """Jaccard similarity of the titles' character bigrams, exact."""
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return Fraction(0)
    return Fraction(len(x & y), len(x | y))


#: Titles at least this similar are shown as likely duplicates.
DUPLICATE_HINT = Fraction(1, 3)


def likely_duplicates(proposal: Proposal, candidates: list[Proposal]) -> list[tuple[Proposal, Fraction]]:
    """Other live proposals whose titles look like this one's, most similar first."""
    out = [(c, similarity(proposal.title, c.title)) for c in candidates
           if c.id != proposal.id and c.state in (ProposalState.OPEN, ProposalState.REVIEW, ProposalState.ACCEPTED)]
    return sorted([(c, s) for c, s in out if s >= DUPLICATE_HINT], key=lambda cs: (-cs[1], cs[0].id))


def proposal_url(proposal: Proposal) -> str:
    slug = proposal.community.slug if proposal.community else db.session.get(Community, proposal.community_id).slug
    return url_for("agenda.detail", slug=slug, pid=proposal.id)


# --- attachments -------------------------------------------------------------------------------------------


def attachment_dir() -> Path:
    return Path(current_app.instance_path) / "uploads" / "agenda"


def attachment_path(att: Attachment) -> Path:
    return attachment_dir() / att.sha256


def add_attachment(proposal: Proposal, filename: str, content: bytes, *, actor) -> Attachment:
    """Attach a PDF, PNG or JPEG (checked by its magic bytes and its extension) to a draft."""
    if proposal.state != ProposalState.DRAFT:
        raise Conflict("not_draft", _("Attachments can only be added to a draft."))
    limit = int(current_app.config.get("AGENDA_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT))
    if len(content) > limit:
        raise DomainError("too_large", _("The file is too large (at most %(mb)s MB).", mb=limit // (1024 * 1024)),
                          status=413)
    if not content:
        raise DomainError("empty", _("The file is empty."))
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kind = next(((ctype, e) for magic, ctype, e in MAGIC if content.startswith(magic)), None)
    if kind is None or ALLOWED_EXTENSIONS.get(ext) != kind[1]:
        raise DomainError("bad_type", _("Only PDF, PNG and JPEG files are accepted, and the file must really be one."),
                          status=415)
    digest = hashlib.sha256(content).hexdigest()
    folder = attachment_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    safe_name = re.sub(r"[\\/\x00-\x1f]", "_", filename)[-200:] or f"file.{kind[1]}"
    att = Attachment(community_id=proposal.community_id, proposal_id=proposal.id, filename=safe_name,
                     content_type=kind[0], size=len(content), sha256=digest, uploaded_by_id=actor.id, created_at=now())
    db.session.add(att)
    db.session.flush()
    log_action("proposal.attach", actor=actor, community=proposal.community_id, obj=proposal,
           data={"attachment": att.id, "sha256": digest, "size": len(content), "type": kind[0]})
    return att
