"""Procedural rules: interim-meeting petitions (R8), the notice period (R9), the owners'
committee's size (R30) and its meetings and decisions (R31), in integers and dates only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "HANGZHOU_INTERIM_NOTICE_DAYS",
    "STANDARD_NOTICE_DAYS",
    "CommitteeDecision",
    "CommitteeRule",
    "CommitteeSetting",
    "CommitteeSize",
    "NoticeReading",
    "NoticeResult",
    "PetitionResult",
    "add_years",
    "committee_decision",
    "committee_decision_passes",
    "committee_meeting_quorum",
    "committee_size",
    "court_deadline",
    "publication_due",
    "term_end",
    "notice_period",
    "petition_threshold",
]

#: 物业管理条例 art. 14: notice 15 days before an owners' assembly meeting.
STANDARD_NOTICE_DAYS = 15
#: 杭州市物业管理条例 (2021): 7 days for an interim meeting (临时会议).
HANGZHOU_INTERIM_NOTICE_DAYS = 7
#: R26 (Beijing): results are published within 3 days of the preliminary result.
PUBLICATION_DAYS = 3
#: SPC interpretation (建筑物区分所有权) art. 12: one year to ask the court to revoke a decision.
CHALLENGE_YEARS = 1
#: R30: an owners' committee's term is at most 5 years.
MAX_TERM_YEARS = 5


@dataclass(frozen=True)
class PetitionResult:
    """R8: whether a petition for an interim meeting reaches the 20% threshold, with failing legs."""

    met: bool
    area_met: bool
    count_met: bool
    reasons: tuple[str, ...]


def petition_threshold(
    *, support_area: int, support_persons: int, total_area: int, total_persons: int
) -> PetitionResult:
    """R8: an interim meeting must be convened when ``5*S_area >= T_area`` and ``5*S_count >= T_count``.

    物业管理条例 art. 13 and 业主大会和业主委员会指导规则 art. 21: 经专有部分占建筑物总面积20%以上且占总人数
    20%以上的业主提议 (以上 includes the number, Civil Code art. 1259). Areas in hundredths of a m².
    Reasons: ``PETITION_AREA``, ``PETITION_COUNT``.
    """
    if min(support_area, support_persons) < 0 or total_area <= 0 or total_persons <= 0:
        raise ValueError("supports must be non-negative and totals positive")
    if support_area > total_area or support_persons > total_persons:
        raise ValueError("supporters exceed the totals")
    area_met = 5 * support_area >= total_area
    count_met = 5 * support_persons >= total_persons
    reasons = tuple(code for code, ok in (("PETITION_AREA", area_met), ("PETITION_COUNT", count_met)) if not ok)
    return PetitionResult(met=area_met and count_met, area_met=area_met, count_met=count_met, reasons=reasons)


class NoticeReading(StrEnum):
    """R9 readings of "at least N days before the meeting"."""

    #: Default: N whole days between the notice day and the opening day, both excluded: ``opens - notice >= N + 1``.
    CONSERVATIVE = "conservative"
    #: Only the notice day is excluded (Civil Code art. 201): ``opens - notice >= N``.
    MINIMAL = "minimal"


@dataclass(frozen=True)
class NoticeResult:
    """R9 check of a notice period: ``ok``, the reason code and the earliest lawful opening date."""

    ok: bool
    #: ``NOTICE_OK`` or ``NOTICE_TOO_SHORT``.
    reason: str
    #: ``opens - notice_date`` in days.
    days: int
    #: The minimum of ``opens - notice_date`` under the reading (N + 1 conservative, N minimal).
    required_days: int
    earliest_opening: dt.date
    reading: NoticeReading
    notice_days: int


def _as_date(value: dt.date, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{name} must be a datetime.date (a calendar day in Asia/Shanghai), not {type(value).__name__}")
    return value


def notice_period(
    *,
    notice_date: dt.date,
    opens: dt.date,
    reading: NoticeReading = NoticeReading.CONSERVATIVE,
    notice_days: int = STANDARD_NOTICE_DAYS,
) -> NoticeResult:
    """R9: is the notice published on ``notice_date`` long enough for voting to open on ``opens``?

    物业管理条例 art. 14 (会议召开15日以前通知全体业主); 杭州市物业管理条例 (2021) for interim meetings
    (pass ``notice_days=HANGZHOU_INTERIM_NOTICE_DAYS``); Civil Code art. 201 (the first day is not
    counted). The reading applies to any ``notice_days`` the same way: ``conservative``
    (default) needs ``opens - notice_date >= notice_days + 1``, ``minimal`` needs
    ``>= notice_days``. So for Hangzhou interim meetings: 8 days conservative, 7 minimal.
    Dates are calendar days (Asia/Shanghai); datetimes are refused.
    """
    notice_date = _as_date(notice_date, "notice_date")
    opens = _as_date(opens, "opens")
    reading = NoticeReading(reading)
    if notice_days < 1:
        raise ValueError("notice_days must be at least 1")
    required = notice_days + 1 if reading is NoticeReading.CONSERVATIVE else notice_days
    days = (opens - notice_date).days
    ok = days >= required
    return NoticeResult(
        ok=ok,
        reason="NOTICE_OK" if ok else "NOTICE_TOO_SHORT",
        days=days,
        required_days=required,
        earliest_opening=notice_date + dt.timedelta(days=required),
        reading=reading,
        notice_days=notice_days,
    )


class CommitteeRule(StrEnum):
    """R31: the two readings of the committee decision rule (a community setting)."""

    #: 指导规则: 全体委员半数以上同意 — ``2*yes >= members``.
    HALF_OR_MORE = "half_or_more"
    #: 北京市/上海市: 全体委员过半数同意 — ``2*yes > members``.
    MORE_THAN_HALF = "more_than_half"


def committee_meeting_quorum(*, present: int, members: int) -> bool:
    """R31: a committee meeting needs more than half of the members present: ``2*present > members``.

    指导规则 (2009) arts. 31–40 and 北京市物业管理条例 (2024): 应有过半数委员出席; no proxies.
    """
    if members <= 0 or not 0 <= present <= members:
        raise ValueError("need 0 <= present <= members and members > 0")
    return 2 * present > members


def committee_decision_passes(*, yes: int, members: int, rule: CommitteeRule = CommitteeRule.HALF_OR_MORE) -> bool:
    """R31: a committee decision counts the yes votes against **all** members (全体委员), not those present.

    ``half_or_more`` (指导规则 半数以上, art. 1259 includes half): ``2*yes >= members``;
    ``more_than_half`` (北京/上海 过半数): ``2*yes > members``.
    """
    if members <= 0 or not 0 <= yes <= members:
        raise ValueError("need 0 <= yes <= members and members > 0")
    rule = CommitteeRule(rule)
    return 2 * yes >= members if rule is CommitteeRule.HALF_OR_MORE else 2 * yes > members


@dataclass(frozen=True)
class CommitteeDecision:
    """R31 outcome: adopted, and the failing parts as ``COMMITTEE_QUORUM`` and ``COMMITTEE_MAJORITY``."""

    adopted: bool
    quorum_met: bool
    majority_met: bool
    reasons: tuple[str, ...]


def committee_decision(
    *, yes: int, present: int, members: int, rule: CommitteeRule = CommitteeRule.HALF_OR_MORE
) -> CommitteeDecision:
    """R31: a committee decision is adopted iff the meeting is quorate and the yes votes reach the rule."""
    if not 0 <= yes <= present:
        raise ValueError("need 0 <= yes <= present")
    quorum = committee_meeting_quorum(present=present, members=members)
    majority = committee_decision_passes(yes=yes, members=members, rule=rule)
    reasons = tuple(c for c, ok in (("COMMITTEE_QUORUM", quorum), ("COMMITTEE_MAJORITY", majority)) if not ok)
    return CommitteeDecision(adopted=not reasons, quorum_met=quorum, majority_met=majority, reasons=reasons)


class CommitteeSetting(StrEnum):
    """Which size rule applies (R30)."""

    DEFAULT = "default"
    BEIJING = "beijing"


@dataclass(frozen=True)
class CommitteeSize:
    """R30 check: ``valid`` and a reason code (``SIZE_OK``, ``SIZE_RANGE``, ``SIZE_EVEN``)."""

    valid: bool
    reason: str


def committee_size(
    size: int, *, setting: CommitteeSetting = CommitteeSetting.DEFAULT, households: int | None = None,
    three_up_to: int | None = None,
) -> CommitteeSize:
    """R30: an owners' committee has 5 to 11 members, an odd number (指导规则 art. 31: 5至11人单数).

    In the Beijing setting (北京市物业管理条例 2024) a community of at most 100 households may have
    3 members; ``households`` must then be given. ``three_up_to`` (a community setting) allows 3 members
    in any setting when the community has at most that many households.
    """
    setting = CommitteeSetting(setting)
    if size % 2 == 0:
        return CommitteeSize(valid=False, reason="SIZE_EVEN")
    if 5 <= size <= 11:
        return CommitteeSize(valid=True, reason="SIZE_OK")
    limit = max(100 if setting is CommitteeSetting.BEIJING else 0, three_up_to or 0)
    if size == 3 and households is not None and 0 < households <= limit:
        return CommitteeSize(valid=True, reason="SIZE_OK")
    return CommitteeSize(valid=False, reason="SIZE_RANGE")


# --------------------------------------------------------------------------- periods counted in years (R26, R30)


def add_years(day: dt.date, years: int) -> dt.date:
    """The corresponding day ``years`` later; the month's last day when there is none (29 February).

    Civil Code art. 202: a period counted in years ends on the corresponding day of the expiry month;
    without one (29 February in a common year), on that month's last day. Whole days only.
    """
    day = _as_date(day, "day")
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February -> 28 February of a common year (the month's last day)
        return day.replace(year=day.year + years, day=28)


def court_deadline(published: dt.date) -> dt.date:
    """R26: the last day an owner who learned of a decision on ``published`` may ask a court to revoke it.

    SPC interpretation art. 12 (one year from the day the owner knew or should have known); Civil Code
    art. 201 (the period starts the next day), art. 202 (it ends on the corresponding day one year on, or
    the month's last day) and art. 203 (the last day ends at 24:00). Published 2027-03-10 -> 2028-03-10;
    published 2028-02-29 -> 2029-02-28. A last day on a public holiday is NOT moved here: the page says so.
    """
    return add_years(_as_date(published, "published"), CHALLENGE_YEARS)


def publication_due(preliminary: dt.date) -> dt.date:
    """R26: the last day to publish the results, counted from the day the preliminary result exists and
    is visible to the committee (Civil Code art. 201: the first day is not counted)."""
    return _as_date(preliminary, "preliminary") + dt.timedelta(days=PUBLICATION_DAYS)


def term_end(start: dt.date, years: int = MAX_TERM_YEARS) -> dt.date:
    """R30: the last day of a committee term of ``years`` (at most :data:`MAX_TERM_YEARS`) starting on
    ``start`` (the start day counts: the term ends the day before the anniversary)."""
    if not 1 <= years <= MAX_TERM_YEARS:
        raise ValueError(f"a committee term is 1 to {MAX_TERM_YEARS} years")
    start = _as_date(start, "start")
    return add_years(start, years) - dt.timedelta(days=1) if (start.month, start.day) != (2, 29) \
        else add_years(start, years)
