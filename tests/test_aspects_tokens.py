"""Aspect reading on tokens: words inside other words, contrast clauses, food and delivery wording."""

from __future__ import annotations

import json

import pytest

from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.errors import CxdeskError
from cxdesk.paths import resources_dir


@pytest.fixture(scope="module")
def lexicon() -> AspectLexicon:
    return AspectLexicon.load(resources_dir() / "lexicons" / "aspects.json")


def _pairs(lexicon: AspectLexicon, text: str) -> set[tuple[str, str]]:
    return {(m.aspect, m.polarity) for m in lexicon.mentions(text)}


# Shop phrasings where a one-character opinion word (假, 烂, 快, 差, 慢, 好, 值, 贵, 坏, 棒) sits inside
# another word. None of them judges anything.
WORDS_INSIDE_WORDS = [
    "暑假给孩子买的",
    "放假前下的单",
    "请假在家等的",
    "假期出去玩带着用",
    "宝宝笑得很灿烂",
    "颜色叫落日灿烂",
    "孩子穿上很快乐",
    "祝大家新年快乐",
    "差点没赶上活动",
    "价格差不多",
    "出差的时候带着",
    "慢慢用吧",
    "平时慢跑的时候穿",
    "值班的时候穿",
    "从贵州发的货",
    "办了贵宾卡",
    "好奇买来试试",
    "好像是新款",
    "跟棒球帽一起买的",
    "坏坏的表情包送给朋友",
    # one-character complaints of texture and feel (粘, 辣, 厚, 脏, 油, 闷) inside other words
    "粘贴在墙上",
    "买了辣椒酱",
    "面膜收到了，老板很厚道",
    "不许说脏话",
    "洗面奶用完了，去加油站旁边的超市买的",
    "闷声发大财",
]


@pytest.mark.parametrize("text", WORDS_INSIDE_WORDS)
def test_one_character_words_inside_other_words_give_no_aspect(lexicon, text):
    assert lexicon.mentions(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("质量很差", {("质量", "负面")}),
        ("味道很好", {("气味", "正面")}),  # a cream: 味道 is its smell
        ("太慢了", {("物流/快递", "负面")}),  # speed words alone judge the delivery
        ("很快", {("物流/快递", "正面")}),
        ("真的好贵", {("价格/性价比", "负面")}),
        ("好假", {("正品/真伪", "负面")}),
        ("很棒", {("整体", "正面")}),
        ("差", {("整体", "负面")}),
        ("味道很好闻", {("气味", "正面")}),  # 很好 is no word here, 好闻 is
        ("还挺好用的", {("整体", "正面")}),
    ],
)
def test_true_one_character_opinions_still_count(lexicon, text, expected):
    assert _pairs(lexicon, text) == expected


def test_a_courier_s_attitude_is_one_aspect(lexicon):
    assert _pairs(lexicon, "配送员态度很差") == {("物流/快递", "负面")}
    assert _pairs(lexicon, "快递员的态度很好") == {("物流/快递", "正面")}
    # Listed together with 都, two aspects keep their own mention.
    assert _pairs(lexicon, "颜色尺码都不错") == {("颜色/外观", "正面"), ("尺码/大小", "正面")}


def test_the_clause_after_a_contrast_word_carries_the_complaint(lexicon):
    found = _pairs(lexicon, "感觉还好，就是按出来有点麻烦，瓶子塑料比较硬")
    assert ("使用体验", "负面") in found and ("包装", "负面") in found
    assert ("整体", "负面") not in found
    # A hedged trigger after 就是/不过 is a complaint even without an opinion word …
    assert _pairs(lexicon, "挺好的，不过包装有点简单") == {("整体", "正面"), ("包装", "负面")}
    assert _pairs(lexicon, "整体满意，可惜颜色稍微深了一些") == {("整体", "正面"), ("颜色/外观", "负面")}
    # … but not before any contrast word, and the scope ends with the sentence.
    assert _pairs(lexicon, "包装有点简单") == set()
    assert _pairs(lexicon, "不错，就是有点贵。包装有点简单") == {("整体", "正面"), ("价格/性价比", "负面")}


def test_mild_praise_reads_positive(lexicon):
    assert _pairs(lexicon, "还行") == {("整体", "正面")}
    assert _pairs(lexicon, "还好") == {("整体", "正面")}
    assert _pairs(lexicon, "一般般") == {("整体", "中性")}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("味道很好，分量很足", {("口味", "正面"), ("分量", "正面")}),
        ("很好吃，就是米饭少", {("口味", "正面"), ("分量", "负面")}),
        ("米饭少，菜也凉了", {("分量", "负面"), ("温度", "负面")}),
        ("味道不错，就是送餐太慢了", {("口味", "正面"), ("物流/快递", "负面")}),
        ("外卖送来还是热乎的，菜很新鲜", {("温度", "正面"), ("新鲜度/保质期", "正面")}),
        ("炒饭太咸了，没味道的汤", {("口味", "负面")}),
    ],
)
def test_food_reviews_read_with_the_food_pack(lexicon, text, expected):
    assert _pairs(lexicon, text) == expected


def test_delivery_without_the_word_express(lexicon):
    assert _pairs(lexicon, "上午买的下午就到了") == {("物流/快递", "正面")}
    assert _pairs(lexicon, "送餐员很准时") == {("物流/快递", "正面")}
    assert _pairs(lexicon, "送得太慢了") == {("物流/快递", "负面")}
    assert _pairs(lexicon, "外卖送到了") == set()  # a fact, not a judgement
    # Outside food reviews 没味道 is still praise of a cream's smell.
    assert _pairs(lexicon, "面霜没味道") == {("气味", "正面")}


def test_a_user_pack_adds_a_category_and_changes_the_fingerprint(tmp_path):
    folder = resources_dir() / "lexicons"
    data = json.loads((folder / "aspects.json").read_text(encoding="utf-8"))
    data["packs"] = ["aspects_pet.json"]
    (tmp_path / "aspects.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pack = {
        "category": "宠物",
        "cues": ["猫粮", "狗粮"],
        "aspects": [{"name": "适口性", "triggers": ["适口性"], "positive": ["爱吃"], "negative": ["不吃"]}],
    }
    (tmp_path / "aspects_pet.json").write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
    pet = AspectLexicon.load(tmp_path / "aspects.json")
    assert _pairs(pet, "猫粮买了三袋，猫咪很爱吃") == {("适口性", "正面")}
    assert _pairs(pet, "很爱吃") == set()  # no cue: the pack is not used
    assert "适口性" in pet.aspects
    bundled = AspectLexicon.load(folder / "aspects.json")
    assert pet.fingerprint != bundled.fingerprint and bundled.packs and not _pairs(bundled, "猫粮很爱吃")
    del pack["cues"]  # a pack that never applies is refused, not silently ignored
    (tmp_path / "aspects_pet.json").write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CxdeskError, match="没有 cues"):
        AspectLexicon.load(tmp_path / "aspects.json")


def test_a_missing_thing_is_a_complaint_about_its_aspect(lexicon):
    assert ("包装", "负面") in _pairs(lexicon, "就是没有礼盒包装，不开心")
    assert _pairs(lexicon, "连盒子都没有") == {("包装", "负面")}
    assert _pairs(lexicon, "产品很好，啥赠品都没") == {("整体", "正面"), ("价格/性价比", "负面")}
    # A missing fault is still praise, and a thing not yet tried is no judgement.
    assert _pairs(lexicon, "没有色差") == {("颜色/外观", "正面")}
    assert _pairs(lexicon, "一点问题都没有") == {("整体", "正面")}
    assert _pairs(lexicon, "还没用过效果不知道") == set()


def test_the_issue_s_delivery_example_is_a_delivery_complaint(lexicon):
    # Delivered in hours: a meal, so 味道 is taste; the complaint is the delivery's, not 整体's.
    found = lexicon.mentions("味道不错，就是速度太慢了，两个半小时才送到")
    assert {(m.aspect, m.polarity) for m in found} == {("口味", "正面"), ("物流/快递", "负面")}
    assert _pairs(lexicon, "三天才到") == {("物流/快递", "负面")}
    assert _pairs(lexicon, "发货很快") == {("物流/快递", "正面")}
    assert _pairs(lexicon, "吸收很快") == {("使用体验", "正面")}  # a trigger still takes a speed word


@pytest.mark.parametrize(
    "text, expected",
    [
        ("不保湿", {("效果/功能", "负面")}),  # a negated function is a complaint about it
        ("感觉不怎么补水", {("效果/功能", "负面")}),
        ("效果不如以前", {("效果/功能", "负面")}),  # comparisons with before
        ("没有之前的好用", {("整体", "负面")}),
        ("和想象的不一样", {("整体", "负面")}),
        ("不腻也不干", {("使用体验", "正面")}),  # the 不 of 不腻 does not flip 不干 again
        ("不是特别油腻", {("使用体验", "正面")}),  # 特别 (an ignore word) does not hide the 不是
        ("不然脸会干", set()),
    ],
)
def test_negated_praise_and_comparisons(lexicon, text, expected):
    assert _pairs(lexicon, text) == expected


def test_verbs_and_wishes_are_no_opinions(lexicon):
    assert _pairs(lexicon, "可以放心购买") == {("正品/真伪", "正面")}  # not 整体 from 可以
    assert _pairs(lexicon, "适合冬天用") == set()
    assert _pairs(lexicon, "希望好用") == set()
    # … while the same words as opinions still count.
    assert _pairs(lexicon, "质量可以") == {("质量", "正面")}
    assert _pairs(lexicon, "很适合我") == {("整体", "正面")}
    assert _pairs(lexicon, "不太适合油皮") == {("整体", "负面")}
    assert _pairs(lexicon, "物流很快呢") == {("物流/快递", "正面")}  # 呢 ends statements too


def test_middling_and_intensified_middling(lexicon):
    assert _pairs(lexicon, "一般") == {("整体", "中性")}
    assert _pairs(lexicon, "很一般") == {("整体", "负面")}


def test_cosmetics_reviews_read_with_the_beauty_pack(lexicon):
    assert _pairs(lexicon, "粉底很细腻") == {("使用体验", "正面")}  # the feel on the skin
    assert _pairs(lexicon, "面料很细腻") == {("做工/材质", "正面")}  # no beauty cue: the fabric
    assert _pairs(lexicon, "粉底有点厚") == {("使用体验", "负面")}
    assert _pairs(lexicon, "衣服有点厚") == set()
    assert _pairs(lexicon, "隔离霜不错") == {("整体", "正面")}  # a product name, not its function
    assert _pairs(lexicon, "洗面奶泡沫很丰富，颜色很自然") >= {("使用体验", "正面"), ("效果/功能", "正面")}
    # Skin types describe the buyer: 「我是干皮」 is no complaint.
    assert _pairs(lexicon, "我是干皮，用着很滋润") == {("使用体验", "正面")}
