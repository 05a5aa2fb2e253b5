"""Small store writers shared by several test modules."""

from __future__ import annotations

from cxdesk.store import Store


def add_review(store: Store, *, synthetic: bool = False) -> None:
    """One 5-star review of a Taobao shop, in its own import batch."""
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        batch = store.batches.create(
            kind="reviews", file_name="r.csv", file_sha256="0" * 64, shop_id=shop.id, synthetic=synthetic
        )
        store.reviews.insert_many(shop.id, batch, [{"review_key": "k1", "content": "质量很好", "rating": 5}])
