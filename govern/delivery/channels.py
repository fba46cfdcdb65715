"""The outgoing channels: SMTP e-mail and an SMS provider interface with an outbox default.

E-mail settings come from ``GOVERN_SMTP_*`` (see ``govern/config.py``). Without a host, an e-mail is
recorded as ``not_configured`` instead of failing. The SMS provider is ``GOVERN_SMS_PROVIDER``: ``outbox``
(default: the message is written to the ``sms_outbox`` table, which admins read on a page) or
``package.module:Class`` for a real gateway implementing :class:`SmsProvider`.
"""

from __future__ import annotations

import importlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from flask import current_app

from govern.delivery.models import SmsOutbox
from govern.extensions import db


class NotConfigured(Exception):
    """The channel has no configuration: the message is recorded, not sent."""


def smtp_settings() -> dict:
    cfg = current_app.config
    return {
        "host": cfg.get("GOVERN_SMTP_HOST") or "",
        "port": int(cfg.get("GOVERN_SMTP_PORT") or 587),
        "user": cfg.get("GOVERN_SMTP_USER") or "",
        "password": cfg.get("GOVERN_SMTP_PASSWORD") or "",
        "tls": (cfg.get("GOVERN_SMTP_TLS") or "starttls").lower(),
        "sender": cfg.get("GOVERN_SMTP_SENDER") or "govern@localhost",
    }


def send_email(to: str, subject: str, text: str, html: str = "") -> str:
    """Send one e-mail over SMTP; return its Message-ID. Raises NotConfigured without a host."""
    s = smtp_settings()
    if not s["host"]:
        raise NotConfigured("GOVERN_SMTP_HOST is not set")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = s["sender"]
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=s["sender"].rpartition("@")[2] or "govern")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if s["tls"] == "ssl":
        conn = smtplib.SMTP_SSL(s["host"], s["port"], timeout=30, context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(s["host"], s["port"], timeout=30)
    with conn:
        if s["tls"] == "starttls":
            conn.starttls(context=ssl.create_default_context())
        if s["user"]:
            conn.login(s["user"], s["password"])
        conn.send_message(msg)
    return msg["Message-ID"]


class SmsProvider(Protocol):
    """An SMS gateway. ``send`` raises on failure and returns the provider's message id."""

    def send(self, phone: str, text: str, *, community_id: int, delivery_id: int | None) -> str: ...


class OutboxProvider:
    """The default provider: writes the message to ``sms_outbox`` in the job's transaction."""

    def send(self, phone: str, text: str, *, community_id: int, delivery_id: int | None) -> str:
        row = SmsOutbox(community_id=community_id, delivery_id=delivery_id, phone=phone, text=text)
        db.session.add(row)
        db.session.flush()
        return f"outbox-{row.id}"


def sms_provider() -> SmsProvider:
    spec = current_app.config.get("GOVERN_SMS_PROVIDER") or "outbox"
    if spec == "outbox":
        return OutboxProvider()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()
