"""会话: browse every chat session and read a conversation with everything the app knows about it.

The list is id-based and lazy (:class:`ui.models.session_list_model.SessionListModel`):
a filter or sort change runs one query in the background that returns the
ordered ids (on 1M messages / 100k sessions: ~0.2 s by time, ~2.3 s by
first response, measured on 2 cores) and the first rows; further rows are
read a block of 100 at a time when painted (~7 ms). The conversation of
the selected session opens on the right with waits, sentiment, flags and
FAQ marks (:mod:`ui.widgets.chat_html`).

Other pages open a session here through the main window
(``MainWindow.open_session(session_id, message_id)``, usually by emitting
their own ``sig_open_session``); each session shown is announced with
``sig_session_shown`` so the window can keep browser-like back/forward.

The reviewer's marks (已阅, the note, a flag's status) are operations
(:mod:`cxdesk.ops.session_review`, :mod:`cxdesk.ops.triage`) run by the
window's one writer (``ctx.ops``); when one is done the open session and its
list row are updated in place. A change from elsewhere (a triage on 风险, an
analysis, an import) reloads the list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cxdesk.analysis.service_time import load_config, timing_for
from cxdesk.ops import (
    ANALYSIS,
    BATCHES,
    BUYERS,
    CHATS,
    FAQ,
    FLAGS,
    ORDERS,
    REVIEWS,
    RISK_SCORES,
    SESSION_NOTES,
    SHOPS,
    OpChanges,
    session_review,
    triage,
)
from cxdesk.store.risk_queue import FlagRow
from cxdesk.store.sessions_browse import ReviewState, SessionFilter, SessionRow
from ui.models.session_list_model import BLOCK, COLUMN_KEYS, SessionListModel
from ui.pages.base import BasePage, PageContext
from ui.pages.risk import RISK_HANDLER
from ui.pages.sessions_view._detail import SessionDetail, SessionDetailWidget
from ui.pages.sessions_view._filters import SessionFilterBarWidget
from ui.pages.sessions_view._tasks import ListResult, export_sessions, load_list
from ui.settings import LAST_EXPORT_DIR, MASK_PERSONAL, UiSettings
from ui.widgets.chat_html import conversation_text
from ui.widgets.table_columns import fit_columns
from ui.workers import Job

COLUMN_WIDTHS = {
    "started": 112,
    "buyer": 96,
    "agents": 84,
    "messages": 40,
    "first_response": 70,
    "sentiment": 62,
    "risk": 52,
    "reviewed": 40,
    "duration": 52,
    "faq": 110,
    "order": 130,
    "shop": 130,
    "platform": 60,
}
# The narrow columns get their content's width (any font, any scale): the widest value each can show.
COLUMN_SAMPLES = {
    "started": ("2024-06-30 23:46",),
    "messages": ("999",),
    "first_response": ("59 分 59 秒", "未回复"),
    "sentiment": ("正面",),
    "risk": ("高 100",),
    "reviewed": ("✓", "✎"),
    "duration": ("59 分", "9.9 时"),
}
# The list shows at least the columns up to 风险 when the conversation keeps this much room.
KEY_COLUMNS_END = "risk"
MIN_DETAIL_WIDTH = 440
NO_SESSIONS_WITH_DATA = "已导入的数据里还没有客服聊天记录：在「导入」页导入聊天记录后，这里列出每个会话。"
# What the page's own actions change: the open session and its row are updated in place, no reload.
OWN_KINDS = frozenset({SESSION_NOTES, FLAGS, RISK_SCORES})


class SessionsPage(BasePage):
    """Filters, the session list and the open conversation with its actions."""

    key = "sessions"
    title = "会话"
    icon = QStyle.StandardPixmap.SP_FileDialogDetailedView
    empty_title = "还没有可浏览的会话"
    empty_description = (
        "这里将列出客服会话（买家、接待客服、开始时间、消息数），选中一条即可按时间顺序查看买家与客服的完整对话。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录。"
    watches = frozenset(
        {CHATS, SHOPS, BATCHES, ORDERS, REVIEWS, BUYERS, ANALYSIS, FAQ, FLAGS, RISK_SCORES, SESSION_NOTES}
    )

    sig_loaded = Signal()
    sig_session_shown = Signal(int, object)  # (session id, message id or None): for back/forward
    sig_open_faq = Signal(int)  # a FAQ mark was clicked: show that cluster
    sig_exported = Signal(object)  # ExportSummary

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # Reading only: every write is an operation on the window's one writer (ctx.ops).
        self.repo = ctx.store.sessions_browse
        self.risk_repo = ctx.store.risk_queue
        self.settings = UiSettings()
        self.result: ListResult | None = None
        self._service = load_config()
        self._stale = True
        self._pending: int | None = None  # a session to select once the list has loaded
        # Injectable for tests: where to export (None: cancelled).
        self.ask_export_path: Callable[[], Path | None] = self._ask_export_path
        self.build_faces(self._build_content())
        self.refresh()

    # --- building ---------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        self.filter_bar = SessionFilterBarWidget(content)
        self.filter_bar.set_mask(self.settings.get(MASK_PERSONAL))
        self.filter_bar.sig_changed.connect(self.load)
        self.filter_bar.sig_mask_changed.connect(self.set_mask)
        self.model = SessionListModel(self)
        self.model.set_mask(self.masking)
        self.model.sig_sort_changed.connect(lambda: self.load(self._current_filter()))
        self.view = QTableView(content)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        for column, key in enumerate(COLUMN_KEYS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.view.setColumnWidth(column, COLUMN_WIDTHS[key])
        self.view.setSortingEnabled(True)
        fit_columns(self.view, {COLUMN_KEYS.index(key): samples for key, samples in COLUMN_SAMPLES.items()})
        self.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.count_label = QLabel(content)
        self.export_button = QPushButton("导出列表…", content)
        self.export_button.setToolTip("把筛选出的会话按当前顺序导出为 CSV 或 Excel（列与命令 export sessions 相同）")
        self.export_button.clicked.connect(self.export_list)
        top = QWidget(content)
        top_row = QVBoxLayout(top)
        top_row.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.export_button)
        top_row.addLayout(bar)
        top_row.addWidget(self.view, 1)
        self.detail = SessionDetailWidget(content)
        self.detail.sig_reviewed.connect(self.set_reviewed)
        self.detail.sig_save_note.connect(self.save_note)
        self.detail.sig_flag_status.connect(self.set_flag_status)
        self.detail.sig_copy.connect(self.copy_conversation)
        self.detail.view.sig_faq_clicked.connect(self.sig_open_faq)
        self.split = QSplitter(Qt.Orientation.Horizontal, content)
        self.split.addWidget(top)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([560, 560])
        self._split_sized = False
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.split, 1)
        return content

    @property
    def masking(self) -> bool:
        return self.filter_bar.mask.isChecked()

    # --- loading --------------------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed (import, analysis, triage): reload now if shown, else when next shown."""
        has_sessions = self.repo.has_sessions()
        self.stack.setCurrentIndex(1 if has_sessions else 0)
        has_data = not self.ctx.store.is_empty()
        self.empty_state.how_to_label.setText(NO_SESSIONS_WITH_DATA if has_data else self.empty_how_to)
        self.action_button.setVisible(not has_data)
        self._stale = has_sessions
        if not has_sessions:
            self.model.clear()
            self.detail.show_nothing()
        elif self.isVisible():
            self.load(self._current_filter())

    def on_op_done(self, changes: OpChanges, origin: str) -> None:
        """The page's own marks are shown in place when their operation is done; changes from
        elsewhere (风险's triage, an analysis, an import) reload the list."""
        if origin == self.key and changes.kinds <= OWN_KINDS:
            return
        if changes.touches(self.watches):
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._split_sized:
            self._size_split()
        if self._stale:
            self.load(self._current_filter())

    def _size_split(self) -> None:
        """First show: the list as wide as its columns up to 风险, if the conversation keeps
        :data:`MIN_DETAIL_WIDTH` (else half and half); the user's dragging wins afterwards."""
        total = self.split.width() if self.split.width() > 100 else self.width() - 16
        if total <= 100:
            return
        self._split_sized = True
        header = self.view.horizontalHeader()
        need = sum(header.sectionSize(c) for c in range(COLUMN_KEYS.index(KEY_COLUMNS_END) + 1))
        need += self.view.verticalScrollBar().sizeHint().width() + 2 * self.view.frameWidth() + 2
        left = max(total // 2, min(need, total - MIN_DETAIL_WIDTH))
        self.split.setSizes([left, total - left])

    def _current_filter(self) -> SessionFilter:
        return self.filter_bar.filter()

    def load(self, flt: SessionFilter) -> None:
        """Query the ids for ``flt`` in the model's order, in the background (a newer call replaces it)."""
        self._stale = False
        self.count_label.setText("正在查询…")
        sort, descending = self.model.sort_key
        job = Job(self, load_list, self.ctx.store.path, flt, sort, descending, BLOCK, label="查询会话")
        job.without_progress_dialog().on_success(self._apply_list)
        self.ctx.jobs.start(self.key, job)

    def _apply_list(self, result: ListResult) -> None:
        self.result = result
        self.filter_bar.set_options(result.options)
        shown = self.detail.session_id
        with QSignalBlocker(self.view.selectionModel()):
            self.model.set_result(result.ids, self.repo.rows, result.first_rows)
        total, all_ = len(result.ids), result.options.sessions
        self.count_label.setText(
            f"全部 {total:,} 个会话" if total == all_ else f"筛选出 {total:,} 个会话（共 {all_:,} 个）"
        )
        self.export_button.setEnabled(total > 0)
        target = self._pending if self._pending is not None else shown
        self._pending = None
        if target is not None and self.model.row_of(target) >= 0:
            self._select_row_quietly(self.model.row_of(target))
        elif shown is None and total:
            self.view.selectRow(0)  # shows the first session
        self.sig_loaded.emit()

    # --- the open session ----------------------------------------------------------------------

    def _on_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = selected.indexes()
        sid = self.model.session_id(rows[0].row()) if rows else None
        if sid is not None and sid != self.detail.session_id:
            self._show(sid, None)
            self.sig_session_shown.emit(sid, None)

    def open_session(self, session_id: int, message_id: int | None = None) -> bool:
        """Show a session (scrolled to ``message_id`` if given), selecting it in the list when listed.

        Returns False (and says so in the detail) when the session is not in the store.
        """
        if not self.repo.has_sessions():
            return False
        self.stack.setCurrentIndex(1)
        if not self._show(session_id, message_id):
            return False
        row = self.model.row_of(session_id)
        if row >= 0:
            self._select_row_quietly(row)
        else:
            self._pending = session_id  # the list is loading, or the filter hides it
            self.view.clearSelection()
        self.sig_session_shown.emit(session_id, message_id)
        return True

    def current_session_id(self) -> int | None:
        return self.detail.session_id

    def _select_row_quietly(self, row: int) -> None:
        with QSignalBlocker(self.view.selectionModel()):
            self.view.selectRow(row)
        self.view.scrollTo(self.model.index(row, 0))

    def _show(self, session_id: int, message_id: int | None) -> bool:
        detail = self._detail(session_id)
        if detail is None:
            self.detail.show_nothing(f"会话 #{session_id} 已不在数据库中（可能已撤销导入）。")
            return False
        self.detail.show_detail(detail, mask=self.masking, focus_message_id=message_id)
        return True

    def _detail(self, session_id: int) -> SessionDetail | None:
        conv = self.risk_repo.conversation(session_id)
        row = self.repo.row(session_id)
        if conv is None or row is None:
            return None
        return SessionDetail(
            conv,
            timing_for(conv.session.platform, self._service),
            self.repo.review_state(session_id),
            self.risk_repo.linked_orders(_as_flag(row)),
            row,
            self.repo.faq_marks(session_id),
        )

    def _reshow(self) -> None:
        """Re-read the open session (after a write), keeping the scroll position."""
        sid = self.detail.session_id
        if sid is None:
            return
        bar = self.detail.view.verticalScrollBar()
        position, flag = bar.value(), self.detail.current_flag_id()
        self._show(sid, None)
        bar.setValue(position)
        if flag is not None:
            self.detail.select_flag(flag)
        self.model.mark_stale([sid])

    # --- actions -------------------------------------------------------------------------------

    def set_mask(self, on: bool) -> None:
        """「隐藏个人信息」 on or off: remembered, and applied to the list and the open conversation."""
        self.settings.set(MASK_PERSONAL, on)
        self.filter_bar.set_mask(on)
        self.model.set_mask(on)
        self._reshow()

    def set_reviewed(self, on: bool) -> None:
        sid = self.detail.session_id
        if sid is None:
            return
        self._write(
            session_review.set_reviewed,
            sid,
            on,
            reviewer=self.settings.get(RISK_HANDLER) or None,
            label="标记已阅",
            on_done=lambda changes: self._review_saved(sid, changes.value),
        )

    def save_note(self, note: str) -> None:
        sid = self.detail.session_id
        if sid is None:
            return
        self._write(
            session_review.set_note,
            sid,
            note,
            label="保存备注",
            on_done=lambda changes: self._review_saved(sid, changes.value),
        )

    def _review_saved(self, session_id: int, state: ReviewState) -> None:
        """The session's 已阅 and note are saved: its row reads them again, the detail shows them."""
        if self.detail.session_id == session_id:
            self.detail.show_review(state)
        self.model.mark_stale([session_id])

    def set_flag_status(self, flag_id: int, status: str) -> None:
        """Set (or, with 待处理, clear) one flag's status; the operation re-scores the session and
        tells the other pages (风险, 总览...) what changed."""
        sid = self.detail.session_id
        self._write(
            triage.set_status,
            [flag_id],
            status,
            handler=self.settings.get(RISK_HANDLER) or None,
            label="标记风险",
            on_done=lambda _changes: self._flag_saved(sid),
        )

    def _flag_saved(self, session_id: int | None) -> None:
        if session_id is not None and self.detail.session_id == session_id:
            self._reshow()  # the flag's status, the session's risk score
        elif session_id is not None:
            self.model.mark_stale([session_id])

    def _write(
        self,
        op: Callable[..., OpChanges],
        *args: object,
        label: str,
        on_done: Callable[[OpChanges], None],
        **kwargs: object,
    ) -> None:
        """Queue ``op`` on the window's one writer, quietly (no progress dialog)."""
        self.ctx.ops.run(
            self,
            op,
            *args,
            label=label,
            origin=self.key,
            on_done=on_done,
            on_failure=lambda exc: self._write_failed(label, exc),
            progress=False,
            keep_on_close=True,  # a 已复核 mark is written even if the window closes right after
            **kwargs,
        )

    def _write_failed(self, label: str, exc: BaseException) -> None:
        """The store was not changed: say so, and show the open session as the store has it again."""
        from ui.widgets.error_dialog import show_warning

        show_warning(self, f"{label}未完成", str(exc))
        self._reshow()

    def copy_conversation(self) -> None:
        if self.detail.detail is not None:
            QApplication.clipboard().setText(conversation_text(self.detail.detail.conv, mask=self.masking))

    def export_list(self) -> None:
        """Export the filtered list, in its order, to a file the user picks."""
        if self.result is None or not self.result.ids:
            return
        out = self.ask_export_path()
        if out is None:
            return
        job = Job(self, export_sessions, self.ctx.store.path, self.model.ids, out, self.masking, label="导出会话列表")
        job.on_success(self._exported)
        self.ctx.jobs.start(f"{self.key}.export", job)

    def _exported(self, summary: object) -> None:
        self.count_label.setText(summary.describe())
        self.sig_exported.emit(summary)

    def _ask_export_path(self) -> Path | None:
        from ui.widgets.save_path import ask_save_path

        folder = self.settings.get(LAST_EXPORT_DIR) or str(Path.home())
        path = ask_save_path(
            self,
            "导出会话列表",
            Path(folder) / "会话列表.xlsx",
            "Excel 文件 (*.xlsx);;CSV 文件 (*.csv)",
            self.ctx.store.path,
        )
        if path is not None:
            self.settings.set(LAST_EXPORT_DIR, str(path.parent))
        return path


def _as_flag(row: SessionRow) -> FlagRow:
    """The session as the 风险 page's order look-up expects it (reused, not duplicated)."""
    return FlagRow(
        0,
        "session",
        row.id,
        "",
        "",
        "",
        "",
        None,
        None,
        None,
        None,
        row.started_at,
        row.shop_id,
        row.shop,
        row.platform,
        row.id,
        row.buyer,
        row.agent,
        None,
        None,
        None,
        None,
        None,
        None,
    )


if __name__ == "__main__":
    import sys

    from ui.pages._preview import preview

    raise SystemExit(preview(SessionsPage, sys.argv[1] if len(sys.argv) > 1 else None))
