"""Cell-value parsing shared by every format: times, ratings, amounts (blanks: :mod:`cxdesk.values`; roles: :mod:`cxdesk.roles`).

Each parser raises :class:`ValueError` with a Chinese reason, which the
readers turn into a rejected row with its line number. They sit on the hot
path (a million messages per file), so the common case is tried first.

A blank cell is a missing value (None). A cell that holds something which is
not a valid value is never turned into "missing" silently: an impossible date
(``2024-02-30``), a time outside :func:`cxdesk.times.plausible_range`
(``0001-01-01``, ``9999-12-31``) or a rating that is no star count
(``-3``, ``7``, ``NaN``, ``inf``, ``abc``) rejects the row with the reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any

from cxdesk.times import TIME_FORMAT, plausible_range, plausible_text_range, range_text
from cxdesk.values import EMPTY, EMPTY_ANYCASE, is_blank, shown_value

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


def text_or_none(value: Any) -> str | None:
    """A cell as stripped text; blanks and ``nan`` placeholders become None."""
    if type(value) is str:  # every CSV cell: skip the generic checks
        s = value.strip()
        return None if s in EMPTY_ANYCASE else s
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


# The longest real spelling is ~30 characters (``2023年05月01日 10时20分33秒 +08:00``).
MAX_TIME_CHARS = 40


def parse_time(value: Any, label: str = "时间") -> str | None:
    """Any export's time as ``YYYY-MM-DD HH:MM:SS`` (local time), or None if blank.

    Accepts the canonical form, ``2023-5-1 10:20``, ``2023/05/01``,
    ``2023年5月1日 10:20``, ISO ``T`` forms, epoch seconds or milliseconds and
    Excel serial days. Raises ValueError (``label`` names the cell in the
    reason) for an unreadable text, an impossible date or a time outside
    :func:`cxdesk.times.plausible_range`.
    """
    if isinstance(value, str):
        s = value.strip()
        if len(s) == 19 and _CANON.fullmatch(s) and _plausible(s):
            return s
        if s.lower() in EMPTY:
            return None
        if len(s) > MAX_TIME_CHARS:  # no time is this long; the loose pattern's cost grows with the square
            raise ValueError(f"{label}“{s[:20]}…”无法识别（{len(s)} 个字符，不像时间）")
        if s.isdigit():
            return _from_number(int(s), value, label)
        return _from_text(s, label)
    if value is None:
        return None
    if isinstance(value, datetime):
        if value != value:  # pandas NaT: a blank cell, like float NaN
            return None
        return _checked(value.replace(tzinfo=None, microsecond=0), value, label)
    if isinstance(value, bool):
        raise ValueError(f"{label}“{value}”无法识别")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return _from_number(value, value, label)
    if isinstance(value, date):
        return _checked(datetime(value.year, value.month, value.day), value, label)
    return _from_text(str(value).strip(), label)


def _plausible(s: str) -> bool:
    """Cheap check of a canonical time: in range, a real clock time, a day the month has."""
    lo, hi = plausible_text_range()
    return (
        lo <= s <= hi
        and "01" <= s[5:7] <= "12"
        and "01" <= s[8:10] <= "31"
        and s[11:13] <= "23"
        and s[14:16] <= "59"
        and s[17:19] <= "59"
        and (s[8:10] <= "28" or _real_day(s))
    )


def _real_day(s: str) -> bool:
    try:
        date(int(s[:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return False
    return True


def _checked(moment: datetime, original: Any, label: str) -> str:
    """``moment`` as stored text if it is plausible shop data, else a ValueError with the range."""
    lo, hi = plausible_range()
    if not lo <= moment <= hi:
        shown = str(original).strip()[:40]
        raise ValueError(f"{label}“{shown}”不在合理范围（{range_text()}）内，像是占位值或填错的时间")
    return moment.strftime(TIME_FORMAT)


def _from_text(s: str, label: str = "时间", original: Any = None) -> str:
    shown = str(s if original is None else original)[:40]
    m = _LOOSE.fullmatch(s)
    if not m:
        raise ValueError(f"{label}“{shown}”无法识别")
    y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
    try:
        moment = datetime(y, mo, d, h, mi, sec)
    except ValueError:
        raise ValueError(f"{label}“{shown}”不是有效日期") from None
    return _checked(moment, shown, label)


def _from_number(n: float, original: Any, label: str = "时间") -> str:
    """Epoch seconds, epoch milliseconds, or an Excel serial day number."""
    if 19_000_101 <= n <= 21_001_231 and n == int(n):  # 20230501
        digits = str(int(n))
        return _from_text(f"{digits[:4]}-{digits[4:6]}-{digits[6:]}", label, original)
    try:
        if 1e12 <= n < 1e14:
            moment = datetime.fromtimestamp(n / 1000, _BEIJING)
        elif 1e8 <= n < 1e11:
            moment = datetime.fromtimestamp(n, _BEIJING)
        elif 20_000 <= n < 80_000:
            moment = _EXCEL_EPOCH + timedelta(days=float(n))
        else:
            moment = None
    except (OverflowError, OSError, ValueError):
        moment = None
    if moment is None:
        raise ValueError(f"{label}“{shown_value(original)}”无法识别")
    return _checked(moment.replace(tzinfo=None, microsecond=0), original, label)


_STAR_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_RATING_TEXT = {"good", "neutral", "bad", "好评", "中评", "差评", "默认好评", "系统默认好评"}
# 好评/中评/差评 and their variants (五星好评, 追加好评 …) stay the platform's own words.
_RATING_WORDS = re.compile(r"\S{0,6}[好中差]评")
_FILLED_STARS, EMPTY_STARS = "★⭐", "☆"
_STAR_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(?:颗星|星级|星|分)?")
_STAR_WORD = re.compile(r"([一二两三四五])\s*(?:颗星|星级|星|分)?")
# Blank placeholders that mean "not rated"; NaN/inf are not among them: a computed value gone wrong.
_NO_RATING = {"", "-", "--", "无", "none", "null"}
_RATING_HINT = "应为 1–5 星，如 5、4.5分、五星、★★★★★；没有评分请留空"


def parse_rating(value: Any) -> tuple[int | None, str | None]:
    """A rating cell as (stars 1–5 or None, the platform's own words or None).

    Stars come from ``5``, ``5.0``, ``5星``, ``4.5分`` (halves round up),
    ``五``/``五星``, ``★★★★★``/``★★★☆☆`` and full-width digits (``５``).
    ``好评``/``good`` stay text: mapping them to stars would invent precision.
    Anything else (``-3``, ``7``, ``NaN``, ``inf``, ``abc``) raises ValueError
    with the reason, so the row comes back rejected instead of losing its rating
    silently. A blank cell (or ``-``, ``无``) is "not rated".
    """
    if value is None:
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _stars(_as_float(value), value), None
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if s.lower() in _NO_RATING:
        return None, None
    if s.lower() in _RATING_TEXT or _RATING_WORDS.fullmatch(s):
        return None, s
    if s and all(c in _FILLED_STARS or c in EMPTY_STARS or c == " " for c in s):
        return _stars(float(sum(c in _FILLED_STARS for c in s)), value), None
    m = _STAR_NUMBER.fullmatch(s)
    if m:
        return _stars(float(m.group(1)), value), None
    m = _STAR_WORD.fullmatch(s)
    if m:
        return _STAR_WORDS[m.group(1)], None
    raise ValueError(f"评分“{str(value).strip()[:20]}”无法识别（{_RATING_HINT}）")


def _stars(x: float, original: Any) -> int:
    """1–5 stars, halves rounded up (4.5 → 5); NaN, inf and out-of-range values are refused."""
    if not math.isfinite(x):
        raise ValueError(f"评分“{str(original).strip()[:20]}”不是有效数字（{_RATING_HINT}）")
    if not 1 <= x <= 5:
        raise ValueError(f"评分“{str(original).strip()[:20]}”不在 1–5 之间（{_RATING_HINT}）")
    return math.floor(x + 0.5)


def parse_amount(value: Any) -> float | None:
    """``¥1,234.50``, ``12.5元`` → 1234.5 / 12.5; ``inf``, ``1e400`` and the like are refused."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        amount = _as_float(value)
    else:
        s = re.sub(r"[¥￥,，元\s]|RMB|CNY", "", str(value), flags=re.I)
        try:
            amount = float(s)
        except ValueError:
            raise ValueError(f"金额“{shown_value(value)}”不是数字") from None
    if not math.isfinite(amount):
        raise ValueError(f"金额“{shown_value(value)}”不是有效数字")
    return amount


def _as_float(number: int | float) -> float:
    """``number`` as a float; an integer too big for one (JSON keeps 4,300 digits) is infinite."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf
