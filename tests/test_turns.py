"""Buyer turns and reply waits, on sessions whose right answers are worked out by hand."""

from __future__ import annotations

from cxdesk.analysis.turns import buyer_turns


def test_consecutive_buyer_messages_are_one_turn_timed_from_its_first_message() -> None:
    msgs = [
        (1, "buyer", "b", "2024-05-01 10:00:00"),
        (2, "buyer", "b", "2024-05-01 10:00:40"),
        (3, "agent", "店:小美", "2024-05-01 10:01:30"),  # 90 s after the turn's first message
        (4, "buyer", "b", "2024-05-01 10:05:00"),
        (5, "agent", "店:小美", "2024-05-01 10:05:00"),  # same second: 0 s
        (6, "agent", "店:小美", "2024-05-01 10:05:20"),  # a second agent message answers nothing new
    ]
    turns = buyer_turns(msgs)
    assert [(t.first_seq, t.messages, t.reply_seq, t.wait_s) for t in turns] == [(1, 2, 3, 90.0), (4, 1, 5, 0.0)]
    assert all(t.answered for t in turns)


def test_turn_across_midnight_and_agent_speaking_first() -> None:
    msgs = [
        (1, "agent", "店:小李", "2024-05-01 23:58:00"),  # greets first: answers nothing
        (2, "buyer", "b", "2024-05-01 23:59:30"),
        (3, "agent", "店:小李", "2024-05-02 00:02:00"),  # 150 s across midnight
    ]
    assert [(t.first_seq, t.wait_s, t.replied_by) for t in buyer_turns(msgs)] == [(2, 150.0, "店:小李")]


def test_system_and_bot_messages_neither_answer_nor_split_a_turn() -> None:
    msgs = [
        (1, "buyer", "b", "2024-05-01 10:00:00"),
        (2, "bot", "店小蜜", "2024-05-01 10:00:01"),
        (3, "system", None, "2024-05-01 10:00:05"),
        (4, "buyer", "b", "2024-05-01 10:00:10"),
        (5, "agent", "店:阿强", "2024-05-01 10:04:00"),
    ]
    turns = buyer_turns(msgs)
    assert [(t.messages, t.wait_s) for t in turns] == [(2, 240.0)]


def test_unanswered_last_turn_and_missing_times() -> None:
    msgs = [
        (1, "buyer", "b", None),
        (2, "agent", "店:老周", None),
        (3, "buyer", "b", None),
    ]
    turns = buyer_turns(msgs)
    assert [(t.answered, t.wait_s) for t in turns] == [(True, None), (False, None)]
