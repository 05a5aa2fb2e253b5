"""The ranking table of 客服绩效: one row per agent (the team last), one column per KPI.

The rows are a small pandas table computed by :func:`cxdesk.analysis.agent_kpis.kpi_table`
(a handful of agents), so sorting is in memory; the team row stays at the
bottom whatever the sort. Header tooltips give each KPI's formula; cells
that are empty (no times, no orders) show —, never 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from cxdesk.analysis.agent_metrics import DIMENSIONS, METRIC, METRICS, SCORE, SCORE_LABEL, SCORE_MISSING, TEAM
from ui.models.flag_queue_model import short_agent

if TYPE_CHECKING:
    import pandas as pd

Index = QModelIndex | QPersistentModelIndex
# The KPIs that tell agents' habits apart come first, so they are visible without scrolling.
FIRST = ("first_resp", "avg_resp", "rate_3min", "rate_30s", "slow", "reply_rate", "answer_ratio", "pay_rate")
_ORDERED = [METRIC[k] for k in FIRST] + [m for m in METRICS if m.key not in FIRST]
# (key, header, tooltip)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("agent", "客服", "子账号（完整账号见提示）；「团队」= 所选店铺的全部会话"),
    (SCORE, SCORE_LABEL, "六个能力维度的加权平均（权重在「设置」页或 capability.json）；缺数据的维度不计"),
    *((m.key, m.column, f"{m.name}：{m.formula}") for m in _ORDERED),
    *((k, f"{v}(分)", f"能力模型「{v}」0–100，依据见右侧说明") for k, v in DIMENSIONS.items()),
)
KEYS = tuple(c[0] for c in COLUMNS)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
TEAM_BACKGROUND = QColor("#f3f6fa")


def partial_note(row: Any) -> str:
    """「按 4/6 个维度计算，缺少：…」 for a composite made from fewer dimensions."""
    from cxdesk.analysis.capability import score_note
    from cxdesk.analysis.capability_config import load_config

    return score_note(row, load_config())


def format_value(key: str, value: Any) -> str:
    """A KPI value as the table shows it: — for empty, % for rates, one decimal for seconds."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    metric = METRIC.get(key)
    unit = metric.unit if metric else "分"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "秒":
        return f"{value:.1f}"
    if unit == "元":
        return f"{value:,.2f}"
    if key == "answer_ratio":
        return f"{value:.2f}"
    if unit == "分":
        return f"{value:.1f}"
    return f"{int(round(value)):,}"


class AgentRankModel(QAbstractTableModel):
    """Rows of one period; ``row_data(row)`` gives the whole pandas row."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._table = None  # a pandas DataFrame once set (pandas is not imported at start-up)
        self._sort: tuple[int, Qt.SortOrder] = (1, Qt.SortOrder.DescendingOrder)

    def set_table(self, table: pd.DataFrame) -> None:
        self.beginResetModel()
        self._table = table.reset_index(drop=True)
        self._apply_sort()
        self.endResetModel()

    def row_data(self, row: int) -> pd.Series | None:
        return self._table.iloc[row] if self._table is not None and 0 <= row < len(self._table) else None

    def row_of(self, agent: str) -> int:
        if self._table is None or not len(self._table):
            return -1
        hits = self._table.index[self._table["agent"] == agent]
        return int(hits[0]) if len(hits) else -1

    def key(self, column: int) -> str:
        return KEYS[column]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._table is None else len(self._table)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][2] + ("\n双击数字：列出背后的会话" if section > 0 else "")
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._table.iloc[index.row()]
        key = KEYS[index.column()]
        value = row.get(key)
        team = bool(row.get("is_team"))
        if role == Qt.ItemDataRole.DisplayRole:
            if key == SCORE and row.get(SCORE_MISSING):
                return format_value(key, value) + "*"  # made from fewer dimensions: the tooltip names them
            return (TEAM if team else short_agent(str(value))) if key == "agent" else format_value(key, value)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "agent":
                return "所选店铺的全部会话（含无人回复的）" if team else str(value)
            if key == SCORE and row.get(SCORE_MISSING):
                return f"{COLUMNS[index.column()][2]}\n* 本行{partial_note(row)}"
            return f"{COLUMNS[index.column()][2]}\n双击列出背后的会话"
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "agent":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and team:
            return QBrush(TEAM_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and (team or key == SCORE):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply_sort()
        self.layoutChanged.emit()

    def _apply_sort(self) -> None:
        """Sort agents by the column (empty cells last); the team row stays at the bottom."""
        if self._table is None or self._table.empty:
            return
        import pandas as pd

        column, order = self._sort
        key = KEYS[column]
        table = self._table
        agents, team = table[~table["is_team"].astype(bool)], table[table["is_team"].astype(bool)]
        ascending = order == Qt.SortOrder.AscendingOrder
        agents = agents.sort_values(key, ascending=ascending, na_position="last", kind="stable")
        self._table = pd.concat([agents, team], ignore_index=True)
