"""Agent KPIs on a hand-worked fixture (tests/fixtures/agents/hand_worked.json).

The arithmetic behind each expected value is in the comments; the fixture
covers a buyer turn across midnight (s1), an agent who speaks first and a
reply in the same second (s2), a transfer with bot and system lines in
between (s2), a session nobody answered (s3) and an unanswered question
(s4). Times are Taobao's: slow from 100 s.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cxdesk.analysis.agent_kpis import TEAM, drill, kpi_table, load_frames, period_keys
from cxdesk.store import Store

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "agents" / "hand_worked.json"
XM, AQ = "店:小美", "店:阿强"


def load_fixture(store: Store, *, times: bool = True, orders: bool = True, name: str = "测试店") -> None:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    sessions = []
    for s in data["sessions"]:
        msgs = [
            {"msg_hash": i, "seq": i, "role": role, "sender": sender, "sent_at": at if times else None, "content": text}
            for i, (role, sender, at, text) in enumerate(s["messages"], start=1)
        ]
        sessions.append({"session_key": s["key"], "buyer_nick": s["buyer"], "messages": msgs})
    with store.transaction():
        shop = store.shops.get_or_create("taobao", name)
        store.chats.insert_sessions(shop.id, None, sessions)
        if orders:
            store.orders.insert_many(shop.id, None, data["orders"])


def row(table: pd.DataFrame, agent: str, period: str = "全部") -> pd.Series:
    hits = table[(table["agent"] == agent) & (table["period"] == period)]
    assert len(hits) == 1, (agent, period, table[["agent", "period"]])
    return hits.iloc[0]


@pytest.fixture
def frames(store: Store, db_path: Path):
    load_fixture(store)
    return load_frames(None, db_path)


def test_counts_per_agent_and_team(frames) -> None:
    t = kpi_table(frames, "all")
    xm, aq, team = row(t, XM), row(t, AQ), row(t, TEAM)
    assert (xm.sessions, xm.buyers, xm.buyer_msgs, xm.agent_msgs, xm.chars) == (2, 2, 4, 4, 32)
    # 阿强 owns s2's second turn (2 buyer messages) and both turns of s4 (the unanswered one too).
    assert (aq.sessions, aq.buyers, aq.buyer_msgs, aq.agent_msgs, aq.chars) == (2, 2, 4, 2, 7)
    assert xm.answer_ratio == 1.0 and aq.answer_ratio == 0.5
    # The team counts every session, also s3 that no agent answered; bot and system lines never count.
    assert (team.sessions, team.buyers, team.buyer_msgs, team.agent_msgs) == (4, 3, 9, 6)
    assert t["is_team"].tolist() == [False, False, True]


def test_reply_times_across_midnight_same_second_and_transfer(frames) -> None:
    t = kpi_table(frames, "all")
    xm, aq, team = row(t, XM), row(t, AQ), row(t, TEAM)
    # 小美: first replies 120 s (23:59:00 → 00:01:00, s1) and 0 s (same second, s2; her opening line answers nothing).
    assert xm.first_resp == 60 and xm.first_resp_median == 60
    assert xm.avg_resp == pytest.approx((120 + 10 + 0) / 3)
    # 阿强: s2's second turn waits 180 s from its first message (10:06:00 → 10:09:00); s4 20 s.
    assert aq.first_resp == 20 and aq.avg_resp == 100
    assert team.first_resp == pytest.approx((120 + 0 + 20) / 3) and team.first_resp_median == 20
    assert team.avg_resp == 66
    # 3-minute rate: 180 s is inside; the unanswered question of s4 counts as missed.
    assert xm.rate_3min == 1.0 and aq.rate_3min == pytest.approx(2 / 3)
    assert xm.rate_30s == pytest.approx(2 / 3) and aq.rate_30s == pytest.approx(1 / 3)
    assert team.rate_3min == pytest.approx(5 / 7) and team.rate_30s == pytest.approx(3 / 7)
    assert (xm.slow, aq.slow, team.slow) == (1, 1, 2)  # 120 s and 180 s are over Taobao's 100 s


def test_unanswered_transfers_durations(frames) -> None:
    t = kpi_table(frames, "all")
    xm, aq, team = row(t, XM), row(t, AQ), row(t, TEAM)
    assert (xm.unanswered, aq.unanswered, team.unanswered) == (0, 1, 2)
    assert aq.reply_rate == 0.5 and team.reply_rate == pytest.approx(1 / 3)
    assert (xm.transfers, aq.transfers, team.transfers) == (1, 0, 1)
    assert xm.avg_duration == (140 + 300) / 2 and aq.avg_duration == (180 + 60) / 2
    assert team.avg_duration == (140 + 540 + 0 + 60) / 4
    assert (xm.max_concurrent, aq.max_concurrent, xm.long_buyers) == (1, 1, 0)


def test_periods_use_the_session_start(frames) -> None:
    t = kpi_table(frames, "day")
    # s1 starts 06-01 23:59: its reply after midnight counts on 06-01.
    assert row(t, XM, "2024-06-01").first_resp == 120
    assert row(t, XM, "2024-06-02").first_resp == 0
    assert row(t, AQ, "2024-06-03").unanswered == 1
    assert set(t["period"]) == {"2024-06-01", "2024-06-02", "2024-06-03"}
    week = kpi_table(frames, "week")
    assert set(week["period"]) == {"2024-05-27", "2024-06-03"}  # Mondays
    assert set(kpi_table(frames, "month")["period"]) == {"2024-06"}


def test_conversion_same_day_and_next_day(frames) -> None:
    same = kpi_table(frames, "all", window="same_day")
    xm, aq, team = row(same, XM), row(same, AQ), row(same, TEAM)
    assert xm.inquiry_buyers == 1 and xm.order_rate == 0 and math.isnan(xm.avg_order_value)
    # 阿强 finished s2 (乙 orders and pays 100 the same day) and s4 (甲 orders unpaid the same day).
    assert (aq.inquiry_buyers, aq.order_rate, aq.pay_rate, aq.sales, aq.avg_order_value) == (2, 1.0, 0.5, 100, 100)
    assert (team.inquiry_buyers, team.sales) == (3, 100) and team.pay_rate == pytest.approx(1 / 3)
    # 次日: 丙's order the next morning now counts for s3 (paid, then refunded).
    nxt = row(kpi_table(frames, "all", window="next_day"), TEAM)
    assert nxt.pay_rate == pytest.approx(2 / 3) and nxt.sales == 180 and nxt.refund_rate == 0.5


def test_without_orders_conversion_is_empty(store: Store, db_path: Path) -> None:
    load_fixture(store, orders=False)
    t = kpi_table(load_frames(None, db_path), "all")
    assert t["inquiry_buyers"].isna().all() and t["pay_rate"].isna().all() and t["conversion"].isna().all()


def test_file_without_times_gives_empty_time_kpis_not_zero(store: Store, db_path: Path) -> None:
    load_fixture(store, times=False)
    t = kpi_table(load_frames(None, db_path), "all")
    xm = row(t, XM)
    assert xm.sessions == 2 and xm.agent_msgs == 4  # counts still work
    for key in (
        "first_resp",
        "avg_resp",
        "rate_3min",
        "rate_30s",
        "slow",
        "avg_duration",
        "max_concurrent",
        "long_buyers",
    ):
        assert math.isnan(xm[key]), key
    assert set(kpi_table(load_frames(None, db_path), "day")["period"]) == {"无时间"}


def test_capability_from_hand_counts(frames) -> None:
    t = kpi_table(frames, "all")
    xm, aq = row(t, XM), row(t, AQ)
    # Speed: 0.3·(2/3) + 0.4·1 + 0.3·(180−43.33)/(180−15) = 0.8485
    assert xm.speed == 84.8
    # Attitude: greeting 1/2, closing 1/2, courtesy 3/4 (no risk run, no sentiment: those parts left out)
    assert xm.attitude == 58.3
    # Expertise: of 2 answered questions, s2's was deferred (我问一下) and then transferred away
    assert xm.expertise == 50.0 and aq.expertise == 100.0
    assert math.isnan(xm.compliance) and math.isnan(xm.resolution)
    # Composite over the known dimensions: (84.8·25 + 58.3·20 + 50·15 + 0·10) / 70
    assert xm.score == round((84.8 * 25 + 58.3 * 20 + 50 * 15 + 0 * 10) / 70, 1)


def test_agent_flags_and_repeat_feed_compliance_and_resolution(store: Store, db_path: Path) -> None:
    load_fixture(store)
    conn = store.conn
    msg = conn.execute("SELECT id FROM chat_messages WHERE content = '看详情页'").fetchone()[0]
    s1 = conn.execute("SELECT id FROM chat_sessions WHERE session_key = 's1'").fetchone()[0]
    s4 = conn.execute("SELECT id FROM chat_sessions WHERE session_key = 's4'").fetchone()[0]
    with store.transaction():
        conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, rules_version) "
            "VALUES ('message', ?, 'agent.rude', '客服违规', '高', 't')",
            (msg,),
        )
        conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, evidence, rules_version) "
            "VALUES ('session', ?, 'repeat.same_issue', '重复咨询', '中', ?, 't')",
            (s4, json.dumps({"previous_session": s1})),
        )
        store.meta.set("risk.scanned_to.message.t", "1")
    t = kpi_table(load_frames(None, db_path), "all")
    assert row(t, AQ).compliance == 50.0  # 1 of 阿强's 2 sessions has an agent flag
    assert row(t, XM).compliance == 100.0
    assert row(t, XM).resolution == 50.0  # s1: the buyer came back about the same issue
    # A flag marked 误报 no longer counts.
    with store.transaction():
        conn.execute("UPDATE risk_flags SET status = '误报' WHERE rule_id = 'agent.rude'")
    assert row(kpi_table(load_frames(None, db_path), "all"), AQ).compliance == 100.0


def test_drill_lists_the_turns_behind_a_number(frames) -> None:
    slow = drill(frames, "slow", AQ, "all", "全部")
    assert slow["wait"].tolist() == [180] and slow["seq"].tolist() == [4] and slow["reply_seq"].tolist() == [8]
    assert len(drill(frames, "slow", None, "all", "全部")) == 2
    left = drill(frames, "unanswered", None, "all", "全部")
    assert sorted(left["seq"].tolist()) == [1, 3]
    assert len(drill(frames, "transfers", XM, "all", "全部")) == 1
    assert len(drill(frames, "expertise", XM, "all", "全部")) == 1
    assert drill(frames, "pay_rate", AQ, "all", "全部")["detail"].tolist() == ["下单 1 笔，付款 1 笔，金额 100.00 元"]
    assert drill(frames, "first_resp", XM, "day", "2024-06-01")["wait"].tolist() == [120]


def test_period_keys() -> None:
    import numpy as np

    start = np.array([0.0, 86_400 * 4, np.nan])  # 1970-01-01 (Thu), 01-05 (Mon)
    assert period_keys(start, "week").tolist() == ["1969-12-29", "1970-01-05", "无时间"]
    assert period_keys(start, "month").tolist() == ["1970-01", "1970-01", "无时间"]


def test_partial_composite_names_the_missing_dimensions(store: Store, db_path: Path) -> None:
    """Issue 17, point 8: a composite from fewer dimensions says which ones it lacks."""
    from cxdesk.analysis.capability import score_note
    from cxdesk.analysis.capability_config import load_config
    from cxdesk.analysis.agent_metrics import SCORE_MISSING
    from cxdesk.agent_export import export_frame

    load_fixture(store, times=False, orders=False)
    t = kpi_table(load_frames(None, db_path), "all")
    xm = row(t, XM)
    assert not math.isnan(xm.score) and math.isnan(xm.speed) and math.isnan(xm.conversion)
    missing = xm[SCORE_MISSING].split("、")
    # No times: no 响应速度; no orders: no 转化; no risk analysis: no 问题解决, 合规.
    assert {"响应速度", "转化", "问题解决", "合规"} <= set(missing) and "服务态度" not in missing
    note = score_note(xm, load_config())
    assert note.startswith(f"按 {6 - len(missing)}/6 个维度计算") and "响应速度" in note
    assert export_frame(t)["综合得分缺少的维度"].iloc[0] == xm[SCORE_MISSING]


def test_complete_composite_has_no_note(frames) -> None:
    from cxdesk.analysis.agent_metrics import SCORE_MISSING

    t = kpi_table(frames, "all")
    # With times and orders only the risk-based dimensions are missing (no risk run in this fixture).
    assert set(row(t, XM)[SCORE_MISSING].split("、")) == {"问题解决", "合规"}
