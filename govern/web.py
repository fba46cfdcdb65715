"""The request wrapper: one transaction per request, committed in one place.

``GovernFlask.dispatch_request`` runs the view, then

- if the view returned, commits the session and dispatches the jobs the transaction queued
  (``jobs.commit()``);
- if the view raised (a ``DomainError``, an HTTP abort, a bug), rolls the session back and drops
  the queued jobs (``jobs.rollback()``) before the error handlers answer.

So a view loads, checks, calls a service and returns; it never commits by hand. Two kinds of
view still call ``jobs.commit()`` themselves, each documented at the call:

- a refusal that must persist (the view records the refusal, commits, then raises or answers 4xx);
- a receipt that may be signed only after its commit (the cast).

A view that catches a ``DomainError`` to show it in its form calls ``db.session.rollback()`` in
its ``except`` (the service may have flushed half its work); the rollback also drops the queued
jobs (see ``jobs``). Committing twice is harmless: when a view has committed already, the
wrapper's commit finds nothing to write.

This is Indico's ``RH.process`` in Flask's terms: the wrapper sits in ``dispatch_request``, so it
wraps the view function alone, after ``before_request`` and before ``after_request``.
"""

from __future__ import annotations

from flask import Flask

from govern import jobs
from govern.extensions import db


class GovernFlask(Flask):
    def dispatch_request(self):
        try:
            rv = super().dispatch_request()
        except BaseException:
            jobs.rollback()
            raise
        if db.session.registry.has() and db.session().in_transaction():
            jobs.commit()
        else:  # no session, or the view committed already and read nothing since: no round trip
            jobs.dispatch_pending()
        return rv
