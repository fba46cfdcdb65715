"""Accounts, roles, sessions, API tokens and owner onboarding by claim code."""
