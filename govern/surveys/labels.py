"""Dimension and status labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DIMENSION_LABELS = {
    "tangibles": _l("Tangibles"), "reliability": _l("Reliability"), "responsiveness": _l("Responsiveness"),
    "assurance": _l("Assurance"), "empathy": _l("Empathy"),
}
STATUS_LABELS = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
