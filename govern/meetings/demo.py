"""Demo content: one assembly open for voting now (some owners have voted) and one closed with its result."""

from __future__ import annotations

from govern.demo import demo_step


@demo_step("meetings")
def demo_meetings(community, accounts) -> None:
    """Filled in below."""
