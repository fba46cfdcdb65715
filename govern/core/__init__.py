"""The rules and the cryptography of govern, in plain Python.

Nothing in this package imports Flask, SQLAlchemy or any part of ``govern`` outside
``govern.core``: the web application and the ``govern`` command both call into it, and
an auditor can read it on its own. ``tests/core/test_purity.py`` enforces this.
"""
