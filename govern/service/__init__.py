"""Service requests (报修/投诉/建议) with a service-level clock, an event timeline, ratings and escalation."""
