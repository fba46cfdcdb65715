"""The community home page's "proposals" panel."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from govern.agenda.models import Proposal, ProposalState
from govern.extensions import db
from govern.home.panels import provider


@provider("proposals")
def open_proposals(community, user) -> list[dict]:
    rows = db.session.scalars(
        select(Proposal).where(Proposal.community_id == community.id,
                               Proposal.state.in_([ProposalState.OPEN, ProposalState.REVIEW]))
        .order_by(Proposal.id.desc()).limit(5)
    ).all()
    labels = {ProposalState.OPEN: _("Co-signing"), ProposalState.REVIEW: _("In committee review")}
    items = [{"title": p.title, "url": url_for("agenda.detail", slug=community.slug, pid=p.id),
              "meta": str(labels[p.state])} for p in rows]
    if items:
        items.append({"title": _("All proposals"), "url": url_for("agenda.index", slug=community.slug), "meta": ""})
    return items
