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
    """The public edition: the committee (scrutineers) and the street office; owners only by the community's choice.

    The public edition hides who owns which home, but it still shows every pseudonymous person's area and
    choices, and a person's summed area can be unique enough to name a home. R27 keeps individual choices
    from the public by default, so owners read it only when the community's setting
    ``public_record_for_owners`` is true (decided by the owners, e.g. in the rules of procedure).
    """
    if has_role(user, community, *COMMITTEE, Role.AUDITOR, Role.ADMIN):
        return True
    return bool(community.setting("public_record_for_owners")) and has_role(user, community, Role.OWNER)


def can_enter_paper(user, community) -> bool:
    return is_committee(user, community)


def can_see_paper(user, community) -> bool:
    return is_committee(user, community) or can_audit(user, community)
