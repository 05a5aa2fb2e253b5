"""The 会话 page: every chat session with what the analysis knows about it, filtered and sorted in SQL.

The list is id-based (STYLE §14): :meth:`SessionsBrowseRepo.ids` returns the
ids of the filtered sessions in display order and :meth:`rows` reads the
columns of a block of them. Columns that need a session's messages (first
response, end sentiment, FAQ clusters) are correlated subqueries over the
``(session_id, msg_hash)`` index, so a block of 100 rows costs ~100 small
look-ups; they are computed for the whole filter only when the user sorts or
filters on them.

Definitions (shared with the conversation view):

* **first response**: seconds from the session's first buyer message to
  the first agent message after it (wall-clock; the per-platform counted
  hours apply to the 服务时效 flags, not to this column);
* **end sentiment**: the label of the buyer's last message with content;
* **unanswered**: an open (not 误报) ``service.unanswered`` or
  ``service.no_agent_reply`` flag, i.e. the risk stage's own judgement
  that a question went without reply;
* **transferred**: marked so by the export, or more than one agent replied;
* **linked order**: the buyer's order in the same shop nearest to the
  session's start, 7 days before to 3 days after (the same window as the
  风险 page's guess; the detail also finds order numbers typed in the chat).

Reviews and notes are people's work, stored in ``session_reviews`` (schema v6;
reads also work on an older file opened read-only, without it). Each write is one
statement; an operation (``cxdesk.ops``) groups writes in ``store.transaction()``.

Every filter value is a bound parameter; only whitelisted ORDER BY
expressions are spliced in.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cxdesk.store._days import edge_day_text
from cxdesk.store.exports import SESSION_BUYER_TONE_SQL, SESSION_COLUMNS, SESSION_FLAGS_SQL

RISK_LEVELS = ("高", "中", "低", "无")
SENTIMENTS = ("负面", "中性", "正面")
NOT_ANALYSED = "未分析"
ORDER_DAYS_BEFORE, ORDER_DAYS_AFTER = 7, 3
UNANSWERED_RULES = ("service.unanswered", "service.no_agent_reply")

# Derived columns of one session ``c`` (see the module docstring).
_FIRST_RESPONSE = """(
    SELECT unixepoch(a.sent_at) - unixepoch(b.sent_at)
    FROM (SELECT seq, sent_at FROM chat_messages WHERE session_id = c.id AND role = 'buyer'
          ORDER BY seq LIMIT 1) b
    JOIN chat_messages a ON a.session_id = c.id AND a.role = 'agent' AND a.seq > b.seq
    ORDER BY a.seq LIMIT 1)"""
# CROSS JOIN keeps the messages first: otherwise the planner scans every message sentiment.
_END_SENTIMENT = """(
    SELECT st.{col} FROM chat_messages m
    CROSS JOIN sentiment st ON st.target_type = 'message' AND st.target_id = m.id AND st.no_content = 0
    WHERE m.session_id = c.id AND m.role = 'buyer' ORDER BY m.seq DESC LIMIT 1)"""
_FAQ = """(
    SELECT group_concat(label, '、') FROM (
        SELECT DISTINCT fc.label AS label FROM chat_messages m
        JOIN faq_members fm ON fm.message_id = m.id
        JOIN faq_clusters fc ON fc.id = fm.cluster_id AND fc.hidden = 0
        WHERE m.session_id = c.id ORDER BY fc.label))"""
# The nearest order: MIN over "distance || order id" (a correlated ORDER BY inside a scalar
# subquery is refused by SQLite: "no such column").
_ORDER = f"""(
    SELECT substr(MIN(printf('%015.6f', abs(julianday(o.created_at) - julianday(c.started_at))) || o.order_id), 16)
    FROM orders o
    WHERE o.shop_id = c.shop_id AND o.buyer_nick = c.buyer_nick
      AND o.created_at BETWEEN datetime(c.started_at, '-{ORDER_DAYS_BEFORE} days')
                           AND datetime(c.started_at, '+{ORDER_DAYS_AFTER} days'))"""
_DURATION = "(unixepoch(c.ended_at) - unixepoch(c.started_at))"
_STARTED = (("chat_sessions", "started_at"),)  # for the first and last day offered
_TRANSFERRED = "(c.transferred = 1 OR instr(COALESCE(c.agents, ''), ',') > 0)"
_UNANSWERED = """EXISTS (
    SELECT 1 FROM risk_flags f WHERE f.target_type = 'session' AND f.target_id = c.id
      AND f.rule_id IN ('service.unanswered', 'service.no_agent_reply') AND f.status <> '误报')"""
_RISK_RANK = "CASE rs.level WHEN '高' THEN 3 WHEN '中' THEN 2 WHEN '低' THEN 1 ELSE 0 END"

_FROM = """
FROM chat_sessions c
JOIN shops sh ON sh.id = c.shop_id
LEFT JOIN risk_scores rs ON rs.target_type = 'session' AND rs.target_id = c.id
"""

# Sort keys → ORDER BY expression (ties broken by start time, then id, in the same direction).
SORTS: dict[str, str] = {
    "started": "c.started_at",
    "shop": "sh.name",
    "platform": "sh.platform",
    "buyer": "c.buyer_nick",
    "agents": "COALESCE(c.agents, c.agent, '')",
    "duration": _DURATION,
    "messages": "c.message_count",
    "first_response": _FIRST_RESPONSE,
    "sentiment": _END_SENTIMENT.format(col="score"),
    "risk": f"COALESCE(rs.score, -1), {_RISK_RANK}",
    "faq": _FAQ,
    "order": _ORDER,
    "reviewed": "COALESCE(sr.reviewed, 0)",
}


@dataclass(frozen=True)
class SessionFilter:
    """What the list shows; ``None`` and empty tuples mean "any"."""

    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None  # YYYY-MM-DD, inclusive
    shop_id: int | None = None
    agent: str | None = None  # an agent account (店铺:子账号) that took part
    risk_levels: tuple[str, ...] = ()  # of RISK_LEVELS; '无' includes sessions not scored
    sentiment: str | None = None  # end sentiment: a SENTIMENTS label or NOT_ANALYSED
    unanswered: bool = False
    transferred: bool = False
    has_order: bool = False
    text: str = ""  # in any message, or in the buyer nick
    reviewed: bool | None = None

    def changed(self, **changes: Any) -> SessionFilter:
        return replace(self, **changes)

    def where(self, has_reviews: bool) -> tuple[str, list[Any]]:
        """The WHERE clause over ``_FROM`` (plus ``sr`` when reviews exist) and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        if self.date_from:
            parts.append("c.started_at >= ?")
            params.append(self.date_from)
        if self.date_to:
            parts.append("c.started_at < date(?, '+1 day')")
            params.append(self.date_to)
        if self.shop_id is not None:
            parts.append("c.shop_id = ?")
            params.append(self.shop_id)
        if self.agent:
            parts.append("(c.agent = ? OR instr(',' || COALESCE(c.agents, '') || ',', ',' || ? || ',') > 0)")
            params += [self.agent, self.agent]
        if self.risk_levels:
            parts.append("COALESCE(rs.level, '无') IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(self.risk_levels), ensure_ascii=False))
        if self.sentiment == NOT_ANALYSED:
            parts.append(f"{_END_SENTIMENT.format(col='label')} IS NULL")
        elif self.sentiment:
            parts.append(f"{_END_SENTIMENT.format(col='label')} = ?")
            params.append(self.sentiment)
        if self.unanswered:
            parts.append(_UNANSWERED)
        if self.transferred:
            parts.append(_TRANSFERRED)
        if self.has_order:
            parts.append(f"{_ORDER} IS NOT NULL")
        text = self.text.strip()
        if text:
            # One scan of the messages (instr: no LIKE wildcards to escape); FTS5 trigrams cannot
            # match the one- and two-character words buyers search for most (退款, 差评).
            parts.append(
                "(c.id IN (SELECT session_id FROM chat_messages WHERE instr(content, ?) > 0)"
                " OR instr(c.buyer_nick, ?) > 0)"
            )
            params += [text, text]
        if self.reviewed is not None:
            if has_reviews:
                parts.append("COALESCE(sr.reviewed, 0) = ?")
                params.append(int(self.reviewed))
            elif self.reviewed:
                parts.append("0")  # nothing has been reviewed yet
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


@dataclass(frozen=True)
class SessionRow:
    """One line of the session list."""

    id: int
    shop_id: int
    shop: str
    platform: str
    buyer: str
    agent: str | None
    agents: str | None
    started_at: str | None
    ended_at: str | None
    duration_s: float | None
    message_count: int
    buyer_messages: int
    agent_messages: int
    transferred: bool
    first_response_s: float | None
    end_label: str | None
    end_score: float | None
    risk_score: int | None
    risk_level: str | None
    risk_reasons: str | None
    faq: str | None
    order_id: str | None
    reviewed: bool
    note: str | None

    @property
    def agent_list(self) -> list[str]:
        return [a for a in (self.agents or self.agent or "").split(",") if a]


@dataclass(frozen=True)
class BrowseOptions:
    """What the filter bar offers, from the sessions that exist."""

    sessions: int
    shops: list[tuple[int, str, str]]  # (id, name, platform)
    agents: list[str]
    first_day: str | None
    last_day: str | None
    has_sentiment: bool
    has_scores: bool
    has_faq: bool


@dataclass(frozen=True)
class FaqMark:
    message_id: int
    cluster_id: int
    label: str


@dataclass(frozen=True)
class ReviewState:
    reviewed: bool
    reviewer: str | None
    reviewed_at: str | None
    note: str | None


_ROW_SQL = f"""
SELECT c.id, c.shop_id, sh.name, sh.platform, c.buyer_nick, c.agent, c.agents, c.started_at, c.ended_at,
       {_DURATION}, c.message_count, c.buyer_messages, c.agent_messages, {_TRANSFERRED},
       {_FIRST_RESPONSE}, {_END_SENTIMENT.format(col='label')}, {_END_SENTIMENT.format(col='score')},
       rs.score, rs.level, rs.reasons, {_FAQ}, {_ORDER}, {{reviewed}}, {{note}}
{_FROM}{{join}}
WHERE c.id IN (SELECT value FROM json_each(?))
"""

# The export of the filtered list: the columns of ``python main.py export sessions``, same values.
_EXPORT_SQL = f"""
SELECT sh.name, sh.platform, COALESCE(c.source_session_id, CAST(c.id AS TEXT)), c.id, c.buyer_nick, c.agent,
       c.agents, c.started_at, c.ended_at, c.message_count, c.buyer_messages, c.agent_messages, c.transferred,
       rs.score, rs.level, rs.reasons,
       {SESSION_FLAGS_SQL},
       {SESSION_BUYER_TONE_SQL}
{_FROM}
WHERE c.id IN (SELECT value FROM json_each(?))
"""
EXPORT_COLUMNS = SESSION_COLUMNS


class SessionsBrowseRepo:
    """Queries behind the 会话 list and detail, and the review/note writes."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- the list ------------------------------------------------------------------

    def has_sessions(self) -> bool:
        return self._conn.execute("SELECT EXISTS (SELECT 1 FROM chat_sessions)").fetchone()[0] == 1

    def has_reviews_table(self) -> bool:
        from cxdesk.store.catalog import table_exists

        return table_exists(self._conn, "session_reviews")

    def _query(self, select: str, flt: SessionFilter) -> tuple[str, list[Any]]:
        has_reviews = self.has_reviews_table()
        join = "LEFT JOIN session_reviews sr ON sr.session_id = c.id\n" if has_reviews else ""
        where, params = flt.where(has_reviews)
        return f"SELECT {select}{_FROM}{join}{where}", params

    def ids(self, flt: SessionFilter, sort: str = "started", descending: bool = True) -> list[int]:
        """Ids of the filtered sessions in display order."""
        order = SORTS[sort]  # KeyError on an unknown sort: never splice caller text
        if sort == "reviewed" and not self.has_reviews_table():
            order = "c.id * 0"  # nothing reviewed yet (a bare 0 would mean "column 0")
        direction = "DESC" if descending else "ASC"
        keys = ", ".join(f"{part.strip()} {direction}" for part in _split_order(order))
        sql, params = self._query("c.id", flt)
        return [
            r[0]
            for r in self._conn.execute(f"{sql} ORDER BY {keys}, c.started_at {direction}, c.id {direction}", params)
        ]

    def count(self, flt: SessionFilter) -> int:
        sql, params = self._query("COUNT(*)", flt)
        return int(self._conn.execute(sql, params).fetchone()[0])

    def rows(self, ids: Sequence[int]) -> list[SessionRow]:
        """The list columns of ``ids``, in the order given (ids no longer in the store are left out)."""
        if not ids:
            return []
        if self.has_reviews_table():
            sql = _ROW_SQL.format(
                reviewed="COALESCE(sr.reviewed, 0)",
                note="sr.note",
                join="LEFT JOIN session_reviews sr ON sr.session_id = c.id\n",
            )
        else:
            sql = _ROW_SQL.format(reviewed="0", note="NULL", join="")
        found = {}
        for r in self._conn.execute(sql, (json.dumps([int(i) for i in ids]),)):
            values = list(r)
            values[13] = bool(values[13])
            values[22] = bool(values[22])
            found[values[0]] = SessionRow(*values)
        return [found[i] for i in ids if i in found]

    def row(self, session_id: int) -> SessionRow | None:
        rows = self.rows([session_id])
        return rows[0] if rows else None

    def options(self) -> BrowseOptions:
        q = self._conn.execute
        sessions = q("SELECT COUNT(*) FROM chat_sessions").fetchone()[0]
        shops = [
            tuple(r)
            for r in q(
                "SELECT id, name, platform FROM shops WHERE id IN (SELECT DISTINCT shop_id FROM chat_sessions) ORDER BY id"
            )
        ]
        agents: set[str] = set()
        for (value,) in q("SELECT DISTINCT COALESCE(agents, agent) FROM chat_sessions WHERE agent IS NOT NULL"):
            agents.update(a for a in (value or "").split(",") if a)
        first, last = (edge_day_text(self._conn, _STARTED, newest=n) for n in (False, True))
        has_sentiment = q("SELECT EXISTS (SELECT 1 FROM sentiment WHERE target_type = 'message')").fetchone()[0]
        has_scores = q("SELECT EXISTS (SELECT 1 FROM risk_scores WHERE target_type = 'session')").fetchone()[0]
        has_faq = q("SELECT EXISTS (SELECT 1 FROM faq_members WHERE cluster_id IS NOT NULL)").fetchone()[0]
        return BrowseOptions(
            int(sessions),
            shops,
            sorted(agents),
            first,
            last,  # type: ignore[arg-type]
            bool(has_sentiment),
            bool(has_scores),
            bool(has_faq),
        )

    # --- the conversation's extras ----------------------------------------------------

    def faq_marks(self, session_id: int) -> list[FaqMark]:
        """The session's messages that went into a (visible) FAQ cluster."""
        return [
            FaqMark(*r)
            for r in self._conn.execute(
                "SELECT m.id, fc.id, fc.label FROM chat_messages m JOIN faq_members fm ON fm.message_id = m.id "
                "JOIN faq_clusters fc ON fc.id = fm.cluster_id AND fc.hidden = 0 WHERE m.session_id = ? "
                "ORDER BY m.seq",
                (session_id,),
            )
        ]

    def session_of_message(self, message_id: int) -> int | None:
        r = self._conn.execute("SELECT session_id FROM chat_messages WHERE id = ?", (message_id,)).fetchone()
        return int(r[0]) if r else None

    # --- reviews and notes --------------------------------------------------------------

    def review_state(self, session_id: int) -> ReviewState:
        if not self.has_reviews_table():
            return ReviewState(False, None, None, None)
        r = self._conn.execute(
            "SELECT reviewed, reviewer, reviewed_at, note FROM session_reviews WHERE session_id = ?", (session_id,)
        ).fetchone()
        return ReviewState(bool(r[0]), r[1], r[2], r[3]) if r else ReviewState(False, None, None, None)

    def set_reviewed(self, session_id: int, reviewed: bool, reviewer: str | None = None) -> ReviewState:
        """Mark a session reviewed (or not); the note is kept."""
        self._conn.execute(
            "INSERT INTO session_reviews(session_id, reviewed, reviewer, reviewed_at) "
            "VALUES (?, ?, ?, CASE WHEN ? = 1 THEN datetime('now', 'localtime') END) "
            "ON CONFLICT(session_id) DO UPDATE SET reviewed = excluded.reviewed, "
            "reviewer = COALESCE(excluded.reviewer, session_reviews.reviewer), reviewed_at = excluded.reviewed_at, "
            "updated_at = datetime('now', 'localtime')",
            (session_id, int(reviewed), reviewer or None, int(reviewed)),
        )
        return self.review_state(session_id)

    def set_note(self, session_id: int, note: str) -> ReviewState:
        """Replace a session's note (empty clears it); the reviewed mark is kept."""
        self._conn.execute(
            "INSERT INTO session_reviews(session_id, note) VALUES (?, ?) ON CONFLICT(session_id) DO UPDATE "
            "SET note = excluded.note, updated_at = datetime('now', 'localtime')",
            (session_id, note.strip() or None),
        )
        return self.review_state(session_id)

    # --- export ---------------------------------------------------------------------------

    def export_rows(self, ids: Sequence[int], batch: int = 2000) -> Iterator[list[tuple]]:
        """Batches of :data:`EXPORT_COLUMNS` rows for ``ids``, in the order given."""
        for start in range(0, len(ids), batch):
            part = [int(i) for i in ids[start : start + batch]]
            found = {r[3]: tuple(r) for r in self._conn.execute(_EXPORT_SQL, (json.dumps(part),))}
            yield [found[i] for i in part if i in found]


def _split_order(order: str) -> list[str]:
    """Top-level comma-separated parts of an ORDER BY expression (subqueries contain commas)."""
    parts, depth, current = [], 0, []
    for ch in order:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
