"""Rule packs for risk flags: which words fire, for whom, and what cancels them.

A pack is a JSON resource (``rules/risk_rules.json``; users override it, or
add rules in ``rules/user_rules.json`` in their data folder). Each rule has
an id, a category, a level (高/中/低), the roles it applies to (buyer, agent,
review), trigger words and optional regular expressions, exclusion phrases,
and whether a negation right before a trigger cancels it ("不会给差评").

Matching is one pass per text and role: all trigger words of the roles'
rules are compiled into one alternation; a hit is mapped back to its rules
by the word. Words made only of ASCII letters/digits must stand alone
("sb" does not fire inside "usb"). Phrases the caller protects (product
titles, SKU values) are blanked out first, so "防破损手机壳" never fires 破损.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cxdesk.errors import CxdeskError
from cxdesk.paths import resource_path, user_resources_dir
from cxdesk.textprep import word_pattern

LEVELS = ("高", "中", "低")
ROLES = ("buyer", "agent", "review")
_MAX_PATTERN = 200  # characters: user patterns are kept short and simple
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")
_BLANK = "\u3000"  # same length, matches nothing


class RuleError(CxdeskError):
    """A rule pack or a user rule is not valid; the message says which and why."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    level: str
    applies_to: tuple[str, ...]
    words: tuple[str, ...]
    patterns: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    negatable: bool = False


@dataclass(frozen=True)
class Hit:
    rule_id: str
    category: str
    level: str
    start: int
    end: int
    text: str


def check_pattern(pattern: str, rule_id: str = "") -> re.Pattern:
    """Compile a user pattern, refusing what could hang the analysis or never match."""
    where = f"规则 {rule_id} 的" if rule_id else ""
    if len(pattern) > _MAX_PATTERN:
        raise RuleError(f"{where}正则过长（{len(pattern)} 个字符，最多 {_MAX_PATTERN}）：{pattern[:40]}…")
    if _NESTED_QUANTIFIER.search(pattern) or re.search(r"\\\d", pattern):
        raise RuleError(f"{where}正则含嵌套重复或反向引用，可能让分析卡死，请改写：{pattern}")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise RuleError(f"{where}正则无法识别（{exc}）：{pattern}") from None
    if compiled.match(""):
        raise RuleError(f"{where}正则会匹配空文本，每条消息都会命中：{pattern}")
    return compiled


def _rule_from(d: dict, source: str) -> Rule:
    rid = str(d.get("id") or "").strip()
    if not rid:
        raise RuleError(f"{source} 中有一条规则缺少 id")
    level = d.get("level")
    if level not in LEVELS:
        raise RuleError(f"规则 {rid} 的级别“{level}”无效，应为 高/中/低")
    roles = tuple(d.get("applies_to") or ())
    if not roles or any(r not in ROLES for r in roles):
        raise RuleError(f"规则 {rid} 的适用对象 {list(roles)} 无效，可选 buyer/agent/review")
    words = tuple(w for w in (str(x).strip() for x in d.get("words") or ()) if w)
    patterns = tuple(str(p) for p in d.get("patterns") or ())
    for p in patterns:
        check_pattern(p, rid)
    if not words and not patterns:
        raise RuleError(f"规则 {rid} 没有触发词也没有正则")
    return Rule(rid, str(d.get("category") or "其他"), level, roles, words, patterns,
                tuple(str(x) for x in d.get("exclude") or ()), bool(d.get("negatable", False)))


class RulePack:
    """All active rules, compiled for one-pass matching per role."""

    def __init__(self, rules: list[Rule], negators: list[str], window: int, version: str) -> None:
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RuleError(f"规则 id 重复：{'、'.join(dupes)}")
        self.rules = {r.id: r for r in rules}
        self.version = version
        self._window = window
        self._negators = tuple(sorted(set(negators), key=len, reverse=True))
        self._by_role = {role: self._compile([r for r in rules if role in r.applies_to]) for role in ROLES}

    @staticmethod
    def _compile(rules: list[Rule]):
        by_word: dict[str, list[Rule]] = {}
        for r in rules:
            for w in r.words:
                by_word.setdefault(w.lower(), []).append(r)
        # Words as a trie (one test per character, not per word); ASCII words must stand alone.
        ascii_words = sorted((w for w in by_word if re.fullmatch(r"[a-z0-9]+", w)), key=len, reverse=True)
        other = [w for w in by_word if w not in set(ascii_words)]
        alts = [word_pattern(other)] if other else []
        alts += [f"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])" for w in ascii_words]
        big = re.compile("|".join(alts)) if alts else None
        extra = [(r, re.compile(p)) for r in rules for p in r.patterns]
        return big, by_word, extra

    def match(self, text: str, role: str, protected: tuple[str, ...] = ()) -> list[Hit]:
        """Every rule hit in ``text`` for a sender of ``role`` (one hit per rule: the first)."""
        if not text:
            return []
        work = text.lower()
        big, by_word, extra = self._by_role[role]
        # Most messages hit nothing: find that out before blanking the protected phrases.
        if not ((big is not None and big.search(work)) or any(rx.search(work) for _, rx in extra)):
            return []
        for phrase in protected:
            if phrase and phrase.lower() in work:
                work = work.replace(phrase.lower(), _BLANK * len(phrase))
        found: dict[str, Hit] = {}
        candidates = []
        if big is not None:
            candidates += [(r, m) for m in big.finditer(work) for r in by_word[m.group()]]
        candidates += [(r, m) for r, rx in extra for m in rx.finditer(work)]
        for rule, m in candidates:
            if rule.id in found or self._cancelled(rule, work, m.start(), m.end()):
                continue
            found[rule.id] = Hit(rule.id, rule.category, rule.level, m.start(), m.end(), text[m.start():m.end()])
        return sorted(found.values(), key=lambda h: (h.start, h.rule_id))

    def _cancelled(self, rule: Rule, work: str, start: int, end: int) -> bool:
        for phrase in rule.exclude:
            p = phrase.lower()
            i = work.find(p, max(0, start - len(p)), end + len(p))
            if i != -1 and i < end and i + len(p) > start:
                return True
        if rule.negatable:
            before = work[max(0, start - self._window - 4):start]
            return any(n in before[-(self._window + len(n)):] for n in self._negators)
        return False


def load_pack() -> RulePack:
    """The built-in pack (or the user's override copy) plus the user's own rules."""
    base_path = resource_path("rules", "risk_rules.json")
    user_path = user_resources_dir() / "rules" / "user_rules.json"
    digest = hashlib.sha256()
    rules: list[Rule] = []
    negators: list[str] = []
    window = 4
    for path, required in ((base_path, True), (user_path, False)):
        if not path.exists():
            if required:
                raise RuleError(f"找不到风险规则包：{path}")
            continue
        raw = path.read_bytes()
        digest.update(raw)
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RuleError(f"风险规则文件“{path.name}”不是有效的 JSON：{exc}") from None
        rules += [_rule_from(d, path.name) for d in data.get("rules", [])]
        negators += list(data.get("negators", []))
        window = int(data.get("negation_window", window))
    return RulePack(rules, negators, window, f"rules-{digest.hexdigest()[:10]}")


def pack_file(name: str = "risk_rules.json") -> Path:
    return resource_path("rules", name)


# --- the user's own rules (设置 page) -------------------------------------------------------------

USER_RULE_PREFIX = "user."


def user_rules_path() -> Path:
    return user_resources_dir() / "rules" / "user_rules.json"


def read_user_rules() -> list[dict]:
    """The user's rules as stored (dicts with id, category, level, applies_to, words, ...)."""
    path = user_rules_path()
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuleError(f"自定义规则文件“{path}”不是有效的 JSON：{exc}") from None
    return list(data.get("rules", []))


def _write_user_rules(rules: list[dict]) -> None:
    path = user_rules_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps({"rules": rules}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def save_user_rule(rule: dict) -> Rule:
    """Add or replace (by id) one user rule after checking it; the whole pack must still load.

    Ids get the ``user.`` prefix so they never clash with the built-in rules.
    Raises :class:`RuleError` with a message for the user when the rule is not valid.
    """
    rule = dict(rule)
    rid = str(rule.get("id") or "").strip()
    if not rid:
        raise RuleError("请填写规则名称")
    if not re.fullmatch(r"[\w.\-\u4e00-\u9fff]{1,40}", rid):
        raise RuleError(f"规则名称只能用中文、字母、数字、点、横线和下划线，最多 40 个字：{rid}")
    rule["id"] = rid if rid.startswith(USER_RULE_PREFIX) else USER_RULE_PREFIX + rid
    checked = _rule_from(rule, "自定义规则")
    if any(len(w) < 2 and not re.fullmatch(r"[a-z0-9]", w.lower()) for w in checked.words):
        raise RuleError("触发词至少两个字：单个汉字会命中太多消息")
    rules = [r for r in read_user_rules() if r.get("id") != rule["id"]] + [rule]
    previous = read_user_rules() if user_rules_path().exists() else None
    _write_user_rules(rules)
    try:
        load_pack()
    except RuleError:
        if previous is None:
            user_rules_path().unlink(missing_ok=True)
        else:
            _write_user_rules(previous)
        raise
    return checked


def delete_user_rule(rule_id: str) -> bool:
    rules = read_user_rules()
    kept = [r for r in rules if r.get("id") != rule_id]
    if len(kept) == len(rules):
        return False
    if kept:
        _write_user_rules(kept)
    else:  # no user rules: the pack is the built-in one again (same version, no rescan)
        user_rules_path().unlink(missing_ok=True)
    return True
