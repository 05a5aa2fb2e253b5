"""The main window: navigation on the left, pages on the right, facts below.

It only navigates (STYLE §24): pages get their collaborators through a
:class:`ui.pages.base.PageContext` and do their own work. Data changes only
through operations on the window's one writer (``self.ops``,
:mod:`ui.operations`); when one finishes, :meth:`MainWindow._on_op_done`
updates the status bar and hands what changed to every page's
``on_op_done`` (and the search window's shop list when shops changed).
分析数据, an import's follow-up analysis and clearing the demo are such
operations (:mod:`cxdesk.ops`).

Opening a conversation from another page: a page declares
``sig_open_session = Signal(int, object)`` and emits ``(session_id,
message_id or None)``; the window connects every page that has it to
:meth:`MainWindow.open_session`, which shows the 会话 page on that session,
scrolled to the message. Back/forward (the ← → buttons, Alt+←/→) walk the
pages and sessions shown, like a browser.

Opening a page with a filter (总览's tiles and charts): a page declares
``sig_open_page = Signal(str, object)`` and emits ``(page key, filters)``;
:meth:`MainWindow.open_page` shows that page and hands the filters to it
(see there). 导出报告 (Ctrl+Shift+E) opens 总览's report dialog.

The demo shop has a database of its own (:func:`cxdesk.paths.demo_db_path`):
查看演示数据 (总览's welcome, the button under the page list) builds it the
first time, then ``store_switcher`` (set by :func:`ui.app.create_main_window`)
replaces this window with one on that file; 返回我的数据 switches back. While
the demo is open the title says so, and 导入 first asks to switch to the
user's own store: demo and own data are never mixed.

Changes made elsewhere (another PC on a team store, another program on the file) are heard by
``self.change_watch`` (:mod:`ui.change_watch`): every few seconds it polls, and what it heard reaches
the pages as an operation's changes would (origin ``"remote"``), with a note in the status bar. A page
where the user is typing waits until the input is saved or left. While someone else imports or
analyses the team store, the status bar says who and how far.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from cxdesk.ops import BATCHES, BUYERS, CHATS, ORDERS, REVIEWS, SHOPS, OpChanges
from cxdesk.paths import default_db_path, demo_db_path, is_demo_db
from cxdesk.store import Store, store_location
from ui.change_watch import NOTE_DEFERRED, REMOTE_ORIGIN, ChangeWatch, Deferred, has_unsaved_input
from ui.pages.agents import AgentsPage
from ui.pages.base import BasePage, PageContext
from ui.pages.faq import FaqPage
from ui.pages.import_page import ImportPage
from ui.pages.overview import OverviewPage
from ui.pages.reviews import ReviewsPage
from ui.pages.risk import RiskPage
from ui.pages.sessions import SessionsPage
from ui.pages.settings_page import SettingsPage
from ui.operations import OpRunner
from ui.settings import CURRENT_PAGE, WINDOW_GEOMETRY, UiSettings
from ui.workers import Job, JobRunner


PAGE_CLASSES: tuple[type[BasePage], ...] = (
    OverviewPage,
    ImportPage,
    ReviewsPage,
    SessionsPage,
    RiskPage,
    FaqPage,
    AgentsPage,
    SettingsPage,
)

DEFAULT_SIZE = QSize(1200, 700)  # fits a 1366×768 screen with the taskbar


def default_size(available: QSize | None) -> QSize:
    """The first window: :data:`DEFAULT_SIZE`, shrunk to the screen's free area (a 1366×768 laptop at
    125 % has 1093×~580 logical pixels left beside the taskbar)."""
    if available is None or available.isEmpty():
        return DEFAULT_SIZE
    return QSize(
        min(DEFAULT_SIZE.width(), int(available.width() * 0.96)),
        min(DEFAULT_SIZE.height(), int(available.height() * 0.94)),
    )


WINDOW_TITLE = "cxdesk · 评价与客服会话分析"
DEMO_WINDOW_TITLE = "cxdesk · 演示数据（合成，非真实店铺） · 评价与客服会话分析"
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Location:
    """Where the user was: a page, and on 会话 the session and message shown."""

    page: str
    session_id: int | None = None
    message_id: int | None = None


class NavigationHistory:
    """Browser-like back/forward over :class:`Location` s (a new visit clears forward)."""

    def __init__(self, start: Location, limit: int = HISTORY_LIMIT) -> None:
        self.current = start
        self._back: list[Location] = []
        self._forward: list[Location] = []
        self._limit = limit

    def visit(self, location: Location) -> None:
        if location == self.current:
            return
        self._back.append(self.current)
        del self._back[: -self._limit]
        self._forward.clear()
        self.current = location

    def can_go_back(self) -> bool:
        return bool(self._back)

    def can_go_forward(self) -> bool:
        return bool(self._forward)

    def back(self) -> Location | None:
        if not self._back:
            return None
        self._forward.append(self.current)
        self.current = self._back.pop()
        return self.current

    def forward(self) -> Location | None:
        if not self._forward:
            return None
        self._back.append(self.current)
        self.current = self._forward.pop()
        return self.current


class MainWindow(QMainWindow):
    """Navigation list + stacked pages + a status bar with the store's counts."""

    def __init__(
        self,
        store: Store,
        jobs: JobRunner | None = None,
        settings: UiSettings | None = None,
    ) -> None:
        super().__init__()
        # The store the window was given (the caller's, migrated and checked) and, for every read on the GUI
        # thread, a connection of its own that only reads: writes go through self.ops alone.
        self.opened_store = store
        self.store = store.reader()
        self.jobs = jobs or JobRunner(self)
        # The one writer: every user operation runs here, off the GUI thread (ui.operations).
        self.ops = OpRunner(store_location(store.path), self, read_only=store.read_only)
        self.ops.sig_op_done.connect(self._on_op_done)
        self.ops.sig_busy_changed.connect(self._on_ops_busy)
        self._analyses_waiting = 0  # 分析数据 runs asked for and not finished (the button waits for them)
        # A 客服 on a team store may not analyse (the server refuses it): the button says so instead.
        self.may_analyse = not store.derived_read_only
        self.settings = settings or UiSettings()
        self.is_demo = is_demo_db(store.path)  # the demo's own database (not the user's store)
        # Where 返回我的数据 goes: the store this window replaced when it shows the demo (see ui.app.switch_store).
        self.own_store_path: Path | str = default_db_path() if self.is_demo else store_location(store.path)
        # (path, page key) -> the window that replaces this one on that store; None: switching is not offered.
        self.store_switcher: Callable[[Path, str], MainWindow | None] | None = None
        self.setWindowTitle(DEMO_WINDOW_TITLE if self.is_demo else WINDOW_TITLE)
        self.nav = QListWidget(self)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, BasePage] = {}
        self.history = NavigationHistory(Location(OverviewPage.key))
        self._restoring = False  # moving through the history: do not record
        self.search_dialog = None  # made on the first search
        self._build_pages()
        self._build_layout()
        self._build_status_bar()
        self._restore_state()
        self._update_status()
        # Changes made elsewhere (other PCs, other programs): polled, then handed to the pages.
        self._deferred = Deferred()
        self.change_watch = ChangeWatch(store, self.ops, self.jobs, self)
        self.change_watch.sig_changed.connect(self._on_remote_changes)
        self.change_watch.timer.timeout.connect(self._flush_deferred)
        self.change_watch.sig_work.connect(self._show_others_work)
        self.change_watch.start()

    # --- building ----------------------------------------------------------------

    def _build_pages(self) -> None:
        ctx = PageContext(self.store, self.jobs, navigate=self.show_page, ops=self.ops)
        for page_class in PAGE_CLASSES:
            page = page_class(ctx, self.stack)
            self.pages[page.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(self.style().standardIcon(page.icon), page.title)
            item.setSizeHint(QSize(0, 40))
            self.nav.addItem(item)
        self.nav.currentRowChanged.connect(self._on_nav_row)
        for page in self.pages.values():
            open_session = getattr(page, "sig_open_session", None)
            if open_session is not None:
                open_session.connect(self.open_session)
            open_page = getattr(page, "sig_open_page", None)
            if open_page is not None:
                open_page.connect(lambda key, filters: self.open_page(key, **(filters or {})))
        self.pages["sessions"].sig_session_shown.connect(lambda sid, mid: self._record(Location("sessions", sid, mid)))
        self.pages["sessions"].sig_open_faq.connect(self.open_faq_cluster)
        # Every import (and clearing the demo) is followed by an analysis run.
        self.pages["import"].sig_import_finished.connect(self._analyse_after_import)
        overview = self.pages["overview"]
        overview.sig_open_demo.connect(self.open_demo)
        overview.sig_open_own_data.connect(lambda: self.open_own_data())
        overview.sig_demo_cleared.connect(self._on_demo_cleared)

    def _build_layout(self) -> None:
        self.nav.setFixedWidth(150)
        self.nav.setIconSize(QSize(20, 20))
        font = self.nav.font()
        font.setPointSize(11)
        self.nav.setFont(font)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 6)
        side.addWidget(self._build_history_bar())
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText("搜索消息和评价 Ctrl+F")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setFixedWidth(150)
        self.search_edit.returnPressed.connect(lambda: self.open_search(self.search_edit.text()))
        find = QAction(self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        find.triggered.connect(lambda: self.open_search())
        self.addAction(find)
        side.addWidget(self.search_edit)
        side.addWidget(self.nav, 1)
        self.analyze_button = QPushButton("分析数据", self)
        self.analyze_button.setToolTip("分析新导入或需要重算的数据（情感等）；每次导入后也会自动运行")
        if not self.may_analyse:
            self.analyze_button.setEnabled(False)
            self.analyze_button.setToolTip("你的账号是客服：分析数据由店主进行")
        self.analyze_button.clicked.connect(self.run_analysis)
        side.addWidget(self.analyze_button)
        self.demo_switch_button = QPushButton("返回我的数据" if self.is_demo else "查看演示数据", self)
        self.demo_switch_button.setToolTip(
            "回到您自己的数据库" if self.is_demo else "打开单独存放的演示数据库（合成的示例店铺），不影响您的数据"
        )
        self.demo_switch_button.clicked.connect(lambda: self.open_own_data() if self.is_demo else self.open_demo())
        side.addWidget(self.demo_switch_button)
        self.report_action = QAction("导出报告…", self)
        self.report_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.report_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.report_action.triggered.connect(self.export_report)
        self.addAction(self.report_action)
        layout.addLayout(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_history_bar(self) -> QToolBar:
        """← → above the page list (not a window toolbar: pages keep their full height)."""
        bar = QToolBar(self)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.back_action = QAction(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowBack), "后退", self)
        self.back_action.setShortcut(QKeySequence("Alt+Left"))
        self.back_action.setToolTip("回到上一个页面或会话（Alt+←）")
        self.back_action.triggered.connect(self.go_back)
        self.forward_action = QAction(self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowForward), "前进", self)
        self.forward_action.setShortcut(QKeySequence("Alt+Right"))
        self.forward_action.setToolTip("前进到下一个页面或会话（Alt+→）")
        self.forward_action.triggered.connect(self.go_forward)
        for action in (self.back_action, self.forward_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)  # the shortcuts work wherever the focus is
            bar.addAction(action)
        self._update_history_actions()
        return bar

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.db_label = QLabel(self)
        self.counts_label = QLabel(self)
        self.synthetic_label = QLabel("演示数据（合成）", self)
        self.synthetic_label.setStyleSheet("background: #fff3cd; color: #7a5a00; padding: 1px 6px; border-radius: 3px;")
        self.work_label = QLabel(self)  # someone else's import or analysis on the team store
        self.work_label.setStyleSheet("color: #1d4f91; padding: 1px 6px;")
        self.work_label.setVisible(False)
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.work_label)
        bar.addPermanentWidget(self.synthetic_label)
        bar.addPermanentWidget(self.counts_label)

    # --- navigation --------------------------------------------------------------

    def page_keys(self) -> list[str]:
        return list(self.pages)

    def show_page(self, key: str) -> None:
        """Switch to the page with this key (unknown keys are ignored)."""
        if key in self.pages:
            self.nav.setCurrentRow(self.page_keys().index(key))

    def current_page_key(self) -> str:
        return self.page_keys()[self.stack.currentIndex()]

    def open_search(self, text: str = "") -> None:
        """Full-text search over messages and reviews in its own window (kept between searches)."""
        from ui.widgets.search_panel import SearchDialog

        if self.search_dialog is None:
            self.search_dialog = SearchDialog(self.store, open_session=self.open_session, parent=self)
        dialog = self.search_dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        if text.strip():
            dialog.panel.set_query(text.strip())
        else:
            dialog.panel.query_edit.setFocus()

    def open_session(self, session_id: int, message_id: int | None = None) -> bool:
        """Show the 会话 page on ``session_id``, scrolled to ``message_id`` (the API other pages use)."""
        with self._quiet_history():
            self.show_page("sessions")
        return self.pages["sessions"].open_session(
            int(session_id),  # type: ignore[attr-defined]
            None if message_id is None else int(message_id),
        )

    def open_page(self, key: str, **filters: object) -> bool:
        """Show page ``key`` with ``filters``; whether the page took them.

        The page decides what a filter means: ``apply_filters(**filters)`` when
        it has one; else ``filter=`` goes to its ``filter_bar.set_filter`` (评价分析
        takes a ``VocFilter``, 风险 a ``FlagFilter``), ``cluster_id=`` to
        ``open_cluster`` and ``shop_id=`` to the filter bar's shop chooser ``shop_box``
        (客服绩效; only once that page has listed its shops).
        Unknown keys show nothing; filters a page cannot take are ignored.
        """
        if key not in self.pages:
            return False
        self.show_page(key)
        page = self.pages[key]
        apply = getattr(page, "apply_filters", None)
        if callable(apply):
            apply(**filters)
            return True
        taken = False
        bar = getattr(page, "filter_bar", None)
        if filters.get("filter") is not None and bar is not None and hasattr(bar, "set_filter"):
            bar.set_filter(filters["filter"])
            taken = True
        if filters.get("cluster_id") is not None and callable(getattr(page, "open_cluster", None)):
            page.open_cluster(filters["cluster_id"])  # type: ignore[attr-defined]
            taken = True
        shop_box = getattr(bar, "shop_box", None)
        if filters.get("shop_id") is not None and shop_box is not None:
            index = shop_box.findData(filters["shop_id"])
            if index >= 0:
                shop_box.setCurrentIndex(index)
                taken = True
        return taken

    def export_report(self) -> None:
        """导出报告: the dialog of 总览 (its period and shop are the defaults)."""
        self.show_page("overview")
        self.pages["overview"].export_report()  # type: ignore[attr-defined]

    def open_faq_cluster(self, cluster_id: int) -> None:
        """A FAQ mark in a conversation was clicked: show the FAQ page on that cluster (when it offers one)."""
        self.show_page("faq")
        open_cluster = getattr(self.pages["faq"], "open_cluster", None)
        if callable(open_cluster):
            open_cluster(cluster_id)

    # --- history -----------------------------------------------------------------

    def go_back(self) -> None:
        self._go(self.history.back())

    def go_forward(self) -> None:
        self._go(self.history.forward())

    def _go(self, location: Location | None) -> None:
        if location is None:
            return
        with self._quiet_history():
            self.show_page(location.page)
            if location.session_id is not None:
                self.pages["sessions"].open_session(
                    location.session_id,  # type: ignore[attr-defined]
                    location.message_id,
                )
        self._update_history_actions()

    def _on_nav_row(self, row: int) -> None:
        if self.is_demo and self.page_keys()[row] == "import":
            self._import_from_demo()
            return
        self.stack.setCurrentIndex(row)
        key = self.page_keys()[row]
        session = self.pages["sessions"].current_session_id() if key == "sessions" else None  # type: ignore[attr-defined]
        self._record(Location(key, session))

    def _record(self, location: Location) -> None:
        if not self._restoring:
            self.history.visit(location)
            self._update_history_actions()

    @contextmanager
    def _quiet_history(self) -> Iterator[None]:
        restoring, self._restoring = self._restoring, True
        try:
            yield
        finally:
            self._restoring = restoring

    def _update_history_actions(self) -> None:
        self.back_action.setEnabled(self.history.can_go_back())
        self.forward_action.setEnabled(self.history.can_go_forward())

    # --- the demo's own database ----------------------------------------------------

    def open_demo(self) -> None:
        """查看演示数据: switch to the demo's database, building it in the background the first time."""
        from cxdesk.demo import DEFAULT_SEED, demo_store_ready  # lazy: generators not needed at start
        from cxdesk.ops import demo
        from cxdesk.ops.on_file import run_on_file

        path = demo_db_path()
        if demo_store_ready(path):
            self.switch_store(path, analyse=True)
            return
        # Not this window's store: built on a connection of its own, beside the window's writer.
        job = Job(self, run_on_file, demo.build, path, seed=DEFAULT_SEED, label="生成演示数据")
        job.on_success(lambda summary: self.switch_store(path, analyse=True, note=summary.describe()))
        job.sig_finished.connect(lambda: self.demo_switch_button.setEnabled(True))
        self.demo_switch_button.setEnabled(False)
        self.jobs.start("demo", job)

    def open_own_data(self, page: str = "overview") -> MainWindow | None:
        """返回我的数据: switch to the user's own database (the one open before the demo, else the default)."""
        return self.switch_store(self.own_store_path, page)

    def switch_store(
        self, path: Path | str, page: str = "overview", *, analyse: bool = False, note: str = ""
    ) -> MainWindow | None:
        """Replace this window with one on ``path`` showing ``page``; the new window, or None."""
        if self.store_switcher is None:
            return None
        window = self.store_switcher(store_location(path), page)
        if window is None:
            return None
        if note:
            window.pages["overview"].show_demo_summary(note)  # type: ignore[attr-defined]
            window.statusBar().showMessage("演示数据已生成，正在分析…", 15_000)
        if analyse:
            window.run_analysis()  # incremental: a fraction of a second on a demo analysed before
        return window

    def _import_from_demo(self) -> None:
        """导入 while the demo is open: stay on the page shown, and offer to switch to the user's store first."""
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(self.stack.currentIndex())
        self.nav.blockSignals(False)
        if self.ask_switch_for_import():
            self.open_own_data("import")

    def ask_switch_for_import(self) -> bool:
        """The question (tests replace this method)."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "导入数据",
            "当前打开的是演示数据（合成）。导入的文件应放进您自己的数据库，不能和演示数据混在一起。\n\n"
            "要先切换到您自己的数据，再导入吗？",
            parent=self,
        )
        switch = box.addButton("切换到我的数据并导入", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("留在演示数据", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is switch

    def _on_demo_cleared(self, summary: object) -> None:
        self.statusBar().showMessage(getattr(summary, "describe", lambda: "已清除演示数据")(), 30_000)
        self.run_analysis()

    # --- data --------------------------------------------------------------------

    def run_analysis(self) -> None:
        """Analyse what is new, on the writer after what is queued (it is incremental: a second run
        right after the first finds little to do). The status bar shows the summary; the pages hear
        what changed."""
        from cxdesk.ops.analyze import analyze  # lazy: keeps start-up free of numpy work

        if not self.may_analyse:
            return
        self._analyses_waiting += 1
        self.analyze_button.setEnabled(False)
        self.ops.run(self, analyze, label="分析数据", origin="window", on_done=self._on_analysed)

    def _on_analysed(self, changes: OpChanges) -> None:
        self._analyses_waiting = max(0, self._analyses_waiting - 1)
        self.analyze_button.setEnabled(self._analyses_waiting == 0 and self.may_analyse)

    def _on_ops_busy(self, busy: bool) -> None:
        if not busy:  # also after a failed or cancelled analysis, which calls no on_done
            self._analyses_waiting = 0
            self.analyze_button.setEnabled(self.may_analyse)

    def _analyse_after_import(self, result: object) -> None:
        if result is not None:
            self.run_analysis()

    def _on_op_done(self, changes: OpChanges, origin: str) -> None:
        """An operation finished: the status bar and each page update from what it changed."""
        if changes.touches(SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, BUYERS):
            self._update_status()
        if changes.summary:
            self.statusBar().showMessage(changes.summary, 15_000)
        if self.search_dialog is not None and changes.touches(SHOPS):
            self.search_dialog.panel.reload_shops()
        for page in self.pages.values():
            page.on_op_done(changes, origin)

    def _on_remote_changes(self, changes: OpChanges) -> None:
        """Someone else changed the store: the pages reload as after an operation, except those the user
        is typing on (they wait, see :meth:`_flush_deferred`)."""
        if changes.touches(SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, BUYERS):
            self._update_status()
        if self.search_dialog is not None and changes.touches(SHOPS):
            self.search_dialog.panel.reload_shops()
        waiting = False
        for key, page in self.pages.items():
            if not changes.touches(page.watches):
                continue
            if has_unsaved_input(page):
                self._deferred.keep(key, changes)
                waiting = True
            else:
                page.on_op_done(changes, REMOTE_ORIGIN)
        self.statusBar().showMessage(changes.summary + (NOTE_DEFERRED if waiting else ""), 15_000)

    def _flush_deferred(self) -> None:
        """Pages that waited for the user's input get the changes once it is saved or left."""
        for key, changes in self._deferred.take_ready(self.pages):
            self.pages[key].on_op_done(changes, REMOTE_ORIGIN)

    def _show_others_work(self, text: str) -> None:
        self.work_label.setText(text)
        self.work_label.setVisible(bool(text))

    def close_stores(self) -> None:
        """Close the GUI's reader, the change watcher's connection and the store the window was given (the
        app's own windows; not in tests). A restore replaces the file right after: no connection may keep it."""
        self.change_watch.close()
        self.store.close()
        self.opened_store.close()

    def _update_status(self) -> None:
        counts = self.store.counts()
        role = self.store.team_role  # 店主 / 客服 on a team store with roles
        self.db_label.setText(f"数据库：{self.store.path}" + (f"（{role}）" if role else ""))
        self.db_label.setToolTip(str(self.store.path))
        self.counts_label.setText(
            f"评价 {counts.reviews:,} · 消息 {counts.chat_messages:,} · 会话 {counts.chat_sessions:,}"
        )
        self.synthetic_label.setVisible(self.store.batches.any_synthetic())

    # --- state -------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.settings.get(WINDOW_GEOMETRY)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(default_size(self.screen().availableGeometry().size() if self.screen() else None))
        key = self.settings.get(CURRENT_PAGE)
        if self.is_demo and key == "import":
            key = OverviewPage.key
        with self._quiet_history():
            self.show_page(key if key in self.pages else OverviewPage.key)
        self.history = NavigationHistory(Location(self.current_page_key()))  # history starts here
        self._update_history_actions()

    def _save_state(self) -> None:
        self.settings.set(WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.set(CURRENT_PAGE, self.current_page_key())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the window, then cancel running jobs and wait (STYLE §11)."""
        self._save_state()
        self.change_watch.close()
        self.jobs.shutdown()
        self.ops.shutdown()
        self.store.close()  # the GUI's reader; the store it was given belongs to whoever opened it
        super().closeEvent(event)
