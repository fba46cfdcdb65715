"""The verifier's fast, parallel pass: ledger lines hashed and their signatures checked in worker processes,
with a strict JSON reader and a fast RFC 8785 encoder for the common (ASCII, integer) case, and the roll's
digest computed without building the full roll where it can be."""


from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import os
import re
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from govern.core.archive import DuplicateKey, loads_strict
from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import verify, verify_bytes
from govern.core.ledger import CHAIN_V1, CHAIN_V2, LedgerEntry, digest_form
from govern.core.roll import ROLL_TYPE, Roll, RollPerson, roll_from_json, roll_hash, roll_problems

#: Below this many ledger entries verification stays in one process (starting workers costs more).
PARALLEL_THRESHOLD = 2000


# --------------------------------------------------------------------------- crypto pass (parallel)

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]")
_DUMPS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False).encode
#: JCS writes integers exactly only within the IEEE 754 safe range; rfc8785 refuses larger ones.
_MAX_INT_DIGITS = 15


class _NotCanonicalisable(ValueError):
    pass


def _needs_slow_path(data: bytes) -> bool:
    """True when JSON text may hold non-BMP characters (raw UTF-8, or escaped as surrogates).

    For those, code-point key order (Python) and UTF-16 key order (RFC 8785) may differ, so
    rfc8785 itself must canonicalise. Cheap for the usual ASCII text without escapes.
    """
    if not data.isascii() and max(data) >= 0xF0:
        return True
    return b"\\u" in data and _SURROGATE_ESCAPE.search(data) is not None


def _no_float(text: str) -> Any:
    raise _NotCanonicalisable(f"a non-integer number {text!r}: floats are never signed")


def _safe_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS and len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise _NotCanonicalisable(f"integer {text} is out of the signed range")
    return int(text)


def _strict_loads(line: bytes) -> Any:
    """``json.loads`` that refuses floats, NaN/Infinity and integers beyond 15 digits (never signed)."""
    return json.loads(line, parse_float=_no_float, parse_int=_safe_int, parse_constant=_no_float)


def _fast_canonical(obj: Any) -> bytes:
    """RFC 8785 bytes of JSON parsed by :func:`_strict_loads` from text without non-BMP characters.

    For such values (str keys, strings without lone surrogates, integers below 2**53, no
    floats) JCS is exactly sorted-key compact JSON with only ``"``, ``\\`` and control
    characters escaped, which the C encoder produces; ``tests/core/test_verify.py`` checks the
    equivalence against :func:`govern.core.canonical.canonical_bytes` property-wise.
    """
    return _DUMPS(obj).encode("utf-8")


def parse_canonical(raw: bytes) -> tuple[Any, str | None]:
    """Parse JSON text and say whether it is exactly its own RFC 8785 form.

    Returns ``(value, None)`` for canonical text, else ``(value, code)`` with ``code`` from
    :func:`form_problem`. Raises ``ValueError`` when ``raw`` is not JSON at all.
    """
    try:
        if _needs_slow_path(raw):
            raise _NotCanonicalisable("non-BMP text")
        obj = _strict_loads(raw)
        canon: bytes | None = _fast_canonical(obj)
    except _NotCanonicalisable:
        obj = json.loads(raw)
        try:
            canon = canonical_bytes(obj)
        except Exception:  # floats, integers beyond 2**53: no canonical form
            canon = None
    return obj, (None if canon == raw else form_problem(raw))


def form_problem(raw: bytes) -> str:
    """Why JSON text that is not its own canonical form is not: ``duplicate_json_key`` when an object
    repeats a key (another reader may keep the other value), else ``non_canonical_json``."""
    try:
        loads_strict(raw)
    except DuplicateKey:
        return "duplicate_json_key"
    except ValueError:
        pass
    return "non_canonical_json"


def _line_is_canonical(line: bytes, payload_bytes: bytes, ballot_bytes: bytes, entry: LedgerEntry, canon: Any) -> bool:
    """The ledger line is exactly the canonical bytes of its entry (a trailing CR is left to ``crlf``).

    Cheaper than encoding the entry again: the canonical entry is the canonical payload (already
    encoded for the chain hash) with ``,"chain_hash":"…"`` inserted after the top-level
    ``ballot_hash`` member, which ``"ballot":<ballot bytes>,"ballot_hash":<hash>`` locates (the top-level
    keys are exactly those of an entry, so ``chain_hash`` sorts right after ``ballot_hash``). Should
    the search land anywhere else, the result parses to another object than the line did, so it can
    never equal the line: a wrong match only makes a line fail, never pass.
    """
    if line.endswith(b"\r"):
        line = line[:-1]
    anchor = b'"ballot":' + ballot_bytes + b',"ballot_hash":' + canon(entry.ballot_hash)
    at = payload_bytes.find(anchor)
    if at < 0:
        return False
    at += len(anchor)
    return line == payload_bytes[:at] + b',"chain_hash":' + canon(entry.chain_hash) + payload_bytes[at:]


def _crypto_batch(lines: Sequence[bytes], chain: int = CHAIN_V1,
                  ) -> list[tuple[bool, bool, bool, bool | None, bool | None, bool]]:
    """The expensive, stateless part of checking ledger lines: hashes and signatures.

    Returns per line ``(ballot_hash ok, chain_hash ok, signature ok, delegation signature ok or
    None, attestation signature ok or None, line is canonical)``; a line that does not parse gives
    all ``False`` (the sequential pass names it). A line is canonical when it is exactly the RFC
    8785 bytes of its entry (a trailing CR is left to the file-level ``crlf`` check). ``chain``: the ledger's
    chain version (v2 hashes the entry's digest form, :func:`govern.core.ledger.digest_form`).
    """
    out: list[Any] = []
    for line in lines:
        try:
            if _needs_slow_path(line):
                obj = json.loads(line)
                canon = canonical_bytes
            else:
                obj = _strict_loads(line)
                canon = _fast_canonical
            entry = LedgerEntry.from_json(obj)
            ballot_bytes = canon(entry.ballot)
            payload = entry.payload()
            payload_bytes = canon(payload)
            canonical_ok = _line_is_canonical(line, payload_bytes, ballot_bytes, entry, canon)
            chained_bytes = canon(digest_form(payload)) if chain == CHAIN_V2 else payload_bytes
        except Exception:  # anything unparseable or uncanonicalisable is reported by the sequential pass
            out.append((False, False, False, None, None, False))
            continue
        prev = entry.prev_hash.encode("ascii", "replace")
        chain_ok = len(prev) == 64 and sha256_hex(prev + b"\n" + chained_bytes) == entry.chain_hash
        sig_ok = verify_bytes(entry.key_id, ballot_bytes, entry.signature)
        deleg_ok = att_ok = None
        if entry.delegation is not None:
            d = entry.delegation
            deleg_ok = verify(d.get("key_id"), d.get("object"), d.get("signature"))
        if entry.attestation is not None:
            a = entry.attestation
            att_ok = verify(a.get("key_id"), a.get("object"), a.get("signature"))
        out.append((sha256_hex(ballot_bytes) == entry.ballot_hash, chain_ok, sig_ok, deleg_ok, att_ok, canonical_ok))
    return out


#: A roll's persons as the sequential pass needs them: (person, area, casters, keys).
_LightPerson = tuple[str, int, tuple[str, ...], tuple[str, ...]]
_RollDigest = tuple[str | None, list[tuple[str, str]], bool, tuple[str, str, str, int, int, list[_LightPerson]] | None]

_ROLL_KEYS = frozenset({"type", "community", "meeting", "scope", "frozen_at", "total_area", "total_persons", "persons"})
_PERSON_KEYS = frozenset({"person", "area", "weight", "buildings", "casters", "keys", "identity"})
_PUBLIC_PERSON_KEYS = frozenset(_PERSON_KEYS - {"identity"} | {"identity_digest"})
_IDENTITY_KEYS = frozenset({"salt", "owners", "units"})
_UNIT_KEYS = frozenset({"unit", "building", "area", "area_source"})
_STR_ONLY = frozenset({str})


class _NotExact(Exception):
    """The roll is not in its exact documented shape: use the general (slower) path."""


def _str_tuple(value: Any) -> tuple[str, ...]:
    if type(value) is not list or not set(map(type, value)) <= _STR_ONLY:
        raise _NotExact
    return tuple(value)


def _roll_fast(obj: Any) -> _RollDigest:  # noqa: C901 - one unrolled pass over the roll: the verify hot path
    """:func:`_roll_digest` for a roll in exactly its documented shape, straight from the parsed JSON.

    Gives the same hash and problems as ``roll_hash(roll_from_json(obj))`` and
    ``roll_problems(...)`` (tests compare them) without building the roll's objects; raises
    :class:`_NotExact` on any deviation so that the general path decides.
    """
    if type(obj) is not dict or obj.keys() != _ROLL_KEYS or obj["type"] != ROLL_TYPE:
        raise _NotExact
    scope = obj["scope"]
    if type(scope) is not dict:
        raise _NotExact
    if scope == {"kind": "community"}:
        scope_buildings = None
    elif scope.keys() == {"kind", "buildings"} and scope["kind"] == "buildings":
        scope_buildings = set(_str_tuple(scope["buildings"]))
    else:
        raise _NotExact
    for key in ("community", "meeting", "frozen_at"):
        if type(obj[key]) is not str:
            raise _NotExact
    if type(obj["total_area"]) is not int or type(obj["total_persons"]) is not int or type(obj["persons"]) is not list:
        raise _NotExact
    form_persons = []
    light: list[_LightPerson] = []
    problems: list[tuple[str, str]] = []
    later: list[tuple[str, str]] = []
    seen_units: dict[str, str] = {}
    public = False
    total = 0
    for p in obj["persons"]:
        if type(p) is not dict:
            raise _NotExact
        keys = p.keys()
        pid, area, weight = p.get("person"), p.get("area"), p.get("weight")
        if type(pid) is not str or type(area) is not int or type(weight) is not int:
            raise _NotExact
        buildings = _str_tuple(p.get("buildings"))
        casters, pkeys = _str_tuple(p.get("casters")), _str_tuple(p.get("keys"))
        if keys == _PERSON_KEYS:
            ident = p["identity"]
            if type(ident) is not dict or ident.keys() != _IDENTITY_KEYS or type(ident["salt"]) is not str:
                raise _NotExact
            _str_tuple(ident["owners"])
            units = ident["units"]
            if type(units) is not list:
                raise _NotExact
            unit_area = 0
            unit_buildings = set()
            for u in units:
                if type(u) is not dict or u.keys() != _UNIT_KEYS or type(u["area"]) is not int:
                    raise _NotExact
                if type(u["unit"]) is not str or type(u["building"]) is not str or type(u["area_source"]) is not str:
                    raise _NotExact
                unit_area += u["area"]
                unit_buildings.add(u["building"])
            digest = sha256_hex(_fast_canonical(ident))
            if unit_area != area or sorted(unit_buildings) != list(buildings):
                later.append(("roll_area_mismatch", f"person {pid}: area or buildings differ from the units"))
            for u in units:
                if u["unit"] in seen_units:
                    later.append(("roll_unit_twice", f"unit {u['unit']} belongs to {seen_units[u['unit']]} and {pid}"))
                seen_units[u["unit"]] = pid
            form = dict(p)
            del form["identity"]
            form["identity_digest"] = digest
        elif keys == _PUBLIC_PERSON_KEYS and type(p["identity_digest"]) is str:
            public = True
            form = p
        else:
            raise _NotExact
        form_persons.append(form)
        light.append((pid, area, casters, pkeys))
        total += area
        if weight != 1:
            problems.append(("roll_weight", f"person {pid} has headcount weight {weight}, not 1"))
        if area <= 0:
            problems.append(("roll_area_mismatch", f"person {pid} has a non-positive area"))
        if scope_buildings is not None and not set(buildings) <= scope_buildings:
            problems.append(("roll_scope", f"person {pid} has a building outside the scope"))
    ids = [p[0] for p in light]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        problems.insert(0, ("roll_order", "persons must be sorted by id and unique"))
    if total != obj["total_area"] or len(light) != obj["total_persons"]:
        problems.append(("roll_totals_mismatch", "total_area/total_persons are not the sums over the persons"))
    digest_form = {**obj, "persons": form_persons}
    head = (obj["community"], obj["meeting"], obj["frozen_at"], obj["total_area"], obj["total_persons"], light)
    return sha256_hex(_fast_canonical(digest_form)), problems + later, public, head


@contextlib.contextmanager
def gc_paused() -> Any:
    """Pause the cyclic garbage collector while hundreds of thousands of acyclic objects are made.

    Its repeated scans of the growing heap cost about a quarter of a large verification;
    reference counting still frees everything, and the collector is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _roll_digest(raw: bytes) -> _RollDigest:
    """Read ``roll.json``'s bytes fully: ``(roll hash, consistency problems, is public edition, light roll)``.

    The hash is ``None`` when the roll cannot be read or canonicalised (the main pass names the
    problem). Runs in a worker for large records: the roll is the second most expensive file.
    """
    with gc_paused():
        return _roll_digest_inner(raw)


def _roll_digest_inner(raw: bytes) -> _RollDigest:
    """:func:`_roll_digest`, with a ``non_canonical_json`` / ``duplicate_json_key`` problem first when the
    bytes are not exactly the canonical form of the roll they parse to (checked on the same parse)."""
    if not _needs_slow_path(raw):
        try:
            obj = _strict_loads(raw)
        except ValueError:
            obj = None
        if obj is not None:
            form = None if _fast_canonical(obj) == raw else form_problem(raw)
            try:
                return _with_form(_roll_fast(obj), form)
            except _NotExact:
                pass
    digest = _roll_digest_parsed(raw)
    if digest[0] is None:
        return digest
    try:
        _, form = parse_canonical(raw)
    except ValueError:
        form = "non_canonical_json"
    return _with_form(digest, form)


def _with_form(digest: _RollDigest, form: str | None) -> _RollDigest:
    if form is None:
        return digest
    computed, problems, public, head = digest
    return computed, [(form, "roll.json is not exactly its RFC 8785 canonical form"), *problems], public, head


def _roll_digest_parsed(raw: bytes) -> _RollDigest:
    try:
        roll = roll_from_json(json.loads(raw))
        digest = roll_hash(roll)
    except Exception:  # malformed JSON, floats, out-of-range integers: the main pass names the problem
        return None, [], False, None
    light = [(p.person, p.area, p.casters, p.keys) for p in roll.persons]
    head = (roll.community, roll.meeting, roll.frozen_at, roll.total_area, roll.total_persons, light)
    return digest, roll_problems(roll), roll.is_public, head


def light_roll(head: tuple[str, str, str, int, int, list[_LightPerson]]) -> Roll:
    """The roll as the sequential checks need it (ids, areas, casters, keys; totals), from :func:`_roll_digest`."""
    community, meeting, frozen_at, total_area, total_persons, light = head
    persons = tuple(
        RollPerson(person=pid, area=area, casters=casters, keys=keys, buildings=())
        for pid, area, casters, keys in light
    )
    return Roll(community, meeting, frozen_at, persons, total_area, total_persons)


#: Data handed to forked workers by inheritance instead of pickling (see :class:`CryptoPass`).
_SHARED: dict[str, tuple[list[bytes], bytes | None, int]] = {}
#: ``None``: fork when this process has a single thread (cheapest), else spawn. Tests force either.
START_METHOD: str | None = None


def _shared_batch(token: str, start: int, end: int) -> list[Any]:
    return _crypto_batch(_SHARED[token][0][start:end], _SHARED[token][2])


def _shared_roll(token: str) -> _RollDigest:
    return _roll_digest(_SHARED[token][1] or b"")


def _start_method() -> str:
    if START_METHOD is not None:
        return START_METHOD
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


class CryptoPass:
    """Hashing and signature checks of the ledger (and the roll's hash and consistency), in worker processes.

    Ed25519 verification releases the GIL, but the JSON work around it does not, and the
    sequential checks run meanwhile in this process: worker processes keep both cores busy.
    Forked workers inherit the ledger lines (nothing is pickled); spawned ones, used when this
    process runs other threads, receive their batches. When this process has finished its own
    checks it takes batches still waiting in the queue (from the back) and does them itself,
    so no core idles at the end.
    """

    def __init__(self, lines: list[bytes], roll_raw: bytes | None, workers: int, chain: int = CHAIN_V1) -> None:
        self.lines = lines
        self.chain = chain
        self.roll_raw = roll_raw
        self.pool: ProcessPoolExecutor | None = None
        self.ranges: list[tuple[int, int]] = []
        self.futures: list[Any] = []
        self.roll_future: Any = None
        self.token = ""
        if workers > 1 and len(lines) >= PARALLEL_THRESHOLD:
            size = max(256, len(lines) // (workers * 16))
            self.ranges = [(i, min(i + size, len(lines))) for i in range(0, len(lines), size)]
            method = _start_method()
            self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method))
            if method == "fork":
                self.token = f"{os.getpid()}-{id(self)}"
                _SHARED[self.token] = (lines, roll_raw, chain)
                if roll_raw is not None:
                    self.roll_future = self.pool.submit(_shared_roll, self.token)
                self.futures = [self.pool.submit(_shared_batch, self.token, a, b) for a, b in self.ranges]
            else:
                if roll_raw is not None:
                    self.roll_future = self.pool.submit(_roll_digest, roll_raw)
                self.futures = [self.pool.submit(_crypto_batch, lines[a:b], chain) for a, b in self.ranges]

    def close(self) -> None:
        """Stop the workers and drop the shared data."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
        _SHARED.pop(self.token, None)

    def roll_digest(self) -> _RollDigest:
        """:func:`_roll_digest` of ``roll.json``."""
        if self.roll_future is not None:
            return self.roll_future.result()
        return _roll_digest(self.roll_raw or b"")

    def results(self) -> list[tuple[bool, bool, bool, bool | None, bool | None, bool]]:
        """Per ledger line, in order: ``(ballot_hash, chain_hash, signature, delegation, attestation, canonical)``
        ok flags."""
        if self.pool is None:
            return _crypto_batch(self.lines, self.chain)
        done: dict[int, list[Any]] = {}
        stealing = True
        while stealing:
            stealing = False
            for i in range(len(self.futures) - 1, -1, -1):
                if i not in done and self.futures[i].cancel():
                    a, b = self.ranges[i]
                    done[i] = _crypto_batch(self.lines[a:b], self.chain)
                    stealing = True
                    break
        try:
            return [item for i, f in enumerate(self.futures) for item in (done[i] if i in done else f.result())]
        finally:
            self.close()
