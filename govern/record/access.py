"""Who may do what with records, proxies, paper ballots and the audit: plain predicates."""

from __future__ import annotations

from govern.accounts.access import COMMITTEE, has_role, is_committee
from govern.accounts.models import Role
from govern.core.archive import AUDITOR
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
    request was granted (:mod:`govern.record.inspections`). Nobody gets it before the ``preliminary`` stage
    (:func:`edition_withheld`: no running tally)."""
    return (can_audit(user, meeting.community) or is_scrutineer(user, meeting) or in_convening_body(user, meeting)
            or inspection_granted(user, meeting))


def can_read_public_record(user, meeting) -> bool:
    """The public edition: the committee, the street office, and every confirmed owner.

    A v2 meeting's public edition holds no choice (the ledger in digest form, the roll's totals): it is what owners
    verify the vote with, and every confirmed owner reads it (issue #12 item 4). A v1 meeting's public edition
    shows each pseudonymous person's area and choices, and a summed area can be unique enough to point at a home:
    a community whose rules keep individual choices from owners (R27) sets ``public_record_for_owners`` to false,
    and then only the committee and the street office read a v1 meeting's public edition.
    """
    community = meeting.community
    if has_role(user, community, *COMMITTEE, Role.AUDITOR, Role.ADMIN):
        return True
    if meeting.record_version < 2 and not community.setting("public_record_for_owners"):
        return False
    return has_role(user, community, Role.OWNER)


def edition_withheld(meeting, edition: str) -> bool:
    """No running tally (issue #12 item 3): before the ``preliminary`` stage no edition that holds a choice is given
    out, to anybody — the auditor edition, and a v1 meeting's public edition (its ledger carries the choices). A v2
    meeting's public edition holds neither a choice nor a count of choices before the result (the digest-form
    ledger, no ``result.json``), so it is given out from the notice on: owners find their receipts in it while
    voting is open. The record API answers 409 ``voting_open`` where this is true."""
    if lifecycle.is_counted(meeting):
        return False
    return edition == AUDITOR or meeting.record_version < 2


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
