"""Risk rule patterns cannot hang the analysis (RE2), a stored rule never stops it, offsets stay right.

Issue 14, fault class 1: ``check_pattern`` used to accept ``((a+))+$`` and kin,
and every later analysis then hung on a buyer line of 40 ``a``. Rule patterns
now run on RE2 (linear time): such patterns are refused with a reason or
matched at once; a rule stored before (or hand-edited) that is not valid is
skipped with a warning instead of failing the analysis. The property tests
(hypothesis) run the checker on generated patterns; ``bench/fuzz_rules.py``
runs the same property on ≥ 5,000 of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxdesk.analysis.engine import AnalyzeSummary, _run_chunks
from cxdesk.analysis.risk import run_risk_stage
from cxdesk.analysis.risk_rules import RuleError, RulePattern, check_pattern, load_pack, read_user_rules, save_user_rule
from cxdesk.paths import resources_dir, user_resources_dir
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext

LONG_A = "a" * 40 + "b"
BACKTRACKERS = [
    "((a+))+$",
    "(?:(?:a)+)+$",
    "(a|a)+$",
    "(a*)*",
    "(a|aa)+",
    "(.*a){20}",
    "(a+)+$",
    "(\\w+\\s?)+$",
    "([a-z]+)*c$",
    "(a|a?)+b$",
    "(?:a|ab|b)*c",
]


# --- generated patterns (shared with bench/fuzz_rules.py) ----------------------------------------

CHARS = "()[]{}*+?|^$.\\-,:=!<>#PEQpxuUwWdDsSbBzZCN0123456789ab退款钱中文"
TOKENS = [
    "(",
    ")",
    "(?:",
    "(?=",
    "(?!",
    "(?<=",
    "(?<!",
    "(?>",
    "(?P<n>",
    "(?P=n)",
    "(?i)",
    "(?x)",
    "(?#c)",
    "(?(1)",
    "[",
    "[^",
    "]",
    "[:alpha:]",
    "{2}",
    "{2,5}",
    "{,3}",
    "{1000}",
    "{,}",
    "*",
    "+",
    "?",
    "*?",
    "++",
    "|",
    "^",
    "$",
    ".",
    "\\",
    "\\1",
    "\\w",
    "\\W",
    "\\d",
    "\\s",
    "\\S",
    "\\b",
    "\\Z",
    "\\C",
    "\\u4e00",
    "\\u12",
    "\\p{Han}",
    "\\pN",
    "\\x{4e00}",
    "\\Q",
    "\\E",
    "\\N{X}",
    "a",
    "b",
    "退",
    "款",
    "中文",
    "😀",
    "\ud800",
    "-",
    ",",
    "、",
]
PATTERNS = st.one_of(st.text(alphabet=CHARS, max_size=30), st.lists(st.sampled_from(TOKENS), max_size=12).map("".join))
# Long runs of one letter (the classic backtracking trap), Chinese, emoji, digits, spaces, line breaks.
ADVERSARIAL = (LONG_A + "中文退款了钱１２３ \n😀_ab" + "a" * 60 + "退" * 30 + "ab" * 40 + "。") * 20
ADVERSARIAL = ADVERSARIAL[:2000]


def check_generated(pattern: str) -> str:
    """The property: a clear refusal, or an RE2 matcher whose spans on a hostile text are sane."""
    try:
        matcher = check_pattern(pattern, "user.fuzz")
    except RuleError as exc:
        assert "不能使用：" in str(exc)
        str(exc).encode("utf-8")  # printable: no lone surrogate copied from the pattern
        return "refused"
    assert isinstance(matcher, RulePattern)
    spans = matcher.spans(ADVERSARIAL)
    assert all(0 <= s < e <= len(ADVERSARIAL) for s, e in spans)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))
    return "accepted"


@settings(max_examples=150, deadline=None, database=None, derandomize=True)  # stable suite; bench/ explores
@given(PATTERNS)
def test_generated_patterns_are_refused_or_matched_safely(pattern: str) -> None:
    check_generated(pattern)


# --- the patterns of the issue -----------------------------------------------------------------


@pytest.mark.parametrize("pattern", BACKTRACKERS)
def test_backtracking_patterns_are_refused_or_run_linearly(pattern: str) -> None:
    rule = {"id": "回溯", "level": "中", "applies_to": ["buyer"], "patterns": [pattern]}
    try:
        save_user_rule(rule)
    except RuleError as exc:
        assert "不能使用" in str(exc) and pattern in str(exc)
        assert read_user_rules() == []  # nothing saved
        return
    pack = load_pack()
    hits = pack.match(LONG_A, "buyer")  # RE2 cannot backtrack: returns at once
    expected = re.search(pattern, "aaab")  # on a short line Python agrees (and is quick)
    assert bool(pack.match("aaab", "buyer")) == bool(expected and expected.end() > expected.start())
    assert all(LONG_A[h.start : h.end] == h.text for h in hits)


def test_refusals_name_the_construct_and_suggest_a_rewrite() -> None:
    cases = {
        "(?<!不)退款": "后顾断言",
        "退款(?!了)": "前瞻断言",
        "(哈)\\1": "反向引用",
        "(?P<x>a)(?P=x)": "反向引用",
        "(?>ab)c": "原子分组",
        "a++": "占有量词",
        "\\C": "半个",
        "[\\W]": "方括号",
        "x*": "空文本",
        "a|": "空文本",
        "\\w{0,50}": "太复杂",
        "退" * 201: "过长",
        "(退款": "括号没有配对",
        "a{1001}": "重复次数",
    }
    for pattern, reason in cases.items():
        with pytest.raises(RuleError, match=reason):
            check_pattern(pattern, "user.x")


def test_python_escapes_keep_their_meaning_on_chinese_text() -> None:
    # \w \d \s are Unicode in Python, ASCII in RE2: rewritten. Compare Latin, CJK punctuation, full-width
    # forms and every 7th BMP character, all but U+0345 (a combining mark that case folding turns into ι).
    codes = {
        *range(0x250),
        *range(0x2000, 0x2070),
        *range(0x3000, 0x3040),
        *range(0xFF00, 0xFFF0),
        *range(0, 0x10000, 7),
    } - {*range(0xD800, 0xE000), 0x345}
    chars = "".join(map(chr, sorted(codes)))
    for escape in ("\\w", "\\W", "\\d", "\\D", "\\s", "\\S", "[\\w-]", "[^\\d\\s]"):
        assert [s for s, _ in check_pattern(escape).spans(chars)] == [m.start() for m in re.finditer(escape, chars)]
    assert check_pattern("退\\w{0,3}钱").search("亲我要退点钱") == (3, 6)
    assert check_pattern("[\\u4e00-\\u9fa5]{2}\\Z").search("abc中文") == (3, 5)
    assert check_pattern("x{,2}y").search("xxxy") == (1, 4)  # {,n} is {0,n} as in Python
    assert check_pattern("\\bsb\\b").search("你是sb吗") == (2, 4) and check_pattern("\\bsb\\b").search("usb") is None
    assert check_pattern("WX号").search("加wx号") == (1, 4)  # texts are lower-cased: patterns ignore case


# --- offsets -------------------------------------------------------------------------------------


def test_hit_offsets_are_character_offsets_after_multibyte_text() -> None:
    text = "亲😀，é收到的货破了！我要退了钱，Ａ退款退钱"  # 1-, 2-, 3- and 4-byte UTF-8 characters before the hits
    matcher = check_pattern("退.?钱")
    assert [text[s:e] for s, e in matcher.spans(text)] == ["退了钱", "退钱"]
    assert matcher.spans(text)[0] == (text.index("退了钱"), text.index("退了钱") + 3)
    assert check_pattern("货").spans("\ud800货") == [(1, 2)]  # a lone surrogate counts as one character
    save_user_rule({"id": "退钱", "level": "中", "applies_to": ["buyer"], "patterns": ["退.?钱"]})
    hits = load_pack().match("İ" + text, "buyer")  # "İ".lower() is 2 characters: offsets must not shift
    mine = next(h for h in hits if h.rule_id == "user.退钱")
    assert (mine.start, mine.end, mine.text) == (text.index("退了钱") + 1, text.index("退了钱") + 4, "退了钱")


# --- a stored rule never stops the analysis ------------------------------------------------------


def _store_user_rules(rules: list) -> Path:
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "user_rules.json"
    path.write_text(json.dumps({"rules": rules}, ensure_ascii=False), encoding="utf-8")
    return path


def _fill(db_path: Path, lines: list[str]) -> None:
    with open_store(db_path) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.chats.insert_sessions(
                shop.id,
                None,
                [
                    {
                        "session_key": "s1",
                        "buyer_nick": "b",
                        "messages": [
                            {"msg_hash": i, "seq": i, "role": "buyer", "sender": None, "sent_at": None, "content": line}
                            for i, line in enumerate(lines)
                        ],
                    }
                ],
            )


def test_stored_unsafe_rules_are_skipped_and_reported_not_fatal(db_path: Path) -> None:
    _store_user_rules(
        [
            {"id": "user.old", "level": "中", "applies_to": ["buyer"], "patterns": ["((a+))+$"]},  # safe on RE2 now
            {"id": "user.look", "level": "高", "applies_to": ["buyer"], "patterns": ["(?<!不)退款"]},
            {"id": "user.ref", "level": "高", "applies_to": ["buyer"], "patterns": ["(a)\\1+$"]},
            {"id": "user.empty", "level": "低", "applies_to": ["buyer"], "patterns": ["x*"]},
            "不是规则",
            {"id": "user.ok", "level": "中", "applies_to": ["buyer"], "patterns": ["退.{0,3}钱"]},
        ]
    )
    lines = [LONG_A, "你好😀，我要退点钱"]
    _fill(db_path, lines)
    with open_store(db_path) as store:
        result = run_risk_stage(TaskContext(), store, _run_chunks, workers=1)
        flags = store.conn.execute(
            "SELECT m.content, f.rule_id, f.evidence FROM risk_flags f JOIN chat_messages m ON m.id = f.target_id"
        ).fetchall()
    assert result.processed == 2
    assert {p.rule_id for p in load_pack().problems} == {"user.look", "user.ref", "user.empty", "（无 id）"}
    said = AnalyzeSummary(db_path, [result]).describe()
    assert "注意：已停用规则 user.look" in said and "后顾断言" in said and "设置 → 风险规则" in said
    by_rule = {rule: (content, json.loads(ev)[0]) for content, rule, ev in flags}
    assert by_rule["user.ok"][1]["text"] == "退点钱"
    assert lines[1][by_rule["user.ok"][1]["start"] : by_rule["user.ok"][1]["end"]] == "退点钱"
    assert "user.old" not in by_rule  # the line of a's ends in b: no hit, and no hang


def test_broken_user_files_fall_back_with_a_warning() -> None:
    bundled = load_pack()
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "risk_rules.json").write_text('{"rules": [', encoding="utf-8")  # a cut-off copy of the pack
    (folder / "user_rules.json").write_text("[" * 100_000, encoding="utf-8")  # nested too deep for json
    pack = load_pack()
    assert set(pack.rules) == set(bundled.rules)
    assert [p.rule_id for p in pack.problems] == ["", ""]
    assert "改用内置规则包" in pack.problems[0].describe() and "不是有效的 JSON" in pack.problems[1].describe()
    with pytest.raises(RuleError, match="文件没有改动"):  # saving must not overwrite a file it cannot read
        save_user_rule({"id": "新规则", "level": "中", "applies_to": ["buyer"], "words": ["发错货"]})
    # A user's copy of the pack with one bad rule: only that rule is skipped.
    data = json.loads((resources_dir() / "rules" / "risk_rules.json").read_text(encoding="utf-8"))
    data["rules"][0]["patterns"] = ["(?=x)"]
    data["negators"] = data["negators"] + [""]  # an empty negator would cancel every negatable hit
    (folder / "risk_rules.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (folder / "user_rules.json").unlink()
    pack = load_pack()
    assert set(bundled.rules) - set(pack.rules) == {data["rules"][0]["id"]}
    assert pack.match("再不处理我就给差评", "buyer") == bundled.match("再不处理我就给差评", "buyer")


def test_settings_lists_a_skipped_rule_as_disabled_and_the_dialog_fixes_it(qtbot, store) -> None:
    from ui.app import create_main_window
    from ui.widgets.user_rule_dialog import UserRuleDialog
    from ui.workers import active_jobs

    _store_user_rules([{"id": "user.look", "level": "高", "applies_to": ["buyer"], "patterns": ["(?<!不)退款"]}])
    window = create_main_window(store)
    qtbot.addWidget(window)
    window.show_page("settings")
    page = window.pages["settings"]
    page.refresh_rule_stats()
    row = next(i for i in range(page.rule_stats.rowCount()) if page.rule_stats.stat(i).rule_id == "user.look")
    assert page.rule_stats.stat(row).category.startswith("已停用（后顾断言")
    assert "注意：已停用规则 user.look" in page.rules_note.text()
    page.rules_view.selectRow(row)
    shown = []

    def fix(dialog: UserRuleDialog) -> bool:
        shown.append(dialog.error_label.text())
        dialog.patterns_edit.setPlainText("退.{0,3}款\n退款、退钱")  # one per line: "," and "、" stay in the pattern
        dialog.save()
        return dialog.result() == UserRuleDialog.DialogCode.Accepted

    page.run_dialog = fix
    page.edit_rule_button.click()
    assert "已停用" in shown[0] and "后顾断言" in shown[0]
    assert read_user_rules()[0]["patterns"] == ["退.{0,3}款", "退款、退钱"]
    assert load_pack().problems == () and "user.look" in load_pack().rules
    assert not active_jobs()
