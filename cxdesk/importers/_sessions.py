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
The open session of each buyer carries over chunk boundaries; the least
recently seen buyers' open sessions, with their messages' hashes, move to a
temporary file beyond fixed limits (:class:`._spill.OpenSessions`), so this
state does not grow with the file.
"""

from __future__ import annotations

from hashlib import sha1
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxdesk.importers._derived import BIG, agent_counts, derived_columns, refresh_in_batches
from cxdesk.importers._msgframe import NAT, base_hashes, frame_from_messages, message_hashes, time_seconds
from cxdesk.importers._spill import OpenSessions
from cxdesk.records import content_key

if TYPE_CHECKING:  # the reader process never touches the store
    from cxdesk.store import Store
    from cxdesk.store.chats import SessionRow


def session_keys(buyers: list[str], sids: list, first_times: list) -> list[str]:
    """Each session's key: the source session id, else buyer + first message time
    (= content_key("session", buyer, first_time), inlined), else the buyer alone."""
    return [
        f"sid:{s}"
        if s is not None
        else sha1(f"session\x1f{b}\x1f{t}".encode()).hexdigest()
        if t is not None
        else content_key("session", b)
        for b, s, t in zip(buyers, sids, first_times)
    ]


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
        self._open = OpenSessions()
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
        self.touched: set[int] = set()  # stored sessions (id <= max_before) this file joined or re-imported into
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
        if op.restored:
            self._restore_carry(op.restored)
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
                [buyers[i] for i in g_code[new].tolist()],
                sid[g_start[new]].tolist(),
                sent[g_start[new]].tolist(),
                frame["transferred"].to_numpy()[order][g_start[new]].tolist(),
                frame["repeat_consult"].to_numpy()[order][g_start[new]].tolist(),
            )

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
        self.touched.update(g_db[g_db <= self._max_before].tolist())

        seq = pos - g_start[g_row] + 1 + g_seq0[g_row]
        gid = g_gid[g_row]
        h_base = frame["_h"].to_numpy(np.uint64)[order] if "_h" in frame else base_hashes(frame)[order]
        occ = self._occurrences(gid, h_base, g_gid[~g_new])
        hashes = message_hashes(h_base, occ, col("mid"))

        new = self._emit((g_db[g_row], seq, col("role"), col("sender"), sent, col("content"), hashes), g_db[~g_new])
        self.added += new
        self.duplicate += n - new
        if self._exact:
            role = col("role")
            self._exact = self.duplicate == 0 and not bool((has_t != ~pd.isna(sent)).any())
            self._collect(g_db, g_start, role, col("sender"), t, seq, g_row)
        self._bound()

    def _emit(self, columns: tuple[np.ndarray, ...], continued: np.ndarray) -> int:
        """Store one chunk's messages: columns session id, seq, role, sender, sent_at,
        content, msg_hash in insert order; ``continued`` are the sessions that were
        open before this chunk. Returns how many messages were new."""
        sess, seq, role, sender, sent, content, hashes = columns
        rows = list(
            zip(
                sess.tolist(),
                repeat(self._shop),
                repeat(self._batch),
                seq.tolist(),
                role.tolist(),
                sender.tolist(),
                sent.tolist(),
                content.tolist(),
                hashes.tolist(),
            )
        )
        return self._store.chats.insert_message_rows(rows)

    def _collect(
        self,
        g_db: np.ndarray,
        g_start: np.ndarray,
        role: np.ndarray,
        sender: np.ndarray,
        t: np.ndarray,
        seq: np.ndarray,
        g_row: np.ndarray,
    ) -> None:
        """Per-run counts, first/last time, and agent message counts, for finish()."""
        has_t = t != NAT
        is_agent = role == "agent"
        self._stats.append(
            {
                "s": g_db,
                "n": np.diff(np.append(g_start, len(t))),
                "nb": np.add.reduceat((role == "buyer").astype(np.int64), g_start),
                "na": np.add.reduceat(is_agent.astype(np.int64), g_start),
                "mn": np.minimum.reduceat(np.where(has_t, t, BIG), g_start),
                "mx": np.maximum.reduceat(np.where(has_t, t, NAT), g_start),
            }
        )
        is_agent &= ~pd.isna(sender)
        if is_agent.any():
            self._agents.append(
                agent_counts(
                    g_db[g_row[is_agent]], sender[is_agent], np.ones(int(is_agent.sum()), dtype=np.int64), seq[is_agent]
                )
            )

    def finish(self) -> None:
        """Recompute agent, times and counts of every session this file touched.

        Sessions this batch created hold only this file's messages, so their
        columns come from the aggregates collected while writing; sessions that
        existed before (joined, or re-imported) are recomputed by the store.
        """
        self._open.close()
        chats = self._store.chats
        chats.refresh_sessions(sorted(self.touched))
        if not self._exact or not self._stats:  # every session this file created, from the stored rows
            refresh_in_batches(chats, range(self._max_before + 1, chats.max_session_id() + 1))
            return
        chats.set_derived(derived_columns(self._stats, self._agents, self._max_before))

    # --- internals -------------------------------------------------------------

    def _bound(self) -> None:
        """Keep the open sessions and their message hashes within HOT_BUYERS / HOT_CARRY:
        the least recently seen buyers go to the spill file (restored by ``slots``)."""
        op = self._open
        if not op.over(len(self._carry_g)):
            return
        keep = self._alive[self._carry_g]  # closed sessions' hashes first
        self._carry_g, self._carry_h = self._carry_g[keep], self._carry_h[keep]
        self._carry_checked = len(self._carry_g)
        if not op.over(len(self._carry_g)):
            return
        gid = op.gid[: len(op.index)]
        u, counts = np.unique(self._carry_g, return_counts=True)
        at = np.minimum(np.searchsorted(u, gid), max(len(u) - 1, 0))
        sizes = np.where((gid >= 0) & (u[at] == gid), counts[at], 0) if len(u) else np.zeros(len(gid), np.int64)
        out = op.victims(sizes)
        if not len(out):
            return
        gone = gid[out]
        gone = gone[gone >= 0]
        is_gone = np.zeros(len(self._alive), dtype=bool)
        is_gone[gone] = True
        m = is_gone[self._carry_g]
        cg, ch = self._carry_g[m], self._carry_h[m]
        order = np.argsort(cg, kind="stable")
        cg, ch = cg[order], ch[order]
        starts = np.flatnonzero(np.r_[True, cg[1:] != cg[:-1]]) if len(cg) else np.zeros(0, np.int64)
        carry = dict(zip(cg[starts].tolist(), np.split(ch, starts[1:])))
        self._carry_g, self._carry_h = self._carry_g[~m], self._carry_h[~m]
        self._carry_checked = len(self._carry_g)
        self._alive[gone] = False
        op.evict(out, carry)

    def _restore_carry(self, restored: list[tuple[int, int, np.ndarray]]) -> None:
        """Message hashes of sessions brought back from the spill file, for occurrence counts."""
        gids = np.array([r[0] for r in restored], dtype=np.int64)
        self._carry_g = np.concatenate([self._carry_g, np.repeat(gids, [len(r[2]) for r in restored])])
        self._carry_h = np.concatenate([self._carry_h, *(r[2] for r in restored)])
        self._alive[gids] = True

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
        occ = keys.groupby(["g", "h"], sort=False).cumcount().to_numpy()[len(cg) :]
        keep_new = self._alive[gid]
        self._carry_g = np.concatenate([self._carry_g, gid[keep_new]])
        self._carry_h = np.concatenate([self._carry_h, h[keep_new]])
        return occ

    def _start(
        self, buyers: list[str], sids: list, sent_at: list, transferred: list, repeat_: list
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ids and first sequence numbers of the sessions starting in a chunk, in order.

        A session without a source id joins the stored session its first message
        falls into (joining shops only); the rest get their ids by key.
        """
        keys = session_keys(buyers, sids, sent_at)
        ids = np.zeros(len(keys), dtype=np.int64)
        seq0 = np.zeros(len(keys), dtype=np.int64)
        if self._join:
            for i, (buyer, sid, t) in enumerate(zip(buyers, sids, sent_at)):
                near = (
                    None
                    if sid is not None or t is None
                    else self._store.chats.find_session_near(self._shop, buyer, t, self._gap_minutes)
                )
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
