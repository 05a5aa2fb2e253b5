"""Abusive-language classifier: accuracy on COLD test, false alarms on real JD chats, speed.

    python bench/risk_eval.py [--data ../shared/data] [--model resources/models/offensive-v1.npz]

Measures, in one run, the shipped model (``cxdesk.analysis.offensive``) at its stored threshold:

- precision / recall / F1 on COLD ``test.csv`` (never used for training or for the threshold),
  and the flag rate per fine-grained test class;
- the false-alarm rate on ``jddc_sample`` agent messages (``waiter_send = 1``) and buyer
  messages (``waiter_send = 0``): real JD customer-service lines, none of them labelled, so
  every flag counts as a false alarm here (an upper bound: a genuinely rude buyer line
  would count too; the examples are printed to check); 10 examples, masked and truncated;
- ``predict_scores`` texts/s in one process on chat-length messages, next to the sentiment
  model's (same hashed features) measured in the same run.

Evaluation data only: nothing here is shipped or trained on.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxdesk.analysis.offensive import OffensiveModel  # noqa: E402

FINE = {0: "safe (other)", 1: "attack individual", 2: "attack group", 3: "safe (anti-bias)"}


def mask(text: str, width: int = 30) -> str:
    """Digits and Latin letters masked (order numbers, ids), one line, at most ``width`` chars."""
    out = "".join("#" if ch.isascii() and ch.isalnum() else ch for ch in text.replace("\n", " "))
    return out if len(out) <= width else out[:width] + "…"


def rate(fn, texts: list[str], min_seconds: float = 2.0) -> float:
    fn(texts[:1000])
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
    ap.add_argument("--model", type=Path, default=None, help="model .npz (default: the shipped one)")
    args = ap.parse_args(argv)
    need = [args.data / "cold" / "test.csv", args.data / "jddc_sample" / "chat_0.1per.txt"]
    missing = [str(p) for p in need if not p.exists()]
    if missing:
        print("Evaluation data not found (needs ../shared/data, see its README.md):", *missing, sep="\n  ")
        return 0
    import pandas as pd

    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}")
    model = OffensiveModel.load(args.model)
    print(f"model: {model.version}, threshold {model.threshold:.2f} ({model.info.get('threshold_rule', '?')})")

    # -- COLD test
    cold = pd.read_csv(args.data / "cold" / "test.csv", encoding="utf-8-sig")
    y = cold["label"].to_numpy()
    flag = model.is_offensive(model.predict_scores(cold["TEXT"].astype(str).tolist()))
    tp = int(np.sum(flag & (y == 1)))
    p = tp / max(int(flag.sum()), 1)
    r = tp / max(int((y == 1).sum()), 1)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"\nCOLD test ({len(y):,} comments, {int(y.sum()):,} offensive): "
        f"precision {p:.3f}, recall {r:.3f}, F1 {f1:.3f}  (target F1 >= 0.75)"
    )
    fine = cold["fine-grained-label"].to_numpy()
    print(
        "  flagged per fine-grained class: "
        + ", ".join(f"{FINE[k]} {np.mean(flag[fine == k]):.1%} (n={int(np.sum(fine == k))})" for k in sorted(FINE))
    )

    # -- JDDC false alarms
    jddc = pd.read_csv(
        args.data / "jddc_sample" / "chat_0.1per.txt",
        sep="\t",
        header=None,
        quoting=3,
        dtype=str,
        keep_default_na=False,
    )
    for who, code in (("agent", "1"), ("buyer", "0")):
        texts = jddc.loc[jddc[2] == code, 6].tolist()
        scores = model.predict_scores(texts)
        hits = np.flatnonzero(model.is_offensive(scores))
        target = "  (target <= 1%)" if who == "agent" else ""
        print(
            f"\nJDDC {who} messages: {len(hits)} of {len(texts):,} flagged = false-alarm rate "
            f"{len(hits) / len(texts):.2%}{target}"
        )
        for i in hits[np.argsort(-scores[hits], kind="stable")][:10]:
            print(f"  {scores[i]:.2f}  {mask(texts[i])}")

    # -- speed
    chats = jddc[6].tolist()
    chats = (chats * (200_000 // len(chats) + 1))[:200_000]
    speed = rate(model.predict_scores, chats)
    print(
        f"\npredict_scores, one process, JDDC messages (mean {np.mean([len(t) for t in chats]):.0f} chars): "
        f"{speed:,.0f} texts/s (1M messages ≈ {1e6 / speed:.1f} s)"
    )
    from cxdesk.analysis.sentiment import SentimentModel

    ref = rate(SentimentModel.load().predict_scores, chats)
    print(
        f"  reference, same texts and features: sentiment predict_scores {ref:,.0f} texts/s "
        f"(speed depends on the machine's load: compare the two)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
