"""What a failing database operation means for the user, in plain Chinese.

SQLite reports a damaged file, a full disk, a read-only file or a file held
by another program as ``sqlite3.DatabaseError`` (the primary result code is
in ``sqlite_errorcode``); writing a backup or a temporary file can fail with
``OSError`` (``ENOSPC``). :func:`user_error` turns those into
:class:`cxdesk.errors.StoreError` subclasses whose message says what
happened, that the database was left as it was (a failed statement rolls its
transaction back) and what to do. Everything else (SQL that does not match
the schema is a bug) returns ``None``, so callers keep showing the traceback.

The CLI's top level, the GUI's error hook and its background-job error path
all go through here.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from cxdesk.errors import CxdeskError, NotADatabaseError, ReadOnlyStoreError, StoreError

# Primary SQLite result codes (sqlite3.h); extended codes keep these in their low byte.
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26


class CorruptStoreError(NotADatabaseError):
    """The file is a cxdesk database, but damaged: refuse to write, point to the backups."""


class StoreFullError(StoreError):
    """The disk (or the database's size limit) is full; the operation was rolled back."""


class StoreBusyError(StoreError):
    """Another program holds the database locked."""


def restore_hint(path: str | Path | None = None) -> str:
    """How to get the data back: the backups cxdesk keeps, in the GUI and on the command line."""
    db = f' --db "{path}"' if path else ""
    return (
        "请从备份恢复：在程序的「设置 → 数据库备份」中选择一个备份并恢复；或在命令行运行 "
        f"python main.py backup list{db} 查看备份，再运行 python main.py backup restore 编号{db}。"
        "恢复前的文件会另存为一个备份，不会丢失。还没有备份时，请先把这个文件复制保存，"
        "再请技术人员用 SQLite 的 .recover 命令抢救其中的数据。"
    )


def corrupt_message(path: str | Path | None, detail: str) -> str:
    where = f"数据库文件“{path}”" if path else "数据库文件"
    return f"{where}已损坏（{detail}）。为免损坏扩大，本程序不会写入或修改这个文件。" + restore_hint(path)


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1) or -1) & 0xFF


def _sqlite_error(exc: sqlite3.Error, where: str, path: str | Path | None) -> StoreError | None:
    code, text = _code(exc), str(exc)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        from cxdesk.store.integrity import forget_checks

        forget_checks()  # the next open checks the file again instead of trusting a remembered check
        return CorruptStoreError(corrupt_message(path, text) + " 这次操作没有完成。")
    if code == SQLITE_FULL or "disk is full" in text:
        return StoreFullError(
            f"磁盘空间不足（或数据库已达到大小上限），{where}没有完成，已全部撤回，"
            "数据库保持操作前的样子。请清理磁盘空间（或把数据库移到空间更大的磁盘）后重试。"
        )
    if code == SQLITE_READONLY or "readonly" in text:
        return ReadOnlyStoreError(
            f"数据库是只读的（文件、所在文件夹或打开方式只读），{where}没有完成，"
            "数据库未被修改。请检查文件和文件夹的权限，或把数据库复制到可写的位置后用 --db 指定。"
        )
    if code in (SQLITE_BUSY, SQLITE_LOCKED) or "locked" in text:
        return StoreBusyError(
            f"数据库正被另一个程序（或另一个 cxdesk 窗口、命令）占用，{where}没有完成，"
            "数据库未被修改。请等它结束后重试。"
        )
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_PERM):
        return StoreError(
            f"读写数据库文件时出错（{text}），{where}没有完成，已撤回未完成的改动。"
            "请检查磁盘、U 盘或网络盘是否仍然连接、是否有写入权限，然后重试。"
        )
    return None


def user_error(exc: BaseException, *, path: str | Path | None = None, where: str = "本次操作") -> CxdeskError | None:
    """The user-facing error for ``exc``, or ``None`` when it is not a database/disk condition.

    ``where`` names the operation in the message (e.g. 「导入」); the original
    exception becomes the ``__cause__`` so logs keep its traceback.
    """
    if isinstance(exc, CxdeskError):
        return exc
    found: CxdeskError | None = None
    if isinstance(exc, sqlite3.DatabaseError):
        found = _sqlite_error(exc, where, path)
    elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        found = StoreFullError(
            f"磁盘空间不足（{exc.filename or '写入文件时'}），{where}没有完成，数据库保持操作前的样子。"
            "请清理磁盘空间后重试。"
        )
    if found is not None:
        found.__cause__ = exc
    return found
