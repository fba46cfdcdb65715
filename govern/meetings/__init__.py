"""Owners' assemblies with signed ballots: meetings, the frozen roll, owner keys, casting, results."""
