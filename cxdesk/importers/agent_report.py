"""A platform's own per-agent daily KPI report (客服日报), to set beside the computed KPIs.

飞鸽 (抖店) exports ``日期, 客服昵称, 接待会话量, 全天平响时长, 全天首响时长,
全天3分钟回复率, 询单人数, 支付人数, 询单转化率``; 千牛/赤兔-style reports name the
same figures ``旺旺/客服, 日期, 接待人数, 首次响应(秒), 平均响应(秒), 询单->最终付款转化率,
客服销售额``. The header aliases are in :mod:`._columns` (kind ``agent_report``).
Durations may be seconds (``25``, ``25.3秒``) or clock text (``01:05``, ``1分5秒``);
rates may be ``85.2%``, ``85.2`` or ``0.852``. Totals rows (合计/汇总) are refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from cxdesk.importers._columns import auto_map, guess_platform
from cxdesk.importers._model import Chunk, FormatSpec, Guess, Probe, ReadOptions
from cxdesk.importers._rows import map_chunks
from cxdesk.importers._tabular import column_index, iter_rows
from cxdesk.importers._values import parse_amount, parse_time, text_or_none
from cxdesk.values import is_blank, shown_value

KPI_FIELDS = (
    "sessions",
    "buyers",
    "first_response_s",
    "avg_response_s",
    "rate_3min",
    "inquiry_buyers",
    "paid_buyers",
    "conversion",
    "sales",
)
COUNT_FIELDS = ("sessions", "buyers", "inquiry_buyers", "paid_buyers")
DURATION_FIELDS = ("first_response_s", "avg_response_s")
RATE_FIELDS = ("rate_3min", "conversion")
_TOTAL_WORDS = {"合计", "汇总", "总计", "全部", "总体", "平均", "均值", "total", "sum"}
_NONE = {"-", "--", "—", "——", "/", "无", "n/a", "na", "null", "none"}
_CLOCK = re.compile(r"(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)")
# Possessive spaces (``\s*+``, never followed by a space): with plain ``\s*`` the three optional parts
# split a run of spaces every possible way, and ``1h`` + 20,000 spaces took 8 s per cell.
_UNITS = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*+(?:小时|时|h))?\s*+(?:(\d+(?:\.\d+)?)\s*+(?:分钟|分|m|min|′))?\s*+"
    r"(?:(\d+(?:\.\d+)?)\s*+(?:秒|s|sec|″)?)?",
    re.I,
)
_DAY8 = re.compile(r"(20\d\d)(\d\d)(\d\d)")
# No agent serves more sessions or buyers in a day, nor takes longer to answer; beyond, a cell is broken.
MAX_COUNT = 10_000_000
MAX_SECONDS = 7 * 86_400


def sniff(p: Probe) -> Guess | None:
    """A table with a day, an agent and at least two of the report's KPI columns."""
    if not p.columns:
        return None
    mapping = auto_map("agent_report", p.columns)
    kpis = sum(f in mapping for f in KPI_FIELDS)
    if "day" not in mapping or "agent" not in mapping or kpis < 2:
        return None
    names = " ".join(p.columns)
    platform = "douyin" if "全天" in names or "飞鸽" in names else guess_platform(p.columns)
    label = {"douyin": "飞鸽客服日报", "taobao": "千牛/赤兔客服日报"}.get(platform, "平台客服日报")
    return Guess(0.97, "agent_report", platform, mapping, label=f"{label}（{p.container.upper()}）")


def read(opts: ReadOptions) -> Iterator[Chunk]:
    det = opts.detection
    return map_chunks(iter_rows(det, opts.chunk_size), report_mapper(column_index(det.columns, opts.mapping)))


def report_mapper(index: dict[str, int]):
    def get(cells: list[Any], field: str) -> Any:
        i = index.get(field)
        return cells[i] if i is not None and i < len(cells) else None

    def to_record(no: int, cells: list[Any]) -> dict[str, Any]:
        agent = text_or_none(get(cells, "agent"))
        day_cell = get(cells, "day")
        if (agent or "").lower() in _TOTAL_WORDS or str(day_cell or "").strip().lower() in _TOTAL_WORDS:
            raise ValueError("合计/汇总行，不作为客服数据导入")
        if not agent:
            raise ValueError("缺少客服名称")
        r: dict[str, Any] = {"day": parse_day(day_cell), "agent": agent}
        for f in COUNT_FIELDS:
            r[f] = parse_count(get(cells, f))
        for f in DURATION_FIELDS:
            r[f] = parse_seconds(get(cells, f))
        for f in RATE_FIELDS:
            r[f] = parse_rate(get(cells, f))
        r["sales"] = None if _blank(get(cells, "sales")) else parse_amount(get(cells, "sales"))
        if all(r[f] is None for f in KPI_FIELDS):
            raise ValueError("这一行没有任何指标数值")
        return r

    return to_record


def _blank(value: Any) -> bool:
    return is_blank(value) or (isinstance(value, str) and value.strip().lower() in _NONE)


def parse_day(value: Any) -> str:
    """``2026-11-30``, ``2026/11/30``, ``20261130``, an Excel date → ``2026-11-30``."""
    if _blank(value):
        raise ValueError("缺少日期")
    s = str(value).strip() if not hasattr(value, "strftime") else None
    if s is not None and _DAY8.fullmatch(s.split(".")[0]):
        value = int(s.split(".")[0])  # 20241130; parse_time checks it like any other day
    t = parse_time(value, label="日期")  # impossible or implausible days are refused with the reason
    if not t:
        raise ValueError(f"日期“{shown_value(value)}”无法识别")
    return t[:10]


def parse_count(value: Any) -> int | None:
    """A count of sessions or buyers: 0 to :data:`MAX_COUNT` (``1e30`` once crashed the import:
    SQLite's integers stop at 2**63)."""
    if _blank(value):
        return None
    try:
        x = float(str(value).replace(",", "").replace("，", "").strip().rstrip("人个次"))
    except ValueError:
        raise ValueError(f"数量“{shown_value(value)}”不是数字") from None
    if not 0 <= x <= MAX_COUNT:  # also NaN and inf
        raise ValueError(f"数量“{shown_value(value)}”无效（应为 0 到 {MAX_COUNT:,} 之间的数）")
    return int(round(x))


def parse_seconds(value: Any) -> float | None:
    """Seconds from ``25``, ``25.3秒``, ``01:05``, ``0:01:05``, ``1分5秒``, ``2小时3分``; 0 to
    :data:`MAX_SECONDS` (a negative, endless or week-long "response time" is a broken cell)."""
    if _blank(value) or (isinstance(value, float) and math.isnan(value)):
        return None
    seconds = _seconds(value)
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"时长“{shown_value(value)}”无效（应为 0 到 {MAX_SECONDS // 86_400} 天之间的秒数或 分:秒）")
    return seconds


def _seconds(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if abs(value) < 1e300 else math.inf
    if hasattr(value, "hour") and hasattr(value, "minute"):  # an Excel time cell
        return value.hour * 3600 + value.minute * 60 + value.second + getattr(value, "microsecond", 0) / 1e6
    s = str(value).strip().replace("：", ":")
    try:  # digits beyond Python's int limit (4,300) raise ValueError in English
        m = _CLOCK.fullmatch(s)
        if m:
            h, mi, sec = m.groups()
            return int(h or 0) * 3600 + int(mi) * 60 + float(sec)
        m = _UNITS.fullmatch(s)
        if m and any(m.groups()):
            h, mi, sec = (float(g) if g else 0.0 for g in m.groups())
            return h * 3600 + mi * 60 + sec
    except ValueError:
        pass
    raise ValueError(f"时长“{shown_value(value)}”无法识别（应为秒数或 分:秒）")


def parse_rate(value: Any) -> float | None:
    """A fraction 0–1 from ``85.2%``, ``85.2`` or ``0.852``."""
    if _blank(value):
        return None
    percent = False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
    else:
        s = str(value).strip().replace("％", "%")
        try:
            x = float(s.rstrip("%").strip())
        except ValueError:
            raise ValueError(f"比率“{shown_value(value)}”不是数字") from None
        percent = s.endswith("%")
    if math.isnan(x):
        return None
    if percent or x > 1:  # "85.2%" or 85.2; a fraction (0.852) as Excel's percent cells give it
        x /= 100
    if not 0 <= x <= 1:
        raise ValueError(f"比率“{shown_value(value)}”不在 0–100% 之间")
    return x


FORMAT = FormatSpec("agent_report", "平台客服日报", ("xlsx", "csv", "tsv"), sniff, read)
