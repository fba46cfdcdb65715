"""Canonical JSON: the fast path (ASCII text, small integers) gives exactly the bytes of the rfc8785 package."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from govern.core.canonical import canonical_bytes

_ascii = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=12)
_any_text = st.text(max_size=8)
_ints = st.integers(min_value=-(2**60), max_value=2**60)
_leaves = st.one_of(st.none(), st.booleans(), _ints, _ascii, _any_text)
_json = st.recursive(
    _leaves,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(_ascii, _any_text), children, max_size=4)),
    max_leaves=20,
)


def _outcome(dumps, obj):
    try:
        return dumps(obj)
    except Exception as exc:  # rfc8785 refuses integers beyond 2**53 - 1: both paths must refuse alike
        return type(exc)


@settings(max_examples=600)
@given(_json)
def test_same_bytes_as_rfc8785(obj):
    assert _outcome(canonical_bytes, obj) == _outcome(rfc8785.dumps, obj)


def test_control_characters_and_quotes_escape_as_rfc8785():
    obj = {"b": "tab\there\nnew\x00nul\x1f\x7f\"q\"\\/", "a": [True, False, None, 0, -1, 2**53 - 1]}
    assert canonical_bytes(obj) == rfc8785.dumps(obj)
    assert canonical_bytes(obj).startswith(b'{"a":[true,false,null,0,-1,9007199254740991],"b":"tab\\there\\n')


def test_keys_sort_by_utf16_code_units_outside_the_fast_path():
    # U+FF61 sorts after U+1F600 by code point, before it by UTF-16 code units (a surrogate pair).
    obj = {"\U0001F600": 1, "\uff61": 2, "a": 3}
    assert canonical_bytes(obj) == rfc8785.dumps(obj)
    assert canonical_bytes(obj).index("\uff61".encode()) > canonical_bytes(obj).index("\U0001F600".encode())


def test_large_integers_and_floats():
    assert _outcome(canonical_bytes, {"n": 2**53}) is rfc8785.IntegerDomainError
    assert canonical_bytes({"n": 2**53 - 1}) == b'{"n":9007199254740991}'
    try:
        canonical_bytes({"x": 1.5})
    except TypeError:
        pass
    else:  # pragma: no cover - the assertion names the failure
        raise AssertionError("floats must be refused")
