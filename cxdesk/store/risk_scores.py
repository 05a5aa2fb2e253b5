"""Risk scores of sessions and reviews, and the reads the scoring needs.

Scores are written by the analysis (``cxdesk.analysis.risk``) and read by
the 风险 page, the exports and the reports.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence


def _ids(ids: Sequence[int]) -> str:
    return json.dumps(list(ids))


class RiskScoresRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- inputs ----------------------------------------------------------------------------

    def targets_of_flags(self, flag_ids: Sequence[int]) -> list[tuple[str, int | None]]:
        """(``session`` or ``review``, id) of what these flags' risk scores belong to: a message
        flag's session, a session flag's session, a review flag's review."""
        return self._conn.execute(
            "SELECT DISTINCT CASE f.target_type WHEN 'review' THEN 'review' ELSE 'session' END, "
            "CASE f.target_type WHEN 'message' THEN m.session_id ELSE f.target_id END "
            "FROM risk_flags f LEFT JOIN chat_messages m ON f.target_type = 'message' AND m.id = f.target_id "
            "WHERE f.id IN (SELECT value FROM json_each(?))",
            (_ids(flag_ids),),
        ).fetchall()

    def session_rows(self, session_ids: Sequence[int]) -> list[tuple]:
        """(session id, platform, seq, role, sender, sent_at, content, sentiment score) by session and seq."""
        return self._conn.execute(
            "SELECT m.session_id, sh.platform, m.seq, m.role, m.sender, m.sent_at, m.content, s.score "
            "FROM chat_messages m JOIN shops sh ON sh.id = m.shop_id "
            "LEFT JOIN sentiment s ON s.target_type = 'message' AND s.target_id = m.id "
            "WHERE m.session_id IN (SELECT value FROM json_each(?)) ORDER BY m.session_id, m.seq, m.id",
            (_ids(session_ids),),
        ).fetchall()

    def sessions(self, session_ids: Sequence[int]) -> dict[int, tuple]:
        """id → (started_at, ended_at, repeat_consult flag of the source)."""
        return {
            r[0]: r[1:]
            for r in self._conn.execute(
                "SELECT id, started_at, ended_at, repeat_consult FROM chat_sessions "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (_ids(session_ids),),
            )
        }

    def earlier_sessions(self, session_ids: Sequence[int], hours: float) -> list[tuple[int, int, str | None]]:
        """(session id, earlier session id, its ended_at): the same buyer's sessions in the same shop
        that started before it and ended at most ``hours`` before it started."""
        return self._conn.execute(
            "SELECT c.id, e.id, e.ended_at FROM chat_sessions c JOIN chat_sessions e "
            "ON e.buyer_nick = c.buyer_nick AND e.shop_id = c.shop_id AND e.id <> c.id "
            "AND e.started_at < c.started_at AND e.ended_at >= datetime(c.started_at, ?) "
            "WHERE c.id IN (SELECT value FROM json_each(?))",
            (f"-{float(hours)} hours", _ids(session_ids)),
        ).fetchall()

    def buyer_texts(self, session_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for sid, text in self._conn.execute(
            "SELECT session_id, content FROM chat_messages WHERE role = 'buyer' "
            "AND session_id IN (SELECT value FROM json_each(?)) ORDER BY session_id, seq",
            (_ids(session_ids),),
        ):
            out.setdefault(sid, []).append(text)
        return out

    def session_flags(self, session_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str, str, str | None]]]:
        """session id → (rule id, category, level, status, evidence) of its own flags and its messages' flags,
        in flag id order (a reason quotes the first of equal flags: the same one on every engine)."""
        out: dict[int, list] = {}
        ids = _ids(session_ids)
        for sid, _fid, *flag in self._conn.execute(
            "SELECT m.session_id, f.id, f.rule_id, f.category, f.level, f.status, f.evidence FROM risk_flags f "
            "JOIN chat_messages m ON f.target_type = 'message' AND f.target_id = m.id "
            "WHERE m.session_id IN (SELECT value FROM json_each(?)) "
            "UNION ALL SELECT f.target_id, f.id, f.rule_id, f.category, f.level, f.status, f.evidence "
            "FROM risk_flags f WHERE f.target_type = 'session' AND f.target_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY 1, 2",
            (ids, ids),
        ):
            out.setdefault(sid, []).append(tuple(flag))
        return out

    def review_ids_to_score(self, version: str) -> list[int]:
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT r.id FROM reviews r LEFT JOIN risk_scores s ON s.target_type = 'review' AND s.target_id = r.id "
                "WHERE s.target_id IS NULL OR s.version <> ? ORDER BY r.id",
                (version,),
            )
        ]

    def review_inputs(self, review_ids: Sequence[int]) -> list[tuple]:
        """(id, rating, sentiment label, 追评 shift, rating class) per review."""
        return self._conn.execute(
            "SELECT r.id, r.rating, s.label, COALESCE(t.shift, 0), r.rating_class FROM reviews r "
            "LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "LEFT JOIN review_text_state t ON t.review_id = r.id "
            "WHERE r.id IN (SELECT value FROM json_each(?)) ORDER BY r.id",
            (_ids(review_ids),),
        ).fetchall()

    def review_flags(self, review_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str, str, str | None]]]:
        """review id → (rule id, category, level, status, evidence) of its flags."""
        out: dict[int, list] = {}
        for rid, *flag in self._conn.execute(
            "SELECT target_id, rule_id, category, level, status, evidence FROM risk_flags WHERE target_type = 'review' "
            "AND target_id IN (SELECT value FROM json_each(?)) ORDER BY target_id, id",
            (_ids(review_ids),),
        ):
            out.setdefault(rid, []).append(tuple(flag))
        return out

    # --- scores ----------------------------------------------------------------------------

    def upsert(self, rows: Iterable[tuple]) -> None:
        """(target_type, target_id, score, level, reasons, version) rows."""
        self._conn.executemany(
            "INSERT OR REPLACE INTO risk_scores(target_type, target_id, score, level, reasons, version) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def versions(self, target_type: str, target_ids: Sequence[int]) -> dict[int, str]:
        return dict(
            self._conn.execute(
                "SELECT target_id, version FROM risk_scores WHERE target_type = ? "
                "AND target_id IN (SELECT value FROM json_each(?))",
                (target_type, _ids(target_ids)),
            ).fetchall()
        )

    def get(self, target_type: str, target_id: int) -> tuple[int, str, str] | None:
        """(score, level, reasons) or None."""
        return self._conn.execute(
            "SELECT score, level, reasons FROM risk_scores WHERE target_type = ? AND target_id = ?",
            (target_type, target_id),
        ).fetchone()

    def level_counts(self, target_type: str) -> dict[str, int]:
        return dict(
            self._conn.execute(
                "SELECT level, COUNT(*) FROM risk_scores WHERE target_type = ? GROUP BY level", (target_type,)
            ).fetchall()
        )

    def top(self, target_type: str, limit: int = 50) -> list[tuple[int, int, str, str]]:
        """(target id, score, level, reasons), highest score first."""
        return self._conn.execute(
            "SELECT target_id, score, level, reasons FROM risk_scores WHERE target_type = ? "
            "ORDER BY score DESC, target_id DESC LIMIT ?",
            (target_type, limit),
        ).fetchall()
