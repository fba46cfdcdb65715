"""The shared casting helpers live in :mod:`govern.ballots.common`; re-exported here while callers move."""

from govern.ballots.common import *  # noqa: F401,F403
from govern.ballots.owner_keys import own_active_key  # noqa: F401
