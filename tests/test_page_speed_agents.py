"""客服绩效 on a repeat visit reuses its KPI tables; a data change or new weights recompute them (issue 17, point 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis import agent_kpis
from cxdesk.analysis.agent_kpis import cached_kpi_table, load_frames
from cxdesk.analysis.capability_config import reset_weights, save_weights
from cxdesk.ops import BATCHES, CHATS, SHOPS, OpChanges
from cxdesk.store import Store
from test_agent_kpis import load_fixture
from ui.app import create_main_window
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

IMPORTED = OpChanges.of("import", SHOPS, BATCHES, CHATS)  # what an import of chats announces


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The period of every real aggregation (``kpi_table`` call)."""
    seen: list[str] = []
    real = agent_kpis.kpi_table

    def counting(frames, period="all", **kwargs):
        seen.append(period)
        return real(frames, period, **kwargs)

    monkeypatch.setattr(agent_kpis, "kpi_table", counting)
    return seen


def _team_sessions(page) -> int:
    model = page.model
    team = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "团队")
    return int(model.row_data(team)["sessions"])


def test_memo_is_per_view_and_per_configuration(store: Store, db_path: Path, calls: list[str]) -> None:
    load_fixture(store)
    frames = load_frames(None, db_path)
    first = cached_kpi_table(frames, "day")
    assert cached_kpi_table(frames, "day") is first and calls == ["day"]
    cached_kpi_table(frames, "week")
    cached_kpi_table(frames, "day", window="next_day")
    assert calls == ["day", "week", "day"]
    save_weights({"speed": 50, "attitude": 10, "expertise": 10, "resolution": 10, "compliance": 10, "conversion": 10})
    try:
        again = cached_kpi_table(frames, "day")
    finally:
        reset_weights()
    assert calls == ["day", "week", "day", "day"] and again is not first  # new weights: scored again
    # Fresh frames (what a data change loads) start with nothing remembered.
    cached_kpi_table(load_frames(None, db_path), "day")
    assert calls[-1] == "day" and len(calls) == 5


def test_a_child_process_returns_the_same_frames_with_the_tables(store: Store, db_path: Path, calls: list[str]) -> None:
    from cxdesk.analysis.agent_kpis import load_frames_in_process
    from cxdesk.tasks import TaskContext

    load_fixture(store)
    mine = cached_kpi_table(load_frames(None, db_path), "day")
    frames = load_frames_in_process(TaskContext(), db_path, [dict(period="day")])
    assert calls == ["day"]  # the child aggregated its table (the counter only sees this process)
    theirs = cached_kpi_table(frames, "day")
    assert calls == ["day"]  # from the memo that came back with the frames
    assert theirs[["agent", "period", "sessions", "first_resp"]].equals(
        mine[["agent", "period", "sessions", "first_resp"]]
    )


def test_repeat_visit_reuses_the_tables_and_a_data_change_recomputes(qtbot, store: Store, calls: list[str]) -> None:
    load_fixture(store)
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["agents"]
    with qtbot.waitSignal(page.sig_loaded, timeout=20_000):
        window.show_page("agents")
    loaded = len(calls)
    assert loaded >= 1 and page.model.rowCount() == 3
    sessions = _team_sessions(page)
    table = page.table
    # Away and back: nothing aggregated again, the same table shown.
    window.show_page("faq")
    window.show_page("agents")
    assert len(calls) == loaded and page.table is table
    # Back to an option already shown: from the memo.
    bar = page.filter_bar
    bar.kind_box.setCurrentIndex(bar.kind_box.findData("day"))
    after_day = len(calls)
    bar.kind_box.setCurrentIndex(bar.kind_box.findData("all"))
    assert len(calls) == after_day and page.table is table
    # New weights saved on 设置: the next visit scores again.
    window.show_page("settings")
    save_weights({"speed": 50, "attitude": 10, "expertise": 10, "resolution": 10, "compliance": 10, "conversion": 10})
    try:
        window.show_page("agents")
        assert len(calls) > after_day and page.table is not table
    finally:
        reset_weights()
    # An import (the operation's changes reaching the pages) reloads and aggregates the new data.
    load_fixture(store, name="第二店")
    before = len(calls)
    with qtbot.waitSignal(page.sig_loaded, timeout=20_000):
        window.ops.sig_op_done.emit(IMPORTED, "import")
    assert len(calls) > before
    assert _team_sessions(page) == 2 * sessions


def test_a_big_store_loads_before_the_first_visit(
    qtbot, store: Store, calls: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.pages import agents as agents_page
    from ui.workers import active_jobs

    load_fixture(store)
    small = create_main_window(store)  # the fixture is far below the threshold: nothing is loaded early
    qtbot.addWidget(small)
    assert not small.pages["agents"]._prefetch_timer.isActive()
    small.close()
    monkeypatch.setattr(agents_page, "PREFETCH_MIN_MESSAGES", 1)  # the fixture counts as big
    monkeypatch.setattr(agents_page, "PREFETCH_DELAY_MS", 10)
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["agents"]
    assert not page.isVisible()
    qtbot.waitUntil(lambda: page.frames is not None and not active_jobs(), timeout=20_000)
    assert page.model.rowCount() == 0  # nothing drawn for a hidden page
    assert len(page.frames.tables) >= 1  # the tables the bar shows came with the frames (from a child process)
    loaded = len(calls)
    window.show_page("agents")  # the first visit: no job, the table at once
    assert not active_jobs() and page.model.rowCount() == 3 and len(calls) == loaded
    sessions = _team_sessions(page)
    # A data change while hidden: the frames are dropped and loaded again in the background.
    window.show_page("overview")
    load_fixture(store, name="第二店")
    window.ops.sig_op_done.emit(IMPORTED, "import")
    assert page.frames is None
    qtbot.waitUntil(lambda: page.frames is not None and not active_jobs(), timeout=20_000)
    window.show_page("agents")
    assert not active_jobs() and _team_sessions(page) == 2 * sessions
