"""The request wrapper: one transaction per request, committed in one place.

``GovernFlask.dispatch_request`` runs the view, then

- if the view returned, commits the session and dispatches the jobs the transaction queued
  (``jobs.commit()``);
- if the view raised (a ``DomainError``, an HTTP abort, a bug), rolls the session back and drops
  the queued jobs (``jobs.rollback()``) before the error handlers answer.

So a view loads, checks, calls a service and returns; it never commits by hand. A view that answers
a refusal by *returning* (a 401 or 429 page) is committed like any other: what it wrote (a throttle count,
the owner's alert) persists. A refusal that must persist although the view *raises* it says so with
:func:`keep_writes_on_refusal` before raising: the wrapper then commits instead of rolling back (for a
``DomainError`` or an HTTP error only, never for a bug).

An answer that may be made only once the transaction is committed and its jobs dispatched is returned as
:func:`after_commit` ``(make)``: the wrapper commits, dispatches, then calls ``make()`` for the response.
Two views need it:

- the cast: a receipt may be signed only for a committed entry;
- a PDF (``pdf.views.serve_pdf``) or a verification run (``record_api.verify``): the row is committed before
  its job is dispatched, and inline mode (no Redis) runs the job right there, so the answer shows the outcome.

A view that catches a ``DomainError`` to show it in its form calls ``db.session.rollback()`` in
its ``except`` (the service may have flushed half its work); the rollback also drops the queued
jobs (see ``jobs``). Committing twice is harmless: when a view has committed already (a hand commit not
yet moved onto the wrapper), the wrapper's commit finds nothing to write.

This is Indico's ``RH.process`` in Flask's terms: the wrapper sits in ``dispatch_request``, so it
wraps the view function alone, after ``before_request`` and before ``after_request``.

The same class answers every response that shows per-user state with ``Cache-Control: no-store`` (one rule,
in ``process_response``): any response to a signed-in user, and any view marked with :func:`no_store`,
unless the view set its own ``Cache-Control`` (PDFs, downloads) or the response is a static file. Back then
reloads a ballot, a receipt or an inbox instead of showing a copy from before the last action.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g, request, session
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import HTTPException

from govern import jobs
from govern.errors import DomainError
from govern.extensions import db

_KEEP = "govern_keep_writes_on_refusal"


def keep_writes_on_refusal() -> None:
    """The refusal this view raises next keeps the request's writes (e.g. a failed sign-in's throttle count).

    The request wrapper commits them, and dispatches their jobs, before the error handlers answer.
    """
    setattr(g, _KEEP, True)


class AfterCommit:
    """A view's answer made by ``make()`` after the request wrapper has committed and dispatched the jobs."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make


def after_commit(make: Callable[[], object]) -> AfterCommit:
    """Return this from a view whose answer needs the committed transaction (see the module's docstring)."""
    return AfterCommit(make)


def no_store(view):
    """Mark a view whose page shows per-user state even to a signed-out visitor: ``Cache-Control: no-store``."""
    view.no_store = True
    return view


def _shows_user_state(app: Flask) -> bool:
    if request.endpoint in (None, "static") or request.endpoint.endswith(".static"):
        return False
    if getattr(app.view_functions.get(request.endpoint), "no_store", False):
        return True
    # Who is signed in, without touching the user row: after the commit it is expired, and reading an
    # attribute would cost a SELECT on every request (the cast's statement count is a tested budget).
    user = g.get("_login_user")
    if user is not None:
        return not isinstance(user, AnonymousUserMixin)
    return "_user_id" in session


class GovernFlask(Flask):
    def dispatch_request(self):
        try:
            rv = super().dispatch_request()
        except BaseException as exc:
            if isinstance(exc, (DomainError, HTTPException)) and g.get(_KEEP):
                jobs.commit()
            else:
                jobs.rollback()
            raise
        if db.session.registry.has() and db.session().in_transaction():
            jobs.commit()
        else:  # no session, or nothing read or written since the last commit: no round trip
            jobs.dispatch_pending()
        return rv.make() if isinstance(rv, AfterCommit) else rv

    def process_response(self, response):
        response = super().process_response(response)
        if "Cache-Control" not in response.headers and _shows_user_state(self):
            response.headers["Cache-Control"] = "no-store"
        return response
