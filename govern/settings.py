"""Community settings: declared once, by the feature that reads them, with a default and a parser.

A feature declares each of its settings at import::

    QUIET_HOURS = settings.declare("delivery", "quiet_hours", "22:00-08:00", parse=_quiet_hours,
                                   doc="Quiet hours in Asia/Shanghai, HH:MM-HH:MM, or off.")

and reads it with ``settings.get(community, "quiet_hours")`` (or ``community.setting(key)``): the stored
value (``Community.settings_json``) through the parser, or the default when the community has none.
The parser also validates: ``validate(values)`` names every unknown key and every value a parser
refuses, so a settings form or import says what is wrong before anything is stored; a stored value
that no longer parses answers ``invalid_setting`` (409) instead of a wrong count or a 500.

Defaults live here and nowhere else: no call site adds its own ``or 15``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from govern.errors import DomainError


@dataclass(frozen=True)
class Setting:
    feature: str
    key: str
    default: Any
    parse: Callable[[Any], Any]
    doc: str


_REGISTRY: dict[str, Setting] = {}


def _as_is(value: Any) -> Any:
    return value


def declare(feature: str, key: str, default: Any, *, parse: Callable[[Any], Any] = _as_is, doc: str = "") -> Setting:
    """Declare one setting. Declaring a key twice (from two features, or with another default) is a bug."""
    spec = Setting(feature, key, default, parse, doc)
    known = _REGISTRY.get(key)
    if known is not None and (known.feature, known.default, known.doc) != (feature, default, doc):
        raise ValueError(f"community setting {key!r} is already declared by {known.feature}")
    _REGISTRY[key] = spec
    return spec


def declared() -> list[Setting]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.feature, s.key))


def get(community, key: str) -> Any:
    """The community's value of ``key``, parsed, or the declared default."""
    spec = _REGISTRY.get(key)
    if spec is None:
        raise KeyError(f"community setting {key!r} is not declared (settings.declare in its feature)")
    raw = (getattr(community, "settings_json", None) or {}).get(key)
    if raw is None:
        return spec.default
    try:
        return spec.parse(raw)
    except (TypeError, ValueError) as exc:
        raise DomainError("invalid_setting", _("The community setting %(key)s is invalid (%(error)s); the "
                                                "platform admin must correct it.", key=key, error=str(exc)),
                          status=409) from exc


def validate(values: dict) -> dict[str, str]:
    """``{key: problem}`` for each unknown key or refused value of ``values`` (empty: all good)."""
    problems = {}
    for key, raw in (values or {}).items():
        spec = _REGISTRY.get(key)
        if spec is None:
            problems[key] = "unknown setting"
            continue
        if raw is None:
            continue
        try:
            spec.parse(raw)
        except (TypeError, ValueError) as exc:
            problems[key] = str(exc) or "invalid value"
    return problems


# --- parsers shared by the declarations -----------------------------------------------------------------


def non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("a whole number is required")
    number = int(value)
    if number < 0:
        raise ValueError("a number of at least 0 is required")
    return number


def positive_int(value: Any) -> int:
    number = non_negative_int(value)
    if number < 1:
        raise ValueError("a number of at least 1 is required")
    return number


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("true or false is required")
    return value


def one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"one of {', '.join(choices)} is required")
        return str(value)

    return parse
