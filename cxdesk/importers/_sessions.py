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

from hashlib import sha1
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxdesk.importers._msgframe import NAT, base_hashes, frame_from_messages, message_hashes, time_seconds
from cxdesk.records import content_key

if TYPE_CHECKING:  # the reader process never touches the store
    from cxdesk.store import Store
    from cxdesk.store.chats import SessionRow


class _OpenSessions:
    """The session each buyer is currently in, while the file streams past: one slot
    per buyer (writer-wide index), as arrays so a chunk updates them all at once."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.gid = np.full(0, -1, dtype=np.int64)  # writer-local session id, for occurrence counts; -1: none
        self.db = np.zeros(0, dtype=np.int64)  # chat_sessions.id
        self.sid = np.empty(0, dtype=object)  # source session id
        self.seq = np.zeros(0, dtype=np.int64)  # messages so far
        self.last = np.zeros(0, dtype=np.int64)  # epoch seconds of the last message with a time, NAT for none

    def slots(self, buyers: list[str]) -> np.ndarray:
        """Each buyer's slot, adding slots (no open session) for buyers not seen before."""
        ix = self.index
        slots = np.fromiter((ix.setdefault(b, len(ix)) for b in buyers), dtype=np.int64, count=len(buyers))
        if len(ix) > len(self.gid):
            more = max(len(ix), 2 * len(self.gid)) - len(self.gid)
            self.gid = np.concatenate([self.gid, np.full(more, -1, dtype=np.int64)])
            self.db = np.concatenate([self.db, np.zeros(more, dtype=np.int64)])
            self.sid = np.concatenate([self.sid, np.full(more, None, dtype=object)])
            self.seq = np.concatenate([self.seq, np.zeros(more, dtype=np.int64)])
            self.last = np.concatenate([self.last, np.full(more, NAT, dtype=np.int64)])
        return slots


def session_keys(buyers: list[str], sids: list, first_times: list) -> list[str]:
    """Each session's key: the source session id, else buyer + first message time
    (= content_key("session", buyer, first_time), inlined), else the buyer alone."""
    return [f"sid:{s}" if s is not None
            else sha1(f"session\x1f{b}\x1f{t}".encode("utf-8")).hexdigest() if t is not None
            else content_key("session", b) for b, s, t in zip(buyers, sids, first_times)]


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
        self._open = _OpenSessions()
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
        self._stats: list[dict[str, np.ndarray]] = []
        self._agents: list[dict[str, np.ndarray]] = []
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

        buyers = uniq.tolist()
        op = self._open
        slot = op.slots(buyers)  # per buyer code
        had = op.gid[slot] >= 0
        has_state = had[c]
        st_sid = op.sid[slot]
        st_last = op.last[slot]

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

        # Groups: runs of one buyer's rows in one session. A buyer's first group may
        # continue the session open before this chunk; every other group starts one.
        new_sess = (first_b & ~has_state) | sid_break | gap_break
        g_start = np.flatnonzero(new_sess | first_b)
        ng = len(g_start)
        g_row = np.cumsum(new_sess | first_b) - 1
        g_end = np.empty(ng, dtype=np.int64)
        g_end[:-1] = g_start[1:] - 1
        g_end[-1] = n - 1
        g_new = new_sess[g_start]
        g_code = c[g_start]
        g_slot = slot[g_code]
        g_gid = op.gid[g_slot].copy()
        g_db = op.db[g_slot].copy()
        g_seq0 = np.where(g_new, 0, op.seq[g_slot])
        new = np.flatnonzero(g_new)
        if len(new):
            g_gid[new] = self._gids + np.arange(len(new))
            self._gids += len(new)
            if self._gids > len(self._alive):
                self._alive = np.concatenate([self._alive, np.zeros(max(self._gids, len(self._alive)), dtype=bool)])
            g_db[new], g_seq0[new] = self._start(
                [buyers[i] for i in g_code[new].tolist()], sid[g_start[new]].tolist(), sent[g_start[new]].tolist(),
                frame["transferred"].to_numpy()[order][g_start[new]].tolist(),
                frame["repeat_consult"].to_numpy()[order][g_start[new]].tolist())

        # Each buyer's last group is its open session now (earlier ones are closed).
        last_g = np.ones(ng, dtype=bool)
        last_g[:-1] = g_code[1:] != g_code[:-1]
        b = g_slot[last_g]
        g_last = ff[g_end[last_g]]
        self._alive[op.gid[slot[had]]] = False
        self._alive[g_gid[last_g]] = True
        op.last[b] = np.where(g_last != NAT, g_last, np.where(g_new[last_g], NAT, op.last[b]))
        op.gid[b], op.db[b], op.sid[b] = g_gid[last_g], g_db[last_g], sid[g_start[last_g]]
        op.seq[b] = g_seq0[last_g] + (g_end - g_start + 1)[last_g]
        self.touched.update(g_db.tolist())

        seq = pos - g_start[g_row] + 1 + g_seq0[g_row]
        gid = g_gid[g_row]
        h_base = frame["_h"].to_numpy(np.uint64)[order] if "_h" in frame else base_hashes(frame)[order]
        occ = self._occurrences(gid, h_base, g_gid[~g_new])
        hashes = message_hashes(h_base, occ, col("mid"))

        new = self._emit((g_db[g_row], seq, col("role"), col("sender"), sent, col("content"), hashes),
                         g_db[~g_new])
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
        is_agent = role == "agent"
        self._stats.append({
            "s": g_db, "n": np.diff(np.append(g_start, len(t))),
            "nb": np.add.reduceat((role == "buyer").astype(np.int64), g_start),
            "na": np.add.reduceat(is_agent.astype(np.int64), g_start),
            "mn": np.minimum.reduceat(np.where(has_t, t, _BIG), g_start),
            "mx": np.maximum.reduceat(np.where(has_t, t, NAT), g_start),
        })
        is_agent &= ~pd.isna(sender)
        if is_agent.any():
            self._agents.append(_agent_counts(g_db[g_row[is_agent]], sender[is_agent],
                                              np.ones(int(is_agent.sum()), dtype=np.int64), seq[is_agent]))

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

    def _start(self, buyers: list[str], sids: list, sent_at: list, transferred: list,
               repeat_: list) -> tuple[np.ndarray, np.ndarray]:
        """Ids and first sequence numbers of the sessions starting in a chunk, in order.

        A session without a source id joins the stored session its first message
        falls into (joining shops only); the rest get their ids by key.
        """
        keys = session_keys(buyers, sids, sent_at)
        ids = np.zeros(len(keys), dtype=np.int64)
        seq0 = np.zeros(len(keys), dtype=np.int64)
        if self._join:
            for i, (buyer, sid, t) in enumerate(zip(buyers, sids, sent_at)):
                near = None if sid is not None or t is None else self._store.chats.find_session_near(
                    self._shop, buyer, t, self._gap_minutes)
                if near is not None:
                    ids[i], found_key, max_seq = near
                    seq0[i] = 0 if found_key == keys[i] else max_seq
                    keys[i] = found_key
                    self.touched.add(int(ids[i]))
        rows = list(zip(keys, sids, buyers, map(bool, transferred), map(bool, repeat_)))
        todo = np.flatnonzero(ids == 0)
        if len(todo):
            ids[todo] = self._resolve_ids(rows if len(todo) == len(rows) else [rows[i] for i in todo.tolist()])
        return ids, seq0

    def _resolve_ids(self, rows: list[SessionRow]) -> list[int]:
        """The session ids of these (key, source id, buyer, transferred, repeat), inserting the new ones."""
        ids, added = self._store.chats.ensure_sessions(self._shop, self._batch, rows)
        self.sessions_added += added
        return [ids[row[0]] for row in rows]


_BIG = np.iinfo(np.int64).max


def _agent_counts(s: np.ndarray, sender: np.ndarray, k: np.ndarray, first: np.ndarray) -> dict[str, np.ndarray]:
    """Sum ``k`` and take the smallest ``first`` per (session, sender), in order of first appearance."""
    s_codes, s_uniq = pd.factorize(s)
    n_codes, n_uniq = pd.factorize(sender)
    codes, uniq = pd.factorize(s_codes.astype(np.int64) * max(len(n_uniq), 1) + n_codes)
    lowest = np.full(len(uniq), _BIG, dtype=np.int64)
    np.minimum.at(lowest, codes, first)
    at = np.empty(len(uniq), dtype=np.int64)
    at[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # first row of each pair
    return {"s": s[at], "sender": sender[at], "k": np.bincount(codes, weights=k, minlength=len(uniq)).astype(np.int64),
            "first": lowest}


def _derived(stats: list[dict[str, np.ndarray]], agents: list[dict[str, np.ndarray]], above: int,
             only: np.ndarray | None = None) -> list[tuple]:
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
    mn = np.full(len(ids), _BIG, dtype=np.int64)
    mx = np.full(len(ids), NAT, dtype=np.int64)
    np.minimum.at(mn, inv, st["mn"])
    np.maximum.at(mx, inv, st["mx"])
    best: dict[int, str] = {}
    listed: dict[int, str] = {}
    if agents:
        a = kept(agents)
        if len(agents) > 1:  # a session's counts may come from several chunks
            a = _agent_counts(a["s"], a["sender"], a["k"], a["first"])
        sid_all, k, first, names = a["s"], a["k"], a["first"], a["sender"]
        # (session, first seq) is unique: seq numbers are unique within a session
        by_first = np.lexsort((first, sid_all))
        listed = _joined_per_session(sid_all[by_first], names[by_first])
        top = np.lexsort((first, -k, sid_all))
        head = np.r_[True, sid_all[top][1:] != sid_all[top][:-1]] if len(top) else np.zeros(0, bool)
        best = dict(zip(sid_all[top][head].tolist(), names[top][head].tolist()))
    times = _text_times(np.concatenate([mn, mx]))
    id_list = ids.tolist()
    return list(zip(times[:len(ids)], times[len(ids):], total["n"].tolist(), total["nb"].tolist(),
                    total["na"].tolist(), [best.get(i) for i in id_list], [listed.get(i) for i in id_list], id_list))


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
