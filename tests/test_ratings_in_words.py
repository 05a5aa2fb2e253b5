"""Ratings in words (评价等级 = 好评/中评/差评, 五星, ★★★★☆): counted, shown, used (issue 17, point 2)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cxdesk.analysis.risk_words import calm, praises
from cxdesk.analysis.session_risk import default_config, score_review
from cxdesk.charts import rating_figure
from cxdesk.importers import import_file
from cxdesk.ratings import BAD, GOOD, NEUTRAL, calibration_label, class_of_words, rating_class, rating_shown
from cxdesk.store import open_store
from cxdesk.store.voc import NO_RATING, VocFilter
from cxdesk.tasks import NullContext

CSV = """评价时间,买家昵称,评价等级,评价内容
2024-05-01 10:00,a***1,好评,衣服很好看，面料舒服
2024-05-01 11:00,b***2,差评,质量太差了，穿一次就起球
2024-05-02 09:00,c***3,中评,一般般吧
2024-05-02 10:00,d***4,五星,很满意
2024-05-02 11:00,e***5,★★★★☆,还不错
2024-05-03 12:00,f***6,追加好评,回购了
2024-05-03 13:00,g***7,,没有评价等级
2024-05-03 14:00,h***8,Bad,太慢了
"""


@pytest.fixture
def rated(tmp_path: Path):
    path = tmp_path / "评价导出.csv"
    path.write_text(CSV, encoding="utf-8")
    store = open_store(tmp_path / "s.db")
    summary = import_file(NullContext(), store, path, kind="reviews", platform="taobao", shop="店")
    assert summary.rows_added == 8
    yield store
    store.close()


def _by_buyer(store) -> dict[str, tuple]:
    return {
        b: (r, t, c)
        for b, r, t, c in store.conn.execute("SELECT buyer_nick, rating, rating_text, rating_class FROM reviews")
    }


def test_words_become_classes_and_star_words_become_stars(rated) -> None:
    got = _by_buyer(rated)
    assert got["a***1"] == (None, "好评", GOOD)
    assert got["b***2"] == (None, "差评", BAD)
    assert got["c***3"] == (None, "中评", NEUTRAL)
    assert got["d***4"][0] == 5 and got["d***4"][2] == GOOD  # 五星 is stars, not words
    assert got["e***5"][0] == 4 and got["e***5"][2] == GOOD  # ★★★★☆
    assert got["f***6"] == (None, "追加好评", GOOD)
    assert got["g***7"] == (None, None, None)
    assert got["h***8"] == (None, "Bad", BAD)


def test_chart_list_and_filter_count_them(rated) -> None:
    dist = rated.voc.rating_distribution(VocFilter())
    assert dist == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 11: 2, 12: 1, 13: 2, NO_RATING: 1}
    assert rated.voc.count(VocFilter(ratings=(11,))) == 2
    assert rated.voc.count(VocFilter(ratings=(13, 5))) == 3
    assert rated.voc.count(VocFilter(ratings=(NO_RATING,))) == 1
    shown = {r.content: rating_shown(r.rating, r.rating_class) for r in rated.voc.page(VocFilter(), "date")}
    assert shown["质量太差了，穿一次就起球"] == "差评" and shown["很满意"] == "5星"
    assert shown["没有评价等级"] == "无评分"
    labels = [t.get_text() for t in rating_figure(dist).axes[0].get_xticklabels()]
    assert labels == ["1星", "2星", "3星", "4星", "5星", "差评", "中评", "好评", "无评分"]
    # A store without words keeps the old five bars plus 无评分.
    plain = [t.get_text() for t in rating_figure({1: 3, 5: 2}).axes[0].get_xticklabels()]
    assert plain == ["1星", "2星", "3星", "4星", "5星", "无评分"]


def test_calibration_reads_word_ratings(rated) -> None:
    shop_id = rated.shops.all()[0].id
    rows = rated.shop_models.rated_reviews(shop_id)
    assert len(rows) == 7
    assert sorted(calibration_label(c) for _, c in rows if calibration_label(c) is not None) == [0, 0, 1, 1, 1, 1]


def test_risk_counts_a_word_rating_like_stars() -> None:
    config = default_config()
    bad = score_review([], None, "负面", False, config, BAD)
    assert bad.score == 40 and "评价等级“差评”" in bad.reasons
    assert score_review([], None, "正面", False, config, GOOD).score == 0
    assert score_review([], 1, "负面", False, config, BAD).score == 40  # stars win, counted once
    assert praises(None, "中性", GOOD) and not praises(None, "负面", GOOD) and not praises(None, "中性", None)
    assert not calm(None, "中性", BAD) and calm(None, "中性", NEUTRAL)


def test_word_mapping() -> None:
    assert class_of_words("系统默认好评") == GOOD and class_of_words("ＧＯＯＤ") == GOOD
    assert class_of_words("好评转差评") is None  # two classes: not guessed
    assert class_of_words("物流很快") is None and class_of_words(None) is None
    assert rating_class(2, "好评") == BAD  # stars decide when both are there


def test_older_store_gets_classes_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.executescript("""
        DROP TABLE text_vectors;
        ALTER TABLE reviews DROP COLUMN rating_class;
        ALTER TABLE risk_flags DROP COLUMN version;
        ALTER TABLE risk_flags DROP COLUMN changed_by;
        ALTER TABLE risk_flags DROP COLUMN changed_at;
        INSERT INTO shops(name, platform) VALUES ('店', 'taobao');
        INSERT INTO reviews(shop_id, review_key, rating, rating_text, content) VALUES
            (1, 'k1', NULL, '差评', 'a'), (1, 'k2', NULL, '默认好评', 'b'), (1, 'k3', 3, NULL, 'c'),
            (1, 'k4', NULL, '★★☆☆☆', 'd'), (1, 'k5', NULL, '五星', 'e'), (1, 'k6', NULL, '随便', 'f');
        PRAGMA user_version = 7;
    """)
    conn.close()
    with open_store(path) as store:
        got = dict(
            ((k, (r, c)) for k, r, c in store.conn.execute("SELECT review_key, rating, rating_class FROM reviews"))
        )
    assert got == {"k1": (None, 1), "k2": (None, 3), "k3": (3, 2), "k4": (2, 1), "k5": (5, 3), "k6": (None, None)}
