"""Labels of the agenda's states, kinds, stances, badges and timeline events, as Jinja filters."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from govern.agenda.forms import ITEM_CHOICES, KIND_CHOICES, MATTER_CHOICES, STANCE_CHOICES
from govern.formats import format_moment

STATES = {
    "draft": _l("Draft"),
    "open": _l("Co-signing"),
    "review": _l("In committee review"),
    "accepted": _l("Accepted as a motion"),
    "merged": _l("Merged"),
    "rejected": _l("Rejected by the committee"),
    "withdrawn": _l("Withdrawn"),
}
BADGES = {"committee": _l("Owners' committee"), "property": _l("Property company"), "street": _l("Street office")}
EVENTS = {
    "created": _l("Draft created"),
    "opened": _l("Opened for co-signing"),
    "milestone": _l("Co-signing milestone reached"),
    "review": _l("Threshold reached: in committee review"),
    "accepted": _l("Accepted as a motion"),
    "rejected": _l("Rejected by the committee"),
    "merged": _l("Merged into another proposal"),
    "merged_in": _l("Another proposal was merged into this one"),
    "withdrawn": _l("Withdrawn by the author"),
    "convened": _l("Interim assembly convened"),
}
ITEMS = dict(ITEM_CHOICES)
KINDS = dict(KIND_CHOICES)
MATTERS = dict(MATTER_CHOICES)
STANCES = dict(STANCE_CHOICES)


def register(bp: Blueprint) -> None:
    bp.add_app_template_filter(format_moment, "dt_short")
    for name, table in (("state_label", STATES), ("badge_label", BADGES), ("event_label", EVENTS),
                        ("item_label", ITEMS), ("kind_label", KINDS), ("matter_label", MATTERS),
                        ("stance_label", STANCES)):
        bp.add_app_template_filter(_lookup(table), name)


def _lookup(table):
    def label(value) -> str:
        key = getattr(value, "value", value)
        return str(table.get(key, key or ""))

    return label
