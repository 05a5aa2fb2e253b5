"""The 风险 review queue: filtered, sorted flags with their context, and triage.

Each flag is read together with where it happened: the message's session
(or the session itself for 服务时效 flags, or the review), the shop, the
buyer, the agent and the time. The "agent" of a flag on an agent's message
is that message's sender; otherwise it is the session's main agent.

Every filter value is bound as a parameter; only whitelisted ORDER BY
clauses are spliced in. Triage writes (status, note, handler) are single
statements that the operation (:mod:`cxdesk.ops.triage`) groups in one
transaction per action, and the analysis never overwrites them
(:mod:`cxdesk.store.flags`).

Every triage write adds one to the flag's ``version`` and records who (the name given with it)
and when (``changed_by``, ``changed_at``). A write that names the versions the user's screen read
(``expected``) is refused with :class:`cxdesk.errors.TriageConflictError`, writing nothing, when
another write came first: each flag is updated ``WHERE id = ? AND version = ?`` and a flag it
does not update was changed (or deleted) meanwhile. That check and the write are one statement,
so it holds against other processes on both engines: SQLite's writers take turns (``BEGIN
IMMEDIATE``), and PostgreSQL re-reads a row another transaction updated before applying the WHERE
(READ COMMITTED). Flags are written in id order, so two such writes never deadlock on PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cxdesk.errors import TriageConflictError
from cxdesk.store._days import edge_day_text
from cxdesk.store.catalog import is_postgres
from cxdesk.times import stored_datetime

LEVELS = ("高", "中", "低")
STATUSES = ("待处理", "处理中", "已处理", "误报")
OPEN_STATUSES = ("待处理", "处理中")
TARGET_LABELS = {"message": "聊天消息", "session": "会话", "review": "评价"}
# An order number someone typed into the chat: a long run of digits.
_ORDER_NO = re.compile(r"\d{10,25}")


# The level the queue shows, filters and sorts by: the level of the risk score of the flag's session
# (or review), derived from the score (rules/risk_score.json ``levels``), so that a 高 never has a
# lower score than a 中 beside it. A score below the lowest level (flags triaged as 误报) shows as 低;
# a flag whose target has no score yet shows its rule's level. The rule's own level stays in
# ``level`` (the conversation and review views mark each flag with it).
def queue_level_sql(flag: str = "f", score: str = "rs") -> str:
    """The SQL of that level, for a query naming the flag ``flag`` and its target's risk score ``score``
    (总览's risk counts use it too: :mod:`cxdesk.store.dashboard`)."""
    return (
        f"CASE WHEN {score}.score IS NULL THEN {flag}.level WHEN {score}.level IN ('高', '中', '低') "
        f"THEN {score}.level ELSE '低' END"
    )


_QUEUE_LEVEL = queue_level_sql()

# One row per flag with its context; the queue filters and sorts on its columns.
_BASE = f"""
SELECT f.id AS id, f.target_type AS target_type, f.target_id AS target_id, f.rule_id AS rule_id,
       f.category AS category, f.level AS level, f.status AS status, f.note AS note,
       f.handler AS handler, f.handled_at AS handled_at, f.evidence AS evidence,
       COALESCE(m.sent_at, r.created_at, s.started_at) AS event_at,
       sh.id AS shop_id, sh.name AS shop, sh.platform AS platform,
       s.id AS session_id, COALESCE(s.buyer_nick, r.buyer_nick) AS buyer,
       CASE WHEN m.role = 'agent' THEN m.sender ELSE s.agent END AS agent,
       m.seq AS seq, m.role AS role,
       CASE f.target_type WHEN 'message' THEN m.content WHEN 'review' THEN r.content ELSE NULL END AS text,
       rs.score AS score, rs.level AS score_level, rs.reasons AS score_reasons,
       {_QUEUE_LEVEL} AS queue_level,
       CASE f.level WHEN '高' THEN 0 WHEN '中' THEN 1 ELSE 2 END AS level_rank,
       CASE {_QUEUE_LEVEL} WHEN '高' THEN 0 WHEN '中' THEN 1 ELSE 2 END AS queue_rank,
       f.version AS version
FROM risk_flags f
LEFT JOIN chat_messages m ON f.target_type = 'message' AND m.id = f.target_id
LEFT JOIN reviews r ON f.target_type = 'review' AND r.id = f.target_id
LEFT JOIN chat_sessions s
       ON s.id = CASE f.target_type WHEN 'message' THEN m.session_id WHEN 'session' THEN f.target_id END
LEFT JOIN shops sh ON sh.id = COALESCE(m.shop_id, r.shop_id, s.shop_id)
LEFT JOIN risk_scores rs
       ON rs.target_type = CASE f.target_type WHEN 'review' THEN 'review' ELSE 'session' END
      AND rs.target_id = COALESCE(s.id, r.id)
"""

SORTS = {
    "level_time": "queue_rank, event_at DESC, id DESC",
    "time": "event_at DESC, queue_rank, id DESC",
    "score": "COALESCE(score, -1) DESC, queue_rank, event_at DESC, id DESC",
}
# The morning queue lists one item per session or review (a message's flags belong to its
# session): the filter picks flags, the flags are grouped by item, and each item is shown by its
# strongest flag (rule level, then newest) with the ids and categories of all its picked flags.
# Items sort like flags, by their newest flag's time. An item's ids and categories are listed in
# that ranking too, strongest flag first (without an ORDER BY in their window the order was SQLite's
# choice and changed with the filter).
_ITEM_KEY = "CASE WHEN target_type = 'review' THEN 'r' || target_id ELSE 's' || session_id END"
_ITEMS = f"""
SELECT * FROM (
  SELECT q.*, ROW_NUMBER() OVER ranked AS item_rank,
         COUNT(*) OVER ranked AS item_flags,
         json_group_array(id) OVER ranked AS item_ids,
         json_group_array(category) OVER ranked AS item_categories,
         MAX(event_at) OVER ranked AS item_at,
         json_group_array(version) OVER ranked AS item_versions
  FROM (SELECT *, {_ITEM_KEY} AS item FROM {{source}}{{where}}) q
  WINDOW ranked AS (PARTITION BY item ORDER BY level_rank, event_at DESC, id DESC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) WHERE item_rank = 1
"""
# The page's items first, from the columns the ranking and the order need (sorting the wide rows
# through four window functions was most of a page's time); ``_ITEMS`` then reads only their flags.
_PAGE_ITEMS = f"""
SELECT item, item_ids FROM (
  SELECT id, queue_rank, score, item,
         ROW_NUMBER() OVER ranked AS item_rank,
         json_group_array(id) OVER ranked AS item_ids,
         MAX(event_at) OVER ranked AS item_at
  FROM (SELECT id, queue_rank, score, level_rank, event_at, {_ITEM_KEY} AS item FROM {{source}}{{where}})
  WINDOW ranked AS (PARTITION BY item ORDER BY level_rank, event_at DESC, id DESC
                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) WHERE item_rank = 1
"""
SNAPSHOT_TABLE = "temp.risk_queue_snapshot"
ITEM_SORTS = {
    "level_time": "queue_rank, item_at DESC, id DESC",
    "time": "item_at DESC, queue_rank, id DESC",
    "score": "COALESCE(score, -1) DESC, queue_rank, item_at DESC, id DESC",
}
SORT_LABELS = {"level_time": "按等级、时间", "time": "按时间（新→旧）", "score": "按风险分"}


@dataclass(frozen=True)
class FlagFilter:
    """What the queue shows; empty tuples and ``None`` mean "any"."""

    levels: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = OPEN_STATUSES
    agent: str | None = None
    shop_id: int | None = None
    date_from: str | None = None  # YYYY-MM-DD, inclusive
    date_to: str | None = None  # YYYY-MM-DD, inclusive
    target_types: tuple[str, ...] = ()

    def changed(self, **changes: Any) -> FlagFilter:
        return replace(self, **changes)

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause over the queue's columns and its parameters."""
        parts: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("queue_level", self.levels),
            ("category", self.categories),
            ("status", self.statuses),
            ("target_type", self.target_types),
        ):
            if values:
                parts.append(f"{column} IN (SELECT value FROM json_each(?))")
                params.append(json.dumps(list(values), ensure_ascii=False))
        if self.agent is not None:
            parts.append("agent = ?")
            params.append(self.agent)
        if self.shop_id is not None:
            parts.append("shop_id = ?")
            params.append(self.shop_id)
        if self.date_from:
            parts.append("event_at >= ?")
            params.append(self.date_from)
        if self.date_to:
            parts.append("event_at < date(?, '+1 day')")
            params.append(self.date_to)
        return (" WHERE " + " AND ".join(parts)) if parts else "", params


@dataclass(frozen=True)
class FlagRow:
    """One flag as the queue lists it."""

    id: int
    target_type: str
    target_id: int
    rule_id: str
    category: str
    level: str
    status: str
    note: str | None
    handler: str | None
    handled_at: str | None
    evidence: Any
    event_at: str | None
    shop_id: int | None
    shop: str | None
    platform: str | None
    session_id: int | None
    buyer: str | None
    agent: str | None
    seq: int | None
    role: str | None
    text: str | None
    score: int | None
    score_level: str | None
    score_reasons: str | None
    #: the level the queue shows: its session's (review's) score level, else the rule's (``_QUEUE_LEVEL``)
    queue_level: str | None = None
    #: as a queue item (:meth:`RiskQueueRepo.item_page`): every picked flag of its session or review
    item_flag_ids: tuple[int, ...] = ()
    item_categories: tuple[str, ...] = ()  # distinct, strongest flag's first
    item_at: str | None = None  # the newest flag's time
    #: how many triage writes the flag has had when this row was read (``risk_flags.version``)
    version: int = 0
    item_versions: tuple[int, ...] = ()  # as a queue item: the version of each of ``item_flag_ids``

    @property
    def flag_ids(self) -> tuple[int, ...]:
        """The flags a triage of this row marks: all of its item's, or just itself."""
        return self.item_flag_ids or (self.id,)

    @property
    def versions(self) -> dict[int, int]:
        """The version of each of :attr:`flag_ids` as read: what a triage of this row expects."""
        if self.item_flag_ids and len(self.item_versions) == len(self.item_flag_ids):
            return dict(zip(self.item_flag_ids, self.item_versions))
        return {self.id: self.version}

    @property
    def shown_level(self) -> str:
        return self.queue_level or self.level

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Character spans of a message or review flag (empty for session flags)."""
        if isinstance(self.evidence, list):
            return [(int(e["start"]), int(e["end"])) for e in self.evidence if "start" in e and "end" in e]
        return []


def _row(r: sqlite3.Row | tuple) -> FlagRow:
    row = list(r)
    values = row[:25]
    try:
        values[10] = json.loads(values[10]) if values[10] else None
    except json.JSONDecodeError:
        values[10] = None
    return FlagRow(*values, version=int(row[27] or 0))  # 25, 26: level_rank, queue_rank


def _item(r: sqlite3.Row | tuple) -> FlagRow:
    """A queue item: its strongest flag, with the ids and categories of all its picked flags."""
    values = list(r)
    row = _row(values)
    # columns after _BASE's 28: item, item_rank, item_flags, item_ids, item_categories, item_at, item_versions
    ids, categories, at, versions = values[31], values[32], values[33], values[34]
    cats = tuple(dict.fromkeys([row.category, *json.loads(categories or "[]")]))
    return replace(
        row,
        item_flag_ids=tuple(int(i) for i in json.loads(ids or "[]")),
        item_categories=cats,
        item_at=at,
        item_versions=tuple(int(v) for v in json.loads(versions or "[]")),
    )


@dataclass(frozen=True)
class QueueOptions:
    """The values the filter bar offers (from the flags that exist)."""

    total: int
    shops: list[tuple[int, str, str]]  # (id, name, platform)
    categories: list[str]
    agents: list[str]
    first_day: str | None
    last_day: str | None
    has_scores: bool


@dataclass(frozen=True)
class Message:
    id: int
    seq: int
    role: str
    sender: str | None
    sent_at: str | None
    content: str
    score: float | None
    label: str | None


@dataclass(frozen=True)
class SessionInfo:
    id: int
    shop: str
    platform: str
    buyer: str
    agent: str | None
    started_at: str | None
    ended_at: str | None


@dataclass(frozen=True)
class Conversation:
    """A whole session and every flag raised in it (on its messages or on itself)."""

    session: SessionInfo
    messages: list[Message]
    flags: list[FlagRow]


@dataclass(frozen=True)
class ReviewText:
    id: int
    shop: str
    platform: str
    buyer: str | None
    product: str | None
    sku: str | None
    rating: int | None
    rating_text: str | None
    created_at: str | None
    content: str
    append_content: str | None
    append_at: str | None
    seller_reply: str | None
    order_id: str | None
    flags: list[FlagRow] = field(default_factory=list)

    @property
    def scanned_text(self) -> str:
        """The text the risk rules read: evidence offsets index into it."""
        return self.content + ("" if self.append_content is None else "\n" + self.append_content)


@dataclass(frozen=True)
class Order:
    order_id: str
    created_at: str | None
    paid_at: str | None
    amount: float | None
    status: str | None
    refund_status: str | None


@dataclass(frozen=True)
class OrderLink:
    """Orders shown with a flag and how they were found (``how`` explains it to the user)."""

    kind: str  # 'order_id' | 'mentioned' | 'buyer_window' | 'none'
    how: str
    orders: list[Order]


@dataclass(frozen=True)
class RuleStat:
    rule_id: str
    category: str
    level: str
    hits: int
    handled: int
    false_alarms: int
    open: int

    @property
    def false_share(self) -> float | None:
        """误报 among the flags someone judged (已处理 + 误报); None before any judgement."""
        judged = self.handled + self.false_alarms
        return self.false_alarms / judged if judged else None


NOTE_SHOWN = 30  # characters of the other person's note a conflict message quotes


def conflict_message(rows: Sequence[Sequence[Any]], stale: int, now: datetime | None = None) -> str:
    """What a refused triage tells the user: who changed the flag, when, to what; ``rows`` are (id,
    status, note, changed_by, changed_at) of the changed flags still there, the latest change first;
    ``stale``: how many flags had changed or gone."""
    if not rows:
        return "这条风险已不在数据库中（可能已撤销导入、删除了买家数据或重新分析），你的修改没有保存。"
    _id, status, note, who, at = rows[0][:5]
    when = ""
    changed = stored_datetime(at) if at else None
    if changed is not None:
        today = (now or datetime.now()).date()
        when = changed.strftime("%H:%M" if changed.date() == today else "%m-%d %H:%M")
    by = f"已被 {who} " if who else "已被同事"
    by += f"在 {when} " if when else ""
    text = " ".join((note or "").split())
    if len(text) > NOTE_SHOWN:
        text = text[:NOTE_SHOWN] + "…"
    quoted = f"（备注：{text}）" if text else ""
    more = f"同一行共 {stale} 条风险已被改过，" if stale > 1 else ""
    return f"这条风险{by}改为“{status}”{quoted}，{more}你的修改没有保存。"


class RiskQueueRepo:
    """Queries and triage writes behind the 风险 page."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # What the queue's reads select from: the joined view, or a snapshot of it (:meth:`snapshot`).
        self._source = f"({_BASE})"

    @contextmanager
    def snapshot(self) -> Iterator[RiskQueueRepo]:
        """A repository whose queue reads (options, counts, pages) select from one copy of the joined
        view, made once in a TEMP table of this connection and dropped on exit: a load that reads the
        options, the counts and a page joins each flag to its message, session, review, shop and score
        once instead of once per query (~0.1 s each on 27k flags). Same rows, same results; the copy
        does not follow writes made while it is open (a background load on a read-only connection).
        On a team store (PostgreSQL) the reads stay on the view: a read-only session may not create
        even a TEMP table, and the server plans the joins per query well enough."""
        if is_postgres(self._conn):
            yield self
            return
        self._conn.execute(f"DROP TABLE IF EXISTS {SNAPSHOT_TABLE}")
        self._conn.execute(f"CREATE TABLE {SNAPSHOT_TABLE} AS SELECT * FROM ({_BASE})")
        try:
            snap = copy.copy(self)  # this repository, reading the copy
            snap._source = SNAPSHOT_TABLE
            yield snap
        finally:
            self._conn.execute(f"DROP TABLE IF EXISTS {SNAPSHOT_TABLE}")

    # --- the queue -----------------------------------------------------------------

    def has_flags(self) -> bool:
        return self._conn.execute("SELECT EXISTS (SELECT 1 FROM risk_flags)").fetchone()[0] == 1

    def count(self, flt: FlagFilter) -> int:
        where, params = flt.where()
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {self._source}{where}", params).fetchone()[0])

    def page(self, flt: FlagFilter, offset: int = 0, limit: int = 200, sort: str = "level_time") -> list[FlagRow]:
        where, params = flt.where()
        order = SORTS[sort]  # KeyError on an unknown sort: never splice caller text
        rows = self._conn.execute(
            f"SELECT * FROM {self._source}{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        )
        return [_row(r) for r in rows]

    def item_count(self, flt: FlagFilter) -> int:
        """Sessions and reviews with at least one flag the filter picks (the queue's rows)."""
        where, params = flt.where()
        return int(
            self._conn.execute(f"SELECT COUNT(DISTINCT {_ITEM_KEY}) FROM {self._source}{where}", params).fetchone()[0]
        )

    def item_page(self, flt: FlagFilter, offset: int = 0, limit: int = 200, sort: str = "level_time") -> list[FlagRow]:
        """One row per session or review (see ``_ITEMS``), in the queue's order.

        Two reads: the page's items and their flag ids from the narrow columns (``_PAGE_ITEMS``, the
        same ranking and order), then ``_ITEMS`` over only those flags (an item's window is all of its
        picked flags either way, so its row is the same)."""
        where, params = flt.where()
        order = ITEM_SORTS[sort]  # KeyError on an unknown sort: never splice caller text
        picked = self._conn.execute(
            f"{_PAGE_ITEMS.format(source=self._source, where=where)} ORDER BY {order} LIMIT ? OFFSET ?",
            [*params, int(limit), int(offset)],
        ).fetchall()
        if not picked:
            return []
        ids = json.dumps([i for _item_key, item_ids in picked for i in json.loads(item_ids)])
        only = f"{where} AND" if where else " WHERE"
        rows = self._conn.execute(
            f"{_ITEMS.format(source=self._source, where=f'{only} id IN (SELECT value FROM json_each(?))')} "
            f"ORDER BY {order}",
            [*params, ids],
        )
        return [_item(r) for r in rows]

    def ids(self, flt: FlagFilter) -> list[int]:
        where, params = flt.where()
        return [r[0] for r in self._conn.execute(f"SELECT id FROM {self._source}{where}", params)]

    def flag(self, flag_id: int) -> FlagRow | None:
        r = self._conn.execute(f"SELECT * FROM ({_BASE}) WHERE id = ?", (flag_id,)).fetchone()
        return _row(r) if r else None

    def options(self) -> QueueOptions:
        q = self._conn.execute
        total = q("SELECT COUNT(*) FROM risk_flags").fetchone()[0]
        shops = [
            tuple(r)
            for r in q(
                f"SELECT id, name, platform FROM shops WHERE id IN (SELECT DISTINCT shop_id FROM {self._source}) "
                "ORDER BY id"
            )
        ]
        categories = [r[0] for r in q("SELECT DISTINCT category FROM risk_flags ORDER BY category")]
        agents = [r[0] for r in q(f"SELECT DISTINCT agent FROM {self._source} WHERE agent IS NOT NULL ORDER BY agent")]
        first, last = (edge_day_text(self._conn, ((self._source, "event_at"),), newest=n) for n in (False, True))
        has_scores = q("SELECT EXISTS (SELECT 1 FROM risk_scores)").fetchone()[0] == 1
        return QueueOptions(
            int(total),
            shops,
            categories,
            agents,  # type: ignore[arg-type]
            first,
            last,
            bool(has_scores),
        )

    # --- counts --------------------------------------------------------------------

    def category_counts(self, flt: FlagFilter) -> list[tuple[str, str, int]]:
        """(category, queue level, flags) for the filter, most flags first."""
        where, params = flt.where()
        return [
            tuple(r)
            for r in self._conn.execute(
                f"SELECT category, queue_level, COUNT(*) FROM {self._source}{where} GROUP BY category, queue_level "
                "ORDER BY SUM(COUNT(*)) OVER (PARTITION BY category) DESC, category, MIN(queue_rank)",
                params,
            )
        ]  # type: ignore[misc]

    def daily_counts(self, flt: FlagFilter) -> list[tuple[str, str, int]]:
        """(day, queue level, flags) for the filter, by day (flags without a time are left out)."""
        where, params = flt.where()
        return [
            tuple(r)
            for r in self._conn.execute(
                f"SELECT substr(event_at, 1, 10) AS day, queue_level, COUNT(*) FROM {self._source}{where} "
                "GROUP BY day, queue_level HAVING substr(event_at, 1, 10) IS NOT NULL ORDER BY day, MIN(queue_rank)",
                params,
            )
        ]  # type: ignore[misc]

    def rule_stats(self, known: Sequence[tuple[str, str, str]] = ()) -> list[RuleStat]:
        """Hits and triage outcome per rule; ``known`` (id, category, level) rules appear even with no hits."""
        stats: dict[str, RuleStat] = {rid: RuleStat(rid, cat, lvl, 0, 0, 0, 0) for rid, cat, lvl in known}
        for rid, cat, levels, hits, handled, false, open_ in self._conn.execute(
            "SELECT rule_id, MAX(category), group_concat(DISTINCT level), COUNT(*), "
            "SUM(status = '已处理'), SUM(status = '误报'), SUM(status = '待处理' OR status = '处理中') "
            "FROM risk_flags GROUP BY rule_id"
        ):
            base = stats.get(rid)
            level = base.level if base else "/".join(lv for lv in LEVELS if lv in (levels or "").split(","))
            stats[rid] = RuleStat(rid, base.category if base else cat, level, hits, handled, false, open_)
        return sorted(stats.values(), key=lambda s: (-s.hits, s.rule_id))

    # --- triage --------------------------------------------------------------------

    def set_status(
        self,
        flag_ids: Sequence[int],
        status: str,
        *,
        handler: str | None = None,
        note: str | None = None,
        expected: Mapping[int, int] | None = None,
    ) -> int:
        """Set the status of many flags at once; note/handler kept when None. ``expected``: the
        version of every flag as the user's screen read it (``None``: write whatever they are now);
        raises :class:`TriageConflictError` and writes nothing when one of them has changed."""
        if status not in STATUSES:
            raise ValueError(f"未知的处理状态：{status}")
        changes = (
            "status = ?, handler = COALESCE(?, handler), note = COALESCE(?, note), "
            "handled_at = CASE WHEN ? = '待处理' THEN NULL ELSE datetime('now', 'localtime') END"
        )
        return self._triage(flag_ids, changes, (status, handler or None, note or None, status), handler, expected)

    def set_status_matching(self, flt: FlagFilter, status: str, *, handler: str | None = None) -> int:
        """Set the status of every flag the filter matches (the caller groups it in ``store.transaction()``)."""
        return self.set_status(self.ids(flt), status, handler=handler)

    def set_note(self, flag_id: int, note: str, handler: str | None = None) -> None:
        """Replace a flag's note (an empty note clears it); the status is unchanged."""
        self.set_notes([flag_id], note, handler)

    def set_notes(
        self,
        flag_ids: Sequence[int],
        note: str,
        handler: str | None = None,
        *,
        expected: Mapping[int, int] | None = None,
    ) -> int:
        """Give every flag the same note (an empty note clears it); the status is unchanged.
        ``expected`` as for :meth:`set_status`."""
        changes = "note = ?, handler = COALESCE(?, handler)"
        return self._triage(flag_ids, changes, (note.strip() or None, handler or None), handler, expected)

    def versions(self, flag_ids: Sequence[int]) -> dict[int, int]:
        """The current version of each flag that exists (what a triage made of them)."""
        return {
            int(i): int(v)
            for i, v in self._conn.execute(
                "SELECT id, version FROM risk_flags WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([int(i) for i in flag_ids]),),
            )
        }

    def _triage(
        self,
        flag_ids: Sequence[int],
        changes: str,
        params: tuple,
        who: str | None,
        expected: Mapping[int, int] | None,
    ) -> int:
        """``UPDATE risk_flags SET <changes>`` for ``flag_ids``, one more version, who and when.

        Without ``expected`` one statement writes them all. With it each flag is written only at
        the version the caller read, in id order, inside a savepoint of the caller's transaction:
        the first flag it cannot write undoes the others and raises :class:`TriageConflictError`."""
        ids = sorted({int(i) for i in flag_ids})
        stamp = f"{changes}, version = version + 1, changed_by = ?, changed_at = datetime('now', 'localtime')"
        params = (*params, who or self._login())
        if expected is None:
            return self._conn.execute(
                f"UPDATE risk_flags SET {stamp} WHERE id IN (SELECT value FROM json_each(?))",
                (*params, json.dumps(ids)),
            ).rowcount
        unknown = [i for i in ids if i not in expected]
        if unknown:
            raise ValueError(f"expected has no version for flags {unknown}")
        if not self._conn.in_transaction:
            raise RuntimeError("a checked triage write runs inside store.transaction()")
        self._conn.execute("SAVEPOINT triage_check")
        try:
            for n, flag_id in enumerate(ids):
                sql = f"UPDATE risk_flags SET {stamp} WHERE id = ? AND version = ?"
                if self._conn.execute(sql, (*params, flag_id, int(expected[flag_id]))).rowcount != 1:
                    rest = ids[n:]
                    now = self.versions(rest)
                    raise self._conflict([i for i in rest if now.get(i) != int(expected[i])] or [flag_id])
        except BaseException:
            if self._conn.in_transaction:  # (an engine error may have ended it)
                self._conn.execute("ROLLBACK TO triage_check")
                self._conn.execute("RELEASE triage_check")
            raise
        self._conn.execute("RELEASE triage_check")
        return len(ids)

    def _login(self) -> str | None:
        """Who writes when no name is given: the login role on a team store (each person has their
        own), nobody on the SQLite file of one PC."""
        if not is_postgres(self._conn):
            return None
        return str(self._conn.execute("SELECT current_user").fetchone()[0])

    def _conflict(self, stale: list[int]) -> TriageConflictError:
        """The refusal of a triage whose flags ``stale`` changed (or went) since they were read."""
        rows = self._conn.execute(
            "SELECT id, status, note, changed_by, changed_at FROM risk_flags "
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY changed_at DESC, id",
            (json.dumps(stale),),
        ).fetchall()
        return TriageConflictError(conflict_message(rows, len(stale)), tuple(stale))

    # --- detail --------------------------------------------------------------------

    def conversation(self, session_id: int) -> Conversation | None:
        s = self._conn.execute(
            "SELECT s.id, sh.name, sh.platform, s.buyer_nick, s.agent, s.started_at, s.ended_at "
            "FROM chat_sessions s JOIN shops sh ON sh.id = s.shop_id WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        if s is None:
            return None
        messages = [
            Message(*r)
            for r in self._conn.execute(
                "SELECT m.id, m.seq, m.role, m.sender, m.sent_at, m.content, st.score, st.label FROM chat_messages m "
                "LEFT JOIN sentiment st ON st.target_type = 'message' AND st.target_id = m.id AND st.no_content = 0 "
                "WHERE m.session_id = ? ORDER BY m.seq, m.id",
                (session_id,),
            )
        ]
        # Find the flag ids through the (target_type, target_id) index first: filtering the
        # joined view on session_id would read every flag.
        ids = [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM risk_flags WHERE target_type = 'session' AND target_id = ? UNION ALL "
                "SELECT f.id FROM chat_messages m JOIN risk_flags f ON f.target_type = 'message' AND f.target_id = m.id "
                "WHERE m.session_id = ?",
                (session_id, session_id),
            )
        ]
        flags = [
            _row(r)
            for r in self._conn.execute(
                f"SELECT * FROM ({_BASE}) WHERE id IN (SELECT value FROM json_each(?)) ORDER BY level_rank, seq, id",
                (json.dumps(ids),),
            )
        ]
        return Conversation(SessionInfo(*s), messages, flags)

    def review(self, review_id: int) -> ReviewText | None:
        r = self._conn.execute(
            "SELECT r.id, sh.name, sh.platform, r.buyer_nick, r.product_title, r.sku, r.rating, r.rating_text, "
            "r.created_at, r.content, r.append_content, r.append_at, r.seller_reply, r.order_id "
            "FROM reviews r JOIN shops sh ON sh.id = r.shop_id WHERE r.id = ?",
            (review_id,),
        ).fetchone()
        if r is None:
            return None
        flags = [
            _row(x)
            for x in self._conn.execute(
                f"SELECT * FROM ({_BASE}) WHERE target_type = 'review' AND target_id = ? ORDER BY level_rank, id",
                (review_id,),
            )
        ]
        return ReviewText(*r, flags=flags)

    def linked_orders(self, row: FlagRow, *, days_before: int = 7, days_after: int = 3) -> OrderLink:
        """The flag's order: by order number when one is known, else the buyer's orders near the time.

        Reviews carry an order number in most exports; chats only when someone
        typed it. Without a number the match is by buyer nick and shop within
        ``days_before``/``days_after`` of the event, which is a guess the UI says.
        """
        if row.shop_id is None:
            return OrderLink("none", "没有可关联的订单。", [])
        if row.target_type == "review":
            order_id = self._conn.execute("SELECT order_id FROM reviews WHERE id = ?", (row.target_id,)).fetchone()
            if order_id and order_id[0]:
                orders = self._orders("o.order_id = ?", [row.shop_id, order_id[0]])
                if orders:
                    return OrderLink("order_id", "按评价中的订单号关联。", orders)
        if row.session_id is not None:
            numbers: set[str] = set()
            for (content,) in self._conn.execute(
                "SELECT content FROM chat_messages WHERE session_id = ?", (row.session_id,)
            ):
                numbers.update(_ORDER_NO.findall(content or ""))
            if numbers:
                orders = self._orders(
                    "o.order_id IN (SELECT value FROM json_each(?))", [row.shop_id, json.dumps(sorted(numbers))]
                )
                if orders:
                    return OrderLink("mentioned", "按会话中提到的订单号关联。", orders)
        if not row.buyer or not row.event_at:
            return OrderLink("none", "没有订单号，也没有买家昵称和时间可用于匹配订单。", [])
        at = stored_datetime(row.event_at)
        if at is None:
            return OrderLink("none", "时间无法识别（不是有效日期或不在合理范围内），未匹配订单。", [])
        lo = (at - timedelta(days=days_before)).strftime("%Y-%m-%d %H:%M:%S")
        hi = (at + timedelta(days=days_after)).strftime("%Y-%m-%d %H:%M:%S")
        orders = self._orders("o.buyer_nick = ? AND o.created_at BETWEEN ? AND ?", [row.shop_id, row.buyer, lo, hi])
        how = (
            f"没有订单号：按买家昵称和店铺推测，列出前 {days_before} 天至后 {days_after} 天内的订单"
            "（昵称可能重名，仅供参考）。"
        )
        if not orders:
            how = f"没有订单号，该买家在前 {days_before} 天至后 {days_after} 天内也没有订单。"
        return OrderLink("buyer_window" if orders else "none", how, orders)

    def _orders(self, condition: str, params: list[Any]) -> list[Order]:
        return [
            Order(*r)
            for r in self._conn.execute(
                "SELECT o.order_id, o.created_at, o.paid_at, o.amount, o.status, o.refund_status FROM orders o "
                f"WHERE o.shop_id = ? AND {condition} ORDER BY o.created_at DESC LIMIT 20",
                params,
            )
        ]
