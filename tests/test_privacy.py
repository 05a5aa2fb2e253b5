"""Personal data masking: what is hidden, what stays readable, and that offsets survive."""

from __future__ import annotations

import pytest

from cxdesk.privacy import mask_nick, mask_text


@pytest.mark.parametrize(
    "text, masked",
    [
        ("电话13812345678", "电话138****5678"),
        ("手机 138-1234-5678", "手机 138-****-5678"),
        ("+86 13812345678 打我", "+86 138****5678 打我"),
        ("座机010-87654321", "座机010-******21"),
        ("身份证11010519491231002X", "身份证110*************2X"),
        ("邮箱 zhangsan.li@qq.com", "邮箱 z**********@qq.com"),
        ("收货人：张三丰，手机13900001111", "收货人：张**，手机139****1111"),
        ("收货地址：浙江省杭州市西湖区文三路100号3栋201室，谢谢", "收货地址：浙江省杭州市西湖区*************，谢谢"),
        (
            "地址：广西壮族自治区南宁市青秀区民族大道100号 电话13812345678",
            "地址：广西壮族自治区南宁市青秀区******** 电话138****5678",
        ),
        ("送到上海静安区南京西路1266号", "送到上海静安区*********"),
        ("文三路100号3栋201室到了吗", "*************到了吗"),
        # Separators, variants and addresses without 省/市 seen in real chats:
        ("电话 138 1234 5678 谢谢", "电话 138 **** 5678 谢谢"),
        ("手机 138.1234.5678", "手机 138.****.5678"),
        ("固话(0571)88886666", "固话(0571)******66"),
        ("我的手机是13900001111，收件人是王小明", "我的手机是139****1111，收件人是王**"),
        ("收件人：欧阳娜娜 电话15800001111", "收件人：欧*** 电话158****1111"),
        ("收货人:任得得联系方式", "收货人:任**联系方式"),
        ("送到幸福小区5栋2单元301", "送到************"),
        ("地址：杭州市西湖区文三路100号3栋201室 不处理我就投诉", "地址：杭州市西湖区************* 不处理我就投诉"),
        ("地址: 西湖区文三路100号", "地址: 西湖区*******"),
        ("陕西省西安市高陵区泾勤路四季阳光三区", "陕西省西安市高陵区*********"),
        ("地址错了 麻烦改改 更改天河区成珠吉街道奥体南路东澳创意小镇", "地址错了 麻烦改改 更改天河区***************"),
    ],
)
def test_personal_data_is_starred(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "订单号 202405011234567890 还没发货",  # an order number is not a phone or an ID
        "身份证号 110105194912310021 写错了",  # wrong check digit: not an ID number
        "地址我发你亲",  # no address after the label
        "退货地址系统会自动显示",
        "收货人信息改一下",
        "宝宝身高125cm建议拍130cm",
        # Labels followed by words, not by a name or an address (real chats over-masked before):
        "能否更改收货地址 收件人不变地址变下",
        "麻烦您提供一下您的姓名和联系方式",
        "你好，这个订单可以帮我修改下收件人和电话吗",
        "收件人:发票组收",
        "新旧地址在同一个市内的话，可以联系配送员",
        "过一会吧 寄到哪个城市",
        "我问下空调可以送到村里吗",
        "这个地址是我们的仓库哈 原订单号:[订单x]",
        "改 这个 地址 亲 发货 了 这个 单号 给 我",
        "收货地址:上海[地址x] 收件人:[姓名x]",  # an export already anonymised with placeholders
        # Order numbers, amounts, times and model numbers stay readable:
        "订单号：3712345678901234 什么时候发",
        "实付金额 128.50 元，下单时间 2024-05-01 10:20:33",
        "型号 SM-G9980 货号 A1234-5678 快递单号 SF1234567890123",
        "客服电话 400-820-8820",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_masking_keeps_every_offset() -> None:
    text = "你好，收货人：李四，电话 13812345678，地址：北京市朝阳区建国路88号，差评！"
    masked = mask_text(text)
    assert len(masked) == len(text)
    start = text.index("差评")
    assert masked[start : start + 2] == "差评"  # a flag's evidence span still points at its words
    assert "13812345678" not in masked and "建国路" not in masked and "李四" not in masked


def test_keywords_text_hides_the_place_of_an_address_too() -> None:
    text = "收货地址：浙江省杭州市西湖区文三路100号，起球了"
    assert mask_text(text, keep_place=False) == "收货地址：" + "*" * 16 + "，起球了"
    assert mask_text(text).startswith("收货地址：浙江省杭州市西湖区***")


def test_mask_text_accepts_none() -> None:
    assert mask_text(None) == ""


@pytest.mark.parametrize(
    "nick, masked",
    [
        ("tb1234567", "t***7"),
        ("小明同学", "小**学"),
        ("ab", "a*"),
        ("a", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_nick_keeps_first_and_last(nick: str | None, masked: str) -> None:
    assert mask_nick(nick) == masked
