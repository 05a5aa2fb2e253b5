"""Rule packs for risk flags: which words fire, for whom, and what cancels them.

A pack is a JSON resource (``rules/risk_rules.json``; users override it, or
add rules in ``rules/user_rules.json`` in their data folder). Each rule has
an id, a category, a level (高/中/低), the roles it applies to (buyer, agent,
review), trigger words and optional regular expressions, exclusion phrases,
and whether a negation right before a trigger cancels it ("不会给差评", "无破损"), or a
fear/doubt marker earlier in its clause ("怕坏了", ``hypothetical``), or a match of one of
its ``exclude_patterns`` around it ("给小孩摔坏了", "垃圾袋"), or the buyer saying after it that
it was put right or is fine as it is ("…当天就把钱退我了", "正常现象", ``resolvable``); a doubt
(不知道是不是正品) in an unhappy review is a hit at the rule's ``doubt_level``.
Word-aware rules (辱骂) count a trigger only as a whole word and never inside an
allow-listed phrase ("滚" not in "财源滚滚"); rules marked ``skip_in_praise`` do
not fire in reviews that praise their product: see :mod:`cxdesk.analysis.risk_words`.

Matching is one pass per text and role: all trigger words of the roles'
rules are compiled into one alternation; a hit is mapped back to its rules
by the word. Words made only of ASCII letters/digits must stand alone
("sb" does not fire inside "usb"). Phrases the caller protects (product
titles, SKU values) are blanked out first, so "防破损手机壳" never fires 破损.

Rule ``patterns`` are matched with RE2, never with Python's backtracking
``re`` (see :mod:`cxdesk.analysis.rule_patterns`: syntax, what is refused).

A rule already stored never stops an analysis: a rule of the user's copy of
the pack or of ``user_rules.json`` that is not valid (a hand edit, or a
pattern a newer cxdesk refuses) is skipped and listed in
:attr:`RulePack.problems` (logged, shown after the analysis and in 设置); a
user's copy of the pack that cannot be read is replaced by the bundled one.
Only the bundled pack itself must be valid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from cxdesk.analysis.risk_words import WordAware, hypothetical, read_phrases, resolved, state_negated
from cxdesk.analysis.rule_patterns import (  # noqa: F401  (RuleError, check_pattern: this module's API)
    RuleError,
    RulePattern,
    any_matcher,
    check_pattern,
    encode_text,
)
from cxdesk.paths import resource_path, resources_dir, user_resources_dir
from cxdesk.outpaths import write_text_atomic
from cxdesk.textprep import USER_DICT_FILE, word_pattern

LEVELS = ("高", "中", "低")
ROLES = ("buyer", "agent", "review")
PACK_FILE = "risk_rules.json"
_BLANK = "\u3000"  # same length, matches nothing
log = logging.getLogger("cxdesk.rules")
_logged: set[tuple[str, str, str]] = set()  # problems already logged by this process


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
    word_aware: bool = False  # a hit must be a whole word, outside the allow-list (risk_words)
    skip_in_praise: bool = False  # no hit in a review that praises its product (risk_words.praises)
    exclude_patterns: tuple[str, ...] = ()  # RE2 patterns: a hit inside a match does not count (摔坏了 by a child)
    hypothetical: bool = False  # a fear/doubt/condition marker earlier in the clause cancels a hit (怕坏了)
    resolvable: bool = False  # a "settled" marker after the hit cancels it (…补发了, 正常现象: risk_words.resolved)
    doubt_level: str = ""  # level of a hit under a doubt (不知道是不是正品) that is not cancelled; "" = the rule's


@dataclass(frozen=True)
class Hit:
    rule_id: str
    category: str
    level: str
    start: int
    end: int
    text: str


def _lower(text: str) -> str:
    """``text`` lower-cased character by character: offsets into it are offsets into ``text``
    ("İ".lower() is two characters: such a character is kept as it is)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(frozen=True)
class RuleProblem:
    """A rule (``rule_id``) or a whole file (``rule_id`` "") that the pack skipped; analysis goes on."""

    source: str  # the file, as the user finds it
    rule_id: str
    reason: str

    @property
    def short(self) -> str:
        """The reason in a few words, for a table cell (已停用（…）)."""
        text = re.sub(r"^规则 \S+ 的", "", self.reason).split("不能使用：", 1)[-1]
        return text if len(text) <= 24 else text[:24] + "…"

    def describe(self) -> str:
        """One line for the user: what was skipped, that the rest ran, what to do."""
        if not self.rule_id:
            return f"{self.reason}（其余规则照常使用）"
        fix = (
            "请在“设置 → 风险规则”中编辑或删除它"
            if self.rule_id.startswith(USER_RULE_PREFIX)
            else f"请改正文件 {self.source}"
        )
        return f"已停用规则 {self.rule_id}：{self.reason}。本次分析没有使用这条规则，其余规则照常；{fix}。"


def _texts(d: dict, key: str, rid: str) -> tuple[str, ...]:
    """A list field of a rule as texts (a single text counts as a list of one)."""
    value = d.get(key) or ()
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (list, tuple)) or any(isinstance(x, (dict, list)) for x in value):
        raise RuleError(f"规则 {rid} 的 {key} 应为文字列表")
    return tuple(str(x) for x in value)


def _rule_from(d: dict, source: str) -> Rule:
    if not isinstance(d, dict):
        raise RuleError(f"{source} 中有一条规则不是 {{…}} 对象：{str(d)[:40]}")
    rid = str(d.get("id") or "").strip()
    if not rid:
        raise RuleError(f"{source} 中有一条规则缺少 id")
    level = d.get("level")
    if level not in LEVELS:
        raise RuleError(f"规则 {rid} 的级别“{level}”无效，应为 高/中/低")
    roles = _texts(d, "applies_to", rid)
    if not roles or any(r not in ROLES for r in roles):
        raise RuleError(f"规则 {rid} 的适用对象 {list(roles)} 无效，可选 buyer/agent/review")
    words = tuple(w for w in (x.strip() for x in _texts(d, "words", rid)) if w)
    patterns = _texts(d, "patterns", rid)
    exclude_patterns = _texts(d, "exclude_patterns", rid)
    for p in patterns + exclude_patterns:
        check_pattern(p, rid)
    if not words and not patterns:
        raise RuleError(f"规则 {rid} 没有触发词也没有正则")
    doubt_level = d.get("doubt_level") or ""
    if doubt_level and doubt_level not in LEVELS:
        raise RuleError(f"规则 {rid} 的 doubt_level“{doubt_level}”无效，应为 高/中/低")
    return Rule(
        rid,
        str(d.get("category") or "其他"),
        level,
        roles,
        words,
        patterns,
        _texts(d, "exclude", rid),
        bool(d.get("negatable", False)),
        bool(d.get("word_aware", False)),
        bool(d.get("skip_in_praise", False)),
        exclude_patterns,
        bool(d.get("hypothetical", False)),
        bool(d.get("resolvable", False)),
        str(doubt_level),
    )


class RulePack:
    """All active rules, compiled for one-pass matching per role."""

    def __init__(
        self,
        rules: list[Rule],
        negators: list[str],
        window: int,
        version: str,
        problems: tuple[RuleProblem, ...] = (),
        *,
        state_negators: tuple[str, ...] = (),
        fillers: tuple[str, ...] = (),
        allow: tuple[str, ...] = (),
        hypothetical_markers: tuple[str, ...] = (),
        hypothetical_not: tuple[str, ...] = (),
        doubt_markers: tuple[str, ...] = (),
        doubt_not: tuple[str, ...] = (),
        resolved_markers: tuple[str, ...] = (),
        resolved_undo: tuple[str, ...] = (),
    ) -> None:
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise RuleError(f"规则 id 重复：{'、'.join(dupes)}")
        self.rules = {r.id: r for r in rules}
        self.version = version
        self.problems = problems  # rules and files skipped while loading (see load_pack)
        self._window = window
        self._negators = tuple(sorted(set(negators), key=len, reverse=True))
        self._state_negators = tuple(sorted(set(state_negators), key=len, reverse=True))
        self._fillers = tuple(sorted(set(fillers), key=len, reverse=True))
        self._hypothetical = tuple(sorted(set(hypothetical_markers), key=len, reverse=True))
        self._hypothetical_not = tuple(sorted(set(hypothetical_not), key=len, reverse=True))
        self._doubt = tuple(sorted(set(doubt_markers), key=len, reverse=True))
        self._doubt_not = tuple(sorted(set(doubt_not), key=len, reverse=True))
        self._resolved = tuple(sorted(set(resolved_markers), key=len, reverse=True))
        self._resolved_undo = tuple(sorted(set(resolved_undo), key=len, reverse=True))
        self._exclude_rx = {
            r.id: tuple(check_pattern(p, r.id) for p in r.exclude_patterns) for r in rules if r.exclude_patterns
        }
        self.allow = allow  # phrases word-aware rules never fire in (lexicons/abuse_allow.txt)
        self._words = WordAware((w for r in rules if r.word_aware for w in r.words), allow)
        self._by_role = {role: self._compile([r for r in rules if role in r.applies_to]) for role in ROLES}

    @staticmethod
    def _compile(rules: list[Rule]):
        by_word: dict[str, list[Rule]] = {}
        for r in rules:
            for w in r.words:
                by_word.setdefault(w.lower(), []).append(r)
        # Word-aware rules get their own regex: their words are searched at every position, so a
        # rejected or overlapping hit of another rule never hides one (什么破|逼规定 → 破逼).
        plain = _words_regex({w.lower() for r in rules if not r.word_aware for w in r.words})
        aware = _words_regex({w.lower() for r in rules if r.word_aware for w in r.words})
        # Rule patterns run on RE2 (linear time), over the text encoded once as UTF-8.
        extra: list[tuple[Rule, RulePattern]] = [(r, check_pattern(p, r.id)) for r in rules for p in r.patterns]
        return plain, aware, by_word, extra, any_matcher([rx for _, rx in extra])

    def match(
        self, text: str, role: str, protected: tuple[str, ...] = (), *, praise: bool = False, calm: bool = False
    ) -> list[Hit]:
        """Every rule hit in ``text`` for a sender of ``role`` (one hit per rule: the first).

        Hits are ``str`` character offsets into ``text`` (the evidence highlighting uses them).
        ``praise``: the text is a review that praises its product (rules marked
        ``skip_in_praise`` do not fire; see :func:`cxdesk.analysis.risk_words.praises`).
        ``calm``: a review not read as negative (:func:`cxdesk.analysis.risk_words.calm`; praise
        is calm too): a doubt (the pack's ``doubt_markers``: 不知道是不是正品) cancels a
        ``hypothetical`` rule's hit; in a text that is not calm, the hit gets the rule's
        ``doubt_level`` (when it has one).
        """
        if not text:
            return []
        work = _lower(text)
        plain, aware, by_word, extra, any_extra = self._by_role[role]
        data = encode_text(work) if extra else b""
        # Most messages hit nothing: find that out before blanking the protected phrases.
        if not (any(rx.search(work) for rx in plain) or any(rx.search(work) for rx in aware) or any_extra(data)):
            return []
        for phrase in protected:
            low = _lower(phrase or "")
            if low and low in work:
                work = work.replace(low, _BLANK * len(low))
                data = encode_text(work) if extra else b""
        found: dict[str, Hit] = {}
        candidates = []
        for rx in plain:
            candidates += [
                (r, m.start(), m.end()) for m in rx.finditer(work) for r in by_word[m.group()] if not r.word_aware
            ]
        for rx in aware:
            candidates += [
                (r, m.start(), m.end()) for m in _every_match(rx, work) for r in by_word[m.group()] if r.word_aware
            ]
        candidates += [(r, start, end) for r, rx in extra for start, end in rx.spans_in(data)]
        candidates.sort(key=lambda c: c[1])
        for rule, start, end in candidates:
            if (
                rule.id in found
                or start == end
                or (praise and rule.skip_in_praise)
                or self._cancelled(rule, work, start, end, praise or calm)
            ):
                continue
            level = rule.level
            if rule.doubt_level and rule.hypothetical and hypothetical(work, end, self._doubt, self._doubt_not):
                level = rule.doubt_level  # a doubt in a text that is not calm: asked, not claimed
            found[rule.id] = Hit(rule.id, rule.category, level, start, end, text[start:end])
        return sorted(found.values(), key=lambda h: (h.start, h.rule_id))

    def _cancelled(self, rule: Rule, work: str, start: int, end: int, calm: bool = False) -> bool:
        for phrase in rule.exclude:
            p = phrase.lower()
            i = work.find(p, max(0, start - len(p)), end + len(p))
            if i != -1 and i < end and i + len(p) > start:
                return True
        for rx in self._exclude_rx.get(rule.id, ()):
            if any(a < end and b > start for a, b in rx.spans(work)):
                return True
        if rule.hypothetical and (
            hypothetical(work, start, self._hypothetical, self._hypothetical_not)
            or (calm and hypothetical(work, end, self._doubt, self._doubt_not))
        ):
            return True
        if rule.resolvable and resolved(
            work, end, self._resolved, self._resolved_undo, self._state_negators, self._fillers
        ):
            return True
        if rule.negatable:
            before = work[max(0, start - self._window - 4) : start]
            if any(n in before[-(self._window + len(n)) :] for n in self._negators):
                return True
            if state_negated(work, start, self._state_negators, self._fillers):
                return True
        return rule.word_aware and not self._words.keeps(work, start, end)


def _words_regex(words: set[str]) -> tuple[re.Pattern, ...]:
    """Regexes finding ``words``: the non-ASCII ones as a trie (one test per character, not per
    word); the ASCII ones in a second regex, only where they stand alone ("sb" not in "usb").
    Two regexes, not one alternation: a branch starting with a lookbehind costs the regex its
    first-character scan, which made the one alternation ~15x slower on reviews."""
    ascii_words = sorted((w for w in words if re.fullmatch(r"[a-z0-9]+", w)), key=len, reverse=True)
    other = [w for w in words if w not in set(ascii_words)]
    out = [re.compile(word_pattern(other))] if other else []
    if ascii_words:
        out.append(re.compile(f"(?<![a-z0-9])(?:{'|'.join(map(re.escape, ascii_words))})(?![a-z0-9])"))
    return tuple(out)


def _every_match(rx: re.Pattern, text: str):
    """The longest match of ``rx`` at every position where one starts (overlapping ones too)."""
    m = rx.search(text)
    while m is not None:
        yield m
        m = rx.search(text, m.start() + 1)


def _read_pack(path: Path, what: str) -> tuple[bytes, dict]:
    """A rule file's bytes and JSON object; :class:`RuleError` says why it cannot be used."""
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))
    except OSError as exc:
        raise RuleError(f"{what}“{path}”无法读取（{exc.strerror or exc}）") from None
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deep
        raise RuleError(f"{what}“{path}”不是有效的 JSON（{str(exc)[:80] or '嵌套过深'}）") from None
    if not isinstance(data, dict) or not isinstance(data.get("rules", []), list):
        raise RuleError(f"{what}“{path}”格式不对：应为 {{\"rules\": [...]}}")
    return raw, data


def _pack_files(problems: list[RuleProblem]) -> list[tuple[Path, bytes, dict, bool]]:
    """(path, bytes, data, strict) of the pack (the user's copy, else the bundled one) and the user's rules."""
    files = []
    override = user_resources_dir() / "rules" / PACK_FILE
    if override.exists():
        try:
            files.append((override, *_read_pack(override, "规则包副本"), False))
        except RuleError as exc:
            problems.append(RuleProblem(str(override), "", f"{exc}，本次改用内置规则包；请改正或删除这个文件"))
    if not files:
        bundled = resources_dir() / "rules" / PACK_FILE
        if not bundled.exists():
            raise RuleError(f"找不到风险规则包：{bundled}（安装不完整，请重新安装 cxdesk）")
        files.append((bundled, *_read_pack(bundled, "内置风险规则包"), True))
    mine = user_rules_path()
    if mine.exists():
        try:
            files.append((mine, *_read_pack(mine, "自定义规则文件"), False))
        except RuleError as exc:
            problems.append(
                RuleProblem(
                    str(mine),
                    "",
                    f"{exc}，其中的自定义规则本次都没有使用；请改正该文件，或删除它后在“设置 → 风险规则”中重新添加",
                )
            )
    return files


def _add_rules(data: dict, path: Path, strict: bool, rules: list[Rule], problems: list[RuleProblem]) -> None:
    """Append the file's valid rules; a bad one raises (``strict``) or becomes a problem."""
    seen = {r.id for r in rules}
    for item in data.get("rules", []):
        try:
            rule = _rule_from(item, path.name)
            if rule.id in seen:
                raise RuleError(f"规则 id “{rule.id}”与另一条规则重复")
        except RuleError as exc:
            if strict:
                raise
            rid = str(item.get("id") or "").strip() if isinstance(item, dict) else ""
            problems.append(RuleProblem(str(path), rid or "（无 id）", str(exc)))
            continue
        rules.append(rule)
        seen.add(rule.id)


NEGATION_LISTS = (
    "negators",
    "state_negators",
    "negation_fillers",
    "hypothetical_markers",
    "hypothetical_not",
    "doubt_markers",
    "doubt_not",
    "resolved_markers",
    "resolved_undo",
)


def _negation(
    data: dict, path: Path, strict: bool, window: int, problems: list[RuleProblem]
) -> tuple[dict[str, list[str]], int]:
    """The file's negation word lists (:data:`NEGATION_LISTS`, non-empty texts) and negation
    window (0–20 characters, else ``window``)."""
    lists, new_window, bad = {}, data.get("negation_window", window), []
    for key in NEGATION_LISTS:
        words = data.get(key, [])
        if not isinstance(words, list) or not all(isinstance(n, str) for n in words):
            words, bad = [], bad + [f"{key} 应为文字列表"]
        lists[key] = [n for n in words if n]
    if not isinstance(new_window, int) or isinstance(new_window, bool) or not 0 <= new_window <= 20:
        new_window, bad = window, bad + ["negation_window 应为 0–20 的整数"]
    if bad and strict:
        raise RuleError(f"{path.name}：{'；'.join(bad)}")
    if bad:
        problems.append(RuleProblem(str(path), "", f"文件 {path} 的{'；'.join(bad)}，已按默认处理"))
    return lists, new_window


def load_pack() -> RulePack:
    """The built-in pack (or the user's copy of it) plus the user's own rules.

    Only the bundled pack must be valid; what is wrong in the user's files is
    skipped, logged and listed in :attr:`RulePack.problems` (see the module doc).
    """
    problems: list[RuleProblem] = []
    digest = hashlib.sha256()
    rules: list[Rule] = []
    negation: dict[str, list[str]] = {key: [] for key in NEGATION_LISTS}
    window = 4
    for path, raw, data, strict in _pack_files(problems):
        digest.update(raw)
        _add_rules(data, path, strict, rules, problems)
        more, window = _negation(data, path, strict, window, problems)
        for key, words in more.items():
            negation[key] += words
    allow_raw, allow = read_phrases()  # the allow-list and the jieba dictionary decide word-aware hits
    digest.update(allow_raw)
    digest.update(resource_path(*USER_DICT_FILE).read_bytes() if resource_path(*USER_DICT_FILE).exists() else b"")
    if problems:  # a skipped rule changes what the pack raises: a new version
        digest.update(json.dumps([[p.source, p.rule_id] for p in problems], ensure_ascii=False).encode())
    for problem in problems:
        key = (problem.source, problem.rule_id, problem.reason)
        if key not in _logged:
            _logged.add(key)
            log.info("风险规则：%s", problem.describe())  # INFO: the CLI prints it once in the summary
    return RulePack(
        rules,
        negation["negators"],
        window,
        f"rules-{digest.hexdigest()[:10]}",
        tuple(problems),
        state_negators=tuple(negation["state_negators"]),
        fillers=tuple(negation["negation_fillers"]),
        allow=allow,
        hypothetical_markers=tuple(negation["hypothetical_markers"]),
        hypothetical_not=tuple(negation["hypothetical_not"]),
        doubt_markers=tuple(negation["doubt_markers"]),
        doubt_not=tuple(negation["doubt_not"]),
        resolved_markers=tuple(negation["resolved_markers"]),
        resolved_undo=tuple(negation["resolved_undo"]),
    )


def pack_file(name: str = "risk_rules.json") -> Path:
    return resource_path("rules", name)


# --- the user's own rules (设置 page) -------------------------------------------------------------

USER_RULE_PREFIX = "user."


def user_rules_path() -> Path:
    return user_resources_dir() / "rules" / "user_rules.json"


def _stored_user_rules() -> list:
    """The ``rules`` list of user_rules.json exactly as stored (RuleError if it cannot be read)."""
    path = user_rules_path()
    if not path.exists():
        return []
    try:
        return list(_read_pack(path, "自定义规则文件")[1].get("rules", []))
    except RuleError as exc:
        raise RuleError(f"{exc}。文件没有改动；请用文本编辑器改正它，或把它移走后重新添加规则。") from None


def read_user_rules() -> list[dict]:
    """The user's rules as stored (dicts with id, category, level, applies_to, words, ...)."""
    return [r for r in _stored_user_rules() if isinstance(r, dict)]


def user_rule_problem(rule_id: str) -> str | None:
    """Why a stored user rule is skipped by the analysis (已停用), or None when it is in use."""
    try:
        problems = load_pack().problems
    except RuleError:  # the bundled pack itself is broken: said wherever the pack is used
        return None
    return next((p.reason for p in problems if p.rule_id == rule_id), None)


def _write_user_rules(rules: list[dict]) -> None:
    path = user_rules_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps({"rules": rules}, ensure_ascii=False, indent=2) + "\n")


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
    previous = _stored_user_rules() if user_rules_path().exists() else None
    _write_user_rules([r for r in previous or [] if not (isinstance(r, dict) and r.get("id") == rule["id"])] + [rule])
    try:
        problem = next((p for p in load_pack().problems if p.rule_id == rule["id"]), None)
        if problem is not None:
            raise RuleError(problem.reason)
    except RuleError:
        if previous is None:
            user_rules_path().unlink(missing_ok=True)
        else:
            _write_user_rules(previous)
        raise
    return checked


def delete_user_rule(rule_id: str) -> bool:
    rules = _stored_user_rules()
    kept = [r for r in rules if not (isinstance(r, dict) and r.get("id") == rule_id)]
    if len(kept) == len(rules):
        return False
    if kept:
        _write_user_rules(kept)
    else:  # no user rules: the pack is the built-in one again (same version, no rescan)
        user_rules_path().unlink(missing_ok=True)
    return True
