"""Hide buyers' personal data in text shown on screen (「隐藏个人信息」).

Chat messages carry what buyers type to get a parcel delivered: mobile and
landline numbers, ID card numbers, addresses, the receiver's name, e-mail.
:func:`mask_text` replaces the identifying part of each with ``*`` and keeps
the rest, so a reader still sees *that* a phone number was given and its
first and last digits (enough to tell two apart).

Masking keeps the text's length: every masked character becomes exactly
one ``*``. Evidence spans of risk flags are character offsets into the
original text, so they stay valid on the masked text and highlighting still
marks the right words.

Text cut into keywords (emerging complaints, FAQ keywords) is masked with
``keep_place=False``: the place part of an address is starred too, so no
buyer's name, street or district can become a keyword.

A buyer's nick is masked differently (:func:`mask_nick`): first and last
character kept, at most three stars between, as the platforms' own exports
do (``tb1234567`` → ``t***7``); nicks are never span-indexed.

No Qt here: the CLI and tests use it directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

MASK = "*"

# 11-digit mobile numbers, also written 138-1234-5678, 138 1234 5678 or 138.1234.5678; not inside a longer
# digit run (order numbers are 15–20 digits and must stay readable).
_SEP = r"[-－—. \u3000]?"
_MOBILE = re.compile(rf"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)({_SEP})(\d{{4}})({_SEP})(\d{{4}})(?!\d)")
# Landlines with an area code: 010-12345678, 0571 8888888, (010)87654321.
_LANDLINE = re.compile(r"(?<![\d])(0\d{2,3}[- ]|[(（]0\d{2,3}[)）]\s?)(\d{7,8})(?!\d)")
# 18-character ID numbers; only those with a valid date and check digit are masked (see _is_id).
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Common family names (single and compound): a labelled name must start with one, so 收件人不变,
# 收货人和电话, 收件人:发票组 are left alone. Characters that are mostly words (和 信 商 时 那 都 门 …) are left out.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛"
    "樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉"
    "骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚"
    "鄢劳谌奚皮粟冼蔺楼盘满闻厉伊仝郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄计索宣晋初云容敬扈晁芮普阙浦"
    "戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇湛宾戎勾茅利於揭干尉冶斯元束檀衣展阴昝智幸"
    "奉植衡富尧闭"
)
_COMPOUND_SURNAMES = (
    "欧阳|司马|诸葛|上官|东方|皇甫|令狐|慕容|司徒|夏侯|尉迟|公孙|长孙|宇文|端木|独孤|南宫|申屠|呼延|澹台"
)
# A name after a label: 收货人：张三 / 姓名是李小明 / 收件人 王五 / 收货人张三丰电话…; given name 1–2 characters.
_NAME = re.compile(
    r"(?<!\[)(收货人|收件人|联系人|签收人|取件人|提货人|持卡人|开户人|户名|姓名|名字)(\s*(?:[:：]|是|为|叫)?\s*)"
    rf"((?:{_COMPOUND_SURNAMES}|[{_SURNAMES}])(?:(?!电话|手机|联系|地址|号码|先生|女士|小姐|收)[\u4e00-\u9fff·]){{1,2}})"
)
# A labelled address runs to the end of the clause. ``[地址x]`` is a placeholder of an anonymised export.
_LABELLED_ADDRESS = re.compile(
    r"(?<!\[)(收货地址|收件地址|详细地址|新地址|地址|住址|寄到|送到|发到)(\s*(?:[:：]|是|为|改成|改为)?\s*)"
    r"((?:(?!电话|手机|联系人|收货人|收件人|姓名)[^，,。；;！!？?\n]){4,80})"
)
# An unlabelled street address: …路/街/巷/弄 + number, then building, unit and room.
_STREET_ADDRESS = re.compile(
    r"[\u4e00-\u9fff\dA-Za-z]{1,12}(?:路|街|大街|大道|巷|弄|胡同)\s*\d+\s*(?:号|弄)"
    r"(?:\s*[\dA-Za-z\-]+\s*(?:号楼|栋|幢|座|单元|楼|层|室|号))*"
)
# 区 of a district, not of a compound (小区, 社区, 园区, 校区: the detail of an address).
_DISTRICT = "(?<![小社园校])区"
# An unlabelled address that starts with two levels of place (省+市, 市+区, 市+县 …): 陕西省西安市高陵区泾勤路….
_PLACE_ADDRESS = re.compile(
    rf"[\u4e00-\u9fff]{{2,8}}?(?:省|自治区|市|自治州)[\u4e00-\u9fff]{{1,8}}?(?:市|{_DISTRICT}|县|旗)[^\s，,。；;！!？?*]{{2,60}}"
)
# Where a place starts inside a labelled address (a province, or a name ending in 省/市/区/县 …).
_PLACE_START = re.compile(
    r"北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|"
    rf"贵州|云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门|[\u4e00-\u9fff]{{2,8}}?(?:省|自治区|市|自治州|{_DISTRICT}|县|旗)"
)
# What only an address's detail has: a road, a village, a compound, a building, a number with 号/栋/室 ….
_ADDRESS_DETAIL = re.compile(
    r"路|街|巷|弄|胡同|村|组|小区|社区|大厦|花园|公寓|苑|栋|幢|单元|号楼|\d+\s*(?:号|栋|幢|座|单元|楼|层|室|弄)|\d+-\d+"
)
# A space-separated part that can continue an address: a place, road or building word, or a bare number.
_ADDRESS_PART = re.compile(rf"{_ADDRESS_DETAIL.pattern}|省|市|区|县|镇|乡|旗|^[\dA-Za-z#\-]+$")
# Without a place before it, only a house number makes a text an address: 送到村里吗 is not one.
_NUMBERED_DETAIL = re.compile(r"\d+\s*(?:号|栋|幢|座|单元|楼|层|室|弄)|\d+-\d+")
# Words an address does not start with: 地址在同一个市内, 地址是我们的仓库, 寄到哪个城市.
_NOT_ADDRESS_START = "在不是哪的只我你您他她它们也都就还可能会要和跟同给帮改错对写填一这那什怎没有已请麻核需"
# Words after a name label that are not a name: 收货人信息, 姓名写错了.
_NOT_NAMES = ("信息", "地址", "电话", "手机", "是谁", "写错", "改", "填")
# Where the place part of an address ends: what comes before it is kept.
_PLACE = re.compile(
    r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区))?(?:[\u4e00-\u9fff]{1,8}?(?:市|自治州|地区|盟))?"
    rf"(?:[\u4e00-\u9fff]{{1,8}}?(?:{_DISTRICT}|县|旗|市))?"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _stars(s: str) -> str:
    return MASK * len(s)


def _keep_ends(s: str, head: int, tail: int) -> str:
    """``s`` with everything but ``head`` leading and ``tail`` trailing characters starred."""
    if len(s) <= head + tail:
        return _stars(s)
    return s[:head] + _stars(s[head : len(s) - tail]) + (s[len(s) - tail :] if tail else "")


def _is_id(number: str) -> bool:
    """A mainland resident ID number: plausible birth date and a correct ISO 7064 check digit."""
    year, month, day = int(number[6:10]), int(number[10:12]), int(number[12:14])
    if not (1900 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def _mobile(m: re.Match[str]) -> str:
    prefix = m.group(0)[: m.start(1) - m.start(0)]
    return prefix + m.group(1) + m.group(2) + _stars(m.group(3)) + m.group(4) + m.group(5)


def _landline(m: re.Match[str]) -> str:
    return m.group(1) + _keep_ends(m.group(2), 0, 2)


def _id_card(m: re.Match[str]) -> str:
    number = m.group(1)
    return _keep_ends(number, 3, 2) if _is_id(number) else number


def _email(m: re.Match[str]) -> str:
    return _keep_ends(m.group(1), 1, 0) + "@" + m.group(2)


def _name(m: re.Match[str]) -> str:
    if m.group(3).startswith(_NOT_NAMES):
        return m.group(0)
    return m.group(1) + m.group(2) + _keep_ends(m.group(3), 1, 0)


def _address_detail(text: str, start: int = 0, keep_place: bool = True) -> str:
    """Keep the province/city/district (from ``start``), star the street, number and room
    (and the place too unless ``keep_place``).

    Text that has no street, village, compound or house number after the place is left as it is:
    寄到北京, 地址在同一个市内 name no one's home.
    """
    place_end = _PLACE.match(text, start).end()  # type: ignore[union-attr]  (all parts optional: always matches)
    if not _ADDRESS_DETAIL.search(text, place_end):
        return text
    keep, end = (place_end if keep_place else start), _address_end(text, place_end)
    return text[:keep] + "".join(c if c.isspace() else MASK for c in text[keep:end]) + text[end:]


def _address_end(text: str, start: int) -> int:
    """Where the address from ``start`` ends: before the first space-separated part that is no part of an
    address (「文三路100号 3幢 201 不处理我就投诉」 ends before 不处理)."""
    end = start
    for i, part in enumerate(re.finditer(r"\S+", text[start:])):
        if i and len(part.group(0)) > 3 and not _ADDRESS_PART.search(part.group(0)):
            break
        end = start + part.end()
    return end


def _labelled_address(m: re.Match[str], keep_place: bool = True) -> str:
    value = m.group(3)
    place = _PLACE_START.search(value)
    if place is not None and place.group(0)[0] in _NOT_ADDRESS_START:
        return m.group(0)
    if place is None and (value.lstrip()[:1] in _NOT_ADDRESS_START or not _NUMBERED_DETAIL.search(value)):
        return m.group(0)
    return m.group(1) + m.group(2) + _address_detail(value, place.start() if place else 0, keep_place)


def _street(m: re.Match[str], keep_place: bool = True) -> str:
    return _address_detail(m.group(0), 0, keep_place)


def _rules(keep_place: bool) -> tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...]:
    """Order matters: the longer, more specific patterns first, so a phone number inside an address
    clause is starred as part of it and the ID check sees whole 18-character runs."""
    return (
        (_EMAIL, _email),
        (_ID_CARD, _id_card),
        (_MOBILE, _mobile),
        (_LANDLINE, _landline),
        (_NAME, _name),
        (_LABELLED_ADDRESS, partial(_labelled_address, keep_place=keep_place)),
        (_STREET_ADDRESS, partial(_street, keep_place=keep_place)),
        (_PLACE_ADDRESS, partial(_street, keep_place=keep_place)),
    )


_RULES = {True: _rules(True), False: _rules(False)}


def mask_text(text: str | None, *, keep_place: bool = True) -> str:
    """``text`` with personal data starred; the result has exactly the same length.

    An address keeps its province/city/district for a reader; ``keep_place=False`` stars it as
    well, for text cut into keywords (a buyer's district is no complaint).
    """
    if not text:
        return text or ""
    out = text
    for pattern, replace in _RULES[keep_place]:
        out = pattern.sub(replace, out)
    assert len(out) == len(text), "masking must keep offsets"  # evidence spans index into it
    return out


def mask_nick(nick: str | None) -> str:
    """A buyer nick with its middle hidden: first and last character kept (``tb1234567`` → ``t***7``)."""
    if not nick:
        return nick or ""
    if len(nick) == 1:
        return MASK
    if len(nick) == 2:
        return nick[0] + MASK
    return nick[0] + MASK * min(3, len(nick) - 2) + nick[-1]
