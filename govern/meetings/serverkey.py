"""The server's own Ed25519 key: it signs receipts and results.

Read from ``GOVERN_SERVER_KEY`` (base64url of the raw 32-byte seed) when set, else from
``instance/server_ed25519.key`` (the same spelling), which is generated once with mode 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from govern.config import SERVER_KEY_FILE
from govern.core.keys import (
    b64url_decode,
    b64url_encode,
    generate_keypair,
    private_key_from_bytes,
    private_key_to_bytes,
    public_key_b64,
)

FILENAME = SERVER_KEY_FILE


def _load(app) -> Ed25519PrivateKey:
    seed = app.config.get("GOVERN_SERVER_KEY") or os.environ.get("GOVERN_SERVER_KEY")
    if seed:
        return private_key_from_bytes(b64url_decode(seed.strip(), length=32))
    path = Path(app.instance_path) / FILENAME
    if path.exists():
        return private_key_from_bytes(b64url_decode(path.read_text().strip(), length=32))
    path.parent.mkdir(parents=True, exist_ok=True)
    private, _public = generate_keypair()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return private_key_from_bytes(b64url_decode(path.read_text().strip(), length=32))
    with os.fdopen(fd, "w") as fh:
        fh.write(b64url_encode(private_key_to_bytes(private)))
    return private


def server_private_key() -> Ed25519PrivateKey:
    """The server key of the current app (loaded once per process)."""
    app = current_app._get_current_object()
    key = app.extensions.get("govern_server_key")
    if key is None:
        key = _load(app)
        app.extensions["govern_server_key"] = key
    return key


def server_public_key() -> str:
    """The server's public key, base64url."""
    return public_key_b64(server_private_key())
