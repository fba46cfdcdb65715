"""Agenda and deliberation: proposals, co-signing (联署), committee review, threads, in-app notifications.

See ``docs/agenda.md`` for the lifecycle, the thresholds, the moderation policy and the notification shape.
"""
