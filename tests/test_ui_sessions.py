"""The 会话 page: lazy list, filters, the conversation with its marks, actions, masking, navigation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cxdesk.store import Store, open_store
from cxdesk.store.exports import SESSION_COLUMNS
from store_helpers import add_review
from test_sessions_browse import build_sessions_db
from ui.app import create_main_window
from ui.main_window import Location, MainWindow, NavigationHistory
from ui.models.session_list_model import COLUMN_KEYS, SessionListModel
from ui.settings import MASK_PERSONAL, UiSettings
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sessionsui") / "template.sqlite3"
    build_sessions_db(path)
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path):
    path = tmp_path / "sessions.sqlite3"
    path.write_bytes(template.read_bytes())
    s = open_store(path)
    yield s
    s.close()


@pytest.fixture
def window(qtbot, db: Store) -> MainWindow:
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.resize(1366, 728)
    w.show()
    page = w.pages["sessions"]
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        w.show_page("sessions")
    return w


def _sid(store: Store, key: str) -> int:
    return store.conn.execute("SELECT id FROM chat_sessions WHERE session_key = ?", (key,)).fetchone()[0]


def _message(store: Store, text: str) -> int:
    return store.conn.execute("SELECT id FROM chat_messages WHERE instr(content, ?) > 0", (text,)).fetchone()[0]


def test_list_opens_with_the_newest_session(window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    assert page.stack.currentIndex() == 1
    assert page.model.rowCount() == 3 and page.count_label.text() == "全部 3 个会话"
    assert page.detail.session_id == _sid(db, "s3")  # newest first, and opened
    col = COLUMN_KEYS.index
    index = page.model.index(page.model.row_of(_sid(db, "s1")), col("first_response"))
    assert page.model.data(index) == "30 秒"
    assert page.model.data(index.siblingAtColumn(col("order"))) == "A-NEAR"
    assert page.model.data(index.siblingAtColumn(col("risk"))).startswith("高 ")


def test_filter_and_header_sort_query_again(qtbot, window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        page.filter_bar.unanswered.setChecked(True)
    assert page.model.ids == [_sid(db, "s3")] and page.count_label.text() == "筛选出 1 个会话（共 3 个）"
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        page.filter_bar.reset_button.click()
    column = COLUMN_KEYS.index("first_response")
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        page.view.horizontalHeader().setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    assert page.model.ids == [_sid(db, k) for k in ("s3", "s1", "s2")]


def test_text_search_is_debounced(qtbot, window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        for ch in "1231":
            page.filter_bar.text.insert(ch)
        page.filter_bar.text.insert("5")
    assert page.model.ids == [_sid(db, "s1")]


def test_conversation_marks_waits_flags_sentiment_and_faq(qtbot, window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    assert page.open_session(_sid(db, "s1"))
    chat = page.detail.view.chat
    assert [w.kind for w in chat.waits] == ["ok", "over"]  # 30 s, then 5 minutes on taobao (limit 3 min)
    text = page.detail.view.toPlainText()
    assert "等待 5 分 0 秒 · 超过时限 3 分 0 秒" in text
    tips = "\n".join(chat.tips.values())
    # Rules by their Chinese names, never their ids (issue 17, point 5).
    assert "买家要向监管部门投诉" in tips and "投诉/监管威胁" in tips and "客服回复超过时限" in tips
    assert "complaint.regulator" not in tips
    assert any(k.startswith("sent:") for k in chat.tips)
    # The FAQ mark links to its cluster: the window is asked to show the FAQ page.
    assert page.open_session(_sid(db, "s2"))
    assert "常见问题：开发票" in page.detail.view.toPlainText()
    with qtbot.waitSignal(page.sig_open_faq) as blocker:
        page.detail.view.anchorClicked.emit(_url("faq:7"))
    assert blocker.args == [7] and window.current_page_key() == "faq"


def _url(text: str):
    from PySide6.QtCore import QUrl

    return QUrl(text)


def test_hover_on_a_flagged_span_names_the_rule(qtbot, window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    page.open_session(_sid(db, "s1"))
    view = page.detail.view
    found = ""
    for y in range(0, view.viewport().height(), 6):  # scan for the highlighted words
        for x in range(0, view.viewport().width(), 10):
            tip = view.tip_at(view.viewport().rect().topLeft() + _point(x, y))
            if "规则" in tip:
                found = tip
                break
        if found:
            break
    assert "风险：" in found and "状态：待处理" in found


def _point(x: int, y: int):
    from PySide6.QtCore import QPoint

    return QPoint(x, y)


def test_masking_hides_personal_data_and_is_remembered(qtbot, window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    page.open_session(_sid(db, "s1"))
    assert page.filter_bar.mask.isChecked()  # on by default
    assert "138****5678" in page.detail.view.toPlainText() and "13812345678" not in page.detail.view.toPlainText()
    assert "张**" in page.detail.view.toPlainText()
    page.detail.copy_button.click()
    assert "138****5678" in QApplication.clipboard().text() and "买*甲" in QApplication.clipboard().text()
    page.filter_bar.mask.setChecked(False)
    assert "13812345678" in page.detail.view.toPlainText()
    assert UiSettings().get(MASK_PERSONAL) is False
    row = page.model.row_of(_sid(db, "s1"))
    assert page.model.data(page.model.index(row, COLUMN_KEYS.index("buyer"))) == "买家甲"


def test_review_note_and_flag_status(qtbot, window: MainWindow, db: Store, monkeypatch) -> None:
    page = window.pages["sessions"]
    sid = _sid(db, "s1")
    page.open_session(sid)
    loads: list[object] = []
    monkeypatch.setattr(page, "load", loads.append)  # a reload of the list would query again
    page.detail.reviewed_button.click()
    assert window.ops.wait_idle()
    assert db.sessions_browse.review_state(sid).reviewed and page.detail.reviewed_button.text() == "已阅 ✓"
    row = page.model.row_of(sid)
    assert page.model.data(page.model.index(row, COLUMN_KEYS.index("reviewed"))) == "✓"
    page.detail.note_edit.setText("已电话回访")
    page.detail.save_note_button.click()
    assert window.ops.wait_idle()
    assert db.sessions_browse.review_state(sid).note == "已电话回访"
    # set a flag's status, then clear it
    threat = next(f for f in db.risk_queue.conversation(sid).flags if f.rule_id == "complaint.regulator")
    page.detail.select_flag(threat.id)
    assert page.detail.current_flag_id() == threat.id
    page.detail.sig_flag_status.emit(threat.id, "误报")
    assert window.ops.wait_idle()
    assert db.risk_queue.flag(threat.id).status == "误报"
    assert page.detail.current_flag_id() == threat.id and page.detail.flags.currentText().endswith("· 误报")
    page.detail.sig_flag_status.emit(threat.id, "待处理")
    assert window.ops.wait_idle()
    assert db.risk_queue.flag(threat.id).status == "待处理"
    # The page's own marks were shown in place: the list was not queried again.
    assert loads == [] and page.detail.session_id == sid


def test_a_triage_on_risk_reloads_the_list(qtbot, window: MainWindow, db: Store) -> None:
    from cxdesk.ops import triage

    page = window.pages["sessions"]
    sid = _sid(db, "s1")
    flag_ids = [f.id for f in db.risk_queue.conversation(sid).flags]
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        window.ops.run(None, triage.set_status, flag_ids, "误报", label="标记风险", origin="risk")
    row = page.model.row_of(sid)
    # Every flag a 误报: the session's risk score no longer counts them.
    assert not page.model.data(page.model.index(row, COLUMN_KEYS.index("risk"))).startswith("高")


def test_export_writes_the_filtered_list(qtbot, window: MainWindow, db: Store, tmp_path: Path) -> None:
    page = window.pages["sessions"]
    with qtbot.waitSignal(page.sig_loaded, timeout=10_000):
        page.filter_bar.shop.setCurrentIndex(page.filter_bar.shop.findText("甲店（淘宝/天猫）"))
    out = tmp_path / "list.csv"
    page.ask_export_path = lambda: out
    with qtbot.waitSignal(page.sig_exported, timeout=10_000):
        page.export_button.click()
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(SESSION_COLUMNS)
    assert [r[SESSION_COLUMNS.index("cxdesk_session_id")] for r in rows[1:]] == [str(i) for i in page.model.ids]
    assert len(rows) == 3 and "已导出 2 个会话" in page.count_label.text()


def test_risk_page_opens_the_session_and_back_forward_return(qtbot, window: MainWindow, db: Store) -> None:
    risk = window.pages["risk"]
    with qtbot.waitSignal(risk.sig_loaded):  # 风险 queries its queue in the background
        window.show_page("risk")
    # The session's queue row (one per session) holding the 投诉 flag.
    threat_row = next(
        i
        for i in range(risk.model.rowCount())
        if any(risk.repo.flag(f).rule_id == "complaint.regulator" for f in risk.model.flag(i).flag_ids)
    )
    risk.queue.go_to(threat_row)
    flag = risk.model.flag(threat_row)
    risk.detail.open_session_button.click()
    page = window.pages["sessions"]
    assert window.current_page_key() == "sessions"
    assert page.detail.session_id == flag.session_id
    assert page.detail.current_flag_id() == flag.id  # the flagged message is the one in focus
    assert window.history.current == Location("sessions", flag.session_id, flag.target_id)
    window.back_action.trigger()
    assert window.current_page_key() == "risk"
    assert window.forward_action.isEnabled()
    window.forward_action.trigger()
    assert window.current_page_key() == "sessions" and page.detail.session_id == flag.session_id
    # Alt+← is the same as the button
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_page_key() == "risk"


def test_selecting_sessions_builds_history(window: MainWindow, db: Store) -> None:
    page = window.pages["sessions"]
    page.view.selectRow(page.model.row_of(_sid(db, "s1")))
    page.view.selectRow(page.model.row_of(_sid(db, "s2")))
    window.go_back()
    assert page.detail.session_id == _sid(db, "s1")
    window.go_back()
    assert page.detail.session_id == _sid(db, "s3")


def test_open_a_missing_session_says_so(window: MainWindow) -> None:
    assert not window.open_session(9999)
    assert "#9999 已不在数据库中" in window.pages["sessions"].detail.header.text()


def test_empty_state_without_chat_sessions(qtbot, store: Store) -> None:
    add_review(store)
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    w.show_page("sessions")
    page = w.pages["sessions"]
    assert page.stack.currentIndex() == 0
    assert page.empty_state.title_label.text() == "还没有可浏览的会话"
    assert "还没有客服聊天记录" in page.empty_state.how_to_label.text()
    assert not w.open_session(1)


def test_history_is_browser_like() -> None:
    h = NavigationHistory(Location("overview"))
    for loc in (Location("risk"), Location("sessions", 1), Location("sessions", 2)):
        h.visit(loc)
    assert h.back() == Location("sessions", 1) and h.back() == Location("risk")
    h.visit(Location("faq"))  # a new visit drops what was forward
    assert not h.can_go_forward() and h.back() == Location("risk")
    h.visit(Location("risk"))
    assert h.current == Location("risk")  # visiting where you are adds nothing


def test_model_reads_rows_a_block_at_a_time(qtbot) -> None:
    from cxdesk.store.sessions_browse import SessionRow

    asked: list[list[int]] = []

    def fetch(ids):
        asked.append(list(ids))
        return [
            SessionRow(
                i,
                1,
                "店",
                "taobao",
                f"买家{i}",
                None,
                None,
                "2024-05-01 10:00:00",
                None,
                None,
                2,
                1,
                1,
                False,
                12.0,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                False,
                None,
            )
            for i in ids
        ]

    model = SessionListModel()
    model.set_result(list(range(1, 1001)), fetch)
    assert model.rowCount() == 1000 and model.cached_rows() == 0
    assert model.data(model.index(250, COLUMN_KEYS.index("buyer"))) == "买家251"
    assert asked == [list(range(201, 301))] and model.cached_rows() == 100
    model.data(model.index(260, 0))
    assert len(asked) == 1  # same block: cached
    model.mark_stale([255])
    model.data(model.index(254, 0))
    assert asked[-1] == [255]  # only the stale row is read again
