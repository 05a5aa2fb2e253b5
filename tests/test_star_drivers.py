"""差评原因 (cxdesk.analysis.star_drivers): which aspect complaints go with a shop's low ratings."""

from __future__ import annotations

import csv
import subprocess

import pytest

from cxdesk.analysis.star_drivers import drivers_for, star_drivers
from cxdesk.ratings import BAD, GOOD, NEUTRAL
from cxdesk.store import open_store
from cxdesk.store.exports import DRIVER_COLUMNS
from cxdesk.store.voc import VocFilter


def _rows(reviews):
    """(rating class, [(aspect, polarity), ...]) per review → the rows star_drivers reads."""
    for rid, (cls, mentions) in enumerate(reviews, start=1):
        if not mentions:
            yield (rid, cls, None, None)
        for aspect, polarity in mentions:
            yield (rid, cls, aspect, polarity)


def _shop(n_bad=60, n_good=240):
    """A shop whose low ratings come from 物流 complaints; 包装 complaints ride along with them.

    40 of 60 差评 complain about 物流, 20 of those also about 包装; of 240 好评, 5 complain about
    物流 and 20 about 包装 alone (a dented box the buyer did not mind). 尺码 is praised and
    complained about equally often on both sides: it says nothing about the rating.
    """
    reviews = []
    for i in range(n_bad):
        mentions = [("尺码/大小", "负面" if i % 2 else "正面")] if i % 3 == 0 else []
        if i < 40:
            mentions.append(("物流/快递", "负面"))
        if i < 20:
            mentions.append(("包装", "负面"))
        if i % 5 == 0:
            mentions.append(("整体", "负面"))
        reviews.append((BAD, mentions))
    for i in range(n_good):
        mentions = [("尺码/大小", "负面" if i % 2 else "正面")] if i % 3 == 0 else []
        if i < 5:
            mentions.append(("物流/快递", "负面"))
        if 100 <= i < 120:
            mentions.append(("包装", "负面"))
        if i % 2 == 0:
            mentions.append(("质量", "正面"))
        reviews.append((GOOD, mentions))
    return reviews


def test_the_complaint_behind_low_ratings_leads():
    result = star_drivers(_rows(_shop()))
    assert (result.n_bad, result.n_good) == (60, 240)
    top = result.towards_bad()[0]
    assert (top.aspect, top.polarity) == ("物流/快递", "负面")
    assert (top.bad_with, top.good_with) == (40, 5)
    assert top.odds_ratio > 5
    by_key = {(d.aspect, d.polarity): d for d in result.drivers}
    # 包装 complaints are half as common in 差评 as 物流 ones, and as common in 好评 on their own:
    # held beside 物流 their weight is far smaller.
    assert by_key[("包装", "负面")].weight < top.weight / 2
    # 尺码 is said alike on both sides (1 in 6 of each): little push either way.
    size = by_key[("尺码/大小", "负面")]
    assert size.bad_with / 60 == size.good_with / 240
    assert abs(size.weight) < top.weight / 3
    # Praise that only 好评 carry goes with good ratings.
    assert by_key[("质量", "正面")].weight < 0 and by_key[("质量", "正面")].odds_ratio < 1
    assert result.drivers == sorted(result.drivers, key=lambda d: -d.weight)


def test_ratings_unrelated_to_the_text_name_no_cause():
    """Stars drawn at random: every aspect is as common in 差评 as in 好评, so nothing is a cause."""
    import random

    rng = random.Random(3)
    aspects = [("物流/快递", "负面"), ("质量", "负面"), ("包装", "负面"), ("质量", "正面"), ("尺码/大小", "正面")]
    reviews = [(rng.choice((BAD, GOOD, GOOD)), rng.sample(aspects, rng.randint(0, 2))) for _ in range(3000)]
    result = star_drivers(_rows(reviews))
    assert len(result.drivers) == len(aspects)
    assert result.towards_bad() == [] and not any(d.clear for d in result.drivers)
    assert "没有哪个方面明显拉低评分" in result.summary()
    for d in result.drivers:
        low, high = d.ratio_interval
        assert low < 1 < high or 0.8 < d.odds_ratio < 1.25
        assert "与评分的关系不明显" in result.describe(d)


def test_a_clear_driver_has_an_interval_above_one():
    top = star_drivers(_rows(_shop())).towards_bad()[0]
    low, high = top.ratio_interval
    assert top.clear and 1 < low < top.odds_ratio < high


def test_overall_disappointment_is_fitted_but_never_a_cause():
    result = star_drivers(_rows(_shop()))
    labels = [d.label for d in result.drivers]
    assert "整体·负面" in labels
    assert all(d.aspect != "整体" for d in result.towards_bad())
    assert "整体" not in result.summary().split("最拉低评分的：")[1].split("。")[0]
    overall = next(d for d in result.drivers if d.label == "整体·负面")
    assert "不列为原因" in result.describe(overall)
    # Coverage counts complaints about a named aspect only: 整体-only 差评 are not covered.
    named_complaint = [i < 40 or (i % 3 == 0 and i % 2 == 1) for i in range(60)]  # 物流, or 尺码 负面
    assert result.bad_without_complaint == named_complaint.count(False) > 0


def test_neutral_ratings_and_neutral_mentions_are_left_out():
    reviews = _shop() + [(NEUTRAL, [("物流/快递", "负面")])] * 30 + [(GOOD, [("物流/快递", "中性")])] * 30
    base = star_drivers(_rows(_shop()))
    more = star_drivers(_rows(reviews))
    assert (more.n_bad, more.n_good) == (60, 270)
    top = more.towards_bad()[0]
    assert (top.bad_with, top.good_with) == (40, 5)  # 中评 and 中性 mentions counted nowhere
    assert base.towards_bad()[0].label == top.label


def test_rare_mentions_get_no_weight():
    reviews = _shop() + [(BAD, [("赠品", "负面")])] * 3
    labels = {d.label for d in star_drivers(_rows(reviews)).drivers}
    assert "赠品·负面" not in labels
    labels = {d.label for d in star_drivers(_rows(reviews), min_mentions=3).drivers}
    assert "赠品·负面" in labels


def test_too_few_ratings_says_how_many():
    result = star_drivers(_rows(_shop(n_bad=12)))
    assert result.drivers == [] and result.reason
    assert "差评 12 条" in result.reason and "好评 240 条" in result.reason and "至少需要 20 条" in result.reason
    assert result.summary() == result.reason


def test_describe_states_counts_and_rates():
    result = star_drivers(_rows(_shop()))
    text = result.describe(result.towards_bad()[0])
    assert "40 条差评和 5 条好评提到" in text
    assert "差评占 89%" in text and "全部评分评价 20%" in text


# --- on the analysed demo shop -----------------------------------------------------------------


def test_demo_store_drivers_follow_the_filter(analysed_demo_db):
    with open_store(analysed_demo_db) as store:
        voc = store.voc
        everything = drivers_for(voc, VocFilter())
        # The list's ratings, aspect and polarity do not enter: the comparison needs both sides.
        assert drivers_for(voc, VocFilter(ratings=(5,), aspect="质量", polarity="负面")) == everything
        rated = store.conn.execute(
            "SELECT COUNT(*) FROM reviews r JOIN review_text_state t ON t.review_id = r.id "
            "JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id AND s.no_content = 0 "
            "WHERE r.rating_class = 1"
        ).fetchone()[0]
        assert everything.n_bad == rated > 0
        shops = [drivers_for(voc, VocFilter(shop_id=s.id)) for s in store.shops.all()]
        assert sum(r.n_bad for r in shops) == everything.n_bad
        top = everything.towards_bad()[0]
        mentioned = store.conn.execute(
            "SELECT COUNT(DISTINCT r.id) FROM reviews r JOIN review_aspects a ON a.review_id = r.id "
            "JOIN review_text_state t ON t.review_id = r.id "
            "JOIN sentiment s ON s.target_type = 'review' AND s.target_id = r.id AND s.no_content = 0 "
            "WHERE r.rating_class = 1 AND a.part = 'content' AND a.aspect = ? AND a.polarity = ?",
            (top.aspect, top.polarity),
        ).fetchone()[0]
        assert top.bad_with == mentioned


def test_report_lists_the_clear_causes(analysed_demo_db):
    from cxdesk.reports.content import _driver_table

    with open_store(analysed_demo_db) as store:
        table = _driver_table(store, VocFilter())
        expected = drivers_for(store.voc, VocFilter())
        assert [(r[0], r[1], r[2], r[3]) for r in table.rows] == [
            (d.aspect, d.polarity, d.bad_with, d.good_with) for d in expected.towards_bad()
        ]
        assert table.rows and table.note == expected.summary()
        with store.transaction() as conn:
            conn.execute("DELETE FROM review_aspects")
            conn.execute("DELETE FROM review_text_state")
        assert _driver_table(store, VocFilter()).note == "方面分析尚未运行。"


def _cli(capsys, *args: str) -> subprocess.CompletedProcess:
    """Run the CLI in this process (as ``python main.py ARGS`` does); its exit code and output."""
    from cxdesk.cli import main

    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_export_drivers(analysed_demo_db, tmp_path, capsys):
    out = tmp_path / "drivers.csv"
    done = _cli(capsys, "--db", str(analysed_demo_db), "export", "drivers", "--out", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "个差评原因" in done.stdout
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == DRIVER_COLUMNS
    assert not list(tmp_path.glob("*.part"))
    weights = [float(r[DRIVER_COLUMNS.index("权重")]) for r in rows[1:]]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0 > weights[-1]
    with open_store(analysed_demo_db) as store:
        expected = drivers_for(store.voc, VocFilter())
    assert [(r[0], r[1], int(r[2]), int(r[3])) for r in rows[1:]] == [
        (d.aspect, d.polarity, d.bad_with, d.good_with) for d in expected.drivers
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "drivers", "--shop", "99"), "没有编号为 99 的店铺"),
        (("export", "reviews", "--shop", "1"), "--shop 只用于 drivers"),
    ],
)
def test_export_drivers_refusals(analysed_demo_db, tmp_path, capsys, args, message):
    done = _cli(capsys, "--db", str(analysed_demo_db), *args, "--out", str(tmp_path / "x.csv"), "--quiet")
    assert done.returncode != 0
    assert message in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_export_drivers_before_aspects(built_demo_db, tmp_path, capsys):
    done = _cli(capsys, "--db", str(built_demo_db), "export", "drivers", "--out", str(tmp_path / "x.csv"), "--quiet")
    assert done.returncode != 0 and "还没有方面分析结果" in done.stderr
