"""Dependencies between govern's packages point one way: down the layers below, never up, never in a cycle.

Every ``import``/``from … import`` in govern/<package>/ counts, at module level or inside a function
(a function-level import is still a dependency; it only hides it from the reader). The top-level
modules are outside the layers: the base ones (clock, config, dbtypes, errors, extensions, jobs,
templating) import no feature package, and the application ones (the app factory, the CLI, the demo
command) may import any.

A few edges in packages that other work owns still point up; they are listed in :data:`KNOWN_UPWARD`
with the file and the reason, so that no new one can appear unnoticed. Remove an entry when it is fixed
(the test fails on an entry that no longer exists).
"""

from __future__ import annotations

import ast
from pathlib import Path

GOVERN = Path(__file__).resolve().parents[1] / "govern"

#: The packages from the bottom up. A package may import only from packages before it in this list.
LAYERS = (
    "core",  # rules and cryptography on plain data (tests/core/test_purity.py keeps it pure)
    "api",  # /api/v1 plumbing: bearer tokens, JSON bodies
    "audit",  # the hash-chained audit log every privileged action writes to
    "register",  # communities, buildings, units, owners
    "accounts",  # users, roles, tokens, claims; the access predicates every page starts from
    "home",  # the community home and the panel registry features fill
    "pdf",  # render_pdf and the PDF cache
    "admin",  # platform administration
    "agenda",  # proposals, co-signing, threads; accepted proposals become motions
    "ballots",  # casting: the assembly's tables, owner keys, the ledger, cast, proxies, paper ballots
    "meetings",  # notice, roll freezing, participation, results, the meeting pages
    "record",  # the record export and the street office's oversight
    "minutes",  # minutes of assemblies and committee meetings, printed notices
    "delivery",  # channels, preferences, reminders, `govern tick`
    "notices",  # notices with receipts
    "elections",  # committee elections: election motions, nominations, the committee after the count (#14)
    "service",  # service requests
    "surveys",  # SERVQUAL surveys
    "metrics",  # the KPI dashboard over everything above
)

BASE_MODULES = ("clock", "config", "dbtypes", "errors", "extensions", "jobs", "templating", "uploads")

#: Upward edges still present in packages owned by other work: ``(file, imported package): reason``.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}


def packages() -> list[str]:
    return sorted(p.name for p in GOVERN.iterdir() if (p / "__init__.py").exists())


def imports_of(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted module)`` of every first-party import in ``path``, relative imports resolved."""
    parts = ["govern", *path.relative_to(GOVERN).parts[:-1]]  # the package a relative import starts from
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "govern"]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = parts[: len(parts) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            if module.split(".")[0] != "govern":
                continue
            if module == "govern":  # ``from govern import clock, jobs``: each name is a module
                found += [(node.lineno, f"govern.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, module))
    return found


def package_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 1 and (GOVERN / parts[1] / "__init__.py").exists():
        return parts[1]
    return None


def edges() -> list[tuple[str, int, str, str]]:
    """``(file, line, from package, to package)`` for every import from one package into another."""
    out = []
    for path in sorted(GOVERN.rglob("*.py")):
        if "translations" in path.parts:
            continue
        rel = path.relative_to(GOVERN)
        me = rel.parts[0] if len(rel.parts) > 1 else None
        if me is None:
            continue
        for line, module in imports_of(path):
            target = package_of(module)
            if target and target != me:
                out.append((f"govern/{rel.as_posix()}", line, me, target))
    return out


def upward(found) -> list[str]:
    rank = {name: i for i, name in enumerate(LAYERS)}
    return [f"{file}:{line}: {me} imports {target}" for file, line, me, target in found
            if rank[target] > rank[me] and (file, target) not in KNOWN_UPWARD]


def cycles(found) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for _, _, a, b in found:
        graph.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_every_package_has_a_layer():
    assert sorted(LAYERS) == packages()


def test_no_package_imports_a_higher_one():
    assert upward(edges()) == []


def test_no_cycle_between_packages_apart_from_the_known_upward_edges():
    found = [e for e in edges() if (e[0], e[3]) not in KNOWN_UPWARD]
    assert cycles(found) == []


def test_known_upward_edges_still_exist():
    """An entry of KNOWN_UPWARD that was fixed must leave the list (so the list only shrinks)."""
    present = {(file, target) for file, _, _, target in edges()}
    assert sorted(set(KNOWN_UPWARD) - present) == []


def test_base_modules_import_no_feature_package():
    bad = []
    for name in BASE_MODULES:
        path = GOVERN / f"{name}.py"
        bad += [f"{name}.py:{line}: {module}" for line, module in imports_of(path)
                if package_of(module) not in (None, "core")]
    assert bad == []


def test_no_import_error_guard_around_a_first_party_import():
    """``try: from govern… except ImportError`` hides a broken feature instead of failing loudly."""
    bad = []
    for path in sorted(GOVERN.rglob("*.py")):
        if "translations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            guarded = any(isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                          for h in node.handlers)
            first_party = any(isinstance(n, ast.ImportFrom) and (n.level or (n.module or "").startswith("govern"))
                              for stmt in node.body for n in ast.walk(stmt))
            if guarded and first_party:
                bad.append(f"{path.relative_to(GOVERN.parent)}:{node.lineno}")
    assert bad == []


def test_the_checker_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    pkg = tmp_path / "govern" / "ballots"
    pkg.mkdir(parents=True)
    for name in ("ballots", "meetings"):
        (tmp_path / "govern" / name).mkdir(exist_ok=True)
        (tmp_path / "govern" / name / "__init__.py").write_text("", encoding="utf-8")
    probe = "def f():\n    from ..meetings import services\n    from govern.meetings.x import y\n"
    (pkg / "probe.py").write_text(probe, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["GOVERN"]), "GOVERN", tmp_path / "govern")
    found = edges()
    assert [(f, line, a, b) for f, line, a, b in found] == [
        ("govern/ballots/probe.py", 2, "ballots", "meetings"), ("govern/ballots/probe.py", 3, "ballots", "meetings")]
    assert upward(found) == ["govern/ballots/probe.py:2: ballots imports meetings",
                             "govern/ballots/probe.py:3: ballots imports meetings"]
    assert cycles(found + [("x", 1, "meetings", "ballots")]) == [["ballots", "meetings"]]
