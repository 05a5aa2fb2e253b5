"""The course of a chat session as the risk score reads it: the buyer's turns, their tone, the answers.

Definitions (``docs/metrics.md``, 风险分):

* system and bot messages are left out (as for reply times, :mod:`cxdesk.analysis.turns`): a
  bot's line is no answer;
* a buyer **turn** is the buyer's consecutive messages; its **tone** is the lowest sentiment
  score among them (its most negative line, kept for the reason);
* a turn is **answered** when an agent message follows it, and **really answered** when one of
  those agent messages is not a repeat of a line the agent had already sent in the session (a
  pasted stock answer sent again: 「你除了会复制粘贴同样的解释，还会什么」). Lines are compared
  without spaces, punctuation and case.

The first stock answer of a session is an answer: shops answer 「几天发货」 with a quick
phrase, and that is the job done.

A buyer line whose negative score only names a topic (「我要退款」, :meth:`ChatTone.topic_only`)
has no tone here: the request is a rule's (退款退货纠纷) to count, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_NOT_WORDS = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class BuyerTurn:
    """One buyer turn: its most negative message (score and text) and how it was answered."""

    score: float | None  # None: no message of the turn has a score (no content, not analysed yet)
    text: str
    answered: bool
    really_answered: bool
    closing: str = ""  # the turn's last message as written (a closing 「好的，谢谢」 is read from it)


@dataclass(frozen=True)
class Course:
    """The buyer's turns of one session, in order."""

    turns: tuple[BuyerTurn, ...] = ()

    @property
    def scored(self) -> list[BuyerTurn]:
        return [t for t in self.turns if t.score is not None]

    @property
    def last(self) -> BuyerTurn | None:
        return self.turns[-1] if self.turns else None


def _same_line(text: str | None) -> str:
    return _NOT_WORDS.sub("", text or "").lower()


def course_of(
    messages: Iterable[tuple[str, str | None, float | None]], topic_only: Callable[[str, float], bool] | None = None
) -> Course:
    """The course of one session from its messages ``(role, content, sentiment score)`` in order;
    ``topic_only(text, score)`` true: the buyer line's score is left out (see the module doc)."""
    turns: list[BuyerTurn] = []
    current: dict | None = None
    sent: set[str] = set()  # the agent's lines so far
    for role, text, score in messages:
        if role == "buyer":
            if score is not None and topic_only is not None and topic_only(text or "", float(score)):
                score = None
            if current is None or current["replies"]:
                if current is not None:
                    turns.append(_close(current))
                current = {"score": None, "text": "", "replies": [], "sent_before": frozenset(sent), "closing": ""}
            current["closing"] = text or ""
            if score is not None and (current["score"] is None or score < current["score"]):
                current["score"], current["text"] = float(score), text or ""
        elif role == "agent":
            line = _same_line(text)
            if current is not None:
                current["replies"].append(line)
            sent.add(line)
    if current is not None:
        turns.append(_close(current))
    return Course(tuple(turns))


def _close(turn: dict) -> BuyerTurn:
    replies = turn["replies"]
    real = any(line and line not in turn["sent_before"] for line in replies)
    return BuyerTurn(turn["score"], turn["text"], bool(replies), real, turn["closing"])
