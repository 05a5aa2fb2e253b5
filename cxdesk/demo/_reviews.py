"""Reviews assembled from aspect opinions, consistent with the star rating.

Reviews are written for delivered orders a few days after purchase. Buyers
who had trouble (a complaint or a threat in chat) review more often and rate
lower, so risk flags on chats and bad reviews point at the same people. The
overall rating mix stays like a real shop's: about three quarters 5★ and
under a tenth 1–2★.
"""

from __future__ import annotations

import random
from datetime import timedelta

from cxdesk.demo import _review_phrases as R
from cxdesk.demo._catalog import WINDOW_END, ShopSpec, fmt
from cxdesk.demo._orders import DemoOrder
from cxdesk.records import ReviewRecord, content_key

_RATING_W = {  # P(rating 1..5) by how much trouble the order had
    0: (0.024, 0.012, 0.035, 0.11, 0.819),
    1: (0.25, 0.2, 0.2, 0.15, 0.2),
    2: (0.6, 0.2, 0.1, 0.05, 0.05),
}


class ReviewGenerator:
    def __init__(self, rng: random.Random, shop: ShopSpec) -> None:
        self.rng, self.shop = rng, shop
        self.aspects = {**R.ASPECTS_COMMON, **(R.ASPECTS_KIDS if shop.kind == "kids" else R.ASPECTS_HOME)}
        self._ids: set[str] = set()

    def generate(self, orders: list[DemoOrder]) -> list[ReviewRecord]:
        rng = self.rng
        candidates = [o for o in orders if o.delivered and o.created + timedelta(days=3) < WINDOW_END]
        # Weighted sampling without replacement (Efraimidis–Spirakis): troubled buyers review more.
        keyed = sorted(candidates, key=lambda o: rng.random() ** (1.0 / (1.6 if o.trouble else 1.0)), reverse=True)
        picked = keyed[: self.shop.n_reviews]
        picked.sort(key=lambda o: (o.created, o.order_id))
        reviews = [self._review(o) for o in picked]
        reviews.sort(key=lambda r: (r["created_at"], r["review_key"]))  # exports list reviews by date
        return reviews

    def _review(self, o: DemoOrder) -> ReviewRecord:
        rng = self.rng
        platform = self.shop.platform
        rating = rng.choices((1, 2, 3, 4, 5), _RATING_W[min(o.trouble, 2)])[0]
        latest = min(WINDOW_END, o.created + timedelta(days=15))
        created = o.created + (latest - o.created) * rng.uniform(0.2, 1.0)
        created = created.replace(microsecond=0)
        if rating == 5 and rng.random() < 0.045:
            content, aspect = "", "质量"  # the placeholder in the file means "no text"
        else:
            content, aspect = self._text(rating, o)
        append = append_at = None
        if rng.random() < 0.14:  # some follow-ups would fall after the export date
            at = created + timedelta(days=rng.uniform(3, 30))
            if at < WINDOW_END:
                bad = rating <= 2 or rng.random() < 0.22
                append = rng.choice(R.APPEND_NEG if bad else R.APPEND_POS)
                append_at = fmt(at.replace(microsecond=0))
        reply = None
        if platform == "taobao" and rng.random() < {1: 0.7, 2: 0.7, 3: 0.6, 4: 0.2}.get(rating, 0.12):
            reply = rng.choice(R.REPLY_NEG if rating <= 3 else R.REPLY_POS).format(aspect=aspect)
        sku = f"颜色分类:{o.color};尺码:{o.size}" if platform == "taobao" else f"颜色:{o.color};尺码:{o.size}"
        rec = ReviewRecord(
            order_id=o.order_id if platform == "taobao" else None,
            product_id=o.product.product_id,
            product_title=o.product.title,
            sku=sku,
            buyer_nick=o.buyer,
            rating=rating,
            rating_text=None,
            content=content,
            created_at=fmt(created),
            append_content=append,
            append_at=append_at,
            seller_reply=reply,
        )
        if platform == "jd":
            rid = self._jd_id()
            rec["platform_review_id"] = rid
            rec["review_key"] = rid
        else:
            # No review id in the seller-tool export: key on what never changes
            # (not the text, so a later export with a 追评 added is the same review).
            rec["platform_review_id"] = None
            rec["review_key"] = content_key(platform, o.order_id, o.product.product_id, o.buyer, fmt(created))
        return rec

    def _jd_id(self) -> str:
        while True:
            rid = str(self.rng.randrange(19_000_000_000, 20_999_999_999))
            if rid not in self._ids:
                self._ids.add(rid)
                return rid

    def _text(self, rating: int, o: DemoOrder) -> tuple[str, str]:
        """Assemble a review; returns (text, the aspect a seller reply would address)."""
        rng = self.rng
        kind = self.shop.kind
        names = list(self.aspects)
        n = rng.choices((1, 2, 3, 4), (0.3, 0.35, 0.25, 0.1))[0]
        chosen = rng.sample(names, n)
        if rating <= 2 and "质量" not in chosen and rng.random() < 0.5:
            chosen[0] = "质量"
        polarity = {5: "pos", 4: "pos", 3: "mid", 2: "neg", 1: "neg"}[rating]
        parts: list[str] = []
        for i, a in enumerate(chosen):
            if polarity == "mid":
                tone = ("pos", "mild", "neg")[i % 3] if i else rng.choice(("mild", "neg"))
            elif polarity == "pos":
                noise = 0.12 if rating == 5 else 0.4
                tone = "mild" if i == n - 1 and n > 1 and rng.random() < noise else "pos"
            else:
                tone = "pos" if i == n - 1 and n > 2 and rng.random() < 0.2 else "neg"
            parts.append(rng.choice(self.aspects[a][tone]))
        neg_aspect = next((a for a in chosen), "质量")
        if polarity == "pos" and rng.random() < 0.35:
            details = R.DETAILS.get(kind) or R.DETAILS[o.product.short]
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(details))
        if kind == "kids" and self.shop.platform == "taobao" and polarity == "pos" and rng.random() < 0.12:
            body = "\n".join(f"{label}：{rng.choice(self.aspects[a]['pos'])}" for label, a in R.STRUCTURED[kind])
            return self._fill(body, o), neg_aspect
        sep = rng.choice(("，", "，", "，", " ", "，"))
        text = rng.choice(R.OPENERS[kind][polarity]) + sep.join(parts)
        closer = rng.choice(R.CLOSERS[kind][polarity]) if rng.random() < 0.7 else ""
        if rating == 1 and rng.random() < 0.25:
            closer = rng.choice(R.THREAT_TAILS)
        end = rng.choice(("。", "！", "", "~")) if polarity == "pos" else rng.choice(("。", "！", "！！", ""))
        if closer:
            text = f"{text}，{closer}" + ("" if closer[-1] in "！～~👍" else end)
        else:
            text += end
        return self._fill(text, o), neg_aspect

    def _fill(self, text: str, o: DemoOrder) -> str:
        size = o.size
        height = str(int(size[:-2]) - self.rng.choice((0, 3, 5))) if size[:-2].isdigit() else "100"
        return text.format(size=size, height=height, weight=str(self.rng.randint(24, 60)), product=o.product.short)
