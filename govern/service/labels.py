"""Labels for categories, sub-categories, statuses and events (translated when shown)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govern.service.models import ServiceStatus

CATEGORY_LABELS = {"repair": _l("Repair"), "complaint": _l("Complaint"), "suggestion": _l("Suggestion")}
SUB_LABELS = {
    "plumbing": _l("Water and drains"), "electrical": _l("Electricity"), "elevator": _l("Elevator"),
    "door_access": _l("Doors and access control"), "leak": _l("Leaks"), "common_facility": _l("Common facilities"),
    "noise": _l("Noise"), "cleaning": _l("Cleaning"), "security": _l("Security"), "parking": _l("Parking"),
    "staff": _l("Staff conduct"), "fees": _l("Fees"), "greening": _l("Greenery"), "facilities": _l("Facilities"),
    "management": _l("Management"), "other": _l("Other"),
}
STATUS_LABELS = ServiceStatus.labels()
EVENT_LABELS = {
    "filed": _l("Filed"), "acknowledged": _l("Acknowledged"), "assigned": _l("Assigned"),
    "resolved": _l("Resolved"), "confirmed": _l("Confirmed and rated"), "reopened": _l("Reopened"),
    "escalated": _l("Overdue: escalated to the committee"),
}
