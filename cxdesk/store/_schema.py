"""Opening a database safely: refuse what is not ours or damaged, migrate what is older.

Every check that could reject a file runs on a read-only connection first, so
a file we refuse is never modified (no WAL switch, no journal, no schema):
the header and application id, the schema version, and a time-bounded
``PRAGMA quick_check`` (:mod:`cxdesk.store.integrity`).

Three ways to open (``mode``): ``"rw"`` creates, migrates and writes, and
refuses a file or folder it cannot write; ``"ro"`` only reads (SQLite's
``mode=ro``; ``immutable=1`` when a read-only folder keeps SQLite from
creating the ``-shm`` a WAL database needs) and never changes the file;
``"auto"`` is ``"rw"`` when the file and its folder are writable, else
``"ro"`` with a note saying why. A file on a network share or mapped network drive that
fails to open is reported as such (:class:`NetworkStoreError`: SQLite is unsafe
there), not as damaged. Before a migration the file is backed up
(:mod:`cxdesk.store.backups`). A writable open marks analysis runs left
"running" by a killed process as interrupted (:func:`recover_interrupted_runs`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from cxdesk.errors import NewerSchemaError, NotADatabaseError, ReadOnlyStoreError, StoreError
from cxdesk.store.failures import SQLITE_CANTOPEN, SQLITE_READONLY, CorruptStoreError, corrupt_message, user_error
from cxdesk.store.migrations import APP_ID_KEY, APP_ID_VALUE, CURRENT_VERSION, MIGRATIONS

log = logging.getLogger("cxdesk")

SQLITE_MAGIC = b"SQLite format 3\x00"
MODES = ("rw", "ro", "auto")
INTERRUPTED_RUN_NOTE = "中断：分析在完成前被关闭或终止；下次分析会接着处理未完成的部分"


class NetworkStoreError(StoreError):
    """The database is on a network share and could not be read safely; the file itself may be fine."""


# GetDriveTypeW's answer for a network drive; file systems that are a network share on Linux/macOS.
DRIVE_REMOTE = 4
_NETWORK_FILE_SYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "afs",
    "ncpfs",
    "fuse.sshfs",
    "davfs",
    "fuse.davfs2",
    "fuse.rclone",
}


def is_network_path(path: str | Path) -> bool:
    """True when ``path`` is on a network share: a UNC path (``\\\\server\\share``), a mapped network
    drive (Windows ``GetDriveTypeW`` = ``DRIVE_REMOTE``) or an NFS/SMB mount. Best effort: False when unsure."""
    text = str(path)
    if _is_unc(text):
        return True
    try:
        if os.name == "nt":
            return _on_remote_drive(os.path.abspath(text))
        return _mount_type(os.path.realpath(text)) in _NETWORK_FILE_SYSTEMS
    except (OSError, ValueError, AttributeError):
        return False


def _on_remote_drive(absolute: str) -> bool:
    """Windows: ``absolute`` is on a UNC share or a drive letter mapped to one."""
    import ntpath

    drive = ntpath.splitdrive(absolute)[0]
    return _is_unc(drive) or (bool(drive) and _drive_type(drive + "\\") == DRIVE_REMOTE)


def _is_unc(text: str) -> bool:
    if text.startswith(("\\\\?\\", "\\\\.\\")):  # extended-length and device paths: UNC only as \\?\UNC\
        return text[4:8].upper() == "UNC\\"
    return text.startswith("\\\\")


def _drive_type(root: str) -> int:
    import ctypes

    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


def _mount_type(real: str) -> str:
    """The file system type of the mount holding ``real`` (Linux: /proc/self/mounts; elsewhere "")."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as fh:
            mounts = [line.split()[1:3] for line in fh if len(line.split()) >= 3]
    except OSError:
        return ""
    best, kind = "", ""
    for point, fs in mounts:
        point = point.replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fs
    return kind


def network_message(path: Path, detail: str) -> str:
    return (
        f"数据库“{path}”在网络共享或映射的网络驱动器上，读取时出错（{detail}）。"
        "SQLite 数据库放在网络盘上并不安全：网络文件系统的文件锁不可靠，网络一断或两台电脑同时打开，"
        "写入就可能只完成一半，读出的内容会像是“已损坏”，继续使用还可能真的损坏数据。"
        "这个文件本身未必损坏，本程序没有修改它。请把数据库文件复制到本机磁盘（例如“文档”文件夹）"
        "后用 --db 指定，或在程序中打开本机上的副本；要和别人共用数据，请复制文件或备份，"
        "不要让几台电脑同时打开同一个文件。"
    )


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change ``path`` (``mode=ro``; ``immutable=1`` in a read-only folder).

    A WAL database needs its ``-shm`` file; when it is missing and the folder
    is read-only SQLite refuses ``mode=ro``, and ``immutable=1`` (no locking,
    no side files) is the only way to read it.
    """
    uri = Path(path).resolve().as_uri()
    conn = None
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        if conn is not None:
            conn.close()
        if (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF not in (SQLITE_READONLY, SQLITE_CANTOPEN):
            raise
    log.info("数据库“%s”所在文件夹只读，以 immutable 方式只读打开", path)
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def _refuse_folder(path: Path) -> None:
    if path.is_dir():
        raise StoreError(
            f"“{path}”是一个文件夹，不是数据库文件，未做任何修改。请用 --db 指定数据库文件，"
            f"例如“{path / 'cxdesk.sqlite3'}”（不存在时会新建）。"
        )


def inspect_existing(path: Path, *, check: bool = False) -> int:
    """Return the schema version of an existing file, or raise if it is not ours (or, with ``check``, damaged)."""
    _refuse_folder(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(
            f"无法读取数据库文件“{path}”（{exc.strerror or exc}），未做任何修改。"
            "请检查文件权限，或用 --db 指定另一个文件。"
        ) from exc
    if head != SQLITE_MAGIC:
        raise NotADatabaseError(
            f"“{path}” 不是 cxdesk 数据库文件（也不是 SQLite 数据库），未做任何修改。"
            "请用 --db 指定正确的数据库，或换一个新文件名创建新库。"
        )
    try:
        conn = open_read_only(path)
        try:
            version, tables, app = _identity(conn)
            if check and tables and app == APP_ID_VALUE and version <= CURRENT_VERSION:
                _check_whole(path, conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        found = user_error(exc, path=path, where="打开数据库")
        if found is None or isinstance(found, CorruptStoreError):
            raise CorruptStoreError(corrupt_message(path, f"无法读取它的结构：{exc}")) from exc
        raise found from exc  # locked by another program, a disk error: not damage
    if not tables:
        return 0
    if app != APP_ID_VALUE:
        raise NotADatabaseError(f"“{path}” 是其他程序的 SQLite 数据库，不是 cxdesk 数据库，未做任何修改。")
    if version > CURRENT_VERSION:
        raise NewerSchemaError(
            f"数据库“{path}”由更新版本的 cxdesk 创建（结构版本 {version}，"
            f"本程序只支持到 {CURRENT_VERSION}）。为保护数据，本程序不会打开或修改它，"
            "请升级 cxdesk 后再打开。"
        )
    return version


def _identity(conn: sqlite3.Connection) -> tuple[int, set[str], str | None]:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    app = None
    if "meta" in tables:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (APP_ID_KEY,)).fetchone()
        app = row[0] if row else None
    return version, tables, app


def _check_whole(path: Path, conn: sqlite3.Connection) -> None:
    from cxdesk.store.integrity import check_at_open

    result = check_at_open(path, conn)
    if result is not None and result.problems:
        first = result.problems[0].replace("*** in database main ***", "").strip().splitlines()[0][:160]
        raise CorruptStoreError(corrupt_message(path, f"SQLite 完整性检查发现：{first}"))


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` (an existing file) cannot be written, or ``None`` when it can."""
    if not os.access(path, os.W_OK):
        return "数据库文件是只读的"
    if not os.access(path.parent, os.W_OK):
        return "数据库所在文件夹是只读的"
    return None


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
            + f"\nINSERT OR IGNORE INTO meta(key, value) VALUES ('{APP_ID_KEY}', '{APP_ID_VALUE}');"
            + f"\nPRAGMA user_version = {target};\nCOMMIT;"
        )
        version = target
    return version


def connect(path: Path, *, migrate_to_current: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and upgrade a cxdesk database for writing.

    Raises
    ------
    NotADatabaseError
        The file is not a SQLite database, is corrupt (:class:`CorruptStoreError`), or belongs to another app.
    NewerSchemaError
        The file was written by a newer cxdesk.
    ReadOnlyStoreError
        The file or its folder cannot be written.
    """
    return open_connection(path, "rw", migrate_to_current=migrate_to_current)[0]


def open_connection(
    path: Path, mode: str = "rw", *, migrate_to_current: bool = True
) -> tuple[sqlite3.Connection, str | None, bool]:
    """``(connection, why it is read-only or None, read_only)`` for ``path`` opened in ``mode`` (see module doc)."""
    if mode not in MODES:
        raise ValueError(f"unknown store mode {mode!r}")
    path = Path(path)
    try:
        return _open_connection(path, mode, migrate_to_current)
    except StoreError as exc:
        # "Damaged" or an I/O error on a network share is most often the share, not the file.
        disk_trouble = isinstance(exc, CorruptStoreError) or (
            type(exc) is StoreError and isinstance(exc.__cause__, (sqlite3.Error, OSError))
        )
        if disk_trouble and is_network_path(path):
            detail = str(exc.__cause__)[:160] if exc.__cause__ is not None else "SQLite 的完整性检查没有通过"
            raise NetworkStoreError(network_message(path, detail)) from exc
        raise


def _open_connection(path: Path, mode: str, migrate_to_current: bool) -> tuple[sqlite3.Connection, str | None, bool]:
    _refuse_folder(path)
    exists = path.exists() and path.stat().st_size > 0
    reason = read_only_reason(path) if exists else None
    if mode == "auto":
        mode = "ro" if reason else "rw"
    version = inspect_existing(path, check=True) if exists else 0
    if mode == "ro":
        return _connect_read_only(path, version, exists, reason), reason, True
    _check_writable(path)
    if migrate_to_current and 0 < version < CURRENT_VERSION:
        from cxdesk.store.backups import create_backup

        create_backup(path, f"migrate-v{version}", check=False)  # checked just above
    return _connect_writable(path, version, migrate_to_current), None, False


def _connect_read_only(path: Path, version: int, exists: bool, reason: str | None) -> sqlite3.Connection:
    if not exists:
        raise StoreError(f"数据库文件“{path}”不存在或是空文件。请用 --db 指定已导入数据的数据库。")
    if version < CURRENT_VERSION:
        why = f"但{reason}" if reason else "但这次是以只读方式打开的"
        raise ReadOnlyStoreError(
            f"数据库“{path}”由旧版 cxdesk 创建（结构版本 {version}），要先升级到结构版本 {CURRENT_VERSION} 才能读取，"
            f"{why}，本程序不会修改它。请把它复制到可写的文件夹后用 --db 指定，或修改文件权限后再试。"
        )
    conn = open_read_only(path)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _connect_writable(path: Path, version: int, migrate_to_current: bool) -> sqlite3.Connection:
    conn = None
    try:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous = NORMAL")
        if migrate_to_current and version < CURRENT_VERSION:
            migrate(conn, version)
    except sqlite3.DatabaseError as exc:
        if conn is not None:
            conn.close()
        msg = str(exc)
        if "readonly" in msg or "unable to open" in msg:
            raise ReadOnlyStoreError(f"无法写入数据库“{path}”：{msg}") from exc
        found = user_error(exc, path=path, where="打开（升级）数据库")
        raise (found or StoreError(f"打开数据库“{path}”失败：{msg}")) from exc
    if mode.lower() != "wal":
        # Network drives and some sandboxes refuse WAL; keep working, but say so.
        conn.execute("PRAGMA journal_mode = DELETE")
    if migrate_to_current:
        recover_interrupted_runs(conn, path)
    return conn


def recover_interrupted_runs(conn: sqlite3.Connection, path: Path) -> int:
    """Mark analysis runs left "running" by a killed process as interrupted; the number marked.

    Only when this process holds no other store open on ``path``: a run this
    process is doing (the GUI's analysis while a page opens the store) is
    never touched. A run of another live process (a CLI ``analyze`` next to
    the GUI) may be marked; its own end writes its real status over the mark.
    """
    from cxdesk.store.integrity import is_open_here

    if is_open_here(path):
        return 0
    if conn.execute("SELECT 1 FROM analysis_runs WHERE status='running' LIMIT 1").fetchone() is None:
        return 0
    conn.execute("PRAGMA busy_timeout = 0")  # never wait for a writer just for this
    try:
        cur = conn.execute(
            "UPDATE analysis_runs SET status='failed', note=?, "
            "finished_at=COALESCE(finished_at, datetime('now','localtime')) WHERE status='running'",
            (INTERRUPTED_RUN_NOTE,),
        )
    except sqlite3.Error as exc:  # busy: the runs stay marked running until the next open; harmless
        log.info("未能标记中断的分析记录：%s", exc)
        return 0
    finally:
        conn.execute("PRAGMA busy_timeout = 5000")
    log.info("把 %d 条未正常结束的分析记录标记为中断", cur.rowcount)
    return int(cur.rowcount)
