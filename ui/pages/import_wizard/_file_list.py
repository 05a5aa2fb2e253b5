"""The wizard's file list: one row per file with what was detected and its state.

A file that cannot be read shows its Chinese message in its own row, in
red, rather than in a dialog: it is an expected problem and must not stop
the user from importing the other files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableWidget, QTableWidgetItem, QWidget

from cxdesk.importers import FIELD_ALIASES, KIND_LABELS, Detection, ImportSummary
from cxdesk.store import PLATFORMS
from ui.pages.import_wizard._labels import STATUS_TEXT

COLUMNS = ("文件", "状态", "类型", "平台", "格式", "编码", "说明")
COL_FILE, COL_STATUS, COL_KIND, COL_PLATFORM, COL_FORMAT, COL_ENCODING, COL_NOTE = range(len(COLUMNS))
ERROR_COLOR = QColor("#b00020")
DONE_COLOR = QColor("#1b5e20")
_ICONS = {
    "detecting": QStyle.StandardPixmap.SP_BrowserReload,
    "ready": QStyle.StandardPixmap.SP_FileIcon,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "importing": QStyle.StandardPixmap.SP_BrowserReload,
    "done": QStyle.StandardPixmap.SP_DialogApplyButton,
    "failed": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "cancelled": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "skipped": QStyle.StandardPixmap.SP_MessageBoxWarning,
}
_RED_STATES = {"error", "failed"}


@dataclass(eq=False)  # entries are compared by identity: one per listed file
class FileEntry:
    """One listed file and the user's choices for it (edited on the GUI thread only).

    ``overrides`` holds only the mapping fields the user changed (field →
    column, ``""`` = not imported); ``base_mapping`` is what the importer
    proposes for ``kind``. ``cxdesk`` applies overrides on top the same way.
    """

    path: Path
    status: str = "detecting"
    detection: Detection | None = None
    message: str = ""
    kind: str | None = None
    platform: str = "other"
    shop: str = ""
    base_mapping: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    session_gap_minutes: int = 30
    summary: ImportSummary | None = None

    @property
    def importable(self) -> bool:
        return self.detection is not None and self.status not in ("detecting", "error", "importing")

    def effective_mapping(self) -> dict[str, str]:
        """Field → column as the import will use it (overrides on top of the proposal)."""
        mapping = dict(self.base_mapping)
        for fld, column in self.overrides.items():
            mapping = {f: c for f, c in mapping.items() if c != column or not column}
            if column:
                mapping[fld] = column
            else:
                mapping.pop(fld, None)
        return mapping

    def import_mapping(self) -> dict[str, str] | None:
        """The mapping to hand to ``cxdesk``: every field of the kind, ``""`` = not imported.

        Sent in full so that what the form shows is exactly what is imported,
        whatever the importer would have proposed for a kind it did not detect.
        ``None`` for fixed-layout formats (no columns to map).
        """
        det = self.detection
        if det is None or not det.columns or self.kind not in FIELD_ALIASES:
            return None
        mapping = self.effective_mapping()
        return {f: mapping.get(f, "") for f in FIELD_ALIASES[self.kind] if mapping.get(f, "") in ("", *det.columns)}


class FileListWidget(QTableWidget):
    """Rows of :class:`FileEntry`; the page owns the entries and calls :meth:`update_row`."""

    sig_current_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in (
            (COL_FILE, 220),
            (COL_STATUS, 96),
            (COL_KIND, 96),
            (COL_PLATFORM, 80),
            (COL_FORMAT, 230),
            (COL_ENCODING, 76),
        ):
            self.setColumnWidth(col, width)
        self.itemSelectionChanged.connect(lambda: self.sig_current_changed.emit(self.current_index()))

    def current_index(self) -> int:
        rows = {i.row() for i in self.selectedIndexes()}
        return min(rows) if rows else -1

    def add_entry(self, entry: FileEntry) -> int:
        row = self.rowCount()
        self.insertRow(row)
        for col in range(len(COLUMNS)):
            self.setItem(row, col, QTableWidgetItem(""))
        self.update_row(row, entry)
        return row

    def update_row(self, row: int, entry: FileEntry) -> None:
        """Refresh the texts, icon and colours of ``row`` from ``entry``."""
        det = entry.detection
        texts = {
            COL_FILE: entry.path.name,
            COL_STATUS: STATUS_TEXT.get(entry.status, entry.status),
            COL_KIND: KIND_LABELS.get(entry.kind or "", "—") if det else "",
            COL_PLATFORM: PLATFORMS.get(entry.platform, entry.platform) if det else "",
            COL_FORMAT: det.format_label if det else "",
            COL_ENCODING: (det.encoding or det.container.upper()) if det else "",
            COL_NOTE: entry.message or self._note(entry),
        }
        red = entry.status in _RED_STATES
        for col, text in texts.items():
            item = self.item(row, col)
            item.setText(text)
            item.setToolTip(str(entry.path) if col == COL_FILE else text)
            if red and col in (COL_STATUS, COL_NOTE):
                item.setForeground(QBrush(ERROR_COLOR))
            elif entry.status == "done" and col == COL_STATUS:
                item.setForeground(QBrush(DONE_COLOR))
            else:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
        self.item(row, COL_STATUS).setIcon(self.style().standardIcon(_ICONS[entry.status]))

    @staticmethod
    def _note(entry: FileEntry) -> str:
        s = entry.summary
        if s is not None:
            extra = f"，新会话 {s.sessions_added:,}" if s.kind == "chats" else ""
            return f"新增 {s.rows_added:,}，重复 {s.rows_duplicate:,}，拒绝 {s.rows_rejected:,}{extra}"
        det = entry.detection
        if det is None:
            return ""
        parts = [f"店铺：{det.shop_hint}"] if det.shop_hint else []
        if det.columns:
            parts.append(f"{len(det.columns)} 列，已对应 {len(entry.effective_mapping())} 个字段")
        return "；".join(parts)
