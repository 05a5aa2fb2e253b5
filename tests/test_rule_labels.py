"""Rules are named in Chinese wherever a person reads them (issue 17, point 5)."""

from __future__ import annotations

import json

from cxdesk.analysis.risk_rules import load_pack
from cxdesk.analysis.rule_labels import rule_label


def test_every_built_in_rule_and_engine_flag_has_a_chinese_name() -> None:
    pack = load_pack()
    for rid, rule in pack.rules.items():
        name = rule_label(rid, rule.category)
        assert name and not any(c.isascii() and c.isalpha() for c in name), (rid, name)
    for rid in (
        "service.over_limit",
        "service.slow_reply",
        "service.unanswered",
        "service.no_agent_reply",
        "repeat.same_issue",
        "emotion.sentiment",
        "abuse.model.buyer",
        "abuse.model.agent",
    ):
        assert "." not in rule_label(rid) and rule_label(rid) != rid
    assert rule_label("complaint.platform") == "买家要向平台投诉或申请介入"


def test_user_rules_are_named_by_their_name_or_category(tmp_path, monkeypatch) -> None:
    import cxdesk.analysis.risk_rules as rr

    path = tmp_path / "user_rules.json"
    path.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "id": "user.cold",
                        "name": "买家嫌发货慢",
                        "category": "服务时效",
                        "level": "中",
                        "applies_to": ["buyer"],
                        "words": ["还不发货"],
                    }
                ]
            },
            ensure_ascii=False,
        ),
        "utf-8",
    )
    monkeypatch.setattr(rr, "user_rules_path", lambda: path)
    assert rule_label("user.cold") == "买家嫌发货慢"
    assert rule_label("user.other", "退款退货纠纷") == "自定义规则（退款退货纠纷）"
    assert rule_label("unknown.rule", "辱骂") == "辱骂规则"
