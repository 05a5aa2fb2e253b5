"""Buyer turns and agent replies in one chat session: the basis of every timing figure.

Definitions (shared by the risk flags for slow replies and the agent KPIs):

* system and bot messages are left out;
* a buyer's consecutive messages form one **turn**; the turn starts at its
  first message;
* the **reply** to a turn is the agent's first message after it; the wait is
  measured from the turn's first message to that reply;
* agent messages before the first buyer message (the agent speaks first)
  answer nothing;
* a turn with no agent message after it is **unanswered**;
* messages without a time give turns without waits (``None``), never zero; so do
  unreadable or implausible stored times (:func:`cxdesk.times.stored_datetime`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cxdesk.times import stored_datetime


@dataclass(frozen=True)
class Turn:
    """One buyer turn: when it started, who replied when, and the wait in seconds."""

    first_seq: int
    started_at: str | None
    messages: int
    reply_seq: int | None
    reply_at: str | None
    replied_by: str | None
    wait_s: float | None
    last_text: str | None = None  # the turn's last buyer message, when the caller passed texts

    @property
    def answered(self) -> bool:
        return self.reply_seq is not None


def buyer_turns(messages: Iterable[Sequence]) -> list[Turn]:
    """Turns of one session from its messages ``(seq, role, sender, sent_at[, content])`` in order."""
    turns: list[Turn] = []
    open_turn: dict | None = None
    for seq, role, sender, sent_at, *content in messages:
        if role == "buyer":
            if open_turn is None:
                open_turn = {"first_seq": seq, "started_at": sent_at, "messages": 0}
            open_turn["messages"] += 1
            open_turn["last_text"] = content[0] if content else None
        elif role == "agent" and open_turn is not None:
            start, reply = stored_datetime(open_turn["started_at"]), stored_datetime(sent_at)
            wait = (reply - start).total_seconds() if start and reply else None
            turns.append(
                Turn(
                    open_turn["first_seq"],
                    open_turn["started_at"],
                    open_turn["messages"],
                    seq,
                    sent_at,
                    sender,
                    wait,
                    open_turn["last_text"],
                )
            )
            open_turn = None
    if open_turn is not None:
        turns.append(
            Turn(
                open_turn["first_seq"],
                open_turn["started_at"],
                open_turn["messages"],
                None,
                None,
                None,
                None,
                open_turn["last_text"],
            )
        )
    return turns
