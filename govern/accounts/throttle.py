"""The sign-in throttle shared by every secret check: passwords, one-time codes, TOTP.

Four counters, all rows of ``auth_throttle`` in the database so that every app node agrees (no process
memory; no Redis needed):

* ``pair:<account>:<address>`` — failures of one account from one address. The first
  ``AUTH_PAIR_FREE_FAILURES`` are free; after that each attempt from that pair waits
  ``AUTH_PAIR_BASE_WAIT * 2**(n - free - 1)`` seconds, at most ``AUTH_PAIR_MAX_WAIT``. A success clears it.
  Guessing is slowed where it happens, and nobody else is touched: the owner's own phone (another
  address, or the same address without failures) still signs in.
* ``acct:<account>`` — failures of one account from any address within ``AUTH_ACCOUNT_WINDOW``. At
  ``AUTH_ACCOUNT_BURST`` the owner is told (e-mail / SMS) and, while the burst lasts, an address that has
  itself failed for this account must sign in with a one-time code; an address without failures is not
  affected, so the right password still works from the owner's own device.
* ``addr:<address>`` — every check from one address per minute: the ceiling
  ``AUTH_ADDRESS_PER_MINUTE`` (default 300) is far above what a whole community behind one carrier NAT
  needs (40 sign-ins in a minute are tested), and only stops floods.
* ``addrfail:<address>`` — failures from one address per hour, ``AUTH_ADDRESS_FAILURES_PER_HOUR``
  (default 500): password spraying across many accounts from one address.

A refusal is immediate: :class:`Throttled` is answered as 429 with ``Retry-After``, never by sleeping.
Counters are read and written on their own connection and committed at once, so a failure is counted even
when the request's transaction is rolled back. Callers therefore check secrets before they write anything
in the request's session (on SQLite an open write would make the counter wait for it).
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, timedelta

import limits
from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from govern.accounts.models import AuthThrottle
from govern.clock import now
from govern.dbtypes import UTCDateTime
from govern.errors import DomainError
from govern.extensions import db

PAIR_WINDOW = timedelta(hours=24)
ADDRESS_WINDOW = timedelta(minutes=1)
ADDRESS_FAILURE_WINDOW = timedelta(hours=1)

DEFAULTS = {
    "AUTH_THROTTLE_ENABLED": True,
    "AUTH_PAIR_FREE_FAILURES": 3,
    "AUTH_PAIR_BASE_WAIT": 5,
    "AUTH_PAIR_MAX_WAIT": 900,
    "AUTH_ACCOUNT_WINDOW": 900,
    "AUTH_ACCOUNT_BURST": 20,
    "AUTH_ADDRESS_PER_MINUTE": 300,
    "AUTH_ADDRESS_FAILURES_PER_HOUR": 500,
}


class Throttled(DomainError):
    """Too many attempts: answered with 429 and ``Retry-After: retry_after``."""

    status = 429

    def __init__(self, retry_after: int, message: str | None = None):
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            "rate_limited",
            message or _("Too many attempts. Please wait %(n)d seconds and try again.", n=self.retry_after),
            details={"retry_after": self.retry_after},
        )


class CodeRequired(DomainError):
    """The account is under a burst of failures and this address has failed too: sign in with a code."""

    status = 401

    def __init__(self):
        super().__init__(
            "otp_required",
            _("Many wrong passwords were tried for this account. To protect it, please sign in from this "
              "device with a one-time code sent to your phone or e-mail."),
        )


def limit(name: str) -> int:
    return current_app.config.get(name, DEFAULTS[name])


def enabled() -> bool:
    return bool(limit("AUTH_THROTTLE_ENABLED"))


def client_address() -> str:
    """The client's address: the socket peer, or (behind a trusted proxy) what the proxy says.

    ``govern.accounts.proxies.TrustedProxies`` has already rewritten ``REMOTE_ADDR`` when the peer is one of
    ``GOVERN_TRUSTED_PROXIES``; an ``X-Forwarded-For`` from anyone else is ignored.
    """
    return (request.remote_addr or "unknown")[:64]


def account_key(identifier: str) -> str:
    """The throttle's name for an account: a digest of the username, phone or e-mail typed.

    Unknown names get counters too, so the answers never tell a known account from an unknown one.
    """
    return hashlib.sha256(identifier.strip().encode("utf-8", "surrogatepass")).hexdigest()[:40]


def pair_wait(failures: int) -> int:
    """Seconds an (account, address) pair waits after ``failures`` failures: 0, then doubling, capped."""
    free = limit("AUTH_PAIR_FREE_FAILURES")
    if failures <= free:
        return 0
    return min(limit("AUTH_PAIR_BASE_WAIT") * 2 ** min(failures - free - 1, 30), limit("AUTH_PAIR_MAX_WAIT"))


#: Called with ``(user, failures)`` when an account's failures reach the burst. The one-time-code module
#: registers the owner's alert (:func:`govern.accounts.otp.alert_burst`): otp builds on the throttle, so the
#: throttle calls up through this hook instead of importing it.
_burst_listeners: list = []


def on_burst(listener):
    """Register ``listener(user, failures)``, called once per window when an account's failures reach the burst."""
    _burst_listeners.append(listener)
    return listener


# --- storage --------------------------------------------------------------------------------------


def _table():
    return AuthThrottle.__table__


def _hit(key: str, window: timedelta, moment: datetime) -> tuple[int, datetime]:
    """Add one to ``key`` (restarting it when its window has passed); return (count, window_start).

    One atomic upsert on its own connection, committed at once.
    """
    t = _table()
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stale = t.c.window_start < literal(moment - window, UTCDateTime())
    at = literal(moment, UTCDateTime())
    stmt = insert(t).values(key=key, count=1, window_start=moment, last_at=moment)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.c.key],
        set_={
            "count": case((stale, 1), else_=t.c.count + 1),
            "window_start": case((stale, at), else_=t.c.window_start),
            "last_at": at,
        },
    ).returning(t.c.count, t.c.window_start)
    with db.engine.begin() as conn:
        count, start = conn.execute(stmt).one()
    return count, _aware(start)


def _rows(keys: list[str]) -> dict[str, tuple[int, datetime, datetime]]:
    """Read counters on their own connection: no autoflush of the request's pending writes, whose lock would
    make the next counter write wait (SQLite)."""
    t = _table()
    with db.engine.connect() as conn:
        rows = conn.execute(select(t.c.key, t.c.count, t.c.window_start, t.c.last_at).where(t.c.key.in_(keys))).all()
    return {r[0]: (r[1], _aware(r[2]), _aware(r[3])) for r in rows}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _clear(key: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(_table()).where(_table().c.key == key))


def _live(row, window: timedelta, moment: datetime) -> int:
    """The row's count if its window is still open, else 0."""
    if row is None:
        return 0
    count, start, _last = row
    return count if start >= moment - window else 0


# --- the checks -------------------------------------------------------------------------------------


class Attempt:
    """One secret check: ``begin()`` before it (may refuse at once), ``failed()`` or ``succeeded()`` after.

    ``needs_code`` is decided before the check, so the answer never depends on whether the secret was right.
    """

    def __init__(self, identifier: str, *, address: str | None = None):
        self.account = account_key(identifier)
        self.address = address if address is not None else client_address()
        self.needs_code = False
        self.enabled = enabled()

    @property
    def pair_key(self) -> str:
        return f"pair:{self.account}:{self.address}"

    def begin(self) -> Attempt:
        if not self.enabled:
            return self
        moment = now()
        addr_key = f"addr:{self.address}"
        count, start = _hit(addr_key, ADDRESS_WINDOW, moment)
        if count > limit("AUTH_ADDRESS_PER_MINUTE"):
            raise Throttled(math.ceil((start + ADDRESS_WINDOW - moment).total_seconds()))
        rows = _rows([self.pair_key, f"acct:{self.account}", f"addrfail:{self.address}"])
        fail_row = rows.get(f"addrfail:{self.address}")
        if _live(fail_row, ADDRESS_FAILURE_WINDOW, moment) >= limit("AUTH_ADDRESS_FAILURES_PER_HOUR"):
            raise Throttled(math.ceil((fail_row[1] + ADDRESS_FAILURE_WINDOW - moment).total_seconds()))
        pair = rows.get(self.pair_key)
        failures = _live(pair, PAIR_WINDOW, moment)
        if failures:
            wait_until = pair[2] + timedelta(seconds=pair_wait(failures))
            if wait_until > moment:
                raise Throttled(math.ceil((wait_until - moment).total_seconds()))
        burst = _live(rows.get(f"acct:{self.account}"), timedelta(seconds=limit("AUTH_ACCOUNT_WINDOW")), moment)
        self.needs_code = failures > 0 and burst >= limit("AUTH_ACCOUNT_BURST")
        return self

    def failed(self, user=None) -> None:
        """Count a failure; at the burst threshold, tell the account's owner (once per window)."""
        if not self.enabled:
            return
        moment = now()
        _hit(self.pair_key, PAIR_WINDOW, moment)
        _hit(f"addrfail:{self.address}", ADDRESS_FAILURE_WINDOW, moment)
        count, _start = _hit(f"acct:{self.account}", timedelta(seconds=limit("AUTH_ACCOUNT_WINDOW")), moment)
        if user is not None and count == limit("AUTH_ACCOUNT_BURST"):
            for listener in _burst_listeners:
                listener(user, count)

    def succeeded(self) -> None:
        if self.enabled:
            _clear(self.pair_key)


def per_subject(kind: str, subject: str, rate: str) -> None:
    """Count one request of ``kind`` by ``subject`` against ``rate`` (``"10 per minute"``, the ``limits``
    syntax); :class:`Throttled` (429, ``Retry-After``) once the window's count is over it.

    A fixed window in ``auth_throttle`` like every other counter, so every worker and node counts together
    (nothing in process memory). Used for registration per address and record builds per user.
    """
    item = parse_rate(rate)
    window = timedelta(seconds=item.get_expiry())
    moment = now()
    count, start = _hit(f"{kind}:{subject}"[:160], window, moment)
    if count > item.amount:
        raise Throttled(math.ceil((start + window - moment).total_seconds()))


def parse_rate(rate: str):
    """``"10 per minute"`` → a ``limits`` rate item (``amount``, ``get_expiry()`` seconds)."""
    return limits.parse(rate)


def prune(older_than: timedelta = timedelta(days=2)) -> int:
    """Delete counters nobody has touched for ``older_than`` (every window is shorter)."""
    t = _table()
    with db.engine.begin() as conn:
        return conn.execute(delete(t).where(t.c.last_at < literal(now() - older_than, UTCDateTime()))).rowcount
