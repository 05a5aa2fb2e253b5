"""The pre-aggregates behind 总览: reviews and team service figures per shop and day.

Reviews (count, ratings, sentiment sums per shop and day) take one pass over
the reviews (~0.5 s per 200k); the dashboard then reads ~1,000 rows instead
of scanning the period's reviews (~0.2 s for 90 days + the period before).

The 客服绩效 KPIs are computed from every chat message (``agent_kpis``:
~5 s at 1M messages). A dashboard needs only the team's figures for a date
range, and rates can be summed over days only as numerators and
denominators, so this job stores, per shop and day of the session start:

- ``sessions``; ``first_resp_sum`` / ``first_resp_n`` (first replies with a
  wait: the team's 首次响应时间 = sum ÷ n, the same turns ``kpi_table``
  averages); ``reply3_hits`` / ``reply3_base`` (3分钟回复率, same base:
  answered turns with a time plus turns that needed a reply);
- with orders: ``inquiry`` / ``ordered`` / ``paid`` / ``sales`` (询单 buyers
  counted per day: a buyer asking on two days of the period counts twice,
  the figure is "buyer-days").

It runs when the data changed since the last run (a fingerprint of the chat
and order tables), in the background from 总览 and before a report.
"""

from __future__ import annotations

from pathlib import Path

from cxdesk.store import open_store
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext

# Bump when the definitions above change: stored aggregates are then recomputed.
VERSION = "team-daily-1"
# Below this many reviews the live query is fast (< 30 ms): no pre-aggregate is kept or waited for.
REVIEW_AGGREGATE_MIN = 20_000


def refresh_review_daily(db_path: str | Path, *, force: bool = False) -> bool:
    """Recompute the reviews' per-shop-day pre-aggregate if stale (~0.5 s per 200k reviews); whether it ran."""
    with open_store(db_path) as store:
        # A read-only database (or a 客服's login on a team store, which may not rewrite derived data) is
        # reported from what it holds (the live query).
        if store.read_only or store.derived_read_only:
            return False
        repo = store.dashboard
        if not force and (repo.review_count() < REVIEW_AGGREGATE_MIN or repo.review_daily() is not None):
            return False
        fingerprint = repo.review_fingerprint()
        rows = repo.compute_review_daily()
        with store.transaction():
            if repo.review_fingerprint() == fingerprint:
                repo.store_review_daily(rows, fingerprint)
        return True


def refresh_dashboard(ctx: JobContext, db_path: str | Path, *, force: bool = False) -> bool:
    """Job: bring both pre-aggregates up to date; whether anything was recomputed."""
    ctx.progress(0, 2, "汇总评价")
    reviews = refresh_review_daily(db_path, force=force)
    ctx.check()
    ctx.progress(1, 2, "汇总客服数据")
    team = refresh_team_daily(ctx, db_path, force=force)
    return bool(reviews or team)


def needs_refresh(conn) -> bool:
    """Whether :func:`refresh_dashboard` would recompute anything (cheap look-ups, ~50 ms at 1M messages)."""
    repo = Repos(conn).dashboard
    reviews_stale = repo.review_count() >= REVIEW_AGGREGATE_MIN and repo.review_daily() is None
    return reviews_stale or (repo.has_chats() and not repo.team_is_current(VERSION))


def refresh_team_daily(ctx: JobContext, db_path: str | Path, *, force: bool = False) -> int:
    """Job: recompute the pre-aggregate if the chats or orders changed; the rows written (0: was current)."""
    with open_store(db_path) as store:
        repo = store.dashboard
        read_only = store.read_only or store.derived_read_only
        if read_only or (not force and repo.team_is_current(VERSION)):  # read-only: keep what is stored
            return 0
        fingerprint = repo.team_fingerprint()
        has_chats = repo.has_chats()
    rows = _compute(ctx, db_path) if has_chats else []
    ctx.check()
    with open_store(db_path) as store, store.transaction():
        repo = store.dashboard
        if repo.team_fingerprint() != fingerprint:  # an import landed meanwhile: the next run redoes it
            return 0
        return repo.replace_team_daily(rows, VERSION, fingerprint)


def _compute(ctx: JobContext, db_path: str | Path) -> list[tuple[int, str, str, float]]:
    # Lazy: pandas and the KPI frames are only needed here, never at GUI start-up.
    import numpy as np
    import pandas as pd

    from cxdesk.analysis.agent_kpis import NO_TIME, load_config, load_frames, scope

    config = load_config()
    frames = load_frames(ctx, db_path, config)
    sc = scope(frames, "day", None, "same_day", config)
    shop_of = frames.sessions["shop_id"].to_numpy()
    out: list[tuple[int, str, str, float]] = []

    def emit(metric: str, series: pd.Series) -> None:
        for (shop, day), value in series.items():
            if day != NO_TIME and value == value:  # NaN never equals itself
                out.append((int(shop), str(day), metric, float(value)))

    sessions = sc.sessions
    emit("sessions", sessions.groupby(["shop_id", "pkey"]).size())
    turns = sc.turns.assign(shop_id=shop_of[sc.turns["sx"].to_numpy()]) if len(sc.turns) else sc.turns
    if len(turns):
        keys = ["shop_id", "pkey"]
        timed = turns[turns["start"].notna()]
        answered = timed[timed["answered"] & timed["wait"].notna()]
        first = answered[answered["first"]]
        emit("first_resp_sum", first.groupby(keys)["wait"].sum())
        emit("first_resp_n", first.groupby(keys).size())
        base = timed[(timed["answered"] & timed["wait"].notna()) | timed["needs_reply"]]
        emit("reply3_base", base.groupby(keys).size())
        emit("reply3_hits", answered[answered["wait"] <= 180].groupby(keys).size())
    conv = sc.conversion
    if conv is not None and len(conv):
        # Only shops with orders: a shop whose orders were never imported has no conversion, not 0 %.
        conv = conv[conv["shop_id"].isin(frames.orders["shop_id"].unique())]
        keys = ["shop_id", "pkey"]
        emit("inquiry", conv.groupby(keys)["bkey"].nunique())
        emit("ordered", conv[conv["orders"] > 0].groupby(keys)["bkey"].nunique())
        emit("paid", conv[conv["paid_orders"] > 0].groupby(keys)["bkey"].nunique())
        emit("sales", conv.groupby(keys)["sales"].sum().astype(np.float64))
    return out
