"""Orders: the ones chats lead to or talk about, and the silent majority.

Chat generation places orders through :class:`OrderBook` (a buyer who says
"拍了" gets an order a minute earlier; an after-sale chat is about an order
placed days before), so conversion and refund analysis find consistent
links by buyer nick and order number. Status and refund columns are settled
once at the end, relative to the window's last day, the way an export taken
on 2024-06-30 would show them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cxdesk.demo._catalog import (
    HOUR_WEIGHTS,
    PROMO_PEAK,
    PROMO_START,
    START_DATE,
    DAYS,
    WINDOW_END,
    Product,
    ShopSpec,
    day_weight,
    fmt,
)
from cxdesk.records import OrderRecord

_STATUS = {
    "taobao": {
        "unpaid": "等待买家付款",
        "closed": "交易关闭",
        "paid": "买家已付款",
        "shipped": "卖家已发货",
        "done": "交易成功",
    },
    "jd": {"unpaid": "等待付款", "closed": "已取消", "paid": "等待出库", "shipped": "等待确认收货", "done": "完成"},
}


@dataclass
class DemoOrder:
    """An order plus what reviews need to know about it (product, SKU, trouble)."""

    order_id: str
    buyer: str
    created: datetime
    paid: datetime | None
    product: Product
    color: str
    size: str
    qty: int
    amount: float
    refund: str | None = None  # None | "success" | "pending" | "closed"
    refund_at: datetime | None = None
    trouble: int = 0  # 0 fine, 1 complained, 2 threatened: drives the review rating

    @property
    def delivered(self) -> bool:
        return self.paid is not None and self.refund != "success" and WINDOW_END - self.created > timedelta(days=4)


class OrderBook:
    """All orders of one shop, with unique platform-looking order numbers."""

    def __init__(self, rng: random.Random, shop: ShopSpec) -> None:
        self.rng = rng
        self.shop = shop
        self.orders: list[DemoOrder] = []
        self.by_id: dict[str, DemoOrder] = {}

    def _new_id(self) -> str:
        while True:
            if self.shop.platform == "jd":
                oid = f"29{self.rng.randrange(10**9, 10**10)}"  # JD: 12 digits
            else:
                oid = str(self.rng.randrange(2 * 10**18, 4 * 10**18))  # Taobao: 19 digits
            if oid not in self.by_id:
                return oid

    def place(
        self,
        buyer: str,
        created: datetime,
        product: Product | None = None,
        *,
        color: str | None = None,
        size: str | None = None,
        unpaid_p: float = 0.05,
    ) -> DemoOrder:
        rng = self.rng
        product = product or rng.choice(self.shop.products)
        qty = rng.choices((1, 2, 3), (0.72, 0.21, 0.07))[0]
        unit = product.price
        if PROMO_START <= created.date() <= PROMO_PEAK:
            unit *= rng.choice((0.85, 0.88, 0.9))
        coupon = rng.choices((0, 5, 10, 20), (0.5, 0.25, 0.18, 0.07))[0]
        amount = round(max(unit * qty - coupon, 9.9), 2)
        paid = None if rng.random() < unpaid_p else created + timedelta(seconds=rng.randint(8, 400))
        order = DemoOrder(
            self._new_id(),
            buyer,
            created,
            paid,
            product,
            color or rng.choice(product.colors),
            size or rng.choice(product.sizes),
            qty,
            amount,
        )
        self.orders.append(order)
        self.by_id[order.order_id] = order
        return order

    def add_silent(self, nicks: list[str]) -> None:
        """Orders from buyers who never chat (most buyers don't); about 12% are repeat buyers.

        ``nicks`` are fresh buyer nicks not used in chats, taken in order.
        """
        rng = self.rng
        total_w = sum(day_weight(START_DATE + timedelta(days=i)) for i in range(DAYS))
        n = int(self.shop.silent_orders_per_day * DAYS)
        used: list[str] = []
        fresh = iter(nicks)
        for i in range(DAYS):
            day = START_DATE + timedelta(days=i)
            k = round(n * day_weight(day) / total_w * rng.uniform(0.85, 1.15))
            for _ in range(k):
                hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
                created = datetime.combine(day, datetime.min.time()) + timedelta(
                    hours=hour, seconds=rng.randrange(3600)
                )
                if used and rng.random() < 0.12:
                    buyer = rng.choice(used)
                else:
                    buyer = next(fresh, None) or rng.choice(used)
                    used.append(buyer)
                order = self.place(buyer, created)
                if order.paid and rng.random() < 0.035:
                    order.refund = rng.choice(("success", "success", "closed"))
                    order.refund_at = created + timedelta(days=rng.uniform(0.2, 9))

    def records(self) -> list[OrderRecord]:
        """Settle statuses as of the window's end and return canonical records, oldest first."""
        words = _STATUS[self.shop.platform]
        out: list[OrderRecord] = []
        for o in sorted(self.orders, key=lambda o: (o.created, o.order_id)):
            age = WINDOW_END - o.created
            refund = o.refund
            if refund is not None and o.refund_at is not None and o.refund_at > WINDOW_END:
                refund = None  # the buyer asks after the export date: not visible yet
            if refund == "pending" and o.refund_at and WINDOW_END - o.refund_at > timedelta(days=5):
                refund = "success"
            if o.paid is None:
                status = words["unpaid"] if age < timedelta(days=1) else words["closed"]
            elif refund == "success":
                status = words["closed"]
            elif age < timedelta(hours=20):
                status = words["paid"]
            elif age < timedelta(days=5):
                status = words["shipped"]
            else:
                status = words["done"]
            refund_text = {"success": "退款成功", "pending": "退款中", "closed": "退款关闭"}.get(refund or "")
            out.append(
                OrderRecord(
                    order_id=o.order_id,
                    buyer_nick=o.buyer,
                    created_at=fmt(o.created),
                    paid_at=fmt(o.paid) if o.paid else None,
                    amount=o.amount,
                    status=status,
                    refund_status=refund_text,
                )
            )
        return out
