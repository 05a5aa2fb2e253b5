"""客服绩效 page, drill-down dialog, weights editor and ``export agents`` on the hand-worked fixture."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxdesk.agent_export import export_agents
from cxdesk.analysis.agent_kpis import load_config
from cxdesk.errors import CxdeskError
from cxdesk.store import Store
from cxdesk.tasks import TaskContext
from test_agent_kpis import load_fixture
from ui.app import create_main_window
from ui.models.agent_rank_model import KEYS
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.capability_weights import CapabilityWeightsWidget


def _open(qtbot, store: Store):
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    page = window.pages["agents"]
    with qtbot.waitSignal(page.sig_loaded, timeout=20_000):
        window.show_page("agents")
    return window, page


def _cell(page, agent_text: str, key: str) -> str:
    model = page.model
    for r in range(model.rowCount()):
        if model.index(r, 0).data() == agent_text:
            return model.index(r, KEYS.index(key)).data()
    raise AssertionError(agent_text)


def test_empty_store_shows_how_to_start(qtbot, store: Store) -> None:
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show()
    window.show_page("agents")
    page = window.pages["agents"]
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.title_label.text() == "还没有客服聊天记录"


def test_ranking_table_radar_and_periods(qtbot, store: Store) -> None:
    load_fixture(store)
    _window, page = _open(qtbot, store)
    model = page.model
    assert model.rowCount() == 3
    assert model.index(2, 0).data() == "团队"  # the team row stays last
    assert _cell(page, "阿强", "first_resp") == "20.0"
    assert _cell(page, "小美", "rate_30s") == "66.7%"
    assert _cell(page, "团队", "slow") == "2"
    # Sorting keeps the team last.
    model.sort(KEYS.index("avg_resp"))
    assert model.index(2, 0).data() == "团队" and model.index(0, 0).data() == "小美"
    assert page.radar.figure is not None and page.trend.figure is not None
    assert "专业度" in page.capability_label.text()
    page.filter_bar.kind_box.setCurrentIndex(page.filter_bar.kind_box.findData("day"))
    assert page.filter_bar.period_box.count() == 3
    assert page.filter_bar.period() == "2024-06-03"  # newest first
    assert {model.index(r, 0).data() for r in range(model.rowCount())} == {"阿强", "团队"}


def test_double_click_lists_sessions_and_opens_the_conversation(qtbot, store: Store) -> None:
    load_fixture(store)
    _window, page = _open(qtbot, store)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "阿强")
    dialog = page.open_drill(row, KEYS.index("slow"))
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1
    assert "等待 180 秒" in dialog.model.index(0, 3).data()
    html = dialog.conversation.toPlainText()
    assert "明天到" in html and "能不能快点" in html and "在这里回复" in html


def test_export_agents_csv_has_one_row_per_agent_and_units(store: Store, db_path: Path, tmp_path: Path) -> None:
    load_fixture(store)
    out = tmp_path / "agents.csv"
    summary = export_agents(TaskContext(), db_path, "all", out)
    assert summary.rows == 2 and "2 位客服" in summary.describe()
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["agent"] for r in rows] == ["店:小美", "店:阿强"]
    aq = rows[1]
    assert aq["首次响应时间(秒)"] == "20.0" and aq["3分钟回复率(%)"] == "66.67" and aq["慢响应次数(次)"] == "1.0"
    assert aq["客服销售额(元)"] == "100.0"
    day = tmp_path / "day.xlsx"
    assert export_agents(TaskContext(), db_path, "day", day).rows == 4  # 小美 on 2 days, 阿强 on 2
    with pytest.raises(CxdeskError, match="周期"):
        export_agents(TaskContext(), db_path, "year", out)


def test_export_without_times_leaves_time_cells_empty(store: Store, db_path: Path, tmp_path: Path) -> None:
    load_fixture(store, times=False)
    out = tmp_path / "a.csv"
    export_agents(TaskContext(), db_path, "all", out)
    with out.open(encoding="utf-8-sig") as fh:
        first = next(csv.DictReader(fh))
    assert first["首次响应时间(秒)"] == "" and first["客服消息数(条)"] == "4"


def test_weights_editor_saves_checks_and_resets(qtbot) -> None:
    widget = CapabilityWeightsWidget()
    qtbot.addWidget(widget)
    assert widget.boxes["speed"].value() == 25
    widget.boxes["speed"].setValue(50)
    assert widget.save()
    assert load_config()["weights"]["speed"] == 50
    for box in widget.boxes.values():
        box.setValue(0)
    assert not widget.save()
    assert "不能全部为 0" in widget.message.text()
    widget.reset()
    assert load_config()["weights"]["speed"] == 25 and widget.boxes["speed"].value() == 25


def test_drill_down_opens_the_conversation_on_the_sessions_page(qtbot, store: Store) -> None:
    load_fixture(store)
    window, page = _open(qtbot, store)
    row = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "阿强")
    dialog = page.open_drill(row, KEYS.index("slow"))
    qtbot.addWidget(dialog)
    assert dialog.open_session_button.isEnabled()
    session_id, message_id = dialog._target
    with qtbot.waitSignal(page.sig_open_session) as blocker:
        dialog.open_session_button.click()
    assert blocker.args == [session_id, message_id]
    assert window.current_page_key() == "sessions"
    content = store.conn.execute("SELECT content FROM chat_messages WHERE id = ?", (message_id,)).fetchone()[0]
    assert content == "明天到"  # the slow reply itself (180 s after 好)


def test_dashboard_period_narrows_the_kpis_to_those_days(qtbot, store: Store) -> None:
    from datetime import date

    load_fixture(store)
    window, page = _open(qtbot, store)
    team = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "团队")
    all_sessions = page.model.row_data(team)["sessions"]
    window.open_page("agents", shop_id=None, date_from=date(2024, 6, 3), date_to=date(2024, 6, 3))
    assert page.filter_bar.dates.check.isChecked() and page.filter_bar.date_range() == (
        date(2024, 6, 3),
        date(2024, 6, 3),
    )
    team = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "团队")
    one_day = page.model.row_data(team)["sessions"]
    assert 0 < one_day < all_sessions
    agents = {page.model.index(r, 0).data() for r in range(page.model.rowCount())}
    assert "小美" not in agents  # 小美 only worked on 06-01 and 06-02
    page.filter_bar.set_date_range(None, None)
    team = next(r for r in range(page.model.rowCount()) if page.model.index(r, 0).data() == "团队")
    assert page.model.row_data(team)["sessions"] == all_sessions
