"""The paper-ballot demo lives in :mod:`govern.ballots.demo`; re-exported here while callers move."""

from govern.ballots.demo import *  # noqa: F401,F403
