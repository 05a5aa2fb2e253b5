"""能力模型: six dimensions per agent (0–100) with the numbers behind each, and a weighted score.

Each dimension is a share of the agent's own sessions, turns or messages
(so it reads as "85 = 85% of the time"), except 响应速度, which also scores
the mean wait on a line from ``avg_wait_best_s`` (100) to
``avg_wait_worst_s`` (0). Weights live in ``resources/rules/capability.json``
(editable on 设置); a dimension without data (no orders, analysis not run)
is left out and the other weights are scaled up, never scored as 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


from cxdesk.analysis.agent_metrics import DIMENSIONS, SCORE, SCORE_LABEL, SCORE_MISSING  # noqa: E402,F401  (re-exported)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def _weighted(parts: dict[str, pd.Series], weights: dict[str, float]) -> pd.Series:
    """Weighted mean of the parts that are not NaN (per row), NaN when none is known."""
    total = wsum = None
    for key, series in parts.items():
        w = float(weights.get(key, 0))
        if w <= 0:
            continue
        known = series.notna()
        part = series.fillna(0) * w
        total = part if total is None else total + part
        wk = known.astype(float) * w
        wsum = wk if wsum is None else wsum + wk
    if total is None or wsum is None:
        return pd.Series(np.nan, index=next(iter(parts.values())).index)
    return total / wsum.where(wsum > 0)


def dimension_parts(table: pd.DataFrame, config: dict, frames) -> dict[str, dict[str, pd.Series]]:
    """Each dimension's parts as fractions 0–1 (NaN where unknown)."""
    speed = config.get("speed", {})
    best, worst = float(speed.get("avg_wait_best_s", 15)), float(speed.get("avg_wait_worst_s", 180))
    avg_wait = ((worst - table["avg_resp"]) / max(worst - best, 1e-9)).clip(0, 1)
    no_risk = not getattr(frames, "has_risk", True)
    no_sentiment = not getattr(frames, "has_sentiment", True)
    nan = pd.Series(np.nan, index=table.index)
    buyer_end = nan if no_sentiment else 1 - _ratio(table["end_negative"], table["end_known"])
    resolution = 1 - _ratio(table["unresolved"], table["sessions"])
    if no_sentiment and no_risk:
        resolution = nan
    full = float(config.get("conversion", {}).get("full_marks_rate", 0.6))
    return {
        "speed": {"rate_30s": table["rate_30s"], "rate_3min": table["rate_3min"], "avg_wait": avg_wait},
        "attitude": {
            "greeting": _ratio(table["greeted"], table["sessions"]),
            "closing": _ratio(table["closed"], table["sessions"]),
            "courtesy": _ratio(table["courtesy"], table["agent_msgs"]),
            "no_rude": nan if no_risk else 1 - _ratio(table["rude"], table["sessions"]),
            "buyer_end": buyer_end,
        },
        "expertise": {"answered": 1 - _ratio(table["deferred"], table["questions"])},
        "resolution": {"resolved": resolution},
        "compliance": {"clean": nan if no_risk else 1 - _ratio(table["flagged"], table["sessions"])},
        "conversion": {"pay": (table["pay_rate"] / max(full, 1e-9)).clip(upper=1)},
    }


def add_scores(table: pd.DataFrame, config: dict, frames=None) -> None:
    """Add one 0–100 column per dimension and ``score`` (weighted over the dimensions known)."""
    if table.empty:
        for key in (*DIMENSIONS, SCORE):
            table[key] = pd.Series(dtype=float)
        table[SCORE_MISSING] = pd.Series(dtype=object)
        return
    parts = dimension_parts(table, config, frames)
    inner = {"speed": config.get("speed", {}).get("parts", {}), "attitude": config.get("attitude", {}).get("parts", {})}
    for dim, items in parts.items():
        weights = inner.get(dim) or {k: 1.0 for k in items}
        table[dim] = (_weighted(items, weights) * 100).round(1)
    weights = config.get("weights", {})
    table[SCORE] = (_weighted({d: table[d] for d in DIMENSIONS}, weights)).round(1)
    # A composite made from fewer dimensions than weighted says so (data without times has no 响应速度,
    # without orders no 转化): the names of the weighted dimensions it lacks, "" when complete.
    weighted = [d for d in DIMENSIONS if float(weights.get(d, 0)) > 0]
    missing = pd.Series("", index=table.index, dtype=object)
    for d in weighted:
        gap = table[d].isna() & table[SCORE].notna()
        missing[gap] = missing[gap].where(missing[gap] == "", missing[gap] + "、") + DIMENSIONS[d]
    table[SCORE_MISSING] = missing


def score_note(row: pd.Series, config: dict) -> str:
    """「按 4/6 个维度计算，缺少：响应速度、转化」 for a partial composite; "" when it is complete."""
    missing = str(row.get(SCORE_MISSING) or "")
    if not missing:
        return ""
    weighted = [d for d in DIMENSIONS if float(config.get("weights", {}).get(d, 0)) > 0]
    known = len(weighted) - len(missing.split("、"))
    return f"按 {known}/{len(weighted)} 个维度计算，缺少：{missing}（数据中没有，不计入、不按 0 分算）"


@dataclass(frozen=True)
class Evidence:
    """One dimension of one row, with the numbers it was made from."""

    key: str
    label: str
    score: float | None
    detail: str


def _pct(x: float) -> str:
    return "—" if x is None or pd.isna(x) else f"{x * 100:.1f}%"


def _n(x: float) -> str:
    return "—" if x is None or pd.isna(x) else f"{int(x):,}"


def _sec(x: float) -> str:
    return "—" if x is None or pd.isna(x) else f"{x:.1f} 秒"


def explain(row: pd.Series) -> list[Evidence]:
    """The numbers behind each dimension of one table row, in words."""
    details = {
        "speed": f"30秒回复率 {_pct(row['rate_30s'])}，3分钟回复率 {_pct(row['rate_3min'])}，"
        f"平均响应 {_sec(row['avg_resp'])}",
        "attitude": f"问候 {_n(row['greeted'])}/{_n(row['sessions'])} 个会话，结束语 {_n(row['closed'])}/"
        f"{_n(row['sessions'])}，礼貌用语消息 {_n(row['courtesy'])}/{_n(row['agent_msgs'])}，"
        f"不当言语会话 {_n(row['rude'])}，买家以负面情绪结束 {_n(row['end_negative'])}/{_n(row['end_known'])}",
        "expertise": f"回答的买家提问 {_n(row['questions'])} 个，其中推脱（不清楚/我问一下…）或转走 {_n(row['deferred'])} 个",
        "resolution": f"{_n(row['sessions'])} 个会话中，买家负面结束或 48 小时内为同一问题再来 {_n(row['unresolved'])} 个",
        "compliance": f"{_n(row['sessions'])} 个会话中，有客服违规/辱骂标记（误报除外）的 {_n(row['flagged'])} 个",
        "conversion": f"询单 {_n(row['inquiry_buyers'])} 人，付款 {_n(row.get('paying_buyers'))} 人，"
        f"询单→付款 {_pct(row['pay_rate'])}",
    }
    out = []
    for key, label in DIMENSIONS.items():
        value = row.get(key)
        out.append(Evidence(key, label, None if pd.isna(value) else float(value), details[key]))
    return out


# --- the weights: read and written by the settings page ------------------------------------------------

from cxdesk.analysis.capability_config import (  # noqa: E402,F401  (re-exported)
    reset_weights,
    save_weights,
    shipped_weights,
    user_config_path,
)
