"""Fuzz the format detector and every importer: ≥ 5,000 generated files, each a clean import or a clear error.

The property is the suite's (``tests/test_fuzz_importers.py``: ``check_case``, ``check_cli``;
files from ``tests/fuzz_files.py``): ``detect`` / ``preview`` return or raise ImportFormatError;
``import_file`` into a store holding one small chat import either adds up (read = added +
duplicate + rejected, the store grown by exactly that, one more 'done' batch, no U+FFFD stored,
every stored time real and plausible) or raises ImportFormatError with the store unchanged;
the pipeline's last-resort guard is never reached; no case runs past 30 s; any warning is an
error, as in the suite (``filterwarnings = error``). Every
``--cli-every``-th case also goes through ``cxdesk import FILE --db DB`` (exit 0 or 1, no
traceback). Then ``--reader-process`` chat files (CSV/TSV chat tables and JDDC, lightly mutated)
are each imported into an empty store twice, in this process and through the import reader process
(``reader_process=True``, what files ≥ 8 MB get): both must refuse it, or both give the same
counts, rejects, sessions and messages. Unlike the suite, a failure does not stop the run: it is counted and its file saved
under ``--keep`` (with ``--stop``, hypothesis stops at the first and shrinks it instead).

    python bench/fuzz_importers.py [--examples 5000] [--seed 14] [--cli-every 25]
                                   [--reader-process 150] [--keep DIR]

Not a test: figures go to bench/README.md ("## Fuzzing", "### 导入 / importers").
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


class Tally:
    """Counts per seed format, the slowest cases, the failures."""

    def __init__(self, keep: Path) -> None:
        self.keep = keep
        self.by_format: dict[str, Counter] = defaultdict(Counter)
        self.refusals: Counter[str] = Counter()
        self.slowest: list[tuple[float, str]] = []
        self.failures: list[str] = []
        self.cli: Counter[str] = Counter()
        self.reader_process: Counter[str] = Counter()
        self.titles: Counter[str] = Counter()

    def add(self, case, outcome) -> None:
        row = self.by_format[case.target]
        row["cases"] += 1
        row[outcome.result] += 1
        if outcome.result == "refused":
            row[f"refused at {outcome.stage}"] += 1
            self.refusals[_reason(outcome.message)] += 1
        row["rows read"] += outcome.rows_read
        row["rows rejected"] += outcome.rows_rejected
        self.slowest = sorted([*self.slowest, (outcome.seconds, case.describe())])[-5:]

    def fail(self, case, exc: BaseException, where: str) -> None:
        n = len(self.failures) + 1
        self.by_format[case.target]["cases"] += where == "property"
        self.by_format[case.target]["failures"] += 1
        self.keep.mkdir(parents=True, exist_ok=True)
        stem = self.keep / f"{n:03d}-{case.family}-{re.sub(r'[^0-9A-Za-z_.-]+', '_', case.seed)}"
        Path(f"{stem}{case.suffix}").write_bytes(case.data)
        Path(f"{stem}.report.txt").write_text(
            f"{where}: {case.describe()}\n\n" + "".join(traceback.format_exception(exc)),
            encoding="utf-8",
            errors="backslashreplace",
        )
        self.failures.append(
            f"{stem}{case.suffix}: {type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"
        )


def _reason(message: str) -> str:
    """A refusal's message in a few words (file names and numbers out), for the tally."""
    text = re.sub(r"“[^”]*”", "“…”", message)
    text = re.sub(r"\d[\d,.]*", "N", text)
    return re.split("[（。；]", text, maxsplit=1)[0][:40]


_SESSIONS = (
    "SELECT session_key, source_session_id, buyer_nick, agent, agents, started_at, ended_at, message_count, "
    "buyer_messages, agent_messages, transferred, repeat_consult FROM chat_sessions ORDER BY session_key"
)
_MESSAGES = (
    "SELECT s.session_key, m.seq, m.role, m.sender, m.sent_at, m.content, m.msg_hash FROM chat_messages m "
    "JOIN chat_sessions s ON s.id = m.session_id ORDER BY s.session_key, m.seq"
)


def _import_chats(path: Path, folder: Path, empty: bytes, reader_process: bool) -> tuple:
    from cxdesk.errors import ImportFormatError
    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import NullContext
    from test_fuzz_importers import fresh_store

    with open_store(fresh_store(folder, empty)) as store:
        try:
            s = import_file(NullContext(), store, path, reader_process=reader_process)
        except ImportFormatError:
            return ("refused",)
        counts = (s.rows_read, s.rows_added, s.rows_duplicate, s.rows_rejected, s.sessions_added)
        return (
            counts,
            [tuple(r) for r in s.rejects],
            store.conn.execute(_SESSIONS).fetchall(),
            store.conn.execute(_MESSAGES).fetchall(),
        )


def check_chat_readers(case, folder: Path, empty: bytes) -> str:
    """A chat file imported three ways into an empty store: by the vectorised (pandas) reader in this
    process, through the import reader process, and by the exact row reader (what preview uses).

    The reader process must give exactly what this process gives. The row reader must store the
    same sessions and messages and reject the same lines, but for the documented difference
    (:mod:`cxdesk.importers._fastchat`): a row of empty cells is skipped by the vectorised reader,
    rejected ("消息内容为空") by the row reader; JDDC reasons may differ for short lines."""
    import dataclasses
    from unittest import mock

    from cxdesk.errors import ImportFormatError
    from cxdesk.importers import detect, registry
    from test_fuzz_importers import hang_guard

    path = folder / f"case{case.suffix}"
    path.write_bytes(case.data)
    try:
        det = detect(path)
    except ImportFormatError:
        return "not a chat file"
    if det.kind != "chats" or registry.get(det.format_id).bulk_read is None:
        return "not a chat file"
    row_specs = {fid: dataclasses.replace(spec, bulk_read=None) for fid, spec in registry._BY_ID.items()}
    with hang_guard():
        here = _import_chats(path, folder, empty, reader_process=False)
        there = _import_chats(path, folder, empty, reader_process=True)
        with mock.patch.dict(registry._BY_ID, row_specs):
            by_rows = _import_chats(path, folder, empty, reader_process=False)
    for part, a, b in zip(("outcome/counts", "rejects", "sessions", "messages"), here, there):
        assert a == b, f"reader process differs in {part}: {str(a)[:300]} != {str(b)[:300]}"
    if here == ("refused",) or by_rows == ("refused",):
        assert here == by_rows, f"row reader: {str(by_rows[0])[:200]}, vectorised reader: {str(here[0])[:200]}"
        return "same (refused)"
    assert here[2:] == by_rows[2:], f"row reader stores other sessions or messages: {_first_difference(here, by_rows)}"
    # the row reader's raw text of a row is its cells joined by ",": a row of empty cells is only commas
    blank = {n for n, why, raw in by_rows[1] if why == "消息内容为空" and not (raw or "").strip(",")}
    lines = {r[0] for r in here[1]}, {r[0] for r in by_rows[1]} - blank
    assert lines[0] == lines[1], (
        f"rejected lines differ: vectorised only {sorted(lines[0] - lines[1])[:5]}, "
        f"row reader only {sorted(lines[1] - lines[0])[:5]}"
    )
    return "same (imported)"


def _first_difference(a: tuple, b: tuple) -> str:
    for part, x, y in zip(("sessions", "messages"), a[2:], b[2:]):
        for i, (u, v) in enumerate(zip(x, y)):
            if u != v:
                return f"{part}[{i}]: vectorised {u!r} / rows {v!r}"
        if len(x) != len(y):
            return f"{part}: {len(x)} vectorised / {len(y)} rows"
    return "?"


def _empty_store(folder: Path) -> bytes:
    from cxdesk.store import open_store

    db = folder / "empty.sqlite3"
    open_store(db).close()
    return db.read_bytes()


def fuzz(examples: int, seed_value: int, cli_every: int, keep: Path, stop: bool) -> tuple[Tally, float]:
    from hypothesis import HealthCheck, given, seed, settings

    import fuzz_files as ff
    from test_fuzz_importers import CaseHang, build_template, check_case, check_cli

    work = Path(tempfile.mkdtemp(prefix="cxdesk-fuzz-"))
    template = build_template(work)
    tally = Tally(keep)
    counter = [0]

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ff.FILES)
    def run(case) -> None:
        counter[0] += 1
        try:
            with warnings.catch_warnings():  # as the suite (pyproject: filterwarnings = error) runs it
                warnings.simplefilter("error")
                tally.add(case, check_case(case, work, template))
        except (Exception, CaseHang) as exc:
            if stop:
                raise
            tally.fail(case, exc, "property")
        if cli_every and counter[0] % cli_every == 0:
            try:
                tally.cli[str(check_cli(case, work, template))] += 1
            except (Exception, CaseHang) as exc:
                if stop:
                    raise
                tally.cli["failed"] += 1
                tally.fail(case, exc, "cli")

    started = time.perf_counter()
    run()
    return tally, time.perf_counter() - started


def fuzz_reader_process(examples: int, seed_value: int, keep: Path, stop: bool, tally: Tally) -> float:
    """The chat readers' comparison on ``examples`` chat files; returns the seconds it took."""
    if not examples:
        return 0.0
    from hypothesis import HealthCheck, given, seed, settings

    import fuzz_files as ff
    from test_fuzz_importers import CaseHang

    work = Path(tempfile.mkdtemp(prefix="cxdesk-fuzz-rp-"))
    empty = _empty_store(work)

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ff.CHAT_FILES)
    def run(case) -> None:
        try:
            tally.reader_process[check_chat_readers(case, work, empty)] += 1
        except (Exception, CaseHang) as exc:
            if stop:
                raise
            tally.reader_process["failed"] += 1
            tally.fail(case, exc, "chat readers")

    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def fuzz_titles(examples: int, seed_value: int, keep: Path, stop: bool, tally: Tally) -> float:
    """The title-line property (``check_title_keeps_rows``) on ``examples`` tables; returns the seconds."""
    if not examples:
        return 0.0
    from hypothesis import HealthCheck, given, seed, settings

    import fuzz_files as ff
    from test_fuzz_importers import CaseHang, build_template, check_title_keeps_rows

    work = Path(tempfile.mkdtemp(prefix="cxdesk-fuzz-titles-"))
    template = build_template(work)

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(ff.titled_tables())
    def run(pair) -> None:
        try:
            tally.titles[check_title_keeps_rows(pair, work, template)] += 1
        except (Exception, CaseHang) as exc:
            if stop:
                raise
            tally.titles["failed"] += 1
            tally.fail(pair.titled, exc, "title line")

    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def report(
    tally: Tally, seconds: float, rp_seconds: float, title_seconds: float, args: argparse.Namespace, load_before: float
) -> None:
    from importlib.metadata import version

    cols = (
        "cases",
        "imported",
        "refused",
        "refused at detect",
        "refused at preview",
        "refused at import",
        "rows read",
        "rows rejected",
        "failures",
    )
    print("| seed format | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    total: Counter[str] = Counter()
    for fmt in sorted(tally.by_format):
        row = tally.by_format[fmt]
        total.update(row)
        print(f"| {fmt} | " + " | ".join(f"{row[c]:,}" for c in cols) + " |")
    print("| **all** | " + " | ".join(f"**{total[c]:,}**" for c in cols) + " |")
    cases = total["cases"]
    print(
        f"\ncases {cases:,}: clean imports {total['imported']:,}, clear errors {total['refused']:,}, "
        f"rows rejected {total['rows rejected']:,} of {total['rows read']:,} read, failures {len(tally.failures)}; "
        f"CLI runs {sum(tally.cli.values()):,} (exit 0: {tally.cli['0']:,}, exit 1: {tally.cli['1']:,}, "
        f"failed: {tally.cli['failed']:,})"
    )
    print(
        "chat files, vectorised vs reader process vs row reader: "
        + ", ".join(f"{k} {n:,}" for k, n in sorted(tally.reader_process.items()))
        + f" ({rp_seconds:.1f} s)"
    )
    print(
        "tables with a title line above the header: "
        + ", ".join(f"{k} {n:,}" for k, n in sorted(tally.titles.items()))
        + f" ({title_seconds:.1f} s)"
    )
    print(f"total {seconds:.1f} s ({seconds / max(cases, 1) * 1000:.1f} ms per case, generation included)")
    for took, what in reversed(tally.slowest):
        print(f"slow case: {took:.2f} s  {what}")
    print("most common refusals: " + "; ".join(f"{r} {n:,}" for r, n in tally.refusals.most_common(10)))
    for line in tally.failures:
        print(f"FAILURE {line}")
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, hypothesis {version('hypothesis')}, "
        f"pandas {version('pandas')}, openpyxl {version('openpyxl')}, {platform.system()} {platform.release()} "
        f"{platform.machine()}; load avg (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
        f"seed {args.seed}, {args.examples:,} examples"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--cli-every", type=int, default=25, help="every N-th case also through the CLI (0: never)")
    parser.add_argument(
        "--reader-process",
        type=int,
        default=150,
        help="chat files compared in-process vs through the import reader process (0: none)",
    )
    parser.add_argument(
        "--titles",
        type=int,
        default=500,
        help="tables imported with and without a title line above the header (0: none)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=Path(tempfile.gettempdir()) / "cxdesk-fuzz-failures",
        help="where failing files are saved",
    )
    parser.add_argument("--stop", action="store_true", help="stop at the first failure and let hypothesis shrink it")
    args = parser.parse_args()
    os.environ.setdefault("CXDESK_DATA_DIR", tempfile.mkdtemp(prefix="cxdesk-fuzz-data-"))  # logs, settings
    load_before = os.getloadavg()[0]
    tally, seconds = fuzz(args.examples, args.seed, args.cli_every, args.keep, args.stop)
    rp_seconds = fuzz_reader_process(args.reader_process, args.seed, args.keep, args.stop, tally)
    title_seconds = fuzz_titles(args.titles, args.seed, args.keep, args.stop, tally)
    report(tally, seconds, rp_seconds, title_seconds, args, load_before)
    return 1 if tally.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
