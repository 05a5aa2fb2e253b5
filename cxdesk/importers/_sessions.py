"""Putting streamed chat messages into sessions, with hashes stable across exports.

Exports overlap: next week's export repeats this week's messages and adds
new ones, sometimes at the end of a session already stored. So

* a message is identified within its session by ``msg_hash`` (see
  :mod:`._msgframe`): the platform message id when there is one, else a hash
  of (buyer, time, role, sender, content, occurrence of that identical tuple
  in the session);
* a session's key is the source session id, else buyer + first message time,
  else (no times at all) the buyer alone;
* a new session whose first message falls within the gap of a stored session
  of the same buyer joins that session instead of starting another, so the
  newer export's repeated messages meet their stored copies there.

Messages of one buyer are assumed to come in time order, as every known
exporter writes them; the file order is kept when times are missing.

The writer works on whole chunks with numpy/pandas (sort by buyer, session
breaks by source id change or time gap, sequence numbers, occurrence
counts, hashes); Python runs once per session (keys, joins), not per message.
The open session of each buyer carries over chunk boundaries.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha1
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd

from cxdesk.importers._msgframe import NAT, base_hashes, frame_from_messages, message_hashes, time_seconds
from cxdesk.records import content_key
from cxdesk.store import Store


@dataclass(slots=True)
class _Open:
    """The session a buyer is currently in, while the file streams past."""

    gid: int  # writer-local id, for occurrence counts
    key: str
    buyer: str
    sid: str | None
    transferred: bool
    repeat: bool
    db_id: int | None = None
    seq: int = 0
    last: int | None = None  # epoch seconds of the last message with a time


def session_key(buyer: str, sid: str | None, first_time: str | None) -> str:
    if sid is not None:
        return f"sid:{sid}"
    if first_time is not None:  # = content_key("session", buyer, first_time), inlined: once per session
        return sha1(f"session\x1f{buyer}\x1f{first_time}".encode("utf-8")).hexdigest()
    return content_key("session", buyer)


def _object(values: Any) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    return arr


class ChatWriter:
    """Streams message chunks (RawMessage lists or message frames) into the store."""

    def __init__(self, store: Store, shop_id: int, batch_id: int, gap_minutes: float = 30) -> None:
        self._store = store
        self._shop = shop_id
        self._batch = batch_id
        # nothing to join in a fresh shop
        self._init_state(gap_minutes, store.chats.has_sessions(shop_id), store.chats.max_session_id())

    def _init_state(self, gap_minutes: float, join: bool, max_before: int) -> None:
        self._gap_minutes = gap_minutes
        self._gap_s = float(gap_minutes) * 60.0
        self._join = join
        self._open: dict[str, _Open] = {}
        self._gids = 0
        # (session gid, base hash) of every message of a still-open session, for
        # occurrence counts across chunks; _alive[gid] is False once a buyer moved on.
        self._carry_g = np.empty(0, dtype=np.int64)
        self._carry_h = np.empty(0, dtype=np.uint64)
        self._alive = np.zeros(1024, dtype=bool)
        self._carry_checked = 0
        # Derived session columns of the sessions this batch creates, aggregated
        # while streaming (so finish() needs no GROUP BY over the new messages).
        self._max_before = max_before
        self._exact = True
        self._stats: list[pd.DataFrame] = []
        self._agents: list[pd.DataFrame] = []
        self.touched: set[int] = set()
        self.added = self.duplicate = self.sessions_added = 0

    def write(self, messages: Any) -> None:
        """Assign each message to a session, insert new sessions, then the messages."""
        frame = messages if isinstance(messages, pd.DataFrame) else frame_from_messages(list(messages))
        n = len(frame)
        if not n:
            return
        codes, uniq = pd.factorize(_object(frame["buyer"].to_numpy()))
        order = np.argsort(codes, kind="stable")
        c = codes[order]

        def col(name: str) -> np.ndarray:
            return _object(frame[name].to_numpy())[order]

        sid, sent = col("source_session_id"), col("sent_at")
        t = frame["_t"].to_numpy(np.int64)[order] if "_t" in frame else time_seconds(sent)
        pos = np.arange(n)
        first_b = np.ones(n, dtype=bool)
        first_b[1:] = c[1:] != c[:-1]

        states = [self._open.get(b) for b in uniq.tolist()]
        has_state = np.fromiter((s is not None for s in states), dtype=bool, count=len(states))[c]
        st_sid = _object([s.sid if s is not None else None for s in states])
        st_last = np.fromiter((s.last if s is not None and s.last is not None else NAT for s in states),
                              dtype=np.int64, count=len(states))

        # Break by source session id (None equals None), against the open session for a buyer's first row.
        prev_sid = np.empty(n, dtype=object)
        prev_sid[1:] = sid[:-1]
        prev_sid[first_b] = st_sid[c[first_b]]
        sid_none = pd.isna(sid)
        sid_break = np.asarray(prev_sid != sid, dtype=bool) & ~(sid_none & pd.isna(prev_sid))

        # Last time seen within the same source-session segment (seeded from the open session).
        seg_start = first_b | sid_break
        seg_id = np.cumsum(seg_start) - 1
        seg_first = np.flatnonzero(seg_start)
        seed = np.full(len(seg_first), NAT, dtype=np.int64)
        cont = seg_start & has_state & ~sid_break
        seed[seg_id[cont]] = st_last[c[cont]]
        has_t = t != NAT
        last_idx = np.maximum.accumulate(np.where(has_t, pos, -1))
        within = last_idx >= seg_first[seg_id]
        ff = np.where(within, t[np.maximum(last_idx, 0)], seed[seg_id])  # last time up to and incl. row
        prev_last = np.empty(n, dtype=np.int64)
        prev_last[1:] = ff[:-1]
        prev_last[seg_start] = seed[seg_id[seg_start]]
        ok = has_t & (prev_last != NAT) & sid_none & ~sid_break
        gap_break = ok & ((np.where(ok, t, 0) - np.where(ok, prev_last, 0)) > self._gap_s)

        new_sess = (first_b & ~has_state) | sid_break | gap_break
        g_start = np.flatnonzero(new_sess | first_b)
        ng = len(g_start)
        g_row = np.cumsum(new_sess | first_b) - 1
        g_end = np.empty(ng, dtype=np.int64)
        g_end[:-1] = g_start[1:] - 1
        g_end[-1] = n - 1
        g_size = (g_end - g_start + 1).tolist()
        g_last = ff[g_end].tolist()
        g_new = new_sess[g_start].tolist()
        g_code = c[g_start].tolist()
        first_sid = sid[g_start].tolist()
        first_sent = sent[g_start].tolist()
        transferred = frame["transferred"].to_numpy()[order][g_start].tolist()
        repeat_ = frame["repeat_consult"].to_numpy()[order][g_start].tolist()
        buyers = uniq.tolist()

        g_states: list[_Open] = []
        g_seq0 = np.empty(ng, dtype=np.int64)
        for k in range(ng):
            if g_new[k]:
                st = self._start(buyers[g_code[k]], first_sid[k], first_sent[k],
                                 bool(transferred[k]), bool(repeat_[k]))
            else:
                st = states[g_code[k]]
                assert st is not None
            g_seq0[k] = st.seq
            st.seq += g_size[k]
            if g_last[k] != NAT:
                st.last = int(g_last[k])
            self._open[st.buyer] = st
            g_states.append(st)
        self._resolve_ids({id(st): st for st in g_states if st.db_id is None}.values())
        g_db = np.fromiter((st.db_id for st in g_states), dtype=np.int64, count=ng)
        g_gid = np.fromiter((st.gid for st in g_states), dtype=np.int64, count=ng)
        self.touched.update(g_db.tolist())

        seq = pos - g_start[g_row] + 1 + g_seq0[g_row]
        gid = g_gid[g_row]
        h_base = frame["_h"].to_numpy(np.uint64)[order] if "_h" in frame else base_hashes(frame)[order]
        occ = self._occurrences(gid, h_base, g_gid[~np.asarray(g_new, dtype=bool)])
        hashes = message_hashes(h_base, occ, col("mid"))

        new = self._emit((g_db[g_row], seq, col("role"), col("sender"), sent, col("content"), hashes),
                         g_db[~np.asarray(g_new, dtype=bool)])
        self.added += new
        self.duplicate += n - new
        if self._exact:
            role = col("role")
            self._exact = self.duplicate == 0 and not bool((has_t != ~pd.isna(sent)).any())
            self._collect(g_db, g_start, role, col("sender"), t, seq, g_row)

    def _emit(self, columns: tuple[np.ndarray, ...], continued: np.ndarray) -> int:
        """Store one chunk's messages: columns session id, seq, role, sender, sent_at,
        content, msg_hash in insert order; ``continued`` are the sessions that were
        open before this chunk. Returns how many messages were new."""
        sess, seq, role, sender, sent, content, hashes = columns
        rows = list(zip(sess.tolist(), repeat(self._shop), repeat(self._batch), seq.tolist(), role.tolist(),
                        sender.tolist(), sent.tolist(), content.tolist(), hashes.tolist()))
        return self._store.chats.insert_message_rows(rows)

    def _collect(self, g_db: np.ndarray, g_start: np.ndarray, role: np.ndarray, sender: np.ndarray,
                 t: np.ndarray, seq: np.ndarray, g_row: np.ndarray) -> None:
        """Per-run counts, first/last time, and agent message counts, for finish()."""
        has_t = t != NAT
        big = np.iinfo(np.int64).max
        self._stats.append(pd.DataFrame({
            "s": g_db, "n": np.add.reduceat(np.ones(len(t), np.int64), g_start),
            "nb": np.add.reduceat((role == "buyer").astype(np.int64), g_start),
            "na": np.add.reduceat((role == "agent").astype(np.int64), g_start),
            "mn": np.minimum.reduceat(np.where(has_t, t, big), g_start),
            "mx": np.maximum.reduceat(np.where(has_t, t, NAT), g_start),
        }))
        is_agent = (role == "agent") & ~pd.isna(sender)
        if is_agent.any():
            a = pd.DataFrame({"s": g_db[g_row[is_agent]], "sender": sender[is_agent], "seq": seq[is_agent]})
            self._agents.append(a.groupby(["s", "sender"], sort=False)["seq"].agg(["size", "min"]).reset_index())

    def finish(self) -> None:
        """Recompute agent, times and counts of every session this file touched.

        Sessions this batch created hold only this file's messages, so their
        columns come from the aggregates collected while writing; sessions that
        existed before (joined, or re-imported) are recomputed by the store.
        """
        touched = sorted(self.touched)
        if not self._exact or not self._stats:
            self._store.chats.refresh_sessions(touched)
            return
        self._store.chats.refresh_sessions([i for i in touched if i <= self._max_before])
        self._store.chats.set_derived(_derived(self._stats, self._agents, self._max_before))

    # --- internals -------------------------------------------------------------

    def _occurrences(self, gid: np.ndarray, h: np.ndarray, continuing: np.ndarray) -> np.ndarray:
        """How many identical messages (same base hash) came before, per session."""
        if len(self._carry_g) > 2 * self._carry_checked + 100_000:  # drop closed sessions, amortised
            keep = self._alive[self._carry_g]
            self._carry_g, self._carry_h = self._carry_g[keep], self._carry_h[keep]
            self._carry_checked = len(self._carry_g)
        use = np.zeros(len(self._alive), dtype=bool)
        use[continuing] = True
        m = use[self._carry_g]
        cg, ch = self._carry_g[m], self._carry_h[m]
        keys = pd.DataFrame({"g": np.concatenate([cg, gid]), "h": np.concatenate([ch, h])})
        occ = keys.groupby(["g", "h"], sort=False).cumcount().to_numpy()[len(cg):]
        keep_new = self._alive[gid]
        self._carry_g = np.concatenate([self._carry_g, gid[keep_new]])
        self._carry_h = np.concatenate([self._carry_h, h[keep_new]])
        return occ

    def _start(self, buyer: str, sid: str | None, sent_at: str | None, transferred: bool, repeat_: bool) -> _Open:
        old = self._open.get(buyer)
        if old is not None:
            self._alive[old.gid] = False
        gid = self._gids
        self._gids += 1
        if gid >= len(self._alive):
            self._alive = np.concatenate([self._alive, np.zeros(len(self._alive), dtype=bool)])
        self._alive[gid] = True
        st = _Open(gid, session_key(buyer, sid, sent_at), buyer, sid, transferred, repeat_)
        if self._join and sid is None and sent_at is not None:
            near = self._store.chats.find_session_near(self._shop, buyer, sent_at, self._gap_minutes)
            if near is not None:
                st.db_id, found_key, max_seq = near
                st.seq = 0 if found_key == st.key else max_seq
                st.key = found_key
                self.touched.add(st.db_id)
        return st

    def _resolve_ids(self, new_states: Iterable[_Open]) -> None:
        states = list(new_states)
        if not states:
            return
        ids, added = self._store.chats.ensure_sessions(self._shop, self._batch, [
            (st.key, st.sid, st.buyer, st.transferred, st.repeat) for st in states])
        self.sessions_added += added
        for st in states:
            st.db_id = ids[st.key]


def _derived(stats: list[pd.DataFrame], agents: list[pd.DataFrame], above: int,
             only: np.ndarray | None = None) -> list[tuple]:
    """(started_at, ended_at, count, buyer count, agent count, agent, agents, id) of sessions
    with id > above (and in ``only`` when given).

    Same rules as the store's refresh: the agent is the account with the most
    agent messages (ties: who spoke first); ``agents`` in order of first reply.
    """
    def keep(s: pd.Series) -> pd.Series:
        return (s > above) if only is None else (s > above) & s.isin(only)

    st = pd.concat(stats, ignore_index=True)
    st = st[keep(st["s"])].groupby("s", sort=True).agg(
        n=("n", "sum"), nb=("nb", "sum"), na=("na", "sum"), mn=("mn", "min"), mx=("mx", "max"))
    ids = st.index.to_numpy()
    best: dict[int, str] = {}
    listed: dict[int, str] = {}
    if agents:
        a = pd.concat(agents, ignore_index=True)
        a = a[keep(a["s"])].groupby(["s", "sender"], sort=False).agg(k=("size", "sum"), first=("min", "min"))
        a = a.reset_index()
        sid_all, k, first = a["s"].to_numpy(), a["k"].to_numpy(), a["first"].to_numpy()
        # (session, first seq) is unique: seq numbers are unique within a session
        by_first = np.lexsort((first, sid_all))
        listed = _joined_per_session(sid_all[by_first], a["sender"].to_numpy(dtype=object)[by_first])
        top = np.lexsort((first, -k, sid_all))
        head = np.r_[True, sid_all[top][1:] != sid_all[top][:-1]] if len(top) else np.zeros(0, bool)
        best = dict(zip(sid_all[top][head].tolist(), a["sender"].to_numpy(dtype=object)[top][head].tolist()))
    mn, mx = _text_times(st["mn"].to_numpy()), _text_times(st["mx"].to_numpy())
    return list(zip(mn, mx, st["n"].tolist(), st["nb"].tolist(), st["na"].tolist(),
                    [best.get(i) for i in ids.tolist()], [listed.get(i) for i in ids.tolist()], ids.tolist()))


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
