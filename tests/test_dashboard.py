"""总览 figures: the store queries, the pre-aggregates and the tiles, on small hand-made stores."""

from __future__ import annotations

from datetime import date

import pytest

from cxdesk.reports.aggregate import REVIEW_AGGREGATE_MIN, needs_refresh, refresh_review_daily, refresh_team_daily
from cxdesk.reports.data import load_dashboard, tiles
from cxdesk.reports.figures import link_for, risk_figure, sentiment_figure
from cxdesk.store import Store
from cxdesk.store.dashboard import DashboardFilter, DashboardRepo, bucket_kind
from cxdesk.store.risk_queue import FlagFilter
from cxdesk.store.voc import VocFilter
from cxdesk.tasks import TaskContext

JUNE = DashboardFilter(date(2024, 6, 1), date(2024, 6, 30))


def _reviews(store: Store, shop: str, rows: list[tuple[str, int | None, str | None, float]]) -> list[int]:
    """(created_at, rating, sentiment label, score) per review; returns the review ids."""
    with store.transaction():
        s = store.shops.get_or_create("taobao" if shop != "京东店" else "jd", shop)
        store.reviews.insert_many(
            s.id,
            None,
            [
                {"review_key": f"{shop}{at}{i}", "content": f"评价{i}", "rating": rating, "created_at": at}
                for i, (at, rating, _label, _score) in enumerate(rows)
            ],
        )
        ids = [r[0] for r in store.conn.execute("SELECT id FROM reviews WHERE shop_id = ? ORDER BY id", (s.id,))][
            -len(rows) :
        ]
        store.conn.executemany(
            "INSERT INTO sentiment(target_type, target_id, score, label, no_content, model, content_hash) "
            "VALUES ('review', ?, ?, ?, 0, 't', 'h')",
            [(rid, score, label) for rid, (_at, _r, label, score) in zip(ids, rows) if label],
        )
    return ids


def _flag(store: Store, review_id: int, level: str, status: str = "待处理", rule: str = "r1") -> None:
    with store.transaction():
        store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, status, rules_version) "
            "VALUES ('review', ?, ?, '投诉', ?, ?, 'v')",
            (review_id, rule, level, status),
        )


@pytest.fixture
def june_store(store: Store) -> Store:
    # June: 4 reviews (ratings 5, 4, 1, none), 1 negative of 3 analysed; May (the previous 30 days): 2 reviews.
    ids = _reviews(
        store,
        "小店",
        [
            ("2024-06-01 09:00:00", 5, "正面", 0.9),
            ("2024-06-10 10:00:00", 4, "正面", 0.8),
            ("2024-06-30 23:59:00", 1, "负面", 0.1),
            ("2024-06-15 12:00:00", None, None, 0.0),
            ("2024-05-20 08:00:00", 2, "负面", 0.2),
            ("2024-05-02 08:00:00", 2, "负面", 0.3),
            ("2024-04-01 08:00:00", 5, "正面", 0.9),  # before both periods
        ],
    )
    _flag(store, ids[2], "高")
    _flag(store, ids[2], "中", rule="r2")
    _flag(store, ids[1], "高", status="已处理")
    _flag(store, ids[4], "高")
    _reviews(store, "京东店", [("2024-06-05 08:00:00", 3, "中性", 0.5)])
    return store


def test_review_figures_of_period_and_previous_period(june_store: Store) -> None:
    data = load_dashboard(june_store, JUNE)
    assert data.previous_filter == DashboardFilter(date(2024, 5, 2), date(2024, 5, 31))
    assert (data.current.reviews, data.current.rated, data.current.analysed, data.current.negative) == (5, 4, 4, 1)
    assert data.current.avg_rating == pytest.approx((5 + 4 + 1 + 3) / 4)
    assert data.current.negative_share == pytest.approx(1 / 4)
    assert (data.previous.reviews, data.previous.negative) == (2, 2)


def test_shop_and_platform_scope(june_store: Store) -> None:
    repo = DashboardRepo(june_store.conn)
    jd = next(sid for sid, _n, p in repo.shops() if p == "jd")
    assert load_dashboard(june_store, JUNE.changed(shop_id=jd)).current.reviews == 1
    assert load_dashboard(june_store, JUNE.changed(platform="taobao")).current.reviews == 4
    assert load_dashboard(june_store, JUNE.changed(platform="pdd")).current.reviews == 0


def test_open_high_risks_count_open_flags_by_event_time(june_store: Store) -> None:
    data = load_dashboard(june_store, JUNE)
    assert data.open_high() == 1  # the 已处理 one and the 中 one do not count
    assert data.open_high(previous=True) == 1  # the May review's flag
    tile = next(t for t in tiles(data) if t.key == "risk_high")
    assert (tile.value, tile.delta, tile.good) == ("1", "与上期持平", None)
    flt = tile.link.filters["filter"]
    assert isinstance(flt, FlagFilter) and flt.levels == ("高",) and flt.date_from == "2024-06-01"


def test_open_high_counts_queue_items_at_their_score_level(june_store: Store) -> None:
    """「未处理高风险」 counts what the 风险 queue lists under 高: one per review, at its score's level."""
    from cxdesk.store.risk_queue import RiskQueueRepo

    rid = june_store.conn.execute("SELECT id FROM reviews WHERE created_at = '2024-06-30 23:59:00'").fetchone()[0]
    _flag(june_store, rid, "高", rule="r3")  # a second open 高 flag on the same review: still one item
    assert load_dashboard(june_store, JUNE).open_high() == 1
    other = june_store.conn.execute("SELECT id FROM reviews WHERE created_at = '2024-06-01 09:00:00'").fetchone()[0]
    _flag(june_store, other, "高", rule="r1")
    with june_store.transaction():  # its score says 中: the queue lists it under 中, and so does the tile
        june_store.conn.execute(
            "INSERT INTO risk_scores(target_type, target_id, score, level, reasons, version) "
            "VALUES ('review', ?, 45, '中', '', 't')",
            (other,),
        )
    data = load_dashboard(june_store, JUNE)
    assert data.open_high() == 1
    june = FlagFilter(levels=("高",), date_from="2024-06-01", date_to="2024-06-30")
    assert RiskQueueRepo(june_store.conn).item_count(june) == data.open_high()


def test_series_buckets_cover_the_period_including_empty_ones(june_store: Store) -> None:
    data = load_dashboard(june_store, JUNE)
    assert data.bucket == "day" and len(data.series) == 30
    last = data.series[-1]
    assert (last.start, last.analysed, last.negative) == (date(2024, 6, 30), 1, 1)
    assert sum(p.analysed for p in data.series) == 4
    weeks = DashboardRepo(june_store.conn).sentiment_series(DashboardFilter(date(2024, 4, 1), date(2024, 6, 30)))
    assert bucket_kind(91) == "week" and weeks[0].start == date(2024, 4, 1) and weeks[-1].end >= date(2024, 6, 30)
    assert sum(p.analysed for p in weeks) == 7


def test_review_preaggregate_matches_live_and_goes_stale(june_store: Store, db_path, monkeypatch) -> None:
    repo = DashboardRepo(june_store.conn)
    live = load_dashboard(june_store, JUNE)
    assert refresh_review_daily(db_path, force=True)
    assert repo.review_daily() is not None
    cached = load_dashboard(june_store, JUNE)
    assert "reviews (pre-aggregated)" in cached.timings and "reviews (live)" not in cached.timings
    assert cached.current == live.current and cached.previous == live.previous and cached.series == live.series
    _reviews(june_store, "小店", [("2024-06-02 08:00:00", 5, "正面", 0.9)])  # a new import
    assert repo.review_daily() is None
    assert load_dashboard(june_store, JUNE).current.reviews == 6  # the live query meanwhile


def test_small_stores_keep_no_review_preaggregate(june_store: Store, db_path) -> None:
    assert REVIEW_AGGREGATE_MIN > 10
    assert not refresh_review_daily(db_path)
    assert not needs_refresh(june_store.conn)  # no chats, few reviews: nothing to wait for


def test_tiles_link_to_the_pages_with_the_period(june_store: Store) -> None:
    items = {t.key: t for t in tiles(load_dashboard(june_store, JUNE))}
    assert items["reviews"].value == "5" and items["reviews"].delta == "较上期 +150%"
    neg = items["negative"].link.filters["filter"]
    assert isinstance(neg, VocFilter) and neg.polarity == "负面" and neg.date_to == date(2024, 6, 30)
    assert items["negative"].good is True  # 25 % now against 100 % before
    assert items["first_response"].value == "—" and "聊天" in items["first_response"].note
    assert items["faq"].value == "常见问题尚未分析"


def test_chart_elements_open_their_bucket(june_store: Store) -> None:
    data = load_dashboard(june_store, JUNE)
    fig = sentiment_figure(data)
    gids = [p.get_gid() for p in fig.axes[0].patches if p.get_gid()]
    assert gids[0] == "sentiment:2024-06-01" and len(gids) == 30
    link = link_for(data, "sentiment:2024-06-30")
    assert link.page == "reviews" and link.filters["filter"].date_from == date(2024, 6, 30)
    risk = risk_figure(data)
    assert any(p.get_gid() == "risk:2024-06-30:高" and p.get_height() == 1 for p in risk.axes[0].patches)
    link = link_for(data, "risk:2024-06-30:中")
    assert link.filters["filter"].levels == ("中",) and link.filters["filter"].statuses == ()
    assert link_for(data, "nothing") is None


def test_team_preaggregate_equals_the_agent_kpis(built_demo_db) -> None:
    """Summed over every day, the stored sums give exactly the 客服绩效 team figures of 全部."""
    from cxdesk.analysis.agent_kpis import kpi_table, load_frames
    from cxdesk.store import open_store

    assert refresh_team_daily(TaskContext(), built_demo_db) > 0
    assert refresh_team_daily(TaskContext(), built_demo_db) == 0  # current: nothing to do
    with open_store(built_demo_db) as store:
        repo = DashboardRepo(store.conn)
        everything = DashboardFilter(repo.first_day(), repo.last_day())
        totals = repo.team_totals(everything)
        assert not needs_refresh(store.conn)
    team = kpi_table(load_frames(None, built_demo_db), "all").query("is_team").iloc[0]
    assert totals.first_response == pytest.approx(team["first_resp"])
    assert totals.reply_rate_3min == pytest.approx(team["rate_3min"])
    assert totals.sessions == team["sessions"]
