"""``build_demo``: generate, write the export files, load them into a database.

Each file is imported by :func:`cxdesk.importers.import_file`, the same path a
user's own exports take, one transaction (one undoable batch) per file:
cancelling rolls back the file being imported; files already imported stay.
The app builds it into the demo's own database (:func:`cxdesk.paths.demo_db_path`),
never into the user's store.
"""

from __future__ import annotations

import time
from pathlib import Path

from cxdesk.demo._generate import generate
from cxdesk.demo._model import DemoFile, DemoSummary
from cxdesk.demo._store import DEMO_BUILT_KEY
from cxdesk.demo._writers import write_platform_files
from cxdesk.paths import data_dir
from cxdesk.store import Store, open_store
from cxdesk.importers import file_sha256, import_file
from cxdesk.tasks import JobContext, SubContext

DEFAULT_SEED = 20240630


def default_out_dir(seed: int) -> Path:
    """Where the demo's export files go when the caller names no folder."""
    return data_dir() / "demo_files" / f"seed-{seed}"


def _load_file(ctx: JobContext, store: Store, demo_file: DemoFile) -> int:
    """Import one written export file through the real importer; return rows added.

    The demo exercises exactly the code path users run. A file whose exact
    bytes were already imported (batch not undone) is skipped, so building the
    demo twice adds no batch and no rows. The batch is labelled synthetic.
    """
    ctx.check()
    if store.batches.find_done_by_sha(file_sha256(demo_file.path), demo_file.kind) is not None:
        return 0
    summary = import_file(
        ctx,
        store,
        demo_file.path,
        kind=demo_file.kind,
        platform=demo_file.platform,
        shop=demo_file.shop_name,
        synthetic=True,
    )
    return summary.rows_added


def build_demo(
    ctx: JobContext, db_path: str | Path, *, seed: int = DEFAULT_SEED, out_dir: str | Path | None = None
) -> DemoSummary:
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
        for i, f in enumerate(files):
            added += _load_file(SubContext(ctx, 2 + i, 1, total), store, f)
            ctx.progress(3 + i, total, f"已导入 {f.path.name}")
        with store.transaction():
            store.meta.set(DEMO_BUILT_KEY, str(seed))
        db = store.path
    finally:
        store.close()
    return DemoSummary(
        db_path=Path(db),
        out_dir=out,
        seed=seed,
        start=data.start,
        end=data.end,
        shops=len(data.shops),
        agents=len(data.agents),
        sessions=data.n_sessions,
        messages=data.n_messages,
        reviews=data.n_reviews,
        orders=data.n_orders,
        files_written=len(files),
        rows_added=added,
        seconds=time.perf_counter() - t0,
    )
