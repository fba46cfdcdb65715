"""Signals the register sends when who owns what, or whose account stands for an owner, changed.

Receivers in features above the register (casting: who may cast for a frozen roll person) act inside the
sender's transaction, so their writes exist exactly when the change does (tests/test_layers.py keeps the
register below them).
"""

from __future__ import annotations

from blinker import Namespace

#: Sent with ``community_id`` after a register import changed owners, a claim was confirmed, or an owner's
#: or the developer's representative's role was granted or revoked. The sender is the service function.
owners_changed = Namespace().signal("govern.owners-changed")
