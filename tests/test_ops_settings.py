"""设置's operations (cxdesk.ops.rules, weights, lexicon): each writes the user's resource file it says,
reports RULES / WEIGHTS / LEXICON, leaves the store alone, and a refused one changes no file."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis.aspect_lexicon_edit import MAIN, LexiconEditError, load_draft
from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.analysis.capability_config import load_config, shipped_weights, user_config_path
from cxdesk.analysis.risk_rules import RuleError, load_pack, read_user_rules, user_rules_path
from cxdesk.errors import CxdeskError
from cxdesk.ops import LEXICON, RULES, WEIGHTS, lexicon, rules, run_op, weights
from cxdesk.paths import user_resources_dir
from cxdesk.store import Store

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

LOGISTICS = "物流/快递"
RULE = {
    "id": "发错颜色",
    "category": "质量/假货",
    "level": "中",
    "applies_to": ["buyer"],
    "words": ["发错颜色", "颜色发错"],
    "exclude": ["没有发错颜色"],
    "patterns": [],
    "negatable": True,
}


def _bytes(path: Path) -> bytes | None:
    return path.read_bytes() if path.exists() else None


def test_user_rules_are_saved_replaced_and_deleted(store: Store) -> None:
    untouched = store.conn.total_changes
    changes = run_op(rules.save_user_rule, store, RULE)
    assert changes.kinds == {RULES} and changes.value.id == "user.发错颜色"
    assert changes.summary == "已保存自定义规则「user.发错颜色」"
    assert "user.发错颜色" in load_pack().rules and read_user_rules()[0]["words"] == ["发错颜色", "颜色发错"]

    run_op(rules.save_user_rule, store, {**RULE, "id": "user.发错颜色", "level": "高"})  # same id: replaced
    assert [(r["id"], r["level"]) for r in read_user_rules()] == [("user.发错颜色", "高")]

    changes = run_op(rules.delete_user_rule, store, "user.发错颜色")
    assert changes.kinds == {RULES} and changes.value is True and not user_rules_path().exists()
    assert "user.发错颜色" not in load_pack().rules
    changes = run_op(rules.delete_user_rule, store, "user.发错颜色")  # already gone: nothing changed
    assert not changes.changed and changes.value is False
    assert store.conn.total_changes == untouched  # the rules are files: the store is not written


def test_a_refused_rule_leaves_the_rules_file_as_it_was(store: Store) -> None:
    with pytest.raises(RuleError, match="至少两个字"):
        run_op(rules.save_user_rule, store, {**RULE, "words": ["好"]})
    assert not user_rules_path().exists()
    run_op(rules.save_user_rule, store, RULE)
    before = _bytes(user_rules_path())
    for bad in ({**RULE, "id": "另一条", "patterns": ["(?<!不)退款"]}, {**RULE, "id": ""}, {**RULE, "level": "极高"}):
        with pytest.raises(RuleError):
            run_op(rules.save_user_rule, store, bad)
        assert _bytes(user_rules_path()) == before
    assert [r["id"] for r in read_user_rules()] == ["user.发错颜色"]


def test_weights_are_saved_checked_and_reset(store: Store) -> None:
    shipped = shipped_weights()
    changes = run_op(weights.reset, store)  # no user copy: nothing to do
    assert not changes.changed and not user_config_path().exists()

    changes = run_op(weights.save, store, {**shipped, "speed": 50})
    assert changes.kinds == {WEIGHTS} and changes.value == user_config_path()
    assert load_config()["weights"]["speed"] == 50
    before = _bytes(user_config_path())
    for bad in ({k: 0 for k in shipped}, {**shipped, "speed": -1}, {**shipped, "speed": "快"}):
        with pytest.raises(CxdeskError):
            run_op(weights.save, store, bad)
        assert _bytes(user_config_path()) == before

    changes = run_op(weights.reset, store)
    assert changes.kinds == {WEIGHTS} and load_config()["weights"] == shipped


def test_lexicon_operations_add_remove_toggle_save_and_restore(store: Store) -> None:
    fingerprint = AspectLexicon.load().fingerprint
    copy = user_resources_dir() / "lexicons" / MAIN
    changes = run_op(lexicon.add_word, store, LOGISTICS, "negative", " 等到花儿都谢了 ")
    assert changes.kinds == {LEXICON} and changes.value == [copy]
    assert changes.summary == f"已把「等到花儿都谢了」添加为「{LOGISTICS}」的差评说法"
    assert "等到花儿都谢了" in load_draft().aspect(LOGISTICS).added
    assert AspectLexicon.load().fingerprint != fingerprint  # the next analysis re-reads every review

    food = next(p for p in load_draft().packs() if "口味" in p.aspects)
    changes = run_op(lexicon.set_pack, store, food.category, False)
    assert changes.kinds == {LEXICON} and changes.summary == f"「{food.category}」类目词表已关闭"
    assert not next(p for p in load_draft().packs() if p.file == food.file).on

    changes = run_op(lexicon.remove_word, store, LOGISTICS, "negative", "等到花儿都谢了")
    assert changes.kinds == {LEXICON} and "等到花儿都谢了" not in load_draft().aspect(LOGISTICS).words["negative"]

    draft = load_draft()  # the editor's way: a whole draft at once
    draft.set_pack(food.file, True)
    draft.add_word(MAIN, LOGISTICS, "positive", "神速到货")
    changes = run_op(lexicon.save, store, draft)
    assert changes.kinds == {LEXICON} and not draft.modified()
    saved = load_draft()
    assert "神速到货" in saved.aspect(LOGISTICS).words["positive"] and food.file in saved.packs_on()

    changes = run_op(lexicon.restore, store)
    assert changes.kinds == {LEXICON} and changes.value == [copy] and not copy.exists()
    assert AspectLexicon.load().fingerprint == fingerprint
    changes = run_op(lexicon.restore, store)
    assert not changes.changed and changes.summary == "本来就在使用内置词表。"


def test_refused_lexicon_edits_write_nothing(store: Store) -> None:
    copy = user_resources_dir() / "lexicons" / MAIN
    refused = [
        (lexicon.add_word, (LOGISTICS, "negative", "很好")),  # a generic opinion word
        (lexicon.add_word, ("没有这个方面", "negative", "太慢了")),
        (lexicon.remove_word, (LOGISTICS, "negative", "不在词表里的词")),
        (lexicon.set_pack, ("宠物用品", True)),
    ]
    for op, args in refused:
        with pytest.raises(LexiconEditError):
            run_op(op, store, *args)
        assert not copy.exists(), op.__name__
    run_op(lexicon.add_word, store, LOGISTICS, "negative", "等到花儿都谢了")
    before = copy.read_bytes()
    draft = load_draft()
    draft.add_aspect("售后")  # an aspect without words cannot be saved
    with pytest.raises(LexiconEditError, match="还没有词"):
        run_op(lexicon.save, store, draft)
    assert copy.read_bytes() == before and draft.modified()
