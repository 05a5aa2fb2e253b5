"""辱骂 (abusive language) as the analysis flags it: precision on hand-labelled lines, COLD, JDDC.

    python bench/abuse_eval.py [--data ../shared/data] [--set bench/data/abuse_lines.csv]

A message gets 辱骂 when a word-aware 辱骂 rule of the pack matches it (``abuse.buyer`` /
``abuse.agent``) or the abuse judge (:class:`cxdesk.analysis.abuse.AbuseJudge`: abusive word +
classifier) confirms it; the judge only adds to messages a rule already found, so the rules
decide. Prints, for the current code and pack and for "HEAD" (HEAD's rule pack loaded by the
same code, plus the classifier on its own as the engine ran it before: every buyer or agent
message scoring at or above the threshold):

- precision and recall of 辱骂 on ``bench/data/abuse_lines.csv`` (see ``bench/data/README.md``;
  target precision ≥ 0.9 at recall ≥ 0.7), flags per label (0 on the polite lines), and
  which flags the angry but civil lines get instead;
- COLD ``test.csv`` F1 of the classifier alone at its stored threshold (target ≥ 0.75);
- the share of JDDC agent messages (``waiter_send = 1``) with 辱骂 (target ≤ 1 %) and of buyer
  messages, with examples (masked).

Evaluation data only: nothing here is shipped or trained on.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from review_flags_eval import packs  # noqa: E402  (current pack and HEAD's)
from risk_eval import mask  # noqa: E402

ABUSE = "辱骂"


def flagger(pack, model, old: bool):
    """(texts, roles) → (flag per text, evidence words per text) the way the analysis flags 辱骂."""
    from cxdesk.analysis.abuse import AbuseJudge

    judge = AbuseJudge(pack, model)

    def run(texts: list[str], roles: list[str]) -> tuple[np.ndarray, list[list[str]]]:
        words = [[h.text for h in pack.match(t, r) if h.category == ABUSE] for t, r in zip(texts, roles)]
        if old:  # the classifier alone, as the engine ran it before this change
            scores = model.predict_scores(texts)
            for i, (s, r) in enumerate(zip(scores.tolist(), roles)):
                if s >= model.threshold and r in ("buyer", "agent"):
                    words[i].append(f"(classifier {s:.2f}: {texts[i][:12]})")
        else:
            for i, found in enumerate(judge.judge(list(zip(texts, roles)))):
                if found is not None and found.word not in words[i]:
                    words[i].append(found.word)
        return np.array([bool(w) for w in words]), words

    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--set", type=Path, default=ROOT / "bench" / "data" / "abuse_lines.csv")
    args = ap.parse_args(argv)
    from cxdesk.analysis.offensive import OffensiveModel

    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}")
    model = OffensiveModel.load()
    print(f"classifier: {model.version}, threshold {model.threshold:.2f}")
    lines = list(csv.DictReader(args.set.open(encoding="utf-8")))
    texts, roles = [r["text"] for r in lines], [r["role"] for r in lines]
    labels = np.array([r["label"] for r in lines])
    print(
        f"labelled set: {args.set.relative_to(ROOT)}: {len(lines)} lines, "
        + ", ".join(f"{k} {v}" for k, v in Counter(labels.tolist()).items())
        + "; roles "
        + ", ".join(f"{k} {v}" for k, v in Counter(roles).items())
    )
    have_data = (args.data / "cold" / "test.csv").exists() and (args.data / "jddc_sample" / "chat_0.1per.txt").exists()
    for name, pack in packs():
        run = flagger(pack, model, old=(name == "HEAD"))
        what = "current rules + abuse judge" if name == "now" else "HEAD's rules + classifier alone"
        started = time.perf_counter()
        flag, words = run(texts, roles)
        seconds = time.perf_counter() - started
        truth = labels == "abuse"
        tp = int(np.sum(flag & truth))
        p, r = tp / max(int(flag.sum()), 1), tp / max(int(truth.sum()), 1)
        print(f"\n== {what} ({pack.version}), {seconds:.2f} s")
        print(
            f"辱骂 on the labelled set: precision {p:.3f} ({tp}/{int(flag.sum())}), recall {r:.3f} "
            f"({tp}/{int(truth.sum())})  (target precision >= 0.9 at recall >= 0.7)"
        )
        for role in ("buyer", "agent"):
            sel = np.array(roles) == role
            tpr = int(np.sum(flag & truth & sel))
            print(
                f"  {role}: precision {tpr / max(int(np.sum(flag & sel)), 1):.3f}, "
                f"recall {tpr / max(int(np.sum(truth & sel)), 1):.3f}"
            )
        print(
            "  flagged per label: "
            + ", ".join(
                f"{lab} {int(np.sum(flag & (labels == lab)))}/{int(np.sum(labels == lab))}"
                for lab in ("abuse", "angry_civil", "idiom", "polite")
            )
        )
        for i in np.flatnonzero(flag & ~truth):
            print(f"    false 辱骂 [{labels[i]}/{roles[i]}] {words[i]}  {texts[i][:40]}")
        for i in np.flatnonzero(~flag & truth):
            print(f"    missed [{roles[i]}] {texts[i][:40]}")
        if name == "now":
            civil = [i for i in range(len(lines)) if labels[i] == "angry_civil"]
            other = Counter(c for i in civil for c in {h.category for h in pack.match(texts[i], roles[i])})
            print(
                f"  angry_civil lines with any other flag: "
                f"{sum(bool(pack.match(texts[i], roles[i])) for i in civil)}/{len(civil)}; "
                + ", ".join(f"{c} {n}" for c, n in other.most_common())
            )
        if not have_data:
            continue
        import pandas as pd

        jddc = pd.read_csv(
            args.data / "jddc_sample" / "chat_0.1per.txt",
            sep="\t",
            header=None,
            quoting=3,
            dtype=str,
            keep_default_na=False,
        )
        for who, code in (("agent", "1"), ("buyer", "0")):
            jt = jddc.loc[jddc[2] == code, 6].tolist()
            jflag, jwords = run(jt, [who] * len(jt))
            target = "  (target <= 1%)" if who == "agent" else ""
            print(f"JDDC {who} messages with 辱骂: {int(jflag.sum())} of {len(jt):,} = {jflag.mean():.2%}{target}")
            for i in np.flatnonzero(jflag)[:8]:
                print(f"    {jwords[i]}  {mask(jt[i])}")
        cold = pd.read_csv(args.data / "cold" / "test.csv", encoding="utf-8-sig")
        ct, y = cold["TEXT"].astype(str).tolist(), cold["label"].to_numpy() == 1
        cflag, _ = run(ct, ["buyer"] * len(ct))
        tp = int(np.sum(cflag & y))
        cp, cr = tp / max(int(cflag.sum()), 1), tp / max(int(y.sum()), 1)
        print(f"COLD test, 辱骂 as flagged here (role buyer): precision {cp:.3f}, recall {cr:.3f}")
    if have_data:
        import pandas as pd

        cold = pd.read_csv(args.data / "cold" / "test.csv", encoding="utf-8-sig")
        y = cold["label"].to_numpy() == 1
        cflag = model.is_offensive(model.predict_scores(cold["TEXT"].astype(str).tolist()))
        tp = int(np.sum(cflag & y))
        cp, cr = tp / max(int(cflag.sum()), 1), tp / max(int(y.sum()), 1)
        print(
            f"\nCOLD test ({len(y):,} comments), classifier alone at its threshold: precision {cp:.3f}, "
            f"recall {cr:.3f}, F1 {2 * cp * cr / (cp + cr):.3f}  (target F1 >= 0.75)"
        )
    else:
        print("\n(COLD and JDDC not found under --data: only the labelled set was measured)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
