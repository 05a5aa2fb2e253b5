"""pytest fixtures for the PostgreSQL engine (issue 20): a throwaway cluster per worker, a fresh database per test.

``pg_cluster`` (session scope) starts one server per xdist worker (tests/pg_cluster.py; its files in
/dev/shm when there is room) and stops it at the end; with no PostgreSQL binaries on the machine it
skips, unless CXDESK_REQUIRE_PG=1 (CI), where it fails. ``pg_url`` (function scope) creates an empty
database owned by the cxdesk role with pg_trgm in it, gives its URL and drops it after the test (even
with connections the test left open); ``pg_store_url`` the same with the store's schema already in it;
``pg_database(template)`` makes as many as a test needs, each a copy of ``template``.
Loaded by tests/conftest.py (``pytest_plugins = ["pg_plugin"]``) or with ``-p tests.pg_plugin``.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # loaded as tests.pg_plugin (-p) before the tests folder is on the path
    sys.path.insert(0, _HERE)
from pg_cluster import TEMPLATE, Cluster, PostgresNotFound, find_bin_dir, start_cluster  # noqa: E402

REQUIRE_ENV = "CXDESK_REQUIRE_PG"
_numbers = itertools.count(1)


def _pg_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() == "1"


_TMPFS = Path("/dev/shm")
_TMPFS_NEEDED = 1 << 30  # a cluster takes ~40 MB, its WAL up to ~100 MB, the demo's copies ~50 MB each


def _fast_base_dir() -> Path | None:
    """A folder in memory (tmpfs) for the server's files when the machine has one with room, else None.
    On disk every CREATE DATABASE costs ~0.3 s here (new files' writes); in memory ~0.02 s, and the
    store tests create one database per test."""
    try:
        st = os.statvfs(_TMPFS)
    except OSError:
        return None
    if st.f_bavail * st.f_frsize < _TMPFS_NEEDED or not os.access(_TMPFS, os.W_OK):
        return None
    base = Path(tempfile.mkdtemp(prefix="cxdesk-pg-", dir=_TMPFS))
    base.chmod(0o755)  # the postgres system user (when we are root) reaches its folder inside
    atexit.register(shutil.rmtree, base, ignore_errors=True)  # the cluster removes its own folder at stop
    return base


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One running PostgreSQL server for this worker; skips (or fails under CXDESK_REQUIRE_PG=1) without one."""
    if find_bin_dir() is None:
        reason = (
            "PostgreSQL not installed: no initdb on PATH or under /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql postgresql-contrib)"
        )
        if _pg_required():
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        cluster = start_cluster(_fast_base_dir() or tmp_path_factory.mktemp("pg"))
    except PostgresNotFound as e:
        if _pg_required():
            pytest.fail(f"{REQUIRE_ENV}=1 but {e}", pytrace=False)
        pytest.skip(str(e))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_schema_template(pg_cluster: Cluster) -> str:
    """Name of a database on this worker's server that holds cxdesk's schema at the current version and no
    rows: copying it (``CREATE DATABASE … TEMPLATE``) gives a ready store in ~0.1 s instead of migrating."""
    from cxdesk.store import open_store

    name = f"schema{os.getpid()}"
    open_store(pg_cluster.create_database(name)).close()
    return name


@pytest.fixture
def pg_database(pg_cluster: Cluster) -> Iterator[Callable[..., str]]:
    """``pg_database(template=…)``: the URL of a fresh database of this test, a copy of ``template`` (by
    default empty, pg_trgm in it); every one made is dropped after the test (even with connections left
    open)."""
    made: list[str] = []

    def make(template: str = TEMPLATE) -> str:
        name = f"t{os.getpid()}_{next(_numbers)}"
        made.append(name)
        return pg_cluster.create_database(name, template=template)

    try:
        yield make
    finally:
        for name in made:
            pg_cluster.drop_database(name)


@pytest.fixture
def pg_store_url(pg_database: Callable[..., str], pg_schema_template: str) -> str:
    """URL of a fresh database that already holds the current schema (an empty store), dropped after the test."""
    return pg_database(pg_schema_template)


@pytest.fixture
def pg_url(pg_database: Callable[..., str]) -> str:
    """URL of a fresh empty database (owner cxdesk, pg_trgm created), dropped after the test."""
    return pg_database()
