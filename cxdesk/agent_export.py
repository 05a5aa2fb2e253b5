"""``export agents``: one row per agent (and period) with every KPI and capability score.

The ``agent`` column holds the sender account exactly as in the source
(e.g. ``小棉袄童装旗舰店:小美``); each KPI column is named with its unit, e.g.
``首次响应时间(秒)``; rates are percentages (0–100). Empty cells mean "no
data" (no timestamps, no orders), never zero. The team rows are not written:
a spreadsheet can sum agents, and the team's distinct-buyer counts are on
the 客服绩效 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxdesk.analysis.agent_kpis import METRICS, PERIODS, kpi_table, load_config, load_frames
from cxdesk.analysis.capability import DIMENSIONS, SCORE, SCORE_LABEL, SCORE_MISSING
from cxdesk import tablewriter
from cxdesk.errors import CxdeskError
from cxdesk.outpaths import check_output_path
from cxdesk.store import store_exists
from cxdesk.tasks import JobContext

PERIOD_COLUMN = "周期"


@dataclass
class AgentExportSummary:
    path: Path
    rows: int
    agents: int
    period: str

    def describe(self) -> str:
        return f"已导出 {self.agents} 位客服、{self.rows:,} 行（{PERIODS[self.period]}）的客服绩效到“{self.path}”。"


def export_columns() -> list[tuple[str, str]]:
    """(table key, column header) in file order."""
    return [
        ("agent", "agent"),
        ("period", PERIOD_COLUMN),
        *((m.key, m.column) for m in METRICS),
        *((k, f"{v}(分)") for k, v in DIMENSIONS.items()),
        (SCORE, f"{SCORE_LABEL}(分)"),
        (SCORE_MISSING, f"{SCORE_LABEL}缺少的维度"),
    ]


def export_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The agents' rows of a :func:`kpi_table` with file headers and units (rates in %)."""
    rows = table[~table["is_team"]].sort_values(["agent", "period"], kind="stable")
    out = pd.DataFrame()
    for key, header in export_columns():
        col = rows[key]
        metric = next((m for m in METRICS if m.key == key), None)
        if metric is not None and metric.unit == "%":
            col = (col * 100).round(2)
        elif metric is not None and metric.unit in ("秒", "元"):
            col = col.round(2)
        elif key == "answer_ratio":
            col = col.round(3)
        out[header] = col.to_numpy()
    return out


def export_agents(
    ctx: JobContext,
    db_path: str | Path,
    period: str,
    out: str | Path,
    *,
    shop_ids: list[int] | None = None,
    window: str | None = None,
) -> AgentExportSummary:
    """Job: compute the KPIs and write them to ``out`` (.csv or .xlsx)."""
    if period not in PERIODS:
        raise CxdeskError(f"不支持的周期“{period}”，可选：day（按日）、week（按周）、month（按月）、all（全部）")
    out = check_output_path(out, store=db_path)
    tablewriter.check_suffix(out)
    if not store_exists(db_path):
        raise CxdeskError(f"数据库文件“{db_path}”不存在。请用 --db 指定已导入数据的数据库。")
    config = load_config()
    frames = load_frames(ctx, db_path, config)
    if not frames.agents:
        raise CxdeskError("数据库里没有客服发出的聊天消息，无法计算客服绩效：请先导入客服聊天记录。")
    window = window or config.get("conversion", {}).get("order_window", "same_day")
    table = export_frame(kpi_table(frames, period, shop_ids=shop_ids, window=window, config=config))
    tablewriter.write_table(
        out, list(table.columns), [_cells(table)], store=db_path, create_folder=True, sheet="客服绩效", freeze=(1, 1)
    )
    return AgentExportSummary(out, len(table), table["agent"].nunique(), period)


def _cells(table: pd.DataFrame) -> list[list]:
    """The rows as Python values, NaN (no data) as None: an empty cell."""
    return [
        [None if (isinstance(v, float) and v != v) else v for v in row]
        for row in table.astype(object).itertuples(index=False)
    ]
