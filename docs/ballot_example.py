"""Print the worked example of docs/ballot-format.md (``.venv/bin/python docs/ballot_example.py``).

The key is a fixed TEST key (seed = 32 bytes 0x01..0x20): never use it for anything real.
tests/core/test_ballot.py recomputes every value printed here from the document itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govern.core.ballot import ballot_hash  # noqa: E402
from govern.core.canonical import canonical_bytes  # noqa: E402
from govern.core.keys import b64url_encode, private_key_from_bytes, public_key_b64, sign  # noqa: E402
from govern.core.ledger import make_receipt  # noqa: E402

SEED = bytes(range(1, 33))
SERVER_SEED = bytes(range(33, 65))
BALLOT = {
    "type": "govern.ballot.v1",
    "community": "12",
    "meeting": "345",
    "roll_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "voter": "p-3f9a2c71d04e5b6a7c8d",
    "choices": {"1": "agree", "2": "abstain", "10": "oppose"},
    "issued_at": "2025-03-21T08:00:00.000Z",
    "nonce": b64url_encode(bytes(range(16))),
}


def main() -> None:
    key = private_key_from_bytes(SEED)
    server = private_key_from_bytes(SERVER_SEED)
    h = ballot_hash(BALLOT)
    chain = "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce"
    receipt = make_receipt(server, "345", 7, h, chain)
    print("private key seed (hex):", SEED.hex())
    print("public key:", public_key_b64(key))
    print("canonical bytes:", canonical_bytes(BALLOT).decode())
    print("ballot_hash:", h)
    print("signature:", sign(key, BALLOT))
    print("server seed (hex):", SERVER_SEED.hex())
    print("server public key:", public_key_b64(server))
    print("receipt:", receipt)


if __name__ == "__main__":
    main()
