"""Putting streamed chat messages into sessions, with keys stable across exports.

Exports overlap: next week's export repeats this week's messages and adds
new ones, sometimes at the end of a session already stored. So

* a message's key is the platform message id when there is one, else a hash
  of (buyer, source session, time, role, sender, content, occurrence of that
  identical tuple at that time); keys are prefixed with a hash of the buyer
  so that one buyer's messages sit together in the unique index (several
  times faster inserts than fully random keys);
* a session's key is the source session id, else buyer + first message time,
  else (no times at all) the buyer alone;
* a new session whose first message falls within the gap of a stored session
  of the same buyer joins that session instead of starting another.

Messages of one buyer are assumed to come in time order, as every known
exporter writes them; the file order is kept when times are missing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cxdesk.importers._model import RawMessage
from cxdesk.records import content_key
from cxdesk.store import Store


@dataclass
class _Open:
    """The session a buyer is currently in, while the file streams past."""

    key: str
    buyer: str
    sid: str | None
    prefix: str
    transferred: bool
    repeat: bool
    db_id: int | None = None
    seq: int = 0
    last: datetime | None = None
    occ_time: str | None = None
    occ: dict[tuple, int] = field(default_factory=dict)


def session_key(buyer: str, sid: str | None, first_time: str | None) -> str:
    if sid is not None:
        return f"sid:{sid}"
    if first_time is not None:
        return content_key("session", buyer, first_time)
    return content_key("session", buyer)


class ChatWriter:
    """Streams RawMessage chunks into the store as sessions and messages."""

    def __init__(self, store: Store, shop_id: int, batch_id: int, gap_minutes: float = 30) -> None:
        self._store = store
        self._shop = shop_id
        self._batch = batch_id
        self._gap_minutes = gap_minutes
        self._gap = timedelta(minutes=gap_minutes)
        self._join = store.chats.has_sessions(shop_id)  # nothing to join in a fresh shop
        self._open: dict[str, _Open] = {}
        self._prefixes: dict[str, str] = {}
        self.touched: set[int] = set()
        self.added = self.duplicate = self.sessions_added = 0

    def write(self, messages: list[RawMessage]) -> None:
        """Assign each message to a session, insert new sessions, then the messages."""
        pending = [self._place(m) for m in messages]
        self._resolve_ids({id(p[0]): p[0] for p in pending if p[0].db_id is None}.values())
        rows = [(st.db_id, self._shop, self._batch, seq, role, sender, sent_at, content, key)
                for st, seq, role, sender, sent_at, content, key in pending]
        new = self._store.chats.insert_message_rows(rows)
        self.added += new
        self.duplicate += len(rows) - new

    def finish(self) -> None:
        """Recompute agent, times and counts of every session this file touched."""
        self._store.chats.refresh_sessions(sorted(self.touched))

    # --- internals -------------------------------------------------------------

    def _place(self, m: RawMessage) -> tuple:
        st = self._open.get(m.buyer)
        now = datetime.fromisoformat(m.sent_at) if m.sent_at is not None else None
        if st is None or self._breaks(st, m, now):
            st = self._start(m)
            self._open[m.buyer] = st
        if now is not None:
            st.last = now
        st.seq += 1
        if m.mid is not None:
            key = f"m:{m.mid}"
        else:
            if m.sent_at is not None and m.sent_at != st.occ_time:
                st.occ_time, st.occ = m.sent_at, {}
            ident = (m.role, m.sender, m.content)
            n = st.occ.get(ident, 0)
            st.occ[ident] = n + 1
            body = "\x1f".join((m.source_session_id or "", m.sent_at or "", m.role, m.sender or "",
                                m.content, str(n)))
            key = st.prefix + hashlib.blake2b(body.encode(), digest_size=10).hexdigest()
        return st, st.seq, m.role, m.sender, m.sent_at, m.content, key

    def _breaks(self, st: _Open, m: RawMessage, now: datetime | None) -> bool:
        if m.source_session_id is not None or st.sid is not None:
            return m.source_session_id != st.sid
        return now is not None and st.last is not None and now - st.last > self._gap

    def _start(self, m: RawMessage) -> _Open:
        prefix = self._prefixes.get(m.buyer)
        if prefix is None:
            prefix = hashlib.blake2b(m.buyer.encode(), digest_size=4).hexdigest()
            self._prefixes[m.buyer] = prefix
        st = _Open(session_key(m.buyer, m.source_session_id, m.sent_at), m.buyer,
                   m.source_session_id, prefix, m.transferred, m.repeat_consult)
        if self._join and m.source_session_id is None and m.sent_at is not None:
            near = self._store.chats.find_session_near(self._shop, m.buyer, m.sent_at, self._gap_minutes)
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
            self.touched.add(st.db_id)
