"""Session risk score on real dialogues with annotated satisfaction (NTCIR STC-3, ``stc3_dev``).

    python bench/risk_sessions_eval.py [--data ../shared/data] [--db /tmp/stc3.sqlite3] [--examples 8]

What it does, in one run:

1. converts ``stc3_dev/stc3_dev_cn.json`` to a generic chat CSV (session id = dialogue id,
   customer → 买家, helpdesk → 客服, no times; the utterances of a turn are consecutive
   messages) and imports it into a temporary store through the real importer;
2. runs the real ``analyze`` and reads each session's ``risk_score`` and level;
3. prints, for "mean S ≤ −1" (a clearly dissatisfied customer) against all other dialogues:
   the AUC, the AUC within each quartile of the customer's text length, the share of
   dissatisfied dialogues scored 0, and the precision of the 50 highest-scored — for the risk
   score and, in the same run, for two baselines: the customer's text length alone, and a
   keyword count (hits of the rule pack's trigger words in customer lines);
4. the share of sessions per level, and a few masked, truncated examples of the misses
   (dissatisfied scored low) and of the top false alarms, with their reasons;
5. ``--shop-chats``: the same score on shop chats, where a supervisor's queue must stay short —
   the share of sessions per level (高/中/低/无) on the JDDC sample (``jddc_sample``, real JD
   chats, imported the same way) and on the synthetic demo shops (``build_demo``).

``--db`` keeps the store: a second run with the same path imports nothing and re-analyses only
what a changed model or rule invalidated (quick while iterating). Evaluation data only: nothing
here is shipped or trained on, and no line is printed unmasked.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from risk_eval import mask  # noqa: E402  (digits/Latin masked, one line, truncated)

_QUOTED = re.compile(r"“[^”]*”")


def mask_reasons(reasons: str, width: int = 110) -> str:
    """A score's reasons with the quoted words masked like texts (the points stay readable)."""
    out = _QUOTED.sub(lambda m: "“" + mask(m.group()[1:-1], 12) + "”", reasons)
    return out if len(out) <= width else out[:width] + "…"


DISSATISFIED_MEAN_S = -1.0
TOP_N = 50


def auc(scores, labels) -> float:
    """Area under the ROC curve (Mann–Whitney, ties count half); nan when one class is empty."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def write_csv(dialogues: list[dict], path: Path) -> int:
    """Generic chat CSV (会话ID, 角色, 内容); returns the number of messages written."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["会话ID", "角色", "买家", "内容"])
        for d in dialogues:
            buyer = f"c{d['id']}"
            for turn in d["turns"]:
                role = "买家" if turn["sender"] == "customer" else "客服"
                for utt in turn["utterances"]:
                    if utt and utt.strip():
                        w.writerow([d["id"], role, buyer, utt])
                        n += 1
    return n


def build_store(dialogues: list[dict], db: Path) -> None:
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import run_cli_job

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stc3_dev_chats.csv"
        n = write_csv(dialogues, path)
        with open_store(db) as store:
            summary = run_cli_job(import_file, store, path, kind="chats", platform="other", shop="stc3_dev", quiet=True)
        print(f"imported {n:,} messages → {summary.describe().splitlines()[0]}")


def read_scores(db: Path) -> dict[str, tuple[int, str, str]]:
    """source session id → (score, level, reasons)."""
    from cxdesk.store import open_store

    with open_store(db) as store:
        rows = store.conn.execute(
            "SELECT s.source_session_id, r.score, r.level, r.reasons FROM chat_sessions s "
            "JOIN risk_scores r ON r.target_type = 'session' AND r.target_id = s.id"
        ).fetchall()
    return {str(sid): (int(score), level, reasons) for sid, score, level, reasons in rows}


def write_jddc_csv(source: Path, path: Path) -> int:
    """The JDDC sample (TSV: session, customer, waiter_send, …, content) as a generic chat CSV."""
    n = 0
    with source.open(encoding="utf-8") as src, path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["会话ID", "角色", "买家", "内容"])
        for line in src:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 7 or not cols[6].strip():
                continue
            w.writerow([cols[0], "客服" if cols[2] == "1" else "买家", cols[1], "\t".join(cols[6:])])
            n += 1
    return n


def level_shares(db: Path, shop: str | None = None) -> tuple[int, dict[str, float]]:
    """(sessions, share per level) of the sessions scored in ``db`` (of one shop when given)."""
    from cxdesk.store import open_store

    with open_store(db) as store:
        rows = store.conn.execute(
            "SELECT r.level FROM risk_scores r JOIN chat_sessions s ON r.target_type = 'session' "
            "AND r.target_id = s.id JOIN shops sh ON sh.id = s.shop_id WHERE ? IS NULL OR sh.name = ?",
            (shop, shop),
        ).fetchall()
    levels = [lv for (lv,) in rows]
    return len(levels), {lv: levels.count(lv) / max(len(levels), 1) for lv in ("高", "中", "低", "无")}


def shop_chats(data: Path, tmp: Path, workers: int | None) -> None:
    """Level shares on real shop chats (JDDC sample) and on the demo shops."""
    from cxdesk.analysis.engine import analyze
    from cxdesk.demo import build_demo
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import run_cli_job

    print("\nshop chats: sessions per level (a supervisor's queue must stay short)")
    source = data / "jddc_sample" / "chat_0.1per.txt"
    if source.exists():
        db, path = tmp / "jddc.sqlite3", tmp / "jddc_chats.csv"
        write_jddc_csv(source, path)
        with open_store(db) as store:
            run_cli_job(import_file, store, path, kind="chats", platform="jd", shop="jddc_sample", quiet=True)
        run_cli_job(analyze, db, workers=workers, quiet=True)
        n, shares = level_shares(db)
        print(f"  JDDC sample ({n} sessions): " + ", ".join(f"{lv} {v:.1%}" for lv, v in shares.items()))
    db = tmp / "demo.sqlite3"
    run_cli_job(build_demo, db, out_dir=tmp / "demo_files", quiet=True)
    run_cli_job(analyze, db, workers=workers, quiet=True)
    n, shares = level_shares(db)
    print(f"  demo shops ({n} sessions): " + ", ".join(f"{lv} {v:.1%}" for lv, v in shares.items()))


def keyword_counts(customer_lines: list[list[str]]) -> np.ndarray:
    """Hits of the rule pack's trigger words and patterns in the customer's lines (one per rule and line)."""
    from cxdesk.analysis.risk_rules import load_pack

    pack = load_pack()
    return np.array([sum(len(pack.match(line, "buyer")) for line in lines) for lines in customer_lines], float)


def top_precision(score: np.ndarray, y: np.ndarray, n: int = TOP_N) -> float:
    """Share dissatisfied among the ``n`` highest scores; ties at the cut count at their group's share
    (the expected precision of a queue that breaks ties at random, not the file's order)."""
    cut = np.sort(score)[::-1][n - 1]
    above = score > cut
    at = score == cut
    return float((y[above].sum() + (n - above.sum()) * y[at].mean()) / n)


def figures(name: str, score: np.ndarray, y: np.ndarray, quartile: np.ndarray) -> dict:
    return {
        "name": name,
        "auc": auc(score, y),
        "quartiles": [auc(score[quartile == q], y[quartile == q]) for q in range(4)],
        "zero": float(np.mean(score[y] <= 0)),
        "top": top_precision(score, y),
    }


def print_table(rows: list[dict], quartile_edges: list[float]) -> None:
    q_names = [f"Q{i + 1}" for i in range(4)]
    print(
        f"\n{'':28s} {'AUC':>6s}  "
        + "  ".join(f"{q:>6s}" for q in q_names)
        + f"  {'dissat. at 0':>12s}  {'top-50 prec.':>12s}"
    )
    for r in rows:
        print(
            f"{r['name']:28s} {r['auc']:6.3f}  "
            + "  ".join(f"{a:6.3f}" for a in r["quartiles"])
            + f"  {r['zero']:12.1%}  {r['top']:12.1%}"
        )
    edges = ", ".join(f"{e:.0f}" for e in quartile_edges)
    print(
        f"(length quartiles of the customer's text, edges at {edges} characters; "
        "targets: AUC ≥ 0.85, every quartile ≥ 0.75, ≤ 5 % at 0, top-50 ≥ 80 %)"
    )


def print_examples(ids, y, score, scores, lines, n: int) -> None:
    if n <= 0:
        return
    order = np.argsort(score, kind="stable")
    misses = [i for i in order if y[i]][:n]
    print(f"\nmissed: dissatisfied with the lowest scores ({n}; masked, truncated)")
    for i in misses:
        sc, level, reasons = scores.get(ids[i], (0, "无", ""))
        print(f"  {sc:3d} {level}  {mask(' / '.join(lines[i]), 40)}  [{mask_reasons(reasons)}]")
    top = np.argsort(-score, kind="stable")[:TOP_N]
    false = [i for i in top if not y[i]][:n]
    print(f"\nfalse alarms among the top {TOP_N} ({len([i for i in top if not y[i]])}; masked, truncated)")
    for i in false:
        sc, level, reasons = scores.get(ids[i], (0, "无", ""))
        print(f"  {sc:3d} {level}  {mask(' / '.join(lines[i]), 40)}  [{mask_reasons(reasons)}]")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--db", type=Path, default=None, help="keep the store here (default: a temporary file)")
    ap.add_argument("--examples", type=int, default=8, help="masked examples of misses and false alarms")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument(
        "--shop-chats", action="store_true", help="also: sessions per level on the JDDC sample and the demo shops"
    )
    args = ap.parse_args(argv)
    source = args.data / "stc3_dev" / "stc3_dev_cn.json"
    if not source.exists():
        print(f"Evaluation data not found (needs ../shared/data, see its README.md): {source}")
        return 0
    print(f"machine: nproc={os.cpu_count()}, Python {platform.python_version()}, {platform.platform()}")
    dialogues = json.loads(source.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "stc3.sqlite3"
        if not db.exists():
            build_store(dialogues, db)
        from cxdesk.analysis.engine import analyze
        from cxdesk.tasks import run_cli_job

        started = time.perf_counter()
        run_cli_job(analyze, db, workers=args.workers, quiet=True)
        print(f"analyze: {time.perf_counter() - started:.1f} s")
        scores = read_scores(db)
    ids = [str(d["id"]) for d in dialogues]
    mean_s = np.array([np.mean([a["quality"]["S"] for a in d["annotations"]]) for d in dialogues])
    y = mean_s <= DISSATISFIED_MEAN_S
    lines = [[u for t in d["turns"] if t["sender"] == "customer" for u in t["utterances"]] for d in dialogues]
    length = np.array([sum(len(u) for u in ls) for ls in lines], float)
    edges = [float(x) for x in np.quantile(length, [0.25, 0.5, 0.75])]
    quartile = np.searchsorted(edges, length, side="right")
    score = np.array([scores.get(i, (0, "无", ""))[0] for i in ids], float)
    print(
        f"{len(ids):,} dialogues, {int(y.sum())} dissatisfied (mean S ≤ {DISSATISFIED_MEAN_S:g}) "
        f"= {y.mean():.1%}; scored: {sum(i in scores for i in ids):,}"
    )
    rows = [
        figures("risk_score", score, y, quartile),
        figures("baseline: customer text length", length, y, quartile),
        figures("baseline: keyword count", keyword_counts(lines), y, quartile),
    ]
    print_table(rows, edges)
    levels = [scores.get(i, (0, "无", ""))[1] for i in ids]
    print(
        "\nsessions per level: "
        + ", ".join(f"{lv} {levels.count(lv) / len(levels):.1%}" for lv in ("高", "中", "低", "无"))
    )
    print(
        "dissatisfied per level: "
        + ", ".join(f"{lv} {np.mean(np.array(levels)[y] == lv):.1%}" for lv in ("高", "中", "低", "无"))
    )
    print_examples(ids, y, score, scores, lines, args.examples)
    if args.shop_chats:
        with tempfile.TemporaryDirectory() as tmp:
            shop_chats(args.data, Path(tmp), args.workers)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
