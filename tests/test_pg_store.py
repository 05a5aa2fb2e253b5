"""The team store on a real PostgreSQL server (issue 20): schema, copy both ways, same answers as SQLite.

Each test gets an empty database on the throwaway server of tests/pg_plugin.py (skipped on a machine
without PostgreSQL, except in CI where CXDESK_REQUIRE_PG=1 makes that a failure). The analysed demo
is copied into it with ``store copy``; then every export and the HTML report must come out byte for
byte as they do from the SQLite file, and operations must write the same rows.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxdesk.cli import main as cli_main
from cxdesk.errors import CxdeskError, NotADatabaseError, StoreError
from cxdesk.ops import imports, run_op, triage
from cxdesk.store import open_store
from cxdesk.store.copy import copy_store
from cxdesk.store.migrations import CURRENT_VERSION
from cxdesk.store.risk_queue import FlagFilter

pytest.importorskip("psycopg")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
EXPORT_KINDS = ("reviews", "messages", "sessions", "flags", "agents", "faq", "faq-members")


@pytest.fixture(scope="module")
def demo_db(demo_analysed, tmp_path_factory) -> Path:
    """The analysed demo (SQLite) for this module's readers; tests that write use ``own_demo_db``."""
    from _demo_cache import copy_db

    return copy_db(demo_analysed.db, tmp_path_factory.mktemp("pgdemo") / "demo.sqlite3")


@pytest.fixture(scope="module")
def demo_on_pg(demo_db: Path, pg_cluster) -> Iterator[str]:
    """The same demo copied into a database of its own (``store copy``), for this module's readers."""
    name = f"demo{os.getpid()}"
    url = pg_cluster.create_database(name)
    try:
        with open_store(demo_db, mode="ro") as src, open_store(url) as dst:
            assert copy_store(src, dst).ok
        yield url
    finally:
        pg_cluster.drop_database(name)


@pytest.fixture
def flagged_both(tmp_path: Path, pg_url: str) -> tuple[Path, str]:
    """A small analysed store with flags on both engines (test_risk_queue_store's), for a test that writes."""
    from test_risk_queue_store import build_flagged_db

    db = tmp_path / "flagged.sqlite3"
    build_flagged_db(db)
    with open_store(db, mode="ro") as src, open_store(pg_url) as dst:
        assert copy_store(src, dst).ok
    return db, pg_url


def test_an_empty_database_gets_the_schema_once(pg_url: str) -> None:
    with open_store(pg_url) as store:
        assert store.schema_version == CURRENT_VERSION
        assert store.counts().chat_messages == 0 and store.is_empty()
        versions = [r[0] for r in store.conn.execute("SELECT version FROM cxdesk_migrations ORDER BY version")]
        assert versions == list(range(1, CURRENT_VERSION + 1))
        assert "@" in store.path and "postgresql://" in store.path
    with open_store(pg_url) as again:  # nothing to do the second time
        assert again.conn.execute("SELECT COUNT(*) FROM cxdesk_migrations").fetchone()[0] == CURRENT_VERSION


def test_someone_elses_database_is_refused(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as raw:
        raw.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(NotADatabaseError, match="不是 cxdesk"):
        open_store(pg_url)


def test_a_read_only_session_refuses_writes(demo_on_pg: str) -> None:
    import sqlite3

    with open_store(demo_on_pg) as store, store.reader() as reader:
        assert reader.counts().chat_messages > 0
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.conn.execute("UPDATE risk_flags SET note = 'x'")


def test_copy_there_and_back_keeps_every_row(demo_db: Path, demo_on_pg: str, tmp_path: Path) -> None:
    from cxdesk.store.copy import table_checksum
    from cxdesk.store.pg.schema import tables_in_order

    back = tmp_path / "back.sqlite3"
    with open_store(demo_on_pg, mode="ro") as src, open_store(back) as dst:
        report = copy_store(src, dst)
    assert report.ok and report.rows > 100_000
    assert {t.table: t.rows for t in report.tables}["chat_messages"] == 33_796
    # The copy checked every table's rows and checksum against the server (report.ok); the file that came
    # back holds what the file that went there held.
    with open_store(demo_db, mode="ro") as a, open_store(back, mode="ro") as b:
        for table in (tables_in_order()[-1], next(t for t in tables_in_order() if t.name == "risk_flags")):
            assert table_checksum(a, table).hex == table_checksum(b, table).hex, table.name


def test_copy_refuses_a_destination_with_data(demo_db: Path, demo_on_pg: str) -> None:
    with open_store(demo_db, mode="ro") as src, open_store(demo_on_pg) as dst:
        with pytest.raises(StoreError, match="已有数据"):
            copy_store(src, dst)


def test_store_copy_command_prints_the_check(tmp_path: Path, pg_url: str, capsys) -> None:
    from test_risk_queue_store import build_flagged_db

    db = tmp_path / "flagged.sqlite3"
    build_flagged_db(db)
    with open_store(db, mode="ro") as store:
        messages = store.counts().chat_messages
    assert cli_main(["store", "copy", "--from", str(db), "--to", pg_url, "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"chat_messages\s+{messages}\s+{messages}\s+一致", out) and "全部一致" in out
    with open_store(pg_url, mode="ro") as store:
        assert store.counts().chat_messages == messages


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_exports_are_the_same_from_both_engines(demo_db: Path, demo_on_pg: str, tmp_path: Path, kind: str) -> None:
    outs = []
    for name, db in (("sqlite", str(demo_db)), ("pg", demo_on_pg)):
        out = tmp_path / f"{name}.csv"
        assert cli_main(["export", kind, "--db", db, "--out", str(out), "--quiet"]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\n") > 2


def test_the_html_report_is_the_same_from_both_engines(demo_db: Path, demo_on_pg: str, tmp_path: Path) -> None:
    pages = []
    for name, db in (("sqlite", str(demo_db)), ("pg", demo_on_pg)):
        out = tmp_path / f"{name}.html"
        assert cli_main(["report", "--db", db, "--out", str(out), "--quiet"]) == 0
        pages.append(re.sub(r"生成时间：[0-9: -]+", "", out.read_text(encoding="utf-8")))
    assert pages[0] == pages[1]
    assert "风险" in pages[0]


def test_triage_writes_the_same_on_both_engines(flagged_both: tuple[Path, str]) -> None:
    results = []
    for db in flagged_both:
        with open_store(db) as store:
            items = store.risk_queue.item_page(FlagFilter(), 0, 5)
            ids = [fid for item in items[:3] for fid in item.flag_ids]
            run_op(triage.set_status, store, ids, "误报", handler="组长小王")
            run_op(triage.set_note, store, ids[:1], "买家已撤回投诉", handler="组长小王")
            rows = store.conn.execute(
                "SELECT id, status, handler, note FROM risk_flags WHERE status <> '待处理' ORDER BY id"
            ).fetchall()
            scores = store.conn.execute(
                "SELECT target_type, target_id, score, level FROM risk_scores ORDER BY target_type, target_id"
            ).fetchall()
            results.append((rows, scores))
    assert results[0][0] and results[0] == results[1]


def test_an_import_into_the_team_store(pg_url: str, tmp_path: Path) -> None:
    """An import writes batches (ids from the server), rows and the same counts as into a file."""
    counts = []
    for db in (tmp_path / "one.sqlite3", pg_url):
        with open_store(db) as store:
            for name, kind in (("seller_reviews.csv", "reviews"), ("qianniu_export.csv", "chats")):
                summary = run_op(
                    imports.import_file, store, FIXTURES / name, kind=kind, platform="taobao", shop="我的小店"
                ).value
                assert summary.batch_id > 0 and summary.rows_added > 0
            again = run_op(
                imports.import_file,
                store,
                FIXTURES / "seller_reviews.csv",
                kind="reviews",
                platform="taobao",
                shop="我的小店",
            ).value
            counts.append((store.counts(), again.rows_added, again.rows_duplicate, len(store.batches.all())))
    assert counts[0] == counts[1]


# Chinese words and phrases, a term split by a space, full-width and ASCII letters and digits, an ASCII
# prefix, one character, nothing at all: the SQLite file answers from its FTS5 index, the server from the
# texts through its trigram indexes (cxdesk.store.pg.search); same hits in the same order, same counts.
SEARCHES = ("退款", "退 款", "什么时候发货", "快递 到", "尺码 大", "好", "１", "12", "M码", "xl", "ip", "物流很快")


def test_search_finds_the_same_on_both_engines(demo_db: Path, demo_on_pg: str) -> None:
    from cxdesk.search import search

    with open_store(demo_db, mode="ro") as a, open_store(demo_on_pg, mode="ro") as b:
        for query in SEARCHES:
            pa, pb = search(a, query, limit=60), search(b, query, limit=60)
            assert [(h.kind, h.target_id) for h in pa.hits] == [(h.kind, h.target_id) for h in pb.hits], query
            assert pa.counts == pb.counts, query
        assert search(a, "什么时候发货", limit=60).hits  # the queries find something
        assert search(b, "物流很快", limit=60).counts


def test_the_server_indexes_chinese_trigrams(demo_on_pg: str) -> None:
    """The test server's databases have a UTF-8 character type: pg_trgm sees CJK letters, so a search of
    three characters and more reads the index, not every text."""
    with open_store(demo_on_pg, mode="ro") as store:
        assert store.conn.execute("SELECT cardinality(show_trgm('什么时候'))").fetchone()[0] > 0
        plan = "\n".join(
            r[0]
            for r in store.conn.execute(
                "EXPLAIN SELECT id FROM chat_messages WHERE cxdesk_search_squash(content) LIKE '%什么时候发货%'"
            )
        )
        assert "chat_messages_search" in plan


def test_every_page_opens_on_the_team_store(qtbot, demo_on_pg: str, tmp_path: Path, caplog) -> None:
    """The main window on the team store: every page loads its data. A query PostgreSQL refuses fails a
    background job (logged as an error, shown in a dialog) or raises in a slot (pytest-qt fails the test)."""
    import logging

    from ui.screenshot import render

    caplog.set_level(logging.ERROR)
    shots = render(tmp_path / "shots", demo_on_pg, size=(1366, 768))
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert {p.stem for p in shots} >= {"overview", "reviews", "sessions", "risk", "faq", "agents", "settings"}
    assert all(p.stat().st_size > 20_000 for p in shots)  # drawn pages, not blank ones
    assert not list(Path.cwd().glob("postgresql:*"))  # the address never became a local file's name


def test_clearing_the_demo_on_the_team_store_promises_no_file_backup(qtbot, demo_on_pg: str, monkeypatch) -> None:
    """总览's 清除演示数据 asks first; on a team store it says the server keeps the backups (no file backup is
    made there). Answered no: nothing changes in the shared demo database."""
    from PySide6.QtWidgets import QMessageBox

    from ui.app import create_main_window
    from ui.workers import active_jobs

    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    with open_store(demo_on_pg) as store:
        window = create_main_window(store)
        qtbot.addWidget(window)
        assert window.pages["overview"].clear_demo() is False
        qtbot.waitUntil(lambda: not active_jobs(), timeout=20_000)
        window.close()
    assert len(asked) == 1 and "由数据库服务器负责" in asked[0] and "自动备份" not in asked[0]


@pytest.mark.parametrize("action", ["list", "create", "restore"])
def test_backup_commands_on_the_team_store_say_the_server_backs_it_up(pg_url: str, action: str, capsys) -> None:
    """`backup` works on a file's backups; on a team store it says who backs it up instead of a wrong
    "file not found" or an empty list, and writes nothing next to the current folder."""
    argv = ["backup", action, *(["20240601-101530"] if action == "restore" else []), "--db", pg_url]
    assert cli_main(argv) != 0
    err = capsys.readouterr().err
    assert "由数据库服务器负责" in err and "store copy" in err and "不存在" not in err
    assert not list(Path.cwd().glob("postgresql:*"))


def _end_sessions_of(pg_cluster, database: str) -> None:
    """What a server restart, a sleeping server PC or a dropped network does to the open sessions."""
    import psycopg

    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )


def test_a_store_whose_server_ended_its_session_carries_on(pg_store_url: str, pg_cluster, caplog) -> None:
    """A read after the server ended the session is sent again on a new one (settings kept); a transaction
    that was open is lost: the user is told in words, and the next operation works."""
    from cxdesk.store.pg.connection import ConnectionLostError

    database = pg_store_url.rsplit("/", 1)[1]
    with open_store(pg_store_url) as store:
        store.conn.execute("PRAGMA query_only = ON")
        _end_sessions_of(pg_cluster, database)
        assert store.counts().reviews == 0  # read again on a new session
        assert store.conn.execute("PRAGMA query_only").fetchone() == (1,)  # its settings came along
        store.conn.execute("PRAGMA query_only = OFF")
        with pytest.raises(ConnectionLostError, match="没有保存。已重新连接，请再做一次") as lost:
            with store.transaction():
                store.shops.get_or_create("taobao", "甲店")
                _end_sessions_of(pg_cluster, database)
                store.shops.get_or_create("jd", "乙店")
        assert isinstance(lost.value, CxdeskError)  # shown as an ordinary operation error
        with store.transaction():  # the next one works, and nothing of the lost one was kept
            store.shops.get_or_create("jd", "乙店")
        assert [s.name for s in store.shops.all()] == ["乙店"]
    assert "已重新连接" in caplog.text


def test_testing_the_connection_warns_of_a_character_type_without_chinese_letters(pg_url: str, pg_cluster) -> None:
    """pg_trgm indexes letters only: under LC_CTYPE C search reads every text. 测试连接 says so."""
    import psycopg

    from cxdesk.store.pg import check_team_db

    assert check_team_db(pg_url).cjk_letters and "字符类型" not in check_team_db(pg_url).describe()
    name = f"ctypec{os.getpid()}"
    with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        admin.execute(f"ALTER DATABASE {name} OWNER TO cxdesk")
    try:
        found = check_team_db(pg_url.rsplit("/", 1)[0] + "/" + name)
        assert found.state == "empty" and not found.cjk_letters and "LC_CTYPE" in found.describe()
    finally:
        pg_cluster.drop_database(name)
