"""Risk scores 0–100 with reasons; 重复咨询 and 激烈情绪 session flags; triage lowers a score."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.analysis.risk import rescore
from cxdesk.analysis.session_course import Course, course_of
from cxdesk.analysis.session_risk import FlagInfo, ScoreConfig, repeat_contact, score_review, score_session, topics_of
from cxdesk.paths import resources_dir
from cxdesk.store import open_store
from cxdesk.store.risk_scores import RiskScoresRepo
from cxdesk.tasks import TaskContext


@pytest.fixture(scope="module")
def config() -> ScoreConfig:
    return ScoreConfig.load(resources_dir() / "rules" / "risk_score.json")


def _calm(n: int = 2) -> Course:
    """A course of ``n`` calm buyer turns, each answered."""
    return course_of([m for i in range(n) for m in (("buyer", f"第{i}个问题", 0.5), ("agent", f"回答{i}", 0.5))])


def test_each_category_counts_once_at_its_highest_level_and_false_alarms_not_at_all(config):
    flags = [
        FlagInfo("投诉/监管威胁", "高", text="我要投诉"),
        FlagInfo("投诉/监管威胁", "中"),
        FlagInfo("退款退货纠纷", "中", text="退款"),
    ]
    sc = score_session(flags, _calm(), config)
    # 高 35 + 中 25 = 60, cut to the rules cap of 45: the cut part says so.
    assert sc.score == 45 and sc.level == "中"
    assert sc.reasons == "投诉/监管威胁·高“我要投诉” +35；退款退货纠纷·中“退款” +10（规则分封顶 45）"
    triaged = [FlagInfo("投诉/监管威胁", "高", status="误报"), FlagInfo("退款退货纠纷", "中")]
    sc = score_session(triaged, _calm(), config)
    assert sc.score == 25 and sc.level == "低" and sc.reasons == "退款退货纠纷·中 +25"
    assert score_session([], _calm(1), config).level == "无"


def test_buyer_getting_angrier_and_ending_negative_add_to_the_score(config):
    calm = score_session(
        [],
        course_of(
            [
                ("buyer", "在吗", 0.6),
                ("agent", "在的", 0.6),
                ("buyer", "几天发货", 0.55),
                ("agent", "48小时内", 0.5),
                ("buyer", "好的", 0.6),
            ]
        ),
        config,
    )
    angry = score_session(
        [],
        course_of(
            [
                ("buyer", "在吗", 0.6),
                ("agent", "在的", 0.6),
                ("buyer", "几天发货", 0.55),
                ("agent", "48小时内", 0.5),
                ("buyer", "怎么还没发", 0.3),
                ("agent", "亲，在催了", 0.5),
                ("buyer", "垃圾店", 0.05),
            ]
        ),
        config,
    )
    assert calm.score == 0 and calm.reasons == ""
    # tone: 40 × (0.5 × (0.4 − 0.05) / 0.4 + 0.5 × 2/3) = 30.8; course: 0.60 → 0.05 (first and last
    # of 4 turns) +10; answer: the last, negative turn got no reply +20.
    assert angry.score == 61 and angry.level == "高"
    assert angry.reasons == (
        "买家负面 2/4 轮，最重“垃圾店” 0.05 +31；买家最后的负面消息没有得到回复“垃圾店” +20；买家情绪变差 0.60→0.05 +10"
    )


def test_flag_points_are_capped_and_the_total_is_at_most_100(config):
    flags = [FlagInfo(c, "高") for c in ("投诉/监管威胁", "差评威胁", "辱骂", "客服违规")]
    angry = course_of(
        [
            ("buyer", "东西坏了", 0.2),
            ("agent", "亲，拍照看看", 0.5),
            ("buyer", "你们太差了", 0.02),
            ("agent", "亲，拍照看看", 0.5),
            ("buyer", "垃圾", 0.0),
        ]
    )
    sc = score_session(flags, angry, config)
    parts = sc.reasons.split("；")
    assert sc.score == 100 and sum(int(p.split("+")[1].split("（")[0]) for p in parts if "+" in p) == 100
    assert parts[0] == "买家负面 3/3 轮，最重“垃圾” 0.00 +40"  # 40 × (0.5 × 1 + 0.5 × 3/3)
    assert parts[1] == "投诉/监管威胁·高 +35" and "差评威胁·高 +5（总分封顶 100）" in parts
    assert "辱骂·高 不再加分（规则分封顶 45）" in parts  # over the rules cap: listed, no points, no "+0"
    assert score_session(flags, _calm(), config).score == 45  # the rules alone: their cap


def test_review_score_from_stars_sentiment_and_followup_shift(config):
    assert score_review([], 5, "正面", False, config).score == 0
    sc = score_review([], 5, "正面", True, config)
    assert sc.score == 25 and sc.reasons == "追评转差 +25"
    sc = score_review([FlagInfo("质量/假货", "中", text="假货")], 1, "负面", False, config)
    # 30 + 25 + 10; levels from the score: 高 from 60.
    assert sc.score == 65 and sc.level == "高" and sc.reasons == "1 星 +30；质量/假货·中“假货” +25；评价内容负面 +10"


def test_repeat_contact_needs_the_same_topic_within_the_window(config):
    assert topics_of(["退货地址发我", "什么时候发货"], config) == {"退换货/退款", "发货/物流"}
    assert topics_of(["地址写错了能改吗"], config) == {"地址/订单修改"}
    earlier = [(7, "2024-05-01 10:30:00", {"退换货/退款"}), (8, "2024-05-02 09:00:00", {"发票"})]
    found = repeat_contact("2024-05-02 20:30:00", {"退换货/退款"}, earlier, config)
    assert found == {"previous_session": 7, "topics": ["退换货/退款"], "hours": 34.0}
    assert repeat_contact("2024-05-03 12:00:00", {"退换货/退款"}, earlier, config) is None  # 49.5 h later
    assert repeat_contact("2024-05-02 20:30:00", {"尺码"}, earlier, config) is None
    assert repeat_contact(None, {"退换货/退款"}, earlier, config) is None


def _session(key: str, day: str, lines: list[tuple[str, str]], start_hash: int) -> dict:
    msgs = [
        {
            "msg_hash": start_hash + i,
            "seq": i,
            "role": role,
            "sender": "店:小美" if role == "agent" else "买家甲",
            "sent_at": f"{day} 10:{i:02d}:00",
            "content": text,
        }
        for i, (role, text) in enumerate(lines)
    ]
    return {"session_key": key, "buyer_nick": "买家甲", "messages": msgs}


def test_stage_flags_repeat_contact_scores_sessions_and_triage_lowers_the_score(tmp_path: Path):
    db = tmp_path / "r.sqlite3"
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        with store.transaction():
            store.chats.insert_sessions(
                shop.id,
                None,
                [
                    _session(
                        "s1",
                        "2024-05-01",
                        [("buyer", "衣服尺码小了，怎么退货"), ("agent", "亲，订单里申请退货就可以")],
                        0,
                    ),
                    _session(
                        "s2",
                        "2024-05-02",
                        [
                            ("buyer", "退货申请了没人处理"),
                            ("buyer", "再不处理我就投诉到12315"),
                            ("agent", "亲，马上为您处理"),
                        ],
                        100,
                    ),
                    _session("s3", "2024-05-20", [("buyer", "退货到账了吗"), ("agent", "已经退款了哦")], 200),
                ],
            )
    analyze(TaskContext(), db, workers=1)
    with open_store(db) as store:
        ids = {key: sid for sid, key in store.conn.execute("SELECT id, session_key FROM chat_sessions")}
        repeats = {
            r[0] for r in store.conn.execute("SELECT target_id FROM risk_flags WHERE rule_id = 'repeat.same_issue'")
        }
        assert repeats == {ids["s2"]}  # s3 is 18 days later: not a repeat
        repo = RiskScoresRepo(store.conn)
        score, level, reasons = repo.get("session", ids["s2"])
        assert score >= 70 and level == "高" and re.search("投诉/监管威胁·高“(投诉|12315)” \\+35", reasons)
        assert "重复咨询·中“退换货/退款” +25" in reasons.split("；")  # the topic both sessions share
        assert repo.get("session", ids["s3"])[1] in ("无", "低")
        flag_ids = [
            r[0]
            for r in store.conn.execute(
                "SELECT f.id FROM risk_flags f JOIN chat_messages m ON f.target_type = 'message' AND f.target_id = m.id "
                "WHERE m.session_id = ? AND f.category = '投诉/监管威胁'",
                (ids["s2"],),
            )
        ]
        assert len(flag_ids) == 2  # 投诉 and 12315
        with store.transaction():
            for flag_id in flag_ids:
                store.flags.set_status(flag_id, "误报", note="买家在开玩笑", handler="组长")
        rescore(store, "session", [ids["s2"]])
        lowered, _, reasons = repo.get("session", ids["s2"])
        assert lowered < score and "投诉/监管威胁" not in reasons
    again = analyze(TaskContext(), db, workers=1)
    assert [s.processed for s in again.stages if s.stage == "risk.sessions"] == [0]
    with open_store(db) as store:
        assert store.conn.execute("SELECT status, note FROM risk_flags WHERE id = ?", (flag_ids[0],)).fetchone() == (
            "误报",
            "买家在开玩笑",
        )
        assert RiskScoresRepo(store.conn).get("session", ids["s2"])[0] == lowered
