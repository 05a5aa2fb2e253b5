"""The synthetic demo shop: build it into a store (its own database), or clear it from a store.

Building writes the demo's own database file (:func:`cxdesk.demo.build_demo`, on a
connection of its own); clearing works on the store it is given (the GUI's writer): it backs
the store up first and removes the demo batches with their analysis results in one transaction.
"""

from __future__ import annotations

from cxdesk.ops import ANALYSIS, BATCHES, CHATS, FAQ, FLAGS, ORDERS, REVIEWS, RISK_SCORES, SHOPS, OpChanges
from cxdesk.store import Store
from cxdesk.tasks import JobContext

DATA_KINDS = (SHOPS, BATCHES, REVIEWS, CHATS, ORDERS)


def build(store: Store, ctx: JobContext, *, seed: int | None = None) -> OpChanges:
    """Build the demo shops into ``store``; ``value``: the :class:`cxdesk.demo.DemoSummary`."""
    from cxdesk.demo import DEFAULT_SEED, build_demo  # lazy: the generators are not needed at start

    summary = build_demo(ctx, store.path, seed=DEFAULT_SEED if seed is None else seed)
    return OpChanges.of("demo_build", *DATA_KINDS, summary=summary.describe(), value=summary)


def clear(store: Store, ctx: JobContext) -> OpChanges:
    """Remove every demo batch from ``store`` (the user's own batches stay); ``value``: the
    :class:`cxdesk.demo.ClearDemoSummary`. Nothing to clear changes nothing."""
    from cxdesk.demo import clear_demo_store

    summary = clear_demo_store(ctx, store)
    if not summary.batches:
        return OpChanges("demo_clear", summary=summary.describe(), value=summary)
    return OpChanges.of(
        "demo_clear", *DATA_KINDS, FLAGS, RISK_SCORES, ANALYSIS, FAQ, summary=summary.describe(), value=summary
    )
