"""Rows for ``export faq`` (one per cluster) and ``export faq-members`` (one per extracted question).

Column names are a contract: extend, never rename. :func:`export_faq` is the
job ``cxdesk.exports.export_table`` hands the two FAQ kinds to.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from cxdesk.store.faq import FaqCluster, FaqRepo

FAQ_KINDS = ("faq", "faq-members")
FAQ_LABELS = {"faq": "个常见问题", "faq-members": "个买家问题"}
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

_MEMBERS_SQL = """
SELECT COALESCE(s.source_session_id, CAST(s.id AS TEXT)), m.message_id, msg.content, m.cluster_id, m.question,
       m.asked_at, m.product, c.label
FROM faq_members m
JOIN chat_messages msg ON msg.id = m.message_id
LEFT JOIN chat_sessions s ON s.id = msg.session_id
LEFT JOIN faq_clusters c ON c.id = m.cluster_id
ORDER BY m.message_id
"""


def trend_text(c: FaqCluster) -> str:
    if c.rising:
        return "上升"
    if not c.current and not c.previous:
        return ""
    if not c.previous:
        return "新出现"
    ratio = c.current / c.previous
    return "下降" if ratio < 0.67 else ("上升" if ratio > 1.5 else "持平")


class FaqExports:
    def __init__(
        self, conn: sqlite3.Connection, *, period_days: int = 7, rising_ratio: float = 1.5, rising_min_count: int = 5
    ) -> None:
        self._conn = conn
        self._repo = FaqRepo(conn)
        self._trend = dict(period_days=period_days, rising_ratio=rising_ratio, rising_min_count=rising_min_count)

    def count(self, kind: str) -> int:
        if kind == "faq":
            return len(self._repo.list_clusters(**self._trend))
        return int(self._conn.execute("SELECT COUNT(*) FROM faq_members").fetchone()[0])

    def rows(self, kind: str, batch: int = 2000) -> Iterator[list[tuple]]:
        if kind == "faq":
            part: list[tuple] = []
            for c in self._repo.list_clusters(**self._trend):
                variants = "；".join(v for v, _ in self._repo.variants(c.id, limit=6) if v != c.label)
                answer = self._repo.cluster(c.id)["recommended_answer"] or ""
                part.append(
                    (
                        c.label,
                        variants,
                        answer,
                        c.size,
                        round(c.share, 4),
                        trend_text(c),
                        c.id,
                        "、".join(c.keywords),
                        c.current,
                        c.previous,
                        int(c.pinned),
                    )
                )
                if len(part) >= batch:
                    yield part
                    part = []
            if part:
                yield part
            return
        cur = self._conn.execute(_MEMBERS_SQL)
        while True:
            chunk = cur.fetchmany(batch)
            if not chunk:
                return
            yield chunk


def export_faq(ctx, db_path: str | Path, kind: str, out: str | Path, *, keep_personal: bool = False):
    """Job: write the FAQ clusters or the extracted questions to ``out`` (.csv or .xlsx).

    Questions, variants and answers are buyers' and agents' words: personal
    data in them is masked unless ``keep_personal``.
    """
    from cxdesk.analysis.faq_text import FaqRules
    from cxdesk.errors import CxdeskError
    from cxdesk.exports import ExportSummary, masked_batches, privacy_note, write_table
    from cxdesk.outpaths import check_output_path
    from cxdesk.store import open_store

    out = check_output_path(out, store=db_path)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CxdeskError(f"导出文件须以 .csv 或 .xlsx 结尾：{out.name}")
    rules = FaqRules.load()
    with open_store(db_path) as store:
        src = FaqExports(
            store.conn,
            period_days=rules.period_days,
            rising_ratio=rules.rising_ratio,
            rising_min_count=rules.rising_min_count,
        )
        header = FAQ_COLUMNS if kind == "faq" else FAQ_MEMBER_COLUMNS
        batches = masked_batches(header, src.rows(kind), keep_personal)
        done = write_table(
            ctx, out, header, batches, src.count(kind), store=db_path, note=privacy_note(not keep_personal)
        )
    return ExportSummary(kind, out, done, not keep_personal)
