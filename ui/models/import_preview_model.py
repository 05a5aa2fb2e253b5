"""The preview table of the import wizard: the first records as they will be stored.

``cxdesk.importers.preview`` returns canonical record dicts followed by
rejected rows (``record_no``/``error``/``raw``). The model shows one column
per canonical field, in the order given, plus an 「问题」 column that holds
the reason of a rejected row, drawn in red so the user sees it at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex

ERROR_HEADER = "问题"
REJECT_COLOR = QColor("#b00020")
MAX_CELL_CHARS = 200  # a cell is a glimpse, the tooltip has the rest


class ImportPreviewModel(QAbstractTableModel):
    """Read-only table over a list of preview dicts."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._keys: list[str] = []
        self._headers: list[str] = []
        self._rows: list[dict[str, Any]] = []
        self._format: Callable[[str, Any], str] = lambda key, value: str(value)

    def set_records(
        self,
        records: Sequence[dict[str, Any]],
        keys: Sequence[str],
        headers: Sequence[str],
        formatter: Callable[[str, Any], str] | None = None,
    ) -> None:
        """Show ``records`` in columns ``keys`` (captioned ``headers``).

        Rejected rows (with an ``error`` key) get the 「问题」 column.
        """
        self.beginResetModel()
        self._rows = list(records)
        self._keys = list(keys)
        self._headers = list(headers)
        if any("error" in r for r in self._rows):
            self._keys.append("error")
            self._headers.append(ERROR_HEADER)
        if formatter is not None:
            self._format = formatter
        self.endResetModel()

    def clear(self) -> None:
        self.set_records([], [], [])

    def keys(self) -> list[str]:
        return list(self._keys)

    def is_rejected(self, row: int) -> bool:
        return "error" in self._rows[row]

    # --- QAbstractTableModel ---------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._keys)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return self._row_caption(section)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self._rows[index.row()]
        key = self._keys[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self._cell_text(record, key)
            if role == Qt.ItemDataRole.DisplayRole and len(text) > MAX_CELL_CHARS:
                return text[:MAX_CELL_CHARS] + "…"
            return text.replace("\n", " ⏎ ") if role == Qt.ItemDataRole.DisplayRole else text
        if role == Qt.ItemDataRole.ForegroundRole and "error" in record:
            return QBrush(REJECT_COLOR)
        return None

    # --- helpers -----------------------------------------------------------------

    def _cell_text(self, record: dict[str, Any], key: str) -> str:
        if "error" in record:
            # A rejected row has only its raw text: show it under the first column.
            if key == "error":
                return str(record.get("error") or "")
            if self._keys and key == self._keys[0]:
                return str(record.get("raw") or "")
            return ""
        value = record.get(key)
        return "" if value is None else self._format(key, value)

    def _row_caption(self, row: int) -> str:
        if not 0 <= row < len(self._rows):
            return ""
        record = self._rows[row]
        if "error" in record and record.get("record_no") is not None:
            return f"✗ {record['record_no']}"
        return str(row + 1)
