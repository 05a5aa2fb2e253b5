"""One buyer's personal data: what the store holds under a buyer nick, and deleting all of it.

A buyer (or the law) may ask a shop to forget them. :class:`BuyerDataRepo` finds,
by the exact nick, in one shop or in all shops:

- the imported rows: reviews, chat sessions with all their messages (the agents'
  replies too: a conversation is about the buyer), orders;
- what analysis derived from them: sentiment, review aspects and follow-up state,
  risk flags and risk scores, FAQ questions (and FAQ clusters whose label or central
  question was theirs), the 会话 page's reviewed mark and note;
- rejected import rows whose raw text or reason names them.

:meth:`BuyerDataRepo.preview` counts it; :meth:`BuyerDataRepo.delete` deletes it and
returns the same counts. The caller runs ``delete`` inside one transaction together
with the rest of the clean-up that needs other repositories (the full-text index rows
and the sentence-vector cache, see :mod:`cxdesk.ops.buyer_data`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields

# (field, label) in the order the counts are shown.
COUNT_LABELS = (
    ("reviews", "评价"),
    ("sessions", "会话"),
    ("messages", "聊天消息"),
    ("orders", "订单"),
    ("flags", "风险标记"),
    ("risk_scores", "风险分"),
    ("sentiment", "情感结果"),
    ("aspects", "评价方面"),
    ("faq_questions", "常见问题中的提问"),
    ("session_notes", "会话备注/已读标记"),
    ("rejects", "导入错误行"),
)


@dataclass(frozen=True)
class BuyerDataCounts:
    """How many rows of each kind the store holds (or held) for one buyer."""

    nick: str
    shop_id: int | None
    reviews: int = 0
    sessions: int = 0
    messages: int = 0
    orders: int = 0
    flags: int = 0
    risk_scores: int = 0
    sentiment: int = 0
    aspects: int = 0
    faq_questions: int = 0
    session_notes: int = 0
    rejects: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("nick", "shop_id")}

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())

    @property
    def is_empty(self) -> bool:
        return self.total == 0

    def lines(self) -> list[str]:
        """「评价 3」… one line per kind that is not zero."""
        return [f"{label} {getattr(self, key):,}" for key, label in COUNT_LABELS if getattr(self, key)]

    def describe(self, *, deleted: bool = False) -> str:
        where = "所有店铺" if self.shop_id is None else f"店铺 {self.shop_id}"
        if self.is_empty:
            return f"{where}中没有买家“{self.nick}”的数据。"
        verb = "已删除" if deleted else "将删除"
        return f"{verb}{where}中买家“{self.nick}”的数据：" + "，".join(self.lines()) + "。"


@dataclass(frozen=True)
class _Ids:
    reviews: list[int]
    sessions: list[int]
    messages: list[int]
    orders: list[int]


def _json(ids: Sequence[int]) -> str:
    return json.dumps([int(i) for i in ids])


_IN = "IN (SELECT value FROM json_each(?))"


class BuyerDataRepo:
    """Counting and deleting one buyer's rows (see the module doc)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- finding --------------------------------------------------------------------------------

    def _ids(self, nick: str, shop_id: int | None) -> _Ids:
        shop, params = ("", (nick,)) if shop_id is None else (" AND shop_id = ?", (nick, int(shop_id)))
        q = self._conn.execute
        reviews = [r[0] for r in q(f"SELECT id FROM reviews WHERE buyer_nick = ?{shop}", params)]
        sessions = [r[0] for r in q(f"SELECT id FROM chat_sessions WHERE buyer_nick = ?{shop}", params)]
        messages = [r[0] for r in q(f"SELECT id FROM chat_messages WHERE session_id {_IN}", (_json(sessions),))]
        orders = [r[0] for r in q(f"SELECT id FROM orders WHERE buyer_nick = ?{shop}", params)]
        return _Ids(reviews, sessions, messages, orders)

    def shops_of(self, nick: str) -> list[tuple[int, str, str]]:
        """(shop id, platform, name) of the shops holding anything of ``nick``."""
        return self._conn.execute(
            "SELECT id, platform, name FROM shops WHERE id IN ("
            " SELECT shop_id FROM reviews WHERE buyer_nick = ?1"
            " UNION SELECT shop_id FROM chat_sessions WHERE buyer_nick = ?1"
            " UNION SELECT shop_id FROM orders WHERE buyer_nick = ?1) ORDER BY id",
            (nick,),
        ).fetchall()

    def texts(self, nick: str, shop_id: int | None = None) -> list[str]:
        """Every text of theirs: their reviews and follow-ups, the messages of their sessions and the
        FAQ questions cut from them (what other caches may be keyed by)."""
        ids = self._ids(nick, shop_id)
        q = self._conn.execute
        out: list[str] = []
        for content, append in q(f"SELECT content, append_content FROM reviews WHERE id {_IN}", (_json(ids.reviews),)):
            out += [t for t in (content, append) if t]
        out += [r[0] for r in q(f"SELECT content FROM chat_messages WHERE id {_IN}", (_json(ids.messages),)) if r[0]]
        for question, norm in q(
            f"SELECT question, question_norm FROM faq_members WHERE message_id {_IN} OR session_id {_IN}",
            (_json(ids.messages), _json(ids.sessions)),
        ):
            out += [t for t in (question, norm) if t]
        return list(dict.fromkeys(out))

    def _rejects_where(self, nick: str, shop_id: int | None) -> tuple[str, tuple]:
        where = "(instr(raw, ?1) > 0 OR instr(reason, ?1) > 0)"
        if shop_id is None:
            return where, (nick,)
        return where + " AND batch_id IN (SELECT id FROM import_batches WHERE shop_id = ?2)", (nick, int(shop_id))

    def purge_rows(self, target_type: str, ids: Sequence[int]) -> list[tuple]:
        """The ``search_purge`` rows (id, old text…, meta) of these deleted texts: what the contentless
        full-text index needs to drop them (``SearchIndexRepo.remove``)."""
        cols = "target_id, body, meta" if target_type == "message" else "target_id, body, append, meta"
        return self._conn.execute(
            f"SELECT {cols} FROM search_purge WHERE target_type = ? AND target_id {_IN} ORDER BY target_id",
            (target_type, _json(ids)),
        ).fetchall()

    # --- counting ---------------------------------------------------------------------------------

    def preview(self, nick: str, shop_id: int | None = None) -> BuyerDataCounts:
        """What :meth:`delete` would delete, counted."""
        return self._count(nick, shop_id, self._ids(nick, shop_id))

    def _count(self, nick: str, shop_id: int | None, ids: _Ids) -> BuyerDataCounts:
        def one(sql: str, *params: object) -> int:
            return int(self._conn.execute(sql, params).fetchone()[0])

        r, s, m = _json(ids.reviews), _json(ids.sessions), _json(ids.messages)
        rejects_where, rejects_params = self._rejects_where(nick, shop_id)
        return BuyerDataCounts(
            nick,
            shop_id,
            reviews=len(ids.reviews),
            sessions=len(ids.sessions),
            messages=len(ids.messages),
            orders=len(ids.orders),
            flags=one(
                "SELECT COUNT(*) FROM risk_flags WHERE (target_type = 'review' AND target_id "
                f"{_IN}) OR (target_type = 'session' AND target_id {_IN}) "
                f"OR (target_type = 'message' AND target_id {_IN})",
                r,
                s,
                m,
            ),
            risk_scores=one(
                f"SELECT COUNT(*) FROM risk_scores WHERE (target_type = 'review' AND target_id {_IN}) "
                f"OR (target_type = 'session' AND target_id {_IN})",
                r,
                s,
            ),
            sentiment=one(
                f"SELECT COUNT(*) FROM sentiment WHERE (target_type = 'review' AND target_id {_IN}) "
                f"OR (target_type = 'message' AND target_id {_IN})",
                r,
                m,
            ),
            aspects=one(f"SELECT COUNT(*) FROM review_aspects WHERE review_id {_IN}", r),
            faq_questions=one(f"SELECT COUNT(*) FROM faq_members WHERE message_id {_IN} OR session_id {_IN}", m, s),
            session_notes=one(f"SELECT COUNT(*) FROM session_reviews WHERE session_id {_IN}", s),
            rejects=one(f"SELECT COUNT(*) FROM import_rejects WHERE {rejects_where}", *rejects_params),
        )

    # --- deleting ---------------------------------------------------------------------------------

    @contextmanager
    def overwriting_deleted(self) -> Iterator[None]:
        """While inside, what is deleted is overwritten with zeros in the file too (SQLite's
        ``secure_delete``), not only unlinked: a deleted buyer's texts are not left in free space.
        Enter it outside the transaction."""
        old = int(self._conn.execute("PRAGMA secure_delete").fetchone()[0])
        self._conn.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            self._conn.execute(f"PRAGMA secure_delete = {old}")

    def delete(self, nick: str, shop_id: int | None = None) -> tuple[BuyerDataCounts, dict[str, list[int]]]:
        """Delete everything :meth:`preview` counts; returns the counts and the deleted ids
        (``{"review": [...], "message": [...], "session": [...]}``, for the search index).

        Run it inside a transaction (``store.transaction()``): the statements are many.
        FAQ clusters whose central question was theirs get another central question (and,
        unless the user named them, that question as label); their sizes are the caller's
        (``store.faq.refresh_sizes()``).
        """
        ids = self._ids(nick, shop_id)
        counts = self._count(nick, shop_id, ids)
        r, s, m = _json(ids.reviews), _json(ids.sessions), _json(ids.messages)
        x = self._conn.execute
        # Derived rows first: several have no foreign key to what they describe.
        x(f"DELETE FROM risk_flags WHERE target_type = 'review' AND target_id {_IN}", (r,))
        x(f"DELETE FROM risk_flags WHERE target_type = 'session' AND target_id {_IN}", (s,))
        x(f"DELETE FROM risk_flags WHERE target_type = 'message' AND target_id {_IN}", (m,))
        x(f"DELETE FROM risk_scores WHERE target_type = 'review' AND target_id {_IN}", (r,))
        x(f"DELETE FROM risk_scores WHERE target_type = 'session' AND target_id {_IN}", (s,))
        x(f"DELETE FROM sentiment WHERE target_type = 'review' AND target_id {_IN}", (r,))
        x(f"DELETE FROM sentiment WHERE target_type = 'message' AND target_id {_IN}", (m,))
        x(f"DELETE FROM review_aspects WHERE review_id {_IN}", (r,))
        x(f"DELETE FROM review_text_state WHERE review_id {_IN}", (r,))
        self._forget_faq(ids)
        x(f"DELETE FROM session_reviews WHERE session_id {_IN}", (s,))
        rejects_where, rejects_params = self._rejects_where(nick, shop_id)
        x(f"DELETE FROM import_rejects WHERE {rejects_where}", rejects_params)
        # The rows themselves (the search triggers copy indexed texts to search_purge).
        x(f"DELETE FROM chat_messages WHERE id {_IN}", (m,))
        x(f"DELETE FROM chat_sessions WHERE id {_IN}", (s,))
        x(f"DELETE FROM reviews WHERE id {_IN}", (r,))
        x(f"DELETE FROM orders WHERE id {_IN}", (_json(ids.orders),))
        return counts, {"review": ids.reviews, "message": ids.messages, "session": ids.sessions}

    def _forget_faq(self, ids: _Ids) -> None:
        m, s = _json(ids.messages), _json(ids.sessions)
        x = self._conn.execute
        touched = [
            int(cid)
            for (cid,) in x(
                f"SELECT DISTINCT cluster_id FROM faq_members WHERE cluster_id IS NOT NULL "
                f"AND (message_id {_IN} OR session_id {_IN})",
                (m, s),
            )
        ]
        theirs = set(self._faq_texts(ids))
        x(f"DELETE FROM faq_members WHERE message_id {_IN} OR session_id {_IN}", (m, s))
        x(f"UPDATE faq_members SET answer_id = NULL WHERE answer_id {_IN}", (m,))
        centred = [int(cid) for (cid,) in x(f"SELECT id FROM faq_clusters WHERE central_message_id {_IN}", (m,))]
        for cid in dict.fromkeys(touched + centred):
            row = x("SELECT label, label_manual, central_message_id FROM faq_clusters WHERE id = ?", (cid,)).fetchone()
            if row is None:
                continue
            label, manual, central = row
            named = any(len(t) > 1 and t in (label or "") for t in theirs)
            if central in ids.messages or (not manual and named):
                other = x(
                    "SELECT message_id, COALESCE(question, question_norm) FROM faq_members WHERE cluster_id = ? "
                    "ORDER BY asked_at DESC, message_id LIMIT 1",
                    (cid,),
                ).fetchone()
                new_central = other[0] if other else None
                new_label = label if manual or not named else (other[1] if other else "（问题已删除）")
                x(
                    "UPDATE faq_clusters SET central_message_id = ?, label = ? WHERE id = ?",
                    (new_central, new_label, cid),
                )

    def _faq_texts(self, ids: _Ids) -> list[str]:
        rows = self._conn.execute(
            f"SELECT question, question_norm FROM faq_members WHERE message_id {_IN} OR session_id {_IN}",
            (_json(ids.messages), _json(ids.sessions)),
        ).fetchall()
        return [t for row in rows for t in row if t]
