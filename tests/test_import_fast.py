"""The vectorised chat path (pandas readers + chunk-wise ChatWriter) against the row path."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from cxdesk.importers import import_file, registry
from cxdesk.store import open_store
from cxdesk.tasks import NullContext

SESSIONS = (
    "SELECT buyer_nick, session_key, source_session_id, started_at, ended_at, message_count, "
    "buyer_messages, agent_messages, agent, agents, transferred, repeat_consult FROM chat_sessions ORDER BY id"
)
MESSAGES = (
    "SELECT s.session_key, m.seq, m.role, m.sender, m.sent_at, m.content, m.msg_hash FROM chat_messages m "
    "JOIN chat_sessions s ON s.id = m.session_id ORDER BY s.session_key, m.seq"
)


@pytest.fixture
def imp(fixtures_dir: Path) -> Path:
    return fixtures_dir / "import"


def _row_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make import_file use each format's reference row reader."""
    for fid, spec in list(registry._BY_ID.items()):
        monkeypatch.setitem(registry._BY_ID, fid, dataclasses.replace(spec, bulk_read=None))


def _load(tmp_path: Path, name: str, path: Path, **kw) -> tuple[list, list, object]:
    with open_store(tmp_path / f"{name}.sqlite3") as store:
        s = import_file(NullContext(), store, path, **kw)
        return store.conn.execute(SESSIONS).fetchall(), store.conn.execute(MESSAGES).fetchall(), s


def _bad_chat_csv(path: Path) -> Path:
    rows = [
        ["b1", "买家", "b1", "2023-05-01 10:00:00", "你好"],
        ["b1", "客服", "店:小王", "2023-05-01 10:00:30", "  在的  "],
        ["b1", "", "", "2023-05-01 10:01:00", "角色和账号都没有"],  # no role, no sender
        ["b1", "路人", "某人", "2023-05-01 10:01:00", "角色不明"],  # unknown role and sender
        ["", "买家", "x", "2023-05-01 10:02:00", "没有买家"],  # no buyer
        ["b1", "买家", "b1", "明天下午", "时间坏了"],  # bad time
        ["b1", "买家", "b1", "2023-05-01 10:03:00", "   "],  # empty content
        ["b1", "买家", "b1", "2023/5/1 10:04", "宽松时间"],  # loose time, parsed
        ["b1", "客服", "店:店小蜜", "2023-05-01 10:04:30", "自动回复"],  # bot by sender
        ["b2", "", "b2", "2023-05-01 11:00:00", "多行\n内容"],  # buyer by own nick, 2 lines
        ["b2", "", "店：小李", "2023-05-01 11:00:10", "全角冒号客服"],
        ["b2", "买家", "", "", "没有时间"],
        ["b1", "买家", "b1", "2023-05-01 13:00:00", "隔了很久，新会话"],
        ["b2", "买家", "b2", "2023-05-01 11:00:20", "好的"],
        ["b2", "买家", "b2", "2023-05-01 11:00:20", "好的"],  # same again: a second message
    ]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["买家昵称", "角色", "发送账号", "发送时间", "内容"])
        w.writerows(rows)
    return path


@pytest.mark.parametrize(
    "name", ["qianniu_export.csv", "jddc_chat_200.txt", "chats_generic.csv", "chats_no_time.csv", "bad"]
)
def test_vectorised_path_equals_row_path(tmp_path, imp, monkeypatch, name):
    path = _bad_chat_csv(tmp_path / "bad.csv") if name == "bad" else imp / name
    fast = _load(tmp_path, "fast", path)
    _row_path(monkeypatch)
    slow = _load(tmp_path, "slow", path)
    assert fast[0] == slow[0] and fast[1] == slow[1]
    assert fast[2].rejects == slow[2].rejects
    assert (fast[2].rows_read, fast[2].rows_added, fast[2].sessions_added) == (
        slow[2].rows_read,
        slow[2].rows_added,
        slow[2].sessions_added,
    )
    if name == "bad":
        assert [r.record_no for r in fast[2].rejects] == [4, 5, 6, 7, 8]
        assert len([m for m in fast[1] if m[5] == "好的"]) == 2


@pytest.mark.parametrize("name", ["qianniu_export.csv", "jddc_chat_200.txt", "chats_generic.csv", "bad"])
@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_chunk_boundaries_do_not_split_sessions(tmp_path, imp, name, chunk):
    path = _bad_chat_csv(tmp_path / "bad.csv") if name == "bad" else imp / name
    whole = _load(tmp_path, "whole", path)
    small = _load(tmp_path, "small", path, chunk_size=chunk)
    # session ids follow the chunks (buyer-grouped within one), so compare as sets
    assert sorted(small[0]) == sorted(whole[0]) and small[1] == whole[1]
    assert small[2].rejects == whole[2].rejects


def test_derived_columns_equal_the_store_refresh(tmp_path, imp):
    for name in ("qianniu_export.csv", "jddc_chat_200.txt", "chats_generic.csv", "qianniu.txt", "jd_chat.json"):
        with open_store(tmp_path / f"{name}.sqlite3") as store:
            import_file(NullContext(), store, imp / name, chunk_size=4)
            before = store.conn.execute(SESSIONS).fetchall()
            with store.transaction():
                store.chats.refresh_sessions([r[0] for r in store.conn.execute("SELECT id FROM chat_sessions")])
            assert store.conn.execute(SESSIONS).fetchall() == before, name


def test_row_the_c_parser_refuses_continues_by_rows(tmp_path, monkeypatch):
    f = tmp_path / "ragged.csv"
    lines = ["买家昵称,角色,发送账号,发送时间,内容"]
    lines += [f"b{i},买家,b{i},2023-05-01 10:00:{i:02d},消息{i}" for i in range(10)]
    lines += ["b3,客服,店:小王,2023-05-01 10:01:00,多了一列,额外"]
    lines += [f"b{i},客服,店:小王,2023-05-01 10:02:{i:02d},回复{i}" for i in range(10)]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = _load(tmp_path, "fast", f, chunk_size=4)
    _row_path(monkeypatch)
    slow = _load(tmp_path, "slow", f, chunk_size=4)
    assert fast[0] == slow[0] and fast[1] == slow[1] and fast[2].rows_added == 21


def test_reimport_across_chunks_and_duplicates_in_a_session(tmp_path):
    f = _bad_chat_csv(tmp_path / "bad.csv")
    with open_store(tmp_path / "x.sqlite3") as store:
        first = import_file(NullContext(), store, f, chunk_size=2)
        again = import_file(NullContext(), store, f, chunk_size=5)
        assert again.rows_added == 0 and again.rows_duplicate == first.rows_added
        assert store.conn.execute("SELECT COUNT(*) FROM chat_messages WHERE content='好的'").fetchone()[0] == 2


# --- the reader process (big files into a shop without sessions) ------------------------

IDS_SESSIONS = "SELECT id, shop_id, batch_id, " + SESSIONS.split("SELECT ", 1)[1]
IDS_MESSAGES = (
    "SELECT id, session_id, shop_id, batch_id, seq, role, sender, sent_at, content, msg_hash "
    "FROM chat_messages ORDER BY id"
)


def _load_ids(tmp_path: Path, name: str, path: Path, **kw) -> tuple[list, list, object]:
    with open_store(tmp_path / f"{name}.sqlite3") as store:
        s = import_file(NullContext(), store, path, **kw)
        return store.conn.execute(IDS_SESSIONS).fetchall(), store.conn.execute(IDS_MESSAGES).fetchall(), s


@pytest.mark.parametrize(
    "name", ["qianniu_export.csv", "jddc_chat_200.txt", "chats_generic.csv", "chats_no_time.csv", "bad"]
)
@pytest.mark.parametrize("chunk", [3, 100_000])
def test_reader_process_stores_exactly_what_the_thread_path_stores(tmp_path, imp, name, chunk):
    path = _bad_chat_csv(tmp_path / "bad.csv") if name == "bad" else imp / name
    here = _load_ids(tmp_path, "thread", path, chunk_size=chunk, reader_process=False)
    there = _load_ids(tmp_path, "process", path, chunk_size=chunk, reader_process=True)
    assert there[0] == here[0] and there[1] == here[1]  # same ids, derived columns, hashes
    assert there[2].rejects == here[2].rejects and there[2].rejects is not here[2].rejects
    assert (there[2].rows_read, there[2].rows_added, there[2].rows_duplicate, there[2].sessions_added) == (
        here[2].rows_read,
        here[2].rows_added,
        here[2].rows_duplicate,
        here[2].sessions_added,
    )


def test_reader_process_sessions_spanning_chunks_and_reused_ids(tmp_path):
    """One buyer's sessions cut by chunk ends, and a source session id that comes back
    later (its messages join the first session of that id)."""
    f = tmp_path / "t.csv"
    rows = [["s1", "买家", "b1", "b1", f"2023-05-01 10:0{i}:00", f"问{i}"] for i in range(5)]
    rows += [["s2", "客服", "店:小王", "b1", "2023-05-01 10:06:00", "答"]]
    rows += [["s1", "客服", "店:小李", "b1", "2023-05-01 10:07:00", "回到 s1"]]
    rows += [["", "买家", "b2", "b2", f"2023-05-01 1{i}:00:00", "隔一小时"] for i in range(4)]
    with open(f, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["会话ID", "角色", "发送账号", "买家昵称", "发送时间", "内容"])
        w.writerows(rows)
    for chunk in (1, 2, 4):
        here = _load_ids(tmp_path, f"t{chunk}", f, chunk_size=chunk, reader_process=False)
        there = _load_ids(tmp_path, f"p{chunk}", f, chunk_size=chunk, reader_process=True)
        assert there[0] == here[0] and there[1] == here[1], chunk
        assert there[2].sessions_added == 6  # s1, s2, and b2's four one-hour-apart sessions
    s1 = [r for r in there[0] if r[4] == "sid:s1"][0]
    assert s1[8:13] == (6, 5, 1, "店:小李", "店:小李")  # message/buyer/agent counts, agent, agents


def test_reader_process_then_reimport_adds_nothing(tmp_path, imp):
    with open_store(tmp_path / "x.sqlite3") as store:
        first = import_file(NullContext(), store, imp / "jddc_chat_200.txt", reader_process=True)
        again = import_file(NullContext(), store, imp / "jddc_chat_200.txt", reader_process=True)
        assert first.rows_added == 200 and again.rows_added == 0 and again.rows_duplicate == 200
        assert store.counts().chat_messages == 200 and store.counts().chat_sessions == first.sessions_added


def test_few_value_hashes_equal_per_cell_hashes():
    import numpy as np

    from cxdesk.importers._msgframe import value_hashes

    values = np.array(["买家", None, "店:小王", "买家", "", "nan", "店:小王 "] * 50, dtype=object)
    assert (value_hashes(values, few=True) == value_hashes(values)).all()


def test_reads_get_smaller_near_the_end_of_the_file():
    """The last part is inserted after the reader is done: it stays a quarter chunk at most."""
    from cxdesk.importers._fastchat import _next_rows

    assert _next_rows(100_000, 0, 0, 86_000_000) == 100_000
    assert _next_rows(100_000, 500_000, 43_000_000, 86_000_000) == 100_000
    assert _next_rows(100_000, 900_000, 80_000_000, 86_000_000) == 33_750  # ~67k rows left: half of them
    assert _next_rows(100_000, 990_000, 86_000_000, 86_000_000) == 25_000  # all read ahead: a quarter chunk
    assert _next_rows(3, 10, 10, 100) == 3  # tiny chunks as asked


@pytest.mark.parametrize("values", [["a", "b"], ["a", None, "b"], [None, None], [], ["a", "x\x00y", None]])
def test_reader_process_text_columns_round_trip(values):
    import numpy as np

    from cxdesk.importers._chatproc import _pack, _unpack

    assert _unpack(_pack(np.array(values, dtype=object))) == values


def test_session_keys_inline_the_stored_content_key_format() -> None:
    # session_keys spells content_key("session", buyer, first_time) out for speed: stores
    # imported earlier hold keys made by content_key, so the two must never drift apart.
    from cxdesk.importers._sessions import session_keys
    from cxdesk.records import content_key

    buyers = ["买家甲", "tb_12345", "买家乙"]
    times = ["2024-05-01 10:20:33", "2024-06-30 23:59:59", None]
    expected = [
        content_key("session", b, t) if t is not None else content_key("session", b)  # no time: buyer only
        for b, t in zip(buyers, times)
    ]
    assert session_keys(buyers, [None, None, None], times) == expected
    assert session_keys(["买家甲"], ["S-9"], ["2024-05-01 10:20:33"]) == ["sid:S-9"]
