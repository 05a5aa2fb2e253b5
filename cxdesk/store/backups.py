"""Copies of the store made before risky changes, and restoring one.

A backup is made automatically before a schema migration and before an
import batch is undone (and on request: 设置 → 数据库备份 → 立即备份, or
``python main.py backup create``). It is a whole SQLite database written with
SQLite's online backup API (consistent even while other connections read or
write), into the ``backups`` folder next to the store, named
``<store file name>.<YYYYmmdd-HHMMSS>.<reason>.sqlite3``. Only the newest
:data:`BACKUPS_KEPT` backups of a store are kept.

Restoring checks the backup in full, saves the current file as one more
backup (reason ``restore``; a damaged file is copied byte for byte), makes
sure no other connection has the store open, and swaps the file in with an
atomic rename of a complete copy: an interruption leaves either the old or
the new file, never a mix. The caller closes its own connections first.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cxdesk.errors import CxdeskError, StoreError
from cxdesk.store.failures import CorruptStoreError, StoreBusyError, StoreFullError, user_error

log = logging.getLogger("cxdesk")

BACKUPS_KEPT = 3
STALE_PART_S = 3600  # a ``.part`` file this old was left by a killed backup, not one being written
BACKUP_DIR_NAME = "backups"
_STAMP = "%Y%m%d-%H%M%S"
_REASON_LABELS = {
    "migrate": "升级数据库结构前（原结构版本 {n}）",
    "undo": "撤销导入批次 {n} 前",
    "restore": "恢复另一个备份前",
    "manual": "手动备份",
}


@dataclass(frozen=True)
class Backup:
    """One backup file of a store; ``id`` (its time, e.g. ``20240601-101530``) names it on the command line."""

    id: str
    path: Path
    created: datetime
    reason: str
    size: int

    @property
    def label(self) -> str:
        """The reason in Chinese, e.g. 「撤销导入批次 12 前」."""
        kind, _, n = self.reason.partition("-")
        return _REASON_LABELS.get(kind, self.reason).format(n=n.lstrip("v") or "?")

    @property
    def time_text(self) -> str:
        return self.created.strftime("%Y-%m-%d %H:%M:%S")

    @property
    def size_text(self) -> str:
        return f"{self.size / 1024:,.0f} KB" if self.size < 1024**2 else f"{self.size / 1024**2:,.1f} MB"


@dataclass(frozen=True)
class RestoreResult:
    restored: Backup
    previous: Backup | None  # the store as it was before, kept as a backup (None: there was no file)

    def describe(self) -> str:
        text = f"已把数据库恢复为 {self.restored.time_text} 的备份（{self.restored.label}）。"
        if self.previous is not None:
            text += f"恢复前的数据库已另存为备份 {self.previous.id}。"
        return text


def backup_dir(db_path: str | Path) -> Path:
    return Path(db_path).parent / BACKUP_DIR_NAME


def _pattern(db_path: Path) -> re.Pattern[str]:
    return re.compile(re.escape(db_path.name) + r"\.(\d{8}-\d{6}(?:-\d+)?)\.([a-z0-9-]+)\.sqlite3")


def list_backups(db_path: str | Path) -> list[Backup]:
    """The store's backups, newest first."""
    db_path = Path(db_path)
    folder, pattern = backup_dir(db_path), _pattern(db_path)
    found: list[Backup] = []
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match:
            continue
        try:
            created = datetime.strptime(match.group(1)[:15], _STAMP)
            size = entry.stat().st_size
        except (ValueError, OSError):
            continue
        found.append(Backup(match.group(1), entry, created, match.group(2), size))
    found.sort(key=lambda b: (b.created, b.path.stat().st_mtime_ns if b.path.exists() else 0), reverse=True)
    return found


def find_backup(db_path: str | Path, backup_id: str) -> Backup:
    """The backup with this id (or file name); a clear error when there is none."""
    backups = list_backups(db_path)
    for backup in backups:
        if backup_id in (backup.id, backup.path.name):
            return backup
    known = "、".join(b.id for b in backups) or "（还没有备份）"
    raise CxdeskError(f"没有编号为“{backup_id}”的备份。现有备份：{known}。")


def _new_path(db_path: Path, reason: str) -> tuple[str, Path]:
    folder = backup_dir(db_path)
    stamp = datetime.now().strftime(_STAMP)
    backup_id, n = stamp, 1
    while any(folder.glob(f"{_glob_escape(db_path.name)}.{backup_id}.*.sqlite3")):
        n += 1
        backup_id = f"{stamp}-{n}"
    return backup_id, folder / f"{db_path.name}.{backup_id}.{reason}.sqlite3"


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _copy_with_sqlite(source: sqlite3.Connection, target: Path) -> None:
    """The online backup API into a fresh single-file database (rollback journal, no -wal beside it)."""
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()


def _copy_bytes(db_path: Path, target: Path) -> None:
    """A damaged store cannot always be read through SQLite: copy its file (and -wal) as they are."""
    shutil.copyfile(db_path, target)
    wal = Path(f"{db_path}-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, f"{target}-wal")


def create_backup(
    db_path: str | Path,
    reason: str,
    *,
    source: sqlite3.Connection | None = None,
    keep: int = BACKUPS_KEPT,
    check: bool = True,
) -> Backup:
    """Back up the store at ``db_path`` (through ``source`` if given, else a read-only connection).

    ``reason`` is ``migrate-v<N>``, ``undo-<batch>``, ``restore`` or ``manual``.
    Unless ``check`` is off (the caller just checked), a damaged store is
    refused rather than copied over a good backup (``restore`` copies it anyway).
    Raises a :class:`~cxdesk.errors.StoreError` (nothing half-written is left).
    """
    db_path = Path(db_path)
    if check and source is None and reason != "restore":
        from cxdesk.store._schema import inspect_existing

        inspect_existing(db_path, check=True)  # never let a damaged copy push a good backup out
    try:
        backup_dir(db_path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"无法创建备份文件夹“{backup_dir(db_path)}”（{exc.strerror or exc}），"
            "为安全起见这次操作没有进行。请检查数据库所在文件夹是否可写。"
        ) from exc
    backup_id, target = _new_path(db_path, reason)
    part = target.with_name(target.name + ".part")
    part.unlink(missing_ok=True)
    try:
        _write_backup(db_path, part, source, raw_fallback=reason == "restore")
        os.replace(part, target)
        if Path(f"{part}-wal").exists():
            os.replace(f"{part}-wal", f"{target}-wal")
    except (sqlite3.Error, OSError) as exc:
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-journal")):
            leftover.unlink(missing_ok=True)
        raise _backup_failed(exc, db_path) from exc
    prune_backups(db_path, keep)
    log.info("已备份数据库“%s”到“%s”", db_path, target)
    return Backup(backup_id, target, datetime.strptime(backup_id[:15], _STAMP), reason, target.stat().st_size)


def _write_backup(db_path: Path, part: Path, source: sqlite3.Connection | None, *, raw_fallback: bool) -> None:
    from cxdesk.store._schema import open_read_only

    try:
        if source is not None:
            _copy_with_sqlite(source, part)
            return
        conn = open_read_only(db_path)
        try:
            _copy_with_sqlite(conn, part)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        if not raw_fallback:
            raise
        part.unlink(missing_ok=True)
        _copy_bytes(db_path, part)


def _backup_failed(exc: BaseException, db_path: Path) -> CxdeskError:
    found = user_error(exc, path=db_path, where="备份")
    if isinstance(found, StoreFullError):
        return StoreFullError(
            f"磁盘空间不足，无法备份数据库“{db_path}”。为安全起见，原定的操作没有进行，"
            "数据库未被修改。请清理磁盘空间后重试。"
        )
    if isinstance(found, CorruptStoreError):
        return found
    return StoreError(
        f"无法备份数据库“{db_path}”（{exc}）。为安全起见，原定的操作没有进行，数据库未被修改。"
        "请检查数据库所在文件夹里的 backups 文件夹是否可写。"
    )


def prune_backups(db_path: str | Path, keep: int = BACKUPS_KEPT) -> list[Path]:
    """Delete all but the newest ``keep`` backups of the store, and what a killed backup left; the paths removed."""
    removed = []
    now = time.time()
    for part in backup_dir(db_path).glob(f"{_glob_escape(Path(db_path).name)}.*.sqlite3.part"):
        try:
            if now - part.stat().st_mtime > STALE_PART_S:  # older than any backup still being written
                part.unlink()
                removed.append(part)
        except OSError:
            pass
    for old in list_backups(db_path)[keep:]:
        for file in (old.path, Path(f"{old.path}-wal")):
            try:
                file.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("无法删除旧备份“%s”：%s", file, exc)
        removed.append(old.path)
    return removed


def verify_backup(backup: Backup) -> None:
    """Refuse a backup that is not a whole cxdesk database this program can open."""
    from cxdesk.store._schema import inspect_existing, open_read_only
    from cxdesk.store.integrity import quick_check

    inspect_existing(backup.path)
    conn = open_read_only(backup.path)
    try:
        result = quick_check(conn, budget_s=None)
    except sqlite3.DatabaseError as exc:
        result = None
        detail = str(exc)
    finally:
        conn.close()
    if result is None or result.problems:
        detail = "；".join(result.problems[:2]) if result is not None else detail
        raise CorruptStoreError(
            f"备份“{backup.path.name}”也已损坏（{detail}），没有用它恢复，数据库未被修改。请选择另一个备份。"
        )


def _ensure_unused(db_path: Path) -> None:
    """Refuse while another connection (another window, a running command) has the store open."""
    conn = sqlite3.connect(str(db_path), timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreBusyError(
                "数据库正被另一个 cxdesk 窗口或命令使用，没有恢复备份，数据库未被修改。请先关闭它们再恢复。"
            ) from exc
    except sqlite3.DatabaseError:
        pass  # a damaged file: nothing else can be using it sensibly; it is replaced below
    finally:
        conn.close()


def restore_backup(db_path: str | Path, backup_id: str, progress: Callable[[str], None] | None = None) -> RestoreResult:
    """Replace the store at ``db_path`` with backup ``backup_id``; the current file is kept as a backup.

    The caller must have closed its own connections to the store.
    ``progress(message)`` is told each step.
    """
    db_path = Path(db_path)
    say = progress or (lambda _message: None)
    chosen = find_backup(db_path, backup_id)
    say("正在检查备份")
    verify_backup(chosen)
    staged = db_path.with_name(f"{db_path.name}.restoring")
    staged.unlink(missing_ok=True)
    try:
        say("正在复制备份")
        from cxdesk.store._schema import open_read_only

        conn = open_read_only(chosen.path)
        try:
            _copy_with_sqlite(conn, staged)
        finally:
            conn.close()
        _fsync(staged)
        previous = None
        if db_path.exists():
            say("正在备份当前数据库")
            previous = create_backup(db_path, "restore", keep=BACKUPS_KEPT + 1)
            _ensure_unused(db_path)
        for side in ("-wal", "-shm", "-journal"):
            Path(f"{db_path}{side}").unlink(missing_ok=True)
        say("正在替换数据库")
        os.replace(staged, db_path)
    except (sqlite3.Error, OSError) as exc:
        found = user_error(exc, path=db_path, where="恢复备份")
        raise (found or StoreError(f"恢复备份失败（{exc}），数据库未被修改。")) from exc
    finally:
        staged.unlink(missing_ok=True)
    prune_backups(db_path)
    from cxdesk.store.integrity import forget_checks

    forget_checks(db_path)
    log.info("已用备份“%s”恢复数据库“%s”", chosen.path, db_path)
    return RestoreResult(chosen, previous)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def create_backup_job(ctx, db_path: str | Path) -> Backup:
    """Job (GUI 立即备份): a manual backup of the store."""
    ctx.progress(0, 0, "正在备份数据库")
    return create_backup(db_path, "manual")


def restore_backup_job(ctx, db_path: str | Path, backup_id: str) -> RestoreResult:
    """Job (GUI 恢复): :func:`restore_backup` with its steps as progress; not cancellable once started."""
    return restore_backup(db_path, backup_id, progress=lambda message: ctx.progress(0, 0, message))
