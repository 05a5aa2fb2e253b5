"""The progress window of a background job: label, bar and 「取消」.

It is fed by :class:`ui.workers.Job`'s 100 ms poll, never by the job thread.
Closing it (Esc or the window's ×) asks to cancel rather than hiding a job
that keeps running unseen.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class JobProgressDialog(QDialog):
    """Non-modal, so the user can keep reading other pages while a job runs."""

    sig_cancel_requested = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("请稍候")
        self.setMinimumWidth(380)
        self._finished = False
        self.title_label = QLabel(f"正在{label}…", self)
        self.message_label = QLabel("", self)
        self.message_label.setStyleSheet("color: #666;")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setRange(0, 0)  # busy until the first report
        self.cancel_button = QPushButton("取消", self)
        self.cancel_button.clicked.connect(self._request_cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def set_progress(self, done: int, total: int, message: str) -> None:
        """Show ``done`` of ``total``; an unknown total shows a busy bar."""
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)
        count = f"{done}/{total}" if total > 0 else ""
        self.message_label.setText(f"{message} {count}".strip())

    def set_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("正在取消…")

    def finish(self) -> None:
        """Close for good; called by the job when it has ended."""
        self._finished = True
        self.close()
        self.deleteLater()

    def reject(self) -> None:  # Esc
        self._request_cancel()

    def closeEvent(self, event: QCloseEvent) -> None:  # the window's ×
        if self._finished:
            event.accept()
            return
        event.ignore()
        self._request_cancel()

    def _request_cancel(self) -> None:
        self.set_cancelling()
        self.sig_cancel_requested.emit()
