"""The hash-chained audit log of every privileged action."""
