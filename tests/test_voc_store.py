"""评价分析 core (no Qt): filters, weekly trend, ratings, aspects, emerging complaints, charts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from cxdesk import charts
from cxdesk.analysis.voc import (
    comparison_periods,
    emerging_complaints,
    find_emerging,
    heat_table,
    highlight_segments,
)
from cxdesk.ratings import rating_class
from cxdesk.store import Store
from cxdesk.store.voc import NO_RATING, AspectCount, AspectMention, VocFilter, WeekPoint

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

MODEL = "test-model"


def _review(key: str, product: str, rating: int | None, content: str, created_at: str, **extra: str) -> dict:
    return {
        "review_key": key,
        "product_id": product,
        "product_title": f"商品{product}",
        "rating": rating,
        "rating_class": rating_class(rating, extra.get("rating_text")),  # as the importers set it
        "content": content,
        "created_at": created_at,
        **extra,
    }


def _aspect(
    store: Store,
    review_id: int,
    aspect: str,
    polarity: str,
    start: int | None = None,
    end: int | None = None,
    part: str = "content",
    clause: tuple[int, int] | None = None,
) -> None:
    """One mention row shaped like the aspect stage's (schema v4)."""
    clause_start, clause_end = clause or (None, None)
    store.conn.execute(
        "INSERT INTO review_aspects(review_id, aspect, opinion, polarity, span_start, span_end, rules_version, "
        "part, clause_start, clause_end) VALUES (?, ?, NULL, ?, ?, ?, 'test', ?, ?, ?)",
        (review_id, aspect, polarity, start, end, part, clause_start, clause_end),
    )


def _text_state(
    store: Store, review_id: int, append_label: str | None, shift: bool, append_score: float | None = None
) -> None:
    """The aspect stage's per-review marker: 追评 sentiment and the shift flag."""
    store.conn.execute(
        "INSERT INTO review_text_state(review_id, rules_version, content_hash, append_score, append_label, shift) "
        "VALUES (?, 'test', 'h', ?, ?, ?)",
        (review_id, append_score, append_label, int(shift)),
    )


def _ids(store: Store) -> dict[str, int]:
    return dict(store.conn.execute("SELECT review_key, id FROM reviews").fetchall())


@pytest.fixture
def small(store: Store) -> Store:
    """Six reviews of two shops over three weeks (weeks start 05-06, 05-13, 05-20)."""
    with store.transaction():
        a = store.shops.get_or_create("taobao", "甲店")
        b = store.shops.get_or_create("jd", "乙店")
        store.reviews.insert_many(
            a.id,
            None,
            [
                _review("r1", "P1", 5, "质量很好", "2024-05-06 10:00:00", sku="颜色:红;尺码:S"),
                _review(
                    "r2",
                    "P1",
                    1,
                    "物流太慢了",
                    "2024-05-07 11:00:00",
                    sku="颜色:蓝;尺码:M",
                    append_content="追评：还是慢",
                ),
                _review("r3", "P2", None, "", "2024-05-08 12:00:00"),
            ],
        )
        store.reviews.insert_many(
            b.id,
            None,
            [
                _review("r4", "P3", 4, "还行", "2024-05-13 00:00:00"),
                _review("r5", "P3", 2, "包装破了", "2024-05-19 23:00:00"),
                _review("r6", "P3", 5, "很好", "2024-05-20 08:00:00"),
            ],
        )
        ids = _ids(store)
        store.results.upsert_sentiment(
            [
                ("review", ids["r1"], 0.9, "正面", 0, MODEL, "h"),
                ("review", ids["r2"], 0.1, "负面", 0, MODEL, "h"),
                ("review", ids["r3"], None, None, 1, MODEL, "h"),
                ("review", ids["r4"], 0.5, "中性", 0, MODEL, "h"),
                ("review", ids["r5"], 0.2, "负面", 0, MODEL, "h"),
                ("review", ids["r6"], 0.8, "正面", 0, MODEL, "h"),
            ]
        )
        _aspect(store, ids["r1"], "质量", "正面", 0, 4)
        _aspect(store, ids["r2"], "物流", "负面", 0, 5)
        _aspect(store, ids["r5"], "包装", "负面", 0, 4)
    return store


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (VocFilter(), 6),
        (VocFilter(ratings=(1,)), 1),
        (VocFilter(ratings=(NO_RATING,)), 1),
        (VocFilter(ratings=(4, 5)), 3),
        (VocFilter(ratings=(1, NO_RATING)), 2),
        (VocFilter(platform="jd"), 3),
        (VocFilter(product="P1"), 2),
        (VocFilter(sku="蓝"), 1),
        (VocFilter(text="还是慢"), 1),  # the 追评 is searched too
        (VocFilter(date_from=date(2024, 5, 13), date_to=date(2024, 5, 19)), 2),  # date_to is inclusive
        (VocFilter(polarity="负面"), 2),
        (VocFilter(aspect="物流"), 1),
        (VocFilter(aspect="质量", polarity="负面"), 0),
        (VocFilter(aspect="质量", polarity="正面"), 1),
    ],
)
def test_filters_count_the_right_reviews(small: Store, flt: VocFilter, expected: int) -> None:
    assert small.voc.count(flt) == expected
    assert len(small.voc.page(flt, limit=50)) == expected


def test_shop_filter_and_sorting(small: Store) -> None:
    shop_b = next(s.id for s in small.shops.all() if s.name == "乙店")
    assert small.voc.count(VocFilter(shop_id=shop_b)) == 3
    by_rating = small.voc.page(VocFilter(), "rating", descending=False)
    assert [r.rating for r in by_rating] == [None, 1, 2, 4, 5, 5]
    newest = small.voc.page(VocFilter(), "date", descending=True, offset=1, limit=2)
    assert [r.content for r in newest] == ["包装破了", "还行"]
    assert small.voc.page(VocFilter(product="P1"), "date", descending=False)[1].has_append


@pytest.mark.sqlite_only("reads SQLite's query plan")
@pytest.mark.parametrize(
    "flt", [VocFilter(aspect="物流", polarity="负面"), VocFilter(polarity="负面"), VocFilter(shift_only=True)]
)
def test_filters_build_their_id_list_once(small: Store, flt: VocFilter) -> None:
    """A correlated subquery per review took minutes on 200k reviews; the plan must not have one."""
    from cxdesk.store.voc import build_where

    where, params = build_where(flt)
    plan = small.conn.execute(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM reviews r WHERE {where}", params).fetchall()
    assert not [row for row in plan if "CORRELATED" in row[3]], plan


def test_values_are_parameters_not_sql(small: Store) -> None:
    assert small.voc.count(VocFilter(sku="'; DROP TABLE reviews; --")) == 0
    assert small.voc.count(VocFilter()) == 6


def test_rating_distribution(small: Store) -> None:
    words = {11: 0, 12: 0, 13: 0}  # no review here is rated in words only
    assert small.voc.rating_distribution(VocFilter()) == {1: 1, 2: 1, 3: 0, 4: 1, 5: 2, NO_RATING: 1, **words}
    assert small.voc.rating_distribution(VocFilter(platform="jd")) == {
        1: 0,
        2: 1,
        3: 0,
        4: 1,
        5: 1,
        NO_RATING: 0,
        **words,
    }


def test_weekly_trend_by_hand(small: Store) -> None:
    points = small.voc.weekly_trend(VocFilter())
    # 05-06 week: r1 0.9 + r2 0.1 (r3 has no content and is left out); 05-13: r4 0.5 + r5 0.2; 05-20: r6.
    assert [(p.week_start, p.reviews, p.negative) for p in points] == [
        (date(2024, 5, 6), 2, 1),
        (date(2024, 5, 13), 2, 1),
        (date(2024, 5, 20), 1, 0),
    ]
    assert [p.mean_score for p in points] == pytest.approx([0.5, 0.35, 0.8])
    assert [p.negative_share for p in points] == [0.5, 0.5, 0.0]


def test_aspects_detail_and_heat(small: Store) -> None:
    counts = {c.aspect: (c.positive, c.negative) for c in small.voc.aspect_counts(VocFilter())}
    assert counts == {"质量": (1, 0), "物流": (0, 1), "包装": (0, 1)}
    detail = small.voc.detail(_ids(small)["r2"])
    assert detail is not None and detail.append_content == "追评：还是慢"
    assert [(a.aspect, a.polarity, a.span_start, a.span_end) for a in detail.aspects] == [("物流", "负面", 0, 5)]
    counts_again, cells = small.voc.aspect_breakdown(VocFilter())
    assert counts_again == small.voc.aspect_counts(VocFilter())  # one pass gives the same bars
    assert set(cells) == set(small.voc.product_aspects(VocFilter()))
    table = heat_table(small.voc.product_aspects(VocFilter()))
    assert table.share("P1", "物流") == 1.0 and table.share("P1", "质量") == 0.0
    assert table.share("P3", "质量") is None
    options = small.voc.options()
    assert options.has_sentiment and options.has_aspects and options.reviews == 6
    assert options.first_date == date(2024, 5, 6) and options.last_date == date(2024, 5, 20)


def test_no_sentiment_and_no_aspects_are_reported(store: Store) -> None:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.reviews.insert_many(shop.id, None, [_review("x", "P1", 5, "好", "2024-05-06 10:00:00")])
    options = store.voc.options()
    assert not options.has_sentiment and not options.has_aspects
    assert store.voc.weekly_trend(VocFilter()) == []
    assert store.voc.aspect_counts(VocFilter()) == []


def test_shift_filter_page_and_detail(small: Store) -> None:
    ids = _ids(small)
    with small.transaction():
        _text_state(small, ids["r1"], None, shift=False)
        _text_state(small, ids["r2"], "负面", shift=True, append_score=0.08)
        _aspect(small, ids["r2"], "物流", "负面", 3, 5, part="append", clause=(0, 5))
    assert small.voc.count(VocFilter(shift_only=True)) == 1
    assert small.voc.count(VocFilter(shift_only=True, platform="jd")) == 0
    [row] = small.voc.page(VocFilter(shift_only=True))
    assert row.id == ids["r2"] and row.shift and row.has_append
    [shift] = small.voc.shift_page(VocFilter())
    assert (shift.id, shift.label, shift.score) == (ids["r2"], "负面", 0.1)
    assert (shift.append_content, shift.append_label, shift.append_score) == ("追评：还是慢", "负面", 0.08)
    assert small.voc.shift_page(VocFilter(product="P3")) == []
    detail = small.voc.detail(ids["r2"])
    assert detail.shift and detail.append_label == "负面" and detail.append_score == 0.08
    assert [(a.aspect, a.part, a.clause_start, a.clause_end) for a in detail.mentions("append")] == [
        ("物流", "append", 0, 5)
    ]
    assert [a.part for a in detail.mentions("content")] == ["content"]
    options = small.voc.options()
    assert options.has_text_state and options.has_aspects


def test_rated_mentions_for_star_drivers(small: Store) -> None:
    """Rated (差评/好评), read, with text; first-review 正面/负面 mentions only; one row of Nones without any."""
    ids = _ids(small)
    with small.transaction():
        for key in ("r1", "r2", "r3", "r4", "r5"):  # r6 was never read by the aspect stage
            _text_state(small, ids[key], None, shift=False)
        _aspect(small, ids["r2"], "物流", "负面", 3, 5, part="append")  # the 追评: not what the stars rated
        _aspect(small, ids["r1"], "包装", "中性", 0, 2)
    rows = sorted(small.voc.rated_mentions(VocFilter()), key=lambda r: (r[0], r[2] or ""))
    # r3 has no text, r4 is 4★ (好评) without mentions, r5 is 2★ (差评).
    assert rows == [
        (ids["r1"], 3, "质量", "正面"),
        (ids["r2"], 1, "物流", "负面"),
        (ids["r4"], 3, None, None),
        (ids["r5"], 1, "包装", "负面"),
    ]
    # Ratings, aspect, polarity, text and 追评转差 of the list do not narrow it; shops and dates do.
    narrowed = VocFilter(ratings=(5,), aspect="质量", polarity="正面", text="很好", shift_only=True)
    assert sorted(small.voc.rated_mentions(narrowed), key=lambda r: (r[0], r[2] or "")) == rows
    assert {r[0] for r in small.voc.rated_mentions(VocFilter(platform="jd"))} == {ids["r4"], ids["r5"]}
    assert {r[0] for r in small.voc.rated_mentions(VocFilter(date_to=date(2024, 5, 6)))} == {ids["r1"]}
    # A review rated only in words (评价等级 差评, no stars) is a 差评 too.
    with small.transaction():
        shop = small.shops.get_or_create("taobao", "甲店")
        small.reviews.insert_many(
            shop.id, None, [_review("w1", "P1", None, "掉色严重", "2024-05-21 09:00:00", rating_text="差评")]
        )
        w1 = _ids(small)["w1"]
        small.results.upsert_sentiment([("review", w1, 0.1, "负面", 0, MODEL, "h")])
        _text_state(small, w1, None, shift=False)
        _aspect(small, w1, "颜色/外观", "负面", 0, 4)
    assert (w1, 1, "颜色/外观", "负面") in small.voc.rated_mentions(VocFilter())


def test_aspect_stage_ran_without_mentions_counts_as_run(store: Store) -> None:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.reviews.insert_many(shop.id, None, [_review("x", "P1", 5, "好", "2024-05-06 10:00:00")])
        _text_state(store, _ids(store)["x"], None, shift=False)
    options = store.voc.options()
    assert options.has_aspects and options.has_text_state and options.aspects == []


# --- emerging complaints -----------------------------------------------------------


def test_find_emerging_keeps_only_clear_rises() -> None:
    now = {"物流": (20, 10), "质量": (20, 4), "包装": (4, 4), "客服": (10, 2)}
    before = {"物流": (20, 2), "质量": (20, 4), "客服": (10, 1)}
    found = find_emerging(now, before, "aspect")
    # 物流 +40 points; 质量 flat; 包装 too few mentions; 客服 only +10 points but 2 negatives.
    assert [e.term for e in found] == ["物流"]
    assert found[0].rise == pytest.approx(0.4)
    assert "物流：负面 50%（上期 10%）" in found[0].describe()


def test_comparison_periods() -> None:
    current, previous = comparison_periods(date(2024, 5, 15), date(2024, 5, 28), None)
    assert (previous.start, previous.end) == (date(2024, 5, 1), date(2024, 5, 14))
    current, previous = comparison_periods(None, None, date(2024, 6, 30))
    assert current.days == previous.days == 28 and current.end == date(2024, 6, 30)
    assert comparison_periods(None, None, None) is None


def _two_periods(store: Store) -> None:
    """Ten 物流 and ten 质量 mentions in each half of May; 物流 turns negative in the second."""
    rows, aspects = [], []
    for half, start in enumerate((date(2024, 5, 1), date(2024, 5, 15))):
        for i in range(10):
            day = (start + timedelta(days=i)).isoformat()
            logistics_bad = i < (6 if half else 1)
            quality_bad = i < 3
            key = f"{half}-{i}"
            rows.append(
                _review(
                    key, "P1", 1 if logistics_bad else 5, "物流慢" if logistics_bad else "物流快", f"{day} 10:00:00"
                )
            )
            aspects.append((key, "物流", "负面" if logistics_bad else "正面"))
            aspects.append((key, "质量", "负面" if quality_bad else "正面"))
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.reviews.insert_many(shop.id, None, rows)
        ids = _ids(store)
        for key, aspect, polarity in aspects:
            _aspect(store, ids[key], aspect, polarity)


def test_emerging_aspects_on_two_periods(store: Store) -> None:
    _two_periods(store)
    flt = VocFilter(date_from=date(2024, 5, 15), date_to=date(2024, 5, 28))
    result = emerging_complaints(store.voc, flt, store.voc.options().last_date, use_aspects=True)
    assert result.kind == "aspect" and result.previous.start == date(2024, 5, 1)
    aspects = [(e.term, e.mentions, e.negative, e.previous_negative) for e in result.items if e.kind == "aspect"]
    assert aspects == [("物流", 10, 6, 1)]
    # 「物流慢」 also rose as a word, but 物流 is an aspect name: it is reported once, as the aspect.
    assert "物流" not in [e.term for e in result.items if e.kind == "keyword"]


def test_emerging_keywords_while_aspects_are_empty(store: Store) -> None:
    rows = [_review(f"a{i}", "P1", 5, "衣服很好看", f"2024-05-0{i + 1} 10:00:00") for i in range(7)]
    rows += [_review(f"b{i}", "P1", 1, "洗了一次就起球", f"2024-05-{15 + i} 10:00:00") for i in range(6)]
    rows += [_review(f"c{i}", "P1", 5, "衣服很好看", f"2024-05-{22 + i} 10:00:00") for i in range(4)]
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "甲店")
        store.reviews.insert_many(shop.id, None, rows)
    flt = VocFilter(date_from=date(2024, 5, 15), date_to=date(2024, 5, 28))
    result = emerging_complaints(store.voc, flt, store.voc.options().last_date, use_aspects=False)
    assert result.kind == "keyword"
    assert "起球" in [e.term for e in result.items]
    assert "一次" not in [e.term for e in result.items]  # a stopword
    with store.transaction():  # once the aspect stage has run, words are still compared
        _aspect(store, _ids(store)["b0"], "质量", "负面", 6, 8)
    both = emerging_complaints(store.voc, flt, store.voc.options().last_date, use_aspects=True)
    assert both.kind == "aspect"
    assert [(e.kind, e.term) for e in both.items if e.term == "起球"] == [("keyword", "起球")]


def _m(
    aspect: str,
    polarity: str,
    span: tuple[int, int] | None,
    clause: tuple[int, int] | None = None,
    part: str = "content",
) -> AspectMention:
    span_start, span_end = span or (None, None)
    clause_start, clause_end = clause or (None, None)
    return AspectMention(aspect, None, polarity, span_start, span_end, part, clause_start, clause_end)


def test_highlight_segments_skip_bad_spans() -> None:
    segs = highlight_segments(
        "物流很快，质量太差",
        [
            _m("质量", "负面", (5, 9)),
            _m("物流", "正面", (0, 4)),
            _m("重叠", "负面", (3, 6)),
            _m("越界", "负面", (8, 99)),
        ],
    )
    assert [(s.text, s.polarity) for s in segs] == [("物流很快", "正面"), ("，", None), ("质量太差", "负面")]
    assert [s.text for s in highlight_segments("原文", [])] == ["原文"]


def test_highlight_clauses_with_the_span_emphasised() -> None:
    text = "衣服好看，但是洗了一次就起球了，物流快"
    segs = highlight_segments(
        text,
        [
            _m("质量", "负面", (12, 14), clause=(5, 15)),  # 起球 inside 「但是洗了一次就起球了」
            _m("物流", "正面", (18, 19), clause=(16, 19)),
            _m("耐用", "中性", None, clause=(5, 15)),  # same clause, no span: the negative mention wins the colour
        ],
    )
    assert [(s.text, s.polarity, s.emphasis) for s in segs] == [
        ("衣服好看，", None, False),
        ("但是洗了一次就", "负面", False),
        ("起球", "负面", True),
        ("了", "负面", False),
        ("，", None, False),
        ("物流", "正面", False),
        ("快", "正面", True),
    ]
    assert segs[1].aspect == "质量、耐用"
    assert "".join(s.text for s in segs) == text  # nothing lost or repeated


# --- charts ------------------------------------------------------------------------------


def _gids(figure, prefix: str) -> list[str]:
    return [a.get_gid() for ax in figure.axes for a in ax.patches if (a.get_gid() or "").startswith(prefix)]


def test_charts_have_the_expected_bars_and_chinese_titles(tmp_path: Path) -> None:
    ratings = charts.rating_figure({1: 3, 2: 1, 3: 0, 4: 2, 5: 9, NO_RATING: 1})
    assert _gids(ratings, "rating:") == [f"rating:{r}" for r in (1, 2, 3, 4, 5, 0)]
    assert ratings.axes[0].get_title(loc="left").startswith("评分分布")
    weeks = [WeekPoint(date(2024, 5, 6), 4, 1, 0.6), WeekPoint(date(2024, 5, 13), 2, 2, 0.2)]
    trend = charts.trend_figure(weeks)
    assert _gids(trend, "week:") == ["week:2024-05-06", "week:2024-05-13"]
    assert "每周情感趋势" in trend.axes[0].get_title(loc="left")
    aspects = charts.aspect_figure([AspectCount("物流", 5, 0, 3), AspectCount("质量", 2, 1, 1)])
    assert sorted(_gids(aspects, "aspect:")) == [
        "aspect:物流:正面",
        "aspect:物流:负面",
        "aspect:质量:正面",
        "aspect:质量:负面",
    ]
    widths = {a.get_gid(): a.get_width() for ax in aspects.axes for a in ax.patches if a.get_gid()}
    assert widths["aspect:物流:负面"] == 3 and widths["aspect:质量:正面"] == 2  # each bar is its own count
    assert "正面 / 负面" in aspects.axes[0].get_title(loc="left")
    target = tmp_path / "ratings.png"
    ratings.savefig(target)  # warnings are errors: a missing CJK glyph would fail here
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_empty_charts_say_so() -> None:
    texts = [t.get_text() for t in charts.trend_figure([]).axes[0].texts]
    assert texts == ["所选范围内没有已分析情感的评价"]


def test_pick_filter_maps_clicks_to_filters() -> None:
    base = VocFilter(shop_id=1)
    assert charts.pick_filter(base, "rating:1") == VocFilter(shop_id=1, ratings=(1,))
    assert charts.pick_filter(base, "rating:0").ratings == (NO_RATING,)
    week = charts.pick_filter(base, "week:2024-05-06")
    assert (week.date_from, week.date_to) == (date(2024, 5, 6), date(2024, 5, 12))
    assert charts.pick_filter(base, "aspect:物流:负面") == VocFilter(shop_id=1, aspect="物流", polarity="负面")
    assert charts.pick_filter(base, None) is None and charts.pick_filter(base, "legend") is None


def test_keyword_candidates_keep_product_and_sku_words_whole():
    from cxdesk.analysis.voc import candidate_keywords, shop_tokenizer

    tokenizer = shop_tokenizer(["棉小袄童装连衣裙", "棉小袄童装短袖", "棉小袄童装短裤"], ["颜色分类:雾霾蓝"])
    negative = ["棉小袄童装洗了就缩水", "雾霾蓝掉色严重，棉小袄童装太差", "雾霾蓝掉色"]
    words = candidate_keywords(negative, tokenize=tokenizer.tokens)
    assert "棉小袄童装" in words and "雾霾蓝" in words
    assert "棉小袄" not in words and "霾蓝" not in words


def test_keyword_candidates_are_content_words():
    """Numerals, directions, pronouns, conjunctions and adverbs say nothing of what a complaint is about."""
    from cxdesk.analysis.voc import candidate_keywords, shop_tokenizer

    tokenizer = shop_tokenizer(["棉小袄童装连衣裙", "棉小袄童装短袖", "棉小袄童装短裤"], [])
    negative = [
        "三个都起球了，里面还有线头，这次真心失望",
        "两个都起球，不如以前，你们居然还发霉",
        "棉小袄童装起球，里面线头多，这次又发霉",
    ]
    words = candidate_keywords(negative, tokenize=tokenizer.tokens)
    assert {"起球", "线头", "发霉", "失望", "棉小袄童装"} <= set(words)  # an untagged product word stays
    assert not {"三个", "两个", "里面", "这次", "你们", "不如", "以前", "真心", "居然"} & set(words)
