"""Large INSERTs on the team store go through COPY (cxdesk/store/pg/connection.py, ``_bulk_insert``).

The same statements run on three stores: SQLite, PostgreSQL with the COPY path, and PostgreSQL with the
one-statement-per-row path (``BULK_MIN_ROWS`` out of reach). Tables, ids, ``total_changes`` and the
repositories' counts must agree; a constraint error is still ``sqlite3.IntegrityError`` and leaves nothing
behind once the transaction rolls back; savepoints (``store.transaction()`` nested) keep working. Each
test also checks that the COPY path really ran on the PostgreSQL store meant to use it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from cxdesk.store import open_store

pytest.importorskip("psycopg")

from cxdesk.store.pg import connection as pgconn  # noqa: E402

N = 600  # above BULK_MIN_ROWS
MSG = (
    "INSERT INTO chat_messages(session_id, shop_id, batch_id, seq, role, sender, sent_at, content, msg_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
MSG_IGNORE = MSG.replace("INSERT INTO", "INSERT OR IGNORE INTO")
SENT_UPDATE = (
    "INSERT INTO sentiment(target_type, target_id, score, label, no_content, model, content_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(target_type, target_id) DO UPDATE SET "
    "score = sentiment.score + excluded.score, label = excluded.label, model = excluded.model"
)
TEXTS = ["好评\t物流快", "差评\n包装破了", "反斜杠 \\ 和 \\N 和 %s", "", "  空格  ", "emoji 😀", "引号 'a' \"b\""]


class Engines:
    """The three stores of a test, and which PostgreSQL one takes the COPY path."""

    def __init__(self, sqlite, fast, slow, bulk_calls: list) -> None:
        self.sqlite, self.fast, self.slow = sqlite, fast, slow
        self.all = (sqlite, fast, slow)
        self.calls = bulk_calls  # (table, rows, "copied" | "declined" | "raised") of each COPY path attempt

    @property
    def bulk_calls(self) -> list[tuple[str, int]]:
        """(table, rows) of the writes the COPY path made."""
        return [(t, n) for t, n, outcome in self.calls if outcome == "copied"]

    def each(self, fn: Callable) -> list:
        """``fn(store)`` on each store, the slow one with the COPY path out of reach; the answers."""
        out = []
        for store in self.all:
            with _row_by_row(store is self.slow):
                out.append(fn(store))
        return out

    def same(self, sql: str) -> list[tuple]:
        """The rows ``sql`` reads, asserted equal on the three stores."""
        a, b, c = (s.conn.execute(sql).fetchall() for s in self.all)
        assert b == a, "COPY path differs from SQLite"
        assert c == a, "row-by-row path differs from SQLite"
        return a


@contextmanager
def _row_by_row(on: bool) -> Iterator[None]:
    old = pgconn.BULK_MIN_ROWS
    if on:
        pgconn.BULK_MIN_ROWS = 10**12
    try:
        yield
    finally:
        pgconn.BULK_MIN_ROWS = old


@pytest.fixture
def engines(tmp_path, pg_url: str, pg_cluster, monkeypatch) -> Iterator[Engines]:
    calls: list = []
    real = pgconn.PgConnection._bulk_insert

    def spy(self, sql, plan, rows):
        try:
            done = real(self, sql, plan, rows)
        except Exception:
            calls.append((plan.table, len(rows) * plan.groups, "raised"))
            raise
        calls.append((plan.table, len(rows) * plan.groups, "declined" if done is None else "copied"))
        return done

    monkeypatch.setattr(pgconn.PgConnection, "_bulk_insert", spy)
    name = f"slow{os.getpid()}_{tmp_path.name[-20:]}".replace("-", "_").lower()
    slow_url = pg_cluster.create_database(name)
    try:
        with open_store(tmp_path / "s.sqlite3") as a, open_store(pg_url) as b, open_store(slow_url) as c:
            for store in (a, b, c):
                with store.transaction():
                    shop = store.shops.get_or_create("taobao", "测试店").id
                    store.chats.ensure_sessions(
                        shop, None, [(f"s{i}", None, f"买家{i}", False, False) for i in range(4)]
                    )
            yield Engines(a, b, c, calls)
    finally:
        pg_cluster.drop_database(name)


def _messages(n: int, start: int = 0, hashes: Callable[[int], int] = lambda i: i) -> list[tuple]:
    """chat_messages rows with the value types the store writes (and a few it may: bool, numeric text)."""
    rows = []
    for i in range(start, start + n):
        seq: object = i if i % 7 else str(i)  # a number as text: both engines store the number
        rows.append(
            (
                1 + i % 4,
                1,
                None,
                seq,
                ("buyer", "agent", "system")[i % 3],
                None if i % 5 else f"客服{i % 3}",
                None if i % 4 else f"2026-12-0{1 + i % 9} 10:{i % 60:02d}:00",
                TEXTS[i % len(TEXTS)] + str(i),
                hashes(i) + (2**62 if i % 11 == 0 else 0),
            )
        )
    rows[3] = (*rows[3][:3], True, *rows[3][4:])  # a bool in an integer column: stored as 1
    return rows


MSG_ROWS = "SELECT id, session_id, shop_id, batch_id, seq, role, sender, sent_at, content, msg_hash FROM chat_messages"


def test_plain_insert_same_rows_ids_in_order_and_counts(engines: Engines) -> None:
    rows = _messages(N)

    def write(store):
        before = store.conn.total_changes
        with store.transaction():
            store.conn.executemany(MSG, rows)
        return store.conn.total_changes - before

    assert engines.each(write) == [N, N, N]
    got = engines.same(MSG_ROWS + " ORDER BY id")
    assert [r[0] for r in got] == list(range(1, N + 1))  # ids given in the rows' order
    assert [r[8] for r in got] == [r[7] for r in rows]
    assert got[3][4] == 1 and got[7][4] == 7
    assert engines.bulk_calls == [("chat_messages", N)]


def test_insert_or_ignore_multi_row_statements_of_the_importer(engines: Engines) -> None:
    """chats.insert_message_rows sends 100-row VALUES statements: duplicates in and across them are skipped."""
    first = _messages(N, hashes=lambda i: i % (N // 2))  # most (session, hash) pairs twice within the batch
    second = _messages(N, start=N // 2, hashes=lambda i: i % (N // 2))  # most already stored

    def write(store):
        counts = []
        for rows in (first, second):
            before = store.conn.total_changes
            with store.transaction():
                added = store.chats.insert_message_rows(rows)
            counts.append((added, store.conn.total_changes - before))
        return counts

    a, b, c = engines.each(write)
    assert a == b == c
    assert a[0][0] < N and a[1][0] < N  # some rows were skipped, the rest counted
    engines.same(MSG_ROWS + " ORDER BY id")  # ids too
    assert {t for t, _ in engines.bulk_calls} == {"chat_messages"} and len(engines.bulk_calls) == 2
    assert engines.bulk_calls[0][1] == N - N % 100  # the whole statements; the rest went one statement


def _sentiment(n: int, start: int = 0, shift: float = 0.0) -> list[tuple]:
    return [
        (
            "message" if i % 3 else "review",
            i,
            None if i % 13 == 0 else round(i / 1000 + shift, 6) + 1e-9 * (i % 3),
            ("正面", "中性", "负面")[i % 3] if i % 13 else None,
            int(i % 13 == 0),
            "snownlp-0.1" if i % 2 else "lexicon",
            f"h{i:x}",
        )
        for i in range(start, start + n)
    ]


def test_insert_or_replace_and_do_update(engines: Engines) -> None:
    def write(store):
        counts = []
        with store.transaction():
            counts.append(store.results.upsert_sentiment(_sentiment(N)))
        with store.transaction():  # half new, half replacing
            counts.append(store.results.upsert_sentiment(_sentiment(N, start=N // 2, shift=0.5)))
        before = store.conn.total_changes
        with store.transaction():  # an update that reads the stored value
            store.conn.executemany(SENT_UPDATE, _sentiment(N, start=N // 4, shift=2.0))
        counts.append(store.conn.total_changes - before)
        return counts

    a, b, c = engines.each(write)
    assert a == b == c == [N, N, N]
    engines.same("SELECT * FROM sentiment ORDER BY target_type, target_id")
    assert [t for t, _ in engines.bulk_calls] == ["sentiment"] * 3


def test_one_key_twice_in_a_do_update_batch_keeps_the_last(engines: Engines) -> None:
    """A REPLACE batch naming a key twice: the later row wins, as one statement per row does."""
    rows = _sentiment(N) + _sentiment(10, shift=9.0)
    counts = engines.each(lambda s: s.results.upsert_sentiment(rows))
    assert counts[1] == counts[2] == counts[0]
    got = engines.same("SELECT target_id, score FROM sentiment WHERE target_id < 10 ORDER BY target_type, target_id")
    assert all(score is None or score > 9 for _, score in got)
    assert engines.calls == [("sentiment", N + 10, "declined")]  # the row-by-row path wrote it


def test_one_key_twice_written_as_number_and_as_text(engines: Engines) -> None:
    """7 and "7" are one key to both engines: such a batch is written row by row too."""
    rows = _sentiment(N) + [("message", "7", 9.5, "正面", 0, "lexicon", "h-text")]
    counts = engines.each(lambda s: s.results.upsert_sentiment(rows))
    assert counts[1] == counts[2] == counts[0] == N + 1
    assert engines.same("SELECT score, content_hash FROM sentiment WHERE target_id = 7") == [(9.5, "h-text")]
    assert engines.calls == [("sentiment", N + 1, "declined")]


def test_blobs_and_do_nothing(engines: Engines) -> None:
    rows = [("m1", bytes([i % 256, (i * 7) % 256, 0, 92, 10]), bytes(range(i % 50))) for i in range(N)]

    def write(store):
        before = store.conn.total_changes
        with store.transaction():
            store.conn.executemany(
                "INSERT OR IGNORE INTO text_vectors(model, text_hash, vector) VALUES (?, ?, ?)", rows
            )
        return store.conn.total_changes - before

    a, b, c = engines.each(write)
    assert a == b == c == len({r[1] for r in rows})
    engines.same("SELECT model, text_hash, vector FROM text_vectors ORDER BY text_hash")
    assert engines.bulk_calls == [("text_vectors", N)]


@pytest.mark.parametrize("bad", ["not_null", "check"])
def test_constraint_error_raises_integrity_error_and_writes_nothing(engines: Engines, bad: str) -> None:
    rows = _messages(N)
    i = N - 5
    rows[i] = (*rows[i][:7], None, rows[i][8]) if bad == "not_null" else (*rows[i][:4], "robot", *rows[i][5:])

    def write(store):
        with pytest.raises(sqlite3.IntegrityError):
            with store.transaction():
                store.conn.executemany(MSG, _messages(N, start=N))  # a good write first, in the same transaction
                store.conn.executemany(MSG, rows)
        return store.conn.execute("SELECT COUNT(*) FROM chat_messages").fetchone()[0]

    assert engines.each(write) == [0, 0, 0]
    assert engines.calls == [("chat_messages", N, "copied"), ("chat_messages", N, "raised")]
    # Outside a transaction the COPY path writes all rows or none (row by row, each row commits alone).
    with pytest.raises(sqlite3.IntegrityError):
        engines.fast.conn.executemany(MSG, rows)
    assert engines.fast.conn.execute("SELECT COUNT(*) FROM chat_messages").fetchone()[0] == 0
    assert not engines.fast.conn.in_transaction
    assert engines.calls[-1] == ("chat_messages", N, "raised")
    # then the connection works on: the same rows without the bad one
    engines.each(lambda s: s.conn.executemany(MSG, rows[:i] + rows[i + 1 :]))
    # (not the ids: PostgreSQL does not give back the ids a rolled-back write took, on either path)
    engines.same(MSG_ROWS.replace("SELECT id, ", "SELECT ") + " ORDER BY id")
    assert ("chat_messages", N - 1) in engines.bulk_calls


def test_inside_savepoints_and_transaction_after_transaction(engines: Engines) -> None:
    few = _messages(100, start=4 * N)

    def write(store):
        with store.transaction():
            store.conn.executemany(MSG, few)  # row by row
            with pytest.raises(RuntimeError):
                with store.transaction():  # a savepoint: its rows (and the temporary table made here) undone alone
                    store.conn.executemany(MSG, _messages(N, start=N))
                    raise RuntimeError("undo the inner block")
            with store.transaction():
                store.conn.executemany(MSG, _messages(N))
                store.conn.executemany(MSG, _messages(N, start=2 * N))
        with store.transaction():  # the temporary table again, in a new transaction
            store.conn.executemany(MSG, _messages(N, start=3 * N))
        return store.conn.execute("SELECT COUNT(*), MIN(msg_hash), MAX(msg_hash) FROM chat_messages").fetchone()

    a, b, c = engines.each(write)
    assert a == b == c
    got = engines.same("SELECT msg_hash % 1000000, content FROM chat_messages ORDER BY id")
    assert len(got) == 3 * N + 100 and not [h for h, _ in got if N <= h < 2 * N]
    assert len(engines.bulk_calls) == 4


def test_small_batches_and_other_statements_keep_the_row_by_row_path(engines: Engines) -> None:
    few = _messages(pgconn.BULK_MIN_ROWS - 1)
    engines.each(lambda s: s.conn.executemany(MSG, few))
    engines.each(lambda s: s.conn.executemany("UPDATE chat_messages SET sender = ? WHERE id = ?", [("x", 3)] * 600))
    engines.each(
        lambda s: s.conn.executemany(
            "INSERT INTO meta(key, value) VALUES (?, upper(?))", [(f"k{i}", f"v{i}") for i in range(600)]
        )
    )
    engines.same("SELECT key, value FROM meta WHERE key LIKE 'k%' ORDER BY key")
    engines.same(MSG_ROWS + " ORDER BY id")
    assert engines.calls == []
