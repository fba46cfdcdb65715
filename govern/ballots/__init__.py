"""Casting: owner keys, the voter's view of the roll, the per-meeting ledger, signed-ballot casting, proxies
(R15) and paper ballots, with the assembly's tables (``models``).

It sits below the features that use it: ``govern.meetings`` (notice, roll, results), ``govern.record``
(export and the street office's oversight) and ``govern.minutes`` import from here, never the other way
(tests/test_layers.py).
"""
