"""客服绩效: KPIs per agent and team, per day / week / month, from the chat timestamps.

Computed on demand, not stored in the store: :func:`load_frames` reads the store once
(~5 s at 1M messages, in a background job; a big store's frames are kept in the
cache folder until its data changes, :mod:`cxdesk.analysis.agent_frames_cache`,
~0.4 s to read back) and :func:`kpi_table` then
aggregates any period, shop and conversion window in well under a second,
so changing an option never means re-running the analysis. Definitions are
in ``docs/metrics.md`` and in :data:`METRICS` (the app's tooltips).

Every session's figures count in the period of the session's start (its
first buyer or agent message with a time). Team rows count every session
of the selected shops, also those no agent answered.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxdesk.analysis import agent_frames_cache as frames_cache
from cxdesk.analysis.agent_frames import DAY_S, AgentFrames, build_frames
from cxdesk.errors import CxdeskError
from cxdesk.store import open_reader
from cxdesk.store.agents import AgentsRepo
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext

# The names, units and formulas live in a module without pandas (the GUI imports them at start-up).
from cxdesk.analysis.agent_metrics import (  # noqa: E402,F401  (re-exported)
    ALL_PERIOD,
    METRIC,
    METRICS,
    NO_TIME,
    PERIODS,
    RATE_KEYS,
    TEAM,
    TEAM_CODE,
    TIME_KEYS,
    WINDOWS,
    Metric,
)


# --- configuration (in a module without pandas: the settings page reads it at start-up) ------------

from cxdesk.analysis.capability_config import _read, config_path, load_config  # noqa: E402,F401  (re-exported)
from datetime import UTC


# --- loading (a job: runs off the GUI thread) -------------------------------------------------


def load_frames(
    ctx: JobContext | None, db_path: str | Path, config: dict | None = None, views: Sequence[dict] = ()
) -> AgentFrames:
    """Read the store once and build every frame the KPIs need (read-only connection).

    ``views``: keyword arguments of :func:`cached_kpi_table` to aggregate here
    too (in the job, off the GUI thread), so that the page's first table and
    trend come from the frames' memo.
    """
    config = config or load_config()
    conn = open_reader(db_path)
    try:
        repo = Repos(conn).agents
        stamp = _cache_stamp(repo, config)
        cached = frames_cache.load(db_path, stamp) if stamp is not None else None
        if cached is not None:
            return _with_views(ctx, cached, config, views)
        _step(ctx, 0, "读取聊天记录")
        messages = read_messages(db_path, repo)
        _step(ctx, 1, "读取会话、订单与风险标记")
        sessions, orders = repo.sessions(), repo.orders()
        flags = repo.agent_message_flags(config.get("agent_flag_categories", []))
        repeated = repo.repeated_sessions()
        has_sentiment, has_risk = repo.has_sentiment(), repo.has_risk_run()
        _step(ctx, 2, "计算买家轮次与响应时间")
        frames = build_frames(
            messages,
            sessions,
            orders,
            config,
            flags=flags,
            repeated=repeated,
            labels_of=repo.message_labels,
            has_sentiment=has_sentiment,
            has_risk=has_risk,
        )
    finally:
        conn.close()
    frames = _with_views(ctx, frames, config, views)
    if stamp is not None:
        frames_cache.save(db_path, stamp, frames)
    return frames


def _with_views(ctx: JobContext | None, frames: AgentFrames, config: dict, views: Sequence[dict]) -> AgentFrames:
    for view in views:
        _step(ctx, 3, "汇总指标")
        cached_kpi_table(frames, **{"config": config, **view})
    _step(ctx, 3, "完成")
    return frames


def _cache_stamp(repo: AgentsRepo, config: dict) -> str | None:
    """The on-disk cache's fingerprint of this store's data and the configuration; None for a store too
    small to cache (:mod:`cxdesk.analysis.agent_frames_cache`)."""
    stamp = repo.data_stamp()
    if (stamp[0][0] or 0) < frames_cache.MIN_MESSAGES:
        return None
    from cxdesk.analysis.service_time import load_config as load_service_config
    from cxdesk.roles import role_rules

    settings = config_key({"kpi": config, "service": load_service_config(), "roles": role_rules().version})
    return frames_cache.fingerprint(stamp, settings)


def cached_frames(db_path: str | Path, views: Sequence[dict] = (), config: dict | None = None) -> AgentFrames | None:
    """The frames from the on-disk cache when they are current (with ``views`` aggregated), else None:
    what a big store's page asks before it starts a process to build them."""
    config = config or load_config()
    conn = open_reader(db_path)
    try:
        stamp = _cache_stamp(Repos(conn).agents, config)
    finally:
        conn.close()
    frames = frames_cache.load(db_path, stamp) if stamp is not None else None
    return _with_views(None, frames, config, views) if frames is not None else None


def read_messages(db_path: str | Path, repo: AgentsRepo) -> dict[str, np.ndarray]:
    """``repo.messages()``, with the texts read on a second read-only connection in a thread meanwhile.

    SQLite releases the GIL while it builds the joined texts, so both reads overlap
    (bench/README.md, "Agent KPIs"); when the second read fails, ``repo`` reads the texts itself.
    """
    texts: dict[str, tuple[list[str] | None, list[str] | None]] = {}

    def read() -> None:
        try:
            conn = open_reader(db_path)
            try:
                texts["both"] = Repos(conn).agents.message_texts()
            finally:
                conn.close()
        except (sqlite3.Error, CxdeskError):
            pass

    worker = threading.Thread(target=read, name="agent-texts", daemon=True)
    worker.start()
    try:
        numbers = repo.message_numbers()
    finally:
        worker.join()
    return repo.messages(numbers, texts.get("both"))


def load_frames_in_process(
    ctx: JobContext, db_path: str | Path, views: Sequence[dict] = (), config: dict | None = None
) -> AgentFrames:
    """:func:`load_frames` in a child process (a big store: ~5 s at 1M messages).

    Reading a million rows and building the frames holds the GIL for long
    stretches, which in a thread makes the window (and the page the user is
    on) stutter; in a child only the result comes back (~55 MB pickled at 1M
    messages, ~0.05 s to unpickle), with the tables of ``views`` already in
    its memo. Starting the child costs ~1 s (imports), so small stores load
    in the thread. The configuration is this process's (passed, not re-read).
    """
    from cxdesk.tasks import map_in_processes

    config = config or load_config()
    frames = cached_frames(db_path, views, config)  # current on disk: no process to start
    if frames is not None:
        return frames
    return map_in_processes(
        _frames_chunk, [(str(db_path), list(views), config)], ctx, max_workers=1, message="读取聊天记录并计算客服指标"
    )[0]


def _frames_chunk(args: tuple[str, list[dict], dict]) -> AgentFrames:
    db_path, views, config = args
    return load_frames(None, db_path, config, views=views)


def _step(ctx: JobContext | None, done: int, message: str) -> None:
    if ctx is not None:
        ctx.check()
        ctx.progress(done, 3, message)


# --- periods -------------------------------------------------------------------------------------


def period_keys(start: np.ndarray, period: str) -> np.ndarray:
    """The period each session belongs to: '2024-06-01' (day, or the Monday of a week), '2024-06' (month)."""
    if period == "all":
        return np.full(len(start), ALL_PERIOD, dtype=object)
    if period not in PERIODS:
        raise CxdeskError(f"不支持的统计周期“{period}”，可选：all、day、week、month")
    out = np.full(len(start), NO_TIME, dtype=object)
    ok = ~np.isnan(start)
    day = np.floor(start[ok] / DAY_S).astype(np.int64)
    if period == "week":
        day = day - (day + 3) % 7  # 1970-01-01 was a Thursday
    dates = day.astype("datetime64[D]")
    if period == "month":
        dates = dates.astype("datetime64[M]")
    uniq, inv = np.unique(dates, return_inverse=True)
    out[ok] = np.array([str(u) for u in uniq], dtype=object)[inv] if len(uniq) else []
    return out


# --- aggregation -----------------------------------------------------------------------------------


@dataclass
class _Scope:
    """The frames of the selected shops, with each row's period and buyer key."""

    sessions: pd.DataFrame
    parts: pd.DataFrame
    turns: pd.DataFrame
    handoffs: pd.DataFrame
    conversion: pd.DataFrame | None


def _day_start(day) -> float:
    """Epoch seconds of a day's 00:00 in the same clock as the frames' times (SQLite unixepoch of the text)."""
    import calendar

    return float(calendar.timegm(day.timetuple()))


def date_bounds(frames: AgentFrames):
    """(first day, last day) of the sessions' start times, or (None, None) without times."""
    from datetime import datetime

    start = frames.sessions["start"].to_numpy(float)
    start = start[~np.isnan(start)]
    if not len(start):
        return None, None
    day = lambda t: datetime.fromtimestamp(float(t), tz=UTC).date()  # noqa: E731  (unixepoch clock)
    return day(start.min()), day(start.max())


def scope(
    frames: AgentFrames,
    period: str,
    shop_ids=None,
    window: str = "same_day",
    config: dict | None = None,
    *,
    date_from=None,
    date_to=None,
) -> _Scope:
    """Sessions of these shops that started in [date_from, date_to] (both days included, either open)."""
    config = config or load_config()
    s = frames.sessions.copy()
    s["pkey"] = period_keys(s["start"].to_numpy(float), period)
    keep = s["shop_id"].isin(shop_ids).to_numpy() if shop_ids else np.ones(len(s), dtype=bool)
    if date_from is not None or date_to is not None:
        start = s["start"].to_numpy(float)
        known = ~np.isnan(start)
        if date_from is not None:
            keep &= known & (start >= _day_start(date_from))
        if date_to is not None:
            keep &= known & (start < _day_start(date_to) + DAY_S)
    s["keep"] = keep

    def attach(df: pd.DataFrame) -> pd.DataFrame:
        out = df[keep[df["sx"].to_numpy()]] if len(df) else df
        at = out["sx"].to_numpy()
        return out.assign(pkey=s["pkey"].to_numpy()[at], bkey=s["bkey"].to_numpy()[at])

    conv = conversion_sessions(frames, s[keep], window, config)
    parts = attach(frames.parts)
    at = parts["sx"].to_numpy()
    label = s["end_label"].to_numpy()[at]
    parts = parts.assign(end_known=pd.notna(label), end_negative=label == "负面", repeated=s["repeated"].to_numpy()[at])
    return _Scope(s[keep], parts, attach(frames.turns), attach(frames.handoffs), conv)


def kpi_table(
    frames: AgentFrames,
    period: str = "all",
    *,
    shop_ids=None,
    window: str = "same_day",
    config: dict | None = None,
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """One row per agent and period, plus the team's rows (agent ``团队``); columns are metric keys.

    Rates are fractions (0–1); times are seconds; time KPIs are NaN (empty),
    never 0, when the messages have no times.
    """
    config = config or load_config()
    sc = scope(frames, period, shop_ids, window, config, date_from=date_from, date_to=date_to)
    long_s = float(config.get("long_session_s", 900))
    agent_parts = sc.parts[sc.parts["code"] >= 0]
    team_parts = _team_parts(sc.parts)
    rows = []
    for parts, turns, handoffs, conv, _code in (
        (
            agent_parts,
            sc.turns[sc.turns["owner"] >= 0].rename(columns={"owner": "code"}),
            sc.handoffs.rename(columns={"from_code": "code"}),
            None if sc.conversion is None else sc.conversion[sc.conversion["code"] >= 0],
            None,
        ),
        (
            team_parts,
            sc.turns.assign(code=TEAM_CODE),
            sc.handoffs.assign(code=TEAM_CODE),
            None if sc.conversion is None else sc.conversion.assign(code=TEAM_CODE),
            TEAM_CODE,
        ),
    ):
        rows.append(_aggregate(parts, turns, handoffs, conv, long_s))
    table = pd.concat(rows, ignore_index=True)
    for m in METRICS:
        if m.key not in table:
            table[m.key] = np.nan
    names = np.array(list(frames.agents) + [TEAM], dtype=object)
    codes = table["code"].to_numpy(np.int64) if len(table) else np.zeros(0, np.int64)
    table.insert(0, "agent", names[np.where(codes == TEAM_CODE, len(names) - 1, codes)])
    table["is_team"] = table["code"] == TEAM_CODE
    from cxdesk.analysis.capability import add_scores

    add_scores(table, config, frames)
    return table.sort_values(["is_team", "period", "agent"], kind="stable").reset_index(drop=True)


MEMO_SIZE = 24  # tables kept per frames (a few KB each: agents × periods)


def config_key(config: dict) -> str:
    """A fingerprint of the capability configuration (weights and thresholds change the scores)."""
    return json.dumps(config, sort_keys=True, ensure_ascii=False, default=str)


def cached_kpi_table(
    frames: AgentFrames,
    period: str = "all",
    *,
    shop_ids=None,
    window: str = "same_day",
    config: dict | None = None,
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """:func:`kpi_table`, remembered on ``frames`` for these arguments and this configuration.

    At 1M messages one table takes ~0.5–1 s, so a page that shows the same
    view again (a repeat visit, an option changed back) takes it from here.
    The frames are rebuilt on every data change (import, undo, analysis),
    which drops the memo with them. Callers must not modify the table.
    """
    config = config or load_config()
    key = (
        period,
        tuple(sorted(int(s) for s in shop_ids)) if shop_ids else None,
        window,
        None if date_from is None else str(date_from),
        None if date_to is None else str(date_to),
        config_key(config),
    )
    table = frames.tables.get(key)
    if table is None:
        table = kpi_table(
            frames, period, shop_ids=shop_ids, window=window, config=config, date_from=date_from, date_to=date_to
        )
        while len(frames.tables) >= MEMO_SIZE:
            frames.tables.pop(next(iter(frames.tables)))
        frames.tables[key] = table
    return table


def _team_parts(parts: pd.DataFrame) -> pd.DataFrame:
    """Whole sessions as the team's parts (a transferred session counts once)."""
    if parts.empty:
        return parts.assign(code=TEAM_CODE)
    g = parts.groupby("sx")
    out = g.agg(
        buyer_msgs=("buyer_msgs", "sum"),
        agent_msgs=("agent_msgs", "sum"),
        chars=("chars", "sum"),
        start=("start", "min"),
        end=("end", "max"),
        courtesy=("courtesy", "sum"),
        greeted=("greeted", "any"),
        closed=("closed", "any"),
        flagged=("flagged", "any"),
        rude=("rude", "any"),
        flags=("flags", "sum"),
        pkey=("pkey", "first"),
        bkey=("bkey", "first"),
        end_known=("end_known", "first"),
        end_negative=("end_negative", "first"),
        repeated=("repeated", "first"),
    ).reset_index()
    out["duration"] = out["end"] - out["start"]
    out["code"] = TEAM_CODE
    return out


def _aggregate(
    parts: pd.DataFrame, turns: pd.DataFrame, handoffs: pd.DataFrame, conv: pd.DataFrame | None, long_s: float
) -> pd.DataFrame:
    keys = ["code", "pkey"]
    if parts.empty:
        return pd.DataFrame(columns=["code", "period"])
    parts = parts.assign(unresolved=parts["end_negative"] | parts["repeated"])
    g = parts.groupby(keys)
    out = g.agg(
        buyers=("bkey", "nunique"),
        sessions=("sx", "nunique"),
        buyer_msgs=("buyer_msgs", "sum"),
        agent_msgs=("agent_msgs", "sum"),
        chars=("chars", "sum"),
        avg_duration=("duration", "mean"),
        timed_parts=("duration", "count"),
        greeted=("greeted", "sum"),
        courtesy=("courtesy", "sum"),
        closed=("closed", "sum"),
        flagged=("flagged", "sum"),
        rude=("rude", "sum"),
        end_known=("end_known", "sum"),
        end_negative=("end_negative", "sum"),
        repeated=("repeated", "sum"),
        unresolved=("unresolved", "sum"),
    )
    out["answer_ratio"] = out["agent_msgs"] / out["buyer_msgs"].where(out["buyer_msgs"] > 0)
    out["long_buyers"] = parts[parts["duration"] > long_s].groupby(keys)["bkey"].nunique().reindex(out.index).fillna(0)
    out.loc[out["timed_parts"] == 0, "long_buyers"] = np.nan
    out["max_concurrent"] = _max_concurrent(parts).reindex(out.index)
    timed = turns[turns["start"].notna()]
    answered = timed[timed["answered"] & timed["wait"].notna()]
    first = answered[answered["first"]]
    out["first_resp"] = first.groupby(keys)["wait"].mean()
    out["first_resp_median"] = first.groupby(keys)["wait"].median()
    out["avg_resp"] = answered.groupby(keys)["wait"].mean()
    base = timed[(timed["answered"] & timed["wait"].notna()) | timed["needs_reply"]]
    n_base = base.groupby(keys).size().reindex(out.index)
    n_base = n_base.where(n_base > 0)
    out["rate_3min"] = answered[answered["wait"] <= 180].groupby(keys).size().reindex(out.index).fillna(0) / n_base
    out["rate_30s"] = answered[answered["wait"] <= 30].groupby(keys).size().reindex(out.index).fillna(0) / n_base
    out["slow"] = answered[answered["slow"]].groupby(keys).size().reindex(out.index).fillna(0)
    out.loc[n_base.isna(), "slow"] = np.nan
    out["unanswered"] = turns[turns["needs_reply"]].groupby(keys)["bkey"].nunique().reindex(out.index).fillna(0)
    out["reply_rate"] = (out["buyers"] - out["unanswered"]) / out["buyers"].where(out["buyers"] > 0)
    out["transfers"] = handoffs.groupby(keys).size().reindex(out.index).fillna(0) if len(handoffs) else 0
    _capability_inputs(out, turns, keys)
    if conv is not None:
        _conversion_kpis(out, conv, keys)
    out = out.reset_index().rename(columns={"pkey": "period"})
    return out


def _capability_inputs(out: pd.DataFrame, turns: pd.DataFrame, keys: list[str]) -> None:
    q = turns[turns["question"] & turns["answered"]]
    out["questions"] = q.groupby(keys).size().reindex(out.index).fillna(0)
    bad = q[q["deferred"] | q["away"]]
    out["deferred"] = bad.groupby(keys).size().reindex(out.index).fillna(0)


def _max_concurrent(parts: pd.DataFrame) -> pd.Series:
    """Per (code, period): the most sessions one agent had open at once (closed intervals)."""
    p = parts[parts["start"].notna() & parts["end"].notna()]
    if p.empty:
        return pd.Series(dtype=float)
    n = len(p)
    code = np.r_[p["code"].to_numpy(), p["code"].to_numpy()]
    time = np.r_[p["start"].to_numpy(), p["end"].to_numpy()]
    kind = np.r_[np.zeros(n, np.int8), np.ones(n, np.int8)]  # starts before ends at the same second
    delta = np.r_[np.ones(n, np.int64), -np.ones(n, np.int64)]
    order = np.lexsort((kind, time, code))
    running = np.cumsum(delta[order])  # each agent's events sum to 0: no reset needed between agents
    at = np.empty(2 * n, np.int64)
    at[order] = running
    res = pd.DataFrame({"code": p["code"].to_numpy(), "pkey": p["pkey"].to_numpy(), "c": at[:n]})
    return res.groupby(["code", "pkey"])["c"].max().astype(float)


# --- conversion -------------------------------------------------------------------------------------


def conversion_sessions(frames: AgentFrames, sessions: pd.DataFrame, window: str, config: dict) -> pd.DataFrame | None:
    """Inquiry sessions (询单) with what followed: ordered, paid, sales, paid and refunded orders.

    ``None`` when the selected shops have no orders at all (the KPIs are then empty).
    """
    if window not in WINDOWS:
        raise CxdeskError(f"不支持的转化窗口“{window}”，可选：same_day（当日）、next_day（次日）")
    orders = frames.orders
    orders = orders[orders["shop_id"].isin(sessions["shop_id"].unique()) & orders["created"].notna()]
    if orders.empty:
        return None
    conv_conf = config.get("conversion", {})
    lookback = float(conv_conf.get("inquiry_lookback_days", 30)) * DAY_S
    refund_states = set(conv_conf.get("refund_statuses", []))
    s = sessions[sessions["start"].notna()][["sx", "shop_id", "buyer", "start", "pkey", "bkey", "last_agent"]]
    s = s.sort_values("start")
    o = orders.sort_values("created")
    prior = pd.merge_asof(
        s,
        o[["shop_id", "buyer", "created"]].rename(columns={"created": "before"}),
        left_on="start",
        right_on="before",
        by=["shop_id", "buyer"],
        direction="backward",
        allow_exact_matches=False,
    )
    inquiry = prior[prior["before"].isna() | (prior["start"] - prior["before"] > lookback)].drop(columns="before")
    days = 2 if window == "next_day" else 1
    inquiry = inquiry.assign(until=(np.floor(inquiry["start"] / DAY_S) + days) * DAY_S)
    # Each order goes to the buyer's latest inquiry that started before it, if inside its window.
    att = pd.merge_asof(
        o,
        inquiry.sort_values("start")[["shop_id", "buyer", "start", "until", "sx"]],
        left_on="created",
        right_on="start",
        by=["shop_id", "buyer"],
        direction="backward",
    )
    att = att[att["sx"].notna() & (att["created"] < att["until"])]
    att = att.assign(sx=att["sx"].astype(np.int64), is_paid=att["paid"].notna() & (att["paid"] < att["until"]))
    att = att.assign(
        refunded=att["is_paid"] & att["refund_status"].isin(refund_states),
        paid_amount=np.where(att["is_paid"], att["amount"].fillna(0.0), 0.0),
    )
    per = att.groupby("sx").agg(
        orders=("created", "size"),
        paid_orders=("is_paid", "sum"),
        refunded=("refunded", "sum"),
        sales=("paid_amount", "sum"),
    )
    out = inquiry.set_index("sx").join(per).fillna({"orders": 0, "paid_orders": 0, "refunded": 0, "sales": 0.0})
    out = out.reset_index().rename(columns={"last_agent": "code"})
    return out


def _conversion_kpis(out: pd.DataFrame, conv: pd.DataFrame, keys: list[str]) -> None:
    g = conv.groupby(keys)
    inquiry = g["bkey"].nunique().reindex(out.index)
    ordered = conv[conv["orders"] > 0].groupby(keys)["bkey"].nunique().reindex(out.index).fillna(0)
    paying = conv[conv["paid_orders"] > 0].groupby(keys)["bkey"].nunique().reindex(out.index).fillna(0)
    sales = g["sales"].sum().reindex(out.index).fillna(0.0)
    paid = g["paid_orders"].sum().reindex(out.index).fillna(0)
    refunded = g["refunded"].sum().reindex(out.index).fillna(0)
    out["inquiry_buyers"] = inquiry.fillna(0)
    out["order_rate"] = ordered / inquiry.where(inquiry > 0)
    out["pay_rate"] = paying / inquiry.where(inquiry > 0)
    out["sales"] = sales
    out["paying_buyers"] = paying
    out["avg_order_value"] = sales / paying.where(paying > 0)
    out["refund_rate"] = refunded / paid.where(paid > 0)


# --- drill-down: the sessions behind a number ----------------------------------------------------------

DRILL_COLUMNS = ("session_id", "sx", "when", "detail", "seq", "reply_seq", "wait")


def drill(
    frames: AgentFrames,
    key: str,
    agent: str | None,
    period_kind: str,
    period: str,
    *,
    shop_ids=None,
    window: str = "same_day",
    config: dict | None = None,
    date_from=None,
    date_to=None,
) -> pd.DataFrame:
    """The sessions (or turns) behind one cell of :func:`kpi_table`, worst first where that means something.

    ``agent`` is the account (``None`` or ``团队`` for the team row). Columns:
    session_id (store id), when (seconds), detail (words), seq / reply_seq (the
    buyer turn and the reply, for slow replies), wait (seconds).
    """
    config = config or load_config()
    sc = scope(frames, period_kind, shop_ids, window, config, date_from=date_from, date_to=date_to)
    team = agent in (None, TEAM)
    code = None if team else (frames.agents.index(agent) if agent in frames.agents else -99)
    sid = sc.sessions.set_index("sx")["session_id"]

    def mine(df: pd.DataFrame, col: str = "code") -> pd.DataFrame:
        df = df[df["pkey"] == period] if len(df) else df
        return df if team else df[df[col] == code]

    def out(df: pd.DataFrame, when: str, detail, seq=None, reply=None, wait=None) -> pd.DataFrame:
        if df.empty:
            return pd.DataFrame(columns=list(DRILL_COLUMNS))
        res = pd.DataFrame(
            {
                "session_id": sid.reindex(df["sx"]).to_numpy(),
                "sx": df["sx"].to_numpy(),
                "when": df[when].to_numpy(),
                "detail": list(detail(df)),
                "seq": df[seq].to_numpy() if seq else -1,
                "reply_seq": df[reply].to_numpy() if reply else -1,
                "wait": df[wait].to_numpy() if wait else np.nan,
            }
        )
        return res.reset_index(drop=True)

    parts = mine(sc.parts if not team else _team_parts(sc.parts))
    turns = mine(sc.turns, "owner")
    timed = turns[turns["start"].notna()]
    answered = timed[timed["answered"] & timed["wait"].notna()]
    long_s = float(config.get("long_session_s", 900))

    def waits(df: pd.DataFrame) -> pd.DataFrame:
        return out(
            df.sort_values("wait", ascending=False),
            "start",
            lambda d: [
                f"等待 {w:.0f} 秒（第 {s} 条 → 第 {r} 条）" if r >= 0 else f"第 {s} 条起没有得到回复"
                for w, s, r in zip(d["wait"], d["first_seq"], d["reply_seq"])
            ],
            "first_seq",
            "reply_seq",
            "wait",
        )

    def sessions_of(df: pd.DataFrame, text=None) -> pd.DataFrame:
        text = text or (
            lambda d: [
                f"买家消息 {b} 条，客服消息 {a} 条，时长 {_dur(x)}"
                for b, a, x in zip(d["buyer_msgs"], d["agent_msgs"], d["duration"])
            ]
        )
        return out(df.sort_values("start"), "start", text)

    if key in ("first_resp", "first_resp_median"):
        return waits(answered[answered["first"]])
    if key in ("avg_resp", "speed"):
        return waits(answered)
    if key in ("rate_3min", "rate_30s"):
        limit = 180 if key == "rate_3min" else 30
        missed = timed[(timed["answered"] & (timed["wait"] > limit)) | timed["needs_reply"]]
        return waits(missed.assign(wait=missed["wait"].fillna(np.inf)))
    if key == "slow":
        return waits(answered[answered["slow"]])
    if key in ("unanswered", "reply_rate"):
        left = turns[turns["needs_reply"]].sort_values("start")
        return out(left, "start", lambda d: [f"第 {s} 条起的买家消息没有得到回复" for s in d["first_seq"]], "first_seq")
    if key in ("avg_duration", "long_buyers"):
        df = parts[parts["duration"] > long_s] if key == "long_buyers" else parts
        return sessions_of(df.sort_values("duration", ascending=False))
    if key == "transfers":
        h = mine(sc.handoffs.rename(columns={"from_code": "code"}) if not team else sc.handoffs.assign(code=0))
        h = h.assign(start=sc.sessions.set_index("sx")["start"].reindex(h["sx"]).to_numpy())
        names = frames.agents
        return out(h, "start", lambda d: [f"第 {s} 条转给 {names[c]}" for s, c in zip(d["seq"], d["to_code"])], "seq")
    if key == "expertise":
        q = answered[answered["question"] & (answered["deferred"] | answered["away"])]
        return out(
            q,
            "start",
            lambda d: ["回复含推脱用语" if x else "提问后转给了其他客服" for x in d["deferred"]],
            "first_seq",
            "reply_seq",
            "wait",
        )
    if key == "compliance":
        return sessions_of(parts[parts["flagged"]], lambda d: [f"客服违规/辱骂标记 {int(n)} 处" for n in d["flags"]])
    if key == "resolution":
        bad = parts[parts["end_negative"] | parts["repeated"]]
        return sessions_of(
            bad,
            lambda d: [
                "、".join(x for x, on in (("买家负面结束", a), ("48 小时内再次咨询同一问题", b)) if on)
                for a, b in zip(d["end_negative"], d["repeated"])
            ],
        )
    if key == "attitude":
        bad = parts[~parts["greeted"] | parts["rude"] | parts["end_negative"]]
        return sessions_of(
            bad,
            lambda d: [
                "、".join(x for x, on in (("没有问候", not g), ("不当言语", r), ("买家负面结束", e)) if on)
                for g, r, e in zip(d["greeted"], d["rude"], d["end_negative"])
            ],
        )
    if METRIC.get(key) is not None and METRIC[key].orders or key == "conversion":
        conv = sc.conversion
        if conv is None:
            return pd.DataFrame(columns=list(DRILL_COLUMNS))
        conv = mine(conv)
        if key in ("pay_rate", "sales", "avg_order_value", "conversion"):
            conv = conv[conv["paid_orders"] > 0]
        elif key == "order_rate":
            conv = conv[conv["orders"] > 0]
        elif key == "refund_rate":
            conv = conv[conv["refunded"] > 0]
        return out(
            conv.sort_values("start"),
            "start",
            lambda d: [
                f"下单 {int(o)} 笔，付款 {int(p)} 笔，金额 {s:.2f} 元" + (f"，退款 {int(r)} 笔" if r else "")
                for o, p, s, r in zip(d["orders"], d["paid_orders"], d["sales"], d["refunded"])
            ],
        )
    return sessions_of(parts)


def _dur(seconds: float) -> str:
    if seconds is None or pd.isna(seconds):
        return "—"
    return f"{seconds / 60:.1f} 分钟" if seconds >= 90 else f"{seconds:.0f} 秒"
