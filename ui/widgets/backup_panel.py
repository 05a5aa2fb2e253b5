"""设置 → 数据库备份: the store's backups (time, reason, size), 立即备份 and 恢复.

The list and the copying live in :mod:`cxdesk.store.backups` (the CLI's
``backup`` command uses the same functions). Restoring replaces the file the
whole window works on, so this widget only asks for confirmation and hands
the chosen backup id to ``restore_handler`` (``ui.app`` sets it: it stops the
jobs, closes the store, restores in the background and reopens the window).
``confirm`` is injectable so tests never block on a dialog.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cxdesk.store import Store
from cxdesk.store.backups import BACKUPS_KEPT, Backup, backup_dir, create_backup_job, list_backups
from ui.workers import Job

_COLUMNS = ("时间", "原因", "大小", "编号")
VISIBLE_ROWS = BACKUPS_KEPT + 1  # the kept ones plus the one a restore adds


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class BackupPanel(QWidget):
    """The backups of ``store`` with 立即备份 and 恢复所选备份…."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupPanel")
        self.store = store
        self.backups: list[Backup] = []
        self.confirm: Callable[[QWidget, str, str], bool] = ask_yes_no
        self.restore_handler: Callable[[str], object] | None = None
        self.job: Job | None = None
        title = QLabel("数据库备份", self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #666;")
        self.hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = self._build_table()
        self.backup_button = QPushButton("立即备份", self)
        self.restore_button = QPushButton("恢复所选备份…", self)
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button.clicked.connect(self.restore_selected)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 8)
        layout.setSpacing(4)
        layout.addWidget(title)
        layout.addWidget(self.hint)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.reload()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(_COLUMNS), self)
        table.setObjectName("backupTable")
        table.setHorizontalHeaderLabels(list(_COLUMNS))
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(24)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        table.setFixedHeight(header.sizeHint().height() + 24 * VISIBLE_ROWS + 4)
        table.itemSelectionChanged.connect(self._update_buttons)
        return table

    # --- showing ---------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Undo on 导入 makes backups while 设置 is hidden: re-read whenever it shows."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Re-read the backups folder (newest first)."""
        self.hint.setText(
            f"升级数据库结构前、撤销导入前会自动备份，只保留最近 {BACKUPS_KEPT} 个；"
            f"恢复时当前数据库也会先另存为一个备份。备份位置：{backup_dir(self.store.path)}"
        )
        self.backups = list_backups(self.store.path)
        self.table.setRowCount(len(self.backups))
        for row, backup in enumerate(self.backups):
            for col, text in enumerate((backup.time_text, backup.label, backup.size_text, backup.id)):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        if not self.backups:
            self.message.setText("还没有备份。")
        self._update_buttons()

    def selected(self) -> Backup | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        busy = self.job is not None and self.job.is_running()
        self.backup_button.setEnabled(not busy and not self.store.read_only)
        self.restore_button.setEnabled(not busy and self.selected() is not None)

    # --- actions ---------------------------------------------------------------------

    def back_up_now(self) -> Job:
        """Copy the store in the background (large stores take seconds)."""
        self.message.setText("正在备份…")
        job = Job(self, create_backup_job, self.store.path, label="备份数据库")
        job.on_success(self._backed_up)
        job.on_failure(lambda exc: self.message.setText(f"备份没有完成：{exc}"))
        job.sig_finished.connect(self.reload)
        self.job = job.run()
        self._update_buttons()
        return job

    def _backed_up(self, backup: Backup) -> None:
        self.reload()
        self.message.setText(f"已备份（{backup.time_text}，{backup.size_text}）。")

    def restore_selected(self) -> bool:
        """Ask, then hand the selected backup to ``restore_handler``; whether it was handed on."""
        backup = self.selected()
        if backup is None:
            return False
        if self.restore_handler is None:
            self.message.setText("请在主窗口的「设置」页恢复备份，或使用命令 python main.py backup restore。")
            return False
        question = (
            f"用 {backup.time_text} 的备份（{backup.label}，{backup.size_text}）替换当前数据库？\n\n"
            "备份之后导入、分析和处理的内容都会回到备份时的样子。当前数据库会先另存为一个备份，"
            "需要时可以再恢复回来。\n\n正在进行的任务会停止，恢复后窗口会重新打开。"
        )
        if not self.confirm(self, "恢复备份", question):
            return False
        self.restore_handler(backup.id)
        return True
