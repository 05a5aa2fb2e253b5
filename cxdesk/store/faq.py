"""FAQ clusters: what the stage writes, what the 常见问题 page reads, and the user's curation.

Curation lives in the rows themselves, so re-running analysis keeps it: the
stage only adds questions to clusters (never re-clusters existing members),
never relabels a cluster the user renamed (``label_manual``) and never moves a
question the user moved (``manual``). Curation calls clear the centroid of
the clusters they change; the next run recomputes it from the members.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cxdesk.times import plausible_text_range

_SPACES = re.compile(r"\s+")


# A cluster's trend (docs/metrics.md, 趋势), one of:
RISING, UP, FLAT, DOWN, NEW, NO_TREND = "急升", "上升", "持平", "下降", "新出现", ""


@dataclass(frozen=True)
class TrendRules:
    """What a FAQ cluster's 趋势 compares: its questions in the latest ``period_days`` days (up to the
    newest question of all) against the ``period_days`` days before. The values are data: the
    ``trend`` section of ``resources/lexicons/faq.json`` (:meth:`from_json`)."""

    period_days: int = 7
    rising_ratio: float = 1.5  # 急升 from this many times the previous count (and at least rising_min_count)
    rising_min_count: int = 5
    falling_ratio: float = 0.67  # 下降 below this share of the previous count; 上升 above rising_ratio

    @classmethod
    def from_json(cls, trend: dict) -> TrendRules:
        """The rules from faq.json's ``trend`` object; what it leaves out is the default."""
        d = cls()
        return cls(
            int(trend.get("period_days", d.period_days)),
            float(trend.get("rising_ratio", d.rising_ratio)),
            int(trend.get("rising_min_count", d.rising_min_count)),
            float(trend.get("falling_ratio", d.falling_ratio)),
        )

    def is_rising(self, current: int, previous: int) -> bool:
        """急升: at least ``rising_min_count`` questions and ``rising_ratio`` × the previous count (or × 1)."""
        return current >= self.rising_min_count and current >= self.rising_ratio * max(previous, 1)

    def kind(self, current: int, previous: int) -> str:
        """:data:`RISING`, :data:`NEW` (none before), :data:`UP`, :data:`FLAT`, :data:`DOWN` or :data:`NO_TREND`."""
        if self.is_rising(current, previous):
            return RISING
        if not previous:
            return NEW if current else NO_TREND
        ratio = current / previous
        return DOWN if ratio < self.falling_ratio else UP if ratio > self.rising_ratio else FLAT


@dataclass(frozen=True)
class FaqCluster:
    id: int
    label: str
    keywords: list[str]
    size: int  # questions (with the product filter: of that product)
    share: float  # of all clustered questions (same filter)
    current: int  # questions in the latest period
    previous: int  # questions in the period before
    rising: bool  # TrendRules.is_rising
    pinned: bool
    hidden: bool
    has_answer: bool
    label_manual: bool
    change: str = NO_TREND  # TrendRules.kind (the rules the list was read with)

    @property
    def trend(self) -> float | None:
        """current / previous, None when the previous period had none."""
        return self.current / self.previous if self.previous else None


@dataclass(frozen=True)
class FaqQuestion:
    message_id: int
    session_id: str  # as in the source
    question: str
    text: str
    asked_at: str | None
    product: str | None
    manual: bool


@dataclass(frozen=True)
class FaqAnswer:
    text: str
    count: int  # times agents gave it (first reply after a question of the cluster)
    sessions: int
    end_positive: float  # share of those sessions whose last buyer message is 正面
    end_negative: float
    end_score: float | None  # mean sentiment of the buyer's last scored message
    conversion: float | None  # share followed by an order of the buyer (None: no orders imported)


@dataclass(frozen=True)
class FaqPeriods:
    end: str | None
    current_start: str | None
    previous_start: str | None


_CLUSTER_COLS = "c.id, c.label, c.keywords, c.pinned, c.hidden, c.recommended_answer, c.label_manual"


def _member_filter(product: str | None, shop_id: int | None) -> tuple[str, list]:
    """``AND …`` over ``faq_members m`` keeping one product's and/or one shop's questions."""
    parts, args = [], []
    if product:
        parts.append("m.product = ?")
        args.append(product)
    if shop_id is not None:
        parts.append("m.session_id IN (SELECT id FROM chat_sessions WHERE shop_id = ?)")
        args.append(int(shop_id))
    return "".join(f" AND {p}" for p in parts), args


class FaqRepo:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # --- stage state -------------------------------------------------------------------

    def state(self, key: str) -> tuple[str | None, bytes | None]:
        row = self._conn.execute("SELECT value, data FROM faq_model WHERE key=?", (key,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_state(self, key: str, value: str | None, data: bytes | None = None) -> None:
        self._conn.execute("INSERT OR REPLACE INTO faq_model(key, value, data) VALUES (?, ?, ?)", (key, value, data))

    def max_message_id(self) -> int:
        return int(self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM chat_messages").fetchone()[0])

    def sessions_to_scan(self, after_id: int) -> list[int]:
        """Sessions with a buyer message newer than ``after_id``."""
        return [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT session_id FROM chat_messages WHERE id > ? AND role = 'buyer' ORDER BY 1", (after_id,)
            )
        ]

    def session_messages(self, session_ids: Sequence[int]) -> list[tuple]:
        """(session_id, message id, role, sent_at, content) of these sessions, in order."""
        return self._conn.execute(
            "SELECT session_id, id, role, sent_at, content FROM chat_messages "
            "WHERE session_id IN (SELECT value FROM json_each(?)) ORDER BY session_id, seq, id",
            (json.dumps(list(session_ids)),),
        ).fetchall()

    def product_catalog(self) -> list[tuple[str, str]]:
        """(product id, title) pairs known from imported reviews."""
        return self._conn.execute(
            "SELECT product_id, MAX(product_title) FROM reviews WHERE product_id IS NOT NULL AND product_title "
            "IS NOT NULL GROUP BY product_id"
        ).fetchall()

    def members(self, *, unclustered_only: bool = False) -> list[tuple[int, int | None, str, int]]:
        """(message_id, cluster_id, question_norm, manual) of every extracted question (or the unclustered ones)."""
        where = "WHERE cluster_id IS NULL" if unclustered_only else ""
        return self._conn.execute(
            f"SELECT message_id, cluster_id, question_norm, manual FROM faq_members {where} ORDER BY message_id"
        ).fetchall()

    def clusters_for_norms(self, norms: Sequence[str]) -> dict[str, int]:
        """The cluster most questions with each of these normalised forms are in (forms never seen are left out)."""
        rows = self._conn.execute(
            "SELECT question_norm, cluster_id, COUNT(*) AS n FROM faq_members WHERE cluster_id IS NOT NULL AND "
            "question_norm IN (SELECT value FROM json_each(?)) GROUP BY question_norm, cluster_id "
            "ORDER BY question_norm, n DESC",
            (json.dumps(list(norms), ensure_ascii=False),),
        ).fetchall()
        out: dict[str, int] = {}
        for norm, cid, _ in rows:
            out.setdefault(norm, cid)
        return out

    def sizes(self) -> dict[int, int]:
        """Stored size of every cluster (as of the last refresh)."""
        return dict(self._conn.execute("SELECT id, size FROM faq_clusters").fetchall())

    def upsert_members(self, rows: Iterable[tuple]) -> None:
        """(message_id, question, question_norm, session_id, asked_at, answer_id, product, cluster_id).

        A question already in a cluster (or moved by the user) keeps its cluster.
        """
        self._conn.executemany(
            "INSERT INTO faq_members(message_id, question, question_norm, session_id, asked_at, answer_id, product, "
            "cluster_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(message_id) DO UPDATE SET "
            "question=excluded.question, question_norm=excluded.question_norm, session_id=excluded.session_id, "
            "asked_at=excluded.asked_at, answer_id=excluded.answer_id, product=excluded.product, "
            "cluster_id=CASE WHEN faq_members.manual = 1 OR faq_members.cluster_id IS NOT NULL "
            "THEN faq_members.cluster_id ELSE excluded.cluster_id END",
            rows,
        )

    def delete_members(self, message_ids: Sequence[int]) -> None:
        """Forget questions that are no longer questions (rules changed); the user's moves stay."""
        self._conn.execute(
            "DELETE FROM faq_members WHERE manual = 0 AND message_id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(message_ids)),),
        )

    def set_clusters(self, pairs: Iterable[tuple[int, int | None]]) -> None:
        """(message_id, cluster_id) for questions the stage placed (never the user's)."""
        self._conn.executemany(
            "UPDATE faq_members SET cluster_id=? WHERE message_id=? AND manual=0", ((c, m) for m, c in pairs)
        )

    def centroids(self) -> list[tuple[int, bytes | None]]:
        return self._conn.execute("SELECT id, centroid FROM faq_clusters ORDER BY id").fetchall()

    def create_cluster(self, label: str) -> int:
        cur = self._conn.execute(
            "INSERT INTO faq_clusters(label, updated_at) VALUES (?, datetime('now','localtime'))", (label,)
        )
        return int(cur.lastrowid)

    def update_summary(
        self, cluster_id: int, label: str, keywords: list[str], centroid: bytes, central_message_id: int | None
    ) -> None:
        """Store what the stage computed; a label the user chose stays."""
        self._conn.execute(
            "UPDATE faq_clusters SET label = CASE WHEN label_manual = 1 THEN label ELSE ? END, keywords=?, "
            "centroid=?, central_message_id=?, updated_at=datetime('now','localtime') WHERE id=?",
            (label, json.dumps(keywords, ensure_ascii=False), centroid, central_message_id, cluster_id),
        )

    def cluster_member_norms(self, cluster_ids: Sequence[int]) -> list[tuple[int, int, str, str]]:
        """(cluster_id, message_id, question_norm, question) of the members of these clusters."""
        return self._conn.execute(
            "SELECT cluster_id, message_id, question_norm, COALESCE(question, question_norm) FROM faq_members "
            "WHERE cluster_id IN (SELECT value FROM json_each(?)) ORDER BY cluster_id, message_id",
            (json.dumps(list(cluster_ids)),),
        ).fetchall()

    def refresh_sizes(self) -> None:
        """Sizes from the members; drop clusters left empty that hold nothing the user made."""
        self._conn.execute(
            "UPDATE faq_clusters SET size = (SELECT COUNT(*) FROM faq_members m WHERE m.cluster_id = faq_clusters.id)"
        )
        self._conn.execute(
            "DELETE FROM faq_clusters WHERE size = 0 AND pinned = 0 AND label_manual = 0 AND recommended_answer IS NULL"
        )

    # --- reading (the 常见问题 page) -------------------------------------------------------

    def periods(self, period_days: int = 7) -> FaqPeriods:
        """The latest period (ending at the newest question) and the one before it; a time outside
        the plausible range (9999-12-31, stored by an older version) is not the newest question."""
        row = self._conn.execute(
            "SELECT MAX(asked_at), datetime(MAX(asked_at), ?), datetime(MAX(asked_at), ?) FROM faq_members "
            "WHERE asked_at BETWEEN ? AND ?",
            (f"-{int(period_days)} days", f"-{2 * int(period_days)} days", *plausible_text_range()),
        ).fetchone()
        return FaqPeriods(*row)

    def _filters(self, search: str, product: str | None, include_hidden: bool) -> tuple[str, list]:
        where, params = [], []
        if not include_hidden:
            where.append("c.hidden = 0")
        if search:
            where.append(
                "(c.label LIKE ? OR c.keywords LIKE ? OR EXISTS (SELECT 1 FROM faq_members s "
                "WHERE s.cluster_id = c.id AND s.question LIKE ?))"
            )
            like = f"%{search}%"
            params += [like, like, like]
        return (" AND ".join(where) or "1"), params

    def list_clusters(
        self,
        *,
        sort: str = "size",
        search: str = "",
        product: str | None = None,
        include_hidden: bool = False,
        period_days: int = 7,
        rising_ratio: float = 1.5,
        rising_min_count: int = 5,
        limit: int | None = None,
        offset: int = 0,
        shop_id: int | None = None,
        trend: TrendRules | None = None,
    ) -> list[FaqCluster]:
        """Clusters with size, share and trend; pinned first, then by ``sort``.

        The trend follows ``trend`` (else the rules of ``period_days``, ``rising_ratio``
        and ``rising_min_count``).

        ``sort``: 'size' (most asked), 'trend' (rising fastest: current vs previous period),
        'recent' (most asked in the latest period) or 'label'. ``product`` counts only
        questions from sessions about that product (clusters without any are left out); ``shop_id``
        likewise counts only that shop's questions (two shops' clusters never share one list).
        """
        trend = trend or TrendRules(period_days, rising_ratio, rising_min_count)
        per = self.periods(trend.period_days)
        where, params = self._filters(search, product, include_hidden)
        pfilter, pparams = _member_filter(product, shop_id)
        total = self._conn.execute(
            f"SELECT COUNT(*) FROM faq_members m WHERE m.cluster_id IS NOT NULL {pfilter}", pparams
        ).fetchone()[0]
        order = {
            "size": "n DESC, c.id",
            "trend": "(cur + 1.0) / (prev + 1.0) DESC, cur DESC, c.id",
            "recent": "cur DESC, n DESC, c.id",
            "label": "c.label, c.id",
        }.get(sort)
        if order is None:
            raise ValueError(f"unknown sort {sort!r}")
        sql = (
            f"SELECT {_CLUSTER_COLS}, a.n, a.cur, a.prev FROM faq_clusters c JOIN ("
            "  SELECT m.cluster_id, COUNT(*) AS n, "
            "         SUM(m.asked_at > ?) AS cur, SUM(m.asked_at > ? AND m.asked_at <= ?) AS prev "
            f"  FROM faq_members m WHERE m.cluster_id IS NOT NULL {pfilter} GROUP BY m.cluster_id"
            f") a ON a.cluster_id = c.id WHERE {where} ORDER BY c.pinned DESC, {order}"
        )
        args = [per.current_start or "", per.previous_start or "", per.current_start or "", *pparams, *params]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        out = []
        for cid, label, kw, pinned, hidden, answer, manual, n, cur, prev in self._conn.execute(sql, args):
            cur, prev = int(cur or 0), int(prev or 0)
            out.append(
                FaqCluster(
                    cid,
                    label,
                    json.loads(kw) if kw else [],
                    int(n),
                    n / total if total else 0.0,
                    cur,
                    prev,
                    trend.is_rising(cur, prev),
                    bool(pinned),
                    bool(hidden),
                    bool(answer),
                    bool(manual),
                    trend.kind(cur, prev),
                )
            )
        return out

    def cluster(self, cluster_id: int) -> dict | None:
        """One cluster's row: label, keywords, size, pinned, hidden, recommended_answer, answer_saved_at."""
        row = self._conn.execute(
            "SELECT id, label, keywords, size, pinned, hidden, recommended_answer, answer_saved_at, label_manual, "
            "central_message_id FROM faq_clusters WHERE id=?",
            (cluster_id,),
        ).fetchone()
        if row is None:
            return None
        keys = (
            "id",
            "label",
            "keywords",
            "size",
            "pinned",
            "hidden",
            "recommended_answer",
            "answer_saved_at",
            "label_manual",
            "central_message_id",
        )
        out = dict(zip(keys, row))
        out["keywords"] = json.loads(out["keywords"]) if out["keywords"] else []
        return out

    def variants(self, cluster_id: int, limit: int = 20) -> list[tuple[str, int]]:
        """Ways the question was asked: (an example wording, times asked), most asked first."""
        return self._conn.execute(
            "SELECT MIN(COALESCE(question, question_norm)), COUNT(*) FROM faq_members WHERE cluster_id=? "
            "GROUP BY question_norm ORDER BY COUNT(*) DESC, MIN(message_id) LIMIT ?",
            (cluster_id, limit),
        ).fetchall()

    def questions(
        self,
        cluster_id: int | None,
        *,
        search: str = "",
        product: str | None = None,
        limit: int = 200,
        offset: int = 0,
        shop_id: int | None = None,
    ) -> list[FaqQuestion]:
        """Questions of a cluster (None: the unclustered ones), newest first; of ``product`` / ``shop_id``."""
        where = ["m.cluster_id IS ?"]
        args: list = [cluster_id]
        if search:
            where.append("m.question LIKE ?")
            args.append(f"%{search}%")
        extra, extra_args = _member_filter(product, shop_id)
        if extra:
            where.append(extra.strip().removeprefix("AND "))
            args += extra_args
        rows = self._conn.execute(
            "SELECT m.message_id, COALESCE(s.source_session_id, CAST(s.id AS TEXT)), COALESCE(m.question, ''), "
            "msg.content, m.asked_at, m.product, m.manual FROM faq_members m "
            "JOIN chat_messages msg ON msg.id = m.message_id LEFT JOIN chat_sessions s ON s.id = msg.session_id "
            f"WHERE {' AND '.join(where)} ORDER BY m.asked_at DESC, m.message_id DESC LIMIT ? OFFSET ?",
            (*args, limit, offset),
        )
        return [FaqQuestion(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]

    def answers(
        self,
        cluster_id: int,
        *,
        sort: str = "count",
        limit: int = 20,
        conversion_hours: int = 72,
        normalise: Callable[[str], str] | None = None,
    ) -> list[FaqAnswer]:
        """The first agent replies after this cluster's questions, grouped and ranked.

        Grouped on ``normalise(text)`` (default: spaces removed). ``sort``: 'count'
        (most given) or 'outcome' (best end sentiment, then conversion, then count).
        """
        has_orders = self._conn.execute("SELECT 1 FROM orders LIMIT 1").fetchone() is not None
        rows = self._conn.execute(
            "SELECT a.content, m.session_id, "
            # CROSS JOIN keeps the session's messages as the outer loop: left to itself SQLite
            # scanned every message's sentiment for each answer (6 s for an 800-question cluster).
            "  (SELECT s.label || '|' || s.score FROM chat_messages b CROSS JOIN sentiment s ON s.target_type='message' "
            "     AND s.target_id=b.id WHERE b.session_id = m.session_id AND b.role='buyer' AND s.score IS NOT NULL "
            "     ORDER BY b.seq DESC LIMIT 1), "
            "  CASE WHEN ? = 1 THEN EXISTS (SELECT 1 FROM orders o JOIN chat_sessions cs ON cs.id = m.session_id "
            "     WHERE o.shop_id = cs.shop_id AND o.buyer_nick = cs.buyer_nick AND m.asked_at IS NOT NULL "
            "     AND COALESCE(o.created_at, o.paid_at) >= m.asked_at "
            "     AND COALESCE(o.created_at, o.paid_at) <= datetime(m.asked_at, ?)) END "
            "FROM faq_members m JOIN chat_messages a ON a.id = m.answer_id WHERE m.cluster_id = ?",
            (int(has_orders), f"+{int(conversion_hours)} hours", cluster_id),
        ).fetchall()
        key = normalise or (lambda t: _SPACES.sub("", t))
        groups: dict[str, dict] = {}
        for text, session, end, converted in rows:
            text = (text or "").strip()
            if not text:
                continue
            g = groups.setdefault(
                key(text) or text, {"texts": {}, "sessions": set(), "labels": [], "scores": [], "conv": []}
            )
            g["texts"][text] = g["texts"].get(text, 0) + 1
            if session not in g["sessions"]:
                g["sessions"].add(session)
                if end:
                    label, score = end.split("|", 1)
                    g["labels"].append(label)
                    g["scores"].append(float(score))
                if converted is not None:
                    g["conv"].append(int(converted))
        out = []
        for g in groups.values():
            n_sessions = len(g["sessions"])
            labels = g["labels"]
            out.append(
                FaqAnswer(
                    text=max(g["texts"].items(), key=lambda kv: kv[1])[0],
                    count=sum(g["texts"].values()),
                    sessions=n_sessions,
                    end_positive=labels.count("正面") / len(labels) if labels else 0.0,
                    end_negative=labels.count("负面") / len(labels) if labels else 0.0,
                    end_score=sum(g["scores"]) / len(g["scores"]) if g["scores"] else None,
                    conversion=(sum(g["conv"]) / len(g["conv"])) if has_orders and g["conv"] else None,
                )
            )
        if sort == "outcome":
            out.sort(key=lambda a: (-(a.end_score or 0.0), -(a.conversion or 0.0), -a.count))
        else:
            out.sort(key=lambda a: (-a.count, -(a.end_score or 0.0)))
        return out[:limit]

    def timeline(
        self,
        cluster_ids: Sequence[int] | None = None,
        *,
        top: int = 5,
        bucket: str = "day",
        product: str | None = None,
        shop_id: int | None = None,
    ) -> list[tuple[str, int, int]]:
        """(period start, cluster id, questions) for these clusters or the ``top`` largest visible ones."""
        fmt = {"day": "%Y-%m-%d", "week": "%Y-%W", "month": "%Y-%m"}[bucket]
        if cluster_ids is None:
            cluster_ids = [c.id for c in self.list_clusters(product=product, limit=top, shop_id=shop_id)]
        pfilter, pargs = _member_filter(product, shop_id)
        return self._conn.execute(
            f"SELECT strftime('{fmt}', asked_at) AS p, cluster_id, COUNT(*) FROM faq_members m "
            f"WHERE asked_at IS NOT NULL AND cluster_id IN (SELECT value FROM json_each(?)) {pfilter} "
            "GROUP BY p, cluster_id ORDER BY p, cluster_id",
            (json.dumps(list(cluster_ids)), *pargs),
        ).fetchall()

    def products(self, shop_id: int | None = None) -> list[tuple[str, int]]:
        """(product, questions) for the per-product filter, most asked first (of one shop when given)."""
        extra, args = _member_filter(None, shop_id)
        return self._conn.execute(
            "SELECT product, COUNT(*) FROM faq_members m WHERE product IS NOT NULL AND cluster_id IS NOT NULL "
            f"{extra} GROUP BY product ORDER BY COUNT(*) DESC, product",
            args,
        ).fetchall()

    def shops(self) -> list[tuple[int, str, str]]:
        """(id, name, platform) of the shops with questions: the page's shop filter."""
        return self._conn.execute(
            "SELECT id, name, platform FROM shops WHERE id IN (SELECT shop_id FROM chat_sessions WHERE id IN "
            "(SELECT DISTINCT session_id FROM faq_members)) ORDER BY id"
        ).fetchall()

    def message_sessions(self, message_ids: Sequence[int]) -> dict[int, int]:
        """The store's session id (``chat_sessions.id``) of each of these questions' messages."""
        return dict(
            self._conn.execute(
                "SELECT id, session_id FROM chat_messages WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps([int(i) for i in message_ids]),),
            ).fetchall()
        )

    def question_count(self, cluster_id: int | None, *, product: str | None = None, shop_id: int | None = None) -> int:
        """Questions of a cluster (None: unclustered), of ``product`` / ``shop_id`` when given."""
        extra, args = _member_filter(product, shop_id)
        return int(
            self._conn.execute(
                f"SELECT COUNT(*) FROM faq_members m WHERE cluster_id IS ? {extra}", (cluster_id, *args)
            ).fetchone()[0]
        )

    def cluster_labels(self, *, include_hidden: bool = True) -> list[tuple[int, str, int]]:
        """(id, label, size) of every cluster with questions, largest first: the choices of 「移到…」."""
        where = "" if include_hidden else "AND hidden = 0"
        return self._conn.execute(
            f"SELECT id, label, size FROM faq_clusters WHERE size > 0 {where} ORDER BY size DESC, id"
        ).fetchall()

    def counts(self) -> tuple[int, int, int]:
        """(questions, clustered questions, visible clusters)."""
        q, c = self._conn.execute("SELECT COUNT(*), COUNT(cluster_id) FROM faq_members").fetchone()
        k = self._conn.execute("SELECT COUNT(*) FROM faq_clusters WHERE hidden = 0 AND size > 0").fetchone()[0]
        return int(q), int(c), int(k)

    # --- curation (call inside store.transaction()) ---------------------------------------

    def _touch(self, ids: Iterable[int]) -> None:
        self._conn.executemany(
            "UPDATE faq_clusters SET centroid = NULL, updated_at = datetime('now','localtime') WHERE id = ?",
            ((i,) for i in ids),
        )

    def rename(self, cluster_id: int, label: str) -> None:
        label = label.strip()
        if not label:
            raise ValueError("label must not be empty")
        self._conn.execute(
            "UPDATE faq_clusters SET label=?, label_manual=1, updated_at=datetime('now','localtime') WHERE id=?",
            (label, cluster_id),
        )

    def pin(self, cluster_id: int, pinned: bool = True) -> None:
        self._conn.execute("UPDATE faq_clusters SET pinned=? WHERE id=?", (int(pinned), cluster_id))

    def hide(self, cluster_id: int, hidden: bool = True) -> None:
        self._conn.execute("UPDATE faq_clusters SET hidden=? WHERE id=?", (int(hidden), cluster_id))

    def save_answer(self, cluster_id: int, text: str | None) -> None:
        text = (text or "").strip() or None
        self._conn.execute(
            "UPDATE faq_clusters SET recommended_answer=?, answer_saved_at="
            "CASE WHEN ? IS NULL THEN NULL ELSE datetime('now','localtime') END WHERE id=?",
            (text, text, cluster_id),
        )

    def merge(self, target_id: int, source_ids: Sequence[int]) -> int:
        """Move every question of ``source_ids`` into ``target_id`` and delete the sources; returns questions moved.

        The target keeps its label and answer; it takes a source's answer when it has none,
        and stays pinned if any of them was.
        """
        sources = [s for s in source_ids if s != target_id]
        if not sources:
            return 0
        ids = json.dumps(sources)
        self._conn.execute(
            "UPDATE faq_clusters SET recommended_answer = COALESCE(recommended_answer, (SELECT recommended_answer "
            "FROM faq_clusters s WHERE s.id IN (SELECT value FROM json_each(?)) AND s.recommended_answer IS NOT NULL "
            "ORDER BY s.size DESC LIMIT 1)), pinned = MAX(pinned, (SELECT COALESCE(MAX(pinned), 0) FROM faq_clusters "
            "s WHERE s.id IN (SELECT value FROM json_each(?)))) WHERE id = ?",
            (ids, ids, target_id),
        )
        moved = self._conn.execute(
            "UPDATE faq_members SET cluster_id=?, manual=1 WHERE cluster_id IN (SELECT value FROM json_each(?))",
            (target_id, ids),
        ).rowcount
        self._conn.execute("DELETE FROM faq_clusters WHERE id IN (SELECT value FROM json_each(?))", (ids,))
        self._touch([target_id])
        self.refresh_sizes()
        return moved

    def move_questions(
        self, message_ids: Sequence[int], *, to_cluster: int | None = None, new_label: str | None = None
    ) -> int:
        """Split: move questions out to ``to_cluster`` or to a new cluster named ``new_label``; returns its id."""
        ids = json.dumps(list(message_ids))
        old = [
            r[0]
            for r in self._conn.execute(
                "SELECT DISTINCT cluster_id FROM faq_members WHERE message_id IN (SELECT value FROM json_each(?)) "
                "AND cluster_id IS NOT NULL",
                (ids,),
            )
        ]
        if to_cluster is None:
            label = (new_label or "").strip()
            if not label:
                first = self._conn.execute(
                    "SELECT COALESCE(question, question_norm) FROM faq_members WHERE message_id IN "
                    "(SELECT value FROM json_each(?)) ORDER BY message_id LIMIT 1",
                    (ids,),
                ).fetchone()
                label = first[0] if first else "新问题组"
            to_cluster = self.create_cluster(label)
            if new_label:
                self._conn.execute("UPDATE faq_clusters SET label_manual=1 WHERE id=?", (to_cluster,))
        self._conn.execute(
            "UPDATE faq_members SET cluster_id=?, manual=1 WHERE message_id IN (SELECT value FROM json_each(?))",
            (to_cluster, ids),
        )
        self._touch([*old, to_cluster])
        self.refresh_sizes()
        return to_cluster
