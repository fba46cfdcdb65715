"""Labels for printing the record: reason codes, matter classes, policies, committee rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from govern.enums import MatterClass

REASONS = {
    "QUORUM_AREA": _l("quorum not reached by area (two thirds of the total area must take part)"),
    "QUORUM_COUNT": _l("quorum not reached by persons (two thirds of the owners must take part)"),
    "THRESHOLD_AREA": _l("majority not reached by area"),
    "THRESHOLD_COUNT": _l("majority not reached by persons"),
    "UNANIMITY": _l("not every interested owner agreed"),
    "COMMITTEE_QUORUM": _l("not quorate: more than half of the members must attend"),
    "COMMITTEE_MAJORITY": _l("too few members in favour under the committee rule"),
}

MATTERS = MatterClass.labels()

RULES = {
    "half_or_more": _l("half or more of all members (2 × agree ≥ members)"),
    "more_than_half": _l("more than half of all members (2 × agree > members)"),
}

POLICIES = {
    "single-cast": _l("single cast (a ballot cannot be changed)"),
    "revisable-until-close": _l("revisable until close (the latest ballot counts)"),
    "as-abstain": _l("invalid ballots count as abstentions"),
    "excluded": _l("invalid ballots are excluded"),
    "conservative": _l("conservative"),
    "minimal": _l("minimal"),
    "regular": _l("regular meeting"),
    "interim": _l("interim meeting"),
    "first": _l("first owners' assembly"),
    "committee": _l("the owners' committee"),
    "street_office": _l("the street office"),
}

STAGES = {
    "draft": _l("draft"),
    "announced": _l("agenda published"),
    "held": _l("held"),
    "signing": _l("minutes being signed"),
    "published": _l("published"),
    "approved": _l("approved"),
}

CHOICES = {"agree": _l("agree"), "oppose": _l("oppose"), "abstain": _l("abstain")}


def label(table: dict, key) -> str:
    return str(table.get(key, key or ""))
