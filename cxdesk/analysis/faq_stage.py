"""The FAQ stage: buyer questions out of new chat messages, into lasting clusters.

1. **Extract** (worker processes for big imports): every session with a buyer
   message newer than the last scan is read in order; each buyer message that
   asks a question (:class:`FaqRules`) becomes a member row with its
   normalised form, the first agent reply after it (the answer agents
   actually gave) and the product the session is about, when a product link
   or a word found in only one product title names it.
2. **Place**: questions not in a cluster yet (new ones, and earlier ones that
   were like no other) join the existing cluster whose stored centroid is
   closest when the cosine reaches ``assign_min_similarity``; the rest are
   clustered among themselves (:func:`cluster_vectors`) and every group of at
   least ``min_cluster_size`` questions becomes a new cluster.
3. **Summarise** every cluster that changed: centroid, most central question,
   keywords, label (unless the user renamed it).

With the sentence encoder installed (:mod:`.sentence_vectors`) and ``vector_weight`` > 0,
each distinct question's sentence vector joins its TF-IDF row (:func:`join_vectors`): in
the neighbour search, the stored centroids and the placing of new questions. Vectors come
from the store's cache (only texts never seen are encoded; many of them in the worker
processes); the mean they are centred on is kept with the IDF. Without the encoder the
stage runs on TF-IDF alone (the stage version says which, so switching re-summarises).

Existing members are never re-clustered, so renames, merges, splits, pins,
hides and saved answers survive every re-run. A change of ``faq.json``
re-extracts all messages (questions that are no longer questions leave; the
user's moves stay) and refits the IDF.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import TYPE_CHECKING

import numpy as np

from cxdesk.analysis.faq import label_text, make_words
from cxdesk.analysis import sentence_vectors
from cxdesk.analysis.faq_cluster import (
    Vectoriser,
    assign,
    cluster_vectors,
    decode_centroid_vectors,
    decode_centroids,
    join_vectors,
    summarise,
    vector_mean,
    vector_text,
)
from cxdesk.analysis.faq_text import FaqRules
from cxdesk.analysis.stage import StageResult
from cxdesk.errors import Cancelled
from cxdesk.store import open_reader
from cxdesk.store.faq import FaqRepo
from cxdesk.store.repos import Repos
from cxdesk.tasks import JobContext, SubContext, chunked
from cxdesk.textprep import fold, product_words, word_pattern

if TYPE_CHECKING:
    import scipy.sparse as sp

STAGE = "faq"
ALGORITHM = "faq-louvain-2"  # 2: frame words weighed down, topic-less questions in no cluster
CHUNK_SESSIONS = 5_000
CHUNK_VECTORS = 1_000  # texts per worker task when encoding sentence vectors
VECTOR_COST = 30  # one text's encoding against one text of the other stages (when a pool pays)

_worker: dict[str, object] = {}
_PRODUCT_ID = re.compile(r"(?:[?&]id=|item\.jd\.com/|/goods/|/item/|商品id[:：]?)(\d{5,})")


def uses_vectors(rules: FaqRules) -> bool:
    """Whether this run joins sentence vectors to the TF-IDF rows (weight set and encoder installed)."""
    return rules.cluster.vector_weight > 0 and sentence_vectors.available()


def stage_version(rules: FaqRules) -> str:
    version = f"{rules.fingerprint}+{ALGORITHM}"
    return f"{version}+{sentence_vectors.MODEL_ID}" if uses_vectors(rules) else version


class ProductMatcher:
    """Which product a session is about: a product id in a link, else a word of only one product title."""

    def __init__(self, catalog: Sequence[tuple[str, str]]) -> None:
        self.by_id = {str(pid): title for pid, title in catalog}
        owners: dict[str, set[str]] = {}
        for _, title in catalog:
            for word in product_words([title], [], min_len=3):
                owners.setdefault(word, set()).add(title)
        self.by_word = {w: next(iter(t)) for w, t in owners.items() if len(t) == 1}
        self._words = re.compile(word_pattern(self.by_word)) if self.by_word else None

    def product(self, texts: Sequence[str]) -> str | None:
        for text in texts:
            for m in _PRODUCT_ID.finditer(text or ""):
                if m.group(1) in self.by_id:
                    return self.by_id[m.group(1)]
        if self._words is not None:
            for text in texts:
                m = self._words.search(fold(text or ""))
                if m:
                    return self.by_word[m.group(0)]
        return None


def extract_questions(
    rules: FaqRules, rows: Sequence[tuple], after_id: int, products: ProductMatcher | None = None
) -> list[tuple]:
    """Member rows (message_id, question, norm, session_id, asked_at, answer_id, product).

    ``rows``: (session_id, message id, role, sent_at, content) in session order.
    Only buyer messages with id > ``after_id`` are read as questions; the whole
    session is read for answers and the product.
    """
    out: list[tuple] = []
    seen: dict[str, tuple[str, str] | None] = {}  # buyers repeat themselves (好的, 在吗, 什么时候发货)
    for session_id, group in groupby(rows, key=lambda r: r[0]):
        msgs = list(group)
        product = products.product([m[4] for m in msgs]) if products is not None else None
        waiting: list[list] = []
        for _, mid, role, sent_at, content in msgs:
            if role == "agent":
                for q in waiting:
                    q[5] = mid
                waiting = []
            elif role == "buyer" and mid > after_id:
                if content not in seen:
                    question = rules.question(content)
                    norm = rules.normalise(question) if question else ""
                    seen[content] = (question, norm) if norm else None
                found = seen[content]
                if found:
                    row = [mid, found[0], found[1], session_id, sent_at, None, product]
                    out.append(row)
                    waiting.append(row)
    return [tuple(r) for r in out]


def init_faq_worker() -> None:
    _worker["rules"] = FaqRules.load()


def extract_chunk(task: tuple[str, list[int], int, list[tuple[str, str]]]) -> list[tuple]:
    """Worker: the member rows of one chunk of sessions."""
    db_path, session_ids, after_id, catalog = task
    if "rules" not in _worker:
        init_faq_worker()
    conn = open_reader(db_path)
    try:
        rows = Repos(conn).faq.session_messages(session_ids)
    finally:
        conn.close()
    matcher = ProductMatcher(catalog) if catalog else None
    return extract_questions(_worker["rules"], rows, after_id, matcher)


def init_vector_worker() -> None:
    pass  # the encoder loads on first use, once per worker process


def encode_chunk(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Worker: one chunk of texts and their sentence vectors (chunks come back in any order)."""
    return texts, sentence_vectors.encode(texts)


def question_vectors(
    ctx: JobContext, store, texts: Sequence[str], run_chunks: Callable, workers: int | None
) -> dict[str, np.ndarray]:
    """Sentence vector of each distinct text, through the store's cache.

    Texts the cache lacks are encoded in the worker processes when there are many
    (``run_chunks``, as the extraction), else in this process by :func:`cached_vectors`.
    Call outside any transaction (new vectors are written in one of their own).
    """
    texts = list(dict.fromkeys(texts))
    if not texts:
        return {}
    known = store.text_vectors.get_many(
        sentence_vectors.MODEL_ID, [sentence_vectors.cache_key(t) for t in texts], sentence_vectors.DIM
    )
    missing = [t for t in texts if sentence_vectors.cache_key(t) not in known]
    del known
    done = 0
    if missing and workers != 1 and len(missing) * VECTOR_COST >= _pool_threshold():
        fresh: list[tuple[bytes, np.ndarray]] = []
        tasks = list(chunked(missing, CHUNK_VECTORS))
        sub = SubContext(ctx, 0, 90, 100)

        def keep(result: tuple[list[str], np.ndarray]) -> None:
            part, vectors = result
            fresh.extend(zip((sentence_vectors.cache_key(t) for t in part), vectors))
            sub.progress(len(fresh), len(missing), f"计算语义向量 {len(fresh):,}/{len(missing):,}")

        try:
            run_chunks(
                sub,
                encode_chunk,
                tasks,
                keep,
                total_texts=len(missing) * VECTOR_COST,
                initializer=init_vector_worker,
                workers=workers,
            )
        finally:  # a cancelled run keeps the chunks it finished
            if fresh:
                with store.transaction():
                    store.text_vectors.put_many(sentence_vectors.MODEL_ID, fresh)
        done = len(missing)
    ctx.check()

    def progress(n: int, total: int) -> None:
        ctx.progress(90 if done else int(90 * n / max(total, 1)), 100, f"计算语义向量 {n:,}/{total:,}")

    def cancelled() -> bool:
        ctx.check()
        return False

    vectors = sentence_vectors.cached_vectors(store, texts, progress=progress, cancelled=cancelled)
    ctx.progress(100, 100, "语义向量完成")
    return dict(zip(texts, vectors))


def _pool_threshold() -> int:
    from cxdesk.analysis.engine import IN_PROCESS_BELOW

    return IN_PROCESS_BELOW


# --- coordinator ---------------------------------------------------------------------------


def _distinct(norms: Sequence[str]) -> tuple[list[str], np.ndarray]:
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(n, len(index)) for n in norms), dtype=np.int64, count=len(norms))
    return list(index), inverse


class _Placer:
    """Assigns unclustered questions, makes new clusters, refreshes summaries."""

    def __init__(
        self, store, repo: FaqRepo, rules: FaqRules, refit: bool, vectors: dict[str, np.ndarray] | None = None
    ) -> None:
        self.store, self.repo, self.rules, self.params = store, repo, rules, rules.cluster
        self._store = store
        self._words: Callable[[str], list[str]] | None = None
        _, idf_blob = repo.state("idf")
        idf = None if refit or idf_blob is None else np.frombuffer(idf_blob, dtype=np.float32).copy()
        self.vec = Vectoriser(self.params, self.words if self.params.words else None, idf)
        if idf is not None and len(idf) != self.vec.n_features:
            self.vec.idf = None
        # Sentence vector of each question's vector_text (None: TF-IDF only), and their mean.
        self.vectors = vectors
        self.mean: np.ndarray | None = None
        # (row of each norm, TF-IDF rows, vector rows) of the questions the last place() read.
        self._placed: tuple[dict[str, int], sp.csr_matrix, np.ndarray | None] | None = None
        if vectors is not None:
            model, mean_blob = repo.state("vector_mean")
            if (
                not refit
                and model == sentence_vectors.MODEL_ID
                and mean_blob is not None
                and len(mean_blob) == 4 * sentence_vectors.DIM
            ):
                self.mean = np.frombuffer(mean_blob, dtype=np.float32).copy()

    @property
    def words(self) -> Callable[[str], list[str]]:
        """jieba with the shop's product words, loaded on first use (about a second)."""
        if self._words is None:
            self._words = make_words(product_words(*self._store.reviews.product_names()))
        return self._words

    def fit_idf_if_needed(self, norms: list[str]) -> None:
        if self.vec.idf is not None and (self.vectors is None or self.mean is not None):
            return
        distinct, _ = _distinct(norms)
        if self.vec.idf is None:
            self.vec.fit_idf(self.vec.counts(distinct))
            self.repo.set_state("idf", str(self.params.hash_bits), self.vec.idf.tobytes())
        if self.vectors is not None:
            self.mean = vector_mean(self._raw_vectors(distinct))
            self.repo.set_state("vector_mean", sentence_vectors.MODEL_ID, self.mean.tobytes())

    def _raw_vectors(self, distinct: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(distinct), sentence_vectors.DIM), dtype=np.float32)
        for i, norm in enumerate(distinct):
            found = self.vectors.get(vector_text(norm))
            if found is not None:
                out[i] = found
        return out

    def features(self, distinct: Sequence[str]):
        """(TF-IDF part, sentence-vector part or None) of these distinct normalised questions.

        Rows made by :meth:`place` are reused (the summaries read the same questions again)."""
        if self._placed is not None:
            index, v_all, dense_all = self._placed
            rows = np.fromiter((index.get(n, -1) for n in distinct), dtype=np.int64, count=len(distinct))
            if len(rows) and rows.min() >= 0:
                return v_all[rows], None if dense_all is None else dense_all[rows]
        v = self.vec.transform(distinct)
        if self.vectors is None:
            return v, None
        v, dense = join_vectors(v, self._raw_vectors(distinct), self.mean, self.params.vector_weight)
        if dense is not None:
            # A text without a vector (not expected: all were fetched) gets no vector part, not −mean.
            dense[[vector_text(n) not in self.vectors for n in distinct]] = 0.0
        return v, dense

    def place(self, ctx: JobContext, pending: list[tuple[int, str]]) -> dict[int, int]:
        """Cluster for each pending (message_id, norm) that found one: an existing or a new cluster."""
        if not pending:
            return {}
        distinct, inverse = _distinct([n for _, n in pending])
        v, dense = self.features(distinct)
        self._placed = ({n: i for i, n in enumerate(distinct)}, v, dense)
        known = [(cid, blob) for cid, blob in self.repo.centroids() if blob]
        cents = decode_centroids([b for _, b in known], self.vec.n_features)
        cent_vectors = (
            decode_centroid_vectors([b for _, b in known], sentence_vectors.DIM) if dense is not None else None
        )
        best, _ = assign(v, cents, self.params.assign_min_similarity, dense=dense, centroid_vectors=cent_vectors)
        target = np.array([known[b][0] if b >= 0 else -1 for b in best.tolist()], dtype=np.int64)
        # The same question asked before goes where it went then (a broad cluster's
        # centroid may sit below the threshold for its own short members).
        seen = self.repo.clusters_for_norms(distinct)
        if seen:
            target = np.array([seen.get(d, t) for d, t in zip(distinct, target.tolist())], dtype=np.int64)
        ctx.check()
        rest = np.flatnonzero(target < 0)
        if len(rest):
            groups = cluster_vectors(
                v[rest], self.params, check=ctx.check, dense=None if dense is None else dense[rest]
            )
            asked = np.bincount(inverse, minlength=len(distinct))
            sizes = np.bincount(groups, weights=asked[rest])
            # A question with no topic left (only frame words: 怎么操作, {数字}到哪里了) has no
            # features; however often it is asked, it is no cluster of its own.
            sizes[groups[v[rest].getnnz(axis=1) == 0]] = 0
            new_ids: dict[int, int] = {}
            for g in np.flatnonzero(sizes >= self.params.min_cluster_size).tolist():
                new_ids[g] = self.repo.create_cluster("")
            target[rest] = [new_ids.get(g, -1) for g in groups.tolist()]
        return {mid: c for (mid, _), c in zip(pending, target[inverse].tolist()) if c >= 0}

    def summarise(self, ctx: JobContext, cluster_ids: set[int]) -> None:
        if not cluster_ids:
            return
        rows = self.repo.cluster_member_norms(sorted(cluster_ids))
        for cid, group in groupby(rows, key=lambda r: r[0]):
            ctx.check()
            part = list(group)
            distinct, inverse = _distinct([r[2] for r in part])
            counts = np.bincount(inverse, minlength=len(distinct))
            shown = {}
            for r, d in zip(part, inverse.tolist()):
                shown.setdefault(d, (r[1], r[3]))
            v, dense = self.features(distinct)
            s = summarise(
                np.arange(len(distinct)),
                v,
                distinct,
                counts,
                self.words,
                self.rules.stopwords,
                self.params,
                self.vec.rarity,
                dense,
            )
            central_id, central_text = shown[s.central]
            self.repo.update_summary(cid, label_text(central_text, s.keywords), s.keywords, s.centroid, central_id)


def run_faq_stage(ctx: JobContext, store, run_chunks: Callable, workers: int | None) -> StageResult:
    """Extract questions from new buyer messages and place them in lasting clusters."""
    started = time.perf_counter()
    rules = FaqRules.load()
    version = stage_version(rules)
    repo = store.faq
    old_version, _ = repo.state("version")
    rescan = old_version != version
    upto = 0 if rescan else int(repo.state("scanned_upto")[0] or 0)
    top = repo.max_message_id()
    sessions = repo.sessions_to_scan(upto) if top > upto else []
    dirty = {cid for cid, blob in repo.centroids() if blob is None}
    if not sessions and not dirty and not rescan:
        return StageResult(STAGE, version, 0, time.perf_counter() - started, unit="个问题")
    run_id = store.results.start_run(STAGE, version)
    extracted: list[tuple] = []
    status = "failed"
    try:
        catalog = [tuple(r) for r in repo.product_catalog()]
        tasks = [(str(store.path), list(part), upto, catalog) for part in chunked(sessions, CHUNK_SESSIONS)]
        sub = SubContext(ctx, 0, 50, 100)

        def keep(rows: list[tuple]) -> None:
            extracted.extend(rows)
            sub.progress(len(extracted), max(len(extracted), 1), "抽取买家问题")

        run_chunks(
            sub,
            extract_chunk,
            tasks,
            keep,
            total_texts=len(sessions) * 10,
            initializer=init_faq_worker,
            workers=workers,
        )
        # Worker chunks arrive in completion order; the grouping (Louvain, the cells' k-means sample)
        # follows row order, so restore the in-process order (sessions by id, each in its own order).
        extracted.sort(key=lambda r: r[3])
        vectors = None
        if uses_vectors(rules):
            # Every question's vector (cached ones are only read): before the transaction below,
            # since the cache writes new vectors in a transaction of its own.
            needed = {vector_text(m[2]) for m in repo.members()} | {vector_text(r[2]) for r in extracted}
            vectors = question_vectors(SubContext(ctx, 50, 15, 100), store, sorted(needed), run_chunks, workers)
        ctx.progress(65, 100, "归入问题组")
        # A first run writes a few hundred thousand members: bulk settings (FK checks off:
        # every id written was just read from the same database, inside this transaction).
        with store.bulk_load(), store.transaction():
            if rescan:
                found = {r[0] for r in extracted}
                repo.delete_members([m[0] for m in repo.members() if m[0] not in found])
            placer = _Placer(store, repo, rules, refit=rescan, vectors=vectors)
            if placer.vec.idf is None or (vectors is not None and placer.mean is None):
                placer.fit_idf_if_needed([m[2] for m in repo.members()] + [r[2] for r in extracted])
            # Without a rescan every extracted message is newer than any member.
            old = {m[0]: m for m in repo.members(unclustered_only=not rescan)}
            before = repo.sizes()
            # Pending: new questions, and earlier ones that were like no other (never the user's).
            pending = {m[0]: m[2] for m in old.values() if m[1] is None and not m[3]}
            pending.update((r[0], r[2]) for r in extracted if r[0] not in old or r[0] in pending)
            placed = placer.place(SubContext(ctx, 65, 20, 100), list(pending.items()))
            repo.upsert_members([(*r, placed.get(r[0])) for r in extracted])
            fresh = {r[0] for r in extracted}
            repo.set_clusters((mid, cid) for mid, cid in placed.items() if mid not in fresh)
            gained: dict[int, int] = {}
            for cid in placed.values():
                gained[cid] = gained.get(cid, 0) + 1
            # Relabel new clusters and those that grew by a fifth; a big cluster's centroid
            # and label hardly move with a few more questions (and reading all its members costs).
            changed = {cid for cid, n in gained.items() if n >= 0.2 * before.get(cid, 0)}
            ctx.progress(85, 100, "生成问题组标签")
            # After a rescan every centroid is stale (members left, IDF refitted).
            changed |= {cid for cid, blob in repo.centroids() if blob is None or rescan}
            placer.summarise(SubContext(ctx, 85, 15, 100), changed)
            repo.refresh_sizes()
            repo.set_state("version", version)
            repo.set_state("scanned_upto", str(top))
        status = "done"
    except Cancelled:
        status = "cancelled"
        raise
    finally:
        store.results.finish_run(run_id, status, len(extracted))
    ctx.progress(100, 100, "常见问题完成")
    return StageResult(STAGE, version, len(extracted), time.perf_counter() - started, unit="个问题")
