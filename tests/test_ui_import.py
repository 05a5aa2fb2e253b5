"""导入 page: detect, preview, mapping, import in the background, history, undo, bad files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from cxdesk.store import Store
from ui.app import create_main_window
from ui.main_window import MainWindow
from ui.pages.import_page import ImportPage
from ui.pages.import_wizard import _tasks
from ui.pages.import_wizard._file_list import COL_ENCODING, COL_FORMAT, COL_KIND, COL_NOTE, COL_PLATFORM, COL_STATUS
from ui.pages.import_wizard._file_list import ERROR_COLOR as LIST_ERROR_COLOR
from ui.pages.import_wizard._labels import NOT_IMPORTED
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)
from ui.widgets.error_dialog import ErrorDialog
from ui.workers import active_jobs

IMPORT_DIR = Path(__file__).resolve().parent / "fixtures" / "import"
QIANNIU = IMPORT_DIR / "qianniu_export.csv"
SELLER = IMPORT_DIR / "seller_reviews.csv"
SELLER_GBK = IMPORT_DIR / "seller_reviews_gbk.csv"
WAIT_MS = 15_000
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture(autouse=True)
def settle_jobs(qtbot, no_leftover_jobs):  # noqa: F811
    """Let superseded preview jobs (discarded, still finishing) end before the leak check."""
    yield
    qtbot.waitUntil(lambda: not active_jobs(), timeout=WAIT_MS)


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:
    w = create_main_window(store)
    qtbot.addWidget(w)
    w.show()
    w.show_page("import")
    return w


@pytest.fixture
def page(window: MainWindow) -> ImportPage:
    p = window.pages["import"]
    assert isinstance(p, ImportPage)
    return p


def add_and_preview(qtbot, page: ImportPage, *paths: Path) -> None:
    """Add files and wait until all are detected and the selected one is previewed."""
    with qtbot.waitSignal(page.sig_preview_ready, timeout=WAIT_MS):
        page.add_files(paths)
    qtbot.waitUntil(lambda: all(e.status != "detecting" for e in page.entries), timeout=WAIT_MS)


def cell(page: ImportPage, row: int, key: str) -> str:
    model = page.preview_model
    return model.data(model.index(row, model.keys().index(key)))


def import_all(qtbot, page: ImportPage):
    with qtbot.waitSignal(page.sig_import_finished, timeout=WAIT_MS) as blocker:
        page.start_button.click()
    return blocker.args[0]


def summary_cells(page: ImportPage, row: int = 0) -> list[str]:
    table = page.summary.table
    return [table.item(row, c).text() for c in range(table.columnCount() - 1)]


def no_dialogs_open() -> bool:
    return not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, (QMessageBox, ErrorDialog)) and w.isVisible()
    ]


def test_qianniu_csv_shows_detection_and_preview(qtbot, page: ImportPage) -> None:
    add_and_preview(qtbot, page, QIANNIU)
    row = page.file_list
    assert row.item(0, COL_STATUS).text() == "待导入"
    assert row.item(0, COL_KIND).text() == "客服聊天记录"
    assert row.item(0, COL_PLATFORM).text() == "淘宝/天猫"
    assert row.item(0, COL_ENCODING).text() == "utf-8-sig"
    assert "千牛" in row.item(0, COL_FORMAT).text()
    assert page.preview_model.rowCount() == 6
    assert cell(page, 0, "content") == "请问什么时候发货"
    assert cell(page, 1, "role") == "客服"
    assert page.form.kind_combo.currentText() == "客服聊天记录"
    assert page.form.gap_spin.isEnabled() and page.form.gap_spin.value() == 30
    assert "某某旗舰店" in page.form.shop_combo.lineEdit().placeholderText()


def test_gbk_review_csv_shows_encoding_and_mapped_values(qtbot, page: ImportPage) -> None:
    add_and_preview(qtbot, page, SELLER_GBK)
    assert page.file_list.item(0, COL_ENCODING).text() == "gb18030"
    assert page.file_list.item(0, COL_KIND).text() == "评价"
    assert page.preview_model.rowCount() == 3
    assert cell(page, 0, "content") == "质量很好，穿着舒服"
    assert cell(page, 0, "rating") == "5"
    assert not page.form.gap_spin.isEnabled()  # reviews have no sessions
    assert page.form.field_combos["content"].currentText() == "评价内容"


def test_changing_a_mapping_combo_changes_the_preview(qtbot, page: ImportPage) -> None:
    add_and_preview(qtbot, page, SELLER)
    combos = page.form.field_combos
    assert combos["append_content"].currentText() == "追评"
    with qtbot.waitSignal(page.sig_preview_ready, timeout=WAIT_MS):
        combos["content"].setCurrentIndex(combos["content"].findData("追评"))
    assert cell(page, 0, "content") == "洗了两次没变形"
    assert combos["append_content"].currentText() == NOT_IMPORTED  # a column feeds one field
    with qtbot.waitSignal(page.sig_preview_ready, timeout=WAIT_MS):
        combos["seller_reply"].setCurrentIndex(0)
    assert cell(page, 0, "seller_reply") == ""


def test_wrong_kind_shows_inline_message(qtbot, page: ImportPage) -> None:
    add_and_preview(qtbot, page, SELLER)
    kinds = page.form.kind_combo
    with qtbot.waitSignal(page.sig_preview_ready, timeout=WAIT_MS):
        kinds.setCurrentIndex(kinds.findData("orders"))
    assert page.preview_error.isVisible()
    assert "看起来是评价文件" in page.preview_error.text()
    assert page.preview_model.rowCount() == 0
    assert no_dialogs_open()


def test_import_then_reimport_counts_duplicates(qtbot, page: ImportPage, window: MainWindow, store: Store) -> None:
    add_and_preview(qtbot, page, SELLER)
    result = import_all(qtbot, page)
    assert [o.status for o in result.outcomes] == ["done"]
    counts = store.counts()
    assert counts.reviews == 3
    cells = summary_cells(page)
    assert cells[0] == "seller_reviews.csv" and cells[1] == "已导入"
    assert cells[4] == str(counts.reviews) and cells[5] == "0"
    assert page.tabs.currentWidget() is page.summary
    assert page.history.model.rowCount() == 1
    assert "评价 3" in window.counts_label.text()
    assert page.file_list.item(0, COL_STATUS).text() == "已导入"
    assert not page.start_button.isEnabled()

    add_and_preview(qtbot, page, SELLER)  # offered again
    assert page.start_button.isEnabled()
    import_all(qtbot, page)
    cells = summary_cells(page)
    assert cells[4] == "0" and cells[5] == "3"
    assert "已在批次" in cells[8]
    assert store.counts().reviews == 3
    assert page.history.model.rowCount() == 2


def test_undo_removes_rows_and_marks_history(
    qtbot, page: ImportPage, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_and_preview(qtbot, page, QIANNIU)
    import_all(qtbot, page)
    assert store.counts().chat_messages == 6
    asked: list[str] = []

    def accept(*args: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", accept)
    page.tabs.setCurrentWidget(page.history)
    page.history.view.selectRow(0)
    assert page.history.undo_button.isEnabled()
    with qtbot.waitSignal(page.sig_undo_finished, timeout=WAIT_MS):
        page.history.undo_button.click()
    assert asked and "qianniu_export.csv" in asked[0]
    counts = store.counts()
    assert counts.chat_messages == 0 and counts.chat_sessions == 0
    model = page.history.model
    assert model.data(model.index(0, 8)) == "已撤销"
    assert not page.history.undo_button.isEnabled()
    assert "已撤销批次" in page.message_label.text()


def test_bad_file_is_shown_inline_and_others_still_import(
    qtbot, page: ImportPage, store: Store, tmp_path: Path
) -> None:
    bad = tmp_path / "评价导出.csv"
    bad.write_bytes(PNG_BYTES * 20)
    add_and_preview(qtbot, page, bad, SELLER)
    items = page.file_list
    assert items.item(0, COL_STATUS).text() == "无法导入"
    note = items.item(0, COL_NOTE)
    assert "PNG 图片" in note.text()
    assert note.foreground().color() == LIST_ERROR_COLOR
    assert page.preview_error.isVisible() and "PNG" in page.preview_error.text()
    assert no_dialogs_open()
    result = import_all(qtbot, page)
    assert [o.path.name for o in result.outcomes] == ["seller_reviews.csv"]
    assert store.counts().reviews == 3
    assert items.item(0, COL_STATUS).text() == "无法导入"
    assert items.item(1, COL_STATUS).text() == "已导入"


def test_too_many_bad_rows_fails_inline_and_rejects_can_be_exported(
    qtbot, page: ImportPage, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_and_preview(qtbot, page, IMPORT_DIR / "reviews_mostly_bad.csv", IMPORT_DIR / "reviews_bad_row.csv")
    result = import_all(qtbot, page)
    assert [o.status for o in result.outcomes] == ["failed", "done"]
    failed = summary_cells(page, 0)
    assert failed[1] == "导入失败" and "整个文件未导入" in failed[8]
    assert page.file_list.item(0, COL_STATUS).text() == "导入失败"
    assert no_dialogs_open()
    batch_id = result.outcomes[1].summary.batch_id
    button = page.summary.export_buttons[batch_id]
    target = tmp_path / "out" / "errors.csv"
    target.parent.mkdir()
    monkeypatch.setattr(page, "ask_export_path", lambda name: target)
    button.click()
    qtbot.waitUntil(lambda: "错误行导出到" in page.message_label.text(), timeout=WAIT_MS)
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "行号/记录号,原因,原始内容" and len(text.splitlines()) >= 2


def test_cancel_rolls_back_current_file_and_skips_the_rest(
    qtbot, page: ImportPage, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow_import(ctx, store, path, **kw):  # waits for cancel like a long file would
        for i in range(500):
            ctx.check()
            ctx.progress(i, 500, f"正在导入 {Path(path).name}（已读 {i} 行）")
            time.sleep(0.01)
        raise AssertionError("not cancelled")

    add_and_preview(qtbot, page, SELLER, QIANNIU)
    monkeypatch.setattr(_tasks.importers, "import_file", slow_import)
    page.start_button.click()
    assert page.progress_bar.isVisible() and page.cancel_button.isVisible()
    qtbot.waitUntil(lambda: "正在导入 seller_reviews.csv" in page.progress_label.text(), timeout=WAIT_MS)
    with qtbot.waitSignal(page.sig_import_finished, timeout=WAIT_MS) as blocker:
        page.cancel_button.click()
    result = blocker.args[0]
    assert result.cancelled
    assert [o.status for o in result.outcomes] == ["cancelled", "skipped"]
    assert "导入已取消" in page.summary.headline.text()
    assert not page.progress_bar.isVisible()
    assert store.counts().reviews == 0
    assert page.start_button.isEnabled()  # both files can be imported again


def test_remembers_last_import_folder(qtbot, page: ImportPage) -> None:
    from ui.settings import LAST_IMPORT_DIR

    add_and_preview(qtbot, page, SELLER)
    assert page.settings.get(LAST_IMPORT_DIR) == str(IMPORT_DIR)


def test_dropping_files_adds_them(qtbot, page: ImportPage) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SELLER)), QUrl.fromLocalFile(str(QIANNIU))])
    event = QDropEvent(
        QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(page.sig_preview_ready, timeout=WAIT_MS):
        page.dropEvent(event)
    qtbot.waitUntil(lambda: all(e.status == "ready" for e in page.entries), timeout=WAIT_MS)
    assert [e.path.name for e in page.entries] == ["seller_reviews.csv", "qianniu_export.csv"]
    assert page.acceptDrops()


def test_an_import_queued_behind_another_operation_runs_when_it_is_done(
    qtbot, page: ImportPage, window: MainWindow, store: Store
) -> None:
    import threading

    from cxdesk.ops import OpChanges

    release = threading.Event()

    def busy(store: Store, ctx: object) -> OpChanges:  # another page's operation, still running
        release.wait(WAIT_MS / 1000)
        return OpChanges("busy")

    add_and_preview(qtbot, page, SELLER)
    window.ops.run(window, busy, label="别的操作", progress=False)
    page.start_button.click()
    assert page.importing and page.import_job is None  # waiting for the writer
    assert page.progress_bar.isVisible() and not page.start_button.isEnabled()
    with qtbot.waitSignal(page.sig_import_finished, timeout=WAIT_MS) as blocker:
        release.set()
    assert [o.status for o in blocker.args[0].outcomes] == ["done"]
    assert store.counts().reviews == 3 and page.history.model.rowCount() == 1
    assert not page.importing and not page.progress_bar.isVisible()
