"""Kill benchmark: SIGKILL import, undo and analyze 120 times on the demo store, then check it.

The same machinery and checks as tests/test_kill_recovery.py (tests/kill_harness.py), on bigger
inputs that start the child processes the suite's small ones do not: the demo store (analysed,
with statuses and notes set by hand on a few flags and sessions) and

- ``import-new``: a generated 100,000-message Qianniu CSV (8.5 MB) into a new shop, read in the
  import reader process;
- ``import-join``: the demo's Qianniu chats of another seed (19k messages) into the demo shop,
  joining its stored sessions;
- ``analyze``: after ``import-new`` (100k new messages: the spawn process pool);
- ``undo``: of the 100k batch after that analysis (messages, sessions, results, search index).

Each kill is followed by checks (integrity, all-or-nothing batches, user marks, no process of the
killed command left after 3 s); chains of 1-3 kills end in an uninterrupted run whose store must
equal an uninterrupted run's.

    python bench/kill_bench.py [--kills 120] [--seed 1] [--keep DIR]

Not a test: the figures go to bench/README.md ("## Kill test"). Exit status 1 if anything failed.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for extra in (ROOT, ROOT / "tests", ROOT / "bench"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from kill_harness import (  # noqa: E402  (after the path set-up above)
    PROC_READABLE,
    Scenario,
    Tally,
    cli_env,
    kill_scenario,
    mark_like_a_user,  # noqa: E402
    measure_reference,
    user_marks,
)

NEW_SHOP = "某某旗舰店"
SHARES = {"import-new": 0.25, "import-join": 0.2, "analyze": 0.3, "undo": 0.25}


def _machine() -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.platform()}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


def _build_inputs(work: Path, messages: int) -> tuple[Path, Path, str, str]:
    """The analysed demo store with hand-set marks, the big new-shop file, the other seed's chats."""
    from cxdesk.analysis.engine import analyze
    from cxdesk.demo import build_demo, generate, write_platform_files
    from cxdesk.tasks import NullContext
    from import_bench import gen_qianniu_csv

    base = work / "base.sqlite3"
    build_demo(NullContext(), base, out_dir=work / "demo-files")
    analyze(NullContext(), base)
    marked = mark_like_a_user(base, batch_id=1)
    big = work / "new_shop_chats.csv"
    gen_qianniu_csv(big, messages)
    other = [f for f in write_platform_files(generate(7), work / "demo-7") if f.format_id == "qianniu_csv"][0]
    print(
        f"inputs: demo store ({base.stat().st_size / 1e6:.0f} MB, {marked} flags marked by hand), "
        f"{big.name} ({messages:,} messages, {big.stat().st_size / 1e6:.1f} MB), "
        f"{other.path.name} ({other.rows:,} messages)",
        flush=True,
    )
    return base, big, str(other.path), other.shop_name


def _batch(db: Path, sql: str, *args: object) -> bool:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, args).fetchone() is not None
    finally:
        conn.close()


def _scenarios(work: Path, env: dict[str, str], messages: int) -> list[Scenario]:
    base, big, other, other_shop = _build_inputs(work, messages)
    from cxdesk.importers import file_sha256

    imported = "SELECT 1 FROM import_batches WHERE file_sha256=? AND status='done'"  # the demo has a same-named file
    big_sha, other_sha = file_sha256(big), file_sha256(other)
    new = measure_reference(
        Scenario(
            "import-new",
            ["import", "--db", "{db}", "--quiet", "--shop", NEW_SHOP, str(big)],
            base,
            is_done=lambda db: _batch(db, imported, big_sha),
        ),
        work,
        env,
    )
    join = measure_reference(
        Scenario(
            "import-join",
            ["import", "--db", "{db}", "--quiet", "--shop", other_shop, other],
            base,
            is_done=lambda db: _batch(db, imported, other_sha),
        ),
        work,
        env,
    )
    ana = measure_reference(Scenario("analyze", ["analyze", "--db", "{db}", "--quiet"], new.reference_db), work, env)
    conn = sqlite3.connect(ana.reference_db)
    big_batch = conn.execute("SELECT id FROM import_batches WHERE file_name=?", (big.name,)).fetchone()[0]
    conn.close()
    undo = measure_reference(
        Scenario(
            "undo",
            ["import", "--db", "{db}", "--undo", str(big_batch)],
            ana.reference_db,
            is_done=lambda db: _batch(db, "SELECT 1 FROM import_batches WHERE id=? AND status='undone'", big_batch),
        ),
        work,
        env,
    )
    for sc in (new, join, ana, undo):
        print(f"uninterrupted {sc.name}: {sc.duration:.1f} s", flush=True)
    return [new, join, ana, undo]


def _report(tallies: list[Tally], scenarios: list[Scenario], seconds: float) -> int:
    print(
        "\n| command | kills | kills with child processes running | ended by itself | chains | recoveries OK | "
        "integrity failures | other store problems | processes left after 3 s | runs left running | "
        "uninterrupted run | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for t, sc in zip(tallies, scenarios):
        store = len(t.problems["store"]) - t.integrity_failures
        print(
            f"| {t.name} | {t.kills} | {t.kills_with_children} | {t.ended_by_itself} | {t.chains} | "
            f"{t.recovered}/{t.chains} | "
            f"{t.integrity_failures} | {store} | {len(t.problems['processes'])}"
            f"{'' if PROC_READABLE else ' (not checked)'} | {t.running_left} | {sc.duration:.1f} s | {t.seconds:.0f} |"
        )
    total = sum(t.kills for t in tallies)
    problems = [p for t in tallies for kind in t.problems.values() for p in kind]
    print(
        f"\n{total} kills, {sum(t.recovered for t in tallies)}/{sum(t.chains for t in tallies)} chains recovered, "
        f"{sum(t.integrity_failures for t in tallies)} integrity failures, {len(problems)} problems, "
        f"{seconds:.0f} s in all"
    )
    for p in problems[:20]:
        print("  -", p)
    return 1 if problems or any(t.running_left for t in tallies) else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=120, help="kills in all (default 120)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the kill delays and chain lengths")
    ap.add_argument("--messages", type=int, default=100_000, help="messages in the new shop's file")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep the stores and logs")
    args = ap.parse_args()
    if os.name != "posix":
        print("SIGKILL and process groups are POSIX only.")
        return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix="cxdesk-kill-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CXDESK_DATA_DIR"] = str(work / "data")
    env = cli_env(work / "data")
    print(f"machine: {_machine()}\ncommand: python bench/kill_bench.py {' '.join(sys.argv[1:])}", flush=True)
    started = time.perf_counter()
    scenarios = _scenarios(work, env, args.messages)
    rng = random.Random(args.seed)
    tallies = []
    for sc in scenarios:
        kills = max(1, round(args.kills * SHARES[sc.name]))
        tallies.append(
            kill_scenario(sc, kills, rng, work, env, marks=user_marks(sc.start), chain_length=lambda: rng.randint(1, 3))
        )
        t = tallies[-1]
        print(
            f"{sc.name}: {t.kills} kills, {t.recovered}/{t.chains} chains recovered, "
            f"{sum(map(len, t.problems.values()))} problems, {t.seconds:.0f} s",
            flush=True,
        )
    code = _report(tallies, scenarios, time.perf_counter() - started)
    print(f"machine after: {_machine()}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
