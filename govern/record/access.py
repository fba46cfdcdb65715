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
    """The public edition: the committee (scrutineers), the street office, and every confirmed owner.

    It is offered to every owner so that any owner can verify the vote. It names no one, but it shows each
    pseudonymous person's area and choices, and a summed area can be unique enough to point at a home;
    a community whose rules keep individual choices from owners (R27) sets ``public_record_for_owners``
    to false, and then only the committee and the street office read it.
    """
    if has_role(user, community, *COMMITTEE, Role.AUDITOR, Role.ADMIN):
        return True
    return bool(community.setting("public_record_for_owners")) and has_role(user, community, Role.OWNER)


def can_enter_paper(user, community) -> bool:
    return is_committee(user, community)


def can_see_paper(user, community) -> bool:
    return is_committee(user, community) or can_audit(user, community)
