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

A buyer's nick is masked differently (:func:`mask_nick`): first and last
character kept, at most three stars between, as the platforms' own exports
do (``tb1234567`` → ``t***7``); nicks are never span-indexed.

No Qt here: the CLI and tests use it directly.
"""
from __future__ import annotations

import re
from collections.abc import Callable

MASK = "*"

# 11-digit mobile numbers, also written 138-1234-5678 or 138 1234 5678; not inside a longer digit run
# (order numbers are 15–20 digits and must stay readable).
_MOBILE = re.compile(r"(?<![\d])(?:\+?86[- ]?)?(1[3-9]\d)([- ]?)(\d{4})([- ]?)(\d{4})(?!\d)")
# Landlines with an area code: 010-12345678, 0571-8888888.
_LANDLINE = re.compile(r"(?<![\d])(0\d{2,3})([- ])(\d{7,8})(?!\d)")
# 18-character ID numbers; only those with a valid date and check digit are masked (see _is_id).
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{17}[\dXx])(?![\dA-Za-z])")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# A name after a label: 收货人：张三 / 姓名是李小明 / 收件人 王五.
_NAME = re.compile(r"(收货人|收件人|联系人|姓名|签收人)(\s*(?:[:：]|是|为|叫)?\s*)([\u4e00-\u9fff·]{2,4})")
# A labelled address runs to the end of the clause.
_LABELLED_ADDRESS = re.compile(
    r"(收货地址|收件地址|详细地址|新地址|地址|住址|寄到|送到|发到)(\s*(?:[:：]|是|为|改成|改为)?\s*)((?:(?!电话|手机|联系人|收货人|收件人|姓名)[^，,。；;！!？?\n]){4,80})")
# An unlabelled street address: …路/街/巷/弄 + number, then building, unit and room.
_STREET_ADDRESS = re.compile(
    r"[\u4e00-\u9fff\dA-Za-z]{1,12}(?:路|街|大街|大道|巷|弄|胡同)\s*\d+\s*(?:号|弄)"
    r"(?:\s*[\dA-Za-z\-]+\s*(?:号楼|栋|幢|座|单元|楼|层|室|号))*")
# An address must look like one: 地址我发你 is not an address.
_ADDRESS_MARKERS = re.compile(r"省|市|区|县|镇|乡|村|路|街|巷|弄|号|栋|幢|单元|室|小区|大厦|花园|公寓|\d")
# Words after a name label that are not a name: 收货人信息, 姓名写错了.
_NOT_NAMES = ("信息", "地址", "电话", "手机", "是谁", "写错", "改", "填")
# Where the place part of an address ends: what comes before it is kept.
_PLACE = re.compile(r"(?:[\u4e00-\u9fff]{1,8}?(?:省|自治区))?(?:[\u4e00-\u9fff]{1,8}?(?:市|自治州|地区|盟))?"
                    r"(?:[\u4e00-\u9fff]{1,8}?(?:区|县|旗|市))?")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _stars(s: str) -> str:
    return MASK * len(s)


def _keep_ends(s: str, head: int, tail: int) -> str:
    """``s`` with everything but ``head`` leading and ``tail`` trailing characters starred."""
    if len(s) <= head + tail:
        return _stars(s)
    return s[:head] + _stars(s[head:len(s) - tail]) + (s[len(s) - tail:] if tail else "")


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
    return m.group(1) + m.group(2) + _keep_ends(m.group(3), 0, 2)


def _id_card(m: re.Match[str]) -> str:
    number = m.group(1)
    return _keep_ends(number, 3, 2) if _is_id(number) else number


def _email(m: re.Match[str]) -> str:
    return _keep_ends(m.group(1), 1, 0) + "@" + m.group(2)


def _name(m: re.Match[str]) -> str:
    if m.group(3).startswith(_NOT_NAMES):
        return m.group(0)
    return m.group(1) + m.group(2) + _keep_ends(m.group(3), 1, 0)


def _address_detail(text: str) -> str:
    """Keep the province/city/district, star the street, number and room."""
    keep = _PLACE.match(text).end()  # type: ignore[union-attr]  (every part optional: always matches)
    if keep >= len(text):
        keep = 0
    detail = text[keep:]
    return text[:keep] + "".join(c if c.isspace() else MASK for c in detail)


def _labelled_address(m: re.Match[str]) -> str:
    if not _ADDRESS_MARKERS.search(m.group(3)):
        return m.group(0)
    return m.group(1) + m.group(2) + _address_detail(m.group(3))


def _street(m: re.Match[str]) -> str:
    return _address_detail(m.group(0))


# Order matters: the longer, more specific patterns first, so a phone number inside an address
# clause is starred as part of it and the ID check sees whole 18-character runs.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, _email),
    (_ID_CARD, _id_card),
    (_MOBILE, _mobile),
    (_LANDLINE, _landline),
    (_NAME, _name),
    (_LABELLED_ADDRESS, _labelled_address),
    (_STREET_ADDRESS, _street),
)


def mask_text(text: str | None) -> str:
    """``text`` with personal data starred; the result has exactly the same length."""
    if not text:
        return text or ""
    out = text
    for pattern, replace in _RULES:
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
