"""Cell-value parsing shared by every format: times, ratings, amounts, roles.

Roles come from ``lexicons/roles.json`` (:func:`role_rules`).

Each parser raises :class:`ValueError` with a Chinese reason, which the
readers turn into a rejected row with its line number. They sit on the hot
path (a million messages per file), so the common case is tried first.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path

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


# --- chat roles ---------------------------------------------------------------

ROLES_FILE = ("lexicons", "roles.json")
ROLE_NAMES = ("buyer", "agent", "system", "bot")
_SENDER_LISTS = ("names", "suffixes", "contains")


@dataclass(frozen=True)
class RoleRules:
    """The role words and the bot / system accounts of one ``roles.json``.

    Matching of accounts ignores case and treats ``：`` as ``:``. Role words
    are looked up once per distinct cell (``word_role`` keeps a cache), so the
    readers may call it per row.
    """

    version: str
    words: dict[str, tuple[str, ...]]
    names: dict[str, str]                      # folded account or 子账号 → 'system' / 'bot'
    suffixes: tuple[tuple[str, str], ...]      # (folded suffix, role), system first
    contains: tuple[tuple[re.Pattern, str], ...]
    _word_cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def word_role(self, value: Any) -> str | None:
        """``客服``/``agent``/``买家``/``机器人`` … → canonical role, None if unknown."""
        cache = self._word_cache
        if type(value) is str and value in cache:
            return cache[value]
        if is_blank(value):
            return None
        s = str(value).strip().lower()
        found = None
        for role in ("bot", "system", "buyer", "agent"):  # most specific words first
            words = self.words[role]
            if s in words or any(w in s for w in words if len(w) > 1 and not w.isascii()):
                found = role
                break
        if len(cache) < 10_000 and type(value) is str:
            cache[value] = found
        return found

    def sender_role(self, sender: str | None) -> str | None:
        """'bot' or 'system' for a platform account (京小智, 店铺:店小蜜, 系统消息 …), else None."""
        if not sender:
            return None
        s = sender.strip().casefold().replace("：", ":")
        role = self.names.get(s)
        if role is None and ":" in s:  # 店铺:子账号 → the 子账号
            role = self.names.get(s.rsplit(":", 1)[1].strip())
        if role is not None:
            return role
        for suffix, role in self.suffixes:
            if s.endswith(suffix):
                return role
        for pattern, role in self.contains:
            if pattern.search(s):
                return role
        return None

    def agent_role(self, sender: str | None) -> str:
        """The role of a message sent from the shop's side: 'agent' unless the account is a bot or the system."""
        return self.sender_role(sender) or "agent"

    def decide(self, role_cell: Any, sender: str | None, buyer: str) -> str:
        """The role of one message from its role cell and its sender.

        An explicit role wins, except that an agent account that is a bot or
        the system (店小蜜, 京小智, 系统消息 …) gets that role. Without a role
        cell: the buyer's own nick is the buyer, ``店铺:子账号`` is an agent,
        a bot or system account is that.
        """
        role = self.word_role(role_cell)
        if role is None:
            if sender is None:
                raise ValueError(f"无法判断发送方角色（角色列为“{role_cell or ''}”，发送账号为空）")
            if sender == buyer:
                return "buyer"
            if ":" in sender or "：" in sender:
                return self.agent_role(sender)
            role = self.sender_role(sender)
            if role is None:
                raise ValueError(f"无法判断发送方角色（角色“{role_cell or ''}”，发送账号“{sender}”）")
            return role
        return self.agent_role(sender) if role == "agent" else role

    @classmethod
    def from_data(cls, data: dict, version: str) -> RoleRules:
        words = {r: tuple(str(w).strip().lower() for w in data["role_words"][r]) for r in ROLE_NAMES}
        lists = {r: data.get(f"{r}_senders") or {} for r in ("system", "bot")}
        for r, spec in lists.items():
            if not isinstance(spec, dict) or any(not isinstance(spec.get(k, []), list) for k in _SENDER_LISTS):
                raise ValueError(f"{r}_senders 应为含 names / suffixes / contains 列表的对象")

        def folded(r: str, key: str) -> list[str]:
            return [w for w in (str(x).strip().casefold().replace("：", ":") for x in lists[r].get(key, [])) if w]

        names: dict[str, str] = {}
        for r in ("bot", "system"):  # a name on both lists is a system account
            names.update((w, r) for w in folded(r, "names"))
        suffixes = tuple((w, r) for r in ("system", "bot") for w in folded(r, "suffixes"))
        contains = tuple((re.compile("|".join(map(re.escape, sorted(ws, key=len, reverse=True)))), r)
                         for r in ("bot", "system") if (ws := folded(r, "contains")))
        return cls(version, words, names, suffixes, contains)


def role_rules(path: Path | None = None) -> RoleRules:
    """The rules of ``lexicons/roles.json`` (the user's copy in the data folder wins), read once
    per file version. Call it once per file or chunk, not per message.

    Raises
    ------
    CxdeskError
        The file cannot be read or is not valid.
    """
    path = path or resource_path(*ROLES_FILE)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = 0
    return _load_roles(str(path), stamp)


@lru_cache(maxsize=4)
def _load_roles(path: str, _stamp: int) -> RoleRules:
    try:
        raw = Path(path).read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
        digest = hashlib.sha256(raw).hexdigest()[:8]
        return RoleRules.from_data(data, f"{data.get('version', 'roles')}-{digest}")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise CxdeskError(f"角色词表“{path}”格式有误：{exc}。请改正或删除数据目录里的覆盖文件。") from exc

