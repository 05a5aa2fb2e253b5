"""Aspect reading measured on zhijiang_opinion: category × polarity F1.

Usage: python bench/aspect_eval.py [--data ../shared/data] [--show N] [--learned] [--speed N]
       python bench/aspect_eval.py --online-shopping [--show N]

zhijiang_opinion (之江杯 2019, cosmetics reviews; evaluation only, not shipped)
labels each review with (aspect term, opinion term, category, polarity)
tuples. Per review, the set of (category, polarity) pairs predicted is
compared with the labelled set; precision, recall and F1 are micro-averaged
over all pairs. Our taxonomy is wider (it covers clothes and home goods too),
so its aspects are mapped onto the 13 zhijiang categories (CATEGORY_MAP);
aspects with no counterpart (质量, 做工/材质, 颜色/外观, 描述相符) count as 其他.

The lexicon was written by hand and then checked against reviews with an
id ≤ 1600 (the "dev" half); the "held-out" half (id > 1600) was not looked
at while writing it. Both halves are reported.

``--online-shopping`` is a second check on other data (online_shopping_10_cats,
JD/Taobao reviews of 10 categories with a review-level label, 0 = negative):
per category, the share of negative reviews with at least one 负面 aspect
(complaint recall, review level) and the share of positive reviews with one
(complaints read into praise). Rows with an even index are the half whose
misses were read while writing complaint phrasings ("look"); rows with an odd
index were not read ("check"). ``--show N`` then prints N negative reviews of
the look half that get no 负面 aspect, spread over the categories.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORY_MAP = {
    "整体": "整体",
    "使用体验": "使用体验",
    "效果/功能": "功效",
    "价格/性价比": "价格",
    "物流/快递": "物流",
    "气味": "气味",
    "包装": "包装",
    "正品/真伪": "真伪",
    "客服/服务": "服务",
    "成分": "成分",
    "尺码/大小": "尺寸",
    "新鲜度/保质期": "新鲜度",
}
DEV_MAX_ID = 1600


def load(data: Path):
    import pandas as pd

    folder = data / "zhijiang_opinion"
    reviews = pd.read_csv(folder / "Train_reviews.csv")
    labels = pd.read_csv(folder / "Train_labels.csv")
    gold: dict[int, set] = {int(i): set() for i in reviews["id"]}
    for rid, cat, pol in labels[["id", "Categories", "Polarities"]].itertuples(index=False):
        gold[int(rid)].add((cat, pol))
    return dict(zip(reviews["id"].astype(int), reviews["Reviews"].astype(str))), gold


def predict(lexicon, text: str) -> set:
    return {(CATEGORY_MAP.get(m.aspect, "其他"), m.polarity) for m in lexicon.mentions(text)}


def score(pairs) -> dict:
    tp = fp = fn = 0
    for pred, gold in pairs:
        tp += len(pred & gold)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "n": len(pairs)}


def evaluate(data: Path, show: int = 0) -> dict:
    from cxdesk.analysis.aspects import AspectLexicon

    lexicon = AspectLexicon.load(ROOT / "resources" / "lexicons" / "aspects.json")
    lexicon.mentions("暑假")  # load jieba (one-character words are checked on tokens) before timing
    texts, gold = load(data)
    started = time.perf_counter()
    predicted = {rid: predict(lexicon, text) for rid, text in texts.items()}
    seconds = time.perf_counter() - started
    out = {
        "all": score([(predicted[i], gold[i]) for i in texts]),
        "dev": score([(predicted[i], gold[i]) for i in texts if i <= DEV_MAX_ID]),
        "held_out": score([(predicted[i], gold[i]) for i in texts if i > DEV_MAX_ID]),
        "reviews_per_s": len(texts) / seconds,
        "lexicon": lexicon.fingerprint,
    }
    per_cat = {}
    for cat in sorted({c for g in gold.values() for c, _ in g}):
        per_cat[cat] = score(
            [({p for p in predicted[i] if p[0] == cat}, {g for g in gold[i] if g[0] == cat}) for i in texts]
        )
    out["per_category"] = per_cat
    for key, ids in (
        ("recall_by_polarity", list(texts)),
        ("dev_recall_by_polarity", [i for i in texts if i <= DEV_MAX_ID]),
        ("held_out_recall_by_polarity", [i for i in texts if i > DEV_MAX_ID]),
    ):
        polarity_hits = Counter()
        for i in ids:
            for cat, pol in gold[i]:
                polarity_hits[(pol, (cat, pol) in predicted[i])] += 1
        out[key] = {
            pol: polarity_hits[(pol, True)] / max(1, polarity_hits[(pol, True)] + polarity_hits[(pol, False)])
            for pol in ("正面", "中性", "负面")
        }
    if show:
        shown = 0
        for i in texts:
            if i <= DEV_MAX_ID and predicted[i] != gold[i]:
                print(f"{i}: {texts[i][:70]}\n   pred {sorted(predicted[i])}\n   gold {sorted(gold[i])}")
                shown += 1
                if shown >= show:
                    break
    return out


def learned_combination(data: Path, add_at: float = 0.5, drop_below: float = 0.05) -> dict:
    """Experiment, not shipped: the lexicon plus a supervised model trained on ids ≤ 1600.

    Character 1–3-gram TF-IDF and one logistic regression per (category,
    polarity) pair with at least 3 dev reviews. The combination adds a pair
    the model gives ≥ ``add_at`` and drops a lexicon pair it gives
    < ``drop_below``. Scored on the held-out half only. zhijiang's licence is
    "internal evaluation only", so a model learned from it is not shipped.
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from cxdesk.analysis.aspects import AspectLexicon

    lexicon = AspectLexicon.load(ROOT / "resources" / "lexicons" / "aspects.json")
    texts, gold = load(data)
    dev = [i for i in texts if i <= DEV_MAX_ID]
    held = [i for i in texts if i > DEV_MAX_ID]
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    x_dev = vec.fit_transform([texts[i] for i in dev])
    x_held = vec.transform([texts[i] for i in held])
    probs = {}
    for pair in sorted({p for i in dev for p in gold[i]}):
        y = np.array([pair in gold[i] for i in dev])
        if y.sum() >= 3:
            probs[pair] = LogisticRegression(C=10, max_iter=1000).fit(x_dev, y).predict_proba(x_held)[:, 1]
    model, combined = {}, {}
    for k, i in enumerate(held):
        model[i] = {p for p, pr in probs.items() if pr[k] >= 0.4}
        pred = predict(lexicon, texts[i]) | {p for p, pr in probs.items() if pr[k] >= add_at}
        combined[i] = {p for p in pred if p not in probs or probs[p][k] >= drop_below}
    out = {
        "model": score([(model[i], gold[i]) for i in held]),
        "combined": score([(combined[i], gold[i]) for i in held]),
    }
    hits = Counter((pol, (cat, pol) in combined[i]) for i in held for cat, pol in gold[i])
    out["combined_negative_recall"] = hits[("负面", True)] / max(1, hits[("负面", True)] + hits[("负面", False)])
    return out


def speed(data: Path, n: int) -> float:
    """Seconds to read ``n`` reviews sampled (seed 1) from online_shopping_10_cats, one process."""
    import random

    import pandas as pd

    from cxdesk.analysis.aspects import AspectLexicon

    frame = pd.read_csv(data / "online_shopping_10_cats" / "online_shopping_10_cats.zip")
    texts = [str(t) for t in frame["review"].dropna()]
    rng = random.Random(1)
    sample = [rng.choice(texts) for _ in range(n)]
    lexicon = AspectLexicon.load(ROOT / "resources" / "lexicons" / "aspects.json")
    lexicon.mentions("暑假")  # load jieba before timing
    started = time.perf_counter()
    for text in sample:
        lexicon.mentions(text)
    return time.perf_counter() - started


def online_shopping(data: Path, show: int = 0) -> dict:
    """Per category and half: share of label-0 reviews with ≥ 1 负面 aspect and of label-1 reviews with one."""
    import random

    import pandas as pd

    from cxdesk.analysis.aspects import AspectLexicon

    frame = pd.read_csv(data / "online_shopping_10_cats" / "online_shopping_10_cats.zip")
    lexicon = AspectLexicon.load(ROOT / "resources" / "lexicons" / "aspects.json")
    counts: Counter = Counter()  # (half, category, label, has_complaint)
    misses: dict[str, list[str]] = {}
    for index, (cat, label, text) in enumerate(frame[["cat", "label", "review"]].itertuples(index=False)):
        if not isinstance(text, str) or not text.strip():
            continue
        half = "look" if index % 2 == 0 else "check"
        complaint = any(m.polarity == "负面" for m in lexicon.mentions(text))
        counts[(half, cat, int(label), complaint)] += 1
        if show and half == "look" and int(label) == 0 and not complaint:
            misses.setdefault(cat, []).append(text)
    out = {"lexicon": lexicon.fingerprint}
    for half in ("look", "check"):
        rows = {}
        for cat in sorted({c for _, c, _, _ in counts} | {"all"}):
            row = {}
            for label, key in ((0, "negative_with_complaint"), (1, "positive_with_complaint")):
                yes = sum(
                    v
                    for (h, c, lab, hit), v in counts.items()
                    if h == half and lab == label and hit and cat in (c, "all")
                )
                n = sum(v for (h, c, lab, _), v in counts.items() if h == half and lab == label and cat in (c, "all"))
                row[key] = yes / n if n else 0.0
                row["n_" + key.split("_")[0]] = n
            rows[cat] = row
        out[half] = rows
    if show:
        rng = random.Random(1)
        per_cat = max(1, show // max(1, len(misses)))
        for cat, texts in sorted(misses.items()):
            for text in rng.sample(texts, min(per_cat, len(texts))):
                print(f"[{cat}] {text[:120]}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--show", type=int, default=0, help="print N dev reviews where prediction ≠ labels")
    parser.add_argument(
        "--learned",
        action="store_true",
        help="also score the experiment lexicon + model trained on ids ≤ 1600 (not shipped)",
    )
    parser.add_argument(
        "--speed",
        type=int,
        default=0,
        metavar="N",
        help="only time the reader on N reviews sampled from online_shopping_10_cats",
    )
    parser.add_argument(
        "--online-shopping",
        action="store_true",
        help="only the review-level complaint check on online_shopping_10_cats (see the module docstring)",
    )
    args = parser.parse_args()
    if args.online_shopping:
        res = online_shopping(args.data, args.show)
        print(f"online_shopping_10_cats, lexicon {res['lexicon']}: share of reviews with >= 1 负面 aspect")
        print("  category   look: label 0 / label 1      check: label 0 / label 1")
        for cat in res["check"]:
            look, check = res["look"][cat], res["check"][cat]
            print(
                f"  {cat:6s} {look['negative_with_complaint']:6.3f} / {look['positive_with_complaint']:.3f}"
                f" (n={look['n_negative']:5d}/{look['n_positive']:5d})"
                f"   {check['negative_with_complaint']:6.3f} / {check['positive_with_complaint']:.3f}"
                f" (n={check['n_negative']:5d}/{check['n_positive']:5d})"
            )
        return
    if not (args.data / "zhijiang_opinion").exists():
        raise SystemExit(f"zhijiang_opinion not found under {args.data}")
    if args.speed:
        seconds = speed(args.data, args.speed)
        print(f"speed: {args.speed:,} online_shopping reviews read in {seconds:.1f} s (one process)")
        return
    if args.learned:
        res = learned_combination(args.data)
        for part in ("model", "combined"):
            s = res[part]
            print(f"held_out {part:8s} P={s['precision']:.3f}  R={s['recall']:.3f}  F1={s['f1']:.3f}  (not shipped)")
        print(f"held_out combined negative recall {res['combined_negative_recall']:.3f}")
    out = evaluate(args.data, args.show)
    for part in ("all", "dev", "held_out"):
        s = out[part]
        print(f"{part:9s} n={s['n']:5d}  P={s['precision']:.3f}  R={s['recall']:.3f}  F1={s['f1']:.3f}")
    print("per category (F1, P, R):")
    for cat, s in sorted(out["per_category"].items(), key=lambda kv: -kv[1]["f1"]):
        print(f"  {cat:5s} F1={s['f1']:.3f}  P={s['precision']:.3f}  R={s['recall']:.3f}")
    print("recall by polarity:", {k: round(v, 3) for k, v in out["recall_by_polarity"].items()})
    print("dev recall by polarity:", {k: round(v, 3) for k, v in out["dev_recall_by_polarity"].items()})
    print("held-out recall by polarity:", {k: round(v, 3) for k, v in out["held_out_recall_by_polarity"].items()})
    print(f"speed: {out['reviews_per_s']:,.0f} reviews/s (one process); lexicon {out['lexicon']}")


if __name__ == "__main__":
    main()
