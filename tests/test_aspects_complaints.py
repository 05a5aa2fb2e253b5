"""Complaint wording the aspect reader must read (aspects-v4 to aspects-v8): everyday complaint phrasings of shops
in many categories, and the reader's rules for questions, negation reach, comparisons, 「X不X」 and
「一个坏的都没有」, complaints that are absent, feared or asked about (aspects-v6), and "never again", 不比 and
"soon after" (aspects-v7), and cosmetics and personal-care complaints: skin and hair troubles that grew or
went, shortfalls after a trigger, pumps, lids, near-expiry dates and lasting scent (aspects-v8); dirty goods
are their condition (aspects-v9). The review
phrases are written for these tests."""

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


# --- aspects-v6: complaints that are not there, feared or asked about; more complaint phrasings --------------------


@pytest.mark.parametrize(
    "text",
    [
        "屏幕很清楚，未发现网上说的拖影",
        "仔细检查了，没有发现任何划痕",
        "用了一个月没看到有什么质量问题",
        "从来没遇到过卡顿",
    ],
)
def test_a_complaint_not_seen_is_absent(lexicon, text):
    assert not _complaints(lexicon, text)


def test_what_follows_a_not_seen_can_still_complain(lexicon):
    assert _complaints(lexicon, "从来没遇到这么慢的快递") == {"物流/快递"}
    assert _complaints(lexicon, "没看到赠品所以给差评")


@pytest.mark.parametrize(
    "text",
    ["瓶子没有破损泄露", "收到时无破损无漏液", "外壳没有划痕和磕碰", "洗了两次几乎没有掉色", "盒子没有变形破损"],
)
def test_one_negator_covers_complaints_written_together(lexicon, text):
    assert not _complaints(lexicon, text)


def test_coordination_does_not_reach_a_complaint_with_its_own_words(lexicon):
    assert _complaints(lexicon, "客服不在退货太慢") == {"物流/快递"}
    assert _complaints(lexicon, "打电话投诉也没解决")
    assert ("质量", "负面") in _pairs(lexicon, "有几个磕碰了")


@pytest.mark.parametrize(
    "text",
    ["担心掉色，洗了一次还好", "本来听说喇叭很差", "还怕会起球呢", "再也不用担心洗发水不够用了", "有点担心以后会漏液"],
)
def test_a_feared_or_heard_complaint_is_not_one(lexicon, text):
    assert not _complaints(lexicon, text)


def test_a_fear_that_came_true_is_a_complaint(lexicon):
    assert _complaints(lexicon, "以为是正品结果是假的") == {"正品/真伪"}
    assert _complaints(lexicon, "担心掉色果然掉色了") == {"颜色/外观"}


def test_the_part_before_a_question_particle_asks(lexicon):
    assert _pairs(lexicon, "还没洗不知道会掉颜色吗质量挺好") == {("质量", "正面")}
    assert not _complaints(lexicon, "会掉颜色吗？还没洗")
    assert _complaints(lexicon, "有这么坑人的吗一天一个价")
    assert _complaints(lexicon, "骗人的问他能穿吗说能")


def test_surprise_is_not_a_negator(lexicon):
    assert not _complaints(lexicon, "没想到这么快就收到货了")
    assert not _complaints(lexicon, "没想到这个价位能买到这么好的")
    assert _complaints(lexicon, "没想到这么差")


def test_a_little_before_a_complaint_is_not_a_size(lexicon):
    assert _pairs(lexicon, "机子有点小问题") == {("整体", "负面")}
    assert "尺码/大小" not in _complaints(lexicon, "有点小失望")
    assert _complaints(lexicon, "鞋子有点小") == {"尺码/大小"}


@pytest.mark.parametrize("text", ["故障率低", "显得很硬朗", "价格差不了多少", "后来还是被说服了", "看完了，呵呵，不错"])
def test_words_that_only_look_like_complaints(lexicon, text):
    assert not _complaints(lexicon, text)


def test_laughing_is_not_scorn_but_scorn_is(lexicon):
    assert not _complaints(lexicon, "呵呵")
    assert _complaints(lexicon, "赠品也没有，我就呵呵了")


def test_worse_than_last_time_is_a_complaint(lexicon):
    assert _pairs(lexicon, "不如上次的好用") == {("整体", "负面")}
    assert not _complaints(lexicon, "没有异味很好闻")


def test_not_so_good_before_a_judging_phrase(lexicon):
    assert _pairs(lexicon, "不怎么好物流太慢了") == {("整体", "负面"), ("物流/快递", "负面")}
    assert _pairs(lexicon, "好失望") == {("整体", "负面")}


def test_different_from_the_shop_in_other_words(lexicon):
    assert _complaints(lexicon, "感觉和超市卖的有点区别") == {"正品/真伪"}
    assert _complaints(lexicon, "颜色和图片有差别") == {"颜色/外观"}
    assert not _complaints(lexicon, "和专柜的没有区别")


V6_COMPLAINTS = [
    ("洗了之后好多头皮屑", "效果/功能"),
    ("用了一周头皮屑挺多的", "效果/功能"),
    ("头发洗完更毛糙了", "效果/功能"),
    ("说好的送吹风机呢", "描述相符"),
    ("少给了两个", "描述相符"),
    ("瓶子是空的", "包装"),
    ("沐浴露炸开了", "包装"),
    ("到手已拆封过", "包装"),
    ("卫生不是太好", "整体"),
    ("给人感觉不好", "整体"),
    ("一般一般吧", "整体"),
    ("以后不喝这个牌子了", "整体"),
    ("这是什么玩意", "整体"),
    ("入手需谨慎", "整体"),
    ("简直是骗局", "整体"),
    ("给一星都嫌多", "整体"),
    ("电脑老是蓝屏", "效果/功能"),
    ("听筒没声了", "效果/功能"),
    ("平板出现阴阳屏", "质量"),
    ("穿了一次就绽开了", "质量"),
    ("装订有错误", "质量"),
    ("日期被篡改过", "新鲜度/保质期"),
    ("装系统太费事", "使用体验"),
    ("洗发水有点稀", "使用体验"),
    ("瓶盖没拧紧", "包装"),
    ("包装已经被打开", "包装"),
    ("洗完有一股洗衣粉味", "气味"),
    ("这是歪货吧", "正品/真伪"),
]


@pytest.mark.parametrize(("text", "aspect"), V6_COMPLAINTS)
def test_v6_complaint_phrasings(lexicon, text, aspect):
    assert aspect in _complaints(lexicon, text)


@pytest.mark.parametrize(
    "text",
    ["用了之后头皮屑少了", "也没头屑了", "一星期就到了", "大家说好的书", "不买会后悔", "至少给两个赠品", "很人性化"],
)
def test_v6_words_inside_other_words_or_praise(lexicon, text):
    assert not _complaints(lexicon, text)


def test_ye_mei_negates_the_word_after_it_not_the_one_before(lexicon):
    # 「没有变形也没掉色」: 也没 is 掉色's negator; 变形 keeps its own 没有, and the evidence shows it.
    text = "洗了两次没有变形也没掉色"
    found = {m.aspect: (m.polarity, m.opinion) for m in lexicon.mentions(text)}
    assert found["质量"] == ("正面", "没有变形") and found["颜色/外观"][0] == "正面", found
    assert "质量" in _complaints(lexicon, "洗了一次就变形也没人管")  # a complaint with no 没有 of its own
    assert _complaints(lexicon, "一个坏的都没有") == set()  # 都没有 at the end still says it is absent
    # … and its evidence says so: not a green chip reading 整体：坏
    assert [m.opinion for m in lexicon.mentions("一个坏的都没有")] == ["坏的都没有"]


# --- aspects-v7: "never again", 不比, "soon after", "almost"; more complaint phrasings ----------------------------


def test_never_again_is_a_complaint(lexicon):
    assert _pairs(lexicon, "以后不会再来这家店了") == {("整体", "负面")}
    assert _pairs(lexicon, "再也不敢在这买了") == {("整体", "负面")}
    assert _pairs(lexicon, "下次不在这家买了") == {("整体", "负面")}
    assert [m.opinion for m in lexicon.mentions("这种酒店不会再去了")] == ["不会再去"]
    assert _complaints(lexicon, "快递再也不选这家了") == {"物流/快递"}  # a trigger in the clause takes it


@pytest.mark.parametrize(
    "text",
    ["以后不用再去超市排队了", "超市再也不去了，网上买方便", "机不可失失不再来", "要不再来一箱", "再也不用担心断货了"],
)
def test_not_going_back_elsewhere_is_not_a_complaint(lexicon, text):
    assert not _complaints(lexicon, text)


def test_not_worse_than_is_praise(lexicon):
    assert _pairs(lexicon, "质量不比实体店的差") == {("质量", "正面")}
    assert _complaints(lexicon, "价格不比超市的便宜") == {"价格/性价比"}


def test_soon_after_and_almost_are_no_judgement(lexicon):
    assert _complaints(lexicon, "没几天就降价了") == {"价格/性价比"}
    assert _complaints(lexicon, "没用多久就坏了") == {"质量"}  # 多久 here asks nothing
    assert ("物流/快递", "正面") not in _pairs(lexicon, "下单快十天了还没到")
    assert _pairs(lexicon, "快递很快") == {("物流/快递", "正面")}


V7_COMPLAINTS = [
    ("还不如路边摊的", "整体"),
    ("这家店太难找了", "整体"),
    ("房间没有窗户", "整体"),
    ("说了半天就是不给退款", "客服/服务"),
    ("一点都不去屑", "效果/功能"),
    ("说好的加绒，收到没加绒", "做工/材质"),
    ("裤子一点弹性也没有", "做工/材质"),
    ("外壳塑料感很强", "做工/材质"),
    ("有两个已经腐烂了", "新鲜度/保质期"),
    ("拿到手是拆封过的", "包装"),
    ("房间一股烟味", "气味"),
    ("笔记本发热量很大", "效果/功能"),
    ("风扇确实很响", "使用体验"),
    ("屏幕颜色不亮丽", "颜色/外观"),
    ("这个壳子不耐摔", "质量"),
    ("照片和实物完全不一样", "描述相符"),
    ("背着有点重", "使用体验"),
    ("收到的明显是二次销售的", "正品/真伪"),
    ("这次洗完我都过敏了", "使用体验"),
]


@pytest.mark.parametrize(("text", "aspect"), V7_COMPLAINTS)
def test_v7_complaint_phrasings(lexicon, text, aspect):
    assert aspect in _complaints(lexicon, text)


@pytest.mark.parametrize(
    "text",
    [
        "不愧是大牌子，用着很好",
        "笔记本发热很小",
        "房间干净，没有烟味",
        "客服很快帮我解决了问题",
        "用了半年都没有太大的问题",
        "我皮肤什么都过敏，用这个没事",
        "很难找到这么好用的",
        "裤子弹性很好",
        "加绒的很暖和",
        "已经用了一个月，很好",
    ],
)
def test_v7_praise_stays_praise(lexicon, text):
    assert not _complaints(lexicon, text)


V8_COMPLAINTS = [
    ("洗完脸有点紧绷", "使用体验"),
    ("面霜用了痘痘更多了", "使用体验"),
    ("用了一周，脸上冒了好多闭口", "使用体验"),
    ("洗发水用了头屑还是很多", "使用体验"),
    ("用完满头的头皮屑", "使用体验"),
    ("洗完头发变硬了", "使用体验"),
    ("用完脸上起小疙瘩", "使用体验"),
    ("乳液有点刺痒", "使用体验"),
    ("粉底液容易卡粉", "使用体验"),
    ("洗发水稀稀拉拉的像水", "使用体验"),
    ("面霜保湿不够", "效果/功能"),
    ("洗面奶清洁力不足", "效果/功能"),
    ("粉底遮瑕效果一点都没有", "效果/功能"),
    ("粉底液色号太深了", "效果/功能"),
    ("面膜精华没多少", "成分"),
    ("收到压嘴坏了，压不出来", "包装"),
    ("瓶盖没盖紧，洒了一盒子", "包装"),
    ("收到时按压头是打开的", "包装"),
    ("面霜说明书没有", "包装"),
    ("收到的是临期产品", "新鲜度/保质期"),
    ("生产日期是去年的", "新鲜度/保质期"),
    ("保质期只剩几个月了", "新鲜度/保质期"),
    ("洗发水留香时间短", "气味"),
    ("一瓶很快就用完了", "尺码/大小"),
    ("收到一看，比想象的小", "尺码/大小"),
    ("面霜用起来比较费", "价格/性价比"),
    ("快递比较慢", "物流/快递"),
]


@pytest.mark.parametrize(("text", "aspect"), V8_COMPLAINTS)
def test_v8_complaint_phrasings(lexicon, text, aspect):
    assert aspect in _complaints(lexicon, text)


@pytest.mark.parametrize(
    "text",
    [
        "这个面霜不粘腻",
        "洗完脸一点也不紧绷",
        "用了一个月，出油少了",
        "头皮屑少多了",
        "用了以后没有那么多头皮屑了",
        "用了没有长闭口，也不会冒痘",
        "用了掉发少了",
        "我是容易过敏的皮肤，用这个没事",
        "容易长痘的肤质用了也没事",
        "没有临期，日期很新",
        "洗发水留香很久",
        "味道没有，很温和",
        "离过期还有两年多",
        "担心会长痘，用了一周没问题",
        "包装盒没有破损",
    ],
)
def test_v8_praise_stays_praise(lexicon, text):
    assert not _complaints(lexicon, text)


def test_troubles_that_grew_or_went(lexicon):
    assert ("使用体验", "负面") in _pairs(lexicon, "洗发水用了以后头屑越来越多")
    assert ("使用体验", "正面") in _pairs(lexicon, "洗发水用了以后头屑少了")
    assert ("使用体验", "正面") in _pairs(lexicon, "面霜用了不长痘了")


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("衣服很脏", "质量"),  # the goods arrived dirty: their condition, not the box (aspects-v9)
        ("收到的杯子脏兮兮的", "质量"),
        ("鞋面有污渍", "质量"),
        ("包装很脏", "包装"),  # a packaging trigger still takes the word
        ("快递盒很脏", "包装"),
        ("瓶身有污渍", "包装"),
    ],
)
def test_dirty_goods_are_their_condition_and_a_dirty_box_is_packaging(lexicon, text, aspect):
    assert _complaints(lexicon, text) == {aspect}
