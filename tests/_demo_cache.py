"""The demo shop, built and analysed once per test run, and private copies of it for tests.

Building the demo (``cxdesk.demo.build_demo``: generate, write the six export files, import
them) takes a few seconds and analysing it (``cxdesk.analysis.engine.analyze``) takes 15-20 s
on two cores. Several test files need the built or the analysed demo; each used to make its
own. Here the first test process that asks builds it, in a folder every xdist worker of the
run shares (the parent of the workers' own temp folders), under a lock so the others wait
for that one build instead of starting their own; then every test gets a copy of the file.

What a build returned (the summary, the progress it reported, the analysis summary) is kept
beside the database, so tests can still check the real build's results.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BUILT, ANALYSED = "built", "analysed"


@dataclass
class DemoTemplate:
    """One cached demo database: never open it for writing, copy it (:func:`copy_db`)."""

    db: Path
    files: Path  # the export files build_demo wrote (six: chats, reviews, orders of two shops)
    build: object  # cxdesk.demo.DemoSummary of the build
    progress: list[tuple[int, int]] = field(default_factory=list)  # (done, total) the build reported
    analysis: object | None = None  # cxdesk.analysis.engine.AnalyzeSummary of the first analysis


def copy_db(source: Path, target: Path) -> Path:
    """A consistent one-file copy of ``source`` at ``target`` (SQLite's backup API: no -wal needed)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """A folder for this test run that every xdist worker of the run sees (one process: its own temp)."""
    base = factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "demo-cache"
    folder.mkdir(exist_ok=True)
    return folder


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (released by the OS if the process dies)."""
    with open(path, "a+b") as fh:
        if os.name == "nt":
            import msvcrt

            fh.seek(0)  # the lock is on the first byte: where it is taken and released
            while True:
                try:
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _build(folder: Path, kind: str, built: DemoTemplate | None) -> DemoTemplate:
    """Build (or, from ``built``, analyse) the demo into ``folder``; CXDESK_DATA_DIR is the cache's own."""
    from cxdesk.tasks import TaskContext

    db = folder / f"demo-{kind}.sqlite3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXDESK_DATA_DIR", str(folder / "data"))
        if built is None:
            from cxdesk.demo import build_demo

            progress: list[tuple[int, int]] = []
            files = folder / "files"
            summary = build_demo(TaskContext(lambda d, t, m: progress.append((d, t))), db, out_dir=files)
            template = DemoTemplate(db, files, summary, progress)
        else:
            from cxdesk.analysis.engine import analyze

            copy_db(built.db, db)
            template = DemoTemplate(db, built.files, built.build, built.progress, analyze(TaskContext(), db))
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return template


def demo_template(factory: pytest.TempPathFactory, kind: str) -> DemoTemplate:
    """The run's demo database of ``kind`` (BUILT or ANALYSED), made by the first process that asks."""
    folder = shared_dir(factory)
    record = folder / f"demo-{kind}.pickle"
    with _locked(folder / f"demo-{kind}.lock"):
        if not record.exists():
            built = None if kind == BUILT else demo_template(factory, BUILT)
            template = _build(folder, kind, built)
            part = record.with_suffix(".part")
            part.write_bytes(pickle.dumps(template))
            os.replace(part, record)  # written whole or not at all
    return pickle.loads(record.read_bytes())
