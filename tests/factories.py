"""Row factories for tests. Each creates real rows through the services where one exists, and commits."""

from __future__ import annotations

from govern.accounts.models import Role, RoleGrant, User
from govern.extensions import db
from govern.register.models import Community
from tests.conftest import TEST_PASSWORD

SMALL_REGISTER = """unit,building,area,status,owners,owner_names,owner_phones
101,1,80.00,delivered,A,A=张三,A=13800000001
102,1,80.00,delivered,A,A=张三,
103,1,140.00,delivered,A,,
201,2,100.00,delivered,B1;B2,B1=李四;B2=王五,
301,3,100.00,delivered,C,C=赵六,
501,5,100.00,unsold,,,
504,5,100.00,sold_undelivered,Q,,
"""


class Factory:
    def __init__(self, app):
        self.app = app

    def community(self, slug: str = "garden", name: str = "测试花园", register: str | None = SMALL_REGISTER) -> int:
        from govern.register.services import import_register

        with self.app.app_context():
            c = Community(slug=slug, name=name, district="测试街道")
            db.session.add(c)
            db.session.flush()
            if register:
                import_register(c, register.encode("utf-8"), actor=None, source="test")
            db.session.commit()
            return c.id

    def user(self, username: str, *, roles: tuple[str, ...] = (), community: int | None = None,
             password: str = TEST_PASSWORD, owner_ref: str | None = None) -> int:
        from govern.accounts.auth import hash_password
        from govern.clock import now
        from govern.register.models import Owner

        with self.app.app_context():
            u = User(username=username, display_name=username, password_hash=hash_password(password))
            db.session.add(u)
            db.session.flush()
            for role in roles:
                db.session.add(RoleGrant(user_id=u.id, role=Role(role),
                                         community_id=None if role == "admin" else community))
            if owner_ref:
                owner = db.session.query(Owner).filter_by(community_id=community, ref=owner_ref).one()
                owner.user_id = u.id
                owner.confirmed_at = now()
                if "owner" not in roles:
                    db.session.add(RoleGrant(user_id=u.id, role=Role.OWNER, community_id=community))
            db.session.commit()
            return u.id
