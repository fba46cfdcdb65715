"""Proxies live in :mod:`govern.ballots.proxies`; re-exported here while callers move."""

from govern.ballots.proxies import *  # noqa: F401,F403
from govern.ballots.proxies import (  # noqa: F401
    _homes,
    _proxy_entry,
    _proxy_voted,
)
