"""The platform's own per-agent report (客服日报) beside the computed KPIs (no pandas needed).

Report rows are daily; a week, month or 全部 adds the days up: counts and
sales are summed, response times and the 3-minute rate are averaged
weighted by 接待会话量 (else 接待人数, else one per day), and 询单转化率 is
支付人数 ÷ 询单人数 when every day has both, else the 询单人数-weighted mean.

Agents are matched on the sub-account: chat senders are ``店铺名:子账号``, reports
usually say only ``子账号``, so both sides are compared after the last colon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cxdesk.analysis.agent_metrics import ALL_PERIOD, NO_TIME
from cxdesk.times import stored_date

# (label, computed KPI key, report field)
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("接待会话量", "sessions", "sessions"),
    ("接待人数", "buyers", "buyers"),
    ("首响时长", "first_resp", "first_response_s"),
    ("平响时长", "avg_resp", "avg_response_s"),
    ("3分钟回复率", "rate_3min", "rate_3min"),
    ("询单人数", "inquiry_buyers", "inquiry_buyers"),
    ("询单转化率", "pay_rate", "conversion"),
    ("客服销售额", "sales", "sales"),
)
_SUMMED = ("sessions", "buyers", "inquiry_buyers", "paid_buyers", "sales")
_WEIGHTED = ("first_response_s", "avg_response_s", "rate_3min")


def agent_key(name: object) -> str:
    """``店铺名:子账号`` → ``子账号`` (also with a full-width colon); names compare without spaces."""
    s = str(name or "").replace("：", ":")
    return s.rsplit(":", 1)[-1].strip()


def period_of(day: str, kind: str) -> str:
    """The 客服绩效 period a report day belongs to (same keys as ``agent_kpis.period_keys``);
    a day an older version stored unchecked (2024-02-30) belongs to 无时间, like a chat without times."""
    if kind == "all":
        return ALL_PERIOD
    d = stored_date(day)
    if d is None:
        return NO_TIME
    if kind == "month":
        return d.isoformat()[:7]
    if kind == "week":
        return (d - dt.timedelta(days=d.weekday())).isoformat()
    return d.isoformat()


def _present(v: Any) -> bool:
    return v is not None and v == v


def aggregate(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One agent's report rows (several days) as one set of figures."""
    rows = list(rows)
    out: dict[str, Any] = {"days": len(rows)}
    for f in _SUMMED:
        vals = [r[f] for r in rows if _present(r.get(f))]
        out[f] = sum(vals) if vals else None
    for f in _WEIGHTED:
        pairs = [(r[f], _weight(r)) for r in rows if _present(r.get(f))]
        total = sum(w for _, w in pairs)
        out[f] = sum(v * w for v, w in pairs) / total if pairs and total else None
    both = [r for r in rows if _present(r.get("inquiry_buyers")) and _present(r.get("paid_buyers"))]
    if rows and len(both) == len(rows) and sum(r["inquiry_buyers"] for r in rows):
        out["conversion"] = sum(r["paid_buyers"] for r in rows) / sum(r["inquiry_buyers"] for r in rows)
    else:
        pairs = [(r["conversion"], r.get("inquiry_buyers") or 1) for r in rows if _present(r.get("conversion"))]
        total = sum(w for _, w in pairs)
        out["conversion"] = sum(v * w for v, w in pairs) / total if pairs and total else None
    return out


def _weight(r: Mapping[str, Any]) -> float:
    for f in ("sessions", "buyers"):
        if _present(r.get(f)) and r[f] > 0:
            return float(r[f])
    return 1.0


@dataclass
class Line:
    """One agent: the computed and the platform's value of each compared KPI."""

    agent: str  # as in the chats (sender account)
    report_name: str  # as in the report
    days: int
    values: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # KPI key → (computed, platform)


@dataclass
class Comparison:
    lines: list[Line]
    pairs: list[tuple[str, str, str]]  # the PAIRS the report has figures for
    unmatched: list[str]  # report agents with no chats in this period
    without_report: list[str]  # chat agents the report does not list for this period
    days: tuple[str, str] | None = None  # first and last report day in this period

    @property
    def empty(self) -> bool:
        return not self.lines and not self.unmatched


def compare(
    computed: Iterable[Mapping[str, Any]], reports: Iterable[Mapping[str, Any]], kind: str, period: str
) -> Comparison:
    """Match the report rows of ``period`` to the computed agent rows (team rows skipped)."""
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    names: dict[str, str] = {}
    days: list[str] = []
    for r in reports:
        if period_of(str(r["day"]), kind) != period:
            continue
        days.append(str(r["day"]))
        k = agent_key(r["agent"])
        by_key.setdefault(k, []).append(r)
        names.setdefault(k, str(r["agent"]))
    agents = {agent_key(row["agent"]): row for row in computed if not row.get("is_team")}
    agg = {k: aggregate(rows) for k, rows in by_key.items()}
    pairs = [p for p in PAIRS if any(_present(a.get(p[2])) for a in agg.values())]
    lines = []
    for k in sorted(set(agg) & set(agents)):
        row, rep = agents[k], agg[k]
        lines.append(
            Line(str(row["agent"]), names[k], rep["days"], {key: (row.get(key), rep.get(f)) for _, key, f in pairs})
        )
    unmatched = [names[k] for k in sorted(set(agg) - set(agents))]
    without = [str(agents[k]["agent"]) for k in sorted(set(agents) - set(agg))] if agg else []
    return Comparison(lines, pairs, unmatched, without, (min(days), max(days)) if days else None)


def difference(key: str, computed: Any, platform: Any) -> float | None:
    """computed − platform (rates in fractions: the caller shows percentage points), or None."""
    if not (_present(computed) and _present(platform)):
        return None
    return float(computed) - float(platform)
