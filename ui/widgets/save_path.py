"""Where to save an export or a report: the save dialog, the database refused, a replaced file confirmed.

Every 导出 action of the app asks through :func:`ask_save_path`. The native
save dialog already asks before replacing an existing file; a path the user
typed elsewhere (the report dialog's line edit, a suffix added after the
dialog) is confirmed with :func:`confirm_replace`. The database, its side
files and backups are refused before any job starts
(:func:`cxdesk.outpaths.check_output_path`), with the reason in a message box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from cxdesk.errors import CxdeskError
from cxdesk.outpaths import check_output_path


def refusal(path: str | Path, store: str | Path | None) -> str | None:
    """Why nothing may be written at ``path`` (Chinese), or None."""
    try:
        check_output_path(path, store=store)
    except CxdeskError as exc:
        return str(exc)
    return None


def confirm_replace(parent: QWidget | None, path: Path) -> bool:
    """True when ``path`` does not exist or the user agreed to replace it."""
    if not path.exists():
        return True
    answer = QMessageBox.question(
        parent,
        "替换文件？",
        f"“{path}”已经存在。\n要用新文件替换它吗？替换后原文件的内容无法找回。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_save_path(
    parent: QWidget | None,
    title: str,
    default: str | Path,
    filters: str,
    store: str | Path | None,
    suffix: str | None = None,
) -> Path | None:
    """The file the user picked (``suffix`` added when missing), or None when cancelled or refused."""
    name, _ = QFileDialog.getSaveFileName(parent, title, str(default), filters)
    if not name:
        return None
    path = Path(name)
    asked = True  # the native dialog asked before replacing ``name``
    if suffix and path.suffix.lower() != suffix:
        path, asked = path.with_name(path.name + suffix), False
    reason = refusal(path, store)
    if reason is not None:
        QMessageBox.warning(parent, title, reason)
        return None
    return path if asked or confirm_replace(parent, path) else None
