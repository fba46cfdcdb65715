"""Who may do what with proposals and threads: plain predicates, tested without HTTP."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from govern.accounts.access import (
    READERS_ALL,
    can_view_community,
    has_role,
    is_committee,
    is_confirmed_owner,
)
from govern.accounts.models import Role
from govern.agenda.models import CoSignature, Proposal, ProposalState
from govern.errors import DomainError, is_api_request
from govern.extensions import db


def can_propose(user, community) -> bool:
    """Confirmed owners and property staff draft proposals."""
    return is_confirmed_owner(user, community) or has_role(user, community, Role.PROPERTY_STAFF)


def can_read_proposal(user, proposal: Proposal) -> bool:
    """Members of the community read every proposal but drafts, which only their author sees."""
    if not getattr(user, "is_authenticated", False):
        return False
    if proposal.state == ProposalState.DRAFT:
        return proposal.author_id == user.id
    return can_view_community(user, proposal.community)


def can_edit_proposal(user, proposal: Proposal) -> bool:
    """The author edits a draft (and only a draft: co-signers sign a fixed text)."""
    return (getattr(user, "is_authenticated", False) and proposal.author_id == user.id
            and proposal.state == ProposalState.DRAFT and can_propose(user, proposal.community))


def can_withdraw(user, proposal: Proposal) -> bool:
    return (getattr(user, "is_authenticated", False) and proposal.author_id == user.id
            and proposal.state in (ProposalState.DRAFT, ProposalState.OPEN, ProposalState.REVIEW))


def can_cosign(user, proposal: Proposal) -> bool:
    """Confirmed owners co-sign open (and, until decided, in-review) proposals; the service checks the person."""
    return (proposal.state in (ProposalState.OPEN, ProposalState.REVIEW)
            and is_confirmed_owner(user, proposal.community))


def has_interest(user, proposal: Proposal) -> bool:
    """The author or a co-signer: they may not decide the proposal (conflict of interest)."""
    if proposal.author_id == user.id:
        return True
    return db.session.scalar(
        select(CoSignature.id).where(CoSignature.proposal_id == proposal.id, CoSignature.user_id == user.id).limit(1)
    ) is not None


def can_review_queue(user, community) -> bool:
    """The committee works the queue; auditors and admins read it."""
    return is_committee(user, community) or has_role(user, community, *READERS_ALL)


def can_decide(user, proposal: Proposal) -> bool:
    """A committee member without an interest in the proposal decides it while it is open or in review."""
    return (is_committee(user, proposal.community) and proposal.state in (ProposalState.OPEN, ProposalState.REVIEW)
            and not has_interest(user, proposal))


def can_comment(user, community) -> bool:
    """Owners, the committee, property staff and the street office take part in threads."""
    return has_role(user, community, Role.OWNER, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR,
                    Role.PROPERTY_STAFF, Role.AUDITOR)


def can_report(user, community) -> bool:
    return can_comment(user, community)


def can_moderate(user, community) -> bool:
    """Committee members hide comments (with a public reason)."""
    return is_committee(user, community)


def can_see_hidden(user, community) -> bool:
    """The street office (and the platform admin) still read hidden comments."""
    return has_role(user, community, *READERS_ALL)


def can_see_overdue(user, community) -> bool:
    return has_role(user, community, Role.AUDITOR, Role.ADMIN, Role.OBSERVER) or is_committee(user, community)


def badge_for(user, community) -> str:
    """The official badge a comment carries: committee, property, street (or none)."""
    if is_committee(user, community):
        return "committee"
    if has_role(user, community, Role.PROPERTY_STAFF):
        return "property"
    if has_role(user, community, Role.AUDITOR):
        return "street"
    return ""


def is_author(user, proposal: Proposal) -> bool:
    return proposal.author_id == user.id


def of_community(predicate):
    """``predicate(user, community)`` as a predicate on a proposal (for :func:`proposal_required`)."""
    return lambda user, proposal: predicate(user, proposal.community)


def proposal_required(predicate=None, *, denied=None):
    """Load the proposal named by the URL argument ``pid`` and pass it to the view as ``proposal``.

    Used by pages (under ``@community_required``, which passes ``community``: the proposal must be that
    community's) and the API alike, as Helios's ``election_view``: unknown, another community's, or not
    readable by the caller (drafts are their author's): 404, both look alike; ``predicate(user, proposal)``
    false: 403. Under /api/ the errors are JSON (``not_found``, ``forbidden`` with ``denied``).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*, pid: int, **kwargs):
            proposal = db.session.get(Proposal, pid)
            community = kwargs.get("community")
            if proposal is None or (community is not None and proposal.community_id != community.id) \
                    or not can_read_proposal(current_user, proposal):
                if is_api_request():
                    raise DomainError("not_found", _("No such proposal."), status=404)
                abort(404)
            if predicate is not None and not predicate(current_user, proposal):
                if is_api_request():
                    raise DomainError("forbidden", str(denied or _("You do not have permission to do this.")),
                                      status=403)
                abort(403)
            return view(proposal=proposal, **kwargs)

        return wrapper

    return decorator
