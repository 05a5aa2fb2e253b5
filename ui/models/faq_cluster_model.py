"""The 常见问题 cluster list as a Qt table model over :class:`cxdesk.store.faq.FaqCluster` rows.

The list is small (tens to a few thousand clusters), so the model holds the
whole query result; sorting and filtering are done by the store query, and a
header click only asks the page for another sort (``sig_sort_requested``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from cxdesk.store import faq
from cxdesk.store.faq import FaqCluster

COLUMNS = ("问题", "次数", "占比", "近7天", "趋势")
SORT_OF_COLUMN = {0: "label", 1: "size", 2: "size", 3: "recent", 4: "trend"}
RISING = QColor("#c9302c")
MUTED = QColor("#888888")
Index = QModelIndex | QPersistentModelIndex


def trend_text(c: FaqCluster) -> str:
    """The cluster's trend (:class:`cxdesk.store.faq.TrendRules`, docs/metrics.md 趋势) as the list shows it:
    「↑ 急升 3→8」, 「新出现」, 「—」 (no questions in either period), else the change against the period before."""
    if c.change == faq.RISING:
        return f"↑ 急升 {c.previous}→{c.current}"
    if c.change == faq.NEW:
        return "新出现"
    if c.change == faq.NO_TREND:
        return "—"
    return f"{(c.current - c.previous) / c.previous:+.0%}"


def display_label(c: FaqCluster) -> str:
    prefix = "【置顶】" if c.pinned else ""
    suffix = "（已隐藏）" if c.hidden else ""
    return f"{prefix}{c.label}{suffix}"


class FaqClusterModel(QAbstractTableModel):
    sig_sort_requested = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.clusters: list[FaqCluster] = []

    def set_clusters(self, clusters: list[FaqCluster]) -> None:
        self.beginResetModel()
        self.clusters = list(clusters)
        self.endResetModel()

    def cluster(self, row: int) -> FaqCluster | None:
        return self.clusters[row] if 0 <= row < len(self.clusters) else None

    def row_of(self, cluster_id: int) -> int:
        for i, c in enumerate(self.clusters):
            if c.id == cluster_id:
                return i
        return -1

    # --- QAbstractTableModel ---------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.clusters)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return "点击按此列排序" if section in SORT_OF_COLUMN else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        c = self.cluster(index.row()) if index.isValid() else None
        if c is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (display_label(c), f"{c.size:,}", f"{c.share:.1%}", f"{c.current:,}", trend_text(c))[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0:
                return f"{c.label}\n关键词：{'、'.join(c.keywords) or '—'}" + (
                    "\n已保存推荐回答" if c.has_answer else ""
                )
            if col in (3, 4):
                return f"最近一周 {c.current} 次，前一周 {c.previous} 次"
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if c.hidden:
                return QBrush(MUTED)
            if col == 4 and c.rising:
                return QBrush(RISING)
        if role == Qt.ItemDataRole.FontRole and (c.pinned or (col == 4 and c.rising)):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.UserRole:
            return c.id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: the store sorts, so only say which order is wanted."""
        key = SORT_OF_COLUMN.get(column)
        if key:
            self.sig_sort_requested.emit(key)
