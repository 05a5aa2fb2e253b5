"""One chat session under construction: its clock, its agent, its messages.

The agent's style lives here because it decides the timing: how long the
first reply takes (the slow agent often 3–15 minutes, the excellent one
under 30 seconds), whether the agent greets and closes politely, and which
answer list it draws from. ``ChatGenerator`` decides what is said; this
class decides when and by whom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cxdesk.demo import _phrases as P
from cxdesk.demo._catalog import PROMO_PEAK, PROMO_START, AgentSpec

if TYPE_CHECKING:
    from cxdesk.demo._chats import ChatGenerator

# (median seconds, log-sigma) of first and later reply delays per style.
_DELAY = {
    "excellent": ((9.0, 0.45), (16.0, 0.5)),
    "average": ((45.0, 0.6), (50.0, 0.6)),
    "curt": ((25.0, 0.6), (30.0, 0.6)),
    "slow": ((110.0, 0.45), (120.0, 0.7)),
}
_GREET_P = {"excellent": 0.97, "average": 0.55, "slow": 0.5, "curt": 0.12}
CLOSE_P = {"excellent": 0.95, "average": 0.5, "slow": 0.45, "curt": 0.2}


@dataclass
class Msg:
    role: str
    sender: str
    at: datetime
    content: str


@dataclass
class Session:
    buyer: str
    msgs: list[Msg] = field(default_factory=list)
    transferred: bool = False
    repeat: bool = False
    kind: str = ""


class Dialog:
    """Builds one session's messages while keeping its clock."""

    def __init__(
        self, gen: ChatGenerator, buyer: str, start: datetime, agent: AgentSpec | None, v: dict[str, str]
    ) -> None:
        self.g, self.rng, self.shop = gen, gen.rng, gen.shop
        self.s = Session(buyer)
        self.t = start
        self.agent = agent
        self.v = v
        self.replied = False
        self.step: dict[tuple[int, str], int] = {}
        self.busy = 1.3 if PROMO_START <= start.date() <= PROMO_PEAK else 1.0

    @property
    def style(self) -> str:
        return self.agent.style if self.agent else "average"

    def _add(self, role: str, sender: str, text: str) -> None:
        self.s.msgs.append(Msg(role, sender, self.t, text.format_map(self.v)))

    def buyer(self, texts: list[str], mood: str = "calm") -> None:
        rng = self.rng
        if self.s.msgs:
            self.t += timedelta(seconds=min(900.0, max(4.0, rng.lognormvariate(3.5, 0.8))))
        for i, text in enumerate(texts):
            if i:
                self.t += timedelta(seconds=rng.randint(3, 25))
            self._add("buyer", self.s.buyer, self.g.noisy(text.format_map(self.v), mood))

    def bot(self) -> None:
        self.t += timedelta(seconds=self.rng.randint(1, 2))
        greetings = P.BOT_GREET[self.shop.kind]
        if self.shop.kind == "kids":  # the Taobao bot advertises 618 only while it runs
            text = greetings[1] if self.busy > 1.0 and self.rng.random() < 0.5 else greetings[0]
        else:
            text = self.rng.choice(greetings)
        self._add("bot", self.shop.bot_account, text)
        if self.shop.platform == "taobao" and self.agent and self.rng.random() < 0.35:
            self.t += timedelta(seconds=self.rng.randint(1, 3))
            self._add("system", "系统", P.HANDOFF_NOTE.format(dst=self.shop.account(self.agent)))

    def agent_say(self, texts: list[str], greet: bool = True) -> None:
        if self.agent is None:
            return
        rng, style = self.rng, self.style
        (median, sigma) = _DELAY[style][1 if self.replied else 0]
        delay = rng.lognormvariate(_ln(median), sigma)
        if style == "slow" and not self.replied and rng.random() < 0.62:
            delay = rng.uniform(180, 900)
        elif style == "excellent" and not self.replied:
            delay = min(delay, 29.0) if rng.random() < 0.95 else rng.uniform(30, 70)
        self.t += timedelta(seconds=max(2.0, delay * self.busy))
        account = self.shop.account(self.agent)
        if style == "slow" and delay > 170 and rng.random() < 0.5:
            texts = [rng.choice(P.SLOW_SORRY), *texts]
        if greet and not self.replied and rng.random() < _GREET_P[style]:
            texts = [rng.choice(P.GREET[base_style(style)]), *texts]
        gap = (3, 12) if style == "excellent" else (5, 35)
        for i, text in enumerate(texts):
            if i:
                self.t += timedelta(seconds=rng.randint(*gap))
            self._add("agent", account, text)
        self.replied = True

    def answer(self, table: dict[str, tuple[str, ...]], ordered: bool = False) -> str:
        """An answer in the agent's style; ``ordered`` tables are walked in dialogue order."""
        style = base_style(self.style)
        if style == "curt" and self.rng.random() < 0.45:
            style = "average"  # even the curt agent mostly gives a plain answer
        options = table.get(style) or table["average"]
        if not ordered:
            return self.rng.choice(options)
        key = (id(table), style)
        i = self.step.get(key, 0)
        self.step[key] = i + 1
        return options[i] if i < len(options) else self.rng.choice(P.FILLER[style])

    def transfer(self, to: AgentSpec) -> None:
        src = self.shop.account(self.agent) if self.agent else "服务助手"
        self.t += timedelta(seconds=self.rng.randint(20, 90))
        self._add("system", "系统", P.TRANSFER_NOTE[self.shop.platform].format(src=src, dst=self.shop.account(to)))
        self.agent = to
        self.v = {**self.v, "agent": to.name}
        self.s.transferred = True
        self.replied = False
        self.agent_say([self.rng.choice(P.TRANSFER_HELLO)], greet=False)

    def close(self, accept: bool = True) -> None:
        if accept:
            self.buyer([self.rng.choice(P.BUYER_ACCEPT)])
        if self.rng.random() < CLOSE_P[self.style]:
            self.agent_say([self.rng.choice(P.CLOSE[base_style(self.style)])])


def _ln(x: float) -> float:
    return math.log(x)


def base_style(style: str) -> str:
    """The slow agent words things like the average one; only its timing differs."""
    return "average" if style == "slow" else style
