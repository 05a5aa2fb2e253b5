"""Opening a database safely: refuse what is not ours, migrate what is older.

Every check that could reject a file runs on a read-only connection first, so
a file we refuse is never modified (no WAL switch, no journal, no schema).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cxdesk.errors import NewerSchemaError, NotADatabaseError, ReadOnlyStoreError, StoreError
from cxdesk.store.migrations import APP_ID_KEY, APP_ID_VALUE, CURRENT_VERSION, MIGRATIONS

SQLITE_MAGIC = b"SQLite format 3\x00"


def _inspect_existing(path: Path) -> int:
    """Return the schema version of an existing file, or raise if it is not ours."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head != SQLITE_MAGIC:
        raise NotADatabaseError(
            f"“{path}” 不是 cxdesk 数据库文件（也不是 SQLite 数据库），未做任何修改。"
            "请用 --db 指定正确的数据库，或换一个新文件名创建新库。"
        )
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            app = None
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE key=?", (APP_ID_KEY,)).fetchone()
                app = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotADatabaseError(
            f"数据库文件“{path}”已损坏或无法读取（{exc}），未做任何修改。"
            "可从备份恢复，或用 --db 指定另一个文件。"
        ) from exc
    if not tables:
        return 0
    if app != APP_ID_VALUE:
        raise NotADatabaseError(
            f"“{path}” 是其他程序的 SQLite 数据库，不是 cxdesk 数据库，未做任何修改。"
        )
    if version > CURRENT_VERSION:
        raise NewerSchemaError(
            f"数据库“{path}”由更新版本的 cxdesk 创建（结构版本 {version}，"
            f"本程序只支持到 {CURRENT_VERSION}）。为保护数据，本程序不会打开或修改它，"
            "请升级 cxdesk 后再打开。"
        )
    return version


def _check_writable(path: Path) -> None:
    folder = path.parent
    if path.exists():
        if not os.access(path, os.W_OK):
            raise ReadOnlyStoreError(
                f"数据库文件“{path}”是只读的，无法写入。请检查文件权限，或用 --db 指定可写的位置。"
            )
    if folder.exists() and not folder.is_dir():
        raise ReadOnlyStoreError(f"无法创建数据库所在文件夹“{folder}”：同名的文件已存在。请用 --db 指定其他位置。")
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ReadOnlyStoreError(f"无法创建数据库所在文件夹“{folder}”：{exc.strerror}") from exc
    if not os.access(folder, os.W_OK):
        raise ReadOnlyStoreError(
            f"数据库所在文件夹“{folder}”不可写（SQLite 需要在同一文件夹写日志文件）。"
            "请把数据库放到可写的位置，或用 --db 指定。"
        )


def migrate(conn: sqlite3.Connection, from_version: int) -> int:
    """Apply every migration after ``from_version``; each in its own transaction."""
    version = from_version
    for target, script in enumerate(MIGRATIONS[from_version:], start=from_version + 1):
        # executescript() commits first; wrap script and version bump together.
        conn.executescript(
            "BEGIN;\n"
            + script
            + ("\nINSERT OR IGNORE INTO meta(key, value) VALUES ('%s', '%s');" % (APP_ID_KEY, APP_ID_VALUE))
            + f"\nPRAGMA user_version = {target};\nCOMMIT;"
        )
        version = target
    return version


def connect(path: Path, *, migrate_to_current: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and upgrade a cxdesk database.

    Raises
    ------
    NotADatabaseError
        The file is not a SQLite database, is corrupt, or belongs to another app.
    NewerSchemaError
        The file was written by a newer cxdesk.
    ReadOnlyStoreError
        The file or its folder cannot be written.
    """
    path = Path(path)
    version = 0
    if path.exists() and path.stat().st_size > 0:
        version = _inspect_existing(path)
    _check_writable(path)
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrate_to_current and version < CURRENT_VERSION:
            migrate(conn, version)
    except sqlite3.OperationalError as exc:
        msg = str(exc)
        if "readonly" in msg or "unable to open" in msg:
            raise ReadOnlyStoreError(f"无法写入数据库“{path}”：{msg}") from exc
        raise StoreError(f"打开数据库“{path}”失败：{msg}") from exc
    if mode.lower() != "wal":
        # Network drives and some sandboxes refuse WAL; keep working, but say so.
        conn.execute("PRAGMA journal_mode = DELETE")
    return conn
