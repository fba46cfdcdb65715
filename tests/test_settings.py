"""Community settings are declared once, with defaults and validation (govern/settings.py)."""

from __future__ import annotations

import ast
from fractions import Fraction
from pathlib import Path

import pytest

from govern import settings
from govern.errors import DomainError
from govern.extensions import db
from govern.register.models import Community

ROOT = Path(__file__).resolve().parent.parent


def _read_keys() -> dict[str, list[str]]:
    """Every literal key read with ``setting(…, "key")``, ``community.setting("key")`` or ``settings.get``."""
    keys: dict[str, list[str]] = {}
    for path in sorted((ROOT / "govern").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("setting", "get") or (name == "get" and ast.unparse(node.func) != "settings.get"):
                continue
            literal = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if literal:
                keys.setdefault(literal[-1], []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return keys


def test_every_setting_read_is_declared(app):
    keys = _read_keys()
    assert {"quiet_hours", "notice_days", "committee_rule", "cosign_threshold_percent"} <= set(keys)
    declared = {s.key for s in settings.declared()}
    assert not set(keys) - declared, {k: keys[k] for k in set(keys) - declared}


def test_each_setting_has_a_feature_a_default_that_parses_and_a_doc(app):
    for spec in settings.declared():
        assert spec.doc, spec.key
        if spec.default is not None:
            assert spec.parse(spec.default) == spec.default, spec.key


def test_defaults_apply_and_stored_values_are_parsed(app, factory):
    cid = factory.community()
    with app.app_context():
        community = db.session.get(Community, cid)
        assert community.setting("notice_days") == 15
        assert community.setting("proxy_cap") == 3
        assert settings.get(community, "cosign_threshold_percent") == 5
        community.settings_json = {"cosign_threshold_percent": "62.5", "notice_days": "20",
                                   "service_sla": {"repair": [4, 48]}}
        assert settings.get(community, "cosign_threshold_percent") == Fraction(125, 2)
        assert community.setting("notice_days") == 20
        assert settings.get(community, "service_sla")["repair"] == (4, 48)
        assert settings.get(community, "service_sla")["suggestion"] == (72, 240)  # the rest stays default


def test_an_invalid_stored_value_is_a_clear_refusal_not_a_wrong_count(app, factory):
    cid = factory.community()
    with app.app_context():
        community = db.session.get(Community, cid)
        community.settings_json = {"committee_rule": "two_thirds"}
        with pytest.raises(DomainError) as exc:
            community.setting("committee_rule")
        assert exc.value.code == "invalid_setting" and exc.value.status == 409
        assert "committee_rule" in exc.value.message


def test_validate_names_unknown_keys_and_refused_values(app):
    problems = settings.validate({"quiet_hours": "22-8", "notice_days": 0, "proxy_cap": 5, "colour": "red",
                                  "public_record_for_owners": "yes", "cosign_threshold_percent": 120})
    assert set(problems) == {"quiet_hours", "notice_days", "colour", "public_record_for_owners",
                             "cosign_threshold_percent"}
    assert problems["colour"] == "unknown setting"
    assert settings.validate({"quiet_hours": "off", "committee_rule": "half_or_more"}) == {}


def test_a_key_cannot_be_declared_twice(app):
    with pytest.raises(ValueError, match="already declared"):
        settings.declare("surveys", "quiet_hours", "23:00-07:00")
    with pytest.raises(KeyError):
        settings.get(None, "not_a_setting")
