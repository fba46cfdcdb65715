"""govern/core stays plain Python: standard library, cryptography, rfc8785 and govern.core only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "govern" / "core"
ALLOWED_THIRD_PARTY = {"cryptography", "rfc8785"}


def imported_modules(path: Path, package: list[str] | None = None) -> list[tuple[int, str]]:
    """Every module imported by ``path`` as an absolute dotted name (relative imports resolved)."""
    if package is None:
        package = ["govern", *path.parent.relative_to(CORE.parent).parts]  # e.g. govern.core
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            found.append((node.lineno, module))
    return found


def is_allowed(module: str) -> bool:
    if not module:
        return False
    top = module.split(".")[0]
    if module == "govern.core" or module.startswith("govern.core."):
        return True
    return top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY or module == "__future__"


def test_core_imports_only_stdlib_crypto_and_itself():
    files = sorted(CORE.rglob("*.py"))
    assert files, "govern/core has no Python files"
    bad = [
        f"{f.relative_to(CORE.parent.parent)}:{line}: {mod}"
        for f in files
        for line, mod in imported_modules(f)
        if not is_allowed(mod)
    ]
    assert bad == []


def test_purity_checker_flags_flask_and_parent_package():
    assert not is_allowed("flask")
    assert not is_allowed("govern.extensions")
    assert not is_allowed("govern")
    assert not is_allowed("")
    assert is_allowed("govern.core.rules") and is_allowed("fractions") and is_allowed("cryptography.hazmat")


def test_purity_relative_import_resolved_against_package(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from . import rules\nfrom ..extensions import db\nimport flask.json\n", encoding="utf-8")
    mods = imported_modules(probe, ["govern", "core"])
    assert mods == [(1, "govern.core"), (2, "govern.extensions"), (3, "flask.json")]
    assert [is_allowed(m) for _, m in mods] == [True, False, False]
