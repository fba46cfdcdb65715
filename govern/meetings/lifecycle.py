"""The result lifecycle of a meeting (docs/record-format.md, "The result lifecycle"): one ``stage`` derived
from the clock and the stored facts, and the periodic step that moves meetings along.

::

    open -> closed -> paper_grace -> preliminary -> objection -> final -> certified | objected | revoked

A stage is never stored: it is read from the voting window, the signed results (``Meeting.tallied_at``),
their countersignatures and the street office's certifications, so a page, the API and the record's
manifest can never disagree. The only transition that needs work is the one into ``preliminary`` — the
server computes and signs every motion's result over the ledger head — and only :func:`advance` does it,
from ``govern tick`` (cron, or the loop ``make run`` starts) and the rq worker's periodic job; no GET
request computes or stores anything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from govern import clock
from govern.ballots.models import Countersignature, Meeting, MotionResult
from govern.ballots.sealed_box import paper_window_ends
from govern.core.procedure import court_deadline, publication_due
from govern.extensions import db
from govern.formats import local_day
from govern.meetings.results import sign_results
from govern.meetings.scrutineers import scrutineer_ids

OPEN = "open"
CLOSED = "closed"
PAPER_GRACE = "paper_grace"
PRELIMINARY = "preliminary"
OBJECTION = "objection"
FINAL = "final"
CERTIFIED = "certified"
OBJECTED = "objected"
REVOKED = "revoked"
STAGES = (OPEN, CLOSED, PAPER_GRACE, PRELIMINARY, OBJECTION, FINAL, CERTIFIED, OBJECTED, REVOKED)
#: Stages in which the signed result exists (choices and counts may be shown to those who may read them).
COUNTED = frozenset({PRELIMINARY, OBJECTION, FINAL, CERTIFIED, OBJECTED, REVOKED})

#: Countersignatures a result needs before the meeting is ``final``: two members of the convening body and one
#: of the meeting's scrutineers (issue #12 item 4), for v2 meetings. Written in meeting.json as
#: ``countersignature_rule``, so ``govern verify`` holds a record to the rule the app applied.
COUNTERSIGNATURE_RULE = {"convening_body": 2, "scrutineers": 1}
#: The rule v1 meetings (published before scrutineers existed) keep: two members of the convening body.
COUNTERSIGNATURE_RULE_V1 = {"convening_body": 2, "scrutineers": 0}


def paper_grace_ends(meeting: Meeting) -> datetime:
    """When paper entries after the close end, and the result is due: the grace period of a sealed-box
    declaration (ended early once every declared ballot is in the ledger), the two-hour declaration window
    while one is under way or paper ballots await attestation, else the close
    (:func:`govern.ballots.sealed_box.paper_window_ends`)."""
    return paper_window_ends(meeting)


def countersignature_rule(meeting: Meeting) -> dict:
    """The rule the meeting's results are held to: :data:`COUNTERSIGNATURE_RULE` for v2 meetings, the v1 rule
    for meetings published before (``Meeting.record_version``)."""
    return dict(COUNTERSIGNATURE_RULE if meeting.record_version == 2 else COUNTERSIGNATURE_RULE_V1)


def objection_period(meeting: Meeting) -> timedelta:
    """R26: the community's ``objection_days`` as fixed on the meeting when its notice was published (0: none,
    and for meetings published before the setting existed)."""
    return timedelta(days=meeting.objection_days or 0)


def objection_ends(meeting: Meeting) -> datetime | None:
    """The end of the objection period: it starts when the preliminary result exists (``tallied_at``)."""
    return None if meeting.tallied_at is None else meeting.tallied_at + objection_period(meeting)


def published_on(meeting: Meeting) -> date | None:
    """R26: the day the results were published to the owners: the result page shows them as soon as the
    preliminary result exists (``tallied_at``), so it is that day (Asia/Shanghai)."""
    return None if meeting.tallied_at is None else local_day(meeting.tallied_at)


def publication_due_on(meeting: Meeting) -> date | None:
    """R26: the last day to publish the results (3 days from the preliminary result)."""
    day = published_on(meeting)
    return None if day is None else publication_due(day)


def court_deadline_on(meeting: Meeting) -> date | None:
    """R26: the last day an owner who learned of the decision from its publication may ask the court to revoke
    it (SPC art. 12; :func:`govern.core.procedure.court_deadline`). None before the result exists."""
    day = published_on(meeting)
    return None if day is None else court_deadline(day)


def _countersigned(meeting: Meeting) -> bool:
    """Every motion's result carries the countersignatures the rule asks for: a scrutineer's counts as a
    scrutineer's, anyone else's (the countersign service admits only the two) as the convening body's."""
    rule = countersignature_rule(meeting)
    scrutineers = scrutineer_ids(meeting) if rule["scrutineers"] else set()
    counts: dict[int, list[int]] = {}
    for result_id, user_id in db.session.execute(
            select(MotionResult.id, Countersignature.user_id)
            .outerjoin(Countersignature, Countersignature.result_id == MotionResult.id)
            .where(MotionResult.meeting_id == meeting.id)).all():
        tally = counts.setdefault(result_id, [0, 0])
        if user_id is not None:
            tally[1 if user_id in scrutineers else 0] += 1
    return len(counts) == len(meeting.motions) and all(
        body >= rule["convening_body"] and scr >= rule["scrutineers"] for body, scr in counts.values())


#: ``meeting -> {result id: {verdict, ...}}``: the street office's certifications. The record package (which
#: owns them and sits above meetings) registers it with :func:`verdicts_provider`.
_verdicts: list[Callable[[Meeting], dict[int, set[str]]]] = []


def verdicts_provider(func_: Callable[[Meeting], dict[int, set[str]]]):
    _verdicts.append(func_)
    return func_


#: ``meeting -> number of objections to the result still unanswered`` (registered by the record package).
_pending: list[Callable[[Meeting], int]] = []


def pending_provider(func_: Callable[[Meeting], int]):
    _pending.append(func_)
    return func_


def unanswered_objections(meeting: Meeting) -> int:
    return sum(provider(meeting) for provider in _pending)


def _all_verdicts(meeting: Meeting) -> dict[int, set[str]]:
    verdicts: dict[int, set[str]] = {}
    for provider in _verdicts:
        for result_id, found in provider(meeting).items():
            verdicts.setdefault(result_id, set()).update(found)
    return verdicts


#: A motion's result status, the one shown everywhere (pages, API, minutes): R28, a revocation replaces 通过.
ADOPTED, NOT_ADOPTED, RESULT_REVOKED = "adopted", "not_adopted", "revoked"


def result_statuses(meeting: Meeting) -> dict[int, str]:
    """``{motion id: adopted | not_adopted | revoked}`` for every signed result of the meeting: a result the
    street office revoked is ``revoked`` whatever the tally said."""
    verdicts = _all_verdicts(meeting)
    rows = db.session.execute(select(MotionResult.id, MotionResult.motion_id, MotionResult.document)
                              .where(MotionResult.meeting_id == meeting.id)).all()
    return {motion_id: RESULT_REVOKED if "revoke" in verdicts.get(rid, ()) else
            ADOPTED if (document or {}).get("result", {}).get("adopted") else NOT_ADOPTED
            for rid, motion_id, document in rows}


def _verdict(meeting: Meeting) -> str | None:
    """The street office's word on the meeting: revoked or objected if any result is, certified if all are."""
    verdicts = _all_verdicts(meeting)
    every = set().union(*verdicts.values()) if verdicts else set()
    if "revoke" in every:
        return REVOKED
    if every & {"object", "order_correction"}:
        return OBJECTED
    if verdicts and len(verdicts) == len(meeting.motions) and all("certify" in v for v in verdicts.values()):
        return CERTIFIED
    return None


def stage_of(meeting: Meeting, moment: datetime | None = None) -> str:
    """The meeting's stage at ``moment`` (default now). Unpublished and announced meetings are ``open``."""
    moment = moment or clock.now()
    if meeting.published_at is None or moment < meeting.closes_at:
        return OPEN
    if meeting.tallied_at is None:
        return PAPER_GRACE if moment < paper_grace_ends(meeting) else CLOSED
    verdict = _verdict(meeting)
    if verdict is not None:
        return verdict
    # Issue #12: preliminary -> objection -> final. The objection period runs from the preliminary result
    # (``tallied_at``), whether or not the countersignatures are in; ``final`` needs the period over, every
    # objection answered and the countersignatures complete. A meeting whose period (> 0) is over but whose
    # countersignatures are missing stays in ``objection`` (it never goes back to ``preliminary``); with a
    # period of 0 it is ``preliminary`` until countersigned.
    ends = objection_ends(meeting)
    if (ends is not None and moment < ends) or unanswered_objections(meeting):
        return OBJECTION
    if _countersigned(meeting):
        return FINAL
    return OBJECTION if objection_period(meeting) else PRELIMINARY


def is_counted(meeting: Meeting, moment: datetime | None = None) -> bool:
    """The preliminary result exists: choices and tallies may be shown (to those who may read them)."""
    return meeting.published_at is not None and meeting.tallied_at is not None


def due(moment: datetime) -> list[Meeting]:
    """Published meetings whose grace period has ended and whose result is not yet signed."""
    rows = db.session.scalars(select(Meeting).where(
        Meeting.published_at.is_not(None), Meeting.tallied_at.is_(None), Meeting.closes_at <= moment)
        .order_by(Meeting.closes_at, Meeting.id))
    return [m for m in rows if paper_grace_ends(m) <= moment]


def advance(moment: datetime | None = None) -> int:
    """Move every due meeting into ``preliminary``: compute and sign its results. Returns how many.

    Safe to run twice or concurrently: :func:`govern.meetings.results.sign_results` locks the meeting row
    and does nothing for a meeting already tallied. The caller commits (``govern tick`` after each task).
    """
    moment = moment or clock.now()
    done = 0
    for meeting in due(moment):
        if sign_results(meeting, moment=moment):
            done += 1
    return done
