"""Deleting a buyer's data: nothing that names them or holds their texts is left, nobody else's rows move.

The store: the first rows of the demo shop's exports (reviews, chats, orders), the chats
imported under two shops, analysed (flags, risk scores, FAQ questions, the search index).
"""

from __future__ import annotations

import csv
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from cxdesk.cli import main
from cxdesk.demo import DEFAULT_SEED
from cxdesk.demo._generate import generate
from cxdesk.demo._writers import write_platform_files
from cxdesk.importers import import_file
from cxdesk.ops import BUYERS, CHATS, FAQ, FLAGS, REVIEWS, run_op
from cxdesk.ops import buyer_data
from cxdesk.store import Store, open_store
from cxdesk.store.catalog import is_postgres
from cxdesk.store.text_vectors import text_key
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

SHOP, OTHER_SHOP = "小棉袄童装旗舰店", "第二家店"
FTS_PREFIXES = ("search_messages", "search_reviews")


def _head(path: Path, folder: Path, rows: int) -> Path:
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"
    head = list(csv.reader(raw.decode(encoding).splitlines()))[: rows + 1]
    out = folder / path.name
    with open(out, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(head)
    return out


@pytest.fixture(scope="module")
def analysed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cxdesk.analysis import sentence_vectors
    from cxdesk.analysis.engine import analyze

    folder = tmp_path_factory.mktemp("buyer-data")
    files = write_platform_files(generate(DEFAULT_SEED), folder / "demo")
    taobao = {f.kind: f.path for f in files if f.platform == "taobao"}
    db = folder / "store.sqlite3"
    ctx = TaskContext()
    checked, data_dir = sentence_vectors._checked, os.environ.get("CXDESK_DATA_DIR")
    sentence_vectors._checked = False  # the encoder adds seconds and nothing to delete here
    os.environ["CXDESK_DATA_DIR"] = str(folder / "data")  # module scope: before the per-test data folder
    try:
        with open_store(db) as store:
            import_file(ctx, store, _head(taobao["reviews"], folder, 150), kind="reviews", platform="taobao", shop=SHOP)
            chats = _head(taobao["chats"], folder, 1500)
            import_file(ctx, store, chats, kind="chats", platform="taobao", shop=SHOP)
            import_file(ctx, store, chats, kind="chats", platform="taobao", shop=OTHER_SHOP)
            import_file(ctx, store, _head(taobao["orders"], folder, 300), kind="orders", platform="taobao", shop=SHOP)
        analyze(ctx, db, workers=1)
    finally:
        sentence_vectors._checked = checked
        if data_dir is None:
            os.environ.pop("CXDESK_DATA_DIR", None)
        else:
            os.environ["CXDESK_DATA_DIR"] = data_dir
    return db


@pytest.fixture
def store(analysed_db: Path, on_engine):
    with open_store(on_engine(analysed_db)) as s:
        yield s


def _all_nicks(store: Store) -> list[str]:
    rows = store.conn.execute(
        "SELECT buyer_nick FROM chat_sessions UNION SELECT buyer_nick FROM reviews WHERE buyer_nick IS NOT NULL "
        "UNION SELECT buyer_nick FROM orders WHERE buyer_nick IS NOT NULL"
    )
    return [r[0] for r in rows]


def _chat_buyer(store: Store) -> str:
    """The chat buyer with the most FAQ questions and risk flags whose nick is no part of another nick."""
    nicks = _all_nicks(store)
    ranked = store.conn.execute(
        "SELECT s.buyer_nick, COUNT(DISTINCT f.message_id) + COUNT(DISTINCT x.id) AS n FROM chat_sessions s "
        "LEFT JOIN faq_members f ON f.session_id = s.id "
        "LEFT JOIN risk_flags x ON x.target_type = 'session' AND x.target_id = s.id "
        "GROUP BY s.buyer_nick ORDER BY COUNT(DISTINCT x.id) > 0 AND COUNT(DISTINCT f.message_id) > 0 DESC, n DESC"
    ).fetchall()
    return next(n for n, _ in ranked if not any(n in other for other in nicks if other != n))


def _review_buyer(store: Store) -> str:
    """A reviewer who also has orders (and whose nick is no part of another nick)."""
    nicks = _all_nicks(store)
    rows = store.conn.execute(
        "SELECT r.buyer_nick FROM reviews r JOIN orders o ON o.buyer_nick = r.buyer_nick "
        "GROUP BY r.buyer_nick ORDER BY COUNT(*) DESC"
    ).fetchall()
    return next(n for (n,) in rows if not any(n in other for other in nicks if other != n))


def _their_texts(store: Store, nick: str) -> set[str]:
    q = store.conn.execute
    texts = {r[0] for r in q("SELECT content FROM reviews WHERE buyer_nick = ?", (nick,)) if r[0]}
    texts |= {r[0] for r in q("SELECT append_content FROM reviews WHERE buyer_nick = ?", (nick,)) if r[0]}
    texts |= {
        r[0]
        for r in q(
            "SELECT m.content FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.buyer_nick = ?",
            (nick,),
        )
        if r[0]
    }
    return texts


def _only_theirs(store: Store, nick: str) -> set[str]:
    """Their texts that no other buyer's text contains (others may say the same words)."""
    others = _others_texts(store, nick)
    return {t for t in _their_texts(store, nick) if not any(t in o for o in others)}


def _others_texts(store: Store, nick: str) -> set[str]:
    q = store.conn.execute
    texts = {r[0] for r in q("SELECT content FROM reviews WHERE buyer_nick IS NOT ?", (nick,))}
    texts |= {r[0] for r in q("SELECT append_content FROM reviews WHERE buyer_nick IS NOT ?", (nick,))}
    texts |= {
        r[0]
        for r in q(
            "SELECT m.content FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.buyer_nick != ?",
            (nick,),
        )
    }
    return {t for t in texts if t}


def _text_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every (table, column) of the store's own tables, asked the way the engine answers."""
    if is_postgres(conn):
        return list(
            conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE') ORDER BY table_name, ordinal_position"
            )
        )
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if not r[0].startswith(FTS_PREFIXES)
    ]
    return [(t, c[1]) for t in tables for c in conn.execute(f'PRAGMA table_info("{t}")')]


def _holding(conn: sqlite3.Connection, needle: str) -> list[str]:
    """Every table.column whose value contains ``needle``."""
    found = []
    for table, column in _text_columns(conn):
        n = conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE instr(CAST("{column}" AS TEXT), ?) > 0', (needle,))
        if n.fetchone()[0]:
            found.append(f"{table}.{column}")
    return found


def _others_rows(store: Store, nick: str) -> dict[str, set]:
    q = store.conn.execute
    return {
        "reviews": set(q("SELECT id, content, append_content FROM reviews WHERE buyer_nick IS NOT ?", (nick,))),
        "sessions": set(q("SELECT id, shop_id, message_count FROM chat_sessions WHERE buyer_nick != ?", (nick,))),
        "messages": set(
            q(
                "SELECT m.id, m.content FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
                "WHERE s.buyer_nick != ?",
                (nick,),
            )
        ),
        "orders": set(q("SELECT id, order_id FROM orders WHERE buyer_nick IS NOT ?", (nick,))),
        "flags": set(
            q(
                "SELECT id, status FROM risk_flags WHERE NOT ((target_type = 'session' AND target_id IN "
                "(SELECT id FROM chat_sessions WHERE buyer_nick = ?1)) OR (target_type = 'message' AND target_id IN "
                "(SELECT m.id FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE s.buyer_nick = ?1)) "
                "OR (target_type = 'review' AND target_id IN (SELECT id FROM reviews WHERE buyer_nick = ?1)))",
                (nick,),
            )
        ),
        "faq": set(
            q(
                "SELECT message_id, cluster_id FROM faq_members WHERE session_id NOT IN "
                "(SELECT id FROM chat_sessions WHERE buyer_nick = ?)",
                (nick,),
            )
        ),
    }


def _fts_hits(store: Store, kind: str, text: str) -> set[int]:
    """Ids the search index (FTS5 on a file, trigrams on a team store) finds for the words of ``text``."""
    from cxdesk.search import SearchFilters, index_text

    tokens = [t for t in index_text(text).split() if t.isalnum()]
    if not tokens:
        return set()
    expr = " AND ".join(f'"{t}"' for t in tokens[:12])
    return {r[0] for r in store.search_index.match(kind, expr, SearchFilters(), None, 1 << 62, 10_000)}


def test_deleting_a_chat_buyer_leaves_nothing_of_them_and_nothing_else_moves(store: Store) -> None:
    nick = _chat_buyer(store)
    q = store.conn.execute
    sessions = [r[0] for r in q("SELECT id FROM chat_sessions WHERE buyer_nick = ?", (nick,))]
    messages = {
        r[0]: r[1]
        for r in q(
            "SELECT m.id, m.content FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id "
            "WHERE s.buyer_nick = ?",
            (nick,),
        )
    }
    unique = _only_theirs(store, nick)
    assert len(sessions) >= 2 and unique  # both shops, and texts only they wrote
    assert q("SELECT COUNT(*) FROM faq_members WHERE session_id IN (SELECT value FROM json_each(?))", (str(sessions),))
    assert all(messages[m] for m in messages)
    indexed = {m for m, text in messages.items() if m in _fts_hits(store, "message", text)}
    assert indexed  # the search index holds their messages before
    others = _others_rows(store, nick)
    vectors = {t: text_key(t) for t in list(unique)[:3]}
    store.text_vectors.put_many("test-model", [(k, np.array([1.0, 0.0])) for k in vectors.values()])
    store.text_vectors.put_many("test-model", [(text_key("别人的一句话"), np.array([0.0, 1.0]))])
    preview = run_op(buyer_data.preview, store, nick).value
    assert preview.sessions == len(sessions) and preview.messages == len(messages)
    assert preview.faq_questions > 0 and preview.flags > 0 and preview.sentiment > 0

    changes = run_op(buyer_data.delete, store, nick)

    assert changes.value == preview  # counts as previewed
    assert changes.touches(BUYERS) and changes.touches(CHATS) and changes.touches(FAQ) and changes.touches(FLAGS)
    assert sorted(changes.ids_of(CHATS)) == sorted(sessions)
    assert _holding(store.conn, nick) == []
    for text in unique:
        assert _holding(store.conn, text) == [], text
    for m in indexed:
        assert m not in _fts_hits(store, "message", messages[m])
    if not is_postgres(store.conn):  # the FTS5 index agrees with what is left (a team store has none)
        q("INSERT INTO search_messages(search_messages, rank) VALUES ('integrity-check', 0)")
    assert store.text_vectors.count("test-model") == 1  # theirs went, the other text's stayed
    assert _others_rows(store, nick) == {
        **others,
        "faq": {r for r in others["faq"] if r[0] not in messages},
    }
    assert run_op(buyer_data.preview, store, nick).value.is_empty


def test_deleting_in_one_shop_keeps_the_same_nick_in_the_other(store: Store) -> None:
    nick = _chat_buyer(store)
    shop_id, other_id = (store.shops.get_or_create("taobao", name).id for name in (SHOP, OTHER_SHOP))
    in_other = store.conn.execute(
        "SELECT id, message_count FROM chat_sessions WHERE buyer_nick = ? AND shop_id = ?", (nick, other_id)
    ).fetchall()
    assert in_other

    counts = run_op(buyer_data.delete, store, nick, shop_id=shop_id).value

    assert counts.sessions > 0 and counts.shop_id == shop_id
    left = store.conn.execute("SELECT id, message_count, shop_id FROM chat_sessions WHERE buyer_nick = ?", (nick,))
    assert [(i, n) for i, n, _ in left.fetchall()] == in_other
    assert run_op(buyer_data.preview, store, nick, shop_id=shop_id).value.is_empty


def test_a_reviewer_loses_reviews_orders_and_their_analysis(store: Store) -> None:
    nick = _review_buyer(store)
    q = store.conn.execute
    reviews = [r[0] for r in q("SELECT id FROM reviews WHERE buyer_nick = ?", (nick,))]
    orders = q("SELECT COUNT(*) FROM orders WHERE buyer_nick = ?", (nick,)).fetchone()[0]
    sentiment = q(
        "SELECT COUNT(*) FROM sentiment WHERE target_type = 'review' AND target_id IN (SELECT value FROM json_each(?))",
        (str(reviews),),
    ).fetchone()[0]
    unique = _only_theirs(store, nick)
    others = _others_rows(store, nick)

    changes = run_op(buyer_data.delete, store, nick)

    counts = changes.value
    assert (counts.reviews, counts.orders, counts.sentiment) == (len(reviews), orders, sentiment)
    assert counts.sessions == 0 and changes.touches(REVIEWS) and not changes.touches(CHATS)
    assert _holding(store.conn, nick) == []
    for text in unique:
        assert _holding(store.conn, text) == []
    assert _others_rows(store, nick) == others


def test_an_unknown_buyer_changes_nothing(store: Store) -> None:
    before = store.counts()
    changes = run_op(buyer_data.delete, store, "从没来过的买家")
    assert not changes.changed and changes.value.is_empty
    assert "没有买家“从没来过的买家”的数据" in changes.summary
    assert store.counts() == before


def test_cli_show_then_delete(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    nick = _chat_buyer(store)
    db = str(store.path)
    expected = run_op(buyer_data.preview, store, nick).value

    assert main(["buyer", "show", "--nick", nick, "--db", db]) == 0
    shown = capsys.readouterr().out
    assert f"将删除所有店铺中买家“{nick}”的数据" in shown and f"{expected.messages:,}" in shown
    assert SHOP in shown and OTHER_SHOP in shown

    # No terminal to ask on and no --yes: nothing is deleted.
    assert main(["buyer", "delete", "--nick", nick, "--db", db]) == 1
    assert "加 --yes" in capsys.readouterr().err
    assert run_op(buyer_data.preview, store, nick).value == expected

    assert main(["buyer", "delete", "--nick", nick, "--yes", "--db", db]) == 0
    assert f"已删除所有店铺中买家“{nick}”的数据" in capsys.readouterr().out
    assert run_op(buyer_data.preview, store, nick).value.is_empty


def test_cli_refuses_an_unknown_shop(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["buyer", "show", "--nick", "x", "--shop", "999", "--db", str(store.path)]) == 1
    assert "没有编号为 999 的店铺" in capsys.readouterr().err


@pytest.mark.sqlite_only("the file's own pages; a team store's server keeps its files")
def test_the_file_itself_keeps_no_trace_of_them(store: Store) -> None:
    """Deleted rows are overwritten, not only unlinked, even where SQLite does not do so by default."""
    nick = _chat_buyer(store)
    unique = _only_theirs(store, nick)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = store.path.read_bytes()
    assert nick.encode() in raw and all(t.encode() in raw for t in unique)
    store.conn.execute("PRAGMA secure_delete = OFF")  # the default of many SQLite builds (Windows' Python)

    run_op(buyer_data.delete, store, nick)

    assert store.conn.execute("PRAGMA secure_delete").fetchone()[0] == 0  # the connection's setting is back
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = store.path.read_bytes()
    assert nick.encode() not in raw
    assert [t for t in unique if t.encode() in raw] == []
