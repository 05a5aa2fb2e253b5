"""The aspect stage: aspect mentions of every review and its 追评, and the 追评 shift.

For each review not yet read with the current lexicon and sentiment model
(``review_text_state.rules_version``), a worker process

- reads the aspect mentions of the first review (``part='content'``) and of
  the follow-up (``part='append'``) with :class:`AspectLexicon`;
- scores the follow-up's sentiment with the shipped model;
- marks a **追评 shift** when the first review was positive (sentiment 正面,
  or no text but 4–5 stars) and the follow-up is negative (sentiment 负面, or
  it names only negative aspects). Those reviews are the early warning of a
  quality problem: the buyer was happy on arrival and not after using it.

Platform default texts (此用户未填写评价内容 …) give no mentions.
The stage runs after review sentiment, which it reads for the first review.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from cxdesk.analysis.aspects import AspectLexicon
from cxdesk.analysis.no_content import is_no_content
from cxdesk.analysis.sentiment import SentimentModel
from cxdesk.analysis.stage import StageResult
from cxdesk.errors import Cancelled
from cxdesk.store import open_reader
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext, chunked

STAGE = "aspects"
CHUNK_SIZE = 10_000

_worker: dict[str, object] = {}


def stage_version(lexicon: AspectLexicon, model: SentimentModel) -> str:
    return f"{lexicon.fingerprint}+{model.version}"


def init_aspect_worker() -> None:
    """Pool initializer: load the lexicon and the sentiment model once per process."""
    _worker["lexicon"] = AspectLexicon.load()
    _worker["model"] = SentimentModel.load()


def _text_hash(content: str, append: str) -> str:
    return hashlib.blake2b(f"{content}\x1f{append}".encode(), digest_size=8).hexdigest()


def read_reviews(
    lexicon: AspectLexicon, model: SentimentModel, rows: list[tuple[int, str, str, int | None, str | None]]
) -> tuple[list[tuple], list[tuple]]:
    """(mention rows, state rows) for reviews given as (id, content, append, rating, first label)."""
    version = stage_version(lexicon, model)
    appends = [(i, a) for i, (_, _, a, _, _) in enumerate(rows) if a and not is_no_content(a)]
    scores: list = []
    labels: list = []
    if appends:
        array = model.predict_scores([a for _, a in appends])
        scores, labels = array.tolist(), model.labels(array).tolist()
    append_sentiment = {i: (float(s), str(lb)) for (i, _), s, lb in zip(appends, scores, labels)}
    mentions: list[tuple] = []
    states: list[tuple] = []
    for i, (rid, content, append, rating, first_label) in enumerate(rows):
        if not is_no_content(content):
            mentions += [
                (
                    rid,
                    m.aspect,
                    m.opinion,
                    m.polarity,
                    m.span_start,
                    m.span_end,
                    version,
                    "content",
                    m.clause_start,
                    m.clause_end,
                )
                for m in lexicon.mentions(content)
            ]
        append_score, append_label, shift = None, None, 0
        if i in append_sentiment:
            append_score, append_label = append_sentiment[i]
            found = lexicon.mentions(append)
            mentions += [
                (
                    rid,
                    m.aspect,
                    m.opinion,
                    m.polarity,
                    m.span_start,
                    m.span_end,
                    version,
                    "append",
                    m.clause_start,
                    m.clause_end,
                )
                for m in found
            ]
            first_positive = first_label == "正面" or (first_label is None and (rating or 0) >= 4)
            negatives = sum(m.polarity == "负面" for m in found)
            positives = sum(m.polarity == "正面" for m in found)
            append_negative = append_label == "负面" or (negatives > 0 and positives == 0)
            shift = int(first_positive and append_negative)
        states.append((rid, version, _text_hash(content, append), append_score, append_label, shift))
    return mentions, states


def read_chunk(task: tuple[str, list[int]]) -> tuple[list[int], list[tuple], list[tuple]]:
    """Worker: read one chunk of reviews from the database and return its rows."""
    db_path, ids = task
    if "lexicon" not in _worker:
        init_aspect_worker()
    conn = open_reader(db_path)
    try:
        rows = Repos(conn).results.aspect_inputs(ids)
    finally:
        conn.close()
    mentions, states = read_reviews(_worker["lexicon"], _worker["model"], rows)
    return ids, mentions, states


def run_aspect_stage(ctx: JobContext, store, run_chunks: Callable, workers: int | None) -> StageResult:
    """Read aspects of every review that is new, changed or read by another lexicon/model version."""
    started = time.perf_counter()
    lexicon = AspectLexicon.load()
    version = stage_version(lexicon, SentimentModel.load())
    ids = store.results.aspect_pending_ids(version)
    if not ids:
        return StageResult(STAGE, version, 0, time.perf_counter() - started)
    tasks = [(str(store.path), list(part)) for part in chunked(ids, CHUNK_SIZE)]
    run_id = store.results.start_run(STAGE, version)
    done = 0

    def store_rows(result: tuple[list[int], list[tuple], list[tuple]]) -> None:
        nonlocal done
        chunk_ids, mentions, states = result
        with store.transaction():
            store.results.replace_aspects(chunk_ids, mentions, states)
        done += len(chunk_ids)
        ctx.progress(done, len(ids), "评价方面分析")

    status = "failed"
    try:
        run_chunks(
            ctx, read_chunk, tasks, store_rows, total_texts=len(ids), initializer=init_aspect_worker, workers=workers
        )
        status = "done"
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        store.results.finish_run(run_id, status, done)
    return StageResult(STAGE, version, done, time.perf_counter() - started, unit="条评价")
