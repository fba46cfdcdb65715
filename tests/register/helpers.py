"""Helpers for the register tests: a snapshot of everything an import may change."""

from __future__ import annotations

from sqlalchemy import func, select

from govern.audit.models import AuditEntry
from govern.extensions import db
from govern.register.models import Building, Owner, Unit

HEADER = "unit,building,area,status,owners\n"

#: A register with co-owners, a designated voter, developer units, a parking space that does not count,
#: and every contact column.
GOOD = """\
unit,building,area,status,owners,area_source,counts,owner_names,owner_phones,owner_emails,owner_kinds,owner_id_numbers,voter
1-0101,1,89.50,delivered,A,register,yes,A=张三,A=13800000001,A=a@example.cn,A=natural,A=110101199001011234,
1-0102,1,120.25,delivered,B1;B2,survey,,B1=李四;B2=王五,B1=13800000002,,,,B2
1-0201,1,89.50,delivered,A,,,,,,,,
2-0101,2,76.00,unsold,,,,,,,,,
2-0102,2,76.00,sold_undelivered,Q,contract,,Q=赵六,,,,,
P-001,P,12.00,delivered,C,,no,C=示范物业有限公司,,,C=legal,,
"""


def snapshot(app, community_id: int) -> dict:
    """Units, owners, buildings and audit entries of a community, as plain data."""
    with app.app_context():
        units = {
            u.number: (u.building.code, u.area, u.area_source, u.status.value, u.counts_for_voting,
                       tuple((o.owner.ref, o.position, o.is_designated_voter) for o in u.ownerships))
            for u in db.session.scalars(select(Unit).where(Unit.community_id == community_id))
        }
        owners = {
            o.ref: (o.kind.value, o.name, o.phone, o.email, o.id_number_masked, o.user_id)
            for o in db.session.scalars(select(Owner).where(Owner.community_id == community_id))
        }
        buildings = sorted(db.session.scalars(select(Building.code).where(Building.community_id == community_id)))
        audits = db.session.scalar(select(func.count(AuditEntry.seq)))
        return {"units": units, "owners": owners, "buildings": buildings, "audits": audits}


def import_entries(app) -> list[dict]:
    with app.app_context():
        return [e.data for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "register.import").order_by(AuditEntry.seq))]
