"""The abusive-language classifier in the engine: 辱骂 flags on buyer and agent messages."""

from __future__ import annotations

import json
from pathlib import Path

from cxdesk.analysis.engine import analyze
from cxdesk.paths import resources_dir, user_resources_dir
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext

LINES = [
    ("buyer", "你们这群骗子，脑子有病吧"),
    ("agent", "亲，在的，请问有什么可以帮您"),
    ("agent", "你是不是傻，看不懂字吗"),
    ("buyer", "好的谢谢"),
]


def _model_flags(db: Path) -> dict[str, str]:
    with open_store(db) as store:
        return {
            content: level
            for content, level in store.conn.execute(
                "SELECT m.content, f.level FROM risk_flags f JOIN chat_messages m ON f.target_type = 'message' "
                "AND f.target_id = m.id WHERE f.rule_id LIKE 'abuse.model.%'"
            )
        }


def test_classifier_flags_insults_of_either_side_and_survives_a_rule_pack_change(tmp_path: Path):
    db = tmp_path / "a.sqlite3"
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        msgs = [
            {
                "msg_hash": i,
                "seq": i,
                "role": role,
                "sender": "店:小美" if role == "agent" else "买家",
                "sent_at": f"2024-05-01 10:0{i}:00",
                "content": text,
            }
            for i, (role, text) in enumerate(LINES)
        ]
        with store.transaction():
            store.chats.insert_sessions(shop.id, None, [{"session_key": "s", "buyer_nick": "买家", "messages": msgs}])
    first = analyze(TaskContext(), db, workers=1)
    assert [s.processed for s in first.stages if s.stage == "risk.abuse_model"] == [4]
    assert _model_flags(db) == {"你们这群骗子，脑子有病吧": "中", "你是不是傻，看不懂字吗": "高"}
    # A new rule pack rescans the rules and prunes; the classifier's flags come back.
    pack = json.loads((resources_dir() / "rules" / "risk_rules.json").read_text(encoding="utf-8"))
    pack["rules"][0]["words"].append("测试新词")
    override = user_resources_dir() / "rules" / "risk_rules.json"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(json.dumps(pack, ensure_ascii=False), encoding="utf-8")
    analyze(TaskContext(), db, workers=1)
    assert _model_flags(db) == {"你们这群骗子，脑子有病吧": "中", "你是不是傻，看不懂字吗": "高"}
