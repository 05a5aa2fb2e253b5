"""Chat roles: buyer, agent, system, bot, from the words and accounts of ``lexicons/roles.json``.

The importers decide each message's role with these rules; the agent KPIs use
the same accounts to leave out bot and system messages that stores imported
before the rules existed still hold as agent messages.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path
from cxdesk.values import is_blank, shown_value

ROLES_FILE = ("lexicons", "roles.json")
ROLE_NAMES = ("buyer", "agent", "system", "bot")
# How a role is shown (search hits, the risk queue, the chat view, the import preview, the CLI).
ROLE_LABELS = {"buyer": "买家", "agent": "客服", "system": "系统", "bot": "机器人"}
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
    names: dict[str, str]  # folded account or 子账号 → 'system' / 'bot'
    suffixes: tuple[tuple[str, str], ...]  # (folded suffix, role), system first
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
                raise ValueError(f"无法判断发送方角色（角色列为“{shown_value(role_cell or '')}”，发送账号为空）")
            if sender == buyer:
                return "buyer"
            if ":" in sender or "：" in sender:
                return self.agent_role(sender)
            role = self.sender_role(sender)
            if role is None:
                raise ValueError(
                    f"无法判断发送方角色（角色“{shown_value(role_cell or '')}”，发送账号“{shown_value(sender)}”）"
                )
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
        contains = tuple(
            (re.compile("|".join(map(re.escape, sorted(ws, key=len, reverse=True)))), r)
            for r in ("bot", "system")
            if (ws := folded(r, "contains"))
        )
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
