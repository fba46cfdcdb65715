"""The frozen eligibility roll of a meeting (R4–R6, R14) and its hash.

JSON form (``roll.json``; areas are integers in hundredths of a m²)::

    {"type": "govern.roll.v1", "community": "12", "meeting": "345",
     "scope": {"kind": "community"} | {"kind": "buildings", "buildings": ["1", "2"]},
     "frozen_at": "2025-03-01T00:00:00Z", "total_area": 200000, "total_persons": 15,
     "persons": [                                   # sorted by "person"
       {"person": "p-3f9a2c71d04e5b6a7c8d",        # the id ballots carry as "voter"
        "area": 30000, "weight": 1, "buildings": ["1"],
        "casters": ["17"],                          # accounts that may cast for this person (R4c)
        "keys": ["<b64url public key>"],            # the casters' active keys at freeze time
        "identity": {"salt": "<b64url 16 bytes>", "owners": ["A"],
                     "units": [{"unit": "101", "building": "1", "area": 8000, "area_source": "register"}]}}]}

``identity`` says who the person is. The public edition of a record replaces it with
``"identity_digest": sha256_hex(canonical_bytes(identity))``; the salt keeps the digest from
being guessed from the (public) house numbers and areas.

``roll_hash`` is the hex SHA-256 of the canonical bytes of the roll in **digest form** (every
``identity`` replaced by its ``identity_digest``), so both editions give the same hash and
every ballot's signed ``roll_hash`` checks against either.

Person ids should be opaque per-meeting pseudonyms (:func:`person_pseudonym`): a ballot signs
its ``voter``, so whatever id the roll uses is what the public record shows beside the choices.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govern.core.canonical import canonical_bytes, sha256_hex
from govern.core.keys import b64url_encode

__all__ = [
    "ROLL_TYPE",
    "Roll",
    "RollPerson",
    "RollUnit",
    "build_roll",
    "identity_digest",
    "new_salt",
    "person_pseudonym",
    "roll_from_json",
    "roll_hash",
    "roll_problems",
    "roll_to_json",
]

ROLL_TYPE = "govern.roll.v1"


@dataclass(frozen=True)
class RollUnit:
    """A unit counted for a person: its exclusive area (hundredths of a m²) and where the area comes from (R2)."""

    unit: str
    building: str
    area: int
    area_source: str = "register"

    def to_json(self) -> dict[str, Any]:
        """``{"unit", "building", "area", "area_source"}``."""
        return {"unit": self.unit, "building": self.building, "area": self.area, "area_source": self.area_source}


@dataclass(frozen=True)
class RollPerson:
    """One voting person on the frozen roll.

    ``identity`` is ``None`` in a public edition, where only ``identity_digest`` remains.
    """

    person: str
    area: int
    casters: tuple[str, ...]
    keys: tuple[str, ...]
    buildings: tuple[str, ...]
    weight: int = 1
    owners: tuple[str, ...] = ()
    units: tuple[RollUnit, ...] = ()
    salt: str = ""
    #: Set for a public-edition person (identity redacted); otherwise computed from the identity.
    redacted_digest: str | None = None

    @property
    def is_redacted(self) -> bool:
        """True in a public edition: the identity is only known by its digest."""
        return self.redacted_digest is not None

    def identity(self) -> dict[str, Any]:
        """The ``identity`` object (salt, owners, units)."""
        return {"salt": self.salt, "owners": list(self.owners), "units": [u.to_json() for u in self.units]}

    def digest(self) -> str:
        """``identity_digest`` of this person."""
        return self.redacted_digest if self.redacted_digest is not None else identity_digest(self.identity())

    def to_json(self, *, public: bool = False) -> dict[str, Any]:
        """The JSON form; ``public=True`` writes ``identity_digest`` in place of ``identity``."""
        out: dict[str, Any] = {
            "person": self.person,
            "area": self.area,
            "weight": self.weight,
            "buildings": list(self.buildings),
            "casters": list(self.casters),
            "keys": list(self.keys),
        }
        if public or self.is_redacted:
            out["identity_digest"] = self.digest()
        else:
            out["identity"] = self.identity()
        return out


@dataclass(frozen=True)
class Roll:
    """The frozen roll of one meeting's scope, with totals ``T_area`` and ``T_count`` (R5)."""

    community: str
    meeting: str
    frozen_at: str
    persons: tuple[RollPerson, ...]
    total_area: int
    total_persons: int
    #: ``None``: the whole community; else the buildings of the scope.
    buildings: tuple[str, ...] | None = None
    _by_id: Mapping[str, RollPerson] = field(default_factory=dict, repr=False, compare=False)

    def person(self, person_id: str) -> RollPerson | None:
        """The person with this id, or ``None`` when not on the roll."""
        if not self._by_id:
            object.__setattr__(self, "_by_id", {p.person: p for p in self.persons})
        return self._by_id.get(person_id)

    @property
    def is_public(self) -> bool:
        """True when every identity is redacted."""
        return any(p.is_redacted for p in self.persons)

    def scope_json(self) -> dict[str, Any]:
        """``{"kind": "community"}`` or ``{"kind": "buildings", "buildings": [...]}``."""
        if self.buildings is None:
            return {"kind": "community"}
        return {"kind": "buildings", "buildings": list(self.buildings)}


def person_pseudonym(secret: bytes, meeting: str, register_person_id: str) -> str:
    """A stable, opaque per-meeting person id: ``"p-"`` + 20 hex of HMAC-SHA256(secret, meeting NUL person).

    The same person gets the same id throughout one meeting and unrelated ids in other
    meetings; without ``secret`` (keep one per deployment, or per meeting) it cannot be
    reversed by trying the register's ids.
    """
    mac = hmac.new(secret, meeting.encode() + b"\x00" + register_person_id.encode(), hashlib.sha256)
    return "p-" + mac.hexdigest()[:20]


def identity_digest(identity: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical bytes of an ``identity`` object."""
    return sha256_hex(canonical_bytes(identity))


def build_roll(
    *,
    community: str,
    meeting: str,
    frozen_at: str,
    persons: Iterable[RollPerson],
    buildings: Collection[str] | None = None,
) -> Roll:
    """Freeze a roll: persons sorted by id, totals computed (``T_area`` = summed areas, ``T_count`` = persons).

    Raises ``ValueError`` on a duplicate person id or a non-positive area.
    """
    ordered = sorted(persons, key=lambda p: p.person)
    ids = [p.person for p in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate person id on the roll")
    if any(type(p.area) is not int or p.area <= 0 for p in ordered):
        raise ValueError("every person needs a positive integer area")
    return Roll(
        community=community,
        meeting=meeting,
        frozen_at=frozen_at,
        persons=tuple(ordered),
        total_area=sum(p.area for p in ordered),
        total_persons=len(ordered),
        buildings=None if buildings is None else tuple(sorted(buildings)),
    )


def roll_to_json(roll: Roll, *, public: bool = False) -> dict[str, Any]:
    """The JSON form; ``public=True`` redacts every identity to its digest (same :func:`roll_hash`)."""
    return {
        "type": ROLL_TYPE,
        "community": roll.community,
        "meeting": roll.meeting,
        "scope": roll.scope_json(),
        "frozen_at": roll.frozen_at,
        "total_area": roll.total_area,
        "total_persons": roll.total_persons,
        "persons": [p.to_json(public=public) for p in roll.persons],
    }


def roll_hash(roll: Roll | Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical bytes of the roll in digest form (identical for both editions)."""
    if isinstance(roll, Roll):
        return sha256_hex(canonical_bytes(roll_to_json(roll, public=True)))
    return roll_hash(roll_from_json(roll))


_ONLY_STR = frozenset({str})


def _str_list(value: Any, name: str) -> tuple[str, ...]:
    if type(value) is not list or not set(map(type, value)) <= _ONLY_STR:
        raise ValueError(f"{name} must be a list of strings")
    return tuple(value)


def _int(value: Any, name: str) -> int:
    if type(value) is not int:
        raise ValueError(f"{name} must be an integer")
    return value


def roll_from_json(obj: Any) -> Roll:
    """Read ``roll.json`` (either edition); ``ValueError`` on any structural error."""
    if not isinstance(obj, Mapping) or obj.get("type") != ROLL_TYPE:
        raise ValueError("not a govern.roll.v1 object")
    scope = obj.get("scope")
    if not isinstance(scope, Mapping) or scope.get("kind") not in ("community", "buildings"):
        raise ValueError("bad scope")
    buildings = _str_list(scope.get("buildings"), "scope.buildings") if scope["kind"] == "buildings" else None
    persons = []
    if not isinstance(obj.get("persons"), list):
        raise ValueError("persons must be a list")
    for p in obj["persons"]:
        if not isinstance(p, Mapping) or not isinstance(p.get("person"), str):
            raise ValueError("each person needs a string id")
        common = {
            "person": p["person"],
            "area": _int(p.get("area"), "area"),
            "weight": _int(p.get("weight"), "weight"),
            "buildings": _str_list(p.get("buildings"), "buildings"),
            "casters": _str_list(p.get("casters"), "casters"),
            "keys": _str_list(p.get("keys"), "keys"),
        }
        if "identity" in p:
            ident = p["identity"]
            if not isinstance(ident, Mapping) or not isinstance(ident.get("salt"), str) or not isinstance(
                ident.get("units"), list
            ):
                raise ValueError("bad identity")
            units = []
            for u in ident["units"]:
                if not (
                    isinstance(u, Mapping)
                    and type(u.get("unit")) is str
                    and type(u.get("building")) is str
                    and type(u.get("area_source")) is str
                ):
                    raise ValueError("bad unit")
                units.append(RollUnit(u["unit"], u["building"], _int(u.get("area"), "unit area"), u["area_source"]))
            persons.append(
                RollPerson(**common, owners=_str_list(ident.get("owners"), "owners"), units=tuple(units),
                           salt=ident["salt"])
            )
        elif isinstance(p.get("identity_digest"), str):
            persons.append(RollPerson(**common, redacted_digest=p["identity_digest"]))
        else:
            raise ValueError("each person needs identity or identity_digest")
    for key in ("community", "meeting", "frozen_at"):
        if not isinstance(obj.get(key), str):
            raise ValueError(f"{key} must be a string")
    return Roll(
        community=obj["community"],
        meeting=obj["meeting"],
        frozen_at=obj["frozen_at"],
        persons=tuple(persons),
        total_area=_int(obj.get("total_area"), "total_area"),
        total_persons=_int(obj.get("total_persons"), "total_persons"),
        buildings=buildings,
    )


def roll_problems(roll: Roll) -> list[tuple[str, str]]:
    """Internal consistency of a roll as ``(code, message)`` pairs; empty when consistent.

    Always checked: persons sorted and unique (``roll_order``), weight 1 (``roll_weight``),
    positive areas, totals equal the sums (``roll_totals_mismatch``), persons inside the scope
    (``roll_scope``). With identities (auditor edition): each person's area is the sum of its
    units' areas and its buildings those of its units (``roll_area_mismatch``), and no unit
    belongs to two persons (``roll_unit_twice``).
    """
    out: list[tuple[str, str]] = []
    ids = [p.person for p in roll.persons]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        out.append(("roll_order", "persons must be sorted by id and unique"))
    for p in roll.persons:
        if p.weight != 1:
            out.append(("roll_weight", f"person {p.person} has headcount weight {p.weight}, not 1"))
        if p.area <= 0:
            out.append(("roll_area_mismatch", f"person {p.person} has a non-positive area"))
        if roll.buildings is not None and not set(p.buildings) <= set(roll.buildings):
            out.append(("roll_scope", f"person {p.person} has a building outside the scope"))
    if sum(p.area for p in roll.persons) != roll.total_area or len(roll.persons) != roll.total_persons:
        out.append(("roll_totals_mismatch", "total_area/total_persons are not the sums over the persons"))
    seen_units: dict[str, str] = {}
    for p in roll.persons:
        if p.is_redacted:
            continue
        if sum(u.area for u in p.units) != p.area or sorted({u.building for u in p.units}) != list(p.buildings):
            out.append(("roll_area_mismatch", f"person {p.person}: area or buildings differ from the units"))
        for u in p.units:
            if u.unit in seen_units:
                out.append(("roll_unit_twice", f"unit {u.unit} belongs to {seen_units[u.unit]} and {p.person}"))
            seen_units[u.unit] = p.person
    return out


def new_salt(randbytes: Callable[[int], bytes]) -> str:
    """A fresh identity salt (16 random bytes, base64url) from ``randbytes``."""
    return b64url_encode(randbytes(16))

