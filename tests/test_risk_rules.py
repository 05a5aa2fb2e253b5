"""Risk rule packs: one-pass matching, negation, exclusions, protected product names, bad patterns."""

from __future__ import annotations

import json

import pytest

from cxdesk.analysis.risk_rules import RuleError, check_pattern, load_pack
from cxdesk.paths import resources_dir, user_resources_dir


@pytest.fixture
def pack():
    return load_pack()


def _ids(pack, text: str, role: str = "buyer", protected: tuple[str, ...] = ()) -> list[str]:
    return [h.rule_id for h in pack.match(text, role, protected)]


@pytest.mark.parametrize("text", ["不会给差评的，放心", "没有要投诉的意思", "不用退款了，谢谢", "我不想投诉，只想换货"])
def test_negated_threats_do_not_fire(pack, text: str) -> None:
    assert _ids(pack, text) == []


def test_real_threats_fire_with_spans_on_the_original_text(pack) -> None:
    text = "再不处理我就给差评，还要投诉到12315"
    hits = pack.match(text, "buyer")
    assert [h.rule_id for h in hits] == ["threat.bad_review", "complaint.platform", "complaint.regulator"]
    assert [text[h.start : h.end] for h in hits] == ["给差评", "投诉", "12315"]
    assert {h.level for h in hits} == {"高", "中"}


def test_words_inside_protected_product_names_do_not_fire(pack) -> None:
    assert _ids(pack, "收到的防破损手机壳很好用", protected=("防破损手机壳",)) == []
    assert _ids(pack, "防破损手机壳到手就破损了", protected=("防破损手机壳",)) == ["quality.broken"]


def test_ascii_words_must_stand_alone_and_exclusions_apply(pack) -> None:
    assert _ids(pack, "你是sb吗") == ["abuse.buyer"]
    assert _ids(pack, "usb接口没反应") == []
    assert _ids(pack, "滚筒洗衣机有异响", role="agent") == []
    assert _ids(pack, "收到衣服了") == []


def test_rules_apply_only_to_their_roles(pack) -> None:
    assert _ids(pack, "爱买不买", role="agent") == ["agent.rude"]
    assert _ids(pack, "爱买不买", role="buyer") == []
    assert set(_ids(pack, "亲，好评返现5元，加我微信 wx: shop_888", role="agent")) == {
        "agent.review_cashback",
        "agent.off_platform",
    }


@pytest.mark.parametrize(
    "pattern, reason",
    [("(?=a)b", "前瞻断言"), ("(\\w)\\1", "反向引用"), ("[", "无法识别"), ("x*", "空文本"), ("a" * 300, "过长")],
)
def test_bad_user_patterns_are_refused_with_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(RuleError, match=reason):
        check_pattern(pattern, "my.rule")


def test_user_rules_are_added_and_change_the_version(pack) -> None:
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "user_rules.json").write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "id": "my.competitor",
                        "category": "竞品",
                        "level": "低",
                        "applies_to": ["buyer"],
                        "words": ["某某家更便宜"],
                    }
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    mine = load_pack()
    assert mine.version != pack.version
    assert _ids(mine, "某某家更便宜啊") == ["my.competitor"]


def test_a_broken_user_rule_is_reported_not_ignored() -> None:
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "user_rules.json").write_text(
        json.dumps({"rules": [{"id": "bad", "level": "紧急", "applies_to": ["buyer"], "words": ["x"]}]}),
        encoding="utf-8",
    )
    pack = load_pack()  # a stored rule never stops the analysis: skipped, and said so
    assert "bad" not in pack.rules
    assert [p.rule_id for p in pack.problems] == ["bad"] and "级别“紧急”无效" in pack.problems[0].describe()


def test_user_rules_are_checked_saved_and_used_by_the_pack():
    from cxdesk.analysis.risk_rules import RuleError, delete_user_rule, load_pack, read_user_rules, save_user_rule

    before = load_pack().version
    rule = save_user_rule(
        {
            "id": "发错颜色",
            "category": "质量/假货",
            "level": "中",
            "applies_to": ["buyer"],
            "words": ["发错颜色", "颜色发错"],
            "exclude": ["没有发错颜色"],
            "negatable": True,
        }
    )
    assert rule.id == "user.发错颜色"
    pack = load_pack()
    assert pack.version != before and "user.发错颜色" in pack.rules
    assert [h.rule_id for h in pack.match("你们发错颜色了", "buyer")] == ["user.发错颜色"]
    assert pack.match("你们发错颜色了", "agent") == []
    # Bad rules are refused with a reason and leave the saved ones as they were.
    for bad, reason in [
        ({"id": "x", "level": "中", "applies_to": ["buyer"], "words": ["好"]}, "至少两个字"),
        ({"id": "x", "level": "超高", "applies_to": ["buyer"], "words": ["退钱"]}, "级别"),
        ({"id": "x", "level": "中", "applies_to": ["buyer"], "patterns": ["(a)\\1+$"]}, "反向引用"),
        ({"id": "x", "level": "中", "applies_to": ["buyer"], "patterns": [".*"]}, "空文本"),
        ({"id": "", "level": "中", "applies_to": ["buyer"], "words": ["退钱"]}, "名称"),
    ]:
        with pytest.raises(RuleError, match=reason):
            save_user_rule(bad)
    assert [r["id"] for r in read_user_rules()] == ["user.发错颜色"]
    assert delete_user_rule("user.发错颜色") and read_user_rules() == []
    assert load_pack().version == before


def test_exclude_patterns_cancel_the_hits_they_cover_and_bad_ones_are_refused() -> None:
    from cxdesk.analysis.risk_rules import delete_user_rule, save_user_rule

    save_user_rule(
        {
            "id": "发错颜色",
            "category": "质量/假货",
            "level": "中",
            "applies_to": ["buyer"],
            "words": ["发错颜色"],
            "exclude_patterns": ["(?:没有|没)[^，。]{0,3}发错颜色"],
        }
    )
    pack = load_pack()
    assert _ids(pack, "你们发错颜色了") == ["user.发错颜色"]
    assert _ids(pack, "这次没有再发错颜色，谢谢") == []
    assert _ids(pack, "上次没问题，这次发错颜色了") == ["user.发错颜色"]  # the match must cover the hit
    with pytest.raises(RuleError, match="反向引用"):
        save_user_rule(
            {"id": "x", "level": "中", "applies_to": ["buyer"], "words": ["退钱"], "exclude_patterns": ["(a)\\1"]}
        )
    assert delete_user_rule("user.发错颜色")


def test_the_packs_fear_and_doubt_lists_are_checked_like_the_negators() -> None:
    data = json.loads((resources_dir() / "rules" / "risk_rules.json").read_text(encoding="utf-8"))
    assert "怕" in data["hypothetical_markers"] and "恐怕" in data["hypothetical_not"]
    data["hypothetical_markers"] = "怕"  # a hand edit: not a list
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "risk_rules.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pack = load_pack()
    assert any("hypothetical_markers 应为文字列表" in p.reason for p in pack.problems)
    assert _ids(pack, "怕坏了", role="review") == ["quality.broken"]  # no markers: the hit stays
