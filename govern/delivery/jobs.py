"""The job that sends one e-mail or SMS delivery (queue ``mail``). Safe to run twice."""

from __future__ import annotations

import logging

from flask import current_app

from govern import clock, jobs
from govern.delivery.channels import NotConfigured, send_email, sms_provider
from govern.delivery.models import Delivery
from govern.extensions import db

log = logging.getLogger(__name__)


def send_delivery(delivery_id: int) -> None:
    """Send a pending delivery; a delivery that is not pending is left alone (at most once)."""
    if not jobs.claim(Delivery, delivery_id, expected="pending", to="sending", attempts=Delivery.attempts + 1):
        return
    row = db.session.get(Delivery, delivery_id)
    try:
        if row.channel == "email":
            send_email(row.address, row.subject, row.body_text, row.body_html)
        elif row.channel == "sms":
            sms_provider().send(row.address, row.body_text, community_id=row.community_id, delivery_id=row.id)
        row.status = "sent"
        row.sent_at = clock.now()
        row.error = ""
    except NotConfigured as exc:
        row.status = "not_configured"
        row.error = str(exc)[:500]
    except Exception as exc:  # the failure is recorded on the row for the admins to see
        db.session.rollback()
        row = db.session.get(Delivery, delivery_id)
        row.status = "failed"
        row.error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("delivery %s failed: %s", delivery_id, row.error)
    db.session.commit()


def send_code_text(channel: str, address: str, subject: str, text: str, community_id: int) -> None:
    """The job: one SMS (provider or outbox) or one e-mail. Failures are logged, never shown to the asker."""
    try:
        if channel == "sms":
            if not community_id:
                current_app.logger.warning("one-time code: the account has no community for the SMS outbox")
                return
            sms_provider().send(address, text, community_id=community_id, delivery_id=None)
        else:
            send_email(address, subject, text)
        db.session.commit()
    except NotConfigured:
        current_app.logger.warning("one-time code: e-mail is not configured (GOVERN_SMTP_HOST)")
    except Exception:  # the asker sees the same answer; the operator sees the log
        db.session.rollback()
        current_app.logger.exception("one-time code: sending failed")

