"""Strict base64url, Ed25519 signatures over canonical JSON, fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govern.core.keys import (
    b64url_decode,
    b64url_encode,
    generate_keypair,
    is_public_key,
    key_fingerprint,
    private_key_from_bytes,
    private_key_to_bytes,
    public_key_b64,
    sign,
    verify,
)

KEY = private_key_from_bytes(bytes(range(32)))
PUB = public_key_b64(KEY)


@given(st.binary(max_size=100))
def test_b64url_roundtrip_any_bytes_identical(data):
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data


@pytest.mark.parametrize(
    "text",
    ["AAA=", "AA+A", "AA/A", "AA A", "A", "AAAAA", "AB", "AAB", " AAAA", "AAAA\n", "ÄAAA"],
)
def test_b64url_decode_non_canonical_refused(text):
    with pytest.raises(ValueError):
        b64url_decode(text)


def test_b64url_decode_wrong_length_refused():
    with pytest.raises(ValueError):
        b64url_decode(b64url_encode(b"x" * 31), length=32)


def test_b64url_decode_non_string_refused():
    with pytest.raises(ValueError):
        b64url_decode(b"AAAA")  # type: ignore[arg-type]


def test_sign_then_verify_same_object_true():
    obj = {"b": 1, "a": "中文"}
    sig = sign(KEY, obj)
    assert len(sig) == 86
    assert verify(PUB, {"a": "中文", "b": 1}, sig)


def test_verify_altered_object_false():
    sig = sign(KEY, {"a": 1})
    assert not verify(PUB, {"a": 2}, sig)


def test_verify_other_key_false():
    _, other = generate_keypair()
    assert not verify(other, {"a": 1}, sign(KEY, {"a": 1}))


@pytest.mark.parametrize(
    "pub, sig",
    [
        (None, None),
        ("", ""),
        ("not a key", "AAAA"),
        (PUB, "A" * 85),
        (PUB, "A" * 86 + "="),
        (PUB, 12),
        (PUB[:-1], "A" * 86),
        (b"raw", "A" * 86),
    ],
)
def test_verify_malformed_input_false_without_raising(pub, sig):
    assert verify(pub, {"a": 1}, sig) is False


def test_verify_float_object_false():
    assert verify(PUB, {"a": 1.5}, sign(KEY, {"a": 1})) is False


def test_private_key_bytes_roundtrip_same_public_key():
    assert public_key_b64(private_key_from_bytes(private_key_to_bytes(KEY))) == PUB


def test_private_key_from_bytes_wrong_length_refused():
    with pytest.raises(ValueError):
        private_key_from_bytes(b"short")


def test_key_fingerprint_format_four_groups_of_four_hex():
    fp = key_fingerprint(PUB)
    groups = fp.split(" ")
    assert len(groups) == 4 and all(len(g) == 4 for g in groups)
    assert fp == key_fingerprint(PUB)
    assert fp != key_fingerprint(generate_keypair()[1])


def test_key_fingerprint_not_a_key_refused():
    with pytest.raises(ValueError):
        key_fingerprint("abc")


def test_is_public_key_various_inputs_classified():
    assert is_public_key(PUB)
    assert not is_public_key(PUB + "A")
    assert not is_public_key(None)


@given(st.binary(max_size=40), st.integers(0, 63))
def test_b64url_decode_canonical_iff_reencodes(data, index):
    """The strict decoder accepts exactly the spellings that re-encode to themselves."""
    import base64

    text = b64url_encode(data)
    if not text:
        return
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    variant = text[:-1] + alphabet[index]
    decoded = base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4))
    canonical = b64url_encode(decoded) == variant
    try:
        assert b64url_decode(variant) == decoded
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is canonical
