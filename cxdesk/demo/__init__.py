"""Synthetic demo shops: realistic, reproducible, clearly marked as synthetic.

A new user has no exports at hand; the demo gives every page something real
to show. ``generate(seed)`` builds two shops (Taobao children's clothing and
JD home goods) with four agents of different habits, 90 days of chats,
reviews and orders, all deterministic from the seed and ending on a fixed
date. ``write_platform_files`` writes them in the platforms' own export
formats, and ``build_demo`` (a job) loads them into a database as batches
marked ``synthetic`` — in the app, the demo's own database
(:func:`cxdesk.paths.demo_db_path`), so the user's store starts empty.
``clear_demo`` removes the demo from a store that older versions filled with
it. Nothing here is real personal data: nicks are masked and invented.
"""

from __future__ import annotations

from cxdesk.demo._build import DEFAULT_SEED, build_demo, default_out_dir
from cxdesk.demo._generate import generate
from cxdesk.demo._model import DemoAgent, DemoData, DemoFile, DemoShop, DemoSummary
from cxdesk.demo._phrases import RUDE_PHRASES
from cxdesk.demo._store import (
    DEMO_BUILT_KEY,
    ClearDemoSummary,
    clear_demo,
    clear_demo_store,
    demo_batches,
    demo_store_ready,
    is_demo_store,
    own_batches,
)
from cxdesk.demo._writers import write_platform_files

__all__ = [
    "DEFAULT_SEED",
    "DEMO_BUILT_KEY",
    "ClearDemoSummary",
    "DemoAgent",
    "DemoData",
    "DemoFile",
    "DemoShop",
    "DemoSummary",
    "RUDE_PHRASES",
    "build_demo",
    "clear_demo",
    "clear_demo_store",
    "default_out_dir",
    "demo_batches",
    "demo_store_ready",
    "generate",
    "is_demo_store",
    "own_batches",
    "write_platform_files",
]
