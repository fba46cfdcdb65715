"""The dashboard's figures at their edges, the JSON API, the CSV export and the district view."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import select

from govern.extensions import db
from tests.communication.conftest import login


def _metrics(client, cid):
    resp = client.get(f"/api/v1/communities/{cid}/metrics")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _token(app, username):
    client = app.test_client()
    resp = client.post("/api/v1/tokens", json={"username": username, "password": "correct-horse-battery"})
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def test_no_data_gives_null_never_division_by_zero(app, world):
    data = _metrics(login(app, "chair"), world.cid)
    for key in ("notice_response_rate", "awareness_rate", "service_processing_days_avg",
                "service_processing_days_p90", "sla_compliance"):
        assert data[key] is None, key
    # 4 register owners of delivered units (A, B1, B2, C; Q's unit is not delivered), none on two channels
    assert data["channel_coverage"] == {"numerator": 0, "denominator": 4, "value": "0.0000"}
    assert data["satisfaction"] == {"survey": None, "service_rating_avg": None, "service_ratings": 0}
    assert data["decision_participation"]["available"] is True and data["decision_participation"]["meetings"] == []


def test_channel_coverage_counts_opted_in_owners(app, world):
    login(app, "ann").post("/c/garden/preferences", data={"email_enabled": "y", "email": "a@example.org"})
    login(app, "cat").post("/c/garden/preferences", data={"sms_enabled": "", "phone": "13800000003"})  # not opted in
    data = _metrics(login(app, "chair"), world.cid)
    assert data["channel_coverage"] == {"numerator": 1, "denominator": 4, "value": "0.2500"}


def test_notice_response_and_awareness(app, world):
    staff = login(app, "staff")
    staff.post("/c/garden/notices/new", data={"title": "普通", "importance": "normal", "audience": "all"})
    staff.post("/c/garden/notices/new", data={"title": "重要", "importance": "important", "audience": "all"})
    ann = login(app, "ann")
    ann.post("/c/garden/notices/1/viewed")  # the read receipt the notice page sends
    ann.post("/c/garden/notices/2/acknowledge")
    login(app, "cat").post("/c/garden/notices/2/viewed")  # opened, not acknowledged
    data = _metrics(login(app, "chair"), world.cid)
    assert data["notice_response_rate"] == {"numerator": 3, "denominator": 8, "value": "0.3750"}
    assert data["awareness_rate"] == {"numerator": 1, "denominator": 4, "value": "0.2500"}


def _file_and_resolve(app, clock, *, ack_after, resolve_after, rating=None):
    from govern.service.models import ServiceRequest

    start = clock.moment
    login(app, "ann").post("/c/garden/service/new", data={"kind": "repair:leak", "common_area": "车库",
                                                          "description": "漏水"})
    with app.app_context():
        rid = db.session.scalar(select(ServiceRequest.id).order_by(ServiceRequest.id.desc()))
    staff = login(app, "staff")
    if ack_after is not None:
        clock.set(start + ack_after)
        staff.post(f"/c/garden/service/{rid}/acknowledge")
    if resolve_after is not None:
        clock.set(start + resolve_after)
        staff.post(f"/c/garden/service/{rid}/resolve", data={"note": "好了"})
        if rating:
            login(app, "ann").post(f"/c/garden/service/{rid}/confirm", data={"rating": str(rating)})
    clock.set(start)
    return rid


def test_one_request_exactly_at_both_clocks_is_compliant(app, world, clock):
    _file_and_resolve(app, clock, ack_after=timedelta(hours=24), resolve_after=timedelta(hours=72), rating=5)
    clock.advance(timedelta(days=10))
    data = _metrics(login(app, "chair"), world.cid)
    assert data["sla_compliance"] == {"numerator": 1, "denominator": 1, "value": "1.0000"}
    assert data["service_processing_days_avg"] == "3.00" and data["service_processing_days_p90"] == "3.00"
    assert data["satisfaction"]["service_rating_avg"] == "5.00"


def test_one_second_late_is_not_compliant(app, world, clock):
    _file_and_resolve(app, clock, ack_after=timedelta(hours=24, seconds=1), resolve_after=timedelta(hours=30))
    data = _metrics(login(app, "chair"), world.cid)
    assert data["sla_compliance"]["numerator"] == 0 and data["sla_compliance"]["denominator"] == 1


def test_open_request_undecided_until_its_clock_passes(app, world, clock):
    _file_and_resolve(app, clock, ack_after=timedelta(hours=1), resolve_after=None)
    assert _metrics(login(app, "chair"), world.cid)["sla_compliance"] is None
    clock.advance(timedelta(hours=72, seconds=1))
    data = _metrics(login(app, "chair"), world.cid)
    assert data["sla_compliance"] == {"numerator": 0, "denominator": 1, "value": "0.0000"}
    assert data["service_processing_days_avg"] is None  # not resolved: no processing time yet


def test_average_and_p90_over_ten_requests(app, world, clock):
    for h in (12, 24, 24, 36, 48, 48, 60, 72, 96, 240):
        _file_and_resolve(app, clock, ack_after=timedelta(hours=1), resolve_after=timedelta(hours=h))
    clock.advance(timedelta(days=20))
    data = _metrics(login(app, "chair"), world.cid)
    assert data["service_processing_days_avg"] == "2.75"  # 660 h / 10 / 24
    assert data["service_processing_days_p90"] == "4.00"  # nearest rank 9 of 10 = 96 h
    assert data["sla_compliance"] == {"numerator": 8, "denominator": 10, "value": "0.8000"}


def test_percentile_nearest_rank_edges():
    from govern.metrics.formats import percentile_nearest_rank

    assert percentile_nearest_rank([], 90) is None
    assert percentile_nearest_rank([Fraction(5)], 90) == 5
    assert percentile_nearest_rank([Fraction(i) for i in range(1, 11)], 90) == 9
    assert percentile_nearest_rank([Fraction(i) for i in range(1, 12)], 90) == 10


@pytest.mark.parametrize("value, out", [(Fraction(1, 8), "0.13"), (Fraction(-1, 8), "-0.13"), (Fraction(2, 3), "0.67"),
                                        (Fraction(5), "5.00")])
def test_decimal_rounding_half_up(value, out):
    from govern.metrics.formats import decimal_string

    assert decimal_string(value) == out


def test_satisfaction_from_latest_closed_survey(app, world):
    chair = login(app, "chair")
    chair.post("/c/garden/surveys/", data={"title": "调查"})
    chair.post("/c/garden/surveys/1/open")
    from govern.surveys.models import SurveyItem

    with app.app_context():
        ids = list(db.session.scalars(select(SurveyItem.id)))
    login(app, "ann").post("/c/garden/surveys/1/respond",
                           data={**{f"e{i}": "6" for i in ids}, **{f"p{i}": "5" for i in ids}})
    assert _metrics(chair, world.cid)["satisfaction"]["survey"] is None  # still open
    chair.post("/c/garden/surveys/1/close")
    sat = _metrics(chair, world.cid)["satisfaction"]["survey"]
    assert sat["responses"] == 1 and sat["overall_gap"] == "-1.00"
    assert sat["dimensions"]["empathy"] == {"expectation": "6.00", "perception": "5.00", "gap": "-1.00",
                                            "answers": 5}


def test_api_by_token_and_refusals(app, world):
    assert app.test_client().get(f"/api/v1/communities/{world.cid}/metrics").status_code == 401
    assert app.test_client().get(f"/api/v1/communities/{world.cid}/metrics",
                                 headers=_token(app, "ann")).status_code == 403
    assert app.test_client().get("/api/v1/communities/999/metrics", headers=_token(app, "chair")).status_code == 404
    ok = app.test_client().get(f"/api/v1/communities/{world.cid}/metrics", headers=_token(app, "auditor"))
    assert ok.status_code == 200 and ok.get_json()["community"]["slug"] == "garden"
    bad = app.test_client().get(f"/api/v1/communities/{world.cid}/metrics?since=yesterday",
                                headers=_token(app, "auditor"))
    assert bad.status_code == 400


def test_dashboard_csv_and_district(app, world, factory):
    factory.community(slug="park", name="公园小区")
    chair = login(app, "chair")
    page = chair.get("/c/garden/metrics/").get_data(as_text=True)
    assert "<svg" in page and "沟通指标看板" in page
    csv = chair.get("/c/garden/metrics/export.csv")
    assert csv.mimetype == "text/csv" and "channel_coverage,0,4,0.0000" in csv.get_data(as_text=True)
    assert chair.get("/c/garden/metrics/district").status_code == 403
    district = login(app, "auditor").get("/c/garden/metrics/district").get_data(as_text=True)
    assert "测试花园" in district and "公园小区" in district


def test_bar_chart_long_label_shortened_with_full_title():
    from fractions import Fraction

    from govern.charts import bar_chart

    svg = str(bar_chart([("2025年第一次业主大会会议（临时会议）", Fraction(1, 8))], title="参与率"))
    assert "<title>2025年第一次业主大会会议（临时会议）</title>" in svg
    assert "2025年第一次业主大会会…</text>" in svg
