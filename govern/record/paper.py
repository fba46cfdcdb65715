"""Paper ballots live in :mod:`govern.ballots.paper`; re-exported here while callers move."""

from govern.ballots.paper import *  # noqa: F401,F403
from govern.ballots.paper import _committee_accounts, _voted  # noqa: F401
