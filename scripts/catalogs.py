#!/usr/bin/env python3
"""Translation catalogs, one per feature: govern/<feature>/translations/zh_CN/LC_MESSAGES/messages.po.

English is the source language; zh_CN is the default interface language. Flask-Babel merges
every feature's catalog (see ``govern.translation_directories``).

    python scripts/catalogs.py update FEATURE   # extract FEATURE's strings and merge them into its .po
    python scripts/catalogs.py compile          # compile every .po to .mo (run by `make install`)
    python scripts/catalogs.py check            # fail when a .po has untranslated or fuzzy entries

FEATURE ``home`` also owns the shared pieces: govern/*.py, templates/*.html, templates/errors/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = [sys.executable, "-m", "babel.messages.frontend"]
KEYWORDS = ["-k", "_l", "-k", "lazy_gettext", "-k", "N_", "-k", "ngettext:1,2", "-k", "lazy_ngettext:1,2"]


def sources(feature: str) -> list[str]:
    paths = [ROOT / "govern" / feature, ROOT / "templates" / feature]
    if feature == "home":
        paths += [p for p in (ROOT / "govern").glob("*.py")] + [p for p in (ROOT / "templates").glob("*.html")]
        paths += [ROOT / "templates" / "errors", ROOT / "govern" / "api"]
    return [str(p.relative_to(ROOT)) for p in paths if p.exists()]


def update(feature: str) -> None:
    tdir = ROOT / "govern" / feature / "translations"
    tdir.mkdir(parents=True, exist_ok=True)
    pot = tdir / "messages.pot"
    subprocess.run([*PYBABEL, "extract", "-F", "babel.cfg", *KEYWORDS, "--no-location", "--sort-output",
                    "--omit-header", "-o", str(pot), *sources(feature)], check=True, cwd=ROOT)
    po = tdir / "zh_CN" / "LC_MESSAGES" / "messages.po"
    if po.exists():
        subprocess.run([*PYBABEL, "update", "-i", str(pot), "-d", str(tdir), "-l", "zh_CN", "--no-fuzzy-matching",
                        "--ignore-obsolete"], check=True, cwd=ROOT)
    else:
        subprocess.run([*PYBABEL, "init", "-i", str(pot), "-d", str(tdir), "-l", "zh_CN"], check=True, cwd=ROOT)
    pot.unlink()
    print(f"updated {po.relative_to(ROOT)}")


def catalogs() -> list[Path]:
    return sorted((ROOT / "govern").glob("*/translations/zh_CN/LC_MESSAGES/messages.po"))


#: Babel parses "zh_CN" into Locale zh_Hans_CN, and gettext then looks for a "zh_Hans_CN" folder, so the
#: sources stay under zh_CN (as translators expect) and the compiled catalog goes where gettext looks.
COMPILED_LOCALE_DIR = "zh_Hans_CN"


def compile_all() -> None:
    for po in catalogs():
        out = po.parents[2] / COMPILED_LOCALE_DIR / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([*PYBABEL, "compile", "-i", str(po), "-o", str(out), "-l", "zh_CN", "--use-fuzzy"],
                       check=True, capture_output=True)
    print(f"compiled {len(catalogs())} catalog(s)")


def check() -> int:
    """Every entry translated, and no msgid translated two ways in two catalogs.

    Flask-Babel merges the feature catalogs into one, so when two catalogs translate the same
    English string differently, one of them silently wins on every page.
    """
    from babel.messages.pofile import read_po

    bad = 0
    seen: dict[object, tuple[object, Path]] = {}
    for po in catalogs():
        with po.open("rb") as fh:
            cat = read_po(fh)
        for msg in cat:
            if not msg.id:
                continue
            strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
            if not all(strings) or msg.fuzzy:
                print(f"{po.relative_to(ROOT)}: untranslated or fuzzy: {msg.id!r}")
                bad += 1
                continue
            key = (msg.id, msg.context)
            if key in seen and seen[key][0] != msg.string:
                other_string, other_po = seen[key]
                print(f"{po.relative_to(ROOT)}: {msg.id!r} is {msg.string!r} here but {other_string!r} in "
                      f"{other_po.relative_to(ROOT)}")
                bad += 1
            seen.setdefault(key, (msg.string, po))
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "update":
        for feature in argv[1:]:
            update(feature)
        return 0
    if argv == ["compile"]:
        compile_all()
        return 0
    if argv == ["check"]:
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
