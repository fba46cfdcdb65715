"""Bearer-token API calls neither read nor write the cookie session (issue #17, item 1; docs/performance.md)."""

from __future__ import annotations


def _token(app, uid: int) -> str:
    from govern.accounts.models import User
    from govern.accounts.services import issue_token
    from govern.extensions import db

    with app.test_request_context():
        token = issue_token(db.session.get(User, uid)).token
        db.session.commit()
        return token


def test_bearer_call_sets_no_cookie_and_the_token_decides_who_calls(app, client, auth, factory):
    cid = factory.community()
    ann = factory.user("ann", community=cid, owner_ref="A")
    factory.user("bob", community=cid, owner_ref="C")
    token = _token(app, ann)

    # A session-cookie call: Flask-Login's session is used (and kept).
    assert auth.login("bob").status_code == 302
    assert client.get("/api/v1/me").get_json()["username"] == "bob"

    # The same browser sending a bearer token: the token's owner, and no cookie work on the answer.
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200 and resp.get_json()["username"] == "ann"
    assert "Set-Cookie" not in resp.headers and "Cookie" not in resp.headers.get("Vary", "")

    # The cookie session is untouched by the bearer call.
    assert client.get("/api/v1/me").get_json()["username"] == "bob"


def test_a_bad_bearer_token_is_refused_even_with_a_session(client, auth, factory):
    cid = factory.community()
    factory.user("bob", community=cid, owner_ref="C")
    assert auth.login("bob").status_code == 302
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"


def test_pages_keep_their_session_whatever_the_header(client, auth, factory):
    cid = factory.community()
    factory.user("bob", community=cid, owner_ref="C")
    assert auth.login("bob").status_code == 302
    # Bearer tokens are for /api/ only: a page request with one still uses (and refreshes) the session.
    resp = client.get("/?lang=en", headers={"Authorization": "Bearer whatever"})
    assert resp.status_code in (200, 302) and "Set-Cookie" in resp.headers
