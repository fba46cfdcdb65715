"""A refusal the API raises keeps what the request wrote when the view says so (govern/web.py,
``keep_writes_on_refusal``): the owner's alert after a burst of wrong passwords through /api/v1/tokens.
Any other raised error still rolls the request back."""

from __future__ import annotations

from flask import Blueprint

from govern.accounts.models import User
from govern.delivery.models import SmsOutbox
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community
from govern.web import keep_writes_on_refusal
from tests.accounts.conftest import audit_actions, count
from tests.factories import Factory


def test_burst_through_the_api_alerts_the_owner(make_app):
    app = make_app(AUTH_ACCOUNT_BURST=4)
    factory = Factory(app)
    cid = factory.community()
    uid = factory.user("ann", roles=("owner",), community=cid)
    with app.app_context():
        db.session.get(User, uid).phone = "13900000002"
        db.session.commit()
    for i in range(4):  # four addresses, one wrong password each: the refusal is raised (401 JSON)
        resp = app.test_client().post("/api/v1/tokens", json={"username": "ann", "password": "wrong-password"},
                                      environ_base={"REMOTE_ADDR": f"198.51.100.{i}"})
        assert resp.status_code == 401
    assert "account.password_attack" in audit_actions(app)
    assert count(app, SmsOutbox, SmsOutbox.phone == "13900000002") == 1


def test_only_a_flagged_refusal_keeps_the_writes(make_app):
    app = make_app()
    bp = Blueprint("refusal_probe", __name__)

    def _write(slug: str) -> None:
        db.session.add(Community(slug=slug, name=slug))
        db.session.flush()

    @bp.post("/probe/kept")
    def kept():
        _write("kept")
        keep_writes_on_refusal()
        raise DomainError("invalid", "no")

    @bp.post("/probe/dropped")
    def dropped():
        _write("dropped")
        raise DomainError("invalid", "no")

    @bp.post("/probe/bug")
    def bug():
        _write("bug")
        keep_writes_on_refusal()
        raise RuntimeError("a bug is never committed")

    app.register_blueprint(bp)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/probe/kept").status_code == 400
    assert client.post("/probe/dropped").status_code == 400
    assert client.post("/probe/bug").status_code == 500
    assert count(app, Community, Community.slug == "kept") == 1
    assert count(app, Community, Community.slug == "dropped") == 0
    assert count(app, Community, Community.slug == "bug") == 0
