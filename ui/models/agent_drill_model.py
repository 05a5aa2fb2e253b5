"""The sessions behind one number of 客服绩效 (drill-down), as a table.

Rows come from :func:`cxdesk.analysis.agent_kpis.drill` (a pandas table);
shop, buyer and start time are looked up once per list through
:class:`cxdesk.store.agents.AgentsRepo` (one query for all rows shown).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datetime import datetime, UTC
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("时间", "店铺", "买家", "说明", "会话")
MAX_ROWS = 5000


if TYPE_CHECKING:
    import pandas as pd


def _missing(value) -> bool:
    """None, NaN or pandas' NA (without importing pandas)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:  # pd.NA
        return True


def when_text(seconds: float) -> str:
    if _missing(seconds):
        return "无时间"
    return datetime.fromtimestamp(float(seconds), tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


class AgentDrillModel(QAbstractTableModel):
    """At most :data:`MAX_ROWS` rows (the count above the list says how many exist)."""

    def __init__(
        self, rows: pd.DataFrame, heads: dict[int, tuple[str, str, str | None, str | None]], parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._rows = rows.head(MAX_ROWS).reset_index(drop=True)
        self._heads = heads

    def row_data(self, row: int) -> pd.Series | None:
        return self._rows.iloc[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        r = self._rows.iloc[index.row()]
        sid = int(r["session_id"])
        shop, buyer, _started, source = self._heads.get(sid, ("", "", None, None))
        col = index.column()
        if col == 0:
            return when_text(r["when"])
        if col == 1:
            return shop
        if col == 2:
            return buyer
        if col == 3:
            return str(r["detail"])
        return f"#{sid}" + (f"（{source}）" if source and role == Qt.ItemDataRole.ToolTipRole else "")
