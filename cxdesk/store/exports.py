"""Row streams for exports: records with their source ids and analysis results.

Column names are a contract (other tools read these files): extend, never rename.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator

REVIEW_COLUMNS = (
    "shop", "platform", "review_id", "order_id", "product_id", "product_title", "sku", "buyer_nick",
    "rating", "rating_text", "created_at", "content", "append_content", "append_at", "seller_reply",
    "sentiment", "sentiment_label", "aspects",
    # Added with the aspect stage (extend, never rename):
    "append_sentiment", "append_sentiment_label", "followup_shift",
)

MESSAGE_COLUMNS = (
    "shop", "platform", "session_id", "source_session_id", "buyer_nick", "seq", "role", "sender",
    "sent_at", "content", "sentiment", "sentiment_label",
)

_REVIEWS_SQL = """
SELECT sh.name, sh.platform, COALESCE(r.platform_review_id, r.review_key), r.order_id, r.product_id,
       r.product_title, r.sku, r.buyer_nick, r.rating, r.rating_text, r.created_at, r.content,
       r.append_content, r.append_at, r.seller_reply,
       s.score, s.label,
       (SELECT group_concat(CASE a.part WHEN 'append' THEN '追评·' ELSE '' END || a.aspect || ':'
                            || COALESCE(a.polarity, '') || '(' || COALESCE(a.opinion, '') || ')', '; ')
          FROM (SELECT * FROM review_aspects WHERE review_id = r.id ORDER BY part DESC, span_start) a),
       t.append_score, t.append_label, t.shift
FROM reviews r
JOIN shops sh ON sh.id = r.shop_id
LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id
LEFT JOIN review_text_state t ON t.review_id = r.id
ORDER BY r.id
"""

_MESSAGES_SQL = """
SELECT sh.name, sh.platform, c.id, c.source_session_id, c.buyer_nick, m.seq, m.role, m.sender,
       m.sent_at, m.content, s.score, s.label
FROM chat_messages m
JOIN chat_sessions c ON c.id = m.session_id
JOIN shops sh ON sh.id = m.shop_id
LEFT JOIN sentiment s ON s.target_type = 'message' AND s.target_id = m.id
ORDER BY m.session_id, m.seq
"""


class ExportsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def count(self, kind: str) -> int:
        table = {"reviews": "reviews", "messages": "chat_messages"}[kind]
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def rows(self, kind: str, batch: int = 5000) -> Iterator[list[tuple]]:
        """Batches of rows in the order of ``REVIEW_COLUMNS`` / ``MESSAGE_COLUMNS``."""
        cur = self._conn.execute(_REVIEWS_SQL if kind == "reviews" else _MESSAGES_SQL)
        while True:
            part = cur.fetchmany(batch)
            if not part:
                return
            yield part


def columns(kind: str) -> tuple[str, ...]:
    return REVIEW_COLUMNS if kind == "reviews" else MESSAGE_COLUMNS
