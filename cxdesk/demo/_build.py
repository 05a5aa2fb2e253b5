"""``build_demo``: generate, write the export files, load them into a database.

The whole load runs in one store transaction, so cancelling (or any error)
leaves the database exactly as it was. Loading is one small function,
:func:`_load_file`, which today inserts the generated records directly and
will be replaced by the real importer call once the importers land.
"""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from cxdesk.demo._generate import generate
from cxdesk.demo._model import DemoFile, DemoSummary
from cxdesk.demo._writers import write_platform_files
from cxdesk.paths import data_dir
from cxdesk.store import Store, open_store
from cxdesk.tasks import JobContext

DEFAULT_SEED = 20240630


def default_out_dir(seed: int) -> Path:
    """Where the demo's export files go when the caller names no folder."""
    return data_dir() / "demo_files" / f"seed-{seed}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load_file(ctx: JobContext, store: Store, demo_file: DemoFile, records: list) -> int:
    """Load one written file's records as a synthetic import batch; return rows added.

    Stand-in for the real importer (call it with ``demo_file.path`` and mark the
    batch synthetic). Must run inside ``store.transaction()``. A file whose exact
    bytes were already loaded (same shop, same SHA-256, batch not undone) is
    skipped, so building the demo twice adds no batch and no rows.
    """
    ctx.check()
    shop = store.shops.get_or_create(demo_file.platform, demo_file.shop_name)
    sha = _sha256(demo_file.path)
    if any(b.file_sha256 == sha and b.shop_id == shop.id and b.status == "done" for b in store.batches.all()):
        return 0
    batch_id = store.batches.create(
        kind=demo_file.kind, file_name=demo_file.path.name, file_sha256=sha, shop_id=shop.id,
        platform=demo_file.platform, source_format=demo_file.format_id, encoding=demo_file.encoding,
        synthetic=True,
    )
    if demo_file.kind == "chats":
        added, duplicate, _sessions = store.chats.insert_sessions(shop.id, batch_id, records)
        read = sum(len(s["messages"]) for s in records)
    elif demo_file.kind == "reviews":
        added, duplicate = store.reviews.insert_many(shop.id, batch_id, records)
        read = len(records)
    else:
        added, duplicate = store.orders.insert_many(shop.id, batch_id, records)
        read = len(records)
    store.batches.set_counts(batch_id, read=read, added=added, duplicate=duplicate, rejected=0)
    return added


def build_demo(ctx: JobContext, db_path: str | Path, *, seed: int = DEFAULT_SEED,
               out_dir: str | Path | None = None) -> DemoSummary:
    """Job: build the synthetic demo shops into the database at ``db_path``.

    Steps: generate records, write the platform export files to ``out_dir``
    (default: the data folder's ``demo_files/seed-N``), then load each file.
    Raises :class:`cxdesk.errors.Cancelled` between steps once cancel is asked.
    """
    t0 = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else default_out_dir(seed)
    total = 8  # generate, write, 6 files
    ctx.progress(0, total, "正在生成演示数据…")
    data = generate(seed)
    ctx.progress(1, total, "正在写出平台格式的导出文件…")
    ctx.check()
    files = write_platform_files(data, out)
    total = 2 + len(files)
    ctx.progress(2, total, "正在导入数据库…")
    ctx.check()
    added = 0
    store = open_store(db_path)
    try:
        with store.transaction():
            for i, f in enumerate(files):
                ctx.check()
                added += _load_file(ctx, store, f, data.shop(f.shop_name).records(f.kind))
                ctx.progress(3 + i, total, f"已导入 {f.path.name}")
            ctx.check()
        db = store.path
    finally:
        store.close()
    return DemoSummary(
        db_path=Path(db), out_dir=out, seed=seed, start=data.start, end=data.end, shops=len(data.shops),
        agents=len(data.agents), sessions=data.n_sessions, messages=data.n_messages, reviews=data.n_reviews,
        orders=data.n_orders, files_written=len(files), rows_added=added, seconds=time.perf_counter() - t0,
    )
