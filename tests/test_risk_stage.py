"""The risk stage in the engine: flags with evidence, incremental, human triage kept."""

from __future__ import annotations

import json
from pathlib import Path

from cxdesk.analysis.engine import analyze
from cxdesk.paths import user_resources_dir
from cxdesk.store import Store, open_store
from cxdesk.tasks import TaskContext

MESSAGES = [
    ("buyer", "东西坏了，再不处理我就去12315投诉"),
    ("agent", "亲，非常抱歉，马上为您处理"),
    ("buyer", "不会给差评的，放心"),
    ("agent", "爱买不买"),
]


def _fill(store: Store, key: str = "s1", offset: int = 0) -> None:
    shop = store.shops.get_or_create("taobao", "测试店")
    with store.transaction():
        store.chats.insert_sessions(
            shop.id,
            None,
            [
                {
                    "session_key": key,
                    "buyer_nick": "b",
                    "messages": [
                        {
                            "msg_hash": offset + i,
                            "seq": i,
                            "role": role,
                            "sender": None,
                            "sent_at": None,
                            "content": text,
                        }
                        for i, (role, text) in enumerate(MESSAGES)
                    ],
                }
            ],
        )
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {
                    "review_key": key,
                    "content": "用了三天就坏了",
                    "append_content": "客服不理人，垃圾",
                    "rating": 1,
                    "product_title": "防破损手机壳",
                    "sku": "颜色分类:破损保护款",
                }
            ],
        )


def _flags(store: Store) -> dict[tuple[str, str], dict]:
    rows = store.conn.execute(
        "SELECT f.target_type, COALESCE(m.content, r.content), f.rule_id, f.level, f.evidence, f.status, f.note "
        "FROM risk_flags f LEFT JOIN chat_messages m ON f.target_type='message' AND m.id=f.target_id "
        "LEFT JOIN reviews r ON f.target_type='review' AND r.id=f.target_id"
    ).fetchall()
    return {
        (r[1], r[2]): {"type": r[0], "level": r[3], "evidence": json.loads(r[4]), "status": r[5], "note": r[6]}
        for r in rows
    }


def test_flags_with_evidence_spans(db_path: Path) -> None:
    with open_store(db_path) as store:
        _fill(store)
    analyze(TaskContext(), db_path)
    with open_store(db_path) as store:
        flags = _flags(store)
    threat = flags[(MESSAGES[0][1], "complaint.regulator")]
    assert threat["level"] == "高" and threat["evidence"][0]["text"] == "12315"
    start, end = threat["evidence"][0]["start"], threat["evidence"][0]["end"]
    assert MESSAGES[0][1][start:end] == "12315"
    assert (MESSAGES[3][1], "agent.rude") in flags
    assert not any(text == MESSAGES[2][1] for text, _ in flags)  # negated threat
    assert not any(text == MESSAGES[1][1] for text, _ in flags)
    review = {rule for (text, rule), f in flags.items() if f["type"] == "review"}
    assert review == {"quality.broken", "emotion.strong"}  # 坏了 in the review, 垃圾 in its 追评


def test_rerun_is_incremental_and_keeps_triage(db_path: Path) -> None:
    with open_store(db_path) as store:
        _fill(store)
    analyze(TaskContext(), db_path)
    with open_store(db_path) as store:
        fid = store.conn.execute("SELECT id FROM risk_flags WHERE rule_id='agent.rude'").fetchone()[0]
        with store.transaction():
            store.flags.set_status(fid, "误报", note="是在引用买家的话", handler="组长")
    assert analyze(TaskContext(), db_path).processed == 0
    # A user rule changes the pack version: everything is rescanned, the triage survives.
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "user_rules.json").write_text(
        json.dumps(
            {
                "rules": [
                    {"id": "my.rule", "category": "自定义", "level": "低", "applies_to": ["buyer"], "words": ["放心"]}
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    summary = analyze(TaskContext(), db_path)
    assert any(s.stage == "risk.rules" and s.processed == 5 for s in summary.stages)
    with open_store(db_path) as store:
        flags = _flags(store)
        rude = flags[(MESSAGES[3][1], "agent.rude")]
        assert (rude["status"], rude["note"]) == ("误报", "是在引用买家的话")
        assert (MESSAGES[2][1], "my.rule") in flags
        # New messages after that are scanned on the next run only.
        _fill(store, key="s2", offset=100)
    summary = analyze(TaskContext(), db_path)
    assert any(s.stage == "risk.rules" and s.processed == 5 for s in summary.stages)
