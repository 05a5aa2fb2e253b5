"""总览 with rows without a time: 全部 in the period list, the note on undated rows, 全部 reports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cxdesk.reports.build import ReportParams
from cxdesk.reports.data import ALL_PERIOD
from cxdesk.store import Store
from cxdesk.store.dashboard import DashboardFilter
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.pages.overview import report_params
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

from tests.test_dashboard import _reviews
from tests.test_dashboard_undated import undated_store  # noqa: F401  (fixture)


def _window(qtbot, store: Store) -> MainWindow:
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    return w


def test_a_store_without_any_time_opens_on_all(qtbot, store: Store) -> None:
    _reviews(store, "小店", [(None, 5, "正面", 0.9), (None, 1, "负面", 0.1)])
    dash = _window(qtbot, store).pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    assert dash.filter_bar.period_combo.currentText() == "全部" and dash.data.filter.all_data
    assert dash.tile("reviews").value_label.text() == "2" and dash.tile("reviews").delta_label.text() == ""
    assert dash.tile("negative").note_label.text() == "1 / 2 条已分析"
    assert "全部数据无上期对比" in dash.period_label.text()
    assert dash.undated_label.isVisibleTo(dash) and "都没有时间（2 条评价）" in dash.undated_label.text()


def test_choosing_all_counts_the_undated_rows(qtbot, undated_store: Store) -> None:  # noqa: F811
    window = _window(qtbot, undated_store)
    dash = window.pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    assert dash.data.filter.days == 30 and dash.tile("reviews").value_label.text() == "3"
    assert dash.undated_label.text() == "另有 4 条评价、15 个会话没有时间，只计入「全部」。"
    assert "全部" in [dash.filter_bar.period_combo.itemText(i) for i in range(dash.filter_bar.period_combo.count())]
    dash.filter_bar.set_period(ALL_PERIOD)
    qtbot.waitUntil(dash.is_loaded)
    assert dash.data.filter.all_data and dash.tile("reviews").value_label.text() == "7"
    assert not dash.filter_bar.date_from.isEnabled()  # 全部 has no date bounds
    assert dash.tile("risk_high").value_label.text() == "2" and dash.tile("risk_high").delta_label.text() == ""
    assert "不在趋势图中" in dash.undated_label.text()
    dash.tile("reviews").activate()  # the reviews page lists the undated reviews too
    assert window.current_page_key() == "reviews"
    flt = window.pages["reviews"].filter_bar.filter()
    assert flt.date_from is None and flt.date_to is None
    window.show_page("overview")
    dash.tile("risk_high").activate()  # the risk queue lists the flags of undated rows too
    assert window.current_page_key() == "risk"
    flt = window.pages["risk"].filter_bar.filter()
    assert flt.levels == ("高",) and flt.date_from is None and flt.date_to is None
    qtbot.waitUntil(lambda: window.pages["risk"].model.rowCount() == 2)


def test_a_report_from_all_has_no_dates_unless_they_were_changed(tmp_path: Path) -> None:
    shown = DashboardFilter(date(2024, 6, 1), date(2024, 6, 30), all_data=True)
    params = ReportParams(date(2024, 6, 1), date(2024, 6, 30), tmp_path / "r.pdf")
    assert report_params(shown, params).all_data
    changed = ReportParams(date(2024, 6, 2), date(2024, 6, 30), tmp_path / "r.pdf")
    assert report_params(shown, changed) == changed
    assert report_params(DashboardFilter(date(2024, 6, 1), date(2024, 6, 30)), params) == params


@pytest.mark.parametrize("period", [ALL_PERIOD, 30])
def test_the_charts_say_why_they_are_empty(qtbot, store: Store, period: int) -> None:
    _reviews(store, "小店", [(None, 5, "正面", 0.9)])
    dash = _window(qtbot, store).pages["overview"].dashboard
    qtbot.waitUntil(dash.is_loaded)
    dash.filter_bar.set_period(period)
    qtbot.waitUntil(dash.is_loaded)
    texts = [t.get_text() for t in dash.sentiment_chart.figure.axes[0].texts]
    wanted = "1 条评价没有时间，无法按时间画趋势" if period == ALL_PERIOD else "没有时间的数据只计入「全部」"
    assert any(wanted in t for t in texts), texts
