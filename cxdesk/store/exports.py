"""Row streams for exports: records with their source ids and analysis results.

Column names are a contract (other tools read these files): extend, never rename.
"""

from __future__ import annotations

import json

import sqlite3
from collections.abc import Iterator

REVIEW_COLUMNS = (
    "shop",
    "platform",
    "review_id",
    "order_id",
    "product_id",
    "product_title",
    "sku",
    "buyer_nick",
    "rating",
    "rating_text",
    "created_at",
    "content",
    "append_content",
    "append_at",
    "seller_reply",
    "sentiment",
    "sentiment_label",
    "aspects",
    # Added with the aspect stage (extend, never rename):
    "append_sentiment",
    "append_sentiment_label",
    "followup_shift",
)

MESSAGE_COLUMNS = (
    "shop",
    "platform",
    "session_id",
    "source_session_id",
    "buyer_nick",
    "seq",
    "role",
    "sender",
    "sent_at",
    "content",
    "sentiment",
    "sentiment_label",
    # Added with the risk exports: the store's own session number, the key that joins the files.
    "cxdesk_session_id",
)

SESSION_COLUMNS = (
    "shop",
    "platform",
    "session_id",
    "cxdesk_session_id",
    "buyer",
    "agent",
    "agents",
    "started_at",
    "ended_at",
    "message_count",
    "buyer_messages",
    "agent_messages",
    "transferred",
    "risk_score",
    "risk_level",
    "risk_reasons",
    "flags",
    "buyer_sentiment",
)

FLAG_COLUMNS = (
    "flag_id",
    "shop",
    "platform",
    "target_type",
    "session_id",
    "cxdesk_session_id",
    "review_id",
    "buyer",
    "agent",
    "time",
    "rule_id",
    "category",
    "level",
    "evidence",
    "text",
    "status",
    "note",
    "handler",
    "handled_at",
    "flagged_at",
    # Added with issue 15 (extend, never rename): the words that triggered the flag, and the risk
    # score of what the queue ranks it by (its session, or its review) with that score's reasons.
    "trigger_words",
    "risk_score",
    "risk_level",
    "risk_reasons",
)

# A session's id as the source had it, else the number the importer gave it.
_SESSION_ID = "COALESCE(c.source_session_id, CAST(c.id AS TEXT))"

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

_MESSAGES_SQL = f"""
SELECT sh.name, sh.platform, {_SESSION_ID}, c.source_session_id, c.buyer_nick, m.seq, m.role, m.sender,
       m.sent_at, m.content, s.score, s.label, c.id
FROM chat_messages m
JOIN chat_sessions c ON c.id = m.session_id
JOIN shops sh ON sh.id = m.shop_id
LEFT JOIN sentiment s ON s.target_type = 'message' AND s.target_id = m.id
ORDER BY m.session_id, m.seq
"""


# A session's flag categories (not false alarms, its messages' too) and its buyer's mean tone: columns
# of ``export sessions`` and of the 会话 page's export (cxdesk.store.sessions_browse), for session ``c``.
# The tone reads the session's buyer messages first, then their sentiment by key (joining the other way
# round, SQLite scanned every message's sentiment once per session: 18 s instead of 0.05 s on the demo).
SESSION_FLAGS_SQL = """(SELECT group_concat(x.category || '·' || x.level, '; ') FROM (
            SELECT DISTINCT f.category, f.level FROM risk_flags f
            WHERE f.status <> '误报' AND ((f.target_type = 'session' AND f.target_id = c.id)
               OR (f.target_type = 'message' AND f.target_id IN (SELECT id FROM chat_messages WHERE session_id = c.id)))
            ORDER BY f.category, f.level
        ) x)"""
SESSION_BUYER_TONE_SQL = """(SELECT ROUND(AVG(s.score), 3) FROM sentiment s WHERE s.target_type = 'message'
          AND s.target_id IN (SELECT m.id FROM chat_messages m WHERE m.session_id = c.id AND m.role = 'buyer'))"""

_SESSIONS_SQL = f"""
SELECT sh.name, sh.platform, {_SESSION_ID}, c.id, c.buyer_nick, c.agent, c.agents, c.started_at, c.ended_at,
       c.message_count, c.buyer_messages, c.agent_messages, c.transferred, rs.score, rs.level, rs.reasons,
       {SESSION_FLAGS_SQL},
       {SESSION_BUYER_TONE_SQL}
FROM chat_sessions c
JOIN shops sh ON sh.id = c.shop_id
LEFT JOIN risk_scores rs ON rs.target_type = 'session' AND rs.target_id = c.id
ORDER BY c.id
"""

_FLAGS_SQL = f"""
SELECT f.id, sh.name, sh.platform, f.target_type, {_SESSION_ID}, c.id, COALESCE(r.platform_review_id, r.review_key),
       COALESCE(c.buyer_nick, r.buyer_nick), c.agent, COALESCE(m.sent_at, c.started_at, r.created_at),
       f.rule_id, f.category, f.level, f.evidence,
       COALESCE(m.content, CASE WHEN r.id IS NOT NULL THEN COALESCE(r.content, '') ||
                CASE WHEN r.append_content IS NULL THEN '' ELSE char(10) || '追评：' || r.append_content END END),
       f.status, f.note, f.handler, f.handled_at, f.created_at,
       f.evidence,
       rs.score, rs.level, rs.reasons
FROM risk_flags f
LEFT JOIN chat_messages m ON f.target_type = 'message' AND m.id = f.target_id
LEFT JOIN chat_sessions c ON c.id = CASE f.target_type WHEN 'message' THEN m.session_id
                                                      WHEN 'session' THEN f.target_id END
LEFT JOIN reviews r ON f.target_type = 'review' AND r.id = f.target_id
LEFT JOIN risk_scores rs ON rs.target_type = CASE WHEN r.id IS NOT NULL THEN 'review' ELSE 'session' END
                         AND rs.target_id = COALESCE(r.id, c.id)
JOIN shops sh ON sh.id = COALESCE(c.shop_id, r.shop_id)
ORDER BY CASE f.level WHEN '高' THEN 0 WHEN '中' THEN 1 ELSE 2 END, f.id
"""

# ``export faq``: one row per cluster (made by cxdesk.exports from the FAQ queries).
FAQ_COLUMNS = (
    "问题",
    "相似问法",
    "推荐回答",
    "次数",
    "占比",
    "趋势",
    "cluster_id",
    "关键词",
    "本期次数",
    "上期次数",
    "置顶",
)
# ``export drivers``: one row per (aspect, polarity) of 差评原因, strongest push towards 差评 first.
DRIVER_COLUMNS = (
    "方面",
    "倾向",
    "差评提及",
    "好评提及",
    "提及中差评占比",
    "差评几率倍数",
    "倍数下限",
    "倍数上限",
    "明显",
    "权重",
    "说明",
)
# ``export faq-members``: one row per extracted question.
FAQ_MEMBER_COLUMNS = (
    "session_id",
    "message_id",
    "text",
    "cluster_id",
    "question",
    "asked_at",
    "product",
    "cluster_label",
)

_FAQ_MEMBERS_SQL = """
SELECT COALESCE(s.source_session_id, CAST(s.id AS TEXT)), m.message_id, msg.content, m.cluster_id, m.question,
       m.asked_at, m.product, c.label
FROM faq_members m
JOIN chat_messages msg ON msg.id = m.message_id
LEFT JOIN chat_sessions s ON s.id = msg.session_id
LEFT JOIN faq_clusters c ON c.id = m.cluster_id
ORDER BY m.message_id
"""

# the flags query's column that holds the evidence's texts (filled in Python: JSON is not portable SQL)
_FLAG_TEXTS = FLAG_COLUMNS.index("trigger_words")
_SQL = {
    "reviews": _REVIEWS_SQL,
    "messages": _MESSAGES_SQL,
    "sessions": _SESSIONS_SQL,
    "flags": _FLAGS_SQL,
    "faq-members": _FAQ_MEMBERS_SQL,
}
_TABLES = {
    "reviews": "reviews",
    "messages": "chat_messages",
    "sessions": "chat_sessions",
    "flags": "risk_flags",
    "faq-members": "faq_members",
}
_COLUMNS = {
    "reviews": REVIEW_COLUMNS,
    "messages": MESSAGE_COLUMNS,
    "sessions": SESSION_COLUMNS,
    "flags": FLAG_COLUMNS,
    "faq": FAQ_COLUMNS,
    "faq-members": FAQ_MEMBER_COLUMNS,
}


class ExportsRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def count(self, kind: str) -> int:
        table = _TABLES[kind]
        return int(self._conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def rows(self, kind: str, batch: int = 5000) -> Iterator[list[tuple]]:
        """Batches of rows in the order of ``columns(kind)``."""
        cur = self._conn.execute(_SQL[kind])
        while True:
            part = cur.fetchmany(batch)
            if not part:
                return
            if kind == "flags":
                part = [(*row[:_FLAG_TEXTS], evidence_texts(row[_FLAG_TEXTS]), *row[_FLAG_TEXTS + 1 :]) for row in part]
            yield part


def evidence_texts(evidence: str | None) -> str | None:
    """The ``text`` of each object in a flag's evidence (a JSON array), joined by " / "; None when there is none."""
    if not evidence:
        return None
    try:
        items = json.loads(evidence)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    texts = [str(e["text"]) for e in items if isinstance(e, dict) and e.get("text") is not None]
    return " / ".join(texts) if texts else None


def columns(kind: str) -> tuple[str, ...]:
    return _COLUMNS[kind]
