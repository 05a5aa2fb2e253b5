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

from cxdesk.analysis.aspect_stage import run_aspect_stage
from cxdesk.analysis.chat_tone import default_tone
from cxdesk.analysis.faq_stage import run_faq_stage
from cxdesk.analysis.no_content import is_no_content
from cxdesk.analysis.risk import run_abuse_model_stage, run_risk_stage, run_service_time_stage
from cxdesk.analysis.search_stage import run_search_index_stage
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.analysis.calibration import calibrate_shops
from cxdesk.analysis.stage import StageResult
from cxdesk.errors import Cancelled, CxdeskError
from cxdesk.store import Store, open_reader, open_store
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext, SubContext, chunked, map_in_processes

CHUNK_SIZE = 20_000
IN_PROCESS_BELOW = 60_000  # texts; below this a pool's start-up (~1 s) is not worth it

TARGET_LABELS = {"review": "评价", "message": "聊天消息"}


@dataclass
class AnalyzeSummary:
    db_path: str | Path  # the store's file, or a team store's postgresql:// address
    stages: list[StageResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def processed(self) -> int:
        return sum(s.processed for s in self.stages)

    def describe(self) -> str:
        warnings = "".join(f"\n注意：{w}" for s in self.stages for w in s.warnings)
        if not self.processed:
            return f"分析完成：没有新的或需要重算的数据（用时 {self.seconds:.1f} 秒）。{warnings}"
        parts = [f"{s.label} {s.processed:,} {s.unit}" for s in self.stages if s.processed]
        return f"分析完成：{'，'.join(parts)}（用时 {self.seconds:.1f} 秒）。{warnings}"


# --- worker side (top level: spawn pickles functions by name) ------------------------

_models: dict[int | None, SentimentModel] = {}


def init_sentiment_worker(model_path: str | None = None) -> None:
    """Pool initializer: load the shipped sentiment model once per process."""
    _models.clear()
    _models[None] = SentimentModel.load(model_path)


def _model_for(conn, shop_model: int | None) -> SentimentModel:
    """The shipped model (``None``) or a shop's calibrated model, loaded once per process."""
    if shop_model not in _models:
        if shop_model is None:
            _models[None] = SentimentModel.load()
        else:
            data = Repos(conn).shop_models.model_bytes(shop_model)
            if data is None:
                raise CxdeskError("店铺校准模型在分析途中被删除，请重新运行分析。")
            _models[shop_model] = SentimentModel.from_bytes(data)
    return _models[shop_model]


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def message_version(model_version: str) -> str:
    """Chat messages are scored by the model and gated by the chat-tone lexicon: both versions count."""
    return f"{model_version}+{default_tone().version}"


def score_sentiment_chunk(task: tuple[str, str, list[int], int | None]) -> list[tuple]:
    """Score one chunk: (db path, target type, ids, shop model or None) → sentiment rows."""
    db_path, target_type, ids, shop_model = task
    conn = open_reader(db_path)
    try:
        model = _model_for(conn, shop_model)
        rows = Repos(conn).results.texts(target_type, ids)
        roles = Repos(conn).results.message_roles(ids) if target_type == "message" else None
    finally:
        conn.close()
    texts = [t or "" for _, t in rows]
    empty = [is_no_content(t) for t in texts]
    scores = model.predict_scores(["" if e else t for t, e in zip(texts, empty)])
    version = model.version
    if target_type == "message":
        tone = default_tone()
        scores = tone.adjust(texts, scores, model.neg_below, model.pos_above, roles=roles)
        version = message_version(model.version)
    labels = model.labels(scores)
    return [
        (target_type, rid, None if e else float(sc), None if e else str(lb), int(e), version, content_hash(t))
        for (rid, _), t, e, sc, lb in zip(rows, texts, empty, scores.tolist(), labels.tolist())
    ]


# --- coordinator -----------------------------------------------------------------------


def _run_chunks(
    ctx: JobContext,
    func: Callable,
    tasks: list,
    store_rows: Callable[[list], None],
    *,
    total_texts: int,
    initializer: Callable,
    initargs: tuple = (),
    workers: int | None = None,
) -> None:
    if total_texts < IN_PROCESS_BELOW or workers == 1:
        initializer(*initargs)
        for i, task in enumerate(tasks):
            ctx.check()
            store_rows(func(task))
            ctx.progress(i + 1, len(tasks), "")
        return
    map_in_processes(
        func,
        tasks,
        ctx,
        max_workers=workers,
        initializer=initializer,
        initargs=initargs,
        on_result=lambda _i, rows: store_rows(rows),
    )


@dataclass(frozen=True)
class _Plan:
    """Which texts of which shop get which model."""

    target_type: str
    shop_id: int
    rated: bool | None  # reviews only: rated ones always use the shipped model
    shop_model: int | None  # shop id of a calibrated model, or None for the shipped one
    version: str


def _plans(store, base: SentimentModel) -> list[_Plan]:
    plans = []
    for shop in store.shops.all():
        info = store.shop_models.info(shop.id)
        own = (shop.id, info.version) if info is not None else (None, base.version)
        plans += [
            _Plan("review", shop.id, True, None, base.version),
            _Plan("review", shop.id, False, *own),
            _Plan("message", shop.id, None, own[0], message_version(own[1])),
        ]
    return plans


def _sentiment_stage(
    ctx: JobContext, store, target_type: str, base: SentimentModel, workers: int | None
) -> StageResult:
    """Score every text of this type that has no score from the model that now applies to it."""
    started = time.perf_counter()
    stage = f"sentiment.{target_type}"
    tasks = []
    # Ids only grow (AUTOINCREMENT), so a plan fully scored by its model up to id N has nothing to
    # do below N: the watermark saves the 1M-row anti-join on a run with nothing new.
    marks: list[tuple[str, str, int]] = []  # (prefix, key, top id)
    for plan in (p for p in _plans(store, base) if p.target_type == target_type):
        prefix = f"sentiment.done_to.{target_type}.{plan.shop_id}.{plan.rated}."
        key = prefix + plan.version
        after = int(store.meta.get(key, "0") or 0)
        top = store.results.max_text_id(target_type, shop_id=plan.shop_id, rated=plan.rated)
        ids = (
            store.results.sentiment_pending_ids(
                target_type, plan.version, shop_id=plan.shop_id, rated=plan.rated, after_id=after
            )
            if top > after
            else []
        )
        marks.append((prefix, key, top))
        tasks += [(str(store.path), target_type, list(part), plan.shop_model) for part in chunked(ids, CHUNK_SIZE)]
    total = sum(len(t[2]) for t in tasks)

    def remember() -> None:
        with store.transaction():
            for prefix, key, top in marks:
                store.meta.delete_prefix(prefix)  # the marks of models no longer in use
                store.meta.set(key, str(top))

    if not total:
        remember()
        return StageResult(stage, base.version, 0, time.perf_counter() - started)
    run_id = store.results.start_run(stage, base.version)
    done = 0

    def store_rows(rows: list) -> None:
        nonlocal done
        with store.transaction():
            store.results.upsert_sentiment(rows)
        done += len(rows)
        ctx.progress(done, total, f"情感分析（{TARGET_LABELS[target_type]}）")

    status = "failed"
    try:
        _run_chunks(
            ctx,
            score_sentiment_chunk,
            tasks,
            store_rows,
            total_texts=total,
            initializer=init_sentiment_worker,
            workers=workers,
        )
        status = "done"
        remember()
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        store.results.finish_run(run_id, status, done)
    return StageResult(stage, base.version, done, time.perf_counter() - started)


def analyze(ctx: JobContext, db_path: str | Path, *, workers: int | None = None) -> AnalyzeSummary:
    """Job: run every stage over what is new or changed in the store at ``db_path`` (the CLI's way)."""
    with open_store(db_path) as store:
        return analyze_store(ctx, store, workers=workers)


def analyze_store(ctx: JobContext, store: Store, *, workers: int | None = None) -> AnalyzeSummary:
    """Every stage over what is new or changed, writing through ``store`` (the GUI's writer); what was done.

    On a team store the run holds the import/analysis lock (:func:`cxdesk.store.pg.locks.work_lock`):
    refused at once while another computer imports or analyses, its progress shown to the others.
    """
    from cxdesk.store.pg.locks import work_lock

    with work_lock(store, "analyze", ctx) as locked:
        return _analyze_stages(locked, store, workers)


def _analyze_stages(ctx: JobContext, store: Store, workers: int | None) -> AnalyzeSummary:
    started = time.perf_counter()
    model = SentimentModel.load()
    summary = AnalyzeSummary(store.path)
    summary.stages.append(calibrate_shops(SubContext(ctx, 0, 100, 1000), store, model))
    summary.stages.append(_sentiment_stage(SubContext(ctx, 100, 150, 1000), store, "review", model, workers))
    # Aspects read the first review's sentiment: after review sentiment.
    summary.stages.append(run_aspect_stage(SubContext(ctx, 250, 80, 1000), store, _run_chunks, workers))
    summary.stages.append(_sentiment_stage(SubContext(ctx, 330, 400, 1000), store, "message", model, workers))
    # FAQ answers are ranked by the buyer's end sentiment: after message sentiment.
    summary.stages.append(run_faq_stage(SubContext(ctx, 730, 70, 1000), store, _run_chunks, workers))
    summary.stages.append(run_risk_stage(SubContext(ctx, 800, 80, 1000), store, _run_chunks, workers))
    summary.stages.append(run_abuse_model_stage(SubContext(ctx, 880, 50, 1000), store, _run_chunks, workers))
    # Session flags and risk scores use every flag above: last.
    summary.stages.append(run_service_time_stage(SubContext(ctx, 930, 40, 1000), store))
    summary.stages.append(run_search_index_stage(SubContext(ctx, 970, 30, 1000), store, _run_chunks, workers))
    ctx.progress(1000, 1000, "分析完成")
    summary.seconds = time.perf_counter() - started
    return summary
