"""The analysis engine: every stage over what is new or changed since the last run.

``analyze(ctx, db_path)`` is a job (progress, cancel). Each stage keeps the
model or rule version it used beside its results, so a run finds its work
with one anti-join per stage (no result yet, or one made by another
version) and a second run with nothing new costs a few index scans.

CPU-bound scoring runs in spawn worker processes (``map_in_processes``):
each worker loads the model once (pool initializer), reads its chunk of
texts through a read-only connection and returns plain result rows; the
job's own thread is the only writer and stores each chunk as it arrives,
so a cancelled run keeps what it finished. Small workloads run in-process:
starting a pool costs more than scoring a few thousand texts.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cxdesk.analysis.no_content import is_no_content
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.errors import Cancelled
from cxdesk.store import open_reader, open_store
from cxdesk.store.results import ResultsRepo
from cxdesk.tasks import JobContext, SubContext, chunked, map_in_processes

CHUNK_SIZE = 20_000
IN_PROCESS_BELOW = 60_000  # texts; below this a pool's start-up (~1 s) is not worth it

TARGET_LABELS = {"review": "评价", "message": "聊天消息"}


@dataclass
class StageResult:
    stage: str
    version: str
    processed: int
    seconds: float


@dataclass
class AnalyzeSummary:
    db_path: Path
    stages: list[StageResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def processed(self) -> int:
        return sum(s.processed for s in self.stages)

    def describe(self) -> str:
        if not self.processed:
            return f"分析完成：没有新的或需要重算的数据（用时 {self.seconds:.1f} 秒）。"
        parts = [f"{s.stage} {s.processed:,} 条" for s in self.stages if s.processed]
        return f"分析完成：{'，'.join(parts)}（用时 {self.seconds:.1f} 秒）。"


# --- worker side (top level: spawn pickles functions by name) ------------------------

_model: SentimentModel | None = None


def init_sentiment_worker(model_path: str | None = None) -> None:
    """Pool initializer: load the sentiment model once per process."""
    global _model
    _model = SentimentModel.load(model_path)


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def score_sentiment_chunk(task: tuple[str, str, list[int]]) -> list[tuple]:
    """Score one chunk: (db path, target type, ids) → sentiment rows to store."""
    db_path, target_type, ids = task
    if _model is None:
        init_sentiment_worker()
    assert _model is not None
    conn = open_reader(db_path)
    try:
        rows = ResultsRepo(conn).texts(target_type, ids)
    finally:
        conn.close()
    texts = [t or "" for _, t in rows]
    empty = [is_no_content(t) for t in texts]
    scores = _model.predict_scores(["" if e else t for t, e in zip(texts, empty)])
    labels = _model.labels(scores)
    return [
        (target_type, rid, None if e else float(sc), None if e else str(lb), int(e), _model.version,
         content_hash(t))
        for (rid, _), t, e, sc, lb in zip(rows, texts, empty, scores.tolist(), labels.tolist())
    ]


# --- coordinator -----------------------------------------------------------------------


def _run_chunks(ctx: JobContext, func: Callable, tasks: list, store_rows: Callable[[list], None],
                *, total_texts: int, initializer: Callable, initargs: tuple = (),
                workers: int | None = None) -> None:
    if total_texts < IN_PROCESS_BELOW or workers == 1:
        initializer(*initargs)
        for i, task in enumerate(tasks):
            ctx.check()
            store_rows(func(task))
            ctx.progress(i + 1, len(tasks), "")
        return
    map_in_processes(func, tasks, ctx, max_workers=workers, initializer=initializer, initargs=initargs,
                     on_result=lambda _i, rows: store_rows(rows))


def _sentiment_stage(ctx: JobContext, store, target_type: str, model: SentimentModel,
                     workers: int | None) -> StageResult:
    started = time.perf_counter()
    stage = f"sentiment.{target_type}"
    ids = store.results.sentiment_pending_ids(target_type, model.version)
    if not ids:
        return StageResult(stage, model.version, 0, time.perf_counter() - started)
    run_id = store.results.start_run(stage, model.version)
    done = 0

    def store_rows(rows: list) -> None:
        nonlocal done
        with store.transaction():
            store.results.upsert_sentiment(rows)
        done += len(rows)
        ctx.progress(done, len(ids), f"情感分析（{TARGET_LABELS[target_type]}）")

    tasks = [(str(store.path), target_type, list(part)) for part in chunked(ids, CHUNK_SIZE)]
    status = "failed"
    try:
        _run_chunks(ctx, score_sentiment_chunk, tasks, store_rows, total_texts=len(ids),
                    initializer=init_sentiment_worker, workers=workers)
        status = "done"
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        store.results.finish_run(run_id, status, done)
    return StageResult(stage, model.version, done, time.perf_counter() - started)


def analyze(ctx: JobContext, db_path: str | Path, *, workers: int | None = None) -> AnalyzeSummary:
    """Job: run every stage over what is new or changed; returns what was done."""
    started = time.perf_counter()
    model = SentimentModel.load()
    summary = AnalyzeSummary(Path(db_path))
    with open_store(db_path) as store:
        stages = [("review", 0.3), ("message", 0.7)]
        start = 0.0
        for target_type, share in stages:
            sub = SubContext(ctx, start * 1000, share * 1000, 1000)
            summary.stages.append(_sentiment_stage(sub, store, target_type, model, workers))
            start += share
        ctx.progress(1000, 1000, "分析完成")
    summary.seconds = time.perf_counter() - started
    return summary
