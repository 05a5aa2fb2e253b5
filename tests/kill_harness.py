"""SIGKILL cxdesk commands at random points and check what they leave behind.

Shared by tests/test_kill_recovery.py (20 kills on small inputs) and
bench/kill_bench.py (100 and more). A *chain* starts from a copy of a known
store, runs one CLI command (``python main.py …``) in its own process group
and SIGKILLs the main process after a delay drawn from a seeded RNG over the
command's uninterrupted duration, checks the store, runs it again (killed
again, up to the chain's length), and ends with an uninterrupted run whose
final store must equal the one an uninterrupted run made from the same start.

After every kill:

- ``PRAGMA integrity_check`` and the FTS5 search indexes' own integrity check;
- every import batch all or nothing: a done batch holds exactly the rows it
  counted (and its rejected rows), an undone one none; no row of a missing batch;
  no empty chat session;
- the statuses and notes the user set (risk flags, session notes) unchanged;
- no process of the killed command's process group is left after 3 s
  (Linux, read from /proc): the killed process's workers exit by themselves
  (``cxdesk.tasks.exit_with_parent``); the group is SIGKILLed afterwards anyway.

A run that ends by itself before its kill must exit 0. After the final run,
no analysis run may be left marked "running".
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"
LEFTOVER_GRACE_S = 3.0
PROC_READABLE = Path("/proc/self/stat").exists()  # Linux: processes are checked through /proc

# Rows of each batch kind: where to count a batch's rows.
BATCH_TABLES = {"reviews": "reviews", "chats": "chat_messages", "orders": "orders", "agent_report": "agent_reports"}
# Tables whose content a finished command must leave equal to an uninterrupted run's.
_SKIP_TABLES = ("analysis_runs", "sqlite_sequence")
_SKIP_PREFIXES = ("search_messages", "search_reviews", "sqlite_")  # FTS shadow tables: compared by queries
# Columns that hold the wall-clock time or an insertion-order id, not a result.
_VOLATILE = {
    "import_batches": {"imported_at", "undone_at"},
    "risk_flags": {"id", "created_at"},
    "shops": {"created_at"},
    "faq_clusters": {"created_at", "updated_at"},
    "shop_models": {"fitted_at"},
}
_FTS_PROBES = {
    "search_messages": ("meta:rbuyer", "meta:ragent", "body:好", "body:发", "body:码"),
    "search_reviews": ("body:好", "body:质", "body:穿"),
}


# --- processes -----------------------------------------------------------------------------


@dataclass
class Run:
    """One CLI run: killed after ``delay`` seconds, or ended by itself."""

    delay: float | None
    killed: bool
    returncode: int | None
    seconds: float
    output: str
    leftovers: list[int] = field(default_factory=list)  # group members alive LEFTOVER_GRACE_S after the kill
    children: int = 0  # child processes (workers, reader) running at the moment of the kill


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["CXDESK_DATA_DIR"] = str(data_dir)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # FAQ cluster keywords with equal weights come out in str-hash order, which differs between
    # processes; one fixed hash seed makes any two runs comparable.
    env["PYTHONHASHSEED"] = "0"
    return env


def run_cli(
    args: Sequence[str], env: dict[str, str], log: Path, *, kill_after: float | None = None, timeout: float = 600.0
) -> Run:
    """Run ``python main.py ARGS`` in a new process group; SIGKILL its main process after ``kill_after`` s."""
    started = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(MAIN), *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        rc = proc.wait(timeout=kill_after if kill_after is not None else timeout)
        killed = False
    except subprocess.TimeoutExpired:
        if kill_after is None:
            _kill_group(proc.pid)
            raise
        children = len(group_members(proc.pid) or [proc.pid]) - 1
        os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must notice by themselves
        rc, killed = proc.wait(), True
    seconds = time.perf_counter() - started
    leftovers = _wait_group_gone(proc.pid, LEFTOVER_GRACE_S) if killed else []
    _kill_group(proc.pid)  # whatever the check found, nothing of this run outlives it
    return Run(
        kill_after if killed else None,
        killed,
        rc,
        seconds,
        log.read_text("utf-8", "replace"),
        leftovers,
        children if killed else 0,
    )


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _processes() -> list[tuple[int, str, int, int]]:
    """(pid, state, parent pid, process group) of every process, read from /proc (Linux)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp …, after "pid (comm) "
        out.append((int(entry.name), fields[0], int(fields[1]), int(fields[2])))
    return out


def group_members(pgid: int) -> list[int] | None:
    """Live (not zombie) processes of process group ``pgid``; ``None`` where /proc cannot tell."""
    if not PROC_READABLE:
        return None
    return [pid for pid, state, _ppid, group in _processes() if group == pgid and state not in ("Z", "X")]


def children_of(pid: int) -> list[int]:
    """Live child processes of ``pid`` (Linux)."""
    return [p for p, state, ppid, _group in _processes() if ppid == pid and state not in ("Z", "X")]


def _wait_group_gone(pgid: int, grace: float) -> list[int]:
    deadline = time.monotonic() + grace
    while True:
        alive = group_members(pgid)
        if not alive or time.monotonic() >= deadline:
            return alive or []
        time.sleep(0.02)


# --- store set-up and checks ------------------------------------------------------------------


def mark_like_a_user(db: Path, batch_id: int = 1) -> int:
    """Triage a few flags and note a few sessions of ``batch_id`` as a person would in the GUI.

    Statuses with notes and handlers on message and session flags (the analysis recomputes both
    and must keep what a person set) and notes and reviewed marks on sessions. Returns the number
    of flags marked.
    """
    from cxdesk.store import open_store
    from cxdesk.store.risk_queue import RiskQueueRepo
    from cxdesk.store.sessions_browse import SessionsBrowseRepo

    with open_store(db) as store:
        q = store.conn.execute
        message_flags = [
            r[0]
            for r in q(
                "SELECT f.id FROM risk_flags f JOIN chat_messages m ON f.target_type='message' AND m.id=f.target_id "
                "WHERE m.batch_id=? ORDER BY f.id LIMIT 3",
                (batch_id,),
            )
        ]
        session_flags = [
            r[0]
            for r in q(
                "SELECT f.id FROM risk_flags f JOIN chat_sessions s ON f.target_type='session' AND s.id=f.target_id "
                "WHERE s.batch_id=? ORDER BY f.id LIMIT 2",
                (batch_id,),
            )
        ]
        sessions = [r[0] for r in q("SELECT id FROM chat_sessions WHERE batch_id=? ORDER BY id LIMIT 2", (batch_id,))]
        queue, browse = RiskQueueRepo(store.conn), SessionsBrowseRepo(store.conn)
        for flag_id, status in zip(message_flags + session_flags, ("已处理", "误报", "处理中", "已处理", "误报")):
            queue.set_status([flag_id], status, handler="店长", note=f"人工核对过（{status}）")
        for session_id in sessions:
            browse.set_note(session_id, "买家要求换货，已登记")
            browse.set_reviewed(session_id, True, "店长")
    return len(message_flags) + len(session_flags)


def copy_store(src: Path, dst: Path) -> Path:
    """A consistent one-file copy (the SQLite backup API: no stale -wal/-shm can pair with it)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()
    return dst


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=10)


def integrity_problems(db: Path) -> list[str]:
    conn = _connect(db)
    try:
        found = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        problems = [] if found == ["ok"] else [f"integrity_check: {'; '.join(found[:5])}"]
        problems += [f"foreign key: {r}" for r in conn.execute("PRAGMA foreign_key_check").fetchmany(5)]
        for table in _FTS_PROBES:
            if _has_table(conn, table):
                try:
                    conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
                except sqlite3.DatabaseError as exc:
                    problems.append(f"{table} integrity-check: {exc}")
        return problems
    finally:
        conn.close()


def batch_problems(db: Path) -> list[str]:
    """Every batch whole or absent: rows, rejects and status agree; no orphan rows or empty sessions."""
    conn = _connect(db)
    q = conn.execute
    problems = []
    try:
        batches = q("SELECT id, kind, status, rows_added, rows_rejected FROM import_batches").fetchall()
        for bid, kind, status, added, rejected in batches:
            table = BATCH_TABLES.get(kind)
            n = q(f"SELECT count(*) FROM {table} WHERE batch_id=?", (bid,)).fetchone()[0] if table else 0
            want = added if status == "done" else 0
            if n != want:
                problems.append(f"batch {bid} ({kind}, {status}) holds {n} rows, counted {want}")
            if status not in ("done", "undone"):
                problems.append(f"batch {bid} left with status {status!r}")
            n_rej = q("SELECT count(*) FROM import_rejects WHERE batch_id=?", (bid,)).fetchone()[0]
            if status == "done" and n_rej != rejected:
                problems.append(f"batch {bid} holds {n_rej} rejected rows, counted {rejected}")
        for table in (*BATCH_TABLES.values(), "chat_sessions"):
            if _has_table(conn, table):
                orphans = q(
                    f"SELECT count(*) FROM {table} WHERE batch_id IS NOT NULL AND batch_id NOT IN "
                    "(SELECT id FROM import_batches)"
                ).fetchone()[0]
                if orphans:
                    problems.append(f"{orphans} rows of {table} belong to no batch")
        empty = q(
            "SELECT count(*) FROM chat_sessions s WHERE NOT EXISTS "
            "(SELECT 1 FROM chat_messages m WHERE m.session_id = s.id)"
        ).fetchone()[0]
        if empty:
            problems.append(f"{empty} chat sessions without messages")
        return problems
    finally:
        conn.close()


def user_marks(db: Path) -> tuple:
    """What a person set by hand: flag statuses, notes and handlers, session notes and reviewed marks."""
    conn = _connect(db)
    try:
        flags = conn.execute(
            "SELECT target_type, target_id, rule_id, status, note, handler, handled_at FROM risk_flags "
            "WHERE status <> '待处理' OR note IS NOT NULL OR handler IS NOT NULL ORDER BY 1, 2, 3"
        ).fetchall()
        sessions = (
            conn.execute(
                "SELECT session_id, reviewed, reviewer, reviewed_at, note FROM session_reviews ORDER BY 1"
            ).fetchall()
            if _has_table(conn, "session_reviews")
            else []
        )
        return tuple(flags), tuple(sessions)
    finally:
        conn.close()


def running_runs(db: Path) -> int:
    conn = _connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM analysis_runs WHERE status='running'").fetchone()[0])
    finally:
        conn.close()


def store_digest(db: Path) -> dict[str, tuple[int, str]]:
    """Per table (row count, hash of its rows in a fixed order) without timestamps and FTS internals;
    the FTS indexes by the rows a few probe queries find."""
    conn = _connect(db)
    try:
        out = {}
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        for table in tables:
            if table in _SKIP_TABLES or table.startswith(_SKIP_PREFIXES):
                continue
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in _VOLATILE.get(table, ())]
            quoted = ", ".join('"' + c + '"' for c in cols)
            rows = conn.execute(f'SELECT {quoted} FROM "{table}"').fetchall()
            out[table] = _rows_digest(rows)
        for table, probes in _FTS_PROBES.items():
            if table in tables:
                for probe in probes:
                    rows = conn.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ?", (probe,)).fetchall()
                    out[f"{table} MATCH {probe}"] = _rows_digest(rows)
        return out
    finally:
        conn.close()


def _rows_digest(rows: list[tuple]) -> tuple[int, str]:
    def norm(v: object) -> object:
        return round(v, 9) if isinstance(v, float) else v

    lines = sorted(repr(tuple(norm(v) for v in row)) for row in rows)
    return len(rows), hashlib.sha1("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def digest_difference(got: dict, want: dict) -> list[str]:
    return [f"{k}: {got.get(k)} != {want.get(k)}" for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name=?", (name,)).fetchone() is not None


# --- chains ------------------------------------------------------------------------------------


@dataclass
class Scenario:
    """One command killed over and over, from one start store, against one reference end store."""

    name: str
    args: list[str]  # after main.py; "{db}" is replaced by the store's path
    start: Path  # store the command starts from (copied for each chain)
    is_done: Callable[[Path], bool] | None = None  # the command's effect is committed (import, undo)
    duration: float = 0.0  # uninterrupted run, seconds (measure_reference)
    reference: dict = field(default_factory=dict)  # store_digest after an uninterrupted run
    reference_db: Path | None = None  # the store that run left (the next scenario may start there)

    def argv(self, db: Path) -> list[str]:
        return [a.replace("{db}", str(db)) for a in self.args]


@dataclass
class Tally:
    """What the kills of one scenario found."""

    name: str
    kills: int = 0
    ended_by_itself: int = 0
    chains: int = 0
    recovered: int = 0  # chains whose final store equals the reference
    integrity_failures: int = 0
    leftover_checks: int = 0  # kills after which /proc could be read
    kills_with_children: int = 0  # kills while the command had child processes running
    running_left: int = 0  # analysis runs still "running" after a chain's final run
    seconds: float = 0.0
    # "store" (integrity, batches, user marks after a kill), "processes" (left running after a kill),
    # "recovery" (a run that failed by itself, or a final store unlike an uninterrupted run's)
    problems: dict[str, list[str]] = field(default_factory=lambda: {"store": [], "processes": [], "recovery": []})


def measure_reference(sc: Scenario, workdir: Path, env: dict[str, str]) -> Scenario:
    """Run the command uninterrupted on a copy of its start: its duration and end state."""
    db = copy_store(sc.start, workdir / f"{sc.name}-reference.sqlite3")
    run = run_cli(sc.argv(db), env, workdir / f"{sc.name}-reference.log")
    if run.returncode != 0:
        raise RuntimeError(f"{sc.name}: uninterrupted run failed ({run.returncode}):\n{run.output}")
    sc.duration, sc.reference, sc.reference_db = run.seconds, store_digest(db), db
    return sc


def kill_scenario(
    sc: Scenario,
    kills: int,
    rng: random.Random,
    workdir: Path,
    env: dict[str, str],
    *,
    marks: tuple,
    chain_length: Callable[[], int] = lambda: 3,
) -> Tally:
    """SIGKILL ``sc``'s command ``kills`` times, in chains from fresh copies of its start store.

    A chain's store is deleted when it showed no problem and kept in ``workdir`` otherwise.
    """
    if sc.is_done and sc.is_done(sc.start):
        raise ValueError(f"{sc.name}: the start store already holds what the command does")
    tally, started = Tally(sc.name), time.perf_counter()
    while tally.kills < kills:
        if tally.chains >= 10 * kills:  # every run ended before its kill time: a wrong duration
            tally.problems["recovery"].append(f"{sc.name}: only {tally.kills} of {kills} runs could be killed")
            break
        tally.chains += 1
        db = copy_store(sc.start, workdir / f"{sc.name}-{tally.chains}.sqlite3")
        before = sum(map(len, tally.problems.values()))
        _kill_chain(sc, db, min(chain_length(), kills - tally.kills), rng, env, workdir, marks, tally)
        _finish_chain(sc, db, env, workdir, tally)
        if sum(map(len, tally.problems.values())) == before:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    tally.seconds = time.perf_counter() - started
    return tally


def _kill_chain(
    sc: Scenario,
    db: Path,
    budget: int,
    rng: random.Random,
    env: dict[str, str],
    workdir: Path,
    marks: tuple,
    tally: Tally,
) -> None:
    """Up to ``budget`` killed runs on ``db``, each checked; stops when a run ends by itself."""
    killed_here = 0
    while killed_here < budget and not (sc.is_done and sc.is_done(db)):
        delay = rng.uniform(0.0, sc.duration)
        run = run_cli(sc.argv(db), env, workdir / f"{sc.name}-run.log", kill_after=delay)
        where = f"{sc.name} chain {tally.chains}, delay {delay:.2f} s"
        if not run.killed:
            tally.ended_by_itself += 1
            if run.returncode != 0:
                tally.problems["recovery"].append(
                    f"{where}: ended by itself with exit {run.returncode}: {run.output[-800:]}"
                )
            return
        tally.kills += 1
        killed_here += 1
        _check_after_kill(db, run, where, marks, tally)


def _check_after_kill(db: Path, run: Run, where: str, marks: tuple, tally: Tally) -> None:
    found = integrity_problems(db)
    tally.integrity_failures += bool(found)
    found += batch_problems(db)
    if user_marks(db) != marks:
        found.append("statuses or notes set by the user changed")
    tally.problems["store"] += [f"{where}: {p}" for p in found]
    if PROC_READABLE:
        tally.leftover_checks += 1
        tally.kills_with_children += run.children > 0
        if run.leftovers:
            tally.problems["processes"].append(
                f"{where}: processes {run.leftovers} still running {LEFTOVER_GRACE_S:.0f} s after the kill"
            )


def _finish_chain(sc: Scenario, db: Path, env: dict[str, str], workdir: Path, tally: Tally) -> None:
    """The next run recovers by itself: it succeeds and ends where an uninterrupted run ends."""
    where = f"{sc.name} chain {tally.chains}, recovery run"
    if not (sc.is_done and sc.is_done(db)):
        run = run_cli(sc.argv(db), env, workdir / f"{sc.name}-recovery.log")
        if run.returncode != 0:
            tally.problems["recovery"].append(f"{where}: exit {run.returncode}: {run.output[-800:]}")
            return
    tally.running_left += running_runs(db)
    diff = digest_difference(store_digest(db), sc.reference)
    if diff:
        tally.problems["recovery"].append(f"{where}: store differs from an uninterrupted run: {'; '.join(diff[:6])}")
    else:
        tally.recovered += 1
