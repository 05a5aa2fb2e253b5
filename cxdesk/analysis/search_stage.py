"""The search-index stage: bring the full-text index up to date with the store.

Incremental by id: texts are AUTOINCREMENT rows, so everything above the
per-type watermark (``search_index_state.last_id``) is new. Rows deleted or
edited after they were indexed were copied to ``search_purge`` by triggers;
they are removed from the index first (and edited ones re-indexed). A new
tokenizer version empties the index and rebuilds it.

Tokenising is plain Python (~7 s per million chat lines on one core), so
worker processes read and tokenise id ranges while this thread, the only
writer, inserts finished ranges in id order: the watermark only ever covers
ranges that are in the index, and a cancelled run resumes where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cxdesk.analysis.stage import StageResult
from cxdesk.errors import Cancelled
from cxdesk.search import TOKENIZER_VERSION, index_text
from cxdesk.store import open_reader
from cxdesk.store.repos import Repos
from cxdesk.store.search_index import SearchIndexRepo
from cxdesk.tasks import JobContext

STAGE = "search_index"
CHUNK_IDS = 50_000
KINDS = ("message", "review")
LABELS = {"message": "聊天消息", "review": "评价"}


def init_search_worker() -> None:
    """Pool initializer: tokenising needs nothing loaded (the character table is built at import)."""


def tokenised(kind: str, rows: list[tuple]) -> list[tuple]:
    """(id, text[, append], meta) rows → the same rows with every text tokenised for the index."""
    if kind == "message":
        return [(rid, index_text(text), meta) for rid, text, meta in rows]
    return [(rid, index_text(content), index_text(append), meta) for rid, content, append, meta in rows]


def tokenise_range(task: tuple[str, str, int, int]) -> tuple[str, int, int, list[tuple]]:
    """Worker: read ids lo < id <= hi of one kind and tokenise them."""
    db_path, kind, lo, hi = task
    conn = open_reader(db_path)
    try:
        rows = Repos(conn).search_index.texts_between(kind, lo, hi)
    finally:
        conn.close()
    return kind, lo, hi, tokenised(kind, rows)


def _purge(store, repo: SearchIndexRepo, kind: str, last_id: int) -> int:
    """Drop index rows of deleted or edited texts; re-index the edited ones. Returns rows handled."""
    handled = 0
    while batch := repo.purge_queue(kind):
        ids = [r[0] for r in batch]
        with store.transaction():
            repo.remove(kind, tokenised(kind, batch))
            still_there = [r for r in repo.texts_of(kind, ids) if r[0] <= last_id]
            repo.insert(kind, tokenised(kind, still_there))
            repo.drop_purged(kind, ids)
        handled += len(batch)
    return handled


def run_search_index_stage(ctx: JobContext, store, run_chunks: Callable, workers: int | None) -> StageResult:
    """Index every message and review above the watermarks; purge deleted ones first."""
    started = time.perf_counter()
    repo = store.search_index
    repo.ensure_schema()
    done = 0
    tasks: list[tuple[str, str, int, int]] = []
    next_lo: dict[str, int] = {}
    for kind in KINDS:
        state = repo.state(kind)
        if state is not None and state[1] != TOKENIZER_VERSION:
            with store.transaction():
                repo.clear(kind)
            state = None
        last = state[0] if state else 0
        done += _purge(store, repo, kind, last)
        top = repo.max_id(kind)
        next_lo[kind] = last
        tasks += [(str(store.path), kind, lo, min(lo + CHUNK_IDS, top)) for lo in range(last, top, CHUNK_IDS)]
    if not tasks:
        return StageResult(STAGE, TOKENIZER_VERSION, done, time.perf_counter() - started)
    total = sum(hi - lo for _, _, lo, hi in tasks)
    run_id = store.results.start_run(STAGE, TOKENIZER_VERSION)
    waiting: dict[tuple[str, int], tuple[int, list[tuple]]] = {}
    ranges_done = 0

    def store_rows(result: tuple[str, int, int, list[tuple]]) -> None:
        # Worker results arrive in completion order; insert them in id order so the
        # watermark never passes a range that is not in the index yet.
        nonlocal done, ranges_done
        kind, lo, hi, rows = result
        waiting[(kind, lo)] = (hi, rows)
        while (kind, next_lo[kind]) in waiting:
            hi, rows = waiting.pop((kind, next_lo[kind]))
            with store.transaction():
                repo.insert(kind, rows)
                repo.set_state(kind, hi, TOKENIZER_VERSION)
            next_lo[kind] = hi
            done += len(rows)
            ranges_done += 1
            ctx.progress(ranges_done, len(tasks), f"建立搜索索引（{LABELS[kind]}）")

    status = "failed"
    try:
        run_chunks(
            ctx, tokenise_range, tasks, store_rows, total_texts=total, initializer=init_search_worker, workers=workers
        )
        status = "done"
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        store.results.finish_run(run_id, status, done)
    return StageResult(STAGE, TOKENIZER_VERSION, done, time.perf_counter() - started)
