"""The review list of 评价分析: a lazy table over a filtered, SQL-sorted query.

``rowCount`` grows page by page: the total comes from a ``COUNT(*)`` and
rows arrive in pages of :data:`PAGE_SIZE` through ``canFetchMore`` /
``fetchMore`` (STYLE §14–15), so a shop with 100,000 reviews opens as fast
as one with 100. The model holds no SQL and never waits for the database:
``fetchMore`` and a header click only *ask* (``sig_more_wanted``,
``sig_sort_changed``); the page runs the query in the background and hands
the rows back with :meth:`ReviewListModel.append_rows` or
:meth:`ReviewListModel.set_result`. On 200k reviews one page sorted by
product or text costs ~2.5 s (SQLite sorts the whole filtered set for
every OFFSET), which must not freeze the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from cxdesk.ratings import rating_shown
from cxdesk.store.voc import ReviewRow

Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 200
COLUMNS = (
    ("date", "日期"),
    ("shop", "店铺"),
    ("product", "商品"),
    ("sku", "SKU"),
    ("rating", "评分"),
    ("sentiment", "情感"),
    ("content", "内容"),
)
LABEL_COLORS = {"负面": QColor("#c62828"), "正面": QColor("#2e7d32"), "中性": QColor("#8a6d00")}
APPEND_MARK = "〔追评〕"
SHIFT_MARK = "〔追评转差〕"
SHIFT_COLOR = QColor("#c62828")
MAX_CELL_CHARS = 120


class ReviewListModel(QAbstractTableModel):
    """Read-only, lazily filled table of :class:`cxdesk.store.voc.ReviewRow`."""

    # (generation, sort key, descending, offset): load the page that starts at offset.
    sig_more_wanted = Signal(int, str, bool, int)
    sig_sort_changed = Signal()  # reload the list from its first page in :attr:`sort_key` order
    sig_rows_arrived = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ReviewRow] = []
        self._total = 0
        self._sort = ("date", True)
        self._loading = False
        self._generation = 0  # bumped by every new result: late pages of an old one are dropped

    # --- feeding ---------------------------------------------------------------

    def set_result(self, total: int, first_rows: Sequence[ReviewRow]) -> None:
        """Show a new query: its total and the first page (already fetched off the GUI thread)."""
        self.beginResetModel()
        self._generation += 1
        self._total, self._rows, self._loading = total, list(first_rows), False
        self.endResetModel()

    def clear(self) -> None:
        self.set_result(0, [])

    def append_rows(self, generation: int, offset: int, rows: Sequence[ReviewRow]) -> None:
        """Add a page asked for by ``sig_more_wanted`` (ignored if the list changed since)."""
        if generation != self._generation or offset != len(self._rows):
            return
        self._loading = False
        if not rows:  # the data changed under us; the next refresh fixes the total
            self._total = len(self._rows)
        else:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.sig_rows_arrived.emit()

    @property
    def total(self) -> int:
        """How many reviews match the filter (not just the rows loaded so far)."""
        return self._total

    @property
    def sort_key(self) -> tuple[str, bool]:
        return self._sort

    @property
    def loading(self) -> bool:
        """A further page has been asked for and has not arrived yet."""
        return self._loading

    def review(self, row: int) -> ReviewRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- lazy loading and sorting ------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._loading and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._loading = True
        self.sig_more_wanted.emit(self._generation, *self._sort, len(self._rows))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting happens in SQL: ask for the first page in the new order."""
        new = (COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder)
        if new != self._sort:
            self._sort = new
            self._loading = False
            self.sig_sort_changed.emit()

    # --- QAbstractTableModel -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, key)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("shop", "product", "content", "sku", "date"):
            return _tooltip(row, key)
        if role == Qt.ItemDataRole.ForegroundRole and key == "sentiment" and row.label in LABEL_COLORS:
            return QBrush(LABEL_COLORS[row.label])
        if role == Qt.ItemDataRole.ForegroundRole and key == "content" and row.shift:
            return QBrush(SHIFT_COLOR)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("rating", "sentiment"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def _text(row: ReviewRow, key: str) -> str:
    if key == "date":
        return (row.created_at or "")[:10]
    if key == "rating":
        return rating_shown(row.rating, row.rating_class)
    if key == "sentiment":
        return row.label or ("无内容" if row.no_content else "未分析")
    if key == "content":
        text = " ".join(row.content.split()) or "（无文字）"
        if row.has_append:
            text = (SHIFT_MARK if row.shift else APPEND_MARK) + text
        return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"
    return str(getattr(row, key))


def _tooltip(row: ReviewRow, key: str) -> str:
    if key == "date":
        return row.created_at or ""
    if key == "content":
        if row.shift:
            return row.content + "\n（追评转为负面：初评正面、追评负面，选中后在下方查看）"
        return row.content + ("\n（有追评，选中后在下方查看）" if row.has_append else "")
    return str(getattr(row, key))
