"""Shared test set-up: offscreen Qt, a private data dir per test, and the demo shop built once per run.

QT_QPA_PLATFORM must be set before any Qt import, hence at module top.
The UI keeps its QSettings in an INI file inside the data directory, so
pointing CXDESK_DATA_DIR at tmp_path isolates both the database and the
settings of every test. The demo shop (built, or built and analysed) is made
once per test run by tests/_demo_cache.py; ``built_demo_db`` and
``analysed_demo_db`` give a test its own copy of the database file.
"""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# pg_cluster / pg_url: a throwaway PostgreSQL server for the team store's tests (tests/pg_plugin.py)
pytest_plugins = ["pg_plugin"]


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "cxdesk-data"
    monkeypatch.setenv("CXDESK_DATA_DIR", str(data))
    return data


@pytest.fixture(autouse=True)
def _rating_words_looked_up_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """cxdesk.ratings looks its rating-words file up at most every 2 s (a process-wide clock): every test,
    with its own data folder, looks it up afresh instead of seeing what a test before it loaded."""
    ratings = sys.modules.get("cxdesk.ratings")
    if ratings is not None:
        monkeypatch.setattr(ratings, "_loaded", None)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite3"


# Engines a test module marked ``pytestmark = pytest.mark.both_engines`` runs its store tests on (issue 20):
# every test that asks for ``engine`` (directly or through ``store``, ``store_target`` or ``on_engine``)
# runs once per engine; its other tests, and unmarked modules, run on SQLite only. The PostgreSQL runs use
# the throwaway server of tests/pg_plugin.py and skip without one (fail under CXDESK_REQUIRE_PG=1).
ENGINES = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_engines: run the module's store tests on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only(why): in a both_engines module, a test of SQLite itself")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker("both_engines")
    if "engine" in metafunc.fixturenames and marked and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The store engine of this test: "sqlite" unless its module is marked ``both_engines``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def store_target(engine: str, db_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where this test's empty store is: the file ``db_path``, or the URL of a fresh PostgreSQL database."""
    if engine == "sqlite":
        return db_path
    return request.getfixturevalue("pg_store_url")


@pytest.fixture
def store(store_target: Path | str):
    from cxdesk.store import open_store

    s = open_store(store_target)
    yield s
    s.close()


@pytest.fixture
def on_engine(engine: str, request: pytest.FixtureRequest, tmp_path: Path):
    """``on_engine(template)``: this test's own copy of the SQLite store ``template`` on its engine — a file
    beside the test, or a fresh PostgreSQL database — as something ``open_store`` and ``--db`` take (a Path
    or a URL). On PostgreSQL the template is copied in once (``store copy``) into a template database of
    the worker's server; each test's database is a ``CREATE DATABASE … TEMPLATE`` of it (~0.1 s)."""
    from _demo_cache import copy_db

    numbers = itertools.count(1)

    def copy(template: Path) -> Path | str:
        n = next(numbers)
        if engine == "sqlite":
            return copy_db(template, tmp_path / f"copy{n}-{template.name}")
        cluster = request.getfixturevalue("pg_cluster")
        source = _pg_template_of(cluster, request.getfixturevalue("pg_schema_template"), template)
        return request.getfixturevalue("pg_database")(source)

    return copy


_pg_templates: dict[tuple[int, str, int, int], str] = {}  # (server port, file, mtime, size) -> template database


def _pg_template_of(cluster, schema_template: str, template: Path) -> str:
    """The name of a database on ``cluster`` holding what the SQLite store ``template`` holds."""
    from cxdesk.store import open_store
    from cxdesk.store.copy import copy_store

    st = template.stat()
    key = (cluster.port, str(template.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _pg_templates:
        name = f"tpl{os.getpid()}_{len(_pg_templates) + 1}"
        url = cluster.create_database(name, template=schema_template)
        with open_store(template, mode="ro") as src, open_store(url) as dst:
            assert copy_store(src, dst).ok
        _pg_templates[key] = name
    return _pg_templates[key]


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory: pytest.TempPathFactory):
    """The demo shop as ``build_demo`` leaves it, once per run (tests/_demo_cache.py): copy it, never write it."""
    from _demo_cache import BUILT, demo_template

    return demo_template(tmp_path_factory, BUILT)


@pytest.fixture(scope="session")
def demo_analysed(tmp_path_factory: pytest.TempPathFactory):
    """The demo shop built and then analysed, once per run: copy it, never write it."""
    from _demo_cache import ANALYSED, demo_template

    return demo_template(tmp_path_factory, ANALYSED)


@pytest.fixture
def built_demo_db(demo_built, tmp_path: Path) -> Path:
    """This test's own copy of the built (not analysed) demo shop."""
    from _demo_cache import copy_db

    return copy_db(demo_built.db, tmp_path / "demo-built.sqlite3")


@pytest.fixture
def analysed_demo_db(demo_analysed, tmp_path: Path) -> Path:
    """This test's own copy of the analysed demo shop."""
    from _demo_cache import copy_db

    return copy_db(demo_analysed.db, tmp_path / "demo-analysed.sqlite3")


# The longest test files start first: with ``--dist loadfile`` each file runs on one worker, so a
# 40 s file handed out last keeps one core busy while the other waits (measured with --durations).
SLOW_FILES_FIRST = (
    "test_kill_recovery.py",
    "test_pg_store.py",
    "test_analysis_engine.py",
    "test_pg_roles.py",
    "test_triage_conflict.py",
    "test_ui_reviews.py",
    "test_ui_risk.py",
    "test_page_speed_agents.py",
    "test_ui_pages.py",
    "test_buyer_data_ui.py",
    "test_demo_store.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its order
