"""One vocabulary of error codes: every code the application raises is listed in govern/codes.py,
is snake_case, and is documented in docs/error-codes.md with the same status.

The raised codes are read from the source (an AST walk over govern/): the first argument of
``DomainError`` and its subclasses, of the cast and record refusal helpers (``refuse``, ``_reject``),
the code argument of ``api_error``, the HTTP fallback codes, and ``govern.core.ballot.Rejection``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from govern.codes import CODES
from govern.core.ballot import Rejection
from govern.errors import _HTTP_CODES

ROOT = Path(__file__).resolve().parent.parent
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
#: Functions that build a refusal from a code in their first argument (besides the DomainError classes).
REFUSERS = {"refuse", "_reject", "_refuse"}
#: Non-literal first arguments that only forward a code: the helper's own parameter, a caught error's code,
#: a cast check's ``Rejection`` (all of whose values are checked below).
FORWARDED = {"code", "err.code", "str(result.code)"}
#: Module-level tables ``{code: message}`` whose keys a refusal raises through a variable (key enrolment's
#: proof checks): each key counts as raised there.
REFUSAL_TABLES = {"_PROOF_ERRORS"}
STATUS_BY_CLASS = {"DomainError": 400, "NotFound": 404, "Forbidden": 403, "Conflict": 409}


def _sources(root: Path = ROOT):
    for path in sorted((root / "govern").rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _error_classes(root: Path = ROOT) -> dict[str, int | None]:
    """DomainError and every subclass defined in govern/, with its class-level status where it sets one."""
    classes: dict[str, int | None] = dict(STATUS_BY_CLASS)
    changed = True
    trees = [t for _, t in _sources(root)]
    while changed:
        changed = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes and any(
                        getattr(b, "id", getattr(b, "attr", None)) in classes for b in node.bases):
                    status = next((s.value.value for s in node.body if isinstance(s, ast.Assign)
                                   and getattr(s.targets[0], "id", "") == "status"
                                   and isinstance(s.value, ast.Constant)), None)
                    classes[node.name] = status
                    changed = True
    return classes


def _fixed_code_classes(root: Path = ROOT) -> set[str]:
    """Error classes that pass a literal code to ``super().__init__`` (their callers pass other arguments)."""
    fixed = set()
    for _, tree in _sources(root):
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef) and any(
                    isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "__init__"
                    and isinstance(n.func.value, ast.Call) and getattr(n.func.value.func, "id", "") == "super"
                    and n.args and isinstance(n.args[0], ast.Constant) for n in ast.walk(cls)):
                fixed.add(cls.name)
    return fixed


def raised_codes(root: Path = ROOT) -> tuple[dict[str, list[str]], list[str]]:
    """``{code: ["file:line", ...]}`` for every literal code, and the sites with a code we cannot read."""
    classes = _error_classes(root)
    fixed = _fixed_code_classes(root)
    found: dict[str, list[str]] = {}
    unreadable = []
    for path, tree in _sources(root):
        rel = path.relative_to(root)
        # a subclass of DomainError with a fixed code passes it to super().__init__
        subclass_inits = {id(n) for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and c.name in classes
                          and c.name != "DomainError" for n in ast.walk(c) if isinstance(n, ast.Call)
                          and getattr(n.func, "attr", "") == "__init__" and isinstance(n.func.value, ast.Call)
                          and getattr(n.func.value.func, "id", "") == "super"}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in classes or name in REFUSERS or id(node) in subclass_inits:
                arg = node.args[0] if node.args else None
            elif name == "api_error" and len(node.args) > 1:
                arg = node.args[1]
            else:
                continue
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.setdefault(arg.value, []).append(f"{rel}:{node.lineno}")
            elif isinstance(arg, ast.Attribute) and getattr(arg.value, "id", "") == "Rejection":
                found.setdefault(Rejection[arg.attr].value, []).append(f"{rel}:{node.lineno}")
            elif name in fixed or (arg is None and name in classes and name not in STATUS_BY_CLASS):
                continue  # a subclass with a fixed code passes it in its own __init__ (seen there)
            elif arg is not None and ast.unparse(arg) not in FORWARDED and not (
                    name == "api_error" and "_HTTP_CODES" in ast.unparse(arg)):
                unreadable.append(f"{rel}:{node.lineno}: {ast.unparse(arg)}")
        for node in tree.body:
            if (isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in REFUSAL_TABLES
                    and isinstance(node.value, ast.Dict)):
                for key in node.value.keys:
                    if isinstance(key, ast.Constant) and key.value != "bad_issued_at":  # answered as bad_proof
                        found.setdefault(key.value, []).append(f"{rel}:{key.lineno}")
    for code in [r.value for r in Rejection] + list(_HTTP_CODES.values()):
        found.setdefault(code, []).append("govern/core/ballot.py or govern/errors.py")
    return found, unreadable


def test_every_raised_code_is_listed():
    found, unreadable = raised_codes()
    missing = {c: w[:3] for c, w in found.items() if c not in CODES}
    assert not missing, f"add these codes to govern/codes.py (and docs/error-codes.md): {missing}"
    assert not unreadable, f"raise with a literal code, so that it can be checked: {unreadable}"
    assert len(found) > 100  # the walk really reads the sources


def test_codes_are_snake_case():
    bad = sorted(c for c in CODES if not SNAKE.match(c))
    assert not bad, f"error codes are snake_case: {bad}"


def test_every_listed_code_is_raised_somewhere():
    found, _ = raised_codes()
    stale = sorted(set(CODES) - set(found))
    assert not stale, f"govern/codes.py lists codes nothing raises: {stale}"


def test_every_code_is_documented_with_its_status():
    text = (ROOT / "docs" / "error-codes.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| (\d{3}) \|", text, re.MULTILINE))
    undocumented = sorted(set(CODES) - set(rows))
    assert not undocumented, f"document in docs/error-codes.md: {undocumented}"
    wrong = sorted(c for c in CODES if c in rows and int(rows[c]) != CODES[c].status)
    assert not wrong, f"docs/error-codes.md gives another status for: {wrong}"
    extra = sorted(set(rows) - set(CODES))
    assert not extra, f"docs/error-codes.md documents codes govern/codes.py does not list: {extra}"


def test_the_walk_sees_new_and_unreadable_codes(tmp_path):
    """The reader is not blind: an unlisted literal code and a computed one are both reported."""
    (tmp_path / "govern").mkdir()
    (tmp_path / "govern" / "x.py").write_text(
        "class Refused(Conflict):\n    status = 409\n\n"
        "def f(kind):\n    raise Refused('brand_new_code', 'x')\n\n"
        "def g(kind):\n    raise DomainError(kind + '_bad', 'x')\n", encoding="utf-8")
    found, unreadable = raised_codes(tmp_path)
    assert "brand_new_code" in found and "brand_new_code" not in CODES
    assert unreadable == ["govern/x.py:8: kind + '_bad'"]
