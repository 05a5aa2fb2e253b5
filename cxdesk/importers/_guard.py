"""The last resort around reading a file: an unexpected exception becomes a message.

Readers refuse what they know to be wrong with an :class:`ImportFormatError`
of their own. Whatever else a reader (or a value parser, or the mapping of a
record) raises on a file nobody foresaw — KeyError, TypeError, ValueError,
RecursionError, a ZIP or XML error, MemoryError … — is turned here into an
ImportFormatError that names the file and how far the import got, while the
traceback goes to the app log (``cxdesk.log``) for whoever fixes the reader.

Let through untouched: our own errors (:class:`CxdeskError`), :class:`Cancelled`,
KeyboardInterrupt / SystemExit (not ``Exception``), and every ``sqlite3.Error``
(the store's failures are the store's to report). Because the exception still
propagates out of ``store.transaction()``, the batch is rolled back as before.
"""

from __future__ import annotations

import contextlib
import sqlite3
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar
from xml.etree.ElementTree import ParseError

from cxdesk.errors import Cancelled, CxdeskError, ImportFormatError

T = TypeVar("T")

# What reading an unforeseen file can raise (ParseError is a SyntaxError; UnicodeError a ValueError).
READER_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    IndexError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
    OverflowError,
    MemoryError,
    EOFError,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    OSError,
    NotImplementedError,
    RuntimeError,
)
_PASS_THROUGH: tuple[type[BaseException], ...] = (CxdeskError, Cancelled, sqlite3.Error)


@contextlib.contextmanager
def unexpected_as_format_error(path: Path, done: int = 0, unit: str = "行") -> Iterator[None]:
    """Run the body; a reader's unexpected exception leaves as ImportFormatError (see module doc).

    ``done``: records already read when the body started (named in the message when > 0).
    """
    try:
        yield
    except _PASS_THROUGH:
        raise
    except READER_ERRORS as exc:
        raise unreadable_file(path, exc, done, unit) from exc


def guarded(chunks: Iterable[T], path: Path, unit: str = "行") -> Iterator[T]:
    """``chunks`` with each step guarded; the message says how many records were read before."""
    it = iter(chunks)
    done = 0
    try:
        while True:
            with unexpected_as_format_error(path, done, unit):
                try:
                    chunk = next(it)
                except StopIteration:
                    return
            done += len(getattr(chunk, "records", ())) + len(getattr(chunk, "rejects", ()))
            yield chunk
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()


def unreadable_file(path: Path, exc: BaseException, done: int = 0, unit: str = "行") -> ImportFormatError:
    """The user's message for ``exc``; logs its traceback to the app log."""
    from cxdesk.logs import log, setup_logging

    setup_logging()
    log.error("读取“%s”时出现意外错误（已读取 %d %s）", path, done, unit, exc_info=exc)
    where = f"（已读取 {done} {unit}后）" if done else ""
    if isinstance(exc, MemoryError):
        why = "内存不足：文件太大，或内容结构异常"
    elif isinstance(exc, RecursionError):
        why = "文件内容嵌套过深，结构异常"
    elif isinstance(exc, OSError) and not isinstance(exc, (zipfile.BadZipFile, EOFError)):
        why = f"读取文件时出错（{exc.strerror or type(exc).__name__}）"
    else:
        why = "文件内容与识别出的格式不符，或文件已损坏"
    return ImportFormatError(
        f"无法读取“{path.name}”{where}：{why}（技术信息：{_brief(exc)}）。文件未导入，数据库未改动。"
        "请确认文件来自平台后台的导出功能且完整；如果问题重复出现，请把日志 cxdesk.log 发给技术支持。"
    )


def _brief(exc: BaseException) -> str:
    """``Type: first line`` of ``exc``, short (never a traceback, which goes to the log)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "Traceback" in text:
        text = ""
    text = text if len(text) <= 80 else text[:80] + "…"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
