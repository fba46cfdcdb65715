"""Delivery services: channel preferences and sending a message to accounts on their channels."""

from __future__ import annotations

import re
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from govern import clock, jobs
from govern.audit.services import log_action
from govern.config import public_url
from govern.delivery.jobs import send_delivery
from govern.delivery.models import Delivery, DeliveryPreference
from govern.errors import DomainError
from govern.extensions import db
from govern.formats import is_mobile


def preference_of(user, community) -> DeliveryPreference | None:
    return db.session.scalar(select(DeliveryPreference).where(
        DeliveryPreference.user_id == user.id, DeliveryPreference.community_id == community.id))


def preferences_for(user_ids: Iterable[int], community_id: int) -> dict[int, DeliveryPreference]:
    ids = list(user_ids)
    if not ids:
        return {}
    rows = db.session.scalars(select(DeliveryPreference).where(
        DeliveryPreference.community_id == community_id, DeliveryPreference.user_id.in_(ids)))
    return {p.user_id: p for p in rows}


def update_preferences(user, community, data: dict, *, actor) -> DeliveryPreference:
    """Set the account's opt-in channels. E-mail needs a valid address, SMS a mainland mobile number."""
    email_on = bool(data.get("email_enabled"))
    sms_on = bool(data.get("sms_enabled"))
    email = (data.get("email") or "").strip()
    phone = re.sub(r"[\s-]", "", data.get("phone") or "")
    errors = {}
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = _("This is not a valid e-mail address.")
    elif email_on:
        errors["email"] = _("Give an e-mail address to receive e-mail.")
    if phone and not is_mobile(phone):
        errors["phone"] = _("Give an 11-digit mobile number starting with 1.")
    elif sms_on and not phone:
        errors["phone"] = _("Give a mobile number to receive SMS.")
    if errors:
        raise DomainError("invalid", _("Please correct the marked fields."), details=errors)
    pref = preference_of(user, community)
    if pref is None:
        pref = DeliveryPreference(user_id=user.id, community_id=community.id)
        db.session.add(pref)
    pref.email_enabled, pref.email, pref.sms_enabled, pref.phone = email_on, email, sms_on, phone
    pref.updated_at = clock.now()
    db.session.flush()
    # The addresses themselves stay out of the audit log; the channels are enough to explain a delivery.
    log_action("delivery.preferences", actor=actor, community=community, obj=pref,
           data={"user": user.id, "email": email_on, "sms": sms_on})
    return pref


def absolute_url(path: str) -> str:
    return public_url(path)


def send_message(community, users: Iterable, *, kind: str, template: str, context: dict, subject,
                 path: str, ref_type: str = "", ref_id: int | None = None, in_app: bool = True,
                 channels: tuple[str, ...] = ("email", "sms")) -> list[Delivery]:
    """One delivery per account and channel: in-app (unless ``in_app`` is False, when the object itself is the
    in-app message, as a notice is), plus e-mail and SMS on the channels the account opted in to.

    ``subject`` is a lazy string; the templates ``notices/email/<template>.txt``, ``.html`` and ``.sms.txt``
    are rendered in each recipient's language. E-mail and SMS go out through a job after commit.
    """
    users = list(users)
    prefs = preferences_for([u.id for u in users], community.id)
    url = absolute_url(path)
    default_locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    rows: list[Delivery] = []
    moment = clock.now()
    for user in users:
        pref = prefs.get(user.id)
        wanted = [c for c in (pref.channels if pref else ["in_app"]) if c == "in_app" or c in channels]
        if not in_app:
            wanted = [c for c in wanted if c != "in_app"]
        if not wanted:
            continue
        with force_locale(user.locale or default_locale):
            ctx = dict(context, user=user, community=community, url=url)
            subj = str(subject)
            text = render_template(f"notices/email/{template}.txt", **ctx)
            for channel in wanted:
                row = Delivery(community_id=community.id, user_id=user.id, channel=channel, kind=kind,
                               ref_type=ref_type, ref_id=ref_id, subject=subj[:300], url=url, created_at=moment)
                if channel == "in_app":
                    row.body_text, row.status, row.sent_at = text, "sent", moment
                elif channel == "email":
                    row.address = pref.email
                    row.body_text = text
                    row.body_html = render_template(f"notices/email/{template}.html", **ctx)
                else:
                    row.address = pref.phone
                    row.body_text = render_template(f"notices/email/{template}.sms.txt", **ctx).strip()
                rows.append(row)
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        if row.channel != "in_app":
            jobs.enqueue(send_delivery, row.id, queue="mail")
    return rows

