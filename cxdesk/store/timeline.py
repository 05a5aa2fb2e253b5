"""One buyer's history: chat sessions, orders, reviews, 追评 and risk flags on one timeline.

A buyer is a nick within a shop (the same nick on two platforms is two
people); without a shop the timeline spans every shop that saw the nick.
Seller back-ends mask nicks (``o***3``). A masked nick is matched exactly
(the same mask in chats, reviews and orders of one export is one buyer), and
also against *unmasked* nicks with the same visible head and tail, which are
marked ``exact=False`` ("可能是同一买家") because a mask can hide several people.

"Who served this buyer before the review" is
:meth:`TimelineRepo.sessions_before_review`: the buyer's sessions in the
review's shop that started before it, within :data:`BEFORE_REVIEW_DAYS`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

BEFORE_REVIEW_DAYS = 30
_MASK = re.compile(r"\*{2,}")
KIND_LABELS = {"session": "咨询会话", "order": "订单", "review": "评价", "followup": "追评", "flag": "风险标记"}


@dataclass(frozen=True)
class TimelineItem:
    """One event of the buyer's history; ``kind`` is a key of :data:`KIND_LABELS`."""

    kind: str
    at: str | None
    shop_id: int
    shop: str
    title: str
    detail: str
    buyer_nick: str
    exact: bool = True
    session_id: int | None = None
    message_id: int | None = None
    review_id: int | None = None
    order_id: str | None = None
    flag_id: int | None = None
    level: str | None = None  # flags: 高/中/低; sessions and reviews: risk level if scored
    category: str | None = None
    status: str | None = None
    rating: int | None = None
    agent: str | None = None


@dataclass
class CustomerTimeline:
    buyer_nick: str
    shop_id: int | None
    items: list[TimelineItem] = field(default_factory=list)  # newest first

    @property
    def masked(self) -> bool:
        return bool(_MASK.search(self.buyer_nick))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(KIND_LABELS, 0)
        for item in self.items:
            out[item.kind] += 1
        return out

    def shops(self) -> list[str]:
        return sorted({i.shop for i in self.items})


def mask_glob(nick: str) -> str | None:
    """A GLOB pattern for unmasked nicks a masked one could stand for (``o***3`` → ``o*3``), else None."""
    m = _MASK.search(nick)
    if not m:
        return None
    head, tail = nick[: m.start()], nick[m.end() :]
    if not head and not tail:
        return None
    esc = lambda s: re.sub(r"([*?\[\]])", r"[\1]", s)  # noqa: E731 - GLOB escaping
    return f"{esc(head)}*{esc(tail)}"


class TimelineRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- who ------------------------------------------------------------------------------

    def buyer_of(self, target_type: str, target_id: int) -> tuple[str, int] | None:
        """(buyer nick, shop id) of a review, session, message, order row or risk flag."""
        if target_type == "flag":
            row = self._conn.execute(
                "SELECT target_type, target_id FROM risk_flags WHERE id=?", (target_id,)
            ).fetchone()
            return self.buyer_of(row[0], row[1]) if row else None
        sql = {
            "review": "SELECT buyer_nick, shop_id FROM reviews WHERE id=?",
            "session": "SELECT buyer_nick, shop_id FROM chat_sessions WHERE id=?",
            "message": "SELECT s.buyer_nick, s.shop_id FROM chat_messages m JOIN chat_sessions s "
            "ON s.id = m.session_id WHERE m.id=?",
            "order": "SELECT buyer_nick, shop_id FROM orders WHERE id=?",
        }[target_type]
        row = self._conn.execute(sql, (target_id,)).fetchone()
        return (str(row[0]), int(row[1])) if row and row[0] else None

    def richest_negative_review(self) -> int | None:
        """A 1–2 star review whose buyer talked to the shop most before it (a demo and screenshot pick)."""
        row = self._conn.execute(
            "SELECT r.id FROM reviews r JOIN chat_sessions s ON s.buyer_nick = r.buyer_nick "
            "AND s.shop_id = r.shop_id AND s.started_at < r.created_at "
            "AND s.started_at >= datetime(r.created_at, ?) "
            "WHERE r.rating <= 2 GROUP BY r.id ORDER BY COUNT(*) DESC, r.id LIMIT 1",
            (f"-{BEFORE_REVIEW_DAYS} days",),
        ).fetchone()
        return int(row[0]) if row else None

    def review_of(self, target_type: str, target_id: int) -> int | None:
        """The review a review or a review's risk flag is about (``None`` for anything else)."""
        if target_type == "review":
            return int(target_id)
        if target_type == "flag":
            row = self._conn.execute(
                "SELECT target_type, target_id FROM risk_flags WHERE id=?", (target_id,)
            ).fetchone()
            return int(row[1]) if row and row[0] == "review" else None
        return None

    def _nick_clause(self, column: str, nick: str, shop_id: int | None) -> tuple[str, list[Any]]:
        clause, params = f"({column} = ?", [nick]
        pattern = mask_glob(nick)
        if pattern:
            clause += f" OR ({column} GLOB ? AND {column} NOT GLOB '*[*][*]*')"
            params.append(pattern)
        clause += ")"
        if shop_id is not None:
            clause += f" AND {column.split('.')[0]}.shop_id = ?" if "." in column else " AND shop_id = ?"
            params.append(shop_id)
        return clause, params

    # --- what -------------------------------------------------------------------------------

    def buyer_timeline(self, nick: str, shop_id: int | None = None) -> CustomerTimeline:
        """Everything this buyer did in this shop (or every shop), newest first."""
        timeline = CustomerTimeline(nick, shop_id)
        shops = dict(self._conn.execute("SELECT id, name FROM shops"))
        sessions = self._sessions(nick, shop_id, shops)
        reviews = self._reviews(nick, shop_id, shops)
        items = sessions + self._orders(nick, shop_id, shops) + reviews
        items += self._flags(
            [i.session_id for i in sessions if i.session_id is not None],
            [i.review_id for i in reviews if i.kind == "review"],
            shops,
            nick,
        )
        items.sort(key=lambda i: (i.at or "", _KIND_ORDER[i.kind]), reverse=True)
        timeline.items = items
        return timeline

    def sessions_before_review(self, review_id: int, days: int = BEFORE_REVIEW_DAYS) -> list[TimelineItem]:
        """The review's buyer's sessions in its shop that started before it (within ``days``), newest first."""
        row = self._conn.execute(
            "SELECT buyer_nick, shop_id, created_at FROM reviews WHERE id=?", (review_id,)
        ).fetchone()
        if not row or not row[0] or not row[2]:
            return []
        nick, shop_id, created = row
        shops = dict(self._conn.execute("SELECT id, name FROM shops"))
        return [s for s in self._sessions(nick, shop_id, shops, before=created, days=days)]

    def _sessions(
        self,
        nick: str,
        shop_id: int | None,
        shops: dict[int, str],
        *,
        before: str | None = None,
        days: int = BEFORE_REVIEW_DAYS,
    ) -> list[TimelineItem]:
        where, params = self._nick_clause("s.buyer_nick", nick, shop_id)
        if before is not None:
            where += " AND s.started_at < ? AND s.started_at >= datetime(?, ?)"
            params += [before, before, f"-{int(days)} days"]
        rows = self._conn.execute(
            "SELECT s.id, s.shop_id, s.buyer_nick, s.started_at, s.ended_at, s.agent, s.message_count, "
            "rs.level, rs.score, rs.reasons, "
            "(SELECT content FROM chat_messages m WHERE m.session_id = s.id AND m.role = 'buyer' "
            " AND m.content <> '' ORDER BY m.seq LIMIT 1) "
            f"FROM chat_sessions s LEFT JOIN risk_scores rs ON rs.target_type = 'session' AND rs.target_id = s.id "
            f"WHERE {where} ORDER BY s.started_at DESC",
            params,
        ).fetchall()
        items = []
        for sid, shop, buyer, started, _ended, agent, n, level, score, reasons, first in rows:
            title = f"咨询会话 · {n} 条消息 · 客服 {agent or '未回复'}"
            if level and level != "无":
                title += f" · 风险{level}（{score}）"
            detail = f"买家：{first}" if first else ""
            if reasons:
                detail += ("\n" if detail else "") + reasons
            items.append(
                TimelineItem(
                    "session",
                    started,
                    shop,
                    shops.get(shop, ""),
                    title,
                    detail,
                    buyer,
                    buyer == nick,
                    session_id=sid,
                    level=None if level == "无" else level,
                    agent=agent,
                )
            )
        return items

    def _orders(self, nick: str, shop_id: int | None, shops: dict[int, str]) -> list[TimelineItem]:
        where, params = self._nick_clause("buyer_nick", nick, shop_id)
        rows = self._conn.execute(
            "SELECT id, shop_id, buyer_nick, order_id, created_at, paid_at, amount, status, refund_status "
            f"FROM orders WHERE {where}",
            params,
        ).fetchall()
        items = []
        for _rid, shop, buyer, order_id, created, paid, amount, status, refund in rows:
            money = f"¥{amount:,.2f}" if amount is not None else "金额未知"
            bits = [b for b in (status, f"退款：{refund}" if refund else None) if b]
            title = f"订单 {order_id} · {money}" + (f" · {' · '.join(bits)}" if bits else "")
            detail = f"付款时间 {paid}" if paid else "未付款"
            items.append(
                TimelineItem(
                    "order",
                    created or paid,
                    shop,
                    shops.get(shop, ""),
                    title,
                    detail,
                    buyer,
                    buyer == nick,
                    order_id=order_id,
                    status=status,
                )
            )
        return items

    def _reviews(self, nick: str, shop_id: int | None, shops: dict[int, str]) -> list[TimelineItem]:
        where, params = self._nick_clause("r.buyer_nick", nick, shop_id)
        rows = self._conn.execute(
            "SELECT r.id, r.shop_id, r.buyer_nick, r.created_at, r.rating, r.rating_text, r.content, "
            "r.append_content, r.append_at, COALESCE(r.product_title, r.product_id, ''), s.label, "
            "rs.level, rs.score "
            "FROM reviews r LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "LEFT JOIN risk_scores rs ON rs.target_type = 'review' AND rs.target_id = r.id "
            f"WHERE {where}",
            params,
        ).fetchall()
        items = []
        for rid, shop, buyer, created, rating, rating_text, content, append, append_at, product, label, lvl, sc in rows:
            stars = f"{rating}星" if rating else (rating_text or "无评分")
            title = f"评价 · {stars}" + (f" · {label}" if label else "") + (f" · {product}" if product else "")
            if lvl and lvl != "无":
                title += f" · 风险{lvl}（{sc}）"
            shop_name = shops.get(shop, "")
            items.append(
                TimelineItem(
                    "review",
                    created,
                    shop,
                    shop_name,
                    title,
                    content or "（无文字）",
                    buyer,
                    buyer == nick,
                    review_id=rid,
                    rating=rating,
                    level=None if lvl == "无" else lvl,
                )
            )
            if append:
                items.append(
                    TimelineItem(
                        "followup",
                        append_at or created,
                        shop,
                        shop_name,
                        f"追评 · {product}" if product else "追评",
                        append,
                        buyer,
                        buyer == nick,
                        review_id=rid,
                        rating=rating,
                    )
                )
        return items

    def _flags(
        self, session_ids: list[int], review_ids: list[int], shops: dict[int, str], nick: str
    ) -> list[TimelineItem]:
        ids_s, ids_r = json.dumps(session_ids), json.dumps(review_ids)
        rows = self._conn.execute(_FLAGS_SQL, (ids_s, ids_s, ids_r)).fetchall()
        items = []
        for fid, ttype, tid, category, level, status, evidence, at, shop, session_id, buyer, text in rows:
            quote = _evidence_text(evidence) or (text or "")[:60]
            title = f"风险标记 · {category} · {level} · {status}"
            target = {"message": "聊天消息", "session": "会话", "review": "评价"}[ttype]
            detail = f"{target}：{quote}" if quote else target
            items.append(
                TimelineItem(
                    "flag",
                    at,
                    shop,
                    shops.get(shop, ""),
                    title,
                    detail,
                    buyer or nick,
                    (buyer or nick) == nick,
                    session_id=session_id,
                    message_id=tid if ttype == "message" else None,
                    review_id=tid if ttype == "review" else None,
                    flag_id=fid,
                    level=level,
                    category=category,
                    status=status,
                )
            )
        return items


_KIND_ORDER = {"order": 0, "session": 1, "flag": 2, "review": 3, "followup": 4}

# Flags on the buyer's sessions, on messages in them (through the (session_id, msg_hash)
# index) and on the buyer's reviews; the time is the flagged text's.
_FLAGS_SQL = """
SELECT f.id, f.target_type, f.target_id, f.category, f.level, f.status, f.evidence,
       s.started_at, s.shop_id, s.id, s.buyer_nick, NULL
FROM risk_flags f JOIN chat_sessions s ON s.id = f.target_id
WHERE f.target_type = 'session' AND f.target_id IN (SELECT value FROM json_each(?))
UNION ALL
SELECT f.id, f.target_type, f.target_id, f.category, f.level, f.status, f.evidence,
       m.sent_at, m.shop_id, m.session_id, s.buyer_nick, m.content
FROM chat_messages m CROSS JOIN risk_flags f ON f.target_type = 'message' AND f.target_id = m.id
CROSS JOIN chat_sessions s ON s.id = m.session_id
WHERE m.session_id IN (SELECT value FROM json_each(?))
UNION ALL
SELECT f.id, f.target_type, f.target_id, f.category, f.level, f.status, f.evidence,
       r.created_at, r.shop_id, NULL, r.buyer_nick, r.content
FROM risk_flags f JOIN reviews r ON r.id = f.target_id
WHERE f.target_type = 'review' AND f.target_id IN (SELECT value FROM json_each(?))
"""


def _evidence_text(evidence: str | None) -> str:
    """The quoted words of a flag's evidence (a list of spans with text), if any."""
    try:
        data = json.loads(evidence or "null")
    except ValueError:
        return ""
    if isinstance(data, list):
        return "、".join(str(e.get("text")) for e in data if isinstance(e, dict) and e.get("text"))
    return ""
