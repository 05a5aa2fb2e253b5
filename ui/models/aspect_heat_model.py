"""The product × aspect heat table: negative share of each aspect's mentions per product.

A coloured table rather than a chart: product titles are long Chinese
strings that a matplotlib axis cannot show legibly, while a table gives
them a tooltip and a click target (the page filters the list to the
product and aspect of the clicked cell). Cells show whole percents without
the sign and aspect names like 「尺码/大小」 wrap at the slash, so ten
aspects fit the narrow chart pane; tooltips carry the full text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from cxdesk.analysis.voc import HeatTable

Index = QModelIndex | QPersistentModelIndex

MAX_TITLE_CHARS = 9
EMPTY_CELL = QColor("#f4f4f4")


def heat_color(share: float) -> QColor:
    """White (0 %) to strong red (100 %)."""
    share = min(max(share, 0.0), 1.0)
    return QColor(255, int(255 - 150 * share), int(255 - 160 * share))


class AspectHeatModel(QAbstractTableModel):
    """Rows are products, columns aspects, cells the negative share."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table = HeatTable([], [], {})

    def set_table(self, table: HeatTable) -> None:
        self.beginResetModel()
        self._table = table
        self.endResetModel()

    def cell(self, index: Index) -> tuple[str, str] | None:
        """(product key, aspect) of a cell."""
        if not index.isValid():
            return None
        return self._table.products[index.row()][0], self._table.aspects[index.column()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._table.products)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._table.aspects)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            aspect = self._table.aspects[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return aspect.replace("/", "\n")
            return aspect if role == Qt.ItemDataRole.ToolTipRole else None
        title = self._table.products[section][1]
        if role == Qt.ItemDataRole.DisplayRole:
            return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS] + "…"
        return title if role == Qt.ItemDataRole.ToolTipRole else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        key = self.cell(index)
        if key is None:
            return None
        mentions, negative = self._table.cells.get(key, (0, 0))
        share = self._table.share(*key)
        if role == Qt.ItemDataRole.DisplayRole:
            return "—" if share is None else f"{share * 100:.0f}"
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(EMPTY_CELL if share is None else heat_color(share))
        if role == Qt.ItemDataRole.ToolTipRole:
            title = self._table.products[index.row()][1]
            return (
                f"{title}\n「{key[1]}」提及 {mentions} 次，其中负面 {negative} 次（{share or 0:.0%}），点击查看这些评价"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
