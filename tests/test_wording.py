"""Plain, consistent Chinese: 您 throughout, and the browser's strings only in the gettext catalogs."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from govern import ROOT

CATALOGS = sorted((ROOT / "govern").glob("*/translations/zh_CN/LC_MESSAGES/messages.po"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
SCRIPTS = sorted((ROOT / "static" / "js").glob("*.js"))
CJK = re.compile(r"[\u4e00-\u9fff]")
NI = "\u4f60"  # the familiar "you", written escaped so that this file passes its own test


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_catalogs_address_the_owner_as_nin():
    assert CATALOGS
    found = []
    for po in CATALOGS:
        with po.open("rb") as fh:
            for msg in read_po(fh):
                strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
                found += [f"{_rel(po)}: {msg.id!r} -> {s}" for s in strings if s and NI in s]
    assert not found, "use \u60a8, not " + NI + ":\n" + "\n".join(found)


def test_templates_scripts_and_code_address_the_owner_as_nin():
    sources = TEMPLATES + SCRIPTS + sorted((ROOT / "govern").rglob("*.py"))
    found = [f"{_rel(p)}:{n}" for p in sources
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if NI in line]
    assert not found, "use \u60a8, not " + NI + ": " + ", ".join(found)


def test_browser_scripts_carry_no_dictionary_of_their_own():
    """The JS takes its text from the page (<script id="i18n">, rendered from gettext), never its own Chinese."""
    assert SCRIPTS
    found = [f"{_rel(p)}:{n}" for p in SCRIPTS
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if CJK.search(line)]
    assert not found, found


def test_ballot_page_strings_come_from_the_catalog(app):
    """The i18n block is rendered in the page's language from the catalogs."""
    with app.test_request_context("/"):
        from flask import render_template_string

        zh = render_template_string('{% include "meetings/_i18n.html" %}')
    assert "\\u60a8" in zh and "\\u4f60" not in zh  # the strings say 您, never the familiar form
    assert '"agree": "\\u540c\\u610f"' in zh  # 同意
