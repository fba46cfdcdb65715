"""Who may do what with records, proxies, paper ballots and the audit: plain predicates."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, has_role, is_committee
from govern.accounts.models import Role
from govern.meetings import lifecycle
from govern.meetings.scrutineers import in_convening_body, is_scrutineer
from govern.record.inspections import inspection_granted


def can_audit(user, community) -> bool:
    """The street office reads everything (R28); platform admins too."""
    return has_role(user, community, Role.AUDITOR, Role.ADMIN)


def can_certify(user, community) -> bool:
    """Certifications, objections, orders of correction and revocations are the street office's (R28)."""
    return has_role(user, community, Role.AUDITOR)


def can_read_auditor_edition(user, meeting) -> bool:
    """Who reads the auditor edition (every ballot, delegation and attestation in full; issue #12 item 4): the
    street office (and platform admins), the meeting's scrutineers, the convening body and owners whose inspection
    request was granted (:mod:`govern.record.inspections`). Nobody gets it before the ``preliminary`` stage: the
    record API answers 409 ``voting_open`` to every reader until then (no running tally)."""
    return (can_audit(user, meeting.community) or is_scrutineer(user, meeting) or in_convening_body(user, meeting)
            or inspection_granted(user, meeting))


def can_read_public_record(user, community) -> bool:
    """The public edition: the committee, the street office, and every confirmed owner.

    It is offered to every owner so that any owner can verify the vote. For a v2 meeting it holds no choice
    (the ledger in digest form, the roll's totals); a v1 meeting's public edition shows each pseudonymous
    person's area and choices, and a summed area can be unique enough to point at a home. A community whose
    rules keep individual choices from owners (R27) sets ``public_record_for_owners`` to false, and then only the
    committee and the street office read it.
    """
    if has_role(user, community, *COMMITTEE, Role.AUDITOR, Role.ADMIN):
        return True
    return bool(community.setting("public_record_for_owners")) and has_role(user, community, Role.OWNER)


def can_enter_paper(user, community) -> bool:
    return is_committee(user, community)


def can_see_paper(user, community) -> bool:
    return is_committee(user, community) or can_audit(user, community)


def may_see_paper_choices(user, row, meeting) -> bool:
    """No running tally: before the preliminary result a paper ballot's choices (its entry and its scan) are
    shown only while it awaits attestation, to committee members (the one who entered it and those who may
    attest it): the single paper ballot a member is entering or attesting. Afterwards, to whoever sees paper."""
    if lifecycle.is_counted(meeting):
        return True
    return row.entry_id is None and is_committee(user, meeting.community)
