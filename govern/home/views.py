"""Home pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
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
        can={
            "register": can_manage_register(current_user, community),
            "roles": can_grant_roles(current_user, community),
            "claims": can_confirm_owners(current_user, community),
            "claim_sheets": can_issue_claim_codes(current_user, community),
            "audit": can_read_audit(current_user, community),
        },
    )
