"""Queries behind the 评价分析 page: one :class:`VocFilter`, many read-only views of reviews.

Every view (the list, the charts, the emerging complaints) goes through
:func:`build_where`, so a filter means the same thing everywhere and the
user's values only ever travel as SQL parameters, never pasted into the text.

Filter semantics worth knowing:

- ``product`` is the product id, or the title when the export had no id.
- ``date_to`` is inclusive (the whole day).
- ``ratings`` holds stars 1–5, :data:`WORD_RATINGS` keys (11 差评, 12 中评, 13 好评) for
  reviews rated only in words (评价等级), and :data:`NO_RATING` (0) for reviews with neither.
- ``polarity`` applies to the ``aspect`` mention when an aspect is chosen
  (「物流」 + 负面 = reviews that complain about logistics); without an
  aspect it is the review's overall sentiment label.
- ``shift_only`` keeps the reviews whose 追评 turned negative after a
  positive first review (``review_text_state.shift = 1``, set by the
  aspect stage): an early warning of quality problems.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from cxdesk.store._days import edge_day, plausible_sql
from cxdesk.store.reviews import product_names

NO_RATING = 0
# Reviews without stars whose 评价等级 words give a class (cxdesk.ratings): 10 + the class.
WORD_RATINGS = {11: "差评", 12: "中评", 13: "好评"}
# The rating key of a review, as the chart and the filter use it.
_RATING_KEY = (
    "CASE WHEN r.rating IS NOT NULL THEN r.rating WHEN r.rating_class IS NOT NULL THEN 10 + r.rating_class ELSE 0 END"
)
POLARITIES = ("正面", "中性", "负面")

# List columns the user may sort by -> SQL expression (a whitelist: never user text).
SORT_KEYS = {
    "date": "r.created_at",
    "shop": "sh.name",
    "product": "r.product_title",
    "sku": "r.sku",
    "rating": "r.rating",
    "sentiment": "s.score",
    "content": "r.content",
}

_ROW_SELECT = """
SELECT r.id, r.created_at, sh.name, COALESCE(r.product_title, r.product_id, ''), COALESCE(r.sku, ''),
       r.rating, s.label, s.score, r.content,
       COALESCE(r.append_content, '') <> '', COALESCE(r.seller_reply, '') <> '', COALESCE(s.no_content, 0),
       COALESCE(t.shift, 0), r.rating_class
FROM reviews r
JOIN shops sh ON sh.id = r.shop_id
LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id
LEFT JOIN review_text_state t ON t.review_id = r.id
"""

_SHIFT_SELECT = """
SELECT r.id, sh.name, COALESCE(r.product_title, r.product_id, ''), r.rating,
       r.created_at, r.content, s.label, s.score,
       r.append_at, COALESCE(r.append_content, ''), t.append_label, t.append_score
FROM reviews r
JOIN shops sh ON sh.id = r.shop_id
JOIN review_text_state t ON t.review_id = r.id AND t.shift = 1
LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id
"""

_REVIEW_TIMES = (("reviews", "created_at"),)
_WEEK_START = "date(r.created_at, '-' || ((CAST(strftime('%w', r.created_at) AS INTEGER) + 6) % 7) || ' days')"


@dataclass(frozen=True)
class VocFilter:
    """What the user narrowed the reviews to; empty fields mean 「不限」."""

    shop_id: int | None = None
    platform: str | None = None
    product: str | None = None
    sku: str = ""
    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    ratings: tuple[int, ...] = ()
    aspect: str | None = None
    polarity: str | None = None
    shift_only: bool = False

    def changed(self, **changes: Any) -> VocFilter:
        return replace(self, **changes)

    def drivers_part(self) -> VocFilter:
        """What 差评原因 takes of this filter: shops, platform, product, SKU and dates.

        Ratings, aspect and polarity would remove one side of the comparison, and a text or the
        追评转差 list would pick reviews by what they say.
        """
        return replace(self, text="", ratings=(), aspect=None, polarity=None, shift_only=False)


@dataclass(frozen=True)
class ReviewRow:
    """One line of the review list."""

    id: int
    created_at: str | None
    shop: str
    product: str
    sku: str
    rating: int | None
    label: str | None
    score: float | None
    content: str
    has_append: bool
    has_reply: bool
    no_content: bool = False  # analysed, but there was no text to judge
    shift: bool = False  # the 追评 turned negative after a positive first review
    rating_class: int | None = None  # 1 差评, 2 中评, 3 好评 (from stars, else the 评价等级 words)


@dataclass(frozen=True)
class AspectMention:
    """One aspect mention; offsets index ``content`` (part 'content') or ``append_content`` ('append')."""

    aspect: str
    opinion: str | None
    polarity: str | None
    span_start: int | None
    span_end: int | None
    part: str = "content"
    clause_start: int | None = None
    clause_end: int | None = None


@dataclass(frozen=True)
class ShiftRow:
    """A review whose 追评 turned negative: the first review and the follow-up side by side."""

    id: int
    shop: str
    product: str
    rating: int | None
    created_at: str | None
    content: str
    label: str | None
    score: float | None
    append_at: str | None
    append_content: str
    append_label: str | None
    append_score: float | None


@dataclass(frozen=True)
class ReviewDetail:
    """Everything shown under the list for the selected review."""

    id: int
    shop: str
    platform: str
    product: str
    sku: str
    rating: int | None
    created_at: str | None
    content: str
    append_content: str
    append_at: str | None
    seller_reply: str
    label: str | None
    score: float | None
    append_label: str | None = None
    append_score: float | None = None
    shift: bool = False
    aspects: list[AspectMention] = field(default_factory=list)
    rating_class: int | None = None

    def mentions(self, part: str) -> list[AspectMention]:
        """The mentions found in the first review ('content') or in the 追评 ('append')."""
        return [a for a in self.aspects if a.part == part]


@dataclass(frozen=True)
class WeekPoint:
    """Sentiment of the reviews of one week (Monday start), empty texts left out."""

    week_start: date
    reviews: int
    negative: int
    mean_score: float | None

    @property
    def negative_share(self) -> float:
        return self.negative / self.reviews if self.reviews else 0.0


@dataclass(frozen=True)
class AspectCount:
    aspect: str
    positive: int
    neutral: int
    negative: int

    @property
    def mentions(self) -> int:
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True)
class ProductAspectCell:
    product: str
    title: str
    aspect: str
    mentions: int
    negative: int


@dataclass(frozen=True)
class VocOptions:
    """Choices offered by the filter bar, and what has been analysed."""

    shops: list[tuple[int, str, str]]  # (id, name, platform)
    platforms: list[str]
    products: list[tuple[str, str, int]]  # (key, title, reviews)
    aspects: list[str]
    first_date: date | None
    last_date: date | None
    reviews: int
    has_sentiment: bool
    has_aspects: bool  # the aspect stage has run (mentions or per-review markers exist)
    has_text_state: bool = False  # 追评 sentiment and shift are known


def build_where(f: VocFilter) -> tuple[str, list[Any]]:
    """The WHERE clause (over ``reviews r``) and its parameters for a filter."""
    clauses: list[str] = []
    params: list[Any] = []

    def add(sql: str, *values: Any) -> None:
        clauses.append(sql)
        params.extend(values)

    if f.shop_id is not None:
        add("r.shop_id = ?", f.shop_id)
    if f.platform:
        add("r.shop_id IN (SELECT id FROM shops WHERE platform = ?)", f.platform)
    if f.product:
        add("COALESCE(r.product_id, r.product_title) = ?", f.product)
    if f.sku:
        add("instr(r.sku, ?) > 0", f.sku)
    if f.text:
        add("(instr(r.content, ?) > 0 OR instr(COALESCE(r.append_content, ''), ?) > 0)", f.text, f.text)
    if f.date_from is not None:
        add("r.created_at >= ?", f.date_from.isoformat())
    if f.date_to is not None:
        add("r.created_at < ?", (f.date_to + timedelta(days=1)).isoformat())
    if f.ratings:
        _add_ratings(f.ratings, clauses, params)
    # IN (subquery), not a correlated EXISTS: SQLite builds the id list once. With EXISTS it
    # picked the (aspect, polarity) index and rescanned every matching mention per review:
    # minutes instead of 0.15 s on 200k reviews / 690k mentions.
    if f.aspect:
        polarity_sql = " AND polarity = ?" if f.polarity else ""
        add(
            f"r.id IN (SELECT review_id FROM review_aspects WHERE aspect = ?{polarity_sql})",
            f.aspect,
            *([f.polarity] if f.polarity else []),
        )
    elif f.polarity:
        add("r.id IN (SELECT target_id FROM sentiment WHERE target_type = 'review' AND label = ?)", f.polarity)
    if f.shift_only:
        add("r.id IN (SELECT review_id FROM review_text_state WHERE shift = 1)")
    return (" AND ".join(clauses) or "1"), params


def _add_ratings(ratings: tuple[int, ...], clauses: list[str], params: list[Any]) -> None:
    stars = sorted({int(r) for r in ratings if 1 <= int(r) <= 5})
    words = sorted({int(r) - 10 for r in ratings if int(r) in WORD_RATINGS})
    parts = [f"r.rating IN ({', '.join('?' * len(stars))})"] if stars else []
    if words:
        parts.append(f"(r.rating IS NULL AND r.rating_class IN ({', '.join('?' * len(words))}))")
    if NO_RATING in ratings:
        parts.append("(r.rating IS NULL AND r.rating_class IS NULL)")
    clauses.append(f"({' OR '.join(parts) or '0'})")
    params.extend(stars + words)


class VocRepo:
    """Read-only queries of the 评价分析 page (works on a read-only connection too)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _one(self, sql: str, params: list[Any] | tuple = ()) -> Any:
        return self._conn.execute(sql, params).fetchone()[0]

    # --- what exists --------------------------------------------------------

    def has_sentiment(self) -> bool:
        return bool(self._one("SELECT EXISTS (SELECT 1 FROM sentiment WHERE target_type = 'review')"))

    def has_aspects(self) -> bool:
        """Whether the aspect stage has run: it leaves mentions, or at least per-review markers."""
        return bool(
            self._one("SELECT EXISTS (SELECT 1 FROM review_aspects) OR EXISTS (SELECT 1 FROM review_text_state)")
        )

    def last_date(self) -> date | None:
        """The newest review's day (index lookup: cheaper than :meth:`options`)."""
        return edge_day(self._conn, _REVIEW_TIMES, newest=True)

    def has_text_state(self) -> bool:
        return bool(self._one("SELECT EXISTS (SELECT 1 FROM review_text_state)"))

    def options(self) -> VocOptions:
        q = self._conn.execute
        shops = [
            tuple(r)
            for r in q(
                "SELECT id, name, platform FROM shops WHERE id IN (SELECT DISTINCT shop_id FROM reviews) ORDER BY id"
            )
        ]
        products = [
            tuple(r)
            for r in q(
                "SELECT COALESCE(product_id, product_title) AS k, MAX(COALESCE(product_title, product_id)), COUNT(*) "
                "FROM reviews WHERE COALESCE(product_id, product_title) IS NOT NULL GROUP BY k ORDER BY COUNT(*) DESC, k"
            )
        ]
        total = q("SELECT COUNT(*) FROM reviews").fetchone()[0]
        first, last = (edge_day(self._conn, _REVIEW_TIMES, newest=n) for n in (False, True))
        return VocOptions(
            shops=shops,  # type: ignore[arg-type]
            platforms=sorted({s[2] for s in shops}),
            products=products,  # type: ignore[arg-type]
            aspects=[r[0] for r in q("SELECT aspect FROM review_aspects GROUP BY aspect ORDER BY COUNT(*) DESC")],
            first_date=first,
            last_date=last,
            reviews=int(total),
            has_sentiment=self.has_sentiment(),
            has_aspects=self.has_aspects(),
            has_text_state=self.has_text_state(),
        )

    # --- the list -----------------------------------------------------------

    def count(self, f: VocFilter) -> int:
        where, params = build_where(f)
        return int(self._one(f"SELECT COUNT(*) FROM reviews r WHERE {where}", params))

    def page(
        self, f: VocFilter, sort: str = "date", descending: bool = True, offset: int = 0, limit: int = 200
    ) -> list[ReviewRow]:
        """One page of the filtered list, sorted in SQL (``sort`` is a :data:`SORT_KEYS` key)."""
        where, params = build_where(f)
        direction = "DESC" if descending else "ASC"
        order = f"{SORT_KEYS[sort]} {direction}, r.id {direction}"
        rows = self._conn.execute(
            f"{_ROW_SELECT} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset]
        )
        return [ReviewRow(*r[:9], bool(r[9]), bool(r[10]), bool(r[11]), bool(r[12]), r[13]) for r in rows]

    def shift_page(self, f: VocFilter, offset: int = 0, limit: int = 200) -> list[ShiftRow]:
        """Reviews of ``f`` whose 追评 turned negative, newest 追评 first."""
        where, params = build_where(f)
        rows = self._conn.execute(
            f"{_SHIFT_SELECT} WHERE {where} ORDER BY COALESCE(r.append_at, r.created_at) DESC, r.id DESC "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [ShiftRow(*r) for r in rows]

    def detail(self, review_id: int) -> ReviewDetail | None:
        row = self._conn.execute(
            "SELECT r.id, sh.name, sh.platform, COALESCE(r.product_title, r.product_id, ''), COALESCE(r.sku, ''), "
            "r.rating, r.created_at, r.content, COALESCE(r.append_content, ''), r.append_at, "
            "COALESCE(r.seller_reply, ''), s.label, s.score, t.append_label, t.append_score, "
            "COALESCE(t.shift, 0), r.rating_class "
            "FROM reviews r JOIN shops sh ON sh.id = r.shop_id "
            "LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "LEFT JOIN review_text_state t ON t.review_id = r.id WHERE r.id = ?",
            (review_id,),
        ).fetchone()
        if row is None:
            return None
        aspects = [
            AspectMention(*a)
            for a in self._conn.execute(
                "SELECT aspect, opinion, polarity, span_start, span_end, part, clause_start, clause_end "
                "FROM review_aspects WHERE review_id = ? "
                "ORDER BY part = 'append', COALESCE(clause_start, span_start), span_start",
                (review_id,),
            )
        ]
        return ReviewDetail(*row[:15], bool(row[15]), aspects=aspects, rating_class=row[16])

    # --- charts -------------------------------------------------------------

    def rating_distribution(self, f: VocFilter) -> dict[int, int]:
        """Reviews per star (1–5), per 评价等级 word class without stars (:data:`WORD_RATINGS`) and
        :data:`NO_RATING`; every key present."""
        where, params = build_where(f)
        counts = dict.fromkeys((1, 2, 3, 4, 5, *WORD_RATINGS, NO_RATING), 0)
        for rating, n in self._conn.execute(
            f"SELECT {_RATING_KEY}, COUNT(*) FROM reviews r WHERE {where} GROUP BY 1", params
        ):
            counts[int(rating)] = int(n)
        return counts

    def weekly_trend(self, f: VocFilter) -> list[WeekPoint]:
        """Per ISO week: reviews with sentiment, how many 负面, mean score (no_content=1 left out)."""
        where, params = build_where(f)
        real, bounds = plausible_sql("r.created_at")  # an older store may hold 2024-02-30: left out
        rows = self._conn.execute(
            f"SELECT {_WEEK_START} AS wk, COUNT(*), SUM(s.label = '负面'), AVG(s.score) FROM reviews r "
            "JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id AND s.no_content = 0 "
            f"WHERE {where} AND {real} GROUP BY wk ORDER BY wk",
            [*params, *bounds],
        )
        return [WeekPoint(date.fromisoformat(wk), int(n), int(neg or 0), mean) for wk, n, neg, mean in rows]

    def aspect_counts(self, f: VocFilter) -> list[AspectCount]:
        """Mentions per aspect and polarity, most mentioned first."""
        where, params = build_where(f)
        rows = self._conn.execute(
            "SELECT a.aspect, SUM(a.polarity = '正面'), SUM(a.polarity = '中性'), SUM(a.polarity = '负面') "
            f"FROM review_aspects a JOIN reviews r ON r.id = a.review_id WHERE {where} "
            "GROUP BY a.aspect ORDER BY COUNT(*) DESC, a.aspect",
            params,
        )
        return [AspectCount(a, int(p or 0), int(m or 0), int(n or 0)) for a, p, m, n in rows]

    def product_aspects(self, f: VocFilter) -> list[ProductAspectCell]:
        """Mentions and negative mentions per (product, aspect)."""
        return self.aspect_breakdown(f)[1]

    def aspect_breakdown(self, f: VocFilter) -> tuple[list[AspectCount], list[ProductAspectCell]]:
        """:meth:`aspect_counts` and :meth:`product_aspects` from one pass over the mentions.

        The page needs both; joining 690k mentions to 200k reviews twice took
        4.1 s, once 1.5 s.
        """
        where, params = build_where(f)
        rows = self._conn.execute(
            "SELECT COALESCE(r.product_id, r.product_title) AS k, MAX(COALESCE(r.product_title, r.product_id)), "
            "a.aspect, SUM(a.polarity = '正面'), SUM(a.polarity = '中性'), SUM(a.polarity = '负面'), COUNT(*) "
            f"FROM review_aspects a JOIN reviews r ON r.id = a.review_id WHERE {where} "
            "GROUP BY k, a.aspect",
            params,
        ).fetchall()
        totals: dict[str, list[int]] = {}
        cells = []
        for key, title, aspect, pos, neu, neg, n in rows:
            counts = totals.setdefault(aspect, [0, 0, 0, 0])
            for i, value in enumerate((pos, neu, neg, n)):
                counts[i] += int(value or 0)
            if key is not None:
                cells.append(ProductAspectCell(key, title, aspect, int(n), int(neg or 0)))
        order = sorted(totals, key=lambda a: (-totals[a][3], a))
        return [AspectCount(a, *totals[a][:3]) for a in order], cells

    def product_names(self) -> tuple[list[str], list[str]]:
        """Product titles and SKU texts of every review: words the tokenizer must keep whole."""
        return product_names(self._conn)

    def rated_mentions(self, f: VocFilter) -> Iterator[tuple[int, int, str | None, str | None]]:
        """(review id, rating class, aspect, polarity) per 正面/负面 mention of rated first reviews.

        For :func:`cxdesk.analysis.star_drivers.star_drivers`: reviews rated 差评 or 好评 (stars or
        words), with text, read by the aspect stage; one row of Nones for such a review without
        mentions. Only :meth:`VocFilter.drivers_part` of the filter is applied. A generator: the
        rows are read as they are used.
        """
        where, params = build_where(f.drivers_part())
        rows = self._conn.execute(
            "SELECT r.id, r.rating_class, a.aspect, a.polarity FROM reviews r "
            "JOIN review_text_state t ON t.review_id = r.id "
            "LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            "LEFT JOIN review_aspects a ON a.review_id = r.id AND a.part = 'content' "
            "AND a.polarity IN ('正面', '负面') "
            f"WHERE {where} AND r.rating_class IN (1, 3) AND COALESCE(s.no_content, 0) = 0",
            params,
        )
        for row in rows:  # streamed: 200k reviews give ~450k rows, never held as one list
            yield tuple(row)  # type: ignore[misc]

    def texts(self, f: VocFilter) -> list[tuple[str, bool]]:
        """(content + 追评, is negative) per review; negative = 1–2★ or sentiment 负面."""
        where, params = build_where(f)
        rows = self._conn.execute(
            "SELECT r.content || COALESCE(' ' || r.append_content, ''), "
            "CASE WHEN r.rating <= 2 OR s.label = '负面' THEN 1 ELSE 0 END FROM reviews r "
            "LEFT JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id "
            f"WHERE {where}",
            params,
        )
        return [(text, bool(neg)) for text, neg in rows]
