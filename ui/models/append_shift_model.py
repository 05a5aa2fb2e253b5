"""The 追评转差 list: first review and follow-up side by side, each with its sentiment and date.

A review lands here when its first review was positive and its 追评 negative
(``review_text_state.shift``, from the aspect stage): a quality problem the
buyer discovered after a while, so an early warning. Lazy like
:class:`ui.models.review_list_model.ReviewListModel`: the total comes with
the first page, later pages through ``fetchMore`` via a ``fetch`` callable
the page binds to the store's query repository (no SQL here).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from cxdesk.store.voc import ShiftRow
from ui.models.review_list_model import LABEL_COLORS

Index = QModelIndex | QPersistentModelIndex
Fetch = Callable[[int, int], list[ShiftRow]]  # fetch(offset, limit) -> rows

PAGE_SIZE = 200
COLUMNS = (  # the texts first: they are what the owner reads; the product last, stretched
    ("created_at", "初评日期"), ("label", "初评情感"), ("content", "初评内容"),
    ("append_at", "追评日期"), ("append_label", "追评情感"), ("append_content", "追评内容"), ("product", "商品"),
)
MAX_CELL_CHARS = 60
_SCORES = {"label": "score", "append_label": "append_score"}


class AppendShiftModel(QAbstractTableModel):
    """Read-only, lazily filled table of :class:`cxdesk.store.voc.ShiftRow`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._fetch: Fetch | None = None
        self._rows: list[ShiftRow] = []
        self._total = 0

    def set_result(self, fetch: Fetch | None, total: int, first_rows: Sequence[ShiftRow]) -> None:
        self.beginResetModel()
        self._fetch, self._total, self._rows = fetch, total, list(first_rows)
        self.endResetModel()

    @property
    def total(self) -> int:
        return self._total

    def shift(self, row: int) -> ShiftRow | None:
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
        value = getattr(row, key)
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(row, key, value)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("product", "content", "append_content"):
            return value
        if role == Qt.ItemDataRole.ForegroundRole and key in _SCORES and value in LABEL_COLORS:
            return QBrush(LABEL_COLORS[value])
        if role == Qt.ItemDataRole.TextAlignmentRole and key in _SCORES:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None


def _text(row: ShiftRow, key: str, value: Any) -> str:
    if key in ("created_at", "append_at"):
        return (value or "")[:10] or "—"
    if key in _SCORES:
        score = getattr(row, _SCORES[key])
        if value and score is not None:
            return f"{value} {score:.2f}"
        if key == "label" and not row.content.strip() and row.rating:
            return f"{row.rating}星"  # no text: the stars are what made the first review positive
        return value or "未分析"
    text = " ".join(str(value).split()) or "（无文字）"
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"
