"""Dashboard pages: one community over time, CSV export, the district side by side."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import community_required
from govern.charts import bar_chart, line_chart
from govern.extensions import db
from govern.metrics import compute
from govern.metrics.access import can_compare_district, can_view_metrics
from govern.metrics.formats import decimal_string
from govern.register.models import Community
from govern.surveys.labels import DIMENSION_LABELS

bp = Blueprint("metrics", __name__, url_prefix="/c/<slug>/metrics")

from govern.metrics import demo as _demo  # noqa: E402,F401  (registers the communication demo step, after meetings)


@bp.context_processor
def _helpers():
    return {"dec": decimal_string, "dimension_labels": DIMENSION_LABELS}


@bp.get("/")
@community_required(can_view_metrics)
def dashboard(community):
    m = compute.compute(community)
    months = compute.monthly(community, m.computed_at)
    labels = [format_date(x["month"], "yyyy-MM") for x in months]
    charts = {
        "rates": line_chart(labels, [
            (_("Notice response rate"), [x["notice_response_rate"].fraction for x in months]),
            (_("Awareness of important notices"), [x["awareness_rate"].fraction for x in months])],
            title=_("Notice response and awareness by month")),
        "processing": bar_chart([(lab, x["service_processing_days_avg"]) for lab, x in zip(labels, months,
                                                                                           strict=True)],
                                title=_("Average processing time by month (days), against the target"),
                                target=m.service_target_days),
    }
    if m.decision_participation:
        charts["participation"] = bar_chart(
            [(x["title"][:14], x["persons"].fraction and x["persons"].fraction * 100)
             for x in m.decision_participation],
            title=_("Participation by assembly (share of persons, %)"), suffix="%", places=1)
    if m.survey:
        charts["satisfaction"] = bar_chart(
            [(str(DIMENSION_LABELS[d.dimension]), d.gap) for d in m.survey["scores"].dimensions],
            title=_("Satisfaction gap by dimension"), signed=True)
    return render_template("metrics/dashboard.html", m=m, months=months, labels=labels, charts=charts,
                           can_compare=can_compare_district(current_user, community))


@bp.get("/export.csv")
@community_required(can_view_metrics)
def export_csv(community):
    data = compute.to_json(community, compute.compute(community))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["figure", "numerator", "denominator", "value"])
    for key in ("channel_coverage", "notice_response_rate", "awareness_rate", "sla_compliance"):
        r = data[key]
        w.writerow([key, *(("", "", "") if r is None else (r["numerator"], r["denominator"], r["value"]))])
    for key in ("service_processing_days_avg", "service_processing_days_p90", "service_target_days"):
        w.writerow([key, "", "", "" if data[key] is None else data[key]])
    for mt in data["decision_participation"]["meetings"]:
        for leg in ("persons", "area"):
            r = mt[leg]
            w.writerow([f"decision_participation.{mt['meeting_id']}.{leg}",
                        *(("", "", "") if r is None else (r["numerator"], r["denominator"], r["value"]))])
    sat = data["satisfaction"]
    if sat["survey"]:
        for dim, v in sat["survey"]["dimensions"].items():
            w.writerow([f"satisfaction.{dim}.gap", "", "", v["gap"] or ""])
        w.writerow(["satisfaction.overall_gap", "", "", sat["survey"]["overall_gap"] or ""])
    w.writerow(["satisfaction.service_rating_avg", "", "", sat["service_rating_avg"] or ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={community.slug}-metrics.csv"})


@bp.get("/district")
@community_required(can_compare_district)
def district(community):
    """Every community of this community's district, side by side (the street office's view)."""
    peers = list(db.session.scalars(select(Community).where(Community.district == community.district)
                                    .order_by(Community.name)))
    rows = [(c, compute.compute(c)) for c in peers]
    return render_template("metrics/district.html", rows=rows, district=community.district)
