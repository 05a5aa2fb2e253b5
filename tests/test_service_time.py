"""服务时效 flags from buyer turns, with platform thresholds as data."""

from __future__ import annotations

from cxdesk.analysis.service_time import counted_seconds, session_flags, timing_for
from cxdesk.analysis.turns import buyer_turns


def _session(*rows):
    """Messages (role, time[, text]); a buyer line without text asks a question."""
    return buyer_turns([(i + 1, r[0], "s", r[1], r[2] if len(r) > 2 else "有货吗") for i, r in enumerate(rows)])


def test_platform_thresholds_come_from_the_resource() -> None:
    assert timing_for("taobao").warn_s == 100 and timing_for("taobao").limit_s == 180
    assert timing_for("pdd").counted_hours == (8, 23)
    assert timing_for("unknown-platform") == timing_for("default")


def test_pdd_counts_only_working_hours() -> None:
    # 22:30 → next day 08:30: 30 min before 23:00 and 30 min after 08:00.
    assert counted_seconds("2024-05-01 22:30:00", "2024-05-02 08:30:00", (8, 23)) == 3600
    assert counted_seconds("2024-05-01 22:30:00", "2024-05-02 08:30:00", None) == 36000


def test_slow_and_over_limit_replies_on_taobao() -> None:
    slow = _session(("buyer", "2024-05-01 10:00:00"), ("agent", "2024-05-01 10:02:00"))  # 120 s
    over = _session(
        ("buyer", "2024-05-01 10:00:00"),
        ("agent", "2024-05-01 10:00:20"),
        ("buyer", "2024-05-01 10:05:00"),
        ("agent", "2024-05-01 10:10:00"),
    )  # worst 300 s
    fast = _session(("buyer", "2024-05-01 10:00:00"), ("agent", "2024-05-01 10:00:30"))
    assert [(f.rule_id, f.level, f.evidence["wait_s"]) for f in session_flags(slow, "taobao")] == [
        ("service.slow_reply", "低", 120.0)
    ]
    flags = session_flags(over, "taobao")
    assert [(f.rule_id, f.evidence["seq"], f.evidence["wait_s"]) for f in flags] == [("service.over_limit", 3, 300.0)]
    assert session_flags(fast, "taobao") == []


def test_the_same_wait_is_fine_on_pdd() -> None:
    over_on_taobao = _session(("buyer", "2024-05-01 10:00:00"), ("agent", "2024-05-01 10:10:00"))
    assert session_flags(over_on_taobao, "pdd") == []


def test_unanswered_and_no_agent_reply() -> None:
    left = _session(
        ("buyer", "2024-05-01 10:00:00"), ("agent", "2024-05-01 10:00:10"), ("buyer", "2024-05-01 10:01:00")
    )
    ignored = _session(("buyer", "2024-05-01 10:00:00"), ("buyer", "2024-05-01 10:03:00"))
    assert [f.rule_id for f in session_flags(left, "jd")] == ["service.unanswered"]
    assert [(f.rule_id, f.level) for f in session_flags(ignored, "jd")] == [("service.no_agent_reply", "高")]


def test_sessions_without_times_get_no_timing_flags() -> None:
    untimed = _session(("buyer", None), ("agent", None))
    assert session_flags(untimed, "taobao") == []


def test_a_closing_thank_you_needs_no_answer() -> None:
    msgs = [
        (1, "buyer", "b", "2024-05-01 10:00:00", "什么时候发货"),
        (2, "agent", "s", "2024-05-01 10:00:20", "今天发"),
        (3, "buyer", "b", "2024-05-01 10:00:40", "好的，谢谢！"),
    ]
    assert session_flags(buyer_turns(msgs), "taobao") == []
    msgs[2] = (3, "buyer", "b", "2024-05-01 10:00:40", "那运费险有吗")
    assert [f.rule_id for f in session_flags(buyer_turns(msgs), "taobao")] == ["service.unanswered"]


def test_only_unanswered_questions_count() -> None:
    base = [(1, "buyer", "b", "2024-05-01 10:00:00", "在吗"), (2, "agent", "s", "2024-05-01 10:00:10", "在的")]
    statement = base + [(3, "buyer", "b", "2024-05-01 10:01:00", "已下单 记得送小礼物哈")]
    question = base + [(3, "buyer", "b", "2024-05-01 10:01:00", "什么时候能到")]
    assert session_flags(buyer_turns(statement), "taobao") == []
    assert [f.rule_id for f in session_flags(buyer_turns(question), "taobao")] == ["service.unanswered"]
