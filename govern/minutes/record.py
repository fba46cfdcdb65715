"""The minutes' sections drawn from the assembly live in :mod:`govern.minutes.sections`; re-exported here while
callers move."""

from govern.minutes.sections import *  # noqa: F401,F403
from govern.minutes.sections import _t  # noqa: F401
