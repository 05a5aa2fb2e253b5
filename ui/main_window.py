"""The main window: navigation on the left, pages on the right, facts below.

It only navigates (STYLE §24): pages get their collaborators through a
:class:`ui.pages.base.PageContext` and do their own work. When data changes,
:meth:`MainWindow.refresh` re-reads the counts and emits
``sig_data_changed``, which every page's ``refresh`` listens to.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store import Store
from ui.pages.agents import AgentsPage
from ui.pages.base import BasePage, PageContext
from ui.pages.faq import FaqPage
from ui.pages.import_page import ImportPage
from ui.pages.overview import OverviewPage
from ui.pages.reviews import ReviewsPage
from ui.pages.risk import RiskPage
from ui.pages.sessions import SessionsPage
from ui.pages.settings_page import SettingsPage
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


class MainWindow(QMainWindow):
    """Navigation list + stacked pages + a status bar with the store's counts."""

    sig_data_changed = Signal()

    def __init__(
        self,
        store: Store,
        jobs: JobRunner | None = None,
        settings: UiSettings | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.jobs = jobs or JobRunner(self)
        self.settings = settings or UiSettings()
        self.setWindowTitle("cxdesk · 评价与客服会话分析")
        self.nav = QListWidget(self)
        self.stack = QStackedWidget(self)
        self.pages: dict[str, BasePage] = {}
        self._build_pages()
        self._build_layout()
        self._build_status_bar()
        self._restore_state()
        self._update_status()

    # --- building ----------------------------------------------------------------

    def _build_pages(self) -> None:
        ctx = PageContext(self.store, self.jobs, navigate=self.show_page, data_changed=self.refresh)
        for page_class in PAGE_CLASSES:
            page = page_class(ctx, self.stack)
            self.pages[page.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(self.style().standardIcon(page.icon), page.title)
            item.setSizeHint(QSize(0, 40))
            self.nav.addItem(item)
            self.sig_data_changed.connect(page.refresh)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        # Every import (and the demo build) is followed by an analysis run.
        self.pages["import"].sig_import_finished.connect(self._analyse_after_import)
        self.pages["overview"].sig_demo_built.connect(self.run_analysis)

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
        side.addWidget(self.nav, 1)
        self.analyze_button = QPushButton("分析数据", self)
        self.analyze_button.setToolTip("分析新导入或需要重算的数据（情感等）；每次导入后也会自动运行")
        self.analyze_button.clicked.connect(self.run_analysis)
        side.addWidget(self.analyze_button)
        layout.addLayout(side)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.db_label = QLabel(self)
        self.counts_label = QLabel(self)
        self.synthetic_label = QLabel("演示数据（合成）", self)
        self.synthetic_label.setStyleSheet(
            "background: #fff3cd; color: #7a5a00; padding: 1px 6px; border-radius: 3px;"
        )
        bar.addWidget(self.db_label, 1)
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

    # --- data --------------------------------------------------------------------

    def run_analysis(self) -> None:
        """Analyse what is new in the background; starting again restarts (it is incremental)."""
        from cxdesk.analysis.engine import analyze  # lazy: keeps start-up free of numpy work

        job = Job(self, analyze, self.store.path, label="分析数据")
        job.on_success(self._on_analysed)
        job.sig_finished.connect(lambda: self.analyze_button.setEnabled(True))
        self.analyze_button.setEnabled(False)
        self.jobs.start("analysis", job)

    def _on_analysed(self, summary: object) -> None:
        self.statusBar().showMessage(getattr(summary, "describe", lambda: "分析完成")(), 15_000)
        self.refresh()

    def _analyse_after_import(self, result: object) -> None:
        if result is not None:
            self.run_analysis()

    def refresh(self) -> None:
        """Re-read the counts and tell every page that the data changed."""
        self._update_status()
        self.sig_data_changed.emit()

    def _update_status(self) -> None:
        counts = self.store.counts()
        self.db_label.setText(f"数据库：{self.store.path}")
        self.db_label.setToolTip(str(self.store.path))
        self.counts_label.setText(
            f"评价 {counts.reviews:,} · 消息 {counts.chat_messages:,} · 会话 {counts.chat_sessions:,}"
        )
        self.synthetic_label.setVisible(self.store.batches.any_synthetic())

    # --- state -------------------------------------------------------------------

    def _restore_state(self) -> None:
        geometry = self.settings.get(WINDOW_GEOMETRY)
        if geometry.isEmpty() or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        key = self.settings.get(CURRENT_PAGE)
        self.show_page(key if key in self.pages else OverviewPage.key)

    def _save_state(self) -> None:
        self.settings.set(WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.set(CURRENT_PAGE, self.current_page_key())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Remember the window, then cancel running jobs and wait (STYLE §11)."""
        self._save_state()
        self.jobs.shutdown()
        super().closeEvent(event)
