"""The communication KPIs of one community, computed exactly (see docs/metrics.md for each definition).

Every figure is computed with integers and ``Fraction``; a figure with no data is ``None`` (``null`` in
JSON), never a division by zero. ``since``/``until`` restrict notices to those published, and service
requests to those filed, in ``[since, until)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select

from govern import clock
from govern.accounts.models import User
from govern.ballots.models import Meeting
from govern.delivery.models import DeliveryPreference
from govern.delivery.settings import setting
from govern.extensions import db
from govern.formats import LOCAL_TZ
from govern.meetings.participation import participation
from govern.metrics.formats import Rate, decimal_string, mean, percentile_nearest_rank
from govern.notices.models import Notice, NoticeReceipt
from govern.register.models import Owner, Ownership, Unit, UnitStatus
from govern.service.models import ServiceRequest
from govern.surveys.models import Survey
from govern.surveys.services import results

DAY = timedelta(days=1)
MICROS_PER_DAY = DAY // timedelta(microseconds=1)


def days(delta: timedelta) -> Fraction:
    """A duration in days, exactly (microsecond resolution)."""
    return Fraction(delta // timedelta(microseconds=1), MICROS_PER_DAY)


@dataclass
class Metrics:
    community_id: int
    computed_at: datetime
    since: datetime | None
    until: datetime | None
    channel_coverage: Rate
    notice_response_rate: Rate
    awareness_rate: Rate
    #: None when the meetings feature is not installed.
    decision_participation: list[dict] | None
    service_processing_days_avg: Fraction | None
    service_processing_days_p90: Fraction | None
    service_target_days: int
    sla_compliance: Rate
    survey: dict | None
    service_rating_avg: Fraction | None
    service_ratings: int
    processing_days: list[Fraction] = field(default_factory=list)


def channel_coverage(community) -> Rate:
    """Register owners of delivered units reachable on at least two channels: a confirmed active account
    (in-app) plus e-mail or SMS opted in with an address."""
    owners = select(Owner.id, Owner.user_id, Owner.confirmed_at).join(Ownership, Ownership.owner_id == Owner.id) \
        .join(Unit, Unit.id == Ownership.unit_id) \
        .where(Owner.community_id == community.id, Unit.status == UnitStatus.DELIVERED).distinct()
    rows = db.session.execute(owners).all()
    user_ids = {r.user_id for r in rows if r.user_id is not None and r.confirmed_at is not None}
    reachable_users = set()
    if user_ids:
        prefs = db.session.scalars(select(DeliveryPreference).join(User, User.id == DeliveryPreference.user_id).where(
            DeliveryPreference.community_id == community.id, DeliveryPreference.user_id.in_(user_ids),
            User.is_active_account.is_(True)))
        reachable_users = {p.user_id for p in prefs if len(p.channels) >= 2}
    hit = sum(1 for r in rows if r.user_id in reachable_users and r.confirmed_at is not None)
    return Rate(hit, len(rows))


def _window(col, since, until, moment):
    cond = [col <= moment]
    if since is not None:
        cond.append(col >= since)
    if until is not None:
        cond.append(col < until)
    return cond


def notice_rates(community, moment, since=None, until=None) -> tuple[Rate, Rate]:
    """(response rate over all notices, awareness rate over important notices)."""
    base = select(func.count(NoticeReceipt.id), func.count(NoticeReceipt.viewed_at),
                  func.count(NoticeReceipt.acknowledged_at)).join(Notice, Notice.id == NoticeReceipt.notice_id) \
        .where(Notice.community_id == community.id, *_window(Notice.published_at, since, until, moment))
    total, viewed, _ack = db.session.execute(base).one()
    imp_total, _v, imp_ack = db.session.execute(base.where(Notice.importance == "important")).one()
    return Rate(viewed, total), Rate(imp_ack, imp_total)


def sla_outcome(req: ServiceRequest, moment: datetime) -> bool | None:
    """True: both clocks met; False: one clock missed (already certain); None: not decided yet.

    A clock is met when its event happened at or before the due time (exactly at the due time is met).
    """
    ack_missed = req.acknowledged_at > req.respond_due_at if req.acknowledged_at else moment > req.respond_due_at
    res_missed = req.resolved_at > req.resolve_due_at if req.resolved_at else moment > req.resolve_due_at
    if ack_missed or res_missed:
        return False
    if req.resolved_at is not None:
        return True
    return None


def service_figures(community, moment, since=None, until=None):
    reqs = list(db.session.scalars(select(ServiceRequest).where(
        ServiceRequest.community_id == community.id, *_window(ServiceRequest.created_at, since, until, moment))))
    durations = [days(r.resolved_at - r.created_at) for r in reqs if r.resolved_at is not None
                 and r.resolved_at <= moment]
    outcomes = [sla_outcome(r, moment) for r in reqs]
    decided = [o for o in outcomes if o is not None]
    ratings = [r.rating for r in reqs if r.rating is not None]
    return (durations, Rate(sum(1 for o in decided if o), len(decided)),
            Fraction(sum(ratings), len(ratings)) if ratings else None, len(ratings))


def decision_participation(community, moment) -> list[dict] | None:
    """Per assembly whose voting has opened: persons and area that voted, from the meetings feature."""
    out = []
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.community_id == community.id, Meeting.published_at.is_not(None), Meeting.opens_at <= moment)
        .order_by(Meeting.opens_at))
    for m in meetings:
        bar = participation(m).overall
        out.append({"meeting_id": m.id, "title": m.title, "opens_at": m.opens_at, "closes_at": m.closes_at,
                    "closed": moment >= m.closes_at, "persons": Rate(bar.persons, bar.total_persons),
                    "area": Rate(bar.area, bar.total_area)})
    return out


def satisfaction(community) -> dict | None:
    """The latest closed survey's SERVQUAL scores."""
    survey = db.session.scalar(select(Survey).where(Survey.community_id == community.id, Survey.status == "closed")
                               .order_by(Survey.closed_at.desc(), Survey.id.desc()).limit(1))
    if survey is None:
        return None
    scores = results(survey)
    return {"survey": survey, "scores": scores}


def compute(community, moment: datetime | None = None, since: datetime | None = None,
            until: datetime | None = None) -> Metrics:
    moment = moment or clock.now()
    response, awareness = notice_rates(community, moment, since, until)
    durations, sla, rating_avg, ratings = service_figures(community, moment, since, until)
    return Metrics(
        community_id=community.id, computed_at=moment, since=since, until=until,
        channel_coverage=channel_coverage(community),
        notice_response_rate=response, awareness_rate=awareness,
        decision_participation=decision_participation(community, moment),
        service_processing_days_avg=mean(durations),
        service_processing_days_p90=percentile_nearest_rank(durations, 90),
        service_target_days=setting(community, "service_target_days"),
        sla_compliance=sla, survey=satisfaction(community), service_rating_avg=rating_avg,
        service_ratings=ratings, processing_days=durations)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def to_json(community, m: Metrics) -> dict:
    """The JSON shape of ``GET /api/v1/communities/{id}/metrics`` (docs/metrics.md)."""
    sat = None
    if m.survey is not None:
        s, scores = m.survey["survey"], m.survey["scores"]
        sat = {"survey_id": s.id, "title": s.title, "closed_at": _iso(s.closed_at), "responses": scores.responses,
               "dimensions": {d.dimension: {"expectation": decimal_string(d.expectation),
                                            "perception": decimal_string(d.perception),
                                            "gap": decimal_string(d.gap), "answers": d.answers}
                              for d in scores.dimensions},
               "overall_gap": decimal_string(scores.overall_gap)}
    dp = None
    if m.decision_participation is not None:
        dp = [{"meeting_id": x["meeting_id"], "title": x["title"], "opens_at": _iso(x["opens_at"]),
               "closes_at": _iso(x["closes_at"]), "closed": x["closed"], "persons": x["persons"].json(),
               "area": x["area"].json()} for x in m.decision_participation]
    return {
        "community": {"id": community.id, "slug": community.slug, "name": community.name,
                      "district": community.district},
        "computed_at": _iso(m.computed_at),
        "period": {"since": _iso(m.since), "until": _iso(m.until)},
        "channel_coverage": m.channel_coverage.json(),
        "notice_response_rate": m.notice_response_rate.json(),
        "awareness_rate": m.awareness_rate.json(),
        "decision_participation": {
            "available": dp is not None, "meetings": dp or [],
            "note": None if dp is not None else "the meetings feature is not installed",
        },
        "service_processing_days_avg": decimal_string(m.service_processing_days_avg),
        "service_processing_days_p90": decimal_string(m.service_processing_days_p90),
        "service_target_days": m.service_target_days,
        "service_requests_resolved": len(m.processing_days),
        "sla_compliance": m.sla_compliance.json(),
        "satisfaction": {"survey": sat, "service_rating_avg": decimal_string(m.service_rating_avg),
                         "service_ratings": m.service_ratings},
    }


def month_starts(moment: datetime, count: int) -> list[datetime]:
    """The first instants (Asia/Shanghai) of the last ``count`` months up to ``moment``'s month, in UTC."""
    from datetime import UTC

    local = moment.astimezone(LOCAL_TZ)
    y, mth = local.year, local.month
    out = []
    for _ in range(count):
        out.append(datetime(y, mth, 1, tzinfo=LOCAL_TZ).astimezone(UTC))
        y, mth = (y, mth - 1) if mth > 1 else (y - 1, 12)
    return list(reversed(out))


def monthly(community, moment: datetime | None = None, months: int = 6) -> list[dict]:
    """Month by month (notices published, requests filed in the month): the rates and processing times."""
    moment = moment or clock.now()
    starts = month_starts(moment, months)
    ends = starts[1:] + [None]
    out = []
    for since, until in zip(starts, ends, strict=True):
        response, awareness = notice_rates(community, moment, since, until)
        durations, sla, _avg, _n = service_figures(community, moment, since, until)
        out.append({"month": since, "notice_response_rate": response, "awareness_rate": awareness,
                    "service_processing_days_avg": mean(durations), "sla_compliance": sla})
    return out
