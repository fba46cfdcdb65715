"""Dimension and status labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govern.surveys.models import SurveyStatus

DIMENSION_LABELS = {
    "tangibles": _l("Tangibles"), "reliability": _l("Reliability"), "responsiveness": _l("Responsiveness"),
    "assurance": _l("Assurance"), "empathy": _l("Empathy"),
}
STATUS_LABELS = SurveyStatus.labels()
