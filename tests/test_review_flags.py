"""Review flags respect negation right before a trigger and the review's own praise (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.analysis.risk_rules import load_pack
from cxdesk.analysis.risk_words import calm, praises
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _cats(pack, text: str, role: str = "review", praise: bool = False, calm: bool = False) -> set[str]:
    return {h.category for h in pack.match(text, role, praise=praise, calm=calm)}


@pytest.mark.parametrize(
    "text",
    [
        "包装很好，无破损！！！！",
        "没有破损的，甜，实惠",
        "没有破损也是新品",
        "没有任何破损，很新鲜",
        "没发现有破损",
        "不是假货，放心买",
    ],
)
def test_a_negated_state_is_no_quality_flag(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)


@pytest.mark.parametrize("text", ["还没用就坏了", "没几天就坏了", "收到就破损了，没有人管", "外箱破损，里面碎了"])
def test_a_negation_not_touching_the_trigger_keeps_the_flag(pack, text: str) -> None:
    assert "质量/假货" in _cats(pack, text)


@pytest.mark.parametrize(
    "text",
    [
        "怕坏了所以多买了一个",
        "放冰箱了，夏天太热了怕坏了",
        "就担心是假货",
        "以前总怕买到假货，这次放心了",
        "还以为坏了，原来是水压不够",
        "万一坏了呢？有保修吗",
        "如果不是正品，京东也不会卖",
        "我买这个不怕过期",
    ],
)
def test_fear_conditions_and_mistaken_beliefs_are_no_quality_flag(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)
    assert "质量/假货" not in _cats(pack, text, "buyer")


@pytest.mark.parametrize(
    "text", ["恐怕是假货", "怕什么来什么，收到就坏了", "以为是正品，结果是假货", "包装这么差，不怕摔坏吗？结果真的碎了"]
)
def test_a_fear_marker_outside_the_clause_or_probably_keeps_the_flag(pack, text: str) -> None:
    assert "质量/假货" in _cats(pack, text)


def test_a_condition_does_not_cancel_a_threat(pack) -> None:
    cats = _cats(pack, "如果是假货我就投诉", "buyer")
    assert "投诉/监管威胁" in cats and "质量/假货" not in cats
    assert "投诉/监管威胁" in _cats(pack, "要是再不处理，我就投诉")


def test_a_doubt_is_a_flag_only_in_a_review_read_as_negative(pack) -> None:
    text = "还没用，不知道是不是正品"
    assert "质量/假货" not in _cats(pack, text, calm=True)
    assert "质量/假货" in _cats(pack, text)  # read as negative: the buyer suspects a fake
    assert "质量/假货" in _cats(pack, "好像是假的，洗完头很痒", calm=True)  # a suspicion, not a doubt
    assert "质量/假货" in _cats(pack, "收到的是假货", calm=True)


def test_calm_means_not_read_as_negative_and_not_low_stars() -> None:
    assert calm(None, "中性") and calm(None, "正面") and calm(3, "中性") and calm(5, "正面")
    assert not calm(None, "负面") and not calm(2, "中性") and not calm(5, "负面") and not calm(None, None)


@pytest.mark.parametrize(
    "text",
    ["京东应该买不到假的吧", "希望京东严格把控，不卖假货", "不像假货，放心", "也不能说是假的，就是和超市的不一样"],
)
def test_more_state_negations(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)


@pytest.mark.parametrize(
    "text", ["垃圾袋很结实，装得多", "垃圾桶做工不错", "放在垃圾箱旁边也不占地方", "垃圾分类用的，挺好"]
)
def test_trash_compounds_are_no_strong_emotion(pack, text: str) -> None:
    assert "激烈情绪" not in _cats(pack, text)


@pytest.mark.parametrize("text", ["太垃圾了", "直接扔进垃圾桶了", "垃圾客服，没人管"])
def test_trash_as_a_verdict_still_flags(pack, text: str) -> None:
    assert "激烈情绪" in _cats(pack, text)


@pytest.mark.parametrize(
    "text",
    [
        "安装师傅装了一天累坏了",
        "女儿乐坏了",
        "我的心都碎了",
        "2020年过期，能用完",
        "超过期望",
        "之前一部给小孩摔坏了，又买了一台",
        "不小心把屏幕摔碎了",
        "手机掉水里屏坏了",
        "原来的那个坏了，就又买了一个",
        "过期时间写得很清楚",
    ],
)
def test_no_quality_flag_for_idioms_own_damage_or_an_older_item(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)


@pytest.mark.parametrize(
    "text",
    [
        "快递给摔坏了",
        "一不小心就坏了，太薄了",
        "收到时已经过期了",
        "快过期了还发给我",
        "屏幕被摔烂了，京东应该给个交代",
        "裤子穿了一个月就烂了，买到的最差的一次",
        "坏了两个，买了这么多次第一次遇到",
    ],
)
def test_damage_by_others_or_on_arrival_still_flags(pack, text: str) -> None:
    assert "质量/假货" in _cats(pack, text)


def test_last_time_only_as_a_verdict(pack) -> None:
    assert "激烈情绪" not in _cats(pack, "最后一次买的时候还没降价")
    assert "激烈情绪" not in _cats(pack, "感谢客服的道歉，希望这是最后一次遇到")
    assert "激烈情绪" in _cats(pack, "至于里边的苹果嘛，最后一次买吧")


def test_a_refund_already_done_is_no_dispute(pack) -> None:
    assert "退款退货纠纷" not in _cats(pack, "第二天降价了，申请补差价，很顺利就退钱了")
    assert "退款退货纠纷" in _cats(pack, "赶紧退钱，不然投诉")


def test_roller_in_a_product_review_is_not_abuse(pack) -> None:
    assert "辱骂" not in _cats(pack, "做工好，中部滚轴转动顺滑，声音也小")


@pytest.mark.parametrize(
    "role, text, category",
    [
        ("buyer", "不会给差评的，放心", "差评威胁"),
        ("buyer", "没有要投诉的意思，就是问问", "投诉/监管威胁"),
        ("review", "没有要投诉的意思，就是提个建议", "投诉/监管威胁"),
    ],
)
def test_intent_negation_still_holds(pack, role: str, text: str, category: str) -> None:
    assert category not in _cats(pack, text, role)


def test_praise_skips_weak_triggers_but_not_in_chats(pack) -> None:
    text = "苹果很甜，有一个烂了，其他都不错，会回购"
    assert "质量/假货" in _cats(pack, text)
    assert "质量/假货" not in _cats(pack, text, praise=True)
    assert "质量/假货" in _cats(pack, text, "buyer")  # chats never praise


def test_praise_needs_stars_or_a_positive_reading() -> None:
    assert praises(5, "正面") and praises(4, "中性") and praises(None, "正面")
    assert not praises(5, "负面") and not praises(3, "正面") and not praises(None, "中性")


def test_engine_uses_the_rating_and_sentiment_of_each_review(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    text = "苹果很甜，有一个烂了，其他都不错，会回购"
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.reviews.insert_many(
                shop.id,
                None,
                [
                    {"review_key": "praise", "content": text, "rating": 5},
                    {"review_key": "low", "content": text, "rating": 2},
                    {"review_key": "broken", "content": "还没用就坏了，差评", "rating": 5},
                    {"review_key": "negated", "content": "包装很好，无破损！！！！", "rating": 3},
                    {"review_key": "doubt3", "content": "不知道是不是正品，不过东西挺多的，物流也快", "rating": 3},
                    {"review_key": "doubt2", "content": "不知道是不是正品，不过东西挺多的，物流也快", "rating": 2},
                ],
            )
    analyze(TaskContext(), db, workers=1)
    with open_store(db) as store:
        flagged = {
            key: cats
            for key, cats in store.conn.execute(
                "SELECT r.review_key, group_concat(f.category) FROM reviews r JOIN risk_flags f "
                "ON f.target_type = 'review' AND f.target_id = r.id GROUP BY r.review_key"
            )
        }
    assert "praise" not in flagged and "negated" not in flagged
    assert "质量/假货" in flagged["low"]
    assert "质量/假货" in flagged["broken"]  # 5 stars but read as 负面: not praise
    assert "doubt3" not in flagged  # 3 stars, read as 中性: calm, a doubt is no flag
    assert "质量/假货" in flagged["doubt2"]  # 2 stars: the same doubt is a suspicion


def test_new_review_sentiment_rescans_review_flags(tmp_path: Path) -> None:
    """Praise depends on the stored sentiment: new labels (another model) mean a rescan."""
    db = tmp_path / "s.sqlite3"
    text = "苹果很甜，有一个烂了，其他都不错，会回购"
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.reviews.insert_many(shop.id, None, [{"review_key": "k", "content": text, "rating": 4}])
    analyze(TaskContext(), db, workers=1)

    def quality_flags() -> int:
        with open_store(db) as store:
            return store.conn.execute(
                "SELECT COUNT(*) FROM risk_flags WHERE target_type = 'review' AND category = '质量/假货'"
            ).fetchone()[0]

    assert quality_flags() == 0  # 4★ and read as 正面: praise
    with open_store(db) as store, store.transaction():  # as if another model read it as negative
        store.conn.execute("UPDATE sentiment SET label = '负面', model = 'other-model' WHERE target_type = 'review'")
    from cxdesk.analysis.engine import _run_chunks
    from cxdesk.analysis.risk import run_risk_stage

    with open_store(db) as store:
        run_risk_stage(TaskContext(), store, _run_chunks, 1)
    assert quality_flags() == 1


@pytest.mark.parametrize(
    "text",
    [
        "坏了一个，联系售后，当天就把这个的钱退我了，味道还可以",
        "当时有点坏了，不过服务很到位，解决了问题。",
        "运来就有一个烂了！不过京东服务就是好，拍照申请，一个小时左右就回电话处理了妥当了！",
        "屏幕碎了，联系客服后补发了，新的很好",
        "味道还可以，就是有一个坏了一点点，正常现象",
    ],
)
def test_a_problem_settled_or_accepted_in_the_buyers_words_is_no_quality_flag(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)
    assert "质量/假货" not in _cats(pack, text, "buyer")


@pytest.mark.parametrize(
    "text",
    [
        "坏了一个，什么时候补发了吗？",  # a question
        "烂了两箱，说重新发了，结果还是一样坏掉的",  # the remedy failed
        "坏了，客服说补发了，至今没收到",
        "坏了，到现在也没解决了问题",  # negated
        "之前出问题都是客服给解决了，这次又烂了好几个",  # the marker is before the trigger
        "12个有六个坏了，跟客服沟通后退了10块",  # a partial refund is no marker
        "都烂了。 退了20元券 有什么用",
    ],
)
def test_an_unsettled_or_failed_remedy_keeps_the_quality_flag(pack, text: str) -> None:
    assert "质量/假货" in _cats(pack, text)


@pytest.mark.parametrize(
    "text",
    [
        "真不好意思！！！因为电脑坏了，昨天才维修好，所以今天才给您付款。",
        "因为手机坏了，所以现在才评价",
        "原来用的热水器坏了，换上了这个，好用多了",
        "以前贪便宜买些便宜的牛仔裤，没穿多久就烂了。希望它可以耐穿点。",
    ],
)
def test_damage_to_another_or_an_earlier_item_is_no_quality_flag(pack, text: str) -> None:
    assert "质量/假货" not in _cats(pack, text)


@pytest.mark.parametrize(
    "text",
    [
        "以前买的都很好，这次收到就坏了",  # this purchase
        "以前一直用这个牌子，这次的也坏了",
        "因为包装太差，坏了三个",  # 因为 gives the cause, no late payment or review
        "原装的充电器坏了，换了一个也不行",  # the charger that came with it
    ],
)
def test_damage_to_this_purchase_still_flags(pack, text: str) -> None:
    assert "质量/假货" in _cats(pack, text)


def _levels(pack, text: str, role: str = "review", calm: bool = False) -> dict[str, str]:
    return {h.category: h.level for h in pack.match(text, role, calm=calm)}


def test_a_doubt_in_an_unhappy_review_or_a_chat_is_one_level_below_a_claim(pack) -> None:
    assert _levels(pack, "洗了头痒，不知道是不是正品")["质量/假货"] == "中"  # asked, not claimed
    assert _levels(pack, "不知道是否假货，洗了头痒", "buyer")["质量/假货"] == "中"
    assert _levels(pack, "没什么味道，不知道是坏了还是没成熟")["质量/假货"] == "低"
    assert _levels(pack, "洗了头痒，肯定是假货")["质量/假货"] == "高"  # a claim keeps the rule's level
    assert _levels(pack, "收到就坏了")["质量/假货"] == "中"
    assert "质量/假货" not in _levels(pack, "还没用，不知道是不是正品", calm=True)  # calm: no flag at all


@pytest.mark.parametrize(
    "text, level",
    [
        ("严重怀疑是不是正品，洗了头痒", "高"),  # a suspicion, not a doubt
        ("京东你是不是卖假货", "高"),  # a reproach
        ("手机没法充电，不知道是哪里坏了", "中"),  # broken for sure; only where is unknown
    ],
)
def test_a_suspicion_or_an_unknown_cause_is_no_doubt(pack, text: str, level: str) -> None:
    assert _levels(pack, text)["质量/假货"] == level
    assert "质量/假货" in _levels(pack, text, calm=True)


def test_a_doubt_level_must_be_a_level() -> None:
    from cxdesk.analysis.risk_rules import RuleError, _rule_from

    rule = {"id": "x", "level": "高", "applies_to": ["review"], "words": ["假货"], "hypothetical": True}
    assert _rule_from({**rule, "doubt_level": "中"}, "t").doubt_level == "中"
    assert _rule_from(rule, "t").doubt_level == ""
    with pytest.raises(RuleError, match="doubt_level"):
        _rule_from({**rule, "doubt_level": "很低"}, "t")
