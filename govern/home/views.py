"""Home pages."""

from __future__ import annotations

import importlib

from flask import Blueprint, g, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from govern.accounts.access import (
    can_confirm_owners,
    can_grant_roles,
    can_issue_claim_codes,
    can_manage_register,
    can_read_audit,
    community_required,
    is_confirmed_owner,
    roles_of,
    user_communities,
)
from govern.home import panels

bp = Blueprint("home", __name__)

#: The community's features, in the order owners look for them: (endpoint, label, "module:predicate").
#: A link shows only when the user may open it, by the same predicate the feature's view checks.
FEATURE_LINKS = (
    ("agenda.index", _l("Proposals"), "govern.accounts.access:can_view_community"),
    ("meetings.index", _l("Owners' assemblies"), "govern.accounts.access:can_view_community"),
    # The one inbox: personal messages and notices are its tabs (issue #16).
    ("delivery.inbox", _l("Inbox"), "govern.delivery.access:can_set_preferences"),
    ("service.index", _l("Repairs, complaints and suggestions"), "govern.service.access:can_use_service"),
    ("surveys.index", _l("Satisfaction surveys"), "govern.surveys.access:can_view_surveys"),
    ("minutes.committee_list", _l("Committee meetings"), "govern.accounts.access:can_view_community"),
    ("metrics.dashboard", _l("Dashboard"), "govern.metrics.access:can_view_metrics"),
    ("delivery.preferences", _l("How to reach me"), "govern.delivery.access:can_set_preferences"),
    ("register.index", _l("Unit register"), "govern.admin.register_views:can_view_register"),
)


def _allowed(predicate: str, user, community) -> bool:
    module, _, name = predicate.partition(":")
    return bool(getattr(importlib.import_module(module), name)(user, community))


def feature_links(community, user) -> list[tuple[str, str]]:
    """``(url, label)`` of each feature the user may open in ``community``."""
    return [(url_for(endpoint, slug=community.slug), str(label))
            for endpoint, label, predicate in FEATURE_LINKS if _allowed(predicate, user, community)]


_PREDICATE_OF = {endpoint: predicate for endpoint, _, predicate in FEATURE_LINKS}


def may_open(endpoint: str, community=None) -> bool:
    """Whether the current user may open the feature page ``endpoint`` of ``community`` (the page's community
    by default), by the predicate of :data:`FEATURE_LINKS`: templates show a link only when this is true."""
    community = community if community is not None else g.get("community")
    if community is None:
        return False
    return _allowed(_PREDICATE_OF[endpoint], current_user, community)


@bp.app_context_processor
def _links():
    return {"may_open": may_open}


@bp.get("/")
def index():
    """Anonymous visitors see what govern is; members go to their community (or choose one)."""
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    communities = user_communities(current_user)
    if len(communities) == 1:
        return redirect(url_for("home.community", slug=communities[0].slug))
    return render_template("home/choose.html", communities=communities)


@bp.get("/c/<slug>/")
@community_required()
def community(community):
    roles = roles_of(current_user, community)
    return render_template(
        "home/community.html",
        roles=roles,
        is_owner=is_confirmed_owner(current_user, community),
        panels=panels.collect(community, current_user),
        links=feature_links(community, current_user),
        can={
            "register": can_manage_register(current_user, community),
            "roles": can_grant_roles(current_user, community),
            "claims": can_confirm_owners(current_user, community),
            "claim_sheets": can_issue_claim_codes(current_user, community),
            "audit": can_read_audit(current_user, community),
        },
    )
