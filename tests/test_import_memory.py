"""Bounded per-file state of the chat import: spilling to disk changes no stored row.

The limits (buyers and message hashes in memory, aggregate rows, session keys)
are shrunk to a handful so a small file crosses them hundreds of times; the
reader process's code runs in this process (a spawned one would not see the
patched limits) and must store exactly what the unbounded thread path stores.
"""

from __future__ import annotations

import csv
import pickle
import random
from pathlib import Path

import numpy as np
import pytest

from cxdesk.importers import _chatproc, _spill, import_file, registry
from cxdesk.importers._model import Chunk
from cxdesk.store.spill import BloomFilter, SpillMap, text_hashes
from cxdesk.store import open_store
from cxdesk.tasks import NullContext

SESSIONS = (
    "SELECT id, batch_id, buyer_nick, session_key, source_session_id, started_at, ended_at, message_count, "
    "buyer_messages, agent_messages, agent, agents, transferred, repeat_consult FROM chat_sessions ORDER BY id"
)
MESSAGES = "SELECT id, session_id, seq, role, sender, sent_at, content, msg_hash FROM chat_messages ORDER BY id"


class _ReaderHere:
    """The reader process's loop (``_reader_main``) run in this process, parts pickled as they travel."""

    def __init__(self, opts, format_id, gap_minutes):
        self._args = opts, format_id, gap_minutes
        self.end = None
        self.pid = None

    def chunks(self, ctx):
        opts, format_id, gap = self._args
        sessions = _chatproc._LocalSessions(gap)
        spec = registry.get(format_id)
        for chunk in spec.bulk_read(opts):
            msg = sessions.part(chunk.records)
            msg.update(
                t="part",
                rejects=chunk.rejects,
                read=len(chunk.records) + len(chunk.rejects),
                done=chunk.done,
                total=chunk.total,
            )
            msg = pickle.loads(pickle.dumps(msg))
            yield Chunk(_chatproc._Part(msg), msg["rejects"], msg["done"], msg["total"])
        self.end = pickle.loads(pickle.dumps({"t": "end", **sessions.end()}))

    def close(self):
        pass


def _interleaved_chats(path: Path, buyers: int = 40, seed: int = 3, timeless: bool = True) -> Path:
    """Buyers talking at the same time (rows in time order, not grouped by buyer): each
    returns many chunks later, within the session gap or after it, some with session ids
    that come back, some repeating "好的" within a session, one without any times."""
    rnd = random.Random(seed)
    rows = []
    for b in range(buyers):
        t = 1_682_900_000 + rnd.randint(0, 3600)
        for k in range(rnd.randint(2, 9)):
            t += rnd.choice([40, 300, 900, 2400, 7200])  # some beyond the 30-minute gap
            sid = f"S{b % 7}-{k % 3}" if b % 5 == 0 else ""
            who = rnd.random() < 0.5
            text = rnd.choice(["好的", "在吗", "好的", f"问题{b}-{k}"])
            rows.append(
                (t, [sid, "买家" if who else "客服", f"b{b}" if who else f"店:客服{b % 3}", f"b{b}", _fmt(t), text])
            )
    rows.sort(key=lambda r: r[0])
    out = [r[1] for r in rows]
    for i in range(0, len(out) if timeless else 0, 9):  # a buyer without times, all over the file
        out.insert(i, ["", "买家", "nt", "nt", "", "没有时间" if i % 2 else "好的"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["会话ID", "角色", "发送账号", "买家昵称", "发送时间", "内容"])
        w.writerows(out)
    return path


def _fmt(t: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(t))


def _stored(tmp_path: Path, name: str, path: Path, **kw) -> tuple[list, list, tuple]:
    with open_store(tmp_path / f"{name}.sqlite3") as store:
        s = import_file(NullContext(), store, path, **kw)
        counts = (s.rows_read, s.rows_added, s.rows_duplicate, s.sessions_added, len(s.rejects))
        return store.conn.execute(SESSIONS).fetchall(), store.conn.execute(MESSAGES).fetchall(), counts


@pytest.fixture
def tiny_limits(monkeypatch):
    monkeypatch.setattr(_spill, "HOT_BUYERS", 4)
    monkeypatch.setattr(_spill, "HOT_CARRY", 12)
    monkeypatch.setattr(_chatproc, "STATS_ROWS", 6)
    monkeypatch.setattr(_chatproc, "HOT_KEYS", 5)
    monkeypatch.setattr(_chatproc, "ReaderProcess", _ReaderHere)


def test_spilled_state_stores_what_unbounded_state_stores(tmp_path, monkeypatch):
    f = _interleaved_chats(tmp_path / "chats.csv")
    chunk = 16
    plain = _stored(tmp_path, "plain", f, chunk_size=chunk, reader_process=False)
    assert plain[2][3] > 80 and plain[2][1] > 200
    monkeypatch.setattr(_spill, "HOT_BUYERS", 4)
    monkeypatch.setattr(_spill, "HOT_CARRY", 12)
    spilled = []
    real_evict = _spill.OpenSessions.evict

    def spy(self, out, carry):
        spilled.append(len(out))
        return real_evict(self, out, carry)

    monkeypatch.setattr(_spill.OpenSessions, "evict", spy)
    thread = _stored(tmp_path, "thread", f, chunk_size=chunk, reader_process=False)
    assert len(spilled) > 5  # the limits were crossed, many times
    assert thread == plain
    monkeypatch.setattr(_chatproc, "STATS_ROWS", 6)
    monkeypatch.setattr(_chatproc, "HOT_KEYS", 5)
    monkeypatch.setattr(_chatproc, "ReaderProcess", _ReaderHere)
    here = _stored(tmp_path, "reader", f, chunk_size=chunk, reader_process=True)
    assert here[0] == plain[0]  # same ids, keys, derived columns
    assert here[1] == plain[1]  # same messages, ids and hashes
    assert here[2] == plain[2]


def test_reader_state_stays_bounded(tmp_path, tiny_limits):
    """The reader's in-memory state after each part never exceeds the limits (plus one chunk)."""
    f = _interleaved_chats(tmp_path / "chats.csv", timeless=False)  # (one endless session keeps its hashes)
    from cxdesk.importers import detect
    from cxdesk.importers._model import ReadOptions
    from cxdesk.importers._pipeline import resolve

    det = detect(f)
    kind, mapping = resolve(det, None, None)
    s = _chatproc._LocalSessions(30)
    chunk = 16
    for part in registry.get(det.format_id).bulk_read(ReadOptions(det, kind, mapping, chunk_size=chunk)):
        s.part(part.records)
        assert len(s._open.index) <= 4 + chunk and len(s._ids) <= 5 + chunk
        assert len(s._carry_g) <= 12 + 3 * chunk
        assert sum(len(p["s"]) for p in s._stats) <= 6 + 3 * chunk
    assert s._open.spill is not None and s._open.spill.size > 10 and s._old_ids.size > 30
    s.end()


def test_spill_map_and_bloom_filter():
    m = SpillMap(("a", "b"))
    keys = [f"买家{i}" for i in range(5000)]
    m.put(keys[:3000], [(i, b"x" * (i % 5)) for i in range(3000)])
    m.put(keys[3000:4000], [(i, None) for i in range(3000, 4000)])
    found = m.take(keys[2990:4010] + ["无此人"], remove=True)
    assert sorted(found) == sorted(keys[2990:4000]) and found[keys[2995]] == (2995, b"x" * 0)
    assert m.take(keys[2990:3010]) == {} and m.size == 4000 - 1010
    assert m.take([keys[5]]) == {keys[5]: (5, b"x" * 0)}
    m.close()
    bloom = BloomFilter(bits_log2=16)
    h = text_hashes(keys)
    bloom.add(h[:2000])
    assert bloom.may_contain(h[:2000]).all()
    assert bloom.may_contain(h[2000:]).mean() < 0.05
    assert text_hashes(["a"]).dtype == np.int64
