"""风险: the CS lead's morning review queue of risky messages, sessions and reviews.

The queue is sorted by level and time and filtered in SQL
(:class:`cxdesk.store.risk_queue.FlagFilter`); the selected flag opens in
the detail pane with its whole conversation (or review with its 追评),
the evidence highlighted, the buyer's sentiment as a small chart and the
order when one can be linked. Triage is by keyboard (J/K or ↓/↑, H, F, P)
or by the bulk buttons; a marked row stays in place so the reviewer keeps
their position, and the next query drops it if the filter says so.

Every write is an operation (:mod:`cxdesk.ops.triage`) run by the window's one writer
(``ctx.ops``): a keystroke marks the row in the model at once and moves on, while the
write and the re-scoring happen off the GUI thread. The page's own triage does not
reload the queue when it is done (the row already shows it); a triage or an analysis
from elsewhere does.

Several people may work the same queue (a team store). A triage or a note names the version of
each flag the page read (:attr:`FlagRow.versions`, or the newer one the page's own last write of
it returned), and the operation refuses it when someone else wrote first
(:class:`cxdesk.errors.TriageConflictError`): the page says who changed what, reloads the queue
on the item and keeps an unsaved note in the note box. The page's writes of the same flags go to
the writer one after another, each once the one before it is done, so quick keys on one row never
refuse each other; a refused write drops the ones waiting behind it (they were based on it).

The queue is queried in the background (:func:`ui.pages.risk_queue._tasks.load_queue`, a
:class:`ui.workers.Job` per load on its own read-only connection; a newer load replaces the
running one): the filter bar's options, the counts and the first page of items. Until it
returns the queue keeps showing the previous rows, and triage in place goes on. Further pages
are read on the GUI thread as the table scrolls (small LIMIT/OFFSET reads). The page loads
only while it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QMessageBox, QSplitter, QStyle, QVBoxLayout, QWidget

from cxdesk.ops import (
    ANALYSIS,
    BATCHES,
    BUYERS,
    CHATS,
    FLAGS,
    ORDERS,
    REVIEWS,
    RISK_SCORES,
    SHOPS,
    OpChanges,
    triage,
)
from cxdesk.errors import TriageConflictError
from cxdesk.store.risk_queue import FlagFilter, FlagRow
from ui.models.flag_queue_model import PAGE_SIZE, FlagQueueModel
from ui.change_watch import REMOTE_ORIGIN
from ui.pages.base import BasePage, PageContext
from ui.pages.risk_queue._detail import FlagDetailWidget
from ui.pages.risk_queue._figures import counts_figure
from ui.pages.risk_queue._filters import RiskFilterBarWidget
from ui.pages.risk_queue._queue import QueuePanelWidget
from ui.pages.risk_queue._tasks import QueueResult, load_queue
from ui.settings import Option, UiSettings
from ui.workers import Job

RISK_HANDLER = Option("risk/handler", str, "")
NO_FLAGS_WITH_DATA = "数据已导入，但还没有运行风险检查：点左下角「分析数据」，完成后这里列出需要跟进的风险。"
TRIAGE_KEYS = {"H": "已处理", "F": "误报", "P": "处理中"}
CONFLICT_TITLE = "别人先改了这条风险"
REFRESHED = "已为你刷新。"
# What the page's own triage changes: the queue shows it in place, no reload.
OWN_TRIAGE_KINDS = frozenset({FLAGS, RISK_SCORES})


@dataclass
class _Triage:
    """A triage the queue shows before the store may: ``written_at`` is the number of loads
    started when its write was done (``None``: not yet), so a load started before that may have
    read the old status and its rows are marked again."""

    flag_ids: frozenset[int]
    status: str
    handler: str | None
    written_at: int | None = None


class RiskPage(BasePage):
    """Filters, the queue, the counts chart and the detail pane with triage."""

    key = "risk"
    title = "风险"
    icon = QStyle.StandardPixmap.SP_MessageBoxWarning
    empty_title = "还没有风险检查结果"
    empty_description = (
        "这里将列出需要跟进的风险评价和会话（如投诉、退款纠纷、差评威胁），"
        "高亮命中的原文证据，并可标记为「待处理」「已处理」或「误报」。"
    )
    empty_how_to = "先在「导入」页导入评价或客服聊天记录，然后运行分析。"
    watches = frozenset({FLAGS, RISK_SCORES, ANALYSIS, SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, BUYERS})

    sig_loaded = Signal()
    sig_triaged = Signal(int)
    sig_open_session = Signal(int, object)  # 「在会话中打开」: the main window shows it on 会话

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.repo = ctx.store.risk_queue  # reading only: writes are operations (ctx.ops)
        self.settings = UiSettings()
        # Injectable for tests: asks before a bulk change of every filtered flag.
        self.confirm: Callable[[str], bool] = self._ask
        self._stale = True
        self._want_options = True  # the next load also reads the filter bar's options (a reload)
        self._loads = 0  # loads started so far: the one whose result is shown is the last one
        self._shown = 0  # load results shown so far: a triage written after a newer one marks its rows again
        self._triages: list[_Triage] = []  # shown in the queue; the store may not have them in every load yet
        # flag id → (the version this page's own last write of it made, loads started when it was done):
        # newer than what a load started before that shows
        self._known: dict[int, tuple[int, int]] = {}
        self._busy: set[int] = set()  # flags with a write of this page queued or running
        # writes of flags still busy: (their flags, send it, forget it)
        self._waiting: list[tuple[frozenset[int], Callable[[], None], Callable[[], None]]] = []
        self._after_conflict: tuple[int, str | None] | None = None  # (flag to show, unsaved note) on the reload
        self._keep_item: int | None = None  # a colleague's change reloads the queue: stay on this item
        self._dropped_note: str | None = None  # a note not sent because the write before it was refused
        self.build_faces(self._build_content())
        self._build_shortcuts()
        self.refresh()

    # --- building --------------------------------------------------------------------

    def _build_content(self) -> QWidget:
        content = QWidget(self)
        self.filter_bar = RiskFilterBarWidget(content)
        self.filter_bar.sig_changed.connect(lambda _flt: self.load())
        self.model = FlagQueueModel(self)
        self.queue = QueuePanelWidget(self.model, content)
        self.queue.view.selectionModel().selectionChanged.connect(self._on_selection)
        self.queue.sig_bulk.connect(self.triage)
        self.queue.sig_bulk_matching.connect(self.triage_matching)
        self.queue.chart.sig_picked.connect(self.apply_pick)
        self.detail = FlagDetailWidget(content)
        self.detail.sig_triage.connect(self.triage)
        self.detail.sig_save_note.connect(self.save_note)
        self.detail.sig_open_session.connect(self.sig_open_session)
        self.detail.sig_open_timeline.connect(self.open_timeline)
        self.detail.handler_edit.setText(self.settings.get(RISK_HANDLER))
        self.detail.handler_edit.editingFinished.connect(self._remember_handler)
        self.split = QSplitter(Qt.Orientation.Horizontal, content)
        self.split.addWidget(self.queue)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([600, 440])  # the queue's 内容 column gets the room; the detail's buttons wrap
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.split, 1)
        return content

    def _build_shortcuts(self) -> None:
        """J/K and H/F/P anywhere on the page; a focused text box keeps its letters (Qt's override)."""
        keys: dict[str, Callable[[], None]] = {"J": lambda: self.step(1), "K": lambda: self.step(-1)}
        keys.update({k: (lambda s=s: self.triage(s)) for k, s in TRIAGE_KEYS.items()})
        self.shortcuts = []
        for key, slot in keys.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- loading ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Data changed (import, analysis): reload now if shown, else when next shown."""
        has_flags = self.repo.has_flags()
        self.stack.setCurrentIndex(1 if has_flags else 0)
        has_data = not self.ctx.store.is_empty()
        self.empty_state.how_to_label.setText(NO_FLAGS_WITH_DATA if has_data else self.empty_how_to)
        self.action_button.setVisible(not has_data)
        self._stale = has_flags
        if has_flags and self.isVisible():
            self.reload()

    def on_op_done(self, changes: OpChanges, origin: str) -> None:
        """The page's own triage is already in the queue (marked in place, the bulk one reloads
        when done): only changes from elsewhere (会话, an analysis, an import) reload it."""
        if origin == self.key and changes.kinds <= OWN_TRIAGE_KINDS:
            return
        if changes.touches(self.watches):
            if origin == REMOTE_ORIGIN and self.detail.flag is not None:
                self._keep_item = self.detail.flag.id  # the reader stays where they were
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def reload(self) -> None:
        """Re-read the filter options (new categories, agents) and the queue."""
        self._stale = False
        self._want_options = True
        self.load()

    def load(self, flt: FlagFilter | None = None) -> None:
        """Query the queue for the filter bar's filter (or ``flt``) in the background, then show it
        and select its first row; the previous rows stay meanwhile and a newer load replaces this one."""
        flt = flt or self.filter_bar.filter()
        self._loads += 1
        seq = self._loads
        job = Job(
            self,
            load_queue,
            self.ctx.store.path,
            flt,
            self.filter_bar.sort_key(),
            PAGE_SIZE,
            self._want_options,
            label="查询风险",
        )
        job.without_progress_dialog().on_success(lambda result: self._show_result(result, seq))
        self.ctx.jobs.start(self.key, job)

    def _show_result(self, result: QueueResult, seq: int) -> None:
        if seq != self._loads:  # a newer load is running (its owner drops this one's outcome anyway)
            return
        if result.options is not None:
            self._want_options = False
            self.filter_bar.set_options(result.options)
            self.queue.show_scores(result.options.has_scores)
            if self.filter_bar.filter() != result.filter:  # a category, agent or shop it named is gone
                self.load()
                return
        flt, sort, repo = result.filter, result.sort, self.repo
        self.model.set_result(
            lambda offset, limit: repo.item_page(flt, offset, limit, sort), result.total, result.first_page
        )
        self._shown += 1
        # Triages not (surely) written before this load started: their rows show the old status.
        self._triages = [t for t in self._triages if t.written_at is None or t.written_at >= seq]
        self._known = {i: known for i, known in self._known.items() if known[1] >= seq}
        for item in self._triages:
            self._mark_again(item)
        self.queue.count_label.setText(f"筛选出 {result.total:,} 个会话/评价（{result.flags:,} 条风险）")
        self.queue.chart.set_figure(counts_figure(result.by_category, result.by_day))
        if result.total:
            keep, self._keep_item = self._keep_item, None
            self.queue.go_to(max(self._row_of(keep), 0) if keep is not None else 0)
        else:
            self.detail.show_nothing("没有符合筛选条件的风险。")
        if self._after_conflict is not None:
            self._show_after_conflict(*self._after_conflict)
        self.sig_loaded.emit()

    def _row_of(self, flag_id: int) -> int:
        """The loaded row of the item holding ``flag_id``, or -1."""
        return next((i for i in range(self.model.rowCount()) if flag_id in self.model.flag(i).flag_ids), -1)

    def _show_after_conflict(self, flag_id: int, draft: str | None) -> None:
        """A reload after a refused write: open the item it was about (if the filter still lists it)
        with the user's unsaved note back in the note box."""
        self._after_conflict = None
        row = self._row_of(flag_id)
        if row < 0:
            return
        self.queue.go_to(row)
        if draft is not None and self.detail.flag is not None and flag_id in self.detail.flag.flag_ids:
            self.detail.note_edit.setText(draft)

    def apply_pick(self, gid: str) -> None:
        """A click on the counts chart filters to that category or day."""
        kind, _, value = gid.partition(":")
        flt = self.filter_bar.filter()
        if kind == "category":
            self.filter_bar.set_filter(flt.changed(categories=(value,)))
        elif kind == "day":
            self.filter_bar.set_filter(flt.changed(date_from=value, date_to=value))

    # --- the selected flag ----------------------------------------------------------------

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.queue.selected_rows()
        self.queue.set_selection_text(len(rows))
        current = self.queue.current_row()
        row = current if current in rows else (rows[0] if rows else -1)
        flag = self.model.flag(row)
        if flag is None:
            self.detail.show_nothing()
        else:
            self.show_flag(flag)

    def show_flag(self, flag: FlagRow) -> None:
        orders = self.repo.linked_orders(flag)
        if flag.target_type == "review":
            review = self.repo.review(flag.target_id)
            if review is not None:
                self.detail.show_review(flag, review, orders)
                return
        elif flag.session_id is not None:
            conv = self.repo.conversation(flag.session_id)
            if conv is not None:
                self.detail.show_conversation(flag, conv, orders)
                return
        self.detail.show_nothing("这条风险指向的原文已不在数据库中（可能已撤销导入）。")

    def step(self, delta: int) -> None:
        """Next (1) or previous (-1) row of the queue."""
        current = self.queue.current_row()
        self.queue.go_to(max(0, current + delta) if current >= 0 else 0)

    def open_timeline(self, flag_id: int) -> None:
        """The buyer's timeline behind this flag, in its own window."""
        from cxdesk.errors import CxdeskError
        from ui.widgets.customer_timeline import CustomerTimelineDialog

        try:
            dialog = CustomerTimelineDialog.for_target(
                self.ctx.store, "flag", flag_id, open_session=lambda s, m: self.sig_open_session.emit(s, m), parent=self
            )
        except CxdeskError as exc:
            QMessageBox.warning(self, "买家时间线", str(exc))
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.timeline_dialog = dialog

    # --- triage ---------------------------------------------------------------------------

    def triage(self, status: str) -> None:
        """Mark the selected rows ``status`` and move to the row after them; the store is
        written (and the sessions re-scored) by the window's writer."""
        rows = self.queue.selected_rows()
        if not rows:
            return
        items = [f for f in (self.model.flag(r) for r in rows) if f is not None]
        ids = [i for item in items for i in item.flag_ids]  # handling an item handles all its flags
        versions = {i: v for item in items for i, v in item.versions.items()}
        handler = self.detail.handler_edit.text().strip() or None
        # A 误报 no longer counts in the risk score: the operation re-scores in the same transaction.
        item = _Triage(frozenset(ids), status, handler)
        self._triages.append(item)
        shown = self._shown

        def done(_changes: OpChanges) -> None:
            item.written_at = self._loads
            if self._shown != shown:  # the queue was shown again before the write: mark its rows again
                self._mark_again(item)

        def forget() -> None:
            if item in self._triages:
                self._triages.remove(item)

        def failed(exc: BaseException) -> None:
            forget()
            self._write_failed("标记风险", exc)

        self._write_flags(
            triage.set_status,
            versions,
            ids,
            status,
            handler=handler,
            label="标记风险",
            on_done=done,
            on_failure=failed,
            on_dropped=forget,
        )
        self.model.mark(rows, status, handler=handler)
        self.queue.go_to(
            rows[-1] + 1 if rows[-1] + 1 < self.model.rowCount() or self.model.canFetchMore() else rows[-1]
        )
        self.queue.focus_table()
        self.sig_triaged.emit(len(ids))

    def _mark_again(self, item: _Triage) -> None:
        """The queue shown may have been read before this triage was written (an analysis finished
        meanwhile, or the load ran while the write waited its turn): mark its rows again."""
        rows = [i for i in range(self.model.rowCount()) if item.flag_ids & set(self.model.flag(i).flag_ids)]
        if rows:
            self.model.mark(rows, item.status, handler=item.handler)

    def triage_matching(self, status: str) -> None:
        """Mark every flag the filter matches, after asking (it can be thousands); reload when done."""
        flt = self.filter_bar.filter()
        total = self.repo.count(flt)
        items = self.repo.item_count(flt) if total else 0
        if not total or not self.confirm(
            f"把当前筛选出的全部 {items:,} 个会话/评价（共 {total:,} 条风险）标记为「{status}」？"
        ):
            return
        handler = self.detail.handler_edit.text().strip() or None

        def done(_changes: OpChanges) -> None:
            self.load()
            self.sig_triaged.emit(total)

        self._write(triage.set_status_matching, flt, status, handler=handler, label="批量标记风险", on_done=done)

    def save_note(self, note: str) -> None:
        flag = self.detail.flag
        if flag is None:
            return
        handler = self.detail.handler_edit.text().strip() or None
        # The note is the item's: every flag of it carries it.
        self._write_flags(
            triage.set_note,
            flag.versions,
            list(flag.flag_ids),
            note,
            handler=handler,
            label="保存备注",
            on_done=lambda _changes, f=flag: self._note_saved(f),
            on_failure=lambda exc, f=flag: self._write_failed("保存备注", exc, flag=f, draft=note),
            on_dropped=lambda: setattr(self, "_dropped_note", note),
        )

    def _note_saved(self, flag: FlagRow) -> None:
        """Show the saved note and handler in the item's row and, if it is still open, the header."""
        fresh = self.repo.flag(flag.id)
        if fresh is None:
            return
        saved = {"note": fresh.note, "handler": fresh.handler}
        row = self.model.row_of(flag.id)
        shown = self.model.flag(row) if row >= 0 else None
        if shown is not None:  # keep what the row shows besides (a triage queued after the note)
            self.model.replace_row(row, replace(shown, **saved))
        if self.detail.flag is not None and self.detail.flag.id == flag.id:
            self.detail.update_flag(replace(self.detail.flag, **saved))

    def _write(
        self,
        op: Callable[..., OpChanges],
        *args: object,
        label: str,
        on_done: Callable[[OpChanges], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
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
            on_failure=on_failure or (lambda exc: self._write_failed(label, exc)),
            progress=False,
            keep_on_close=True,  # a mark or a note is written even if the window closes right after
            **kwargs,
        )

    def _write_flags(
        self,
        op: Callable[..., OpChanges],
        versions: Mapping[int, int],
        *args: object,
        label: str,
        on_done: Callable[[OpChanges], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
        on_dropped: Callable[[], None] | None = None,
        **kwargs: object,
    ) -> None:
        """Queue a triage operation of the flags ``versions`` names (the versions the page read) once
        the page's earlier writes of any of them are done, expecting the newest version the page
        knows of each; ``on_dropped`` when it is not sent because an earlier one was refused."""
        flags = frozenset(versions)

        def send() -> None:
            self._busy |= flags
            expected = {i: max(int(v), self._known.get(i, (-1, 0))[0]) for i, v in versions.items()}

            def done(changes: OpChanges) -> None:
                if isinstance(changes.value, Mapping):
                    self._known.update({int(i): (int(v), self._loads) for i, v in changes.value.items()})
                self._flags_written(flags, ok=True)
                if on_done is not None:
                    on_done(changes)

            def failed(exc: BaseException) -> None:
                self._flags_written(flags, ok=False)
                (on_failure or (lambda e: self._write_failed(label, e)))(exc)

            self._write(op, *args, expected=expected, label=label, on_done=done, on_failure=failed, **kwargs)

        if flags & self._busy or any(flags & waiting for waiting, _send, _drop in self._waiting):
            self._waiting.append((flags, send, on_dropped or (lambda: None)))
        else:
            send()

    def _flags_written(self, flags: frozenset[int], *, ok: bool) -> None:
        """A write of ``flags`` is done (or refused): send the writes that waited for it, in order; after a
        refusal drop those of the same flags (the user made them on what the store did not keep)."""
        self._busy -= flags
        dropped = [w for w in self._waiting if not ok and w[0] & flags]
        blocked = set(self._busy)
        ready, waiting = [], []
        for entry in self._waiting:
            if entry in dropped:
                continue
            (waiting if entry[0] & blocked else ready).append(entry)
            blocked |= entry[0]
        self._waiting = waiting
        for _flags, _send, drop in dropped:
            drop()
        for _flags, send, _drop in ready:
            send()

    def _write_failed(
        self, label: str, exc: BaseException, *, flag: FlagRow | None = None, draft: str | None = None
    ) -> None:
        """The store was not changed: say so, and show the queue as the store has it again. Someone else
        changed the flags first: say who and what, and reload on the item (with an unsaved ``draft`` note
        back in the note box)."""
        from ui.widgets.error_dialog import show_warning

        draft, self._dropped_note = (draft if draft is not None else self._dropped_note), None
        if isinstance(exc, TriageConflictError):
            first = exc.flag_ids[0] if exc.flag_ids else (flag.id if flag is not None else None)
            if first is not None:
                self._after_conflict = (first, draft)
            kept = f"你写的备注“{draft.strip()}”已留在备注框中。" if draft and draft.strip() else ""
            show_warning(self, CONFLICT_TITLE, f"{exc}{REFRESHED}{kept}")
            self.refresh()
            return
        show_warning(self, f"{label}未完成", str(exc))
        self.refresh()

    def _remember_handler(self) -> None:
        self.settings.set(RISK_HANDLER, self.detail.handler_edit.text().strip())

    def _ask(self, question: str) -> bool:
        answer = QMessageBox.question(self, "批量标记", question)
        return answer == QMessageBox.StandardButton.Yes


if __name__ == "__main__":
    import sys

    from ui.pages._preview import preview

    raise SystemExit(preview(RiskPage, sys.argv[1] if len(sys.argv) > 1 else None))
