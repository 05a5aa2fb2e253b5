"""The analysis engine: incremental, versioned, cancellable, same results in processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cxdesk.analysis.engine as engine
from cxdesk.analysis.engine import analyze
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.errors import Cancelled
from cxdesk.records import content_key
from cxdesk.store import Store, open_store
from cxdesk.tasks import CancelToken, TaskContext

ROOT = Path(__file__).resolve().parent.parent

REVIEWS = [
    ("质量很好，做工精细，物流也快，推荐购买", 5),
    ("质量太差了，穿一次就起球破洞，要求退货", 1),
    ("此用户未填写评价内容", 5),
    ("", 4),
]
MESSAGES = [
    ("buyer", "你好，请问这个什么时候发货"),
    ("agent", "亲，48小时内发货哦"),
    ("buyer", "太慢了，东西还坏了，我要投诉你们"),
    ("buyer", "好的谢谢，非常满意"),
]


def _fill(store: Store, n_sessions: int = 1) -> None:
    shop = store.shops.get_or_create("taobao", "测试店")
    with store.transaction():
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {"review_key": content_key(i, text), "content": text, "rating": rating}
                for i, (text, rating) in enumerate(REVIEWS)
            ],
        )
        sessions = []
        for s in range(n_sessions):
            msgs = [
                {
                    "msg_hash": s * 100 + i,
                    "seq": i,
                    "role": role,
                    "sender": "店:小美" if role == "agent" else "b",
                    "sent_at": f"2024-05-01 10:{i:02d}:00",
                    "content": text,
                }
                for i, (role, text) in enumerate(MESSAGES)
            ]
            sessions.append({"session_key": f"s{s}", "buyer_nick": f"b{s}", "messages": msgs})
        store.chats.insert_sessions(shop.id, None, sessions)


def _scored(summary) -> int:
    """Texts the sentiment stages scored in a run (other stages count their own work)."""
    return sum(s.processed for s in summary.stages if s.stage.startswith("sentiment."))


def _sentiment(store: Store, target: str) -> dict[str, tuple]:
    table = "reviews" if target == "review" else "chat_messages"
    rows = store.conn.execute(
        f"SELECT t.content, s.score, s.label, s.no_content, s.model FROM sentiment s "
        f"JOIN {table} t ON t.id = s.target_id WHERE s.target_type = ?",
        (target,),
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_first_run_scores_every_text_and_marks_default_texts(db_path: Path) -> None:
    with open_store(db_path) as store:
        _fill(store)
    summary = analyze(TaskContext(), db_path)
    assert _scored(summary) == len(REVIEWS) + len(MESSAGES)
    with open_store(db_path) as store:
        reviews = _sentiment(store, "review")
        messages = _sentiment(store, "message")
    assert reviews["质量很好，做工精细，物流也快，推荐购买"][1] == "正面"
    assert reviews["质量太差了，穿一次就起球破洞，要求退货"][1] == "负面"
    assert reviews["此用户未填写评价内容"][:3] == (None, None, 1)
    assert reviews[""][2] == 1
    assert messages["太慢了，东西还坏了，我要投诉你们"][1] == "负面"
    assert messages["好的谢谢，非常满意"][1] == "正面"
    # Plain questions and answers are neutral in chat (the review-trained model alone calls them negative).
    assert messages["你好，请问这个什么时候发货"][1] == "中性"
    assert messages["亲，48小时内发货哦"][1] == "中性"
    version = SentimentModel.load().version
    assert {v[3] for v in reviews.values()} == {version}


def test_second_run_with_nothing_new_does_nothing(db_path: Path) -> None:
    with open_store(db_path) as store:
        _fill(store)
    analyze(TaskContext(), db_path)
    again = analyze(TaskContext(), db_path)
    assert again.processed == 0
    assert "没有新的" in again.describe()


def test_new_rows_and_a_new_model_version_are_picked_up(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(db_path) as store:
        _fill(store)
    analyze(TaskContext(), db_path)
    with open_store(db_path) as store:
        shop = store.shops.all()[0]
        with store.transaction():
            store.reviews.insert_many(shop.id, None, [{"review_key": "new", "content": "颜色很正，喜欢"}])
    assert _scored(analyze(TaskContext(), db_path)) == 1

    real_load = SentimentModel.load

    def other_version(path=None):
        model = real_load(path)
        model.version = "sentiment-test-v2"
        return model

    monkeypatch.setattr(SentimentModel, "load", classmethod(lambda cls, path=None: other_version(path)))
    assert _scored(analyze(TaskContext(), db_path)) == len(REVIEWS) + 1 + len(MESSAGES)
    with open_store(db_path) as store:
        assert {v[3] for v in _sentiment(store, "review").values()} == {"sentiment-test-v2"}


def test_cancel_keeps_finished_chunks_and_the_next_run_continues(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    with open_store(db_path) as store:
        _fill(store, n_sessions=5)  # 20 messages = 10 chunks
    token = CancelToken()
    seen = []

    def on_progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if "聊天消息" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        analyze(TaskContext(on_progress, token), db_path)
    with open_store(db_path) as store:
        stored = store.conn.execute("SELECT COUNT(*) FROM sentiment WHERE target_type='message'").fetchone()[0]
        runs = store.results.last_runs()
    assert 0 < stored < 20
    assert runs[0][2] == "cancelled"
    assert _scored(analyze(TaskContext(), db_path)) == 20 - stored


def test_worker_processes_give_the_same_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    for path in (a, b):
        with open_store(path) as store:
            _fill(store, n_sessions=3)
    analyze(TaskContext(), a, workers=1)
    monkeypatch.setattr(engine, "CHUNK_SIZE", 3)
    monkeypatch.setattr(engine, "IN_PROCESS_BELOW", 0)
    progress = []
    analyze(TaskContext(lambda d, t, m: progress.append((d, t))), b, workers=2)
    with open_store(a) as sa, open_store(b) as sb:
        for target in ("review", "message"):
            assert _sentiment(sa, target) == _sentiment(sb, target)
    assert progress[-1] == (1000, 1000)


def test_cli_analyze(db_path: Path) -> None:
    with open_store(db_path) as store:
        _fill(store)
    out = subprocess.run(
        [sys.executable, "main.py", "analyze", "--db", str(db_path), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "分析完成" in out.stdout and "评价情感 4" in out.stdout and "sentiment.review" not in out.stdout
