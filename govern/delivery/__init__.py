"""Delivery: in-app messages, e-mail (SMTP through a job) and SMS (a provider; an outbox by default), the
owner's channel preferences, quiet hours, and reminders that are never sent twice."""
