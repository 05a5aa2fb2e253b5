"""客服绩效's frames come back from the on-disk cache until the store's data changes (issue 17, point 9).

A big store's first visit after start-up read every message again (~5 s at 1M); the frames are kept in
the cache folder with a fingerprint of what they are built from. Here the size threshold is lowered to
the small KPI fixture, and the cache folder is the test's own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis import agent_frames_cache as frames_cache
from cxdesk.analysis import agent_kpis
from cxdesk.analysis.agent_kpis import cached_frames, cached_kpi_table, load_frames
from cxdesk.store import Store
from test_agent_kpis import load_fixture


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """Every real build of the frames (the cache folder is the test's, every store counts as big)."""
    monkeypatch.setenv("CXDESK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(frames_cache, "MIN_MESSAGES", 1)
    seen: list[int] = []
    real = agent_kpis.build_frames

    def counting(*args, **kwargs):
        seen.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(agent_kpis, "build_frames", counting)
    return seen


def _same(a, b) -> bool:
    return a.agents == b.agents and a.sessions.equals(b.sessions) and a.turns.equals(b.turns)


def test_frames_come_back_from_disk_with_their_tables(store: Store, db_path: Path, builds: list[int]) -> None:
    load_fixture(store)
    first = load_frames(None, db_path, views=[dict(period="day")])
    assert builds == [1]
    again = load_frames(None, db_path)  # as after a restart: nothing in memory
    assert builds == [1] and again is not first and _same(again, first)
    assert cached_kpi_table(again, "day").equals(cached_kpi_table(first, "day"))
    assert cached_frames(db_path) is not None  # what the page asks before starting a process


def test_an_import_an_analysis_run_or_a_false_alarm_builds_them_again(
    store: Store, db_path: Path, builds: list[int]
) -> None:
    load_fixture(store)
    load_frames(None, db_path)
    load_fixture(store, name="第二家店")  # an import
    assert cached_frames(db_path) is None
    second = load_frames(None, db_path)
    assert builds == [1, 1] and len(second.sessions) > 0
    with store.transaction():  # an analysis run (new sentiment, new flags)
        store.conn.execute("INSERT INTO analysis_runs(stage, version, status) VALUES ('sentiment', 't', 'done')")
        message = store.conn.execute("SELECT id FROM chat_messages WHERE role = 'agent' LIMIT 1").fetchone()[0]
        flag = store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, status, rules_version) "
            "VALUES ('message', ?, 'agent.rude', '客服违规', '高', '待处理', 'v')",
            (message,),
        ).lastrowid
    load_frames(None, db_path)
    assert len(builds) == 3
    load_frames(None, db_path)
    assert len(builds) == 3
    with store.transaction():  # a supervisor marks it 误报: it no longer counts against the agent
        store.conn.execute("UPDATE risk_flags SET status = '误报' WHERE id = ?", (flag,))
    assert cached_frames(db_path) is None
    load_frames(None, db_path)
    assert len(builds) == 4


def test_new_weights_or_a_damaged_file_build_them_again(
    store: Store, db_path: Path, builds: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_fixture(store)
    config = agent_kpis.load_config()
    load_frames(None, db_path, config)
    changed = {**config, "agent_flag_categories": []}  # the flags counted against agents
    load_frames(None, db_path, changed)
    assert len(builds) == 2
    path = frames_cache.cache_file(db_path)
    path.write_bytes(b"not a pickle")
    assert load_frames(None, db_path, changed) is not None and len(builds) == 3
    assert frames_cache.load(db_path, "some other fingerprint") is None


def test_a_small_store_is_not_cached(store: Store, db_path: Path, builds: list[int], monkeypatch) -> None:
    monkeypatch.setattr(frames_cache, "MIN_MESSAGES", 10**9)
    load_fixture(store)
    load_frames(None, db_path)
    load_frames(None, db_path)
    assert builds == [1, 1] and not any(frames_cache.cache_file(db_path).parent.iterdir())
