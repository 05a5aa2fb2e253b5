"""A read-only table model that holds rows fetched a page at a time.

The page gives it the total, the first page and a ``fetch(offset, limit)``
callable bound to a store query (no SQL here); Qt asks for more through
``canFetchMore`` / ``fetchMore`` as the view scrolls. Subclasses set
``COLUMNS`` (key, header) and implement ``data``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
Row = TypeVar("Row")
PAGE_SIZE = 200


class PagedRowsModel(QAbstractTableModel, Generic[Row]):
    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch: Callable[[int, int], list[Row]] | None = None
        self._rows: list[Row] = []
        self._total = 0

    def set_result(self, fetch: Callable[[int, int], list[Row]] | None, total: int, first_rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._fetch, self._total, self._rows = fetch, total, list(first_rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_result(None, 0, [])

    @property
    def total(self) -> int:
        return self._total

    def row_at(self, row: int) -> Row | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._fetch is not None and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        assert self._fetch is not None
        more = self._fetch(len(self._rows), PAGE_SIZE)
        if not more:
            self._total = len(self._rows)
            return
        start = len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section][1]
        return None
