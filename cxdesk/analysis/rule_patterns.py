r"""Regular expressions of risk rules, checked and matched with RE2 (linear time, never backtracks).

Rules may carry ``patterns``: the user's own rules (设置 → 自定义规则, saved in
``rules/user_rules.json`` of the data folder), a user's copy of the rule pack
and the bundled pack. Python's ``re`` backtracks: ``(a|a)+$`` takes exponential
time on a line of 40 ``a``, so one saved rule would hang every later analysis.
Rule patterns are therefore compiled and matched by google-re2, whose running
time is linear in the text whatever the pattern. (The app's own fixed regular
expressions stay with ``re``.)

Patterns are written as for Python's ``re``. Before compiling, the few escapes
RE2 reads differently are rewritten, so a pattern keeps its meaning on
Chinese text:

- ``\d`` ``\w`` ``\s`` (and ``\D`` ``\W`` ``\S``) are Unicode classes in Python
  (``\w`` matches 汉字, ``\d`` matches １２３) but ASCII in RE2: they become
  ``\p{Nd}``, ``[\p{L}\p{N}_]`` and Python's set of white space;
- ``\uXXXX`` / ``\UXXXXXXXX`` become ``\x{XXXX}``, ``\Z`` becomes ``\z``,
  ``x{,n}`` becomes ``x{0,n}``, ``(?#…)`` comments are dropped.

Refused, with the construct named and a rewrite suggested (:class:`RuleError`):
backreferences, lookahead and lookbehind, atomic groups and possessive
quantifiers, conditionals, ``\C`` (one byte: cuts a 汉字 in half), ``\W`` or
``\S`` inside ``[...]``; patterns that match empty text; patterns longer than
:data:`MAX_PATTERN_CHARS` or whose RE2 program exceeds :data:`MAX_PROGRAM_SIZE`
instructions. ``\b`` keeps RE2's meaning: only ASCII letters, digits and ``_``
are word characters, so ``\bsb\b`` fires in "你是sb吗" and not in "usb".
Matching is case-insensitive (texts are lower-cased before matching anyway).

RE2 matches UTF-8 bytes; :class:`RulePattern` turns its byte offsets back into
``str`` character offsets, which the evidence highlighting uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import re2

from cxdesk.errors import CxdeskError

MAX_PATTERN_CHARS = 200  # user patterns are kept short and simple
MAX_PROGRAM_SIZE = 50_000  # RE2 instructions (``\w`` alone is ~1,350: a UTF-8 table of every letter)
MAX_MEM_BYTES = 8 << 20  # RE2's budget per pattern: compiled program plus its DFA cache
_EMPTY_PROBES = (b"", b"a", "中文".encode(), b"a b", b"\n")  # a pattern matching empty text in one of these is refused

_WORD = r"\p{L}\p{N}_"  # Python's \w on str: str.isalnum() or "_"
_SPACE = r"\t-\r\x{1c}-\x{20}\x{85}\p{Z}"  # Python's \s on str: str.isspace()
_OUTSIDE_CLASS = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE_CLASS = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
_REPEAT = re.compile(r"\{(\d*)(,(\d*))?\}")
_HEX = re.compile(r"[0-9a-fA-F]+")

_BACKREF = "反向引用“{}”：RE2 不支持（它保证不回溯），请把要重复的内容直接写出来，例如把 (哈)\\1 写成 哈哈"
_LOOKAHEAD = "前瞻断言“{}…)”：RE2 不支持；“后面不能跟某些词”请写进规则的“排除说法”，或把后面的内容直接写进正则"
_LOOKBEHIND = "后顾断言“{}…)”：RE2 不支持；前面的否定词请用“否定词取消命中”选项或“排除说法”，或把前面的内容直接写进正则"
_CONSTRUCTS = (  # group openings RE2 cannot compile, longest first
    ("(?P=", _BACKREF),
    ("(?<=", _LOOKBEHIND),
    ("(?<!", _LOOKBEHIND),
    ("(?=", _LOOKAHEAD),
    ("(?!", _LOOKAHEAD),
    ("(?>", "原子分组“{}…)”：RE2 本来不回溯，用不着它；去掉“?>”写成普通分组 (…) 即可"),
    ("(?(", "条件分组“{}…)”：RE2 不支持，请拆成两条正则"),
)
_RE2_ERRORS = (  # RE2's error text (start) → the reason in Chinese
    ("missing )", "括号没有配对（少了右括号“)”）"),
    ("unexpected )", "括号没有配对（多了右括号“)”）"),
    ("missing ]", "方括号没有配对（少了“]”）"),
    ("invalid repetition size", "重复次数太大：{n} 最多 1000，嵌套的重复各层相乘也不能超过 1000"),
    ("no argument for repetition operator", "重复符号（* + ? {n}）前面缺少要重复的内容"),
    ("missing argument to repetition operator", "重复符号（* + ? {n}）前面缺少要重复的内容"),
    ("bad repetition operator", "重复符号连用，如“**”或“+*”，请只留一个"),
    ("invalid character class range", "字符范围无效（如 [z-a] 写反了，或 \\p{…} 的名称不存在）"),
    ("invalid character class", "字符类写法无效"),
    ("invalid escape sequence", "不支持的转义"),
    ("trailing \\", "结尾多了一个反斜杠“\\”"),
    ("invalid perl operator", "不支持的 (?…) 写法；可用的只有 (?:…) (?P<名称>…) 和标志 (?i)(?m)(?s)(?U)"),
    ("invalid named capture group", "命名分组写法无效，应为 (?P<名称>…)"),
    ("duplicate capture group name", "命名分组重名"),
    ("invalid UTF-8", "含无效字符"),
    ("pattern too large", f"正则太复杂（编译后超过 {MAX_PROGRAM_SIZE:,} 条指令），请缩短或减少重复次数"),
)


class RuleError(CxdeskError):
    """A rule pack or a user rule is not valid; the message says which and why."""


class RulePattern:
    """One checked rule pattern compiled by RE2; spans are ``str`` character offsets."""

    __slots__ = ("source", "re2_source", "_regexp")

    def __init__(self, source: str, re2_source: str, regexp) -> None:
        self.source = source
        self.re2_source = re2_source
        self._regexp = regexp

    def __repr__(self) -> str:
        return f"RulePattern({self.source!r})"

    def found_in(self, data: bytes) -> bool:
        """Whether the pattern occurs in ``data`` (a text as :func:`encode_text` gave it)."""
        return self._regexp.search(data) is not None

    def spans_in(self, data: bytes) -> list[tuple[int, int]]:
        """Every non-overlapping match in ``data`` as (start, end) offsets into the original ``str``."""
        return char_spans(data, [m.span() for m in self._regexp.finditer(data) if m.end() > m.start()])

    def spans(self, text: str) -> list[tuple[int, int]]:
        return self.spans_in(encode_text(text))

    def search(self, text: str) -> tuple[int, int] | None:
        """The first match in ``text`` as character offsets, or None."""
        found = self.spans(text)
        return found[0] if found else None


def encode_text(text: str) -> bytes:
    """``text`` as RE2 reads it: UTF-8, a lone surrogate becoming one "?" (character counts stay)."""
    return text.encode("utf-8", "replace")


def char_spans(data: bytes, byte_spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte spans (ascending, non-overlapping) of UTF-8 ``data`` → character spans of the decoded text."""
    out = []
    at_byte = at_char = 0
    for start, end in byte_spans:
        at_char += len(data[at_byte:start].decode("utf-8", "replace"))
        end_char = at_char + len(data[start:end].decode("utf-8", "replace"))
        out.append((at_char, end_char))
        at_byte, at_char = end, end_char
    return out


def _options(*, capture: bool = True) -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEM_BYTES
    options.log_errors = False
    options.case_sensitive = False
    options.never_capture = not capture
    return options


def _refuse(where: str, pattern: str, reason: str) -> RuleError:
    shown = pattern if len(pattern) <= 60 else pattern[:60] + "…"
    shown = shown.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate would break printing
    return RuleError(f"{where}正则“{shown}”不能使用：{reason}")


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """The RE2 text for the escape at ``pattern[i]`` (a backslash) and the index after it."""
    if i + 1 >= len(pattern):
        raise ValueError("结尾多了一个反斜杠“\\”")
    e = pattern[i + 1]
    if e in "123456789":
        raise ValueError(_BACKREF.format("\\" + e))
    if e in "uU":
        width = 4 if e == "u" else 8
        digits = pattern[i + 2 : i + 2 + width]
        if len(digits) != width or not _HEX.fullmatch(digits) or int(digits, 16) > 0x10FFFF:
            raise ValueError(f"“\\{e}”后应为 {width} 位十六进制数字，如 \\u4e00")
        return f"\\x{{{digits}}}", i + 2 + width
    if e == "C":
        raise ValueError("“\\C”只匹配一个字节，会把一个汉字切成半个；请改用“.”")
    if e == "N":
        raise ValueError("“\\N{…}”字符名：请直接写出该字符")
    if e == "Z":
        return "\\z", i + 2
    if not e.isascii():  # Python reads "\中" as 中
        return e, i + 2
    if e in "pPx" and pattern.startswith("{", i + 2):  # \p{Han}, \x{4e00}: RE2's own, copied whole
        end = pattern.find("}", i + 2)
        return (pattern[i : end + 1], end + 1) if end != -1 else ("\\" + e, i + 2)
    if e == "Q":  # RE2's \Q…\E literal text, copied whole
        end = pattern.find("\\E", i + 2)
        return (pattern[i : end + 2], end + 2) if end != -1 else (pattern[i:], len(pattern))
    if in_class and e in "WS":
        raise ValueError(f"方括号里的“\\{e}”无法用 RE2 表达；请把它移到方括号外，或列出要匹配的字符")
    table = _INSIDE_CLASS if in_class else _OUTSIDE_CLASS
    return table.get(e, "\\" + e), i + 2


def _class_start(pattern: str, i: int) -> tuple[str, int]:
    """The opening of a bracket class (``[``, ``[^``, and a ``]`` right after it, which is literal)."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    return pattern[i:j], j


def _group_start(pattern: str, i: int) -> tuple[str, int]:
    """``(`` or ``(?`` (refusing what RE2 lacks, dropping ``(?#…)`` comments) and the index after it."""
    for opening, reason in _CONSTRUCTS:
        if pattern.startswith(opening, i):
            raise ValueError(reason.format(opening))
    if pattern.startswith("(?#", i):
        end = pattern.find(")", i)
        if end == -1:
            raise ValueError("注释“(?#…”没有以“)”结束")
        return "", end + 1
    if pattern.startswith("(?", i):
        return "(?", i + 2
    return "(", i + 1


def _repeat(pattern: str, i: int) -> tuple[str, int]:
    """A ``{m,n}`` repetition at ``pattern[i]`` (``{,n}`` is ``{0,n}`` as in Python), or a literal ``{``."""
    m = _REPEAT.match(pattern, i)
    if not m or not (m.group(1) or m.group(2)):  # "{}" and "{x" are literal in Python
        return "\\{", i + 1
    low, comma, high = m.group(1) or "0", m.group(2) or "", m.group(3) or ""
    return f"{{{low}{',' if comma else ''}{high}}}", m.end()


def to_re2(pattern: str) -> str:
    """``pattern`` (Python ``re`` syntax) rewritten for RE2; ValueError names what RE2 cannot do."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c, was_in_class = pattern[i], in_class
        if c == "\\":
            piece, i = _escape(pattern, i, in_class)
        elif in_class:
            if c == "[" and pattern[i + 1 : i + 2] in (":", ".", "="):  # [:alpha:] and kin: copy whole
                end = pattern.find(pattern[i + 1] + "]", i + 2)
                piece, i = (pattern[i : end + 2], end + 2) if end != -1 else ("\\[", i + 1)
            else:
                piece, i, in_class = ("\\[" if c == "[" else c), i + 1, c != "]"
        elif c == "[":
            (piece, i), in_class = _class_start(pattern, i), True
        elif c == "(":
            piece, i = _group_start(pattern, i)
        elif c == "{":
            piece, i = _repeat(pattern, i)
        else:
            piece, i = c, i + 1
        quantifier = not was_in_class and (c in "*+?" or c == "{" and piece != "\\{")
        if quantifier and pattern.startswith("+", i):
            raise ValueError(f"占有量词“{piece}+”：RE2 本来不回溯，用不着它；去掉末尾的“+”即可（如 a++ 写成 a+）")
        out.append(piece)
    return "".join(out)


def _re2_reason(message: str) -> str:
    for start, reason in _RE2_ERRORS:
        if message.startswith(start):
            return f"RE2 无法识别：{reason}（{message}）"
    return f"RE2 无法识别（{message}）"


def check_pattern(pattern: str, rule_id: str = "") -> RulePattern:
    """Compile a rule pattern with RE2, refusing with the reason what it cannot do, could never
    stop matching, or would fire on every message (:class:`RuleError`)."""
    where = f"规则 {rule_id} 的" if rule_id else ""
    if not isinstance(pattern, str) or not pattern:
        raise _refuse(where, str(pattern), "正则是空的" if not pattern else "正则应为文字")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise _refuse(where, pattern, f"过长（{len(pattern)} 个字符，最多 {MAX_PATTERN_CHARS}）")
    try:
        source = to_re2(pattern)
        encoded = source.encode("utf-8")
    except ValueError as exc:  # UnicodeEncodeError too: a lone surrogate from a hand-edited JSON file
        reason = "含无效字符（单独的代理码位）" if isinstance(exc, UnicodeError) else str(exc)
        raise _refuse(where, pattern, reason) from None
    try:
        regexp = re2.compile(encoded, _options())
    except re2.error as exc:
        message = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise _refuse(where, pattern, _re2_reason(message)) from None
    if regexp.programsize > MAX_PROGRAM_SIZE:
        raise _refuse(
            where,
            pattern,
            f"太复杂（编译后 {regexp.programsize:,} 条指令，最多 {MAX_PROGRAM_SIZE:,}；"
            "\\w 这样的字符类每个约 1,350 条：请减少重复次数，或用“.”代替 \\w）",
        )
    if any(m.end() == m.start() for probe in _EMPTY_PROBES for m in regexp.finditer(probe)):
        raise _refuse(where, pattern, "会匹配空文本，每条消息都会命中（如 x* 或 a|）；请至少要求一个字符")
    return RulePattern(pattern, source, regexp)


def any_matcher(patterns: Sequence[RulePattern]) -> Callable[[bytes], bool]:
    """One test "does any of these patterns occur in the encoded text": a single RE2 pass over
    their alternation, or (when that is too big to compile) one pass per pattern."""
    if not patterns:
        return lambda data: False
    try:
        combined = re2.compile(
            "|".join(f"(?:{p.re2_source})" for p in patterns).encode("utf-8"), _options(capture=False)
        )
    except re2.error:
        return lambda data: any(p.found_in(data) for p in patterns)
    return lambda data: combined.search(data) is not None
