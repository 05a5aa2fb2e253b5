"""总览: a welcome panel on an empty store, the dashboard once there is data.

On an empty store the user's two ways forward are offered: look at the
synthetic demo shop (its own database, opened by the window: ``sig_open_demo``)
or go to 导入.
With data: the period's figures against the period before, the sentiment
and risk charts (:mod:`ui.pages.overview_view`), every one of them a link
to the page behind it with the matching filter (``sig_open_page``); the
store's totals below; 导出报告 writes the same figures to a file. Synthetic
data is labelled as such so nobody mistakes it for their shop: in the demo's
own database the banner offers 返回我的数据 (``sig_open_own_data``); in any
other store that holds demo batches (older versions built the demo into the
user's store) it offers 清除演示数据, which asks, then removes exactly those
batches on the window's writer (:func:`cxdesk.ops.demo.clear`, backed up first)
and emits ``sig_demo_cleared``. The page reloads when an operation changed
anything it shows (``watches``); on a big store the dashboard reads and draws
in background jobs (:data:`ui.pages.overview_view.BACKGROUND_MIN_ROWS`). The
report is written by a background job beside the writer
(:func:`cxdesk.ops.report.build`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from cxdesk.ops import ANALYSIS, BATCHES, CHATS, FAQ, FLAGS, ORDERS, REVIEWS, RISK_SCORES, SHOPS, BUYERS, OpChanges
from cxdesk.paths import is_demo_db
from ui.pages.base import BasePage, PageContext
from ui.pages.overview_view import BACKGROUND_MIN_ROWS, DashboardWidget
from ui.workers import Job


WELCOME_TEXT = (
    "cxdesk 在这台电脑上离线分析您店铺的商品评价和客服聊天记录：找出顾客最常提到的问题、"
    "需要跟进的风险评价和会话、买家反复询问的常见问题及最佳回答，以及每位客服的响应与转化表现。"
    "所有数据只保存在本机，不会上传。"
)
START_TEXT = (
    "您的数据库里还没有数据。可以先查看演示数据（一家合成的示例店铺，单独存放，不会混进您的数据）"
    "来体验各项功能，或者导入您从平台后台导出的评价、聊天记录和订单文件。"
)
MAX_PANEL_WIDTH = 900  # readable line length on wide windows (the welcome text)
SYNTHETIC_BANNER = "当前为演示数据（合成），仅供体验，不代表任何真实店铺。"
# The banner in the demo's own database, and in a user's store that holds demo batches (all, or beside own data).
DEMO_STORE_BANNER = SYNTHETIC_BANNER + "演示数据单独存放，您自己的数据不在这里，也不受影响。"
DEMO_ONLY_BANNER = (
    SYNTHETIC_BANNER + "这份演示数据在您自己的数据库里（旧版本首次启动时放入）；"
    "清除后，演示数据改为从「查看演示数据」单独打开。"
)
DEMO_MIXED_BANNER = (
    "当前数据库中既有您导入的数据，也有演示数据（合成，旧版本首次启动时放入），"
    "各页的数字把两者算在了一起。「清除演示数据」只删除演示数据，您导入的数据保留。"
)

# (StoreCounts field, caption) in display order: the store's totals under the dashboard.
_STATS = (
    ("shops", "店铺"),
    ("import_batches", "导入批次"),
    ("reviews", "评价"),
    ("chat_sessions", "会话"),
    ("chat_messages", "消息"),
    ("orders", "订单"),
)


def report_params(flt: Any, params: Any) -> Any:
    """全部 on 总览 with the dialog's dates left as shown (the span of the dated rows): a 全部 report
    (no dates: rows without a time included); any other choice is a dated report."""
    if getattr(flt, "all_data", False) and (params.date_from, params.date_to) == (flt.date_from, flt.date_to):
        return replace(params, date_from=None, date_to=None)
    return params


def _wrapped(text: str, parent: QWidget, *, point_size: int = 0, bold: bool = False) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    if point_size or bold:
        font = label.font()
        if point_size:
            font.setPointSize(point_size)
        font.setBold(bold)
        label.setFont(font)
    return label


class OverviewPage(BasePage):
    """Welcome on an empty store; counts, shops and the synthetic-data banner otherwise."""

    key = "overview"
    title = "总览"
    icon = QStyle.StandardPixmap.SP_ComputerIcon
    # The totals, the banner, the shops and the dashboard's figures and charts.
    watches = frozenset({SHOPS, BATCHES, REVIEWS, CHATS, ORDERS, ANALYSIS, FLAGS, RISK_SCORES, FAQ, BUYERS})

    sig_open_demo = Signal()  # 查看演示数据: the window opens the demo's own database (building it first)
    sig_open_own_data = Signal()  # 返回我的数据 (in the demo's database)
    sig_demo_cleared = Signal(object)  # ClearDemoSummary: demo batches removed from this store
    sig_open_page = Signal(str, object)  # (page key, filters): a tile or chart element was clicked
    sig_report_written = Signal(object)  # ReportSummary

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._demo_summary = ""
        self._stale = False  # an operation changed what this page shows while it was hidden
        self.last_report: Any = None
        self.panels = QStackedWidget(self)
        self.welcome_panel = self._build_welcome()
        self.summary_panel = self._build_summary()
        self.panels.addWidget(self.welcome_panel)
        self.panels.addWidget(self.summary_panel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panels)
        if ctx.ops is not None:
            ctx.ops.sig_busy_changed.connect(self._on_ops_busy)
        self.refresh()

    # --- building --------------------------------------------------------------

    def _build_welcome(self) -> QWidget:
        panel = QWidget(self)
        panel.setMaximumWidth(MAX_PANEL_WIDTH)
        self.demo_button = QPushButton("查看演示数据", panel)
        self.demo_button.setToolTip("打开单独存放的演示数据库（合成的示例店铺）；您的数据库保持为空")
        self.demo_button.setDefault(True)
        self.demo_button.setMinimumHeight(36)
        self.demo_button.clicked.connect(self.open_demo)
        self.import_button = QPushButton("导入数据", panel)
        self.import_button.setMinimumHeight(36)
        self.import_button.clicked.connect(lambda: self.ctx.navigate("import"))
        self.welcome_note = _wrapped("", panel)
        self.welcome_note.setStyleSheet("color: #b00020;")
        self.welcome_note.hide()
        for button in (self.demo_button, self.import_button):
            font = button.font()
            font.setPointSize(11)
            button.setFont(font)
            button.setMinimumWidth(140)
        buttons = QHBoxLayout()
        buttons.addWidget(self.demo_button)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(16)
        layout.addWidget(_wrapped("欢迎使用 cxdesk", panel, point_size=20, bold=True))
        layout.addWidget(_wrapped(WELCOME_TEXT, panel, point_size=11))
        layout.addWidget(_wrapped(START_TEXT, panel, point_size=11))
        layout.addLayout(buttons)
        layout.addWidget(self.welcome_note)
        layout.addStretch(1)
        return panel

    def _build_summary(self) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        panel = QWidget(scroll)
        self.banner_frame = QFrame(panel)
        self.banner_frame.setObjectName("demoBanner")
        self.banner_frame.setStyleSheet("#demoBanner { background: #fff3cd; border: 1px solid #f0d98c; }")
        self.synthetic_banner = _wrapped(SYNTHETIC_BANNER, self.banner_frame, bold=True)
        self.synthetic_banner.setStyleSheet("color: #7a5a00;")
        self.banner_button = QPushButton("", self.banner_frame)
        self.banner_button.clicked.connect(self._banner_clicked)
        banner_row = QHBoxLayout(self.banner_frame)
        banner_row.setContentsMargins(8, 4, 8, 4)
        banner_row.addWidget(self.synthetic_banner, 1)
        banner_row.addWidget(self.banner_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.dashboard = DashboardWidget(self.ctx, panel)
        self.dashboard.sig_open_page.connect(self.sig_open_page)
        self.dashboard.sig_export.connect(self.export_report)
        self.cards = {field: _TotalWidget(caption, panel) for field, caption in _STATS}
        totals = QHBoxLayout()
        totals.setSpacing(18)
        totals.addWidget(QLabel("数据库合计：", panel))
        for card in self.cards.values():
            totals.addWidget(card)
        totals.addStretch(1)
        self.shops_label = _wrapped("", panel)
        self.shops_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shops_label.setStyleSheet("color: #555;")
        self.demo_summary_label = _wrapped("", panel)
        self.demo_summary_label.setStyleSheet("color: #444;")
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(8)
        layout.addWidget(self.banner_frame)
        layout.addWidget(self.dashboard)
        layout.addLayout(totals)
        layout.addWidget(self.shops_label)
        layout.addWidget(self.demo_summary_label)
        layout.addStretch(1)
        scroll.setWidget(panel)
        return scroll

    # --- data ------------------------------------------------------------------

    def on_op_done(self, changes: OpChanges, origin: str) -> None:
        """Reload now when shown; when hidden only remember it (a triage keystroke on 风险 must not redraw 总览)."""
        if not changes.touches(self.watches):
            return
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Show the welcome panel on an empty store, else the dashboard (loaded in the background) and totals."""
        self._stale = False
        store = self.ctx.store
        if store.is_empty():
            self.panels.setCurrentWidget(self.welcome_panel)
            return
        counts = store.counts()
        for field, card in self.cards.items():
            card.set_value(getattr(counts, field))
        self._update_banner(store)
        shops = store.shops.all()
        names = "、".join(f"{s.name}（{s.platform_label}）" for s in shops)
        self.shops_label.setText(f"店铺：{names}" if shops else "")
        self.demo_summary_label.setText(self._demo_summary)
        self.demo_summary_label.setVisible(bool(self._demo_summary))
        self.panels.setCurrentWidget(self.summary_panel)
        # A big store's figures are read and drawn in the background (the window never waits on them).
        self.dashboard.background = counts.reviews + counts.chat_messages >= BACKGROUND_MIN_ROWS
        self.dashboard.reset_options()
        self.dashboard.load()

    # --- report ---------------------------------------------------------------------

    def export_report(self) -> None:
        """Ask for the period, format and file, then write the report in the background."""
        from ui.widgets.report_dialog import ReportDialog

        data = self.dashboard.data
        flt = data.filter if data is not None else self.dashboard.filter_bar.filter()
        scope = data.scope_label if data is not None else "全部店铺"
        dialog = ReportDialog(flt, scope, self._report_folder(), self, store_path=self.ctx.store.path)
        if dialog.exec() == ReportDialog.DialogCode.Accepted:
            self.start_report(report_params(flt, dialog.params()))

    def start_report(self, params: Any) -> Job:
        from cxdesk.ops import report
        from cxdesk.ops.on_file import run_on_file

        self.dashboard.export_button.setEnabled(False)
        # It only reads: a job of its own, not queued behind the writer.
        job = Job(self, run_on_file, report.build, self.ctx.store.path, params, label="生成报告")
        job.on_success(self._report_done)
        job.sig_finished.connect(lambda: self.dashboard.export_button.setEnabled(True))
        self.ctx.jobs.start(f"{self.key}.report", job)
        return job

    def _report_done(self, summary: Any) -> None:
        self.last_report = summary
        self.sig_report_written.emit(summary)
        if self.isVisible():
            QMessageBox.information(self, "导出报告", summary.describe())

    def _report_folder(self) -> Path:
        docs = Path.home() / "Documents"
        return docs if docs.is_dir() else Path.home()

    # --- demo data ----------------------------------------------------------------

    def is_demo_store(self) -> bool:
        """Whether this page shows the demo's own database."""
        return is_demo_db(self.ctx.store.path)

    def _update_banner(self, store: Any) -> None:
        """The banner and its button: 返回我的数据 in the demo's database, 清除演示数据 where demo batches sit."""
        if self.is_demo_store():
            text, button = DEMO_STORE_BANNER, "返回我的数据"
        elif store.batches.any_synthetic():
            mixed = any(not b.synthetic and b.status == "done" for b in store.batches.all())
            text, button = (DEMO_MIXED_BANNER if mixed else DEMO_ONLY_BANNER), "清除演示数据…"
        else:
            self.banner_frame.hide()
            return
        self.synthetic_banner.setText(text)
        self.banner_button.setText(button)
        self.banner_frame.show()

    def _banner_clicked(self) -> None:
        if self.is_demo_store():
            self.sig_open_own_data.emit()
        else:
            self.clear_demo()

    def open_demo(self) -> None:
        """查看演示数据: the window opens the demo's own database (built in the background the first time)."""
        self.welcome_note.hide()
        self.sig_open_demo.emit()

    def show_demo_summary(self, text: str) -> None:
        """What the demo build made (shown under the totals after the first build)."""
        self._demo_summary = text
        self.refresh()

    def clear_demo(self) -> bool:
        """清除演示数据: ask, then remove this store's demo batches on the writer (a file store is backed
        up first); whether it was asked for."""
        from cxdesk.demo import demo_batches, own_batches

        store = self.ctx.store
        demo = demo_batches(store)
        if not demo or not self.confirm_clear_demo(sum(b.rows_added for b in demo), len(own_batches(store))):
            return False
        from cxdesk.ops import demo as demo_ops

        self.banner_button.setEnabled(False)
        self.ctx.ops.run(self, demo_ops.clear, label="清除演示数据", origin=self.key, on_done=self._on_demo_cleared)
        return True

    def confirm_clear_demo(self, demo_rows: int, own: int) -> bool:
        """The confirm dialog (tests replace this method)."""
        kept = f"您自己导入的 {own} 个批次保留不动。" if own else "您还没有导入自己的数据，清除后数据库为空。"
        if self.ctx.store.engine == "postgresql":  # a team store: its server keeps backups
            backup = "团队数据库的备份由数据库服务器负责，这台电脑上不另做备份。"
        else:
            backup = "清除前会自动备份数据库，可在 设置 → 数据库备份 中恢复。"
        answer = QMessageBox.question(
            self,
            "清除演示数据",
            f"确定从这个数据库中清除演示数据吗？\n\n将删除演示数据的 {demo_rows:,} 条记录及其分析结果；{kept}\n"
            f"{backup}之后仍可随时「查看演示数据」（单独存放）。",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _on_demo_cleared(self, changes: OpChanges) -> None:
        self._demo_summary = ""
        self.banner_button.setEnabled(True)
        self.sig_demo_cleared.emit(changes.value)

    def _on_ops_busy(self, busy: bool) -> None:
        if not busy:  # a failed clear calls no on_done
            self.banner_button.setEnabled(True)

    def _show_welcome_note(self, text: str) -> None:
        self.welcome_note.setText(text)
        self.welcome_note.show()


class _TotalWidget(QWidget):
    """「评价 1,234」 in one line: the store's total of one table (the figures above are per period)."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption_label = QLabel(caption, self)
        self.caption_label.setStyleSheet("color: #666;")
        self.value_label = QLabel("", self)
        font = self.value_label.font()
        font.setBold(True)
        self.value_label.setFont(font)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.caption_label)
        row.addWidget(self.value_label)

    def set_value(self, value: int) -> None:
        self.value_label.setText(f"{value:,}")


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(OverviewPage))
