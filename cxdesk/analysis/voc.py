"""Voice of the customer: emerging complaints, highlighted aspect clauses, the heat table.

Pure functions over plain data (plus :func:`emerging_complaints`, which
takes the query repository as a parameter), so the CLI, reports and tests
get the same answers as the 评价分析 page.

Emerging complaints compare two periods of equal length: the filter's date
range (or, without one, the last :data:`DEFAULT_PERIOD_DAYS` days of data)
against the same number of days just before it. A term counts as
*emerging* when its negative share rose by at least :data:`MIN_RISE`
(0.10 = 10 percentage points), it was mentioned at least
:data:`MIN_MENTIONS` times this period and at least :data:`MIN_NEGATIVE`
of those mentions were negative: small samples swing wildly, and a shop
owner should only be alerted to complaints that are both new and real.
Terms are aspects once the aspect stage has run, and always words (jieba)
that appear in negative reviews (1–2★ or sentiment 负面): a new complaint
such as 「起球」 shows up as a word before any aspect rule knows about it.
A word that is also an aspect name is reported once, as the aspect.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from cxdesk.paths import resource_path

if TYPE_CHECKING:
    from cxdesk.store.voc import AspectMention, ProductAspectCell, VocFilter, VocRepo

MIN_RISE = 0.10
MIN_MENTIONS = 5
MIN_NEGATIVE = 3
DEFAULT_PERIOD_DAYS = 28
MAX_EMERGING = 8  # per kind: aspects first, then words
KEYWORD_CANDIDATES = 60  # most frequent words of negative reviews that are checked for a rise

STOPWORDS_FILE = ("lexicons", "voc_stopwords.txt")
# Words of these kinds (jieba's part-of-speech tags) never say what a complaint is about: numerals and
# measures (三个, 一箱, 几天), directions and times (里面, 之前, 最后), pronouns (这次, 你们), conjunctions
# (不如, 只有), adverbs (真心, 居然, 完全, 不要), places (网上). Nouns, verbs and adjectives stay, and so
# does every word jieba's dictionary does not tag (the shop's product words, new slang).
NON_CONTENT_TAGS = frozenset(("m", "mq", "q", "f", "t", "r", "rr", "rz", "c", "d", "ad", "df", "dg", "p", "u", "s"))
_WORD = re.compile(r"^[\u4e00-\u9fff]{2,6}$")  # Chinese words only: no digits, emoji or punctuation

Counts = Mapping[str, tuple[int, int]]  # term -> (mentions, negative mentions)


@dataclass(frozen=True)
class Period:
    """A date range, both ends inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start:%m-%d}～{self.end:%m-%d}"


@dataclass(frozen=True)
class Emerging:
    """A term whose negative share rose from the previous period to this one."""

    term: str
    kind: str  # "aspect" or "keyword"
    mentions: int
    negative: int
    previous_mentions: int
    previous_negative: int

    @property
    def share(self) -> float:
        return self.negative / self.mentions if self.mentions else 0.0

    @property
    def previous_share(self) -> float:
        return self.previous_negative / self.previous_mentions if self.previous_mentions else 0.0

    @property
    def rise(self) -> float:
        return self.share - self.previous_share

    def change(self) -> str:
        """E.g. 「负面 42%（上期 12%），本期提及 19 次」."""
        before = f"上期 {self.previous_share:.0%}" if self.previous_mentions else "上期未出现"
        return f"负面 {self.share:.0%}（{before}），本期提及 {self.mentions} 次"

    def describe(self) -> str:
        """E.g. 「物流：负面 42%（上期 12%），本期提及 19 次」."""
        return f"{self.term}：{self.change()}"


@dataclass(frozen=True)
class EmergingResult:
    """The emerging terms and the two periods they were computed on.

    ``kind`` is "aspect" when aspect mentions were compared (words too),
    "keyword" when only words could be (the aspect stage has not run).
    """

    items: list[Emerging]
    kind: str
    current: Period | None
    previous: Period | None


def comparison_periods(date_from: date | None, date_to: date | None, last: date | None) -> tuple[Period, Period] | None:
    """(this period, the same length just before); ``None`` when there are no dates at all.

    An open end is the newest review's day (``last``); an open start is
    :data:`DEFAULT_PERIOD_DAYS` days before the end.
    """
    end = date_to or last
    if end is None:
        return None
    start = min(date_from or (end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)), end)
    length = (end - start).days + 1
    previous_end = start - timedelta(days=1)
    return Period(start, end), Period(previous_end - timedelta(days=length - 1), previous_end)


def find_emerging(
    current: Counts,
    previous: Counts,
    kind: str,
    *,
    min_rise: float = MIN_RISE,
    min_mentions: int = MIN_MENTIONS,
    min_negative: int = MIN_NEGATIVE,
    limit: int = MAX_EMERGING,
) -> list[Emerging]:
    """Terms whose negative share rose clearly; the biggest rise first."""
    found = []
    for term, (mentions, negative) in current.items():
        before = previous.get(term, (0, 0))
        item = Emerging(term, kind, mentions, negative, before[0], before[1])
        if mentions >= min_mentions and negative >= min_negative and item.rise >= min_rise - 1e-9:
            found.append(item)
    found.sort(key=lambda e: (-e.rise, -e.negative, e.term))
    return found[:limit]


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """Words too common in complaints to say what the complaint is about (user file overrides)."""
    path = resource_path(*STOPWORDS_FILE)
    if not path.exists():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


_tokenizers: dict[tuple[str, ...], object] = {}


def shop_tokenizer(titles: Sequence[str], skus: Sequence[str]):
    """jieba with the shops' product words and the user dictionary (:class:`cxdesk.textprep.Tokenizer`),
    kept while the product words stay the same: building one loads jieba's dictionary (~1 s)."""
    from cxdesk.textprep import Tokenizer, product_words

    words = tuple(product_words(titles, skus))
    if words not in _tokenizers:
        _tokenizers.clear()
        _tokenizers[words] = Tokenizer(words)
    return _tokenizers[words]


def _tokenize(text: str) -> list[str]:
    return shop_tokenizer((), ()).tokens(text)


def candidate_keywords(
    negative_texts: Iterable[str],
    stopwords: frozenset[str] = frozenset(),
    limit: int = KEYWORD_CANDIDATES,
    tokenize=None,
) -> list[str]:
    """The words most negative reviews contain (each review counts a word once), content words only
    (:data:`NON_CONTENT_TAGS`).

    Personal data is masked before the text is cut into words (:func:`cxdesk.privacy.mask_text`, the
    address's place too), so a receiver's name, street or district never becomes a keyword (``_WORD``
    refuses the mask character).
    """
    from cxdesk.privacy import mask_text

    from cxdesk.textprep import word_tags

    tokenize = tokenize or _tokenize
    tags = word_tags()
    counts: Counter[str] = Counter()
    for text in negative_texts:
        words = tokenize(mask_text(text, keep_place=False))
        counts.update({w for w in words if _WORD.match(w) and w not in stopwords})
    content = (w for w, _ in counts.most_common() if tags.get(w) not in NON_CONTENT_TAGS)
    return [w for w, _ in zip(content, range(limit))]


def keyword_counts(texts: Iterable[tuple[str, bool]], words: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(reviews containing the word, negative ones among them) per word; substring match."""
    mentions = dict.fromkeys(words, 0)
    negative = dict.fromkeys(words, 0)
    for text, is_negative in texts:
        for w in words:
            if w in text:
                mentions[w] += 1
                negative[w] += is_negative
    return {w: (mentions[w], negative[w]) for w in words if mentions[w]}


def emerging_complaints(voc: VocRepo, flt: VocFilter, last: date | None, use_aspects: bool) -> EmergingResult:
    """Compare the filter's period with the one before: by aspect (once analysed) and by word."""
    kind = "aspect" if use_aspects else "keyword"
    periods = comparison_periods(flt.date_from, flt.date_to, last)
    if periods is None:
        return EmergingResult([], kind, None, None)
    current, previous = (flt.changed(date_from=p.start, date_to=p.end) for p in periods)
    items: list[Emerging] = []
    aspect_names: set[str] = set()
    if use_aspects:
        counts_now = voc.aspect_counts(current)
        aspect_names = {c.aspect for c in counts_now}
        now = {c.aspect: (c.mentions, c.negative) for c in counts_now}
        before = {c.aspect: (c.mentions, c.negative) for c in voc.aspect_counts(previous)}
        items += find_emerging(now, before, "aspect")
    texts_now = voc.texts(current)
    stop = load_stopwords() | aspect_names
    tokenizer = shop_tokenizer(*voc.product_names())
    words = candidate_keywords((t for t, neg in texts_now if neg), stop, tokenize=tokenizer.tokens)
    if words:
        now, before = keyword_counts(texts_now, words), keyword_counts(voc.texts(previous), words)
        items += find_emerging(now, before, "keyword")
    return EmergingResult(items, kind, *periods)


# --- the selected review ------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of review text.

    ``polarity``/``aspect`` are set when an aspect clause covers the run;
    ``emphasis`` marks the opinion/trigger words inside that clause.
    """

    text: str
    polarity: str | None = None
    aspect: str | None = None
    emphasis: bool = False


# When mentions of one clause disagree, the clause shows the most alarming polarity.
_POLARITY_RANK = {"负面": 0, "正面": 1, "中性": 2}


def _valid(start: int | None, end: int | None, length: int) -> bool:
    return start is not None and end is not None and 0 <= start < end <= length


def _clauses(text: str, mentions: Iterable[AspectMention]) -> list[tuple[int, int, str | None, str, list]]:
    """(start, end, polarity, aspects, spans) per clause; mentions without a clause use their span."""
    grouped: dict[tuple[int, int], list[AspectMention]] = {}
    for m in mentions:
        start, end = (m.clause_start, m.clause_end) if m.clause_start is not None else (m.span_start, m.span_end)
        if _valid(start, end, len(text)):
            grouped.setdefault((start, end), []).append(m)  # type: ignore[arg-type]
    clauses = []
    for (start, end), group in sorted(grouped.items()):
        polarity = min((m.polarity for m in group), key=lambda p: _POLARITY_RANK.get(p or "", 3))
        aspects = "、".join(dict.fromkeys(m.aspect for m in group))
        spans = sorted(
            (max(m.span_start, start), min(m.span_end, end))
            for m in group  # type: ignore[type-var]
            if _valid(m.span_start, m.span_end, len(text)) and m.span_start < end and m.span_end > start
        )
        clauses.append((start, end, polarity, aspects, spans))
    return clauses


def _split_clause(
    text: str, start: int, end: int, polarity: str | None, aspect: str, spans: list[tuple[int, int]]
) -> list[Segment]:
    """A clause's segments, the (non-overlapping) spans inside it emphasised."""
    out: list[Segment] = []
    pos = start
    for s, e in spans:
        if s < pos:
            continue
        if s > pos:
            out.append(Segment(text[pos:s], polarity, aspect))
        out.append(Segment(text[s:e], polarity, aspect, emphasis=True))
        pos = e
    if pos < end:
        out.append(Segment(text[pos:end], polarity, aspect))
    return out


def highlight_segments(text: str, mentions: Iterable[AspectMention]) -> list[Segment]:
    """Cut ``text`` into plain runs and highlighted aspect clauses (spans emphasised within).

    ``mentions`` must all index ``text`` (one part of a review). Offsets
    outside the text and clauses overlapping an earlier one are skipped:
    an aspect stage bug must never garble the review the owner is reading.
    """
    segments: list[Segment] = []
    pos = 0
    for start, end, polarity, aspect, spans in _clauses(text, mentions):
        if start < pos:
            continue
        if start > pos:
            segments.append(Segment(text[pos:start]))
        segments += _split_clause(text, start, end, polarity, aspect, spans)
        pos = end
    if pos < len(text) or not segments:
        segments.append(Segment(text[pos:]))
    return segments


# --- product × aspect ------------------------------------------------------------


@dataclass(frozen=True)
class HeatTable:
    """Negative share per (product, aspect) for the most mentioned of each."""

    products: list[tuple[str, str]]  # (key, title)
    aspects: list[str]
    cells: dict[tuple[str, str], tuple[int, int]]  # (product key, aspect) -> (mentions, negative)

    def share(self, product: str, aspect: str) -> float | None:
        mentions, negative = self.cells.get((product, aspect), (0, 0))
        return negative / mentions if mentions else None


def heat_table(cells: Iterable[ProductAspectCell], max_products: int = 12, max_aspects: int = 10) -> HeatTable:
    """Keep the products and aspects with the most mentions so the table stays readable."""
    cells = list(cells)
    by_product: Counter[str] = Counter()
    by_aspect: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for c in cells:
        by_product[c.product] += c.mentions
        by_aspect[c.aspect] += c.mentions
        titles[c.product] = c.title
    products = [(k, titles[k]) for k, _ in by_product.most_common(max_products)]
    aspects = [a for a, _ in by_aspect.most_common(max_aspects)]
    return HeatTable(products, aspects, {(c.product, c.aspect): (c.mentions, c.negative) for c in cells})
