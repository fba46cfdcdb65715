"""Enums with labels: one place gives a status's value, its zh/en label, and what templates show.

Indico's ``RichEnum`` idea on ``StrEnum``: a member compares equal to its stored string (columns stay
``String``), and ``member.label`` is the translated label from the class's ``__labels__``::

    class SurveyStatus(RichEnum):
        __labels__ = {"draft": _l("Draft"), "open": _l("Open"), "closed": _l("Closed")}
        DRAFT = "draft"
        ...

Templates show any labelled value with ``{{ value|label("survey_status") }}`` (the enum's registered
name), whether ``value`` is a member or the plain string a column holds.
"""

from __future__ import annotations

from enum import StrEnum

from flask import Flask
from flask_babel import lazy_gettext as _l

#: Labelled enums by the name templates use.
REGISTRY: dict[str, type[RichEnum]] = {}


class RichEnum(StrEnum):
    @property
    def label(self) -> str:
        return str(type(self).__labels__[self.value])

    @classmethod
    def label_of(cls, value) -> str:
        """The label of ``value`` (a member or its string); an unknown value is shown as it is."""
        key = getattr(value, "value", value)
        label = cls.__dict__.get("__labels__", {}).get(key)
        return str(label) if label is not None else str(key or "")

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        """``(value, lazy label)`` pairs for a form's choices, in declaration order."""
        return [(m.value, cls.__labels__[m.value]) for m in cls]

    @classmethod
    def labels(cls) -> dict[str, object]:
        return {m.value: cls.__labels__[m.value] for m in cls}


def labelled(name: str):
    """Register a RichEnum under ``name`` for the ``label`` template filter; every member needs a label."""

    def register(cls: type[RichEnum]) -> type[RichEnum]:
        missing = [m.value for m in cls if m.value not in cls.__dict__.get("__labels__", {})]
        if missing:
            raise TypeError(f"{cls.__name__}: no label for {missing}")
        if REGISTRY.get(name, cls) is not cls:
            raise ValueError(f"an enum is already registered as {name!r}")
        REGISTRY[name] = cls
        return cls

    return register


@labelled("matter")
class MatterClass(RichEnum):
    """The matter class of a motion (Civil Code arts. 278/279); values are ``govern.core.rules.Matter``'s."""

    __labels__ = {
        "ordinary": _l("Ordinary matter: more than half of the participating area and persons (art. 278)"),
        "major": _l("Major matter: three quarters of the participating area and persons (art. 278)"),
        "unanimous_interested": _l("Every interested owner must agree (art. 279)"),
    }
    ORDINARY = "ordinary"
    MAJOR = "major"
    UNANIMOUS_INTERESTED = "unanimous_interested"


def init_app(app: Flask) -> None:
    @app.template_filter("label")
    def _label(value, name: str) -> str:
        return REGISTRY[name].label_of(value)
