"""Derived columns of chat sessions (times, counts, agent), aggregated while a file streams.

The chat writers collect per-chunk aggregate rows (per session run: counts,
first/last time; per session and agent account: messages and first reply) and
turn them into the columns the store's refresh would compute, with the same
rules (tests/test_import_fast.py checks both ways agree). For files of any
size, the reader process settles closed sessions' rows as it goes
(:func:`settle_closed`) and the rare session that gets messages after that is
recomputed from its stored rows (:func:`derived_of_messages`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxdesk.importers._msgframe import NAT, time_seconds

BIG = np.iinfo(np.int64).max
REFRESH_BATCH = 10_000  # sessions per recomputation at the end, so neither ids nor rows cover a whole file


def refresh_in_batches(chats: Any, ids: Any) -> None:
    """The store's refresh of the derived columns, for any number of session ids."""
    batch: list[int] = []
    for i in ids:
        batch.append(int(i))
        if len(batch) >= REFRESH_BATCH:
            chats.refresh_sessions(batch)
            batch = []
    if batch:
        chats.refresh_sessions(batch)


def derived_of_messages(
    session: np.ndarray, seq: np.ndarray, role: np.ndarray, sender: np.ndarray, sent_at: np.ndarray
) -> list[tuple]:
    """:func:`derived_columns` of sessions from their messages given in insert order (as stored rows
    ordered by id): the same aggregation, ties and order as the writer's own while streaming."""
    if not len(session):
        return []
    t = time_seconds(sent_at)
    has_t = t != NAT
    is_agent = role == "agent"
    stats = {
        "s": session,
        "n": np.ones(len(session), dtype=np.int64),
        "nb": (role == "buyer").astype(np.int64),
        "na": is_agent.astype(np.int64),
        "mn": np.where(has_t, t, BIG),
        "mx": np.where(has_t, t, NAT),
    }
    is_agent &= ~pd.isna(sender)
    agents = (
        [agent_counts(session[is_agent], sender[is_agent], np.ones(int(is_agent.sum()), dtype=np.int64), seq[is_agent])]
        if is_agent.any()
        else []
    )
    return derived_columns([stats], agents, 0)


def _joined(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}


def settle_closed(
    stats: list[dict[str, np.ndarray]], agents: list[dict[str, np.ndarray]], open_ids: np.ndarray, pending: set[int]
) -> tuple[list, list, list[tuple]]:
    """Drop the aggregate rows of sessions that are no longer open, after computing the
    derived columns of those in ``pending`` (removed from it): (stats, agents, derived)."""
    st = _joined(stats)
    is_open = np.isin(st["s"], open_ids)
    closed = np.unique(st["s"][~is_open]).tolist()
    done = sorted(pending.intersection(closed))
    derived = derived_columns(stats, agents, 0, np.array(done, dtype=np.int64)) if done else []
    pending.difference_update(done)
    kept_agents = []
    if agents:
        a = _joined(agents)
        k = np.isin(a["s"], open_ids)
        if k.any():  # one row per (session, sender): a single part needs no re-aggregation
            kept_agents = [agent_counts(a["s"][k], a["sender"][k], a["k"][k], a["first"][k])]
    return [{c: v[is_open] for c, v in st.items()}], kept_agents, derived


def agent_counts(s: np.ndarray, sender: np.ndarray, k: np.ndarray, first: np.ndarray) -> dict[str, np.ndarray]:
    """Sum ``k`` and take the smallest ``first`` per (session, sender), in order of first appearance."""
    s_codes, s_uniq = pd.factorize(s)
    n_codes, n_uniq = pd.factorize(sender)
    codes, uniq = pd.factorize(s_codes.astype(np.int64) * max(len(n_uniq), 1) + n_codes)
    lowest = np.full(len(uniq), BIG, dtype=np.int64)
    np.minimum.at(lowest, codes, first)
    at = np.empty(len(uniq), dtype=np.int64)
    at[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # first row of each pair
    # the distinct sender objects, not one text per row: aggregates kept across chunks pin no cell strings
    return {
        "s": s[at],
        "sender": np.asarray(n_uniq, dtype=object)[n_codes[at]],
        "k": np.bincount(codes, weights=k, minlength=len(uniq)).astype(np.int64),
        "first": lowest,
    }


def derived_columns(
    stats: list[dict[str, np.ndarray]], agents: list[dict[str, np.ndarray]], above: int, only: np.ndarray | None = None
) -> list[tuple]:
    """(started_at, ended_at, count, buyer count, agent count, agent, agents, id) of sessions
    with id > above (and in ``only`` when given).

    Same rules as the store's refresh: the agent is the account with the most
    agent messages (ties: who spoke first); ``agents`` in order of first reply.
    """

    def kept(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
        keep = cols["s"] > above
        if only is not None:
            keep &= np.isin(cols["s"], only)
        return {c: v[keep] for c, v in cols.items()}

    st = kept(stats)
    ids, inv = np.unique(st["s"], return_inverse=True)
    total = {c: np.bincount(inv, weights=st[c], minlength=len(ids)).astype(np.int64) for c in ("n", "nb", "na")}
    mn = np.full(len(ids), BIG, dtype=np.int64)
    mx = np.full(len(ids), NAT, dtype=np.int64)
    np.minimum.at(mn, inv, st["mn"])
    np.maximum.at(mx, inv, st["mx"])
    best: dict[int, str] = {}
    listed: dict[int, str] = {}
    if agents:
        a = kept(agents)
        if len(agents) > 1:  # a session's counts may come from several chunks
            a = agent_counts(a["s"], a["sender"], a["k"], a["first"])
        sid_all, k, first, names = a["s"], a["k"], a["first"], a["sender"]
        # (session, first seq) is unique: seq numbers are unique within a session
        by_first = np.lexsort((first, sid_all))
        listed = _joined_per_session(sid_all[by_first], names[by_first])
        top = np.lexsort((first, -k, sid_all))
        head = np.r_[True, sid_all[top][1:] != sid_all[top][:-1]] if len(top) else np.zeros(0, bool)
        best = dict(zip(sid_all[top][head].tolist(), names[top][head].tolist()))
    times = _text_times(np.concatenate([mn, mx]))
    id_list = ids.tolist()
    return list(
        zip(
            times[: len(ids)],
            times[len(ids) :],
            total["n"].tolist(),
            total["nb"].tolist(),
            total["na"].tolist(),
            [best.get(i) for i in id_list],
            [listed.get(i) for i in id_list],
            id_list,
        )
    )


def _joined_per_session(sid: np.ndarray, names: np.ndarray) -> dict[int, str]:
    """Comma-joined names per session (rows grouped by session, in order); one-name sessions without a loop."""
    if not len(sid):
        return {}
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    ends = np.r_[starts[1:], len(sid)]
    single = ends - starts == 1
    out = dict(zip(sid[starts[single]].tolist(), names[starts[single]].tolist()))
    for a, b in zip(starts[~single].tolist(), ends[~single].tolist()):
        out[int(sid[a])] = ",".join(names[a:b].tolist())
    return out


def _text_times(sec: np.ndarray) -> list[str | None]:
    valid = (sec != NAT) & (sec != np.iinfo(np.int64).max)
    out = np.full(len(sec), None, dtype=object)
    if valid.any():
        text = np.datetime_as_string(sec[valid].astype("datetime64[s]"), unit="s")  # 'YYYY-MM-DDTHH:MM:SS'
        if (np.char.str_len(text) == 19).all():
            text = text.astype("<U19")
            text.view(np.uint32).reshape(-1, 19)[:, 10] = ord(" ")
            out[valid] = text.astype(object)
        else:  # years beyond 9999 or before 0: rare, keep it simple
            out[valid] = [x.replace("T", " ") for x in text.tolist()]
    return out.tolist()
