"""差评原因 (cxdesk.analysis.star_drivers) checked on reviews it never saw.

Usage: python bench/star_drivers_eval.py [--data ../shared/data] [--top 3]

Data: online_shopping_10_cats (JD/Taobao reviews, 10 categories, label 0 negative / 1
positive; evaluation only, not shipped). Each category stands for one shop, label 0 for its
差评 and 1 for its 好评. The aspect reader (the shipped lexicon) reads every review; the
drivers are fitted on the rows with an even index and checked on the odd rows:

- **held-out AUC**: how well the fitted weights, summed over a review's (aspect, polarity)
  mentions, rank the odd half's 差评 above its 好评. 0.5 = the drivers say nothing; it
  measures whether what the page calls a cause of low ratings holds on reviews it was not
  fitted on.
- **stability**: Spearman correlation of the weights fitted on the even half with weights
  fitted on the odd half alone (aspects with ≥ MIN_MENTIONS mentions in both).
- **sentiment with drivers** (issue 16: "use the shop's own star ratings to learn which aspects
  drive a low star"): the shipped sentiment model's accuracy on the odd half against a per-shop
  logistic regression on [model logit, the (aspect, polarity) indicators] fitted on the even
  half. Not shipped unless it gains; printed either way.

The aspect lexicon's complaint phrasings were learned partly from this set's even rows
(bench/README.md, aspects-v4…v7), so the odd half is the honest one; the drivers' counts on
it are what a shop would see.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _spearman(a, b) -> float:
    import numpy as np
    from scipy.stats import spearmanr

    if len(a) < 3:
        return float("nan")
    return float(spearmanr(np.asarray(a), np.asarray(b)).statistic)


def evaluate(data: Path, top: int = 3) -> dict:
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from cxdesk.analysis.aspects import AspectLexicon
    from cxdesk.analysis.sentiment import SentimentModel, fit_shop_model
    from cxdesk.analysis.star_drivers import star_drivers
    from cxdesk.ratings import BAD, GOOD

    frame = pd.read_csv(data / "online_shopping_10_cats" / "online_shopping_10_cats.zip")
    frame = frame[frame["review"].map(lambda t: isinstance(t, str) and bool(t.strip()))].reset_index(drop=True)
    lexicon = AspectLexicon.load(ROOT / "resources" / "lexicons" / "aspects.json")
    model = SentimentModel.load()
    started = time.perf_counter()
    texts = frame["review"].tolist()
    mentions = [{(m.aspect, m.polarity) for m in lexicon.mentions(t) if m.polarity in ("正面", "负面")} for t in texts]
    logits = np.nan_to_num(model.decision_function(texts))
    read_s = time.perf_counter() - started
    out: dict = {"lexicon": lexicon.fingerprint, "model": model.version, "read_s": read_s, "shops": {}}
    for cat, part in frame.groupby("cat"):
        idx = part.index.to_numpy()
        labels = part["label"].to_numpy()
        halves = {h: idx[(idx % 2) == r] for h, r in (("even", 0), ("odd", 1))}

        def rows(ids):
            for i in ids:
                cls = BAD if int(frame.at[i, "label"]) == 0 else GOOD
                found = mentions[i]
                if not found:
                    yield (int(i), cls, None, None)
                for aspect, polarity in found:
                    yield (int(i), cls, aspect, polarity)

        fitted = star_drivers(rows(halves["even"]), overall=lexicon.overall)
        other = star_drivers(rows(halves["odd"]), overall=lexicon.overall)
        weight = {(d.aspect, d.polarity): d.weight for d in fitted.drivers}
        odd = halves["odd"]
        y_odd = np.array([int(frame.at[i, "label"]) == 0 for i in odd])
        score = np.array([sum(weight.get(k, 0.0) for k in mentions[i]) for i in odd])
        auc = roc_auc_score(y_odd, score) if 0 < y_odd.sum() < len(y_odd) else float("nan")
        both = {(d.aspect, d.polarity): d.weight for d in other.drivers}
        common = sorted(set(weight) & set(both))
        stability = _spearman([weight[k] for k in common], [both[k] for k in common])

        # Sentiment: logit alone against logit + indicators, fitted per shop on the even half.
        keys = sorted(weight)
        column = {k: j for j, k in enumerate(keys)}

        def design(ids):
            x = np.zeros((len(ids), len(keys) + 1))
            x[:, 0] = logits[ids]
            for r, i in enumerate(ids):
                for k in mentions[i]:
                    if k in column:
                        x[r, 1 + column[k]] = 1.0
            return x

        even = halves["even"]
        y_even = np.array([int(frame.at[i, "label"]) for i in even])
        positive_odd = (~y_odd).astype(int)
        recalibrated = LogisticRegression(C=1.0, max_iter=2000).fit(design(even)[:, :1], y_even)
        stacked = LogisticRegression(C=1.0, max_iter=2000).fit(design(even), y_even)
        base_acc = float(((logits[odd] > 0) == (~y_odd)).mean())
        recal_acc = float((recalibrated.predict(design(odd)[:, :1]) == positive_odd).mean())
        stacked_acc = float((stacked.predict(design(odd)) == positive_odd).mean())
        # The shop model the app fits (n-grams + logit) with and without the indicators.
        texts_even = [texts[i] for i in even]
        texts_odd = [texts[i] for i in odd]
        shop, _ = fit_shop_model(texts_even, y_even.tolist(), model, refit_all=True)
        shop_logit = np.nan_to_num(shop.decision_function(texts_odd))
        shop_acc = float(((shop_logit > 0) == (~y_odd)).mean())
        shop_even = np.nan_to_num(shop.decision_function(texts_even))
        x_even, x_odd = design(even), design(odd)
        x_even[:, 0], x_odd[:, 0] = shop_even, shop_logit
        shop_stacked = LogisticRegression(C=1.0, max_iter=2000).fit(x_even, y_even)
        shop_stacked_acc = float((shop_stacked.predict(x_odd) == positive_odd).mean())
        out["shops"][cat] = {
            "n": len(idx),
            "negative_share": float((labels == 0).mean()),
            "coverage_odd": other.complaint_coverage,
            "auc_odd": float(auc),
            "stability": stability,
            "n_common": len(common),
            "top": [(d.label, d.odds_ratio, d.bad_with, d.good_with) for d in fitted.towards_bad()[:top]],
            "sentiment_base": base_acc,
            "sentiment_stacked": stacked_acc,
            "sentiment_recalibrated": recal_acc,
            "sentiment_shop": shop_acc,
            "sentiment_shop_stacked": shop_stacked_acc,
            "n_odd": len(odd),
        }
    return out


SENTIMENT = (
    ("sentiment_base", "shipped model"),
    ("sentiment_recalibrated", "model logit recalibrated per shop"),
    ("sentiment_stacked", "model logit + drivers"),
    ("sentiment_shop", "shop model (what the app fits: n-grams + logit)"),
    ("sentiment_shop_stacked", "shop model + drivers"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--top", type=int, default=3)
    args = parser.parse_args()
    result = evaluate(args.data, args.top)
    shops = result["shops"]
    print(f"lexicon {result['lexicon']}, model {result['model']}; read + score {result['read_s']:.1f} s")
    print(
        "| shop (category) | reviews | 差评 share | odd half: 差评 with a named complaint | held-out AUC "
        "| weight stability ρ (n) | top drivers, fitted on the even half (×odds, 差评/好评 mentions) |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for cat, s in shops.items():
        top = "; ".join(f"{label} ×{ratio:.1f} ({bad}/{good})" for label, ratio, bad, good in s["top"])
        print(
            f"| {cat} | {s['n']:,} | {s['negative_share']:.0%} | {s['coverage_odd']:.0%} | {s['auc_odd']:.3f} "
            f"| {s['stability']:.2f} ({s['n_common']}) | {top} |"
        )
    total_n = sum(s["n_odd"] for s in shops.values())
    print(f"\nSentiment accuracy on the odd half ({total_n:,} reviews; per shop, fitted on its even half):")
    print("| variant | all | " + " | ".join(shops) + " |")
    print("|---|---:|" + "---:|" * len(shops))
    for key, name in SENTIMENT:
        overall = sum(s[key] * s["n_odd"] for s in shops.values()) / total_n
        print(f"| {name} | {overall:.2%} | " + " | ".join(f"{s[key]:.2%}" for s in shops.values()) + " |")


if __name__ == "__main__":
    main()
