"""The search panel: typing searches, filters narrow, hits are highlighted and open their conversation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from test_search import build, index
from ui.models.search_results_model import HIT_MARK, HTML_ROLE, marked_html
from ui.widgets import search_panel
from ui.widgets.search_panel import SearchDialog, SearchPanel


@pytest.fixture
def opened():
    return []


@pytest.fixture
def panel(qtbot, store, opened):
    build(store)
    index(store)
    p = SearchPanel(
        store,
        open_session=lambda sid, mid: opened.append(("session", sid, mid)),
        open_review=lambda rid: opened.append(("review", rid)),
        open_timeline=lambda hit: opened.append(("timeline", hit.buyer_nick)),
    )
    qtbot.addWidget(p)
    return p


def test_marked_html_escapes_text_and_marks_spans():
    html = marked_html("<b>退款</b>", [(3, 5)])
    assert "&lt;b&gt;" in html and HIT_MARK in html and ">退款</span>" in html


def test_typing_searches_after_a_pause(qtbot, panel):
    with qtbot.waitSignal(panel.sig_searched, timeout=3000) as blocker:
        panel.query_edit.setText("发票")  # textChanged starts the debounce timer
    page = blocker.args[0]
    assert panel.model.rowCount() == 2 and page.total == 2
    assert "找到 2 条" in panel.status.text()
    html = panel.model.index(0).data(HTML_ROLE)
    assert f"background:{HIT_MARK}" in html and ">发票</span>" in html


def test_activating_a_message_opens_its_session_at_the_message(panel, store, opened):
    panel.set_query("发票怎么")
    hit = panel.model.hit(0)
    panel.activate(0)
    assert opened == [("session", hit.session_id, hit.target_id)]
    assert (
        store.conn.execute("SELECT content FROM chat_messages WHERE id=?", (hit.target_id,)).fetchone()[0]
        == "发票怎么开？"
    )


def test_filters_narrow_the_results(panel, opened):
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("review"))
    panel.set_query("退")
    assert panel.model.rowCount() == 1 and panel.model.hit(0).kind == "review"
    panel.activate(0)
    assert opened[-1][0] == "review"
    panel.kind_combo.setCurrentIndex(0)
    panel.role_combo.setCurrentIndex(panel.role_combo.findData("agent"))
    panel.shop_combo.setCurrentIndex(panel.shop_combo.findData("platform:jd"))
    panel.run_search()
    assert [panel.model.hit(i).text for i in range(panel.model.rowCount())] == ["退款已经处理"]


def test_date_filter(panel):
    assert panel.current_filters().date_from is None and not panel.dates.date_from.isEnabled()
    panel.dates.check.setChecked(True)
    assert panel.dates.date_from.isEnabled()
    panel.dates.date_from.setDate(panel.dates.date_from.date().fromString("2024-01-01", "yyyy-MM-dd"))
    panel.dates.date_to.setDate(panel.dates.date_to.date().fromString("2024-01-31", "yyyy-MM-dd"))
    panel.set_query("退")
    assert panel.model.rowCount() == 3
    assert {panel.model.hit(i).at[:7] for i in range(3)} == {"2024-01"}


def test_bad_query_is_shown_inline_in_red(panel):
    panel.set_query("！！")
    assert "请输入要搜索的文字" in panel.status.text() and "c62828" in panel.status.styleSheet()
    assert panel.model.rowCount() == 0


def test_missing_index_says_to_run_the_analysis(qtbot, store):
    build(store)
    p = SearchPanel(store)
    qtbot.addWidget(p)
    p.set_query("退")
    assert "分析数据" in p.status.text()


def test_more_pages_load_when_the_list_asks(panel, monkeypatch):
    monkeypatch.setattr(search_panel, "PAGE", 2)
    panel.set_query("退")
    assert panel.model.rowCount() == 2 and panel.model.canFetchMore()
    while panel.model.canFetchMore():
        panel.model.fetchMore()
    assert panel.model.rowCount() == 5
    ids = [(panel.model.hit(i).kind, panel.model.hit(i).target_id) for i in range(5)]
    assert len(set(ids)) == 5


def test_timeline_button_hands_over_the_hit(panel, opened):
    panel.set_query("发票怎么")
    assert panel.timeline_button.isEnabled()
    panel.timeline_button.click()
    assert opened == [("timeline", "b***1")]


def test_dialog_opens_the_timeline_of_a_hit(qtbot, store):
    build(store)
    index(store)
    dialog = SearchDialog(store, open_session=lambda *_: None)
    qtbot.addWidget(dialog)
    dialog.panel.set_query("发票怎么")
    dialog.panel.timeline_button.click()
    from ui.widgets.customer_timeline import CustomerTimelineDialog

    shown = [w for w in dialog.findChildren(CustomerTimelineDialog)]
    assert len(shown) == 1 and shown[0].buyer_nick == "b***1"
    shown[0].close()
    assert dialog.panel.view.currentIndex().data(Qt.ItemDataRole.DisplayRole) == "发票怎么开？"
