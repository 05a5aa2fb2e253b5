"""Customer-service chat sessions with agents whose habits differ.

Each session is a sequence of *beats*: a buyer turn of 1–3 messages, then an
agent turn. The agent's style decides how fast the reply comes (the slow
agent's first reply often takes 3–15 minutes), how it is worded (the curt
agent is short and sometimes rude) and how often the buyer buys afterwards
(the excellent agent converts best). Pre-sale chats may place an order;
after-sale chats refer to an earlier order and may end in a refund, so
orders, chats and reviews tell one consistent story.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from cxdesk.demo import _phrases as P
from cxdesk.demo._catalog import (
    CITIES,
    DAYS,
    HOUR_WEIGHTS,
    REMOTE_CITIES,
    START_DATE,
    WINDOW_END,
    WINDOW_START,
    AgentSpec,
    Product,
    ShopSpec,
    day_weight,
    fmt,
)
from cxdesk.demo._dialog import CLOSE_P, Dialog, Session, base_style
from cxdesk.demo._orders import DemoOrder, OrderBook
from cxdesk.records import MessageRecord, SessionRecord, content_key

_LONG_NUMBER = re.compile(r"\d{8,}")
_CONVERT = {"excellent": 0.6, "average": 0.45, "slow": 0.33, "curt": 0.3, None: 0.08}
_THREAT_P = {"excellent": 0.04, "average": 0.1, "slow": 0.2, "curt": 0.25}  # per after-sale session
_THREAT_KIND = {
    "logistics": 0.5,
    "address": 0.2,
    "quality": 1.3,
    "slow_ship": 1.5,
    "wrong_item": 1.2,
    "size_wrong": 0.8,
}
_KINDS = ("presale", "logistics", "address", "quality", "size_wrong", "slow_ship", "wrong_item", "refund")
_KIND_W = (0.53, 0.16, 0.03, 0.08, 0.05, 0.03, 0.02, 0.10)
# How long before the chat the order was placed (days), per after-sale kind.
_ORDER_AGE = {
    "logistics": (1.0, 5.0),
    "address": (0.02, 0.6),
    "quality": (3.0, 10.0),
    "size_wrong": (3.0, 9.0),
    "slow_ship": (2.0, 4.0),
    "wrong_item": (3.0, 7.0),
    "refund": (0.1, 10.0),
}


class ChatGenerator:
    """Generates one shop's sessions and places the orders they imply."""

    def __init__(self, rng: random.Random, shop: ShopSpec, book: OrderBook, nicks: list[str]) -> None:
        self.rng, self.shop, self.book = rng, shop, book
        self.nicks = iter(nicks)
        self.faq = {**P.FAQ_COMMON, **(P.FAQ_KIDS if shop.kind == "kids" else P.FAQ_HOME)}
        self.faq_w = {k: 1.0 for k in self.faq} | {
            "ship_time": 3.0,
            "size": 3.0,
            "free_ship": 2.0,
            "coupon": 2.0,
            "delivery": 2.0,
            "material": 1.6,
            "stock": 1.5,
            "invoice": 1.5 if shop.platform == "jd" else 0.6,
        }

    # --- small helpers ---------------------------------------------------------
    def noisy(self, text: str, mood: str = "calm") -> str:
        """Colloquial noise on buyer text: typos, particles, emoji, doubled question marks."""
        rng = self.rng
        if text.startswith(("[", "http")) or _LONG_NUMBER.search(text) or len(text) <= 2:
            return text
        if rng.random() < 0.14:
            for a, b in rng.sample(P.TYPOS, len(P.TYPOS)):
                if a in text:
                    text = text.replace(a, b, 1)
                    break
        if mood != "angry" and rng.random() < 0.18:
            text += rng.choice(P.PARTICLES)
        emoji_p = 0.4 if mood == "angry" else 0.14
        if rng.random() < emoji_p:
            text += rng.choice(P.BUYER_EMOJI_SAD if mood == "angry" else P.BUYER_EMOJI_HAPPY)
        elif rng.random() < 0.12:
            text += rng.choice(("?", "？", "??"))
        return text

    def _vars(self, agent: AgentSpec | None, product: Product, order: DemoOrder | None) -> dict[str, str]:
        rng = self.rng
        size_i = rng.randrange(len(product.sizes))
        size = order.size if order else product.sizes[size_i]
        size2 = product.sizes[min(size_i + 1, len(product.sizes) - 1)]
        height = (
            str(int(size[:-2]) - rng.choice((0, 3, 5, 8))) if size.endswith("cm") and size[:-2].isdigit() else "100"
        )
        city = rng.choice(CITIES)
        express = rng.choice(self.shop.express)
        return {
            "product": product.short,
            "title": product.title,
            "size": size,
            "size2": size2,
            "color": order.color if order else rng.choice(product.colors),
            "height": height,
            "order": order.order_id if order else "",
            "city": city,
            "days": str(rng.randint(4, 6) if city in REMOTE_CITIES else rng.randint(2, 3)),
            "express": express,
            "tracking": self._tracking(express),
            "agent": agent.name if agent else "",
            "shop": self.shop.name,
            "coupon": str(rng.choice((5, 10, 20))),
            "material": product.material,
            "link": (
                f"https://item.jd.com/{product.product_id}.html"
                if self.shop.platform == "jd"
                else f"https://item.taobao.com/item.htm?id={product.product_id}"
            ),
        }

    def _tracking(self, express: str) -> str:
        r = self.rng
        return {
            "中通": f"78{r.randrange(10**12, 10**13)}",
            "圆通": f"YT{r.randrange(10**12, 10**13)}",
            "韵达": f"43{r.randrange(10**12, 10**13)}",
        }.get(express, f"JDVA{r.randrange(10**10, 10**11)}")

    def _on_duty(self, t: datetime) -> list[AgentSpec]:
        h = t.hour + t.minute / 60
        return [a for a in self.shop.agents if a.shift[0] <= h < a.shift[1] or a.shift[0] <= h + 24 < a.shift[1]]

    def _pick_agent(self, t: datetime) -> AgentSpec | None:
        duty = self._on_duty(t)
        if not duty:  # the night: nobody on duty, most such chats stay unanswered
            return None if self.rng.random() < 0.35 else self.shop.agents[-1]
        if self.rng.random() < 0.008:
            return None
        return self.rng.choice(duty)

    # --- the whole shop ----------------------------------------------------------
    def generate(self) -> list[Session]:
        rng = self.rng
        days = [START_DATE + timedelta(days=i) for i in range(DAYS)]
        weights = [day_weight(d) for d in days]
        starts = []
        for _ in range(self.shop.n_sessions):
            day = rng.choices(days, weights)[0]
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            starts.append(
                datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, seconds=rng.randrange(3600))
            )
        starts.sort()
        sessions: list[Session] = []
        past: list[str] = []
        for start in starts:
            kind = rng.choices(_KINDS, _KIND_W)[0]
            if kind != "presale" and start - timedelta(days=_ORDER_AGE[kind][1]) < WINDOW_START:
                kind = "presale"  # no order to talk about before the window opens
            if past and rng.random() < 0.08:
                buyer = rng.choice(past)
            else:
                buyer = next(self.nicks)
                past.append(buyer)
            sessions.extend(self._session(kind, buyer, start))
        # A chat still running when the export was taken on the last evening is left out.
        sessions = [s for s in sessions if s.msgs[-1].at <= WINDOW_END]
        sessions.sort(key=lambda s: (s.msgs[0].at, s.buyer))
        return sessions

    def _session(self, kind: str, buyer: str, start: datetime) -> list[Session]:
        """One session, plus a follow-up when the buyer comes back about the same issue."""
        rng = self.rng
        agent = self._pick_agent(start)
        if kind == "presale":
            return [self._presale(buyer, start, agent)]
        lo, hi = _ORDER_AGE[kind]
        order = self.book.place(buyer, start - timedelta(days=rng.uniform(lo, hi)), unpaid_p=0.0)
        first = self._postsale(kind, buyer, start, agent, order, repeat=False)
        out = [first]
        unhappy = first.kind.endswith("!") or (agent is not None and agent.style in ("slow", "curt"))
        if kind in ("logistics", "quality", "slow_ship", "refund", "size_wrong") and rng.random() < (
            0.22 if unhappy else 0.08
        ):
            again = first.msgs[-1].at + timedelta(hours=rng.uniform(2, 47))
            if again < WINDOW_END - timedelta(hours=2):
                out.append(self._postsale(kind, buyer, again, self._pick_agent(again), order, repeat=True))
        return out

    def _presale(self, buyer: str, start: datetime, agent: AgentSpec | None) -> Session:
        rng = self.rng
        product = rng.choice(self.shop.products)
        d = Dialog(self, buyer, start, agent, self._vars(agent, product, None))
        d.s.kind = "presale"
        topics = rng.choices(list(self.faq_w), list(self.faq_w.values()), k=8)
        topics = list(dict.fromkeys(topics))[: rng.choices((1, 2, 3, 4, 5), (0.1, 0.3, 0.3, 0.2, 0.1))[0]]
        first = [rng.choice(P.OPENERS)] if rng.random() < 0.45 else []
        if rng.random() < 0.3:
            first.append("{link}")
        first.append(rng.choice(self.faq[topics[0]]["q"]))
        if rng.random() < 0.15 and len(topics) > 1:
            first.append(rng.choice(self.faq[topics.pop(1)]["q"]))
        d.buyer(first)
        if rng.random() < 0.45:
            d.bot()
        if agent is None:
            if rng.random() < _CONVERT[None]:  # bought anyway, without an answer
                self.book.place(buyer, start + timedelta(hours=rng.uniform(1, 20)), product)
            return self._unanswered(d)
        d.agent_say(self._reply(d, self.faq[topics[0]], P.EXTRA_PRESALE))
        for topic in topics[1:]:
            d.buyer(self._turn(self.faq[topic]["q"]))
            d.agent_say(self._reply(d, self.faq[topic], P.EXTRA_PRESALE))
        style = d.style
        convert = rng.random() < _CONVERT[style]
        now = convert and rng.random() < 0.7
        if now and style == "excellent" and rng.random() < 0.3:
            d.buyer([rng.choice(P.BUYER_DECIDE_NO)])
            d.agent_say([rng.choice(P.AGENT_PUSH["excellent"])])
        d.buyer([rng.choice(P.BUYER_DECIDE_YES if now else P.BUYER_DECIDE_NO)])
        if rng.random() < CLOSE_P[style]:
            d.agent_say([rng.choice((P.CLOSE if now else P.CLOSE_NOBUY)[base_style(style)])])
        if convert:
            at = (
                d.s.msgs[-1].at - timedelta(seconds=rng.randint(20, 90))
                if now
                else d.s.msgs[-1].at + timedelta(hours=rng.uniform(10, 34))
            )
            if at < WINDOW_END:
                self.book.place(buyer, at, product, color=d.v["color"], size=d.v["size"])
        return d.s

    def _turn(self, variants: tuple[str, ...], extra: tuple[str, ...] = ()) -> list[str]:
        """A buyer turn: the point, sometimes after an acknowledgement or followed by a detail."""
        rng = self.rng
        msgs = [rng.choice(variants)]
        if rng.random() < 0.4:
            msgs.insert(0, rng.choice(P.BUYER_ACK))
        if extra and rng.random() < 0.3:
            msgs.append(rng.choice(extra))
        elif rng.random() < 0.05:
            msgs.append(rng.choice(variants))  # asks the same thing again, worded differently
        return msgs

    def _reply(
        self, d: Dialog, table: dict[str, tuple[str, ...]], extra: dict[str, tuple[str, ...]] | None = None
    ) -> list[str]:
        """An agent turn: the answer, and for attentive agents often a helpful second line."""
        rng = self.rng
        msgs = [d.answer(table, ordered="open" in table)]
        p_more = {"excellent": 0.5, "average": 0.15, "slow": 0.12, "curt": 0.0}[d.style]
        if extra and rng.random() < p_more:
            msgs.append(rng.choice(extra.get(base_style(d.style)) or extra["average"]))
        return msgs

    def _unanswered(self, d: Dialog) -> Session:
        for _ in range(self.rng.randint(1, 2)):
            d.buyer([self.rng.choice(P.BUYER_NOREPLY)], mood="angry")
        return d.s

    def _postsale(
        self, kind: str, buyer: str, start: datetime, agent: AgentSpec | None, order: DemoOrder, *, repeat: bool
    ) -> Session:
        rng = self.rng
        table = P.POSTSALE[kind]
        d = Dialog(self, buyer, start, agent, self._vars(agent, order.product, order))
        d.s.kind, d.s.repeat = kind, repeat
        angry = "angry" if kind in ("quality", "slow_ship", "wrong_item") or repeat else "calm"
        opening = []
        if rng.random() < 0.5:
            opening.append(("订单号：{order}", "{order}", "订单{order}")[rng.randrange(3)])
        text = rng.choice(table["open"])
        opening.append((rng.choice(P.REPEAT_PREFIX) + text) if repeat else text)
        if kind in ("quality", "wrong_item") and rng.random() < 0.6:
            opening.append("[图片]")
        d.buyer(opening, mood=angry)
        if rng.random() < 0.35:
            d.bot()
        if agent is None:
            return self._unanswered(d)
        d.agent_say(self._reply(d, table))
        other = next(a for a in self.shop.agents if a is not agent)
        transfer_p = 0.15 if agent.style in ("curt", "slow") and kind != "logistics" else 0.015
        beats = rng.choices((1, 2, 3, 4), (0.15, 0.45, 0.3, 0.1))[0]
        threat_p = _THREAT_P[agent.style] * _THREAT_KIND.get(kind, 1.0) * (1.4 if repeat else 1.0)
        threat_at = rng.randrange(beats) if rng.random() < threat_p else -1
        threatened = False
        more = rng.sample(table["more"], len(table["more"]))
        extra = P.BUYER_EXTRA_POSTSALE[self.shop.kind]
        for i in range(beats):
            if i == 0 and rng.random() < transfer_p:
                d.transfer(other)
            d.buyer(self._turn((more.pop(),) if more else P.BUYER_MORE_GENERIC, extra), mood=angry)
            d.agent_say(self._reply(d, table, P.EXTRA_POSTSALE))
            if i == threat_at:
                d.buyer([rng.choice(P.THREATS)], mood="angry")
                d.agent_say([d.answer(P.THREAT_REPLY)])
                threatened = True
        d.close(accept=rng.random() < (0.5 if threatened else 0.8))
        self._settle(kind, order, d, threatened)
        if threatened:
            d.s.kind += "!"
        return d.s

    def _settle(self, kind: str, order: DemoOrder, d: Dialog, threatened: bool) -> None:
        """What the chat did to the order: refunds and how unhappy the buyer stays."""
        rng = self.rng
        end = d.s.msgs[-1].at
        if kind in ("quality", "size_wrong", "wrong_item", "slow_ship") or threatened:
            order.trouble = max(order.trouble, 2 if threatened else 1)
            if d.style == "excellent" and not threatened and rng.random() < 0.5:
                order.trouble = 0  # well handled: the buyer is fine in the end
        refund_p = {"refund": 0.9, "quality": 0.35, "size_wrong": 0.3, "slow_ship": 0.2}.get(kind, 0.0)
        if threatened:
            refund_p = max(refund_p, 0.6)
        if order.refund is None and rng.random() < refund_p:
            order.refund = "success" if rng.random() < 0.85 else "closed"
            if WINDOW_END - end < timedelta(days=3) and rng.random() < 0.7:
                order.refund = "pending"
            order.refund_at = end + timedelta(minutes=rng.randint(5, 600))


def to_records(rng: random.Random, shop: ShopSpec, sessions: list[Session]) -> list[SessionRecord]:
    """Canonical session records with keys an importer of the written file can reproduce.

    JD exports carry their own ids (``sid`` per session, ``mid`` per message),
    so those become the keys; the Qianniu CSV has none, so keys are content
    hashes of the row (buyer, sequence number, time, sender, text).
    """
    out: list[SessionRecord] = []
    mid = 9_870_000_000
    for s in sessions:
        msgs: list[MessageRecord] = []
        if shop.platform == "jd":
            sid = f"{rng.getrandbits(128):032x}"
            skey: str = sid
        else:
            sid = None
            skey = content_key(shop.platform, shop.name, s.buyer, fmt(s.msgs[0].at))
        for seq, m in enumerate(s.msgs, start=1):
            at = fmt(m.at)
            if shop.platform == "jd":
                mid += rng.randint(1, 40)
                key = str(mid)
            else:
                key = content_key(shop.platform, shop.name, s.buyer, seq, at, m.sender, m.content)
            msgs.append(
                MessageRecord(
                    msg_key=key,
                    seq=seq,
                    role=m.role,
                    sender=m.sender,  # type: ignore[typeddict-item]
                    sent_at=at,
                    content=m.content,
                )
            )
        out.append(
            SessionRecord(
                session_key=skey,
                source_session_id=sid,
                buyer_nick=s.buyer,
                transferred=s.transferred,
                repeat_consult=s.repeat,
                messages=msgs,
            )
        )
    return out
