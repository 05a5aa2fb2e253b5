"""The layers hold (issue 18, point 4): SQL only in cxdesk/store, the store imports no layer above it, no cycles.

The checks read the source (``ast``) and the import graph (grimp, which import-linter uses),
so they also see imports written inside functions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SQL_CALLS = {"execute", "executemany", "executescript"}
# A string that starts (after blanks) with a statement keyword is SQL; prose starts with a capital and lower case.
SQL_START = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA|BEGIN)\b")
# What the store may never import: every layer that sits on top of it.
ABOVE_THE_STORE = (
    "cxdesk.analysis",
    "cxdesk.exports",
    "cxdesk.reports",
    "cxdesk.importers",
    "cxdesk.ops",
    "cxdesk.cli",
    "cxdesk.agent_export",
    "cxdesk.tablewriter",
)
# The pairs that imported each other before issue 18 (importer, imported): now one way at most.
FORMER_CYCLES = (
    ("cxdesk.store", "cxdesk.exports"),
    ("cxdesk.store", "cxdesk.analysis"),
    ("cxdesk.roles", "cxdesk.importers"),
    ("cxdesk.importers._fastchat", "cxdesk.importers.jddc_tsv"),
)


def _modules(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def sql_in(source: str) -> list[tuple[int, str]]:
    """(line, what) of every SQL call and SQL-looking string literal (f-string parts too) in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            found.append((node.lineno, f".{node.func.attr}("))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
            found.append((node.lineno, node.value.strip()[:40]))
    return found


def imported_modules(source: str, module: str) -> set[str]:
    """Every module ``source`` (the module named ``module``) imports, at the top or inside a function."""
    package = module.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, up level - 1
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def test_the_checks_find_sql_and_imports() -> None:
    """The scanners are not blind: they see calls, f-strings and imports inside functions."""
    source = (
        "def f(conn, t):\n"
        "    from cxdesk.analysis.risk import rescore\n"
        "    conn.execute(f'SELECT * FROM {t}')\n"
        "    q = '''\n  DELETE FROM x'''\n"
        "    return 'Select a file'\n"
    )
    assert sorted(line for line, _ in sql_in(source)) == [3, 3, 4]
    assert "cxdesk.analysis.risk" in imported_modules(source, "cxdesk.store.x")
    assert "cxdesk.store.repos" in imported_modules("from .repos import Repos", "cxdesk.store.x")
    assert sql_in((ROOT / "cxdesk" / "store" / "risk_queue.py").read_text("utf-8"))


def test_no_sql_outside_the_store() -> None:
    """All SQL lives in cxdesk/store/ (README): analysis, exports, reports, importers and the UI ask a repository."""
    found = {}
    for path in _modules("cxdesk", "ui"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("cxdesk/store/"):
            continue
        hits = sql_in(path.read_text("utf-8"))
        if hits:
            found[rel] = hits
    assert found == {}


def test_the_store_imports_no_layer_above_it() -> None:
    found = {}
    for path in _modules("cxdesk/store"):
        module = "cxdesk." + ".".join(path.relative_to(ROOT / "cxdesk").with_suffix("").parts)
        bad = sorted(
            m
            for m in imported_modules(path.read_text("utf-8"), module)
            if m.startswith("ui") or any(m == a or m.startswith(a + ".") for a in ABOVE_THE_STORE)
        )
        if bad:
            found[module] = bad
    assert found == {}


# Files that still build a repository themselves (owned by other work of issue 18): the list may only shrink.
REPOS_BUILT_BY_HAND: set[str] = set()


def repositories_built(source: str) -> list[str]:
    """Names of the ``...Repo(...)`` classes ``source`` calls: a repository built from a connection."""
    return [
        node.func.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Repo")
    ]


def test_repositories_are_reached_from_the_store() -> None:
    """``store.faq``, ``Repos(conn).faq`` (cxdesk.store.repos), never ``FaqRepo(store.conn)``."""
    found = {
        path.relative_to(ROOT).as_posix()
        for path in _modules("cxdesk", "ui")
        if path.relative_to(ROOT).as_posix() != "cxdesk/store/repos.py" and repositories_built(path.read_text("utf-8"))
    }
    assert found == REPOS_BUILT_BY_HAND


def test_the_store_starts_no_thread() -> None:
    """Concurrency is the caller's (a Job, an analysis function): repositories only query."""
    found = {}
    for path in _modules("cxdesk/store"):
        calls = [
            node.lineno
            for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("Thread", "ThreadPoolExecutor", "Timer")
        ]
        if calls:
            found[path.name] = calls
    assert found == {}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("cxdesk", cache_dir=None)


@pytest.mark.parametrize(("importer", "imported"), FORMER_CYCLES)
def test_former_import_cycles_are_gone(graph: grimp.ImportGraph, importer: str, imported: str) -> None:
    """``importer`` reaches ``imported`` by no chain of imports (lazy ones included), so they form no cycle."""
    assert graph.chain_exists(importer=importer, imported=imported, as_packages=True) is False, (
        graph.find_shortest_chain(importer=importer, imported=imported)
    )
