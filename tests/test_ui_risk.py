"""The 风险 page: queue, filters, keyboard triage, detail with highlighted evidence, bulk actions."""

from __future__ import annotations


import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from cxdesk.ops import FLAGS
from cxdesk.store import Store
from cxdesk.store.risk_queue import FlagFilter
from store_helpers import add_review
from test_risk_queue_store import flagged, template  # noqa: F401  (fixtures: the flagged store, a copy per test)
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.models.flag_queue_model import excerpt
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.conversation_view import CURRENT_MARK, OTHER_MARK, highlight


@pytest.fixture
def window(qtbot, flagged: Store) -> MainWindow:
    w = create_main_window(flagged)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    with qtbot.waitSignal(w.pages["risk"].sig_loaded):  # the queue is queried in the background
        w.show_page("risk")
    return w


def _status(store: Store, flag_id: int) -> str:
    flag = store.risk_queue.flag(flag_id)
    assert flag is not None
    return flag.status


def _row_of_rule(page, rule_id: str) -> int:
    """The queue row (a session or review) holding a flag of ``rule_id``."""
    repo = page.repo
    return next(
        i
        for i in range(page.model.rowCount())
        if any(repo.flag(f).rule_id == rule_id for f in page.model.flag(i).flag_ids)
    )


def test_queue_fills_sorted_with_first_row_open(window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    assert page.stack.currentIndex() == 1
    repo = flagged.risk_queue
    flags, expected = repo.count(FlagFilter()), repo.item_count(FlagFilter())
    # One row per session or review: 8 flags on two sessions and one review are 3 items.
    assert (flags, expected) == (8, 3) and page.model.rowCount() == expected
    assert page.queue.count_label.text() == f"筛选出 {expected:,} 个会话/评价（{flags:,} 条风险）"
    items = [page.model.flag(i) for i in range(expected)]
    assert sorted(i for item in items for i in item.flag_ids) == sorted(repo.ids(FlagFilter()))
    assert (
        len({(f.target_type == "review", f.target_id if f.target_type == "review" else f.session_id) for f in items})
        == expected
    )
    # The 类别 column names every category of the item and how many flags it holds.
    session = next(f for f in items if len(f.flag_ids) == 5)
    text = page.model.data(page.model.index(items.index(session), 1))
    assert text.endswith("（5 条）") and {"投诉/监管威胁", "服务时效", "质量/假货", "客服违规"} <= set(
        text.removesuffix("（5 条）").split("、")
    )
    levels = [page.model.flag(i).shown_level for i in range(page.model.rowCount())]
    assert levels == sorted(levels, key=("高", "中", "低").index)
    assert page.queue.current_row() == 0 and page.detail.flag is not None
    assert page.detail.flag.id == page.model.flag(0).id
    # The detail's badge is the level the table shows; the rule's own level is named beside it.
    first = page.model.flag(0)
    header = page.detail.header.text()
    assert f"&nbsp;{first.shown_level}&nbsp;" in header and f"规则等级 {first.level}" in header
    # Session flags say what happened in words, never their rule id.
    session_rows = [f for f in repo.page(FlagFilter()) if f.target_type == "session"]
    assert session_rows and all(excerpt(f) and f.rule_id not in excerpt(f) for f in session_rows)
    assert page.queue.chart.figure is not None  # counts per category and per day
    # The 风险分 column shows only when the engine wrote risk scores.
    assert page.queue.view.isColumnHidden(6) == (not flagged.risk_queue.options().has_scores)
    assert "J" in page.queue.hint.text() and "误报" in page.queue.hint.text()


def test_filter_narrows_the_queue(qtbot, window: MainWindow) -> None:
    page = window.pages["risk"]
    before = page.model.rowCount()
    with qtbot.waitSignal(page.sig_loaded):
        page.filter_bar.level.setCurrentIndex(page.filter_bar.level.findText("高"))
    rows = [page.model.flag(i) for i in range(page.model.rowCount())]
    assert 0 < len(rows) < before and {r.shown_level for r in rows} == {"高"}
    with qtbot.waitSignal(page.sig_loaded):
        page.filter_bar.shop.setCurrentIndex(page.filter_bar.shop.findText("乙店（京东）"))
    assert page.model.rowCount() == 0  # 乙店 has no 高 flag
    assert "没有符合筛选条件的风险" in page.detail.header.text()
    with qtbot.waitSignal(page.sig_loaded):
        page.filter_bar.reset_button.click()
    assert page.model.rowCount() == before


def test_keyboard_triage_marks_and_moves_on(qtbot, window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    view = page.queue.view
    view.setFocus()
    first, second, third = (page.model.flag(i) for i in range(3))
    qtbot.keyClick(view, Qt.Key.Key_H)
    # The queue shows the mark at once; the store is written by the window's writer.
    assert page.queue.current_row() == 1 and page.detail.flag.id == second.id
    assert page.model.data(page.model.index(0, 2)) == "已处理"
    assert window.ops.wait_idle()
    # Handling an item handles every flag of its session (review).
    assert {_status(flagged, i) for i in first.flag_ids} == {"已处理"}
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert page.queue.current_row() == 2 and window.ops.wait_idle()
    assert {_status(flagged, i) for i in second.flag_ids} == {"误报"}
    qtbot.keyClick(view, Qt.Key.Key_K)
    assert page.queue.current_row() == 1
    qtbot.keyClick(view, Qt.Key.Key_J)
    qtbot.keyClick(view, Qt.Key.Key_P)
    assert page.queue.current_row() == 2 and window.ops.wait_idle()
    assert {_status(flagged, i) for i in third.flag_ids} == {"处理中"}
    # The page's own triage did not reload the queue: the marked rows are where they were.
    assert [page.model.flag(i).id for i in range(3)] == [first.id, second.id, third.id]
    assert [page.model.data(page.model.index(i, 2)) for i in range(3)] == ["已处理", "误报", "处理中"]
    # Letters typed into the note box are text, not shortcuts.
    page.detail.note_edit.setFocus()
    current = page.detail.flag
    qtbot.keyClicks(page.detail.note_edit, "HF")
    assert page.detail.note_edit.text().endswith("HF") and _status(flagged, current.id) == "处理中"
    qtbot.keyClick(page.detail.note_edit, Qt.Key.Key_Return)
    assert window.ops.wait_idle()
    note = page.detail.note_edit.text()
    # The note is the item's: every flag of it carries it, and its row's tooltip shows it.
    assert {flagged.risk_queue.flag(i).note for i in current.flag_ids} == {note}
    assert page.model.flag(page.model.row_of(current.id)).note == note


def test_triage_records_the_handler(qtbot, window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    page.detail.handler_edit.setText("组长小王")
    flag = page.model.flag(0)
    page.detail.buttons["误报"].click()
    assert window.ops.wait_idle()
    stored = flagged.risk_queue.flag(flag.id)
    assert (stored.status, stored.handler) == ("误报", "组长小王")


def test_detail_shows_conversation_with_highlighted_span(qtbot, window: MainWindow) -> None:
    page = window.pages["risk"]
    page.queue.go_to(_row_of_rule(page, "complaint.regulator"))
    detail = page.detail
    qtbot.waitUntil(lambda: not detail.chart_pending())  # drawn on the next event loop turn
    # The session's row shows its strongest flag (高, newest): the agent's 爱买不买.
    assert detail.flag.rule_id == "agent.rude"
    doc = detail.view.document()
    text = doc.toPlainText()
    assert "你好，订单号1234567890123什么时候发货？" in text and "爱买不买" in text  # whole conversation
    rude = doc.find("爱买不买")
    assert not rude.isNull()
    assert rude.charFormat().background().color().name() == CURRENT_MARK
    cursor = doc.find("12315")  # another flag in the same session: lighter mark
    assert cursor.charFormat().background().color().name() == OTHER_MARK
    assert "甲店" in detail.header.text() and "买家甲" in detail.header.text()
    assert "1234567890123" in detail.orders.text() and "会话中提到的订单号" in detail.orders.text()
    assert detail.chart.isVisible() and detail.chart.figure is not None


def test_detail_shows_review_with_followup(window: MainWindow) -> None:
    page = window.pages["risk"]
    row = next(
        i
        for i in range(page.model.rowCount())
        if page.model.flag(i).target_type == "review" and page.model.flag(i).rule_id == "emotion.strong"
    )
    page.queue.go_to(row)
    doc = page.detail.view.document()
    assert "追评" in doc.toPlainText() and "用了三天就坏了" in doc.toPlainText()
    assert doc.find("垃圾").charFormat().background().color().name() == CURRENT_MARK
    assert not page.detail.chart.isVisible()
    assert "9990001" in page.detail.orders.text()


def test_bulk_action_marks_every_selected_row(window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    selection = page.queue.view.selectionModel()
    items = [page.model.flag(i) for i in (1, 2)]
    selection.clearSelection()
    for i in (1, 2):
        selection.select(
            page.model.index(i, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        )
    assert page.queue.selection_label.text() == "已选 2 条："
    page.queue.bulk_buttons["已处理"].click()
    assert page.queue.current_row() == 2 and window.ops.wait_idle()
    assert {_status(flagged, i) for item in items for i in item.flag_ids} == {"已处理"}
    assert {_status(flagged, i) for i in page.model.flag(0).flag_ids} == {"待处理"}
    assert page.queue.current_row() == 2


def test_bulk_on_every_filtered_flag_asks_first(qtbot, window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    repo = flagged.risk_queue
    with qtbot.waitSignal(page.sig_loaded):
        page.filter_bar.category.setCurrentIndex(page.filter_bar.category.findText("服务时效"))
    n = page.model.rowCount()
    flags = repo.count(FlagFilter(categories=("服务时效",)))
    asked: list[str] = []
    page.confirm = lambda q: asked.append(q) or False
    page.triage_matching("误报")
    assert asked and f"{n:,} 个会话/评价（共 {flags:,} 条风险）" in asked[0] and n == 1
    page.confirm = lambda q: True
    with qtbot.waitSignal(page.sig_loaded):
        page.triage_matching("误报")
    assert repo.count(FlagFilter(categories=("服务时效",))) == 0 and page.model.rowCount() == 0


def test_risk_score_column_appears_with_scores(qtbot, window: MainWindow, flagged: Store) -> None:
    page = window.pages["risk"]
    flag = next(page.model.flag(i) for i in range(page.model.rowCount()) if page.model.flag(i).session_id)
    with flagged.transaction():
        flagged.conn.execute("DELETE FROM risk_scores")
    with qtbot.waitSignal(page.sig_loaded):
        page.refresh()
    assert page.queue.view.isColumnHidden(6)  # no scores: no column
    with flagged.transaction():
        flagged.conn.execute(
            "INSERT INTO risk_scores(target_type, target_id, score, level, reasons, version) "
            "VALUES ('session', ?, 87, '高', '投诉威胁；客服回复超时', 't')",
            (flag.session_id,),
        )
    with qtbot.waitSignal(page.sig_loaded):
        page.refresh()
    assert not page.queue.view.isColumnHidden(6)
    row = next(i for i in range(page.model.rowCount()) if page.model.flag(i).session_id == flag.session_id)
    assert page.model.data(page.model.index(row, 6)) == "87"
    page.queue.go_to(row)
    assert "风险分 <b>87</b>" in page.detail.header.text() and "客服回复超时" in page.detail.header.text()


def test_empty_states(qtbot, store: Store) -> None:
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    w.show_page("risk")
    page = w.pages["risk"]
    assert page.stack.currentIndex() == 0 and page.action_button.isVisible()
    add_review(store)
    page.refresh()
    assert page.stack.currentIndex() == 0 and not page.action_button.isVisible()
    assert "分析数据" in page.empty_state.how_to_label.text()


def test_settings_lists_rules_with_false_alarm_share(window: MainWindow, flagged: Store) -> None:
    repo = flagged.risk_queue
    broken = repo.ids(FlagFilter(categories=("质量/假货",)))
    with flagged.transaction():
        repo.set_status(broken[:1], "误报")
        repo.set_status(broken[1:], "已处理")
    window.show_page("settings")
    model = window.pages["settings"].rule_stats
    rows = {model.stat(i).rule_id: i for i in range(model.rowCount())}
    assert "agent.off_platform" in rows  # in the pack, never fired: still listed
    row = rows["quality.broken"]
    assert model.data(model.index(row, 3)) == "2" and model.data(model.index(row, 7)) == "50%"
    assert model.data(model.index(rows["agent.off_platform"], 7)) == "—"


def test_rich_text_is_escaped() -> None:
    assert highlight("<b>x</b>&", []) == "&lt;b&gt;x&lt;/b&gt;&amp;"
    marked = highlight("a<i>b", [(1, 4, True)])
    assert "&lt;i&gt;" in marked and "<i>" not in marked and CURRENT_MARK in marked


def test_false_alarm_takes_the_flag_out_of_the_risk_score(qtbot, window: MainWindow, flagged: Store) -> None:
    from cxdesk.store.risk_scores import RiskScoresRepo

    page = window.pages["risk"]
    scores = RiskScoresRepo(flagged.conn)

    # A session flag (服务时效) is the only flag of its kind on its session: its category leaves the reasons.
    def only_one(f) -> bool:
        return (
            flagged.conn.execute(
                "SELECT COUNT(*) FROM risk_flags WHERE target_type = 'session' AND target_id = ? "
                "AND category = '服务时效'",
                (f.target_id,),
            ).fetchone()[0]
            == 1
        )

    row = _row_of_rule(page, "service.over_limit")
    flag = page.repo.flag(
        next(i for i in page.model.flag(row).flag_ids if page.repo.flag(i).rule_id == "service.over_limit")
    )
    assert only_one(flag)
    before = scores.get("session", flag.target_id)
    assert before is not None and "服务时效" in before[2]
    page.queue.go_to(row)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_F)
    assert window.ops.wait_idle()
    after = scores.get("session", flag.target_id)
    assert after[0] <= before[0] and "服务时效" not in after[2]  # (the flag points may be at their cap)


def test_triage_writes_on_the_writer_thread_not_the_gui(qtbot, window: MainWindow, flagged: Store, monkeypatch) -> None:
    import threading

    from cxdesk.ops import triage

    page = window.pages["risk"]
    threads: list[threading.Thread] = []
    real = triage.set_status

    def recording(store, ctx, *args, **kwargs):
        threads.append(threading.current_thread())
        return real(store, ctx, *args, **kwargs)

    monkeypatch.setattr(triage, "set_status", recording)
    item = page.model.flag(0)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_H)
    assert page.model.data(page.model.index(0, 2)) == "已处理"  # the queue shows it at once
    assert window.ops.wait_idle()
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert {_status(flagged, i) for i in item.flag_ids} == {"已处理"}


def test_a_triage_from_elsewhere_reloads_the_queue(qtbot, window: MainWindow, flagged: Store) -> None:
    from cxdesk.ops import triage

    page = window.pages["risk"]
    page.queue.go_to(2)
    item = page.model.flag(1)
    # 会话's 设置状态 (another page) marks the item's flags: the queue reloads from the store.
    with qtbot.waitSignal(page.sig_loaded):
        window.ops.run(None, triage.set_status, list(item.flag_ids), "误报", label="标记风险", origin="sessions")
        assert window.ops.wait_idle()
    # The default filter hides 误报: the reloaded queue no longer lists the item, and starts at its top.
    assert page.model.row_of(item.id) == -1 and page.model.rowCount() == 2 and page.queue.current_row() == 0


def test_a_reload_before_the_write_is_done_keeps_the_mark(qtbot, window: MainWindow, monkeypatch) -> None:
    import threading

    from cxdesk.ops import triage

    page = window.pages["risk"]
    release = threading.Event()
    real = triage.set_status

    def held(store, ctx, *args, **kwargs):
        release.wait(10)  # the writer is still busy (an analysis before it in the queue)
        return real(store, ctx, *args, **kwargs)

    monkeypatch.setattr(triage, "set_status", held)
    item = page.model.flag(0)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_H)
    with qtbot.waitSignal(page.sig_loaded):
        page.load()  # the queue is queried again meanwhile: the store still says 待处理
    assert _status(page.ctx.store, item.id) == "待处理"
    row = page.model.row_of(item.id)
    assert page.model.data(page.model.index(row, 2)) == "已处理"  # the queue keeps the reviewer's mark
    release.set()
    assert window.ops.wait_idle()
    assert page.model.data(page.model.index(row, 2)) == "已处理"
    assert _status(page.ctx.store, item.id) == "已处理"


def test_a_write_done_while_a_load_runs_keeps_the_mark(qtbot, window: MainWindow, monkeypatch) -> None:
    """The load read the store before the write and is shown after it: the row still shows the mark."""
    import threading

    from cxdesk.ops import triage
    from ui.pages import risk

    page = window.pages["risk"]
    write, read, shown = threading.Event(), threading.Event(), threading.Event()
    real_set, real_load = triage.set_status, risk.load_queue

    def held_write(store, ctx, *args, **kwargs):
        write.wait(10)
        return real_set(store, ctx, *args, **kwargs)

    def held_load(ctx, *args, **kwargs):
        result = real_load(ctx, *args, **kwargs)
        read.set()
        shown.wait(10)
        return result

    monkeypatch.setattr(triage, "set_status", held_write)
    monkeypatch.setattr(risk, "load_queue", held_load)
    first, second = page.model.flag(0), page.model.flag(1)
    page.queue.go_to(0)
    page.queue.view.setFocus()
    qtbot.keyClick(page.queue.view, Qt.Key.Key_H)
    page.load()
    assert read.wait(10)  # the load has read 待处理
    write.set()
    assert window.ops.wait_idle() and _status(page.ctx.store, first.id) == "已处理"
    # While the load runs the queue shows its previous rows, and triage in place goes on.
    assert page.model.flag(0).id == first.id and page.queue.current_row() == 1
    qtbot.keyClick(page.queue.view, Qt.Key.Key_P)
    assert page.model.data(page.model.index(1, 2)) == "处理中"
    with qtbot.waitSignal(page.sig_loaded):
        shown.set()
    assert window.ops.wait_idle()
    statuses = {page.model.flag(i).id: page.model.data(page.model.index(i, 2)) for i in range(page.model.rowCount())}
    assert statuses[first.id] == "已处理" and statuses[second.id] == "处理中"


def test_the_queue_loads_off_the_gui_thread_and_only_when_shown(qtbot, window: MainWindow, monkeypatch) -> None:
    import threading

    from cxdesk.ops import OpChanges
    from ui.pages import risk

    page = window.pages["risk"]
    threads: list[threading.Thread] = []
    real = risk.load_queue

    def recording(ctx, *args, **kwargs):
        threads.append(threading.current_thread())
        return real(ctx, *args, **kwargs)

    monkeypatch.setattr(risk, "load_queue", recording)
    window.show_page("sessions")
    with qtbot.waitSignal(window.ops.sig_op_done):
        window.ops.run(None, lambda store, ctx: OpChanges.of("test", FLAGS), label="测试", origin="sessions")
    assert window.jobs.current("risk") is None and threads == []  # hidden: it loads when shown
    with qtbot.waitSignal(page.sig_loaded):
        window.show_page("risk")
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert page.model.rowCount() == 3


def test_a_filter_from_another_page_on_the_first_visit(qtbot, flagged: Store) -> None:
    """总览 opens 风险 on a category before the page has listed its categories (they load with the queue)."""
    w = create_main_window(flagged)
    qtbot.addWidget(w)
    w.show()
    page = w.pages["risk"]
    with qtbot.waitSignal(page.sig_loaded):
        assert w.open_page("risk", filter=FlagFilter(categories=("服务时效",)))
    assert page.filter_bar.category.currentText() == "服务时效"
    assert page.filter_bar.filter().categories == ("服务时效",)
    rows = [page.model.flag(i) for i in range(page.model.rowCount())]
    assert len(rows) == 1 and "服务时效" in rows[0].item_categories


def test_the_sentiment_chart_is_drawn_once_for_the_last_row(qtbot, window: MainWindow, monkeypatch) -> None:
    from ui.pages.risk_queue import _detail

    page = window.pages["risk"]
    qtbot.waitUntil(lambda: not page.detail.chart_pending())
    drawn: list[object] = []
    real = _detail.sentiment_figure
    monkeypatch.setattr(_detail, "sentiment_figure", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1])
    sessions = [i for i in range(page.model.rowCount()) if page.model.flag(i).session_id is not None]
    assert len(sessions) == 2
    for row in (*sessions, *sessions):  # J J J J: four conversations shown before the loop turns
        page.queue.go_to(row)
    assert drawn == [] and page.detail.chart_pending()
    qtbot.waitUntil(lambda: not page.detail.chart_pending())
    assert len(drawn) == 1 and page.detail.chart.figure is drawn[0]
    assert page.detail.flag.id == page.model.flag(sessions[-1]).id


def test_a_click_on_a_day_of_the_counts_chart_filters_to_that_day(qtbot, window: MainWindow) -> None:
    from matplotlib.backend_bases import MouseEvent

    page = window.pages["risk"]
    days = sorted({d for d, _level, _n in page.repo.daily_counts(page.filter_bar.filter())})
    figure = page.queue.chart.figure
    by_day = figure.axes[1]
    x, y = by_day.transData.transform((len(days) - 1, 0.5))  # the last day's column, near its foot
    with qtbot.waitSignal(page.sig_loaded):
        figure.pick(MouseEvent("button_press_event", figure.canvas, x, y, button=1))
    flt = page.filter_bar.filter()
    assert (flt.date_from, flt.date_to) == (days[-1], days[-1]) and page.model.rowCount() > 0
