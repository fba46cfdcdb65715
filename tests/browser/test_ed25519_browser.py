"""The browser's strict Ed25519 (static/js/govern-sign.js) gives the server's verdict on every vector.

The twelve "Taming the many EdDSAs" vectors and honest signatures are checked inside Chromium with
both engines: WebCrypto (BoringSSL) and the @noble/ed25519 fallback. Neither is trusted alone:
Chromium's WebCrypto accepts vectors 0, 1, 2 and 11 (small-order or non-canonical points), and
noble's own strict verify accepts 2 (small-order R), 4 and 5 (cofactored equation).
"""

from __future__ import annotations

import pytest

from govern.core.canonical import canonical_bytes
from govern.core.keys import (
    SMALL_ORDER_ENCODINGS,
    b64url_decode,
    b64url_encode,
    private_key_from_bytes,
    public_key_b64,
    sign,
    signature_problem,
)
from tests.core.test_ed25519_strict import EXPECTED, VECTORS

pytestmark = pytest.mark.browser

ENGINES = ("webcrypto", "noble")


def _load(page, live_server):
    page.goto(live_server + "/login")
    page.evaluate("async () => { window.gs = await import('/static/js/govern-sign.js'); }")


def _cases():
    out = []
    for number in sorted(VECTORS):
        case = VECTORS[number]
        out.append({
            "number": number,
            "pub": b64url_encode(bytes.fromhex(case["pub_key"])),
            "sig": b64url_encode(bytes.fromhex(case["signature"])),
            "msg": case["message"],
        })
    return out


def test_small_order_list_same_as_server(page, live_server):
    _load(page, live_server)
    listed = page.evaluate("() => Array.from(window.gs.SMALL_ORDER_ENCODINGS)")
    assert {bytes.fromhex(h) for h in listed} == SMALL_ORDER_ENCODINGS
    assert len(listed) == 14


def test_taming_vectors_same_verdict_as_server_with_both_engines(page, live_server):
    _load(page, live_server)
    verdicts = page.evaluate(
        """async ([cases, engines]) => {
            const gs = window.gs, out = {};
            const hex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
            for (const engine of engines) {
                out[engine] = [];
                for (const c of cases) {
                    out[engine].push([await gs.signatureProblem(c.pub, hex(c.msg), c.sig, {engine}),
                                      await gs.verifyBytes(c.pub, hex(c.msg), c.sig, {engine})]);
                }
            }
            return out;
        }""",
        [_cases(), list(ENGINES)],
    )
    expected = [[EXPECTED[n][0], EXPECTED[n][0] is None] for n in sorted(VECTORS)]
    for engine in ENGINES:
        assert verdicts[engine] == expected, engine


def test_taming_vectors_default_engine_is_webcrypto_in_chromium(page, live_server):
    _load(page, live_server)
    assert page.evaluate("() => window.gs.hasWebCryptoEd25519()") is True


def test_vendored_noble_verify_alone_would_accept_vectors_govern_refuses(page, live_server):
    """Why signatureProblem does not call noble.verifyAsync: the pinned @noble/ed25519 3.2.0, even with
    {zip215: false}, accepts a small-order R (vector 2) and the cofactored-only vectors 4 and 5."""
    _load(page, live_server)
    accepted = page.evaluate(
        """async (cases) => {
            const noble = await import('/static/vendor/@noble/ed25519/index.js'), gs = window.gs, out = [];
            const hex = (h) => new Uint8Array(h.match(/../g).map((b) => parseInt(b, 16)));
            for (const c of cases) {
                let ok = false;
                try {
                    ok = await noble.verifyAsync(gs.b64urlDecode(c.sig), hex(c.msg), gs.b64urlDecode(c.pub),
                                                 {zip215: false});
                } catch (e) { ok = false; }
                if (ok) out.push(c.number);
            }
            return out;
        }""",
        _cases(),
    )
    assert accepted == [2, 3, 4, 5]
    assert [n for n in sorted(EXPECTED) if EXPECTED[n][0] is None] == [3]


def test_honest_signatures_verify_with_both_engines_and_tampering_fails(page, live_server):
    _load(page, live_server)
    cases = []
    for seed in range(6):
        private = private_key_from_bytes(bytes([seed + 1]) * 32)
        obj = {"type": "govern.receipt.v1", "meeting": str(seed), "position": seed}
        other = {**obj, "position": 99}
        cases.append({"pub": public_key_b64(private), "sig": sign(private, obj),
                      "text": canonical_bytes(obj).decode(), "other": canonical_bytes(other).decode()})
        assert signature_problem(cases[-1]["pub"], canonical_bytes(obj), cases[-1]["sig"]) is None
    out = page.evaluate(
        """async ([cases, engines]) => {
            const gs = window.gs, enc = new TextEncoder(), out = [];
            for (const engine of engines) {
                for (const c of cases) {
                    out.push([engine, await gs.signatureProblem(c.pub, enc.encode(c.text), c.sig, {engine}),
                              await gs.signatureProblem(c.pub, enc.encode(c.other), c.sig, {engine})]);
                }
            }
            return out;
        }""",
        [cases, list(ENGINES)],
    )
    assert out == [[engine, None, "invalid"] for engine in ENGINES for _ in cases]


def test_malformed_inputs_named_like_the_server(page, live_server):
    _load(page, live_server)
    private = private_key_from_bytes(bytes(range(32)))
    pub = public_key_b64(private)
    sig = sign(private, {"a": 1})
    raw = bytearray(bytes.fromhex(VECTORS[3]["signature"]))
    raw[63] |= 0xF0  # S far above L
    s_too_big = b64url_encode(bytes(raw))
    identity_r = b64url_encode(bytes([1]) + bytes(31) + b64url_decode(sig)[32:])
    pub3 = b64url_encode(bytes.fromhex(VECTORS[3]["pub_key"]))
    inputs = [["nonsense", sig], [pub, "A" * 85], [b64url_encode(bytes(32)), sig], [pub, identity_r], [pub3, s_too_big]]
    out = page.evaluate(
        """async (inputs) => Promise.all(inputs.map(
            ([p, s]) => window.gs.signatureProblem(p, new Uint8Array([1]), s)))""",
        inputs,
    )
    assert out == [signature_problem(p, b"\x01", s) for p, s in inputs]
    assert out == ["bad_key", "bad_signature_encoding", "weak_key", "weak_r", "s_not_reduced"]
