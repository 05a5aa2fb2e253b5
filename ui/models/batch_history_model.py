"""The import history table: one row per import batch, newest first.

The page reads ``cxdesk.importers.list_batches`` and the shop names on the
GUI thread (a few hundred rows at most) and hands them here; the model only
formats. Undone batches are greyed so the live ones stand out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from cxdesk.importers import KIND_LABELS
from cxdesk.store import PLATFORMS, Batch

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("导入时间", "文件", "类型", "平台", "店铺", "新增", "重复", "拒绝", "状态", "演示数据")
NUMERIC = {5, 6, 7}
STATUS_TEXT = {"done": "已导入", "undone": "已撤销"}
UNDONE_COLOR = QColor("#888888")


class BatchHistoryModel(QAbstractTableModel):
    """Read-only table over :class:`cxdesk.store.Batch` rows."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._batches: list[Batch] = []
        self._shops: dict[int, str] = {}

    def set_batches(self, batches: Sequence[Batch], shop_names: Mapping[int, str]) -> None:
        self.beginResetModel()
        self._batches = list(batches)
        self._shops = dict(shop_names)
        self.endResetModel()

    def batch(self, row: int) -> Batch | None:
        return self._batches[row] if 0 <= row < len(self._batches) else None

    def row_of(self, batch_id: int) -> int:
        return next((i for i, b in enumerate(self._batches) if b.id == batch_id), -1)

    # --- QAbstractTableModel ---------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._batches)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        batch = self._batches[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(batch, col)
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return (
                f"批次 {batch.id}：{batch.file_name}（格式 {batch.source_format or '—'}，编码 {batch.encoding or '—'}）"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and col in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and batch.status == "undone":
            return QBrush(UNDONE_COLOR)
        return None

    def _text(self, b: Batch, col: int) -> str:
        values = (
            (b.imported_at or "")[:16],
            b.file_name,
            KIND_LABELS.get(b.kind, b.kind),
            PLATFORMS.get(b.platform or "", b.platform or "—"),
            self._shops.get(b.shop_id or -1, "—"),
            f"{b.rows_added:,}",
            f"{b.rows_duplicate:,}",
            f"{b.rows_rejected:,}",
            STATUS_TEXT.get(b.status, b.status),
            "是" if b.synthetic else "",
        )
        return values[col]
