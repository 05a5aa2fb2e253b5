"""Import pipeline: encodings, mapping, sessions, idempotency, undo, errors, atomicity."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from cxdesk.errors import Cancelled, ImportFormatError
from cxdesk.importers import (
    TooManyBadRows,
    detect,
    import_file,
    list_batches,
    undo_batch,
    write_rejects_csv,
)
from cxdesk.tasks import NullContext, TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

HEADER = ["会话ID", "角色", "发送账号", "买家昵称", "发送时间", "内容"]


@pytest.fixture
def imp(fixtures_dir: Path) -> Path:
    return fixtures_dir / "import"


def _write_chat(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _chat_rows(n_buyers: int, per_buyer: int) -> list[list[str]]:
    rows = []
    for b in range(n_buyers):
        for i in range(per_buyer):
            role, sender = ("买家", f"buyer{b}") if i % 2 == 0 else ("客服", "店:小王")
            rows.append(["", role, sender, f"buyer{b}", f"2023-05-01 10:{i:02d}:00", f"消息{i}"])
    return rows


# --- encodings and columns -------------------------------------------------------


@pytest.mark.parametrize(
    "name, encoding",
    [
        ("seller_reviews_gbk.csv", "gb18030"),
        ("seller_reviews_bom.csv", "utf-8-sig"),
        ("seller_reviews.csv", "utf-8"),
    ],
)
def test_encoding_detected(store, imp, name, encoding):
    det = detect(imp / name)
    assert det.encoding == encoding and det.kind == "reviews"
    s = import_file(NullContext(), store, imp / name)
    assert s.encoding == encoding and s.rows_added == 3
    assert (
        store.conn.execute("SELECT content FROM reviews WHERE buyer_nick='s***2'").fetchone()[0] == "有线头，做工一般"
    )


def test_columns_auto_detected_and_overridden(store, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("评论,评语,时间\n好看,不好看,2023-05-01 10:00:00\n", encoding="utf-8")
    det = detect(f)
    assert det.kind == "reviews" and det.mapping["content"] == "评论"
    import_file(NullContext(), store, f, mapping={"content": "评语"})
    assert store.conn.execute("SELECT content, created_at FROM reviews").fetchone() == ("不好看", "2023-05-01 10:00:00")


def test_override_unknown_column_is_a_chinese_error(store, imp):
    with pytest.raises(ImportFormatError, match="列“不存在”不在文件中"):
        import_file(NullContext(), store, imp / "seller_reviews.csv", mapping={"content": "不存在"})


# --- sessions --------------------------------------------------------------------------


def test_sessions_split_by_gap_and_agent_is_who_answered_most(store, imp):
    s = import_file(NullContext(), store, imp / "chats_generic.csv")
    rows = store.conn.execute(
        "SELECT buyer_nick, started_at, ended_at, message_count, agent, agents FROM chat_sessions ORDER BY started_at"
    ).fetchall()
    assert s.sessions_added == 3
    # buyer_a: 10:00, 10:05 (one session) and 11:00 (a second one, > 30 min later)
    assert rows[0] == ("buyer_a", "2023-05-01 10:00:00", "2023-05-01 10:05:20", 6, "店:小李", "店:小王,店:小李")
    assert rows[1][:4] == ("buyer_a", "2023-05-01 11:00:00", "2023-05-01 11:01:00", 3)
    roles = dict(store.conn.execute("SELECT content, role FROM chat_messages"))
    assert roles["会话已结束"] == "system" and roles["欢迎光临"] == "bot"


def test_session_gap_is_a_parameter(store, imp):
    s = import_file(NullContext(), store, imp / "chats_generic.csv", session_gap_minutes=90)
    assert s.sessions_added == 2


def test_no_timestamps_one_session_per_buyer(store, imp):
    s = import_file(NullContext(), store, imp / "chats_no_time.csv")
    assert (s.rows_added, s.sessions_added) == (6, 2)
    assert store.conn.execute("SELECT COUNT(*) FROM chat_messages WHERE sent_at IS NULL").fetchone()[0] == 6
    # the repeated "好的" of nt_buyer1 is two messages, not a duplicate
    assert store.conn.execute("SELECT COUNT(*) FROM chat_messages WHERE content='好的'").fetchone()[0] == 2


# --- idempotency -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "qianniu.txt",
        "qianniu_export.csv",
        "jddc_chat_200.txt",
        "jd_chat.json",
        "chats_no_time.csv",
        "seller_reviews.csv",
        "orders.csv",
        "tmall_rate.json",
    ],
)
def test_reimport_adds_nothing(store, imp, name):
    first = import_file(NullContext(), store, imp / name)
    before = store.counts()
    again = import_file(NullContext(), store, imp / name)
    after = store.counts()
    assert again.rows_added == 0 and again.sessions_added == 0
    assert again.rows_duplicate == first.rows_added and again.previous_batch_id == first.batch_id
    assert (after.reviews, after.chat_sessions, after.chat_messages, after.orders) == (
        before.reviews,
        before.chat_sessions,
        before.chat_messages,
        before.orders,
    )


def test_newer_overlapping_export_adds_only_new_messages(store, tmp_path):
    rows = _chat_rows(3, 6)
    old = _write_chat(tmp_path / "old.csv", rows[:4] + rows[6:10])  # partial sessions
    new = _write_chat(tmp_path / "new.csv", rows + [["", "买家", "buyer9", "buyer9", "2023-05-02 08:00:00", "新"]])
    import_file(NullContext(), store, old)
    s = import_file(NullContext(), store, new)
    assert (s.rows_added, s.rows_duplicate, s.sessions_added) == (11, 8, 2)
    assert store.counts().chat_sessions == 4 and store.counts().chat_messages == 19
    counts = store.conn.execute("SELECT buyer_nick, message_count FROM chat_sessions ORDER BY buyer_nick").fetchall()
    assert counts == [("buyer0", 6), ("buyer1", 6), ("buyer2", 6), ("buyer9", 1)]


def test_newer_export_starting_mid_session_joins_stored_session(store, tmp_path):
    rows = _chat_rows(1, 6)
    import_file(NullContext(), store, _write_chat(tmp_path / "a.csv", rows[:4]))
    s = import_file(NullContext(), store, _write_chat(tmp_path / "b.csv", rows[2:]))
    assert (s.rows_added, s.rows_duplicate, s.sessions_added) == (2, 2, 0)
    assert store.conn.execute("SELECT message_count, ended_at FROM chat_sessions").fetchall() == [
        (6, "2023-05-01 10:05:00")
    ]


def test_undo_restores_counts_and_keeps_shared_sessions(store, tmp_path, imp):
    base = store.counts()
    rows = _chat_rows(2, 6)
    b1 = import_file(NullContext(), store, _write_chat(tmp_path / "a.csv", rows[:3] + rows[6:9]))
    after_first = store.counts()
    b2 = import_file(NullContext(), store, _write_chat(tmp_path / "b.csv", rows))
    assert undo_batch(store, b1.batch_id) == 6
    # sessions survive with the messages batch 2 added, and are recomputed
    assert store.conn.execute("SELECT message_count, started_at FROM chat_sessions ORDER BY id").fetchall() == [
        (3, "2023-05-01 10:03:00"),
        (3, "2023-05-01 10:03:00"),
    ]
    undo_batch(store, b2.batch_id)
    assert store.counts().chat_messages == base.chat_messages and store.counts().chat_sessions == 0
    assert {b.status for b in list_batches(store)} == {"undone"}
    r = import_file(NullContext(), store, imp / "seller_reviews.csv")
    undo_batch(store, r.batch_id)
    assert store.counts().reviews == 0 and after_first.chat_messages == 6
    with pytest.raises(Exception, match="撤销过"):
        undo_batch(store, r.batch_id)


# --- errors ---------------------------------------------------------------------------


def test_bad_row_reported_with_line_number_good_rows_kept(store, imp, tmp_path):
    s = import_file(NullContext(), store, imp / "reviews_bad_row.csv")
    assert (s.rows_read, s.rows_added, s.rows_rejected) == (4, 3, 1)
    assert s.rejects[0].record_no == 4 and "明天下午" in s.rejects[0].reason
    assert store.batches.rejects(s.batch_id)[0][:2] == (4, "时间“明天下午”无法识别")
    assert "第 4 行" in s.describe()
    out = tmp_path / "err.csv"
    assert write_rejects_csv(store, s.batch_id, out) == 1
    text = out.read_text(encoding="utf-8-sig")
    assert "行号/记录号" in text and "明天下午" in text


def test_many_rejects_go_to_the_store_and_only_the_first_stay_in_memory(store, tmp_path, monkeypatch):
    from cxdesk.importers import _pipeline

    monkeypatch.setattr(_pipeline, "REJECTS_KEPT_IN_MEMORY", 10)
    f = tmp_path / "r.csv"
    lines = ["评价内容,评价时间"] + [
        f"好评{i},{'明天下午' if i % 3 == 0 else '2024-05-01 10:00:00'}" for i in range(90)
    ]
    f.write_text("\n".join(lines), encoding="utf-8")
    s = import_file(NullContext(), store, f, chunk_size=7)  # rejects arrive over many chunks
    assert (s.rows_read, s.rows_added, s.rows_rejected, len(s.rejects)) == (90, 60, 30, 10)
    stored = store.batches.rejects(s.batch_id)
    assert len(stored) == 30 and [n for n, _, _ in stored] == list(range(2, 92, 3))
    assert "另有 25 条错误" in s.describe()
    out = tmp_path / "err.csv"
    assert write_rejects_csv(store, s.batch_id, out) == 30


def test_mostly_bad_file_fails_and_writes_nothing(store, imp):
    before = store.counts()
    with pytest.raises(TooManyBadRows, match="超过 50%") as exc:
        import_file(NullContext(), store, imp / "reviews_mostly_bad.csv")
    assert len(exc.value.rejects) == 4
    assert store.counts() == before
    assert store.conn.execute("SELECT COUNT(*) FROM import_batches").fetchone()[0] == 0
    s = import_file(NullContext(), store, imp / "reviews_mostly_bad.csv", max_bad_share=0.9)
    assert s.rows_added == 1


@pytest.mark.parametrize(
    "name, kind, message",
    [
        ("orders.csv", "reviews", "看起来是订单文件"),
        ("qianniu.txt", "reviews", "看起来是客服聊天记录文件"),
        ("image_renamed.csv", None, "PNG 图片"),
        ("empty.csv", None, "是空的"),
        ("no_header.xlsx", None, "找不到可识别的表头"),
    ],
)
def test_wrong_files_get_chinese_messages(store, imp, name, kind, message):
    with pytest.raises(ImportFormatError, match=message):
        import_file(NullContext(), store, imp / name, kind=kind)
    assert store.counts().import_batches == 0


def test_unrecognised_xlsx_can_be_mapped_by_hand(store, imp):
    s = import_file(NullContext(), store, imp / "no_header.xlsx", kind="orders", mapping={"order_id": "名称"})
    assert s.rows_added == 2


def test_failure_mid_import_leaves_store_unchanged(store, tmp_path, monkeypatch):
    import_file(NullContext(), store, _write_chat(tmp_path / "seed.csv", _chat_rows(1, 2)))
    before = store.counts()
    f = _write_chat(tmp_path / "big.csv", _chat_rows(50, 10))
    real = store.chats.insert_message_rows
    calls = []

    def flaky(rows):
        calls.append(len(rows))
        if len(calls) > 1:
            raise OSError("磁盘已满（模拟）")
        return real(rows)

    monkeypatch.setattr(store.chats, "insert_message_rows", flaky)
    with pytest.raises(OSError):
        import_file(NullContext(), store, f, chunk_size=100)
    assert len(calls) == 2 and store.counts() == before


def test_cancel_rolls_back(store, tmp_path):
    f = _write_chat(tmp_path / "big.csv", _chat_rows(50, 10))
    seen = []

    def on_progress(done, total, msg):
        seen.append(done)
        if len(seen) == 3:
            ctx.cancel()

    ctx = TaskContext(on_progress)
    with pytest.raises(Cancelled):
        import_file(ctx, store, f, chunk_size=100)
    assert store.counts().chat_messages == 0 and store.counts().import_batches == 0


def test_progress_reaches_total(store, imp):
    seen: list[tuple[int, int]] = []
    import_file(TaskContext(lambda d, t, m: seen.append((d, t))), store, imp / "jddc_chat_200.txt")
    assert seen[-1][0] == seen[-1][1] > 0


def test_shop_and_platform_override(store, imp, tmp_path):
    copy = tmp_path / "x.csv"
    shutil.copy(imp / "orders.csv", copy)
    s = import_file(NullContext(), store, copy, platform="京东", shop="我的京东店")
    assert (s.platform, s.shop) == ("jd", "我的京东店")
    assert [(sh.platform, sh.name) for sh in store.shops.all()] == [("jd", "我的京东店")]


# --- the reader process: atomic like the thread path ------------------------------------


def test_reader_process_failure_mid_file_leaves_store_unchanged(store, tmp_path, monkeypatch):
    import_file(NullContext(), store, imp_seed := _write_chat(tmp_path / "seed.csv", _chat_rows(1, 2)), shop="另一家店")
    before = store.counts()
    f = _write_chat(tmp_path / "big.csv", _chat_rows(50, 10))
    real = store.chats.insert_message_columns
    calls = []

    def flaky(*args):
        calls.append(1)
        if len(calls) > 1:
            raise OSError("磁盘已满（模拟）")
        return real(*args)

    monkeypatch.setattr(store.chats, "insert_message_columns", flaky)
    with pytest.raises(OSError):
        import_file(NullContext(), store, f, chunk_size=100, reader_process=True)
    assert len(calls) == 2 and store.counts() == before and imp_seed.exists()


def test_reader_process_cancel_rolls_back_and_stops_the_reader(store, tmp_path, monkeypatch):
    from cxdesk.importers import _chatproc

    started = []
    real_init = _chatproc.ReaderProcess.__init__

    def spy(self, *a, **kw):
        real_init(self, *a, **kw)
        started.append(self)

    monkeypatch.setattr(_chatproc.ReaderProcess, "__init__", spy)
    f = _write_chat(tmp_path / "big.csv", _chat_rows(50, 10))
    seen = []

    def on_progress(done, total, msg):
        seen.append(done)
        if len(seen) == 3:
            ctx.cancel()

    ctx = TaskContext(on_progress)
    with pytest.raises(Cancelled):
        import_file(ctx, store, f, chunk_size=100, reader_process=True)
    assert len(started) == 1 and not started[0]._proc.is_alive()
    assert store.counts().chat_messages == 0 and store.counts().import_batches == 0


def test_reader_process_killed_importer_leaves_store_unchanged(tmp_path):
    """SIGKILL the importing process mid-file: the store is as before, the reader exits."""
    import signal
    import subprocess
    import sys
    import time

    from cxdesk.store import open_store

    db = tmp_path / "k.sqlite3"
    with open_store(db) as st:
        import_file(NullContext(), st, _write_chat(tmp_path / "seed.csv", _chat_rows(1, 2)), shop="另一家店")
        before = st.counts()
    f = _write_chat(tmp_path / "big.csv", _chat_rows(400, 10))
    script = (
        "import multiprocessing, sys, time\n"
        "from cxdesk.importers import import_file\n"
        "from cxdesk.store import open_store\n"
        "from cxdesk.tasks import TaskContext\n"
        "def hang(done, total, msg):\n"
        "    if done:\n"
        "        print(*[p.pid for p in multiprocessing.active_children()], flush=True)\n"
        "        time.sleep(600)\n"
        "if __name__ == '__main__':\n"
        f"    import_file(TaskContext(hang), open_store(r'{db}'), r'{f}', chunk_size=500, reader_process=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    reader_pids = [int(x) for x in proc.stdout.readline().split()]  # printed mid-transaction
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    assert reader_pids
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in reader_pids):
        time.sleep(0.1)
    assert not any(_running(pid) for pid in reader_pids)
    with open_store(db) as st:
        assert st.counts() == before


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "\nState:\tZ" not in fh.read()
    except FileNotFoundError:
        return False
