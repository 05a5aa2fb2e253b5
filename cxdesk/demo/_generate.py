"""``generate(seed)``: the whole synthetic world, pure and deterministic.

Each shop and each part (chats, orders, reviews, keys) draws from its own
``random.Random`` seeded with a string derived from the seed, so changing how
reviews are written never reshuffles the chats, and the result is identical
on every machine (string seeds are hashed with SHA-512, not ``hash()``).
"""

from __future__ import annotations

import random

from cxdesk.demo._catalog import DAYS, END_DATE, SHOPS, START_DATE, ShopSpec, make_nicks
from cxdesk.demo._chats import ChatGenerator, to_records
from cxdesk.demo._model import DemoAgent, DemoData, DemoShop
from cxdesk.demo._orders import OrderBook
from cxdesk.demo._reviews import ReviewGenerator


def _rng(seed: int, shop: ShopSpec, part: str) -> random.Random:
    return random.Random(f"cxdesk-demo:{seed}:{shop.platform}:{part}")


def _shop(seed: int, spec: ShopSpec) -> DemoShop:
    n_chat_buyers = spec.n_sessions + 50
    n_silent = int(spec.silent_orders_per_day * DAYS * 1.05)
    nicks = make_nicks(_rng(seed, spec, "nicks"), spec.platform, n_chat_buyers + n_silent)
    book = OrderBook(_rng(seed, spec, "orders"), spec)
    chats = ChatGenerator(_rng(seed, spec, "chats"), spec, book, nicks[:n_chat_buyers]).generate()
    book.add_silent(nicks[n_chat_buyers:])
    reviews = ReviewGenerator(_rng(seed, spec, "reviews"), spec).generate(book.orders)
    agents = [DemoAgent(a.name, spec.account(a), spec.platform, spec.name, a.style) for a in spec.agents]
    return DemoShop(
        platform=spec.platform,
        name=spec.name,
        agents=agents,
        sessions=to_records(_rng(seed, spec, "keys"), spec, chats),
        reviews=reviews,
        orders=book.records(),
    )


def generate(seed: int) -> DemoData:
    """Build the demo shops and their canonical records from ``seed`` (no I/O)."""
    return DemoData(seed=seed, start=START_DATE, end=END_DATE, shops=[_shop(seed, s) for s in SHOPS])
