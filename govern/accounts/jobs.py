"""Jobs of the accounts feature: the printable claim-code sheet."""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import exists, func, select, update

from govern.accounts.models import ClaimCode, ClaimSheet
from govern.accounts.services import issue_claim_codes
from govern.audit.services import log_action
from govern.clock import now
from govern.extensions import db
from govern.register.models import Building, Owner, Ownership, Unit, UnitStatus

#: The slips go to owners' letterboxes: they are printed in Chinese whatever the committee member reads.
SHEET_LOCALE = "zh_CN"


def _units_needing_codes(community_id: int):
    """Delivered units with at least one registered owner who has no confirmed account yet.

    Developer-held units (unsold, or sold but not delivered) get no code: the developer is one voting
    person (R4a) and its account is set up by an admin, and a buyer votes only after delivery (R1).
    A new sheet replaces any unused code printed earlier for the same unit.
    """
    has_unconfirmed_owner = exists().where(
        Ownership.unit_id == Unit.id, Ownership.owner_id == Owner.id, Owner.user_id.is_(None)
    )
    return (
        select(Unit)
        .join(Building)
        .where(Unit.community_id == community_id, Unit.status == UnitStatus.DELIVERED, has_unconfirmed_owner)
        .order_by(Building.code, Unit.number)
    )


def units_needing_codes_count(community) -> int:
    return db.session.scalar(select(func.count()).select_from(_units_needing_codes(community.id).subquery()))


def request_claim_sheet(community, *, actor) -> ClaimSheet:
    """Record a request for a new sheet (the job does the work after commit)."""
    sheet = ClaimSheet(community_id=community.id, requested_by_id=actor.id, status="pending")
    db.session.add(sheet)
    db.session.flush()
    log_action("claim_sheet.request", actor=actor, community=community, obj=sheet)
    return sheet


def render_claim_sheet(sheet_id: int) -> None:
    """Issue fresh codes for every unit that needs one and render the printable sheet.

    Safe to run twice: a sheet that is not pending is left alone.
    """
    # Take the sheet with a conditional UPDATE, so two workers given the same job cannot both run it.
    taken = db.session.execute(
        update(ClaimSheet)
        .where(ClaimSheet.id == sheet_id, ClaimSheet.status == "pending")
        .values(status="running")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        return
    sheet = db.session.get(ClaimSheet, sheet_id)
    try:
        units = db.session.scalars(_units_needing_codes(sheet.community_id)).all()
        issued = issue_claim_codes(sheet.community, units, sheet_id=sheet.id)
        with force_locale(SHEET_LOCALE):
            sheet.html = render_template(
                "accounts/claim_sheet_print.html",
                community=sheet.community,
                issued=issued,
                register_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/register",
                created_at=now(),
                sheet=sheet,
            )
        sheet.unit_count = len(issued)
        sheet.status = "done"
        sheet.finished_at = now()
        log_action(
            "claim_codes.issue",
            actor=sheet.requested_by_id,
            community=sheet.community_id,
            obj=sheet,
            data={"units": len(issued)},
        )
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        sheet = db.session.get(ClaimSheet, sheet_id)
        sheet.status = "failed"
        sheet.error = str(exc)[:2000]
        sheet.finished_at = now()
        db.session.commit()
        raise


def live_code_count(unit_id: int) -> int:
    return db.session.scalar(
        select(func.count(ClaimCode.id)).where(
            ClaimCode.unit_id == unit_id, ClaimCode.used_at.is_(None), ClaimCode.revoked_at.is_(None)
        )
    )
