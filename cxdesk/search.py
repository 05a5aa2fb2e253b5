"""Full-text search over chat messages and reviews (first review and 追评).

Why one token per character: SQLite's trigram tokenizer cannot match one- or
two-character queries, and Chinese shop owners search for exactly those (退,
发票, 差评). The index therefore stores every CJK character (and every digit)
as its own token and keeps ASCII words whole; a query becomes a phrase of
adjacent tokens, so any substring of any length matches, one character
included. The text is tokenised here in Python (``index_text``) and handed
to FTS5's plain ``unicode61`` tokenizer, which splits on the spaces we put in.

Results come newest-first by id (import order) with a LIMIT, so a query that
matches half the database still answers after reading one page of its
doclist; counts stop at :data:`COUNT_CAP`.
"""

from __future__ import annotations

import heapq
import re
import time
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from cxdesk.errors import CxdeskError

TOKENIZER_VERSION = "cjkchar-1"
COUNT_CAP = 1000
MAX_TERMS = 8
MAX_QUERY_CHARS = 60
KINDS = ("all", "message", "review")
ROLES = ("buyer", "agent")

# Characters indexed one per token: kana, CJK ideographs (+ ext. A, compatibility),
# Hangul syllables and digits (so part of an order or phone number matches too).
_SINGLE_RANGES = (
    (0x3040, 0x3100),
    (0x3400, 0x4DC0),
    (0x4E00, 0xA000),
    (0xF900, 0xFB00),
    (0xAC00, 0xD7B0),
    (0x30, 0x3A),
)
# Full-width ASCII (Ｉｐｈｏｎｅ１３) is folded to ASCII first; full-width digits become single tokens.
_FULLWIDTH = range(0xFF01, 0xFF5F)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _SINGLE_RANGES:
        table.update((c, f" {chr(c)} ") for c in range(lo, hi))
    for c in _FULLWIDTH:
        ascii_char = chr(c - 0xFEE0)
        table[c] = f" {ascii_char} " if ascii_char.isdigit() else ascii_char
    table[0x3000] = " "  # ideographic space
    for c in range(0x20000, 0x30000):  # CJK extensions B–G
        table[c] = f" {chr(c)} "
    return table


_TABLE = _build_table()
# What FTS5's unicode61 tokenizer treats as part of a token: letters, numbers (and private use).
_TOKEN_RE = re.compile(r"[^\W_]+")
_GAP = r"[\W_]*"  # separators FTS5 skips between two adjacent tokens


def index_text(text: str | None) -> str:
    """The text as the index stores it: every CJK character and digit its own token."""
    return (text or "").translate(_TABLE)


def tokens(text: str) -> list[str]:
    """Tokens of ``text`` as the index sees them (lower-case)."""
    return _TOKEN_RE.findall(index_text(text).lower())


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: whitespace-separated terms, all of which must occur."""

    text: str
    terms: tuple[tuple[str, ...], ...]  # each term as its index tokens

    @property
    def match(self) -> str:
        """The FTS5 MATCH expression: one phrase per term; an ASCII last token matches as a prefix."""
        phrases = []
        for toks in self.terms:
            prefix = "*" if toks[-1].isascii() and toks[-1].isalpha() else ""
            phrases.append('"' + " ".join(toks) + '"' + prefix)
        return " AND ".join(phrases)


def parse_query(text: str) -> SearchQuery:
    """Parse what the user typed.

    Raises
    ------
    SearchQueryError
        Empty, only punctuation, too long, or too many terms.
    """
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"搜索词太长（{len(text)} 个字符），请缩短到 {MAX_QUERY_CHARS} 个字符以内。")
    terms = tuple(t for t in (tuple(tokens(part)) for part in text.split()) if t)
    if not terms:
        raise SearchQueryError("请输入要搜索的文字（标点和表情不能单独搜索）。")
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(f"搜索词最多 {MAX_TERMS} 个（用空格分开），请减少一些。")
    return SearchQuery(text, terms)


class SearchQueryError(CxdeskError):
    """The query cannot be searched; the message says why, in Chinese."""


# --- highlighting ------------------------------------------------------------------------


def _normalized(text: str) -> str:
    """``text`` folded like the index (full-width → ASCII, lower case), same length, so offsets carry over."""
    out = []
    for ch in text:
        mapped = _TABLE.get(ord(ch), ch).strip() or " "
        low = mapped.lower()
        out.append(low if len(low) == 1 else mapped if len(mapped) == 1 else ch)
    return "".join(out)


def _term_pattern(toks: tuple[str, ...]) -> re.Pattern[str]:
    """The term as the index matches it: its tokens with only separators between them.

    ASCII words are whole tokens in the index, so they start at a word start,
    and all but the last (which FTS5 matches as a prefix) end at a word end.
    """
    parts = []
    for i, tok in enumerate(toks):
        word = tok.isascii() and tok.isalpha()
        before = "(?<![a-z])" if word else ""
        after = "(?![a-z])" if word and i < len(toks) - 1 else ""
        parts.append(before + re.escape(tok) + after)
    return re.compile(_GAP.join(parts))


def highlight_spans(text: str | None, query: SearchQuery) -> list[tuple[int, int]]:
    """(start, end) offsets into ``text`` of every occurrence of every term, merged and sorted."""
    if not text:
        return []
    norm = _normalized(text)
    spans = sorted(m.span() for toks in query.terms for m in _term_pattern(toks).finditer(norm) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, spans: list[tuple[int, int]], width: int = 80) -> tuple[str, list[tuple[int, int]]]:
    """A window of about ``width`` characters around the first hit, and the spans shifted into it."""
    if len(text) <= width:
        return text, list(spans)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - width // 4, len(text) - width))
    end = start + width
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    inside = [(max(s, start) + shift, min(e, end) + shift) for s, e in spans if e > start and s < end]
    return prefix + text[start:end] + suffix, inside


# --- searching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """What the results are limited to (``None`` = no limit)."""

    kind: str = "all"  # all | message | review
    shop_ids: tuple[int, ...] | None = None
    platform: str | None = None
    role: str | None = None  # buyer | agent: messages by that side; reviews count as the buyer's
    date_from: date | None = None
    date_to: date | None = None  # inclusive

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SearchQueryError(f"未知的搜索范围“{self.kind}”。")
        if self.role is not None and self.role not in ROLES:
            raise SearchQueryError(f"未知的发言方“{self.role}”。")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SearchQueryError("开始日期晚于结束日期，请调整日期范围。")

    @property
    def searches_messages(self) -> bool:
        return self.kind in ("all", "message")

    @property
    def searches_reviews(self) -> bool:
        return self.kind in ("all", "review") and self.role != "agent"

    def time_bounds(self) -> tuple[str | None, str | None]:
        """[from, to) as the store's 'YYYY-MM-DD HH:MM:SS' text."""
        lo = self.date_from.isoformat() if self.date_from else None
        hi = (self.date_to + timedelta(days=1)).isoformat() if self.date_to else None
        return lo, hi


@dataclass(frozen=True)
class SearchHit:
    """One matching message or review, with the hit offsets into ``text``."""

    kind: str  # message | review
    target_id: int
    shop_id: int
    shop: str
    platform: str
    at: str | None
    text: str
    spans: tuple[tuple[int, int], ...]
    buyer_nick: str | None = None
    role: str | None = None  # messages: buyer | agent | system | bot
    sender: str | None = None
    session_id: int | None = None
    part: str = "content"  # reviews: which text matched: content | append
    rating: int | None = None


@dataclass(frozen=True)
class SearchCursor:
    """Where the next page starts: per stream (kind, shop id), below this index rowid.

    Streams that were read to their end are left out; no streams left means no next page.
    """

    streams: tuple[tuple[str, int, int], ...]


@dataclass
class SearchPage:
    query: SearchQuery
    hits: list[SearchHit]
    total: int  # capped at COUNT_CAP
    total_capped: bool
    next_cursor: SearchCursor | None
    not_indexed: int  # texts imported after the last index build
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


_START = 1 << 62  # above any id: the first page


def search(
    store,
    text: str,
    filters: SearchFilters | None = None,
    *,
    limit: int = 50,
    cursor: SearchCursor | None = None,
    with_count: bool = True,
) -> SearchPage:
    """Search messages and/or reviews, newest first.

    Each (kind, shop) is one id-ordered stream; the streams are merged by
    time, ``limit`` hits at a time; ``cursor`` continues where the previous
    page stopped.

    Raises
    ------
    SearchQueryError
        The query or the filters cannot be searched.
    SearchIndexMissing
        The index was never built (run 分析 first).
    """
    started = time.perf_counter()
    query = parse_query(text)
    filters = filters or SearchFilters()
    repo = store.search_index
    if not repo.is_built():
        raise SearchIndexMissing("搜索索引还没有建立：请先运行一次“分析数据”，之后新导入的数据也会在分析时加入索引。")
    shop_ids = _shop_ids(store, filters)
    if cursor is None:
        shops = shop_ids if shop_ids is not None else tuple(s.id for s in store.shops.all())
        kinds = [k for k, on in (("message", filters.searches_messages), ("review", filters.searches_reviews)) if on]
        cursor = SearchCursor(tuple((k, shop, _START) for k in kinds for shop in shops))
    # One stream per kind and shop: ids follow import order, which is time order within one
    # shop's exports but not across shops (a shop imported later would always come first).
    streams: list[list[SearchHit]] = []
    fetched: dict[tuple[str, int], int] = {}
    for kind, shop, before in cursor.streams:
        rows = repo.match(kind, query.match, filters, (shop,), before, limit + 1)
        fetched[(kind, shop)] = len(rows)
        streams.append([_hit(kind, r, query) for r in rows])
    merged = heapq.merge(*streams, key=lambda h: (h.at or "", h.target_id), reverse=True)
    hits = [h for _, h in zip(range(limit), merged)]
    next_cursor = _next_cursor(cursor, hits, fetched, limit)
    kinds_searched = sorted({k for k, _, _ in cursor.streams})
    counts = (
        {k: repo.count(k, query.match, filters, shop_ids, COUNT_CAP + 1) for k in kinds_searched} if with_count else {}
    )
    total = sum(counts.values())
    # A hit the highlighter cannot find is a stale index row (text changed since indexing): leave it out.
    return SearchPage(
        query,
        [h for h in hits if h.spans],
        min(total, COUNT_CAP),
        total > COUNT_CAP,
        next_cursor,
        repo.not_indexed(),
        time.perf_counter() - started,
        counts,
    )


class SearchIndexMissing(CxdeskError):
    """No search index in this database yet."""


def _shop_ids(store, filters: SearchFilters) -> tuple[int, ...] | None:
    """The shop filter and the platform filter as one list of shop ids."""
    if filters.platform is None:
        return filters.shop_ids
    ids = tuple(s.id for s in store.shops.all() if s.platform == filters.platform)
    if filters.shop_ids is not None:
        ids = tuple(i for i in ids if i in filters.shop_ids)
    return ids


def _next_cursor(
    cursor: SearchCursor, hits: list[SearchHit], fetched: dict[tuple[str, int], int], limit: int
) -> SearchCursor | None:
    """Each stream continues below its last shown hit; a stream shown to its end is done."""
    left = []
    for kind, shop, before in cursor.streams:
        shown = [h.target_id for h in hits if h.kind == kind and h.shop_id == shop]
        got = fetched[(kind, shop)]
        if got > limit or len(shown) < got:
            left.append((kind, shop, shown[-1] if shown else before))
    return SearchCursor(tuple(left)) if left else None


def _hit(kind: str, row: tuple, query: SearchQuery) -> SearchHit:
    if kind == "message":
        mid, session_id, shop_id, shop, platform, role, sender, sent_at, content, buyer = row
        return SearchHit(
            "message",
            mid,
            shop_id,
            shop,
            platform,
            sent_at,
            content,
            tuple(highlight_spans(content, query)),
            buyer,
            role,
            sender,
            session_id,
        )
    rid, shop_id, shop, platform, created_at, content, append, buyer, rating = row
    spans = highlight_spans(content, query)
    hit = SearchHit(
        "review", rid, shop_id, shop, platform, created_at, content, tuple(spans), buyer, "buyer", rating=rating
    )
    if not spans and append:
        hit = replace(hit, text=append, spans=tuple(highlight_spans(append, query)), part="append")
    return hit
