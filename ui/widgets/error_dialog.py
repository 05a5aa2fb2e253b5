"""The dialog for unexpected errors: a Chinese summary plus copyable details.

Expected problems (``CxdeskError``) get a plain warning with their message;
this dialog is for bugs, where the user needs the traceback to report them.
It is shown with ``open()`` (never ``exec()``) so that neither the event
loop nor a test ever blocks on it.

A damaged database, a full disk, a read-only or locked file are not bugs:
:func:`as_user_error` turns their ``sqlite3``/``OSError`` into the Chinese
message of :func:`cxdesk.store.failures.user_error`, shown as a warning.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


log = logging.getLogger("cxdesk")


def as_user_error(exc: BaseException, where: str = "本次操作") -> BaseException:
    """``exc`` as a :class:`cxdesk.errors.CxdeskError` when it is a database or disk condition, else unchanged."""
    from cxdesk.store.failures import user_error

    found = user_error(exc, where=where)
    if found is None or found is exc:
        return exc
    log.info("%s因数据库或磁盘问题未完成\n%s", where, format_traceback(exc))
    return found


def format_traceback(exc: BaseException) -> str:
    """The full traceback of ``exc`` as text, as a user would paste it in a report."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class ErrorDialog(QDialog):
    """Shows what went wrong in one sentence and the traceback below it."""

    def __init__(self, summary: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("出错了")
        self.resize(640, 420)
        self.summary_label = QLabel(summary, self)
        self.summary_label.setWordWrap(True)
        hint = QLabel("这是程序的意外错误，不是您的操作问题。可以复制下面的详情发给开发者。", self)
        hint.setWordWrap(True)
        self.details_edit = QPlainTextEdit(details, self)
        self.details_edit.setReadOnly(True)
        self.details_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.copy_button = QPushButton("复制详情", self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(hint)
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        """Put summary and traceback on the clipboard, ready for a bug report."""
        text = f"{self.summary_label.text()}\n\n{self.details_edit.toPlainText()}"
        QGuiApplication.clipboard().setText(text)
        self.copy_button.setText("已复制")


def show_error_dialog(parent: QWidget | None, summary: str, details: str) -> ErrorDialog:
    """Open an :class:`ErrorDialog` without blocking and return it."""
    dialog = ErrorDialog(summary, details, parent)
    # Freed when closed: a long session may hit many errors.
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.open()
    return dialog


def show_warning(parent: QWidget | None, title: str, message: str) -> QMessageBox:
    """A non-blocking warning box for expected problems (``CxdeskError``)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return box
