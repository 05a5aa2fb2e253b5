"""The SQLite store: migrations, pragmas, refusal of foreign/newer/corrupt files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from cxdesk.errors import NewerSchemaError, NotADatabaseError, ReadOnlyStoreError
from cxdesk.store import CURRENT_VERSION, Store, open_store
from cxdesk.store.migrations import MIGRATIONS
from cxdesk.store.sessions_browse import SessionFilter

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_database_is_current_wal_with_foreign_keys(db_path: Path) -> None:
    with open_store(db_path) as store:
        assert store.schema_version == CURRENT_VERSION
        assert store.journal_mode == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table in (
        "shops",
        "import_batches",
        "reviews",
        "chat_sessions",
        "chat_messages",
        "orders",
        "sentiment",
        "risk_flags",
        "faq_clusters",
        "agent_metrics",
    ):
        assert table in tables


def test_v1_database_migrates_to_current_keeping_rows(db_path: Path) -> None:
    assert CURRENT_VERSION > 1
    # Build a genuine v1 database: the first migration only, as cxdesk 0.1 wrote it.
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.executescript(
        "BEGIN;" + MIGRATIONS[0] + "\nINSERT INTO meta VALUES ('app', 'cxdesk');\nPRAGMA user_version = 1;\nCOMMIT;"
    )
    conn.execute("INSERT INTO shops(platform, name) VALUES ('taobao', '老店')")
    conn.close()
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == 1

    with open_store(db_path) as store:
        assert store.schema_version == CURRENT_VERSION
        assert [s.name for s in store.shops.all()] == ["老店"]
        # v2 tables exist and accept rows referencing v1 data.
        store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, rules_version) "
            "VALUES ('session', 1, 'r1', '投诉/监管威胁', '高', 'test')"
        )


def test_reopening_does_not_migrate_again(db_path: Path) -> None:
    open_store(db_path).close()
    with open_store(db_path) as store:
        assert store.schema_version == CURRENT_VERSION


def test_newer_database_is_refused_and_untouched(db_path: Path) -> None:
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    before = _sha(db_path)
    with pytest.raises(NewerSchemaError, match="更新版本"):
        open_store(db_path)
    assert _sha(db_path) == before
    assert not Path(str(db_path) + "-wal").exists()


def test_non_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_bytes("这不是数据库\n".encode() * 100)
    before = _sha(bogus)
    with pytest.raises(NotADatabaseError, match="不是 cxdesk 数据库"):
        open_store(bogus)
    assert _sha(bogus) == before


def test_corrupt_sqlite_file_is_refused_untouched(db_path: Path) -> None:
    with open_store(db_path) as store:
        store.conn.execute("PRAGMA journal_mode = DELETE")
        store.shops.get_or_create("jd", "店")
    data = bytearray(db_path.read_bytes())
    data[16:4096] = b"\xff" * (4096 - 16)  # keep the magic, wreck the header and first page
    db_path.write_bytes(bytes(data))
    before = _sha(db_path)
    with pytest.raises(NotADatabaseError, match="损坏|不是"):
        open_store(db_path)
    assert _sha(db_path) == before


def test_other_apps_sqlite_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes(x)")
    conn.commit()
    conn.close()
    before = _sha(other)
    with pytest.raises(NotADatabaseError, match="其他程序"):
        open_store(other)
    assert _sha(other) == before


def test_empty_sqlite_file_is_initialised(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    with open_store(empty) as store:
        assert store.schema_version == CURRENT_VERSION


def test_unwritable_location_gives_clear_message(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(ReadOnlyStoreError, match="无法创建数据库所在文件夹"):
        open_store(blocker / "sub" / "db.sqlite3")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_database_file_gives_clear_message(db_path: Path) -> None:
    open_store(db_path).close()
    db_path.chmod(0o444)
    try:
        with pytest.raises(ReadOnlyStoreError, match="只读"):
            open_store(db_path)
    finally:
        db_path.chmod(0o644)


def test_read_only_check_uses_file_permissions(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs as root too: simulate a file the OS reports as not writable."""
    open_store(db_path).close()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == db_path and mode == os.W_OK else real_access(p, mode)
    )
    with pytest.raises(ReadOnlyStoreError, match="只读"):
        open_store(db_path)


def test_transaction_rolls_back_on_error(store) -> None:
    shop = store.shops.get_or_create("taobao", "店")
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.reviews.insert_many(shop.id, None, [{"review_key": "k1", "content": "好"}])
            raise RuntimeError("boom")
    assert store.counts().reviews == 0


def test_reviews_and_orders_deduplicate_on_natural_keys(store) -> None:
    shop = store.shops.get_or_create("jd", "店")
    rows = [{"review_key": "r1", "content": "质量很好", "rating": 5}, {"review_key": "r2", "content": "差"}]
    with store.transaction():
        assert store.reviews.insert_many(shop.id, None, rows) == (2, 0)
        assert store.reviews.insert_many(shop.id, None, rows) == (0, 2)
        assert store.orders.insert_many(shop.id, None, [{"order_id": "1"}, {"order_id": "1"}]) == (1, 1)


def test_session_agent_is_the_account_that_answered_most(store) -> None:
    shop = store.shops.get_or_create("taobao", "店")
    msgs = [
        {
            "msg_hash": 0,
            "seq": 0,
            "role": "buyer",
            "sender": "买家",
            "sent_at": "2024-05-01 10:00:00",
            "content": "在吗",
        },
        {
            "msg_hash": 1,
            "seq": 1,
            "role": "agent",
            "sender": "店:小王",
            "sent_at": "2024-05-01 10:00:20",
            "content": "在的",
        },
        {
            "msg_hash": 2,
            "seq": 2,
            "role": "system",
            "sender": None,
            "sent_at": "2024-05-01 10:01:00",
            "content": "转交",
        },
        {
            "msg_hash": 3,
            "seq": 3,
            "role": "agent",
            "sender": "店:小李",
            "sent_at": "2024-05-01 10:01:10",
            "content": "您好",
        },
        {
            "msg_hash": 4,
            "seq": 4,
            "role": "agent",
            "sender": "店:小李",
            "sent_at": "2024-05-01 10:02:00",
            "content": "好的",
        },
    ]
    with store.transaction():
        added, dup, sessions = store.chats.insert_sessions(
            shop.id, None, [{"session_key": "s1", "buyer_nick": "买家", "messages": msgs}]
        )
    assert (added, dup, sessions) == (5, 0, 1)
    row = store.conn.execute(
        "SELECT agent, agents, started_at, ended_at, message_count, buyer_messages, agent_messages FROM chat_sessions"
    ).fetchone()
    assert row == ("店:小李", "店:小王,店:小李", "2024-05-01 10:00:00", "2024-05-01 10:02:00", 5, 1, 3)


def test_message_and_review_ids_are_never_reused_after_an_undo(store) -> None:
    """Stages remember 'scanned up to id N'; a reused id would be skipped forever."""
    shop = store.shops.get_or_create("jd", "店")
    with store.transaction():
        batch = store.batches.create(kind="reviews", file_name="r.csv", file_sha256="0" * 64, shop_id=shop.id)
        store.reviews.insert_many(shop.id, batch, [{"review_key": "a", "content": "x"}])
    first = store.conn.execute("SELECT MAX(id) FROM reviews").fetchone()[0]
    with store.transaction():
        store.reviews.delete_batch(batch)
        store.reviews.insert_many(shop.id, None, [{"review_key": "b", "content": "y"}])
    assert store.conn.execute("SELECT MAX(id) FROM reviews").fetchone()[0] > first


def test_repository_writes_are_grouped_by_the_callers_transaction(store: Store) -> None:
    """Repositories open no transaction of their own (issue 18): the operation's ``store.transaction()``
    decides, and a nested block is undone alone."""
    msgs = [{"msg_hash": 1, "seq": 1, "role": "buyer", "sender": "b", "sent_at": None, "content": "在吗"}]
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "店")
        store.chats.insert_sessions(shop.id, None, [{"session_key": "s", "buyer_nick": "b", "messages": msgs}])
    (sid,) = store.sessions_browse.ids(SessionFilter())
    with store.transaction():
        store.sessions_browse.set_note(sid, "已回访")
        with pytest.raises(RuntimeError), store.transaction():
            store.sessions_browse.set_reviewed(sid, True, "组长")
            raise RuntimeError("撤回这一步")
    state = store.sessions_browse.review_state(sid)
    assert (state.note, state.reviewed) == ("已回访", False)
    with pytest.raises(RuntimeError), store.transaction():
        store.sessions_browse.set_note(sid, "不该留下")
        raise RuntimeError("整个操作失败")
    assert store.sessions_browse.review_state(sid).note == "已回访"
