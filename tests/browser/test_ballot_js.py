"""The browser's canonical JSON, ballot builder and Ed25519 (static/js/govern-sign.js) agree with govern.core.

Runs the ES module inside Chromium (no Node): the page imports it from the live server, so the
vendored @noble/ed25519 and canonicalize files are exercised exactly as owners' phones load them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govern.core.ballot import build_ballot
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import (
    b64url_encode,
    key_fingerprint,
    private_key_from_bytes,
    public_key_b64,
    sign,
    verify,
)
from govern.core.ledger import receipt_object

pytestmark = pytest.mark.browser

CONTEXT = {
    "community": "12",
    "meeting": "345",
    "roll_hash": "ab" * 32,
    "voter": "p-7",
    "motions": ["10", "9", "101", "2"],
}
CHOICES = {"10": "agree", "9": "oppose", "101": "abstain", "2": "agree"}
ISSUED_AT = "2026-11-27T01:02:03Z"
NONCE = b64url_encode(bytes(range(16)))
SEED = bytes(range(100, 132))

# Key order by UTF-16 code units (not code points), escapes, non-ASCII, integers.
AWKWARD = {
    "b": "é中文\u2028\"\\\n\t\u0001",
    "a": 0,
    "\u20ac": -9007199254740991,
    "\U0001f600": "emoji key sorts by its surrogates",
    "\ufb01": "after the surrogates in UTF-16 order",
    "nested": {"z": [1, "x", {"y": True, "x": None}], "A": False},
}


def _load(page, live_server):
    page.goto(live_server + "/login")
    page.evaluate("async () => { window.gs = await import('/static/js/govern-sign.js'); }")


def test_canonical_awkward_object_matches_python(page, live_server):
    _load(page, live_server)
    text = page.evaluate("(o) => window.gs.canonicalText(o)", AWKWARD)
    assert text.encode("utf-8") == canonical_bytes(AWKWARD)


def test_canonical_float_refused_like_python(page, live_server):
    _load(page, live_server)
    err = page.evaluate(
        "() => { try { window.gs.canonicalText({a: 1.5}); return null; } catch (e) { return String(e); } }"
    )
    assert err and "float" in err
    with pytest.raises(TypeError):
        canonical_bytes({"a": 1.5})


def test_ballot_fixed_inputs_bytes_hash_and_signature_match_python(page, live_server):
    _load(page, live_server)
    seed_b64 = b64url_encode(SEED)
    out = page.evaluate(
        """async ([ctx, choices, issuedAt, nonce, seedB64]) => {
            const gs = window.gs;
            const ballot = gs.buildBallot(ctx, choices, {issuedAt, nonce});
            const bytes = gs.canonicalBytes(ballot);
            const seed = gs.b64urlDecode(seedB64, 32);
            const noble = await import('/static/vendor/@noble/ed25519/index.js');
            const pub = gs.b64urlEncode(await noble.getPublicKeyAsync(seed));
            return {
                ballot, text: new TextDecoder().decode(bytes),
                hash: await gs.sha256Hex(bytes),
                signature: await gs.signBytes({kind: 'noble', seed}, bytes),
                pub, fp: await gs.fingerprint(pub),
            };
        }""",
        [CONTEXT, CHOICES, ISSUED_AT, NONCE, seed_b64],
    )
    expected = build_ballot(community="12", meeting="345", roll_hash="ab" * 32, voter="p-7", choices=CHOICES,
                            issued_at=datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC), nonce=NONCE)
    assert out["ballot"] == expected
    assert out["text"].encode("utf-8") == canonical_bytes(expected)
    assert out["hash"] == sha256_hex(canonical_bytes(expected))
    private = private_key_from_bytes(SEED)
    assert out["pub"] == public_key_b64(private)
    assert out["fp"] == key_fingerprint(out["pub"])
    # Ed25519 is deterministic: the noble signature is byte-for-byte the one Python makes.
    assert out["signature"] == sign(private, expected)
    assert verify(out["pub"], expected, out["signature"])


def test_webcrypto_key_signature_verifies_in_python_and_key_not_extractable(page, live_server):
    _load(page, live_server)
    out = page.evaluate(
        """async ([ctx, choices]) => {
            const gs = window.gs;
            const key = await gs.generateDeviceKey();
            const ballot = gs.buildBallot(ctx, choices);
            const signature = await gs.signBytes(key, gs.canonicalBytes(ballot));
            let exported = 'exported';
            try { await crypto.subtle.exportKey('pkcs8', key.privateKey); } catch (e) { exported = e.name; }
            return {kind: key.kind, pub: key.publicKey, ballot, signature, exported,
                    ok: await gs.verifyBytes(key.publicKey, gs.canonicalBytes(ballot), signature)};
        }""",
        [CONTEXT, CHOICES],
    )
    assert out["kind"] == "webcrypto"  # Chromium has WebCrypto Ed25519
    assert out["exported"] == "InvalidAccessError"
    assert out["ok"] is True
    assert verify(out["pub"], out["ballot"], out["signature"])
    assert out["ballot"]["issued_at"].endswith("Z") and "." not in out["ballot"]["issued_at"]
    assert len(out["ballot"]["nonce"]) == 22


def test_receipt_signed_in_python_verifies_in_browser_and_tamper_fails(page, live_server):
    _load(page, live_server)
    private = private_key_from_bytes(SEED)
    obj = receipt_object("345", 3, "cd" * 32, "ef" * 32)
    sig = sign(private, obj)
    out = page.evaluate(
        """async ([pub, sig]) => {
            const gs = window.gs;
            const good = gs.canonicalBytes(gs.receiptObject('345', 3, 'cd'.repeat(32), 'ef'.repeat(32)));
            const bad = gs.canonicalBytes(
                gs.receiptObject('345', 4, 'cd'.repeat(32), 'ef'.repeat(32)));
            return [await gs.verifyBytes(pub, good, sig), await gs.verifyBytes(pub, bad, sig),
                    await gs.verifyBytes(pub, good, sig.slice(0, -2) + 'AA'),
                    await gs.verifyBytes('nonsense', good, sig)];
        }""",
        [public_key_b64(private), sig],
    )
    assert out == [True, False, False, False]


def test_ballot_builder_bad_choices_refused(page, live_server):
    _load(page, live_server)
    errors = page.evaluate(
        """([ctx]) => {
            const gs = window.gs, out = [];
            const cases = [{'10': 'agree'}, {'10': 'agree', '9': 'oppose', '101': 'abstain', '2': 'yes'},
                           {'10': 'agree', '9': 'oppose', '101': 'abstain', '2': 'agree', '77': 'agree'}];
            for (const c of cases) {
                try { gs.buildBallot(ctx, c); out.push(null); } catch (e) { out.push(String(e)); }
            }
            try {
                gs.buildBallot(ctx, {'10': 'agree', '9': 'oppose', '101': 'abstain', '2': 'agree'},
                               {issuedAt: '2026-11-27T01:02:03.123Z'});
                out.push(null);
            } catch (e) { out.push(String(e)); }
            return out;
        }""",
        [CONTEXT],
    )
    assert all(errors), errors


def test_b64url_decode_non_canonical_refused(page, live_server):
    _load(page, live_server)
    out = page.evaluate(
        """() => ['AB', 'AQ==', 'A+B/', 'AR', ''].map((t) => { try { window.gs.b64urlDecode(t); return 'ok'; }
                                                    catch (e) { return 'refused'; } })"""
    )
    # 'AB' has unused bits set (canonical is 'AA'); 'AR' likewise (canonical 'AQ').
    assert out == ["refused", "refused", "refused", "refused", "ok"]
