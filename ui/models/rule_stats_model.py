"""Rule hit counts and 误报 shares for the 设置 page: noisy rules stand out.

The 误报占比 cell is shaded in proportion to the share (no threshold to
tune): a rule whose hits are mostly marked 误报 turns deep red. Sorting is
in memory (a rule pack has tens of rules).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from cxdesk.analysis.rule_labels import rule_label
from cxdesk.store.risk_queue import RuleStat

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (
    ("rule_id", "规则"),
    ("category", "类别"),
    ("level", "等级"),
    ("hits", "命中"),
    ("open", "未处理"),
    ("handled", "已处理"),
    ("false_alarms", "误报"),
    ("false_share", "误报占比"),
)
SHARE_TIP = "误报占已判定（已处理 + 误报）的比例；还没有人判定时显示 —"


def _share_text(stat: RuleStat) -> str:
    share = stat.false_share
    return "—" if share is None else f"{share:.0%}"


class RuleStatsModel(QAbstractTableModel):
    """One row per rule: hits and how people judged them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[RuleStat] = []
        self._tips: Mapping[str, str] = {}

    def set_stats(self, stats: Sequence[RuleStat], tips: Mapping[str, str] | None = None) -> None:
        self.beginResetModel()
        self._rows = list(stats)
        self._tips = dict(tips or {})
        self.endResetModel()

    def stat(self, row: int) -> RuleStat:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole and COLUMNS[section][0] == "false_share":
            return SHARE_TIP
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        stat = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "rule_id":  # people read the rule's name; its id stays in files and exports
                return rule_label(stat.rule_id, stat.category)
            return _share_text(stat) if key == "false_share" else str(getattr(stat, key))
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "false_share":
                return SHARE_TIP
            return self._tips.get(stat.rule_id, "")
        if role == Qt.ItemDataRole.BackgroundRole and key == "false_share" and stat.false_share:
            alpha = int(40 + 180 * stat.false_share)
            return QBrush(QColor(217, 83, 79, alpha))
        if role == Qt.ItemDataRole.TextAlignmentRole and key not in ("rule_id", "category"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column][0]

        def value(s: RuleStat) -> Any:
            v = getattr(s, key)
            return (-1.0 if v is None else v) if key == "false_share" else v

        self.layoutAboutToBeChanged.emit()
        self._rows.sort(key=value, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
