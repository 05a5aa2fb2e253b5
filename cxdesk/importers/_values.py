"""Cell-value parsing shared by every format: times, ratings, amounts (roles: :mod:`cxdesk.roles`).

Each parser raises :class:`ValueError` with a Chinese reason, which the
readers turn into a rejected row with its line number. They sit on the hot
path (a million messages per file), so the common case is tried first.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

_CANON = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_LOOSE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?)?"
    r"\s*(?:Z|[+-]\d\d:?\d\d)?"
)
_EXCEL_EPOCH = datetime(1899, 12, 30)
# Platform epochs are converted to Beijing time, not the machine's zone: the
# shops, their exports and their text times all live in UTC+8.
_BEIJING = timezone(timedelta(hours=8))
_EMPTY = {"", "nan", "none", "null", "nat", "-", "--", "无"}
# The same placeholders in the spellings pandas/Excel/JSON write, so the hot
# path can test membership without lower-casing every cell.
_EMPTY_ANYCASE = _EMPTY | {"NaN", "NAN", "None", "NONE", "Null", "NULL", "NaT", "NAT"}


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in _EMPTY


def text_or_none(value: Any) -> str | None:
    """A cell as stripped text; blanks and ``nan`` placeholders become None."""
    if type(value) is str:  # every CSV cell: skip the generic checks
        s = value.strip()
        return None if s in _EMPTY_ANYCASE else s
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids read from xlsx as 1.2345e+11
    return str(value).strip()


def id_text(value: Any) -> str | None:
    """An id cell without the guards Excel users add: ``="123"``, ``'123``, tabs."""
    s = text_or_none(value)
    if s is None:
        return None
    if s.startswith('="') and s.endswith('"'):
        s = s[2:-1]
    return s.lstrip("'\t").strip() or None


def parse_time(value: Any) -> str | None:
    """Any export's time as ``YYYY-MM-DD HH:MM:SS`` (local time), or None if blank.

    Accepts the canonical form, ``2023-5-1 10:20``, ``2023/05/01``,
    ``2023年5月1日 10:20``, ISO ``T`` forms, epoch seconds or milliseconds and
    Excel serial days.
    """
    if isinstance(value, str):
        s = value.strip()
        if len(s) == 19 and _CANON.fullmatch(s) and _plausible(s):
            return s
        if s.lower() in _EMPTY:
            return None
        if s.isdigit():
            return _from_number(int(s), value)
        return _from_text(s)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        raise ValueError(f"时间“{value}”无法识别")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return _from_number(value, value)
    if hasattr(value, "strftime"):  # datetime.date
        return value.strftime("%Y-%m-%d 00:00:00")
    return _from_text(str(value).strip())


def _plausible(s: str) -> bool:
    """Cheap range check of a canonical time; the full check is datetime() below."""
    return ("01" <= s[5:7] <= "12" and "01" <= s[8:10] <= "31" and s[11:13] <= "23"
            and s[14:16] <= "59" and s[17:19] <= "59")


def _from_text(s: str) -> str:
    m = _LOOSE.fullmatch(s)
    if not m:
        raise ValueError(f"时间“{s[:40]}”无法识别")
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, sec).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise ValueError(f"时间“{s[:40]}”不是有效日期") from None


def _from_number(n: float, original: Any) -> str:
    """Epoch seconds, epoch milliseconds, or an Excel serial day number."""
    try:
        if 1e12 <= n < 1e14:
            return datetime.fromtimestamp(n / 1000, _BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        if 1e8 <= n < 1e11:
            return datetime.fromtimestamp(n, _BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        if 20_000 <= n < 80_000:
            return (_EXCEL_EPOCH + timedelta(days=float(n))).strftime("%Y-%m-%d %H:%M:%S")
        if 19_000_101 <= n <= 21_001_231:  # 20230501
            return _from_text(f"{str(int(n))[:4]}-{str(int(n))[4:6]}-{str(int(n))[6:]}")
    except (OverflowError, OSError, ValueError):
        pass
    raise ValueError(f"时间“{original}”无法识别")


_STAR_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_RATING_TEXT = {"good", "neutral", "bad", "好评", "中评", "差评", "默认好评", "系统默认好评"}


def parse_rating(value: Any) -> tuple[int | None, str | None]:
    """A rating cell as (stars 1–5 or None, the platform's own words or None).

    ``好评``/``good`` stay text: mapping them to stars would invent precision.
    """
    if is_blank(value):
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _stars(float(value), value), None
    s = str(value).strip()
    if s.lower() in _RATING_TEXT:
        return None, s
    if set(s) <= {"★", "☆"}:
        return _stars(float(s.count("★")), s), None
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(?:星|分|颗星)?", s)
    if m:
        return _stars(float(m.group(1)), s), None
    m = re.fullmatch(r"([一二两三四五])\s*(?:星|分|颗星)", s)
    if m:
        return _STAR_WORDS[m.group(1)], None
    return None, s


def _stars(x: float, original: Any) -> int:
    if not 1 <= x <= 5:
        raise ValueError(f"评分“{original}”不在 1–5 之间")
    return int(round(x))


def parse_amount(value: Any) -> float | None:
    """``¥1,234.50``, ``12.5元`` → 1234.5 / 12.5."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    s = re.sub(r"[¥￥,，元\s]|RMB|CNY", "", str(value), flags=re.I)
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"金额“{value}”不是数字") from None
