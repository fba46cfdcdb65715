"""The job that sends one e-mail or SMS delivery (queue ``mail``). Safe to run twice."""

from __future__ import annotations

import logging

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
