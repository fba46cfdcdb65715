"""Procedure (R8, R9, R30, R31): petitions, notice periods, committee size and decisions."""

from __future__ import annotations

import datetime as dt

import pytest

from govern.core.procedure import (
    HANGZHOU_INTERIM_NOTICE_DAYS,
    CommitteeRule,
    CommitteeSetting,
    NoticeReading,
    committee_decision,
    committee_decision_passes,
    committee_meeting_quorum,
    committee_size,
    notice_period,
    petition_threshold,
)

D = dt.date


@pytest.mark.parametrize(
    ("s_area", "s_count", "met", "reasons"),
    [
        (40000, 3, True, ()),  # exactly 20% of 2000.00 m² and of 15 persons
        (39999, 3, False, ("PETITION_AREA",)),  # one hundredth below
        (40000, 2, False, ("PETITION_COUNT",)),  # one person below
        (40001, 4, True, ()),
        (0, 0, False, ("PETITION_AREA", "PETITION_COUNT")),
    ],
)
def test_petition_threshold_twenty_percent_boundaries(s_area, s_count, met, reasons):
    r = petition_threshold(support_area=s_area, support_persons=s_count, total_area=200000, total_persons=15)
    assert (r.met, r.reasons) == (met, reasons)


def test_petition_threshold_supporters_above_totals_raise_value_error():
    with pytest.raises(ValueError):
        petition_threshold(support_area=1, support_persons=16, total_area=200000, total_persons=15)


@pytest.mark.parametrize(
    ("opens", "reading", "ok"),
    [
        (D(2025, 3, 16), NoticeReading.MINIMAL, True),  # V7: 15 days
        (D(2025, 3, 16), NoticeReading.CONSERVATIVE, False),
        (D(2025, 3, 17), NoticeReading.MINIMAL, True),
        (D(2025, 3, 17), NoticeReading.CONSERVATIVE, True),
        (D(2025, 3, 15), NoticeReading.MINIMAL, False),
        (D(2025, 3, 1), NoticeReading.MINIMAL, False),
        (D(2025, 2, 1), NoticeReading.CONSERVATIVE, False),
    ],
)
def test_notice_period_v7_readings(opens, reading, ok):
    r = notice_period(notice_date=D(2025, 3, 1), opens=opens, reading=reading)
    assert r.ok is ok
    assert r.reason == ("NOTICE_OK" if ok else "NOTICE_TOO_SHORT")


def test_notice_period_default_is_conservative_with_earliest_date():
    r = notice_period(notice_date=D(2025, 3, 1), opens=D(2025, 3, 16))
    assert r.reading is NoticeReading.CONSERVATIVE
    assert (r.ok, r.days, r.required_days, r.earliest_opening) == (False, 15, 16, D(2025, 3, 17))


def test_notice_period_minimal_earliest_date():
    r = notice_period(notice_date=D(2025, 3, 1), opens=D(2025, 3, 2), reading="minimal")
    assert r.earliest_opening == D(2025, 3, 16)


def test_notice_period_crosses_month_and_leap_day():
    r = notice_period(notice_date=D(2024, 2, 20), opens=D(2024, 3, 7))
    assert r.days == 16 and r.ok


@pytest.mark.parametrize(
    ("opens", "reading", "ok"),
    [
        (D(2025, 3, 8), NoticeReading.MINIMAL, True),
        (D(2025, 3, 8), NoticeReading.CONSERVATIVE, False),
        (D(2025, 3, 9), NoticeReading.CONSERVATIVE, True),
        (D(2025, 3, 7), NoticeReading.MINIMAL, False),
    ],
)
def test_notice_period_hangzhou_interim_seven_days_same_readings(opens, reading, ok):
    r = notice_period(notice_date=D(2025, 3, 1), opens=opens, reading=reading, notice_days=HANGZHOU_INTERIM_NOTICE_DAYS)
    assert r.ok is ok


def test_notice_period_datetime_raises_type_error():
    with pytest.raises(TypeError):
        notice_period(notice_date=dt.datetime(2025, 3, 1, 23, 0), opens=D(2025, 3, 17))


@pytest.mark.parametrize(
    ("present", "members", "quorate"),
    [(3, 5, True), (2, 5, False), (4, 7, True), (3, 7, False), (2, 3, True), (0, 5, False), (5, 5, True)],
)
def test_committee_meeting_quorum_more_than_half_present(present, members, quorate):
    assert committee_meeting_quorum(present=present, members=members) is quorate


@pytest.mark.parametrize(
    ("yes", "members", "half_or_more", "more_than_half"),
    [
        (3, 5, True, True),
        (2, 5, False, False),
        (3, 6, True, False),
        (4, 6, True, True),
        (2, 6, False, False),
        (4, 7, True, True),
        (3, 7, False, False),
        (0, 5, False, False),
    ],
)
def test_committee_decision_passes_both_readings(yes, members, half_or_more, more_than_half):
    assert committee_decision_passes(yes=yes, members=members, rule=CommitteeRule.HALF_OR_MORE) is half_or_more
    assert committee_decision_passes(yes=yes, members=members, rule=CommitteeRule.MORE_THAN_HALF) is more_than_half


def test_committee_decision_counts_against_all_members_not_present():
    # 3 of 5 present and all 3 agree: 3 of 5 members suffices; 2 of 3 present does not.
    assert committee_decision(yes=3, present=3, members=5).adopted
    r = committee_decision(yes=2, present=3, members=5)
    assert r.reasons == ("COMMITTEE_MAJORITY",)


def test_committee_decision_inquorate_meeting_not_adopted():
    r = committee_decision(yes=2, present=2, members=4, rule="half_or_more")
    assert not r.adopted and r.reasons == ("COMMITTEE_QUORUM",)


def test_committee_decision_yes_above_present_raises_value_error():
    with pytest.raises(ValueError):
        committee_decision(yes=4, present=3, members=5)


@pytest.mark.parametrize(
    ("size", "setting", "households", "valid", "reason"),
    [
        (5, "default", None, True, "SIZE_OK"),
        (11, "default", None, True, "SIZE_OK"),
        (7, "beijing", 500, True, "SIZE_OK"),
        (4, "default", None, False, "SIZE_EVEN"),
        (13, "default", None, False, "SIZE_RANGE"),
        (3, "default", 50, False, "SIZE_RANGE"),
        (3, "beijing", 100, True, "SIZE_OK"),
        (3, "beijing", 101, False, "SIZE_RANGE"),
        (3, "beijing", None, False, "SIZE_RANGE"),
        (1, "beijing", 10, False, "SIZE_RANGE"),
    ],
)
def test_committee_size_five_to_eleven_odd_beijing_three(size, setting, households, valid, reason):
    r = committee_size(size, setting=CommitteeSetting(setting), households=households)
    assert (r.valid, r.reason) == (valid, reason)
