"""The 差评原因 table: one row per (aspect, polarity), the strongest push towards 差评 first.

Rows come from :class:`cxdesk.analysis.star_drivers.DriverResult` as they are; this model only
formats them. The 差评几率 column is the odds ratio (×3.2 = with the other aspects the same,
the odds that a review saying this is 差评 are 3.2 times as high), tinted red where it clearly
pushes towards 差评 and green where it clearly goes with 好评 (:attr:`Driver.clear`: ×1.5 or
more and a 95 % interval off ×1; other rows stay white); the tooltip is the whole sentence with the counts.
The overall aspect (整体: disappointment that names no aspect) is shown in grey: it is fitted so
that the others are weighed beside it, but it is nothing to fix.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from cxdesk.analysis.star_drivers import Driver, DriverResult

Index = QModelIndex | QPersistentModelIndex

# The odds ratio comes right after the aspect: on a narrow pane the counts scroll off, not the answer.
COLUMNS = ("方面", "倾向", "差评几率", "差评占比", "差评数", "好评数")
RATIO_COLUMN = 2
RIGHT_COLUMNS = (2, 3, 4, 5)
OVERALL_TEXT = QColor("#888888")


def effect_color(weight: float) -> QColor:
    """Red for weights that push towards 差评, green for those that go with 好评; paler when small."""
    strength = min(abs(weight) / 3.0, 1.0)
    if weight >= 0:
        return QColor(255, int(255 - 140 * strength), int(255 - 150 * strength))
    return QColor(int(255 - 120 * strength), 255, int(255 - 120 * strength))


class StarDriverModel(QAbstractTableModel):
    """Rows are :class:`Driver` s of one result, in its order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._result: DriverResult | None = None

    def set_result(self, result: DriverResult | None) -> None:
        self.beginResetModel()
        self._result = result
        self.endResetModel()

    def driver(self, index: Index) -> Driver | None:
        if not index.isValid() or self._result is None:
            return None
        return self._result.drivers[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._result is None else len(self._result.drivers)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        d = self.driver(index)
        if d is None or self._result is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                d.aspect,
                d.polarity,
                d.ratio_text(),
                f"{d.bad_rate:.0%}",
                f"{d.bad_with:,}",
                f"{d.good_with:,}",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._result.describe(d) + "\n点击查看这些评价"
        overall = d.aspect == self._result.overall
        if role == Qt.ItemDataRole.BackgroundRole and column == RATIO_COLUMN and d.clear and not overall:
            return QBrush(effect_color(d.weight))
        if role == Qt.ItemDataRole.ForegroundRole and overall:
            return QBrush(OVERALL_TEXT)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in RIGHT_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
