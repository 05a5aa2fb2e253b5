"""Personal data masking: what is hidden, what stays readable, and that offsets survive."""
from __future__ import annotations

import pytest

from cxdesk.privacy import mask_nick, mask_text


@pytest.mark.parametrize("text, masked", [
    ("电话13812345678", "电话138****5678"),
    ("手机 138-1234-5678", "手机 138-****-5678"),
    ("+86 13812345678 打我", "+86 138****5678 打我"),
    ("座机010-87654321", "座机010-******21"),
    ("身份证11010519491231002X", "身份证110*************2X"),
    ("邮箱 zhangsan.li@qq.com", "邮箱 z**********@qq.com"),
    ("收货人：张三丰，手机13900001111", "收货人：张**，手机139****1111"),
    ("收货地址：浙江省杭州市西湖区文三路100号3栋201室，谢谢", "收货地址：浙江省杭州市西湖区*************，谢谢"),
    ("地址：广西壮族自治区南宁市青秀区民族大道100号 电话13812345678",
     "地址：广西壮族自治区南宁市青秀区******** 电话138****5678"),
    ("送到上海静安区南京西路1266号", "送到上海静安区*********"),
    ("文三路100号3栋201室到了吗", "*************到了吗"),
])
def test_personal_data_is_starred(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", [
    "订单号 202405011234567890 还没发货",  # an order number is not a phone or an ID
    "身份证号 110105194912310021 写错了",  # wrong check digit: not an ID number
    "地址我发你亲",  # no address after the label
    "退货地址系统会自动显示",
    "收货人信息改一下",
    "宝宝身高125cm建议拍130cm",
    "",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_masking_keeps_every_offset() -> None:
    text = "你好，收货人：李四，电话 13812345678，地址：北京市朝阳区建国路88号，差评！"
    masked = mask_text(text)
    assert len(masked) == len(text)
    start = text.index("差评")
    assert masked[start:start + 2] == "差评"  # a flag's evidence span still points at its words
    assert "13812345678" not in masked and "建国路" not in masked and "李四" not in masked


def test_mask_text_accepts_none() -> None:
    assert mask_text(None) == ""


@pytest.mark.parametrize("nick, masked", [
    ("tb1234567", "t***7"), ("小明同学", "小**学"), ("ab", "a*"), ("a", "*"), ("", ""), (None, ""),
])
def test_nick_keeps_first_and_last(nick: str | None, masked: str) -> None:
    assert mask_nick(nick) == masked
