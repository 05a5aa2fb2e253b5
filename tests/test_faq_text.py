"""Question extraction and normalisation on real JDDC buyer lines (tests/fixtures/faq)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis.faq_text import FaqRules

FIXTURE = Path(__file__).parent / "fixtures" / "faq" / "buyer_lines.tsv"


@pytest.fixture(scope="module")
def rules() -> FaqRules:
    return FaqRules.load()


def _labelled() -> list[tuple[bool, str]]:
    rows = [
        line.rstrip("\n").split("\t", 1)
        for line in FIXTURE.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    return [(e == "1", t) for e, t in rows[1:]]


def test_detector_agrees_with_hand_labels_on_real_buyer_lines(rules: FaqRules) -> None:
    rows = _labelled()
    assert len(rows) >= 40 and sum(e for e, _ in rows) >= 20
    wrong = [(e, t, rules.question(t)) for e, t in rows if (rules.question(t) is not None) != e]
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "在吗？",
        "谢谢！",
        "好的呢",
        "[订单x]",
        "123456789012345",
        "😀😀👍",
        "https://item.taobao.com/item.htm?id=123",
        "为什么",
        "那怎么办",
        "要多久",
    ],
)
def test_skips_greetings_thanks_numbers_links_emoji_and_contextless(rules: FaqRules, text: str) -> None:
    assert rules.question(text) is None


def test_order_numbers_amounts_dates_and_codes_are_masked(rules: FaqRules) -> None:
    a = rules.normalise(rules.question("订单123456789012 什么时候发货"))
    b = rules.normalise(rules.question("订单456789012345什么时候发货？"))
    assert a == b == "什么时候发货"
    assert rules.normalise("订单123456789012什么时候发货") == "什么时候发货"
    assert rules.normalise("你好，请问199元包邮吗") == "{金额}包邮吗"
    assert rules.normalise("5月3号能到吗") == rules.normalise("6月12日能到吗") == "{日期}能到吗"
    assert rules.normalise("XL-2030有货吗") == rules.normalise("ab9981有货吗") == "{型号}有货吗"
    assert rules.normalise("打13812345678联系我可以吗") == "打{电话}联系我可以吗"
    assert rules.normalise("[订单x]的发票开了吗") == "的发票开了吗"
    assert rules.normalise("[数字x]件能便宜吗") == "{数字}件能便宜吗"


def test_emoticon_codes_are_not_part_of_the_question(rules: FaqRules) -> None:
    assert rules.normalise("能快点吗[流泪]") == rules.normalise("能快点吗") == "能快点吗"
    assert rules.normalise("[商品快照]能便宜吗") == "能便宜吗"
    assert rules.normalise("尺码[1]对吗") == "尺码{数字}对吗"  # a bracketed number is content, not an emoticon
    assert rules.question("能快点吗[流泪]") == "能快点吗[流泪]"  # the buyer's wording is kept for display


def test_question_is_the_asking_sentence_with_short_context(rules: FaqRules) -> None:
    assert rules.question("你好，我买的这个皮带头 请问今晚能送到吗 我要转人工") == "请问今晚能送到吗"
    assert rules.question("这个裤子 多久?") == "这个裤子 多久?"
    assert rules.question("我可以退款么  等不了") == "我可以退款么"


def test_a_broken_rules_file_says_so_in_chinese(tmp_path: Path) -> None:
    bad = tmp_path / "faq.json"
    bad.write_text('{"version": "x", "masks": [{"pattern": "("}]}', encoding="utf-8")
    with pytest.raises(Exception, match="常见问题规则文件"):
        FaqRules.load(bad)


# Real JDDC shapes of pasted order/product cards and platform texts (mask tokens as in the data).
CARD = "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]"
CARD_WEB = "顾客通过点击web咚咚[站点x]信息发送:[订单编号:[订单x]，订单金额:[金额x]，下单时间:[日期x] [时间x]]"
CARD_ITEM = "咨询订单号:[订单x]    商品ID:[数字x] 订单业务咨询"


@pytest.mark.parametrize(
    "text",
    [
        CARD,
        CARD_WEB,
        CARD_ITEM,
        f"{CARD_WEB} {CARD_WEB}",
        "[订单编号:[数字x]，订单金额:，下单时间:]",
        "[订单编号:[数字x]，订单金额:[金额x]，下单时间:NaN-NaN-NaN NaN:NaN]",
    ],
)
def test_a_pasted_order_card_alone_is_no_question(rules: FaqRules, text: str) -> None:
    assert rules.question(text) is None
    assert rules.normalise(text) == ""


def test_order_cards_and_platform_texts_are_stripped_from_the_question(rules: FaqRules) -> None:
    assert rules.question(f"{CARD} 你好") is None  # a greeting after a card is still no question
    assert rules.question(f"{CARD_WEB} 这两个订单的发票是开在一起吗?") == "这两个订单的发票是开在一起吗?"
    assert rules.normalise(rules.question(f"这个可以开票么 {CARD}")) == "这个可以开票么"
    asked = rules.question(f"{CARD_ITEM} 你好，请问我付款的话，是不是可以正常发货的?")
    assert "商品id" not in asked and "咨询" not in asked and asked.endswith("是不是可以正常发货的?")
    assert rules.normalise("留的电话号码可以改吗 京东快递(移动端)") == "留的电话号码可以改吗"
    # The words themselves stay when they are the buyer's own (not a card field).
    assert rules.normalise("订单金额不对吗") == "订单金额不对吗"


def test_frame_words_are_a_user_overridable_list_in_the_rules_file(rules: FaqRules, tmp_path: Path) -> None:
    import json

    assert {"什么时候", "怎么", "可以", "到哪里了", "怎么操作"} <= set(rules.cluster.frame_words)
    assert 0 < rules.cluster.frame_weight < 1
    assert "什么时候" in rules.stopwords  # never a keyword
    from cxdesk.paths import resource_path

    data = json.loads(Path(resource_path("lexicons", "faq.json")).read_text(encoding="utf-8"))
    data["frame_words"] = ["几时"]
    data["cluster"]["frame_weight"] = 0.2
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    own = FaqRules.load(path)
    assert own.cluster.frame_words == ("几时",) and own.cluster.frame_weight == 0.2
