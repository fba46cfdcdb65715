"""Who may do what with records, proxies, paper ballots and the audit: plain predicates."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, has_role, is_committee
from govern.accounts.models import Role


def can_audit(user, community) -> bool:
    """The street office reads everything (R28); platform admins too."""
    return has_role(user, community, Role.AUDITOR, Role.ADMIN)


def can_certify(user, community) -> bool:
    """Certifications, objections, orders of correction and revocations are the street office's (R28)."""
    return has_role(user, community, Role.AUDITOR)


def can_read_public_record(user, community) -> bool:
    """The public edition: every confirmed owner of the community, the committee and the street office."""
    return has_role(user, community, Role.OWNER, *COMMITTEE, Role.AUDITOR, Role.ADMIN)


def can_enter_paper(user, community) -> bool:
    return is_committee(user, community)


def can_see_paper(user, community) -> bool:
    return is_committee(user, community) or can_audit(user, community)
