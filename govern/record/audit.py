"""The street office's oversight lives in :mod:`govern.record.oversight`; re-exported here while callers move."""

from govern.record.oversight import *  # noqa: F401,F403
