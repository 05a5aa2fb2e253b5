"""Aspect reading measured on zhijiang_opinion: category × polarity F1.

Usage: python bench/aspect_eval.py [--data ../shared/data] [--show N]

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
    "整体": "整体", "使用体验": "使用体验", "效果/功能": "功效", "价格/性价比": "价格", "物流/快递": "物流",
    "气味": "气味", "包装": "包装", "正品/真伪": "真伪", "客服/服务": "服务", "成分": "成分",
    "尺码/大小": "尺寸", "新鲜度/保质期": "新鲜度",
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
        per_cat[cat] = score([({p for p in predicted[i] if p[0] == cat}, {g for g in gold[i] if g[0] == cat})
                              for i in texts])
    out["per_category"] = per_cat
    polarity_hits = Counter()
    for i in texts:
        for cat, pol in gold[i]:
            polarity_hits[(pol, (cat, pol) in predicted[i])] += 1
    out["recall_by_polarity"] = {pol: polarity_hits[(pol, True)] / max(1, polarity_hits[(pol, True)]
                                                                         + polarity_hits[(pol, False)])
                                 for pol in ("正面", "中性", "负面")}
    if show:
        shown = 0
        for i in texts:
            if i <= DEV_MAX_ID and predicted[i] != gold[i]:
                print(f"{i}: {texts[i][:70]}\n   pred {sorted(predicted[i])}\n   gold {sorted(gold[i])}")
                shown += 1
                if shown >= show:
                    break
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--show", type=int, default=0, help="print N dev reviews where prediction ≠ labels")
    args = parser.parse_args()
    if not (args.data / "zhijiang_opinion").exists():
        raise SystemExit(f"zhijiang_opinion not found under {args.data}")
    out = evaluate(args.data, args.show)
    for part in ("all", "dev", "held_out"):
        s = out[part]
        print(f"{part:9s} n={s['n']:5d}  P={s['precision']:.3f}  R={s['recall']:.3f}  F1={s['f1']:.3f}")
    print("per category (F1, P, R):")
    for cat, s in sorted(out["per_category"].items(), key=lambda kv: -kv[1]["f1"]):
        print(f"  {cat:5s} F1={s['f1']:.3f}  P={s['precision']:.3f}  R={s['recall']:.3f}")
    print("recall by polarity:", {k: round(v, 3) for k, v in out["recall_by_polarity"].items()})
    print(f"speed: {out['reviews_per_s']:,.0f} reviews/s (one process); lexicon {out['lexicon']}")


if __name__ == "__main__":
    main()
