"""Complaint wording the aspect reader must read (aspects-v4, aspects-v5): everyday complaint phrasings of shops
in many categories, and the reader's rules for questions, negation reach, comparisons, 「X不X」 and
「一个坏的都没有」. The review phrases are written for these tests."""

from __future__ import annotations

import pytest

from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.paths import resources_dir


@pytest.fixture(scope="module")
def lexicon() -> AspectLexicon:
    return AspectLexicon.load(resources_dir() / "lexicons" / "aspects.json")


def _pairs(lexicon: AspectLexicon, text: str) -> set[tuple[str, str]]:
    return {(m.aspect, m.polarity) for m in lexicon.mentions(text)}


def _complaints(lexicon: AspectLexicon, text: str) -> set[str]:
    return {m.aspect for m in lexicon.mentions(text) if m.polarity == "负面"}


# (review, aspect that must be read as a complaint)
COMPLAINT_PHRASINGS = [
    ("衣服跟图片上的不一样", "描述相符"),
    ("实物和宣传相差很大", "描述相符"),
    ("颜色严重不符", "颜色/外观"),
    ("客服态度恶劣", "客服/服务"),
    ("联系不上客服", "客服/服务"),
    ("买了不给开发票", "客服/服务"),
    ("刚买完就掉价了", "价格/性价比"),
    ("说好的赠品什么都没送", "价格/性价比"),
    ("等了半个月货都没收到", "物流/快递"),
    ("下单十天才收到", "物流/快递"),
    ("物流速度慢", "物流/快递"),
    ("裤子太紧了，穿着勒", "尺码/大小"),
    ("号码不标准", "尺码/大小"),
    ("打开有股药味", "气味"),
    ("用了三天就黑屏", "效果/功能"),
    ("手机开不了机了", "效果/功能"),
    ("洗完头皮痒", "使用体验"),
    ("越洗越油", "使用体验"),
    ("瓶子漏了，洒出来一半", "包装"),
    ("收到就有划痕", "质量"),
    ("没穿几次就开线了", "质量"),
    ("感觉不像真的", "正品/真伪"),
    ("一看就是地摊货", "整体"),
    ("服务一般，房间设施陈旧", "整体"),
    ("真是醉了，再也不来了", "整体"),
    ("火龙果个头太小", "分量"),
    ("橙子一点都不甜", "口味"),
    ("苹果吃起来像嚼蜡", "口味"),
]


@pytest.mark.parametrize("text, aspect", COMPLAINT_PHRASINGS)
def test_everyday_complaint_phrasings_are_complaints(lexicon, text, aspect):
    assert aspect in _complaints(lexicon, text), lexicon.mentions(text)


# Praise and plain statements that hold a new complaint word or its look-alike: no complaint.
NO_COMPLAINT = [
    "物流很快，包装完好，一个坏的都没有",
    "苹果很新鲜，碰伤的都没有",
    "洗了没有头皮屑，很清爽",
    "去头屑效果很好",
    "用了一个月才来评价，很好用",
    "刚才收到货，很满意",
    "周末车位很紧张，不过房间很好",
    "说明写得浅显易懂",
    "至少一个月才用完一瓶",
    "还没吃，不知道甜不甜",
    "好不好用过几天再说",
]


@pytest.mark.parametrize("text", NO_COMPLAINT)
def test_praise_and_statements_give_no_complaint(lexicon, text):
    assert _complaints(lexicon, text) == set(), lexicon.mentions(text)


def test_a_question_word_inside_a_lexicon_word_asks_nothing(lexicon):
    # 怎么样 is a question word, but 不怎么样 is a complaint
    assert ("质量", "负面") in _pairs(lexicon, "质量不怎么样")
    assert _pairs(lexicon, "质量怎么样") == set()


def test_complaints_asked_as_questions_count_and_their_praise_does_not(lexicon):
    assert _pairs(lexicon, "为什么发货这么慢？") == {("物流/快递", "负面")}
    assert _pairs(lexicon, "质量这么差？") == {("质量", "负面")}
    assert _pairs(lexicon, "为什么这么好用？") == set()
    assert _pairs(lexicon, "是正品吗？") == set()
    assert _pairs(lexicon, "是正品？") == set()


def test_a_negator_does_not_reach_past_a_verb_ending(lexicon):
    # 「受不了」「没送」 end their negation: the 差评 after them stays a complaint
    assert _pairs(lexicon, "受不了只能给差评") == {("整体", "负面")}
    assert ("整体", "正面") not in _pairs(lexicon, "说好的赠品没送差评")
    # a negator right before still flips (不太满意, 没有任何异味)
    assert _pairs(lexicon, "不太满意") == {("整体", "负面")}
    assert _pairs(lexicon, "没有任何异味") == {("气味", "正面")}


def test_comparisons_with_a_praise_word_at_the_end_are_complaints(lexicon):
    assert _pairs(lexicon, "没有在实体店买的好") == {("整体", "负面")}
    assert _pairs(lexicon, "不如在超市买的好用") == {("整体", "负面")}
    assert ("描述相符", "负面") in _pairs(lexicon, "没有图片上的好")
    assert _pairs(lexicon, "没有异味，很好") == {("气味", "正面"), ("整体", "正面")}


def test_hao_before_another_judging_word_is_a_degree_word(lexicon):
    assert _pairs(lexicon, "好失望") == {("整体", "负面")}
    assert _pairs(lexicon, "好伤心啊") == {("整体", "负面")}


def test_kuai_before_a_verb_means_about_to(lexicon):
    assert "物流/快递" not in {a for a, _ in _pairs(lexicon, "快用完了，再来回购")}
    assert _pairs(lexicon, "发货快") == {("物流/快递", "正面")}


def test_shizai_before_another_word_is_an_adverb(lexicon):
    assert _pairs(lexicon, "外卖实在太难吃了") == {("口味", "负面")}
    assert ("分量", "正面") in _pairs(lexicon, "外卖分量很实在")


# aspects-v5: hair care, clothes, fruit and delivery wording (phrases written for these tests)
COMPLAINT_PHRASINGS_V5 = [
    ("打开箱子洗发露溢出来了", "包装"),
    ("瓶身有摩擦痕迹，像是被打开过", "包装"),
    ("洗完头发打结，还很毛躁", "使用体验"),
    ("用了两次就起头皮了", "使用体验"),
    ("洗了和没洗一样", "效果/功能"),
    ("怀疑是不是正品，二维码扫不出来", "正品/真伪"),
    ("说好的赠品呢", "价格/性价比"),
    ("说好送电吹风，一直没收到", "描述相符"),
    ("裤子针脚粗，做工马虎", "做工/材质"),
    ("衣服洗一次就丢色", "颜色/外观"),
    ("苹果都坏掉了，还长毛", "新鲜度/保质期"),
    ("橙子严重脱水", "新鲜度/保质期"),
    ("快递不送上楼，让我自己去拿", "物流/快递"),
    ("平板耗电比较快", "效果/功能"),
    ("客服一直没人答复", "客服/服务"),
]


@pytest.mark.parametrize("text,aspect", COMPLAINT_PHRASINGS_V5)
def test_complaint_phrasings_v5(lexicon, text, aspect):
    assert aspect in _complaints(lexicon, text)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("风扇声音很小", {("使用体验", "正面")}),
        ("噪音不大，很安静", {("使用体验", "正面")}),
        ("运行起来噪音比较小", {("使用体验", "正面")}),
        ("噪音大", {("使用体验", "负面")}),
        ("风扇声音有点大", {("使用体验", "负面")}),
        ("音量较小，听不清", {("效果/功能", "负面")}),
        ("一股很大的味道", {("气味", "负面")}),
        ("味道有点重", {("气味", "负面")}),
        ("色差很小", {("颜色/外观", "正面")}),
    ],
)
def test_loudness_and_strength_are_not_sizes(lexicon, text, expected):
    assert _pairs(lexicon, text) == expected


def test_quiet_sound_is_never_a_size_complaint(lexicon):
    assert not _complaints(lexicon, "这台风扇声音很小")
    assert ("尺码/大小", "负面") in _pairs(lexicon, "鞋子尺码很小")
    assert ("效果/功能", "正面") in _pairs(lexicon, "声音大小合适")


def test_either_or_with_jiushi_keeps_both_complaints(lexicon):
    assert ("整体", "负面") in _pairs(lexicon, "不是烂就是坏")
    assert not _complaints(lexicon, "不是烂的")


def test_different_from_a_shop_or_from_before_is_a_complaint(lexicon):
    assert _pairs(lexicon, "跟以前用的完全不一样") == {("正品/真伪", "负面")}
    assert _pairs(lexicon, "和超市买的不一样") == {("正品/真伪", "负面")}
    assert _pairs(lexicon, "和图片上的不太一样") == {("描述相符", "负面")}
    assert not _complaints(lexicon, "和别人家的不一样，很好用")


def test_comparison_naming_what_it_is_compared_with(lexicon):
    assert ("描述相符", "负面") in _pairs(lexicon, "没照片好看")
    assert ("整体", "负面") in _pairs(lexicon, "没超市买的好用")
    assert not _complaints(lexicon, "没有异味，图片很好看")


def test_counts_and_time_spans_are_no_negators(lexicon):
    assert ("整体", "负面") in _pairs(lexicon, "有不少坏的")
    assert _complaints(lexicon, "买了不到两天就降价了") == {"价格/性价比"}
    assert _pairs(lexicon, "不到两天就到了") == {("物流/快递", "正面")}
    assert "整体" not in {a for a, _ in _pairs(lexicon, "要是买小瓶就好了")}


def test_praise_followed_by_scorn_is_a_complaint(lexicon):
    assert _pairs(lexicon, "新鲜个屁") == {("新鲜度/保质期", "负面")}
    assert _pairs(lexicon, "很新鲜") == {("新鲜度/保质期", "正面")}
