"""Where a file the app writes for the user may go, and writing it whole or not at all.

Every file that leaves the app — exports, reports, ``cluster`` output, the
import error list — is written through :func:`atomic_output`: the content
goes to ``NAME.part`` next to the target and is renamed over it only when
complete, so a failure, a full disk or a cancel never leaves half a file
and never touches an existing one.

The app's own settings files (weights, rules, lexicons) are written the
same way, without the checks: :func:`write_text_atomic`. Tables (CSV/XLSX)
go through :mod:`cxdesk.tablewriter`, which uses :func:`atomic_output`.

Re-exporting over a file that is open in Excel or WPS fails on Windows when
the finished file is renamed over it: that becomes :class:`FileInUseError`,
whose message asks the user to close the file (the old file stays as it was).

Before anything is written, :func:`check_output_path` refuses a target that
would destroy data (:class:`OutputPathError`, a message in Chinese):

- a folder;
- the open database or one of SQLite's side files (``-wal``, ``-shm``,
  ``-journal``), whatever the extension: compared by resolved real path
  (symbolic links followed; without regard to case on Windows and macOS)
  and, when the file exists, by ``os.path.samefile`` (hard links);
- any other SQLite database, or a side file next to one: its first bytes
  are ``SQLite format 3``. An export named like a database is never what
  the user meant;
- a file inside the database's backup folder (:mod:`cxdesk.store.backups`);
- a file the same command reads (``cluster`` reading and writing one file).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cxdesk.errors import CxdeskError

SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
_CASE_INSENSITIVE = os.name == "nt" or sys.platform == "darwin"


class OutputPathError(CxdeskError):
    """The output path would overwrite the database, its backups or the input; nothing was written."""


class FileInUseError(CxdeskError):
    """The output file is open in another program (Excel, WPS) and cannot be replaced; close it and retry."""


def _key(path: Path) -> str:
    """The path as the file system sees it: absolute, links resolved, case folded where case does not count."""
    real = os.path.realpath(os.path.abspath(path))
    return os.path.normcase(real).casefold() if _CASE_INSENSITIVE else real


def _same_file(a: Path, b: Path) -> bool:
    if _key(a) == _key(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _store_part(out: Path, store: Path) -> str | None:
    """ "数据库" or "数据库的 -wal 文件" when ``out`` is the store or one of its side files, else None."""
    if _same_file(out, store):
        return "数据库"
    for suffix in SIDE_SUFFIXES:
        if _same_file(out, store.with_name(store.name + suffix)):
            return f"数据库的 {suffix} 文件"
    return None


def _sqlite_part(out: Path) -> str | None:
    """What SQLite file ``out`` is (a database, or a side file of one), else None."""
    if out.is_file() and _is_sqlite(out):
        return "一个数据库文件（SQLite）"
    for suffix in SIDE_SUFFIXES:
        if out.name.lower().endswith(suffix):
            base = out.with_name(out.name[: -len(suffix)])
            if base.is_file() and _is_sqlite(base):
                return f"数据库“{base.name}”的 {suffix} 文件"
    return None


def _backup_folder(store: Path) -> Path | None:
    """The database's backup folder (:func:`cxdesk.store.backups.backup_dir`) if it exists."""
    from cxdesk.store.backups import backup_dir

    folder = backup_dir(store)
    return folder if folder.is_dir() else None


def _inside(path: Path, folder: Path) -> bool:
    parent, root = _key(path.parent), _key(folder)
    return parent == root or parent.startswith(root.rstrip(os.sep) + os.sep)


def check_output_path(out: str | Path, *, store: str | Path | None = None, inputs: Iterable[str | Path] = ()) -> Path:
    """``out`` as a :class:`Path` if a file may be written there; else :class:`OutputPathError`."""
    out = Path(out)
    keep = "没有写出任何文件，原有文件都未改动。"
    if not out.name or out.is_dir():
        raise OutputPathError(f"“{out}”是一个文件夹，不能当作输出文件。{keep}请在路径末尾写上文件名（含扩展名）。")
    if store is not None:
        store = Path(store)
        part = _store_part(out, store)
        if part is not None:
            raise OutputPathError(f"“{out}”是正在使用的{part}，写入会毁掉数据库。{keep}请换一个输出文件名。")
        backups = _backup_folder(store)
        if backups is not None and _inside(out, backups):
            raise OutputPathError(f"“{out.parent}”是数据库的备份文件夹，不能往里写导出文件。{keep}请换一个文件夹。")
    part = _sqlite_part(out)
    if part is not None:
        raise OutputPathError(f"“{out}”是{part}，覆盖它会丢失数据。{keep}请换一个输出文件名。")
    for source in inputs:
        if _same_file(out, Path(source)):
            raise OutputPathError(f"输出文件“{out}”就是输入文件，覆盖它会丢失原文件。{keep}请换一个输出文件名。")
    return out


def _write_error(out: Path, exc: BaseException, existed: bool, *, replacing: bool = False) -> CxdeskError | None:
    """The user's message for a failed write (None: not a write failure)."""
    if isinstance(exc, OSError):
        cause: BaseException = exc
    elif type(exc).__module__.startswith("xlsxwriter"):  # FileCreateError(OSError), FileSizeError
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
    else:
        return None
    reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
    kept = "原有的同名文件未改动" if existed else "没有留下不完整的文件"
    if replacing and existed and _held_open(cause):
        return FileInUseError(
            f"无法写入“{out}”：这个文件正被别的程序打开（多半是 Excel 或 WPS），系统不允许覆盖它（{reason}）。"
            f"请先在 Excel / WPS 里关闭“{out.name}”，再重新导出；或者换一个文件名导出。{kept}。"
        )
    hint = (
        "请检查这个文件夹是否允许写入（或文件是否只读），然后重试。"
        if _held_open(cause)
        else "请检查磁盘空间、文件夹是否存在以及写入权限，然后重试。"
    )
    return CxdeskError(f"无法写入“{out}”：{reason}。{kept}。{hint}")


# Windows: ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION (Excel keeps an open
# workbook locked, so renaming over it fails with one of these).
_IN_USE_WINERRORS = (5, 32, 33)


def _held_open(cause: BaseException) -> bool:
    """True when the write failed because another program holds the file (or it is write-protected)."""
    if isinstance(cause, PermissionError):
        return True
    return isinstance(cause, OSError) and getattr(cause, "winerror", None) in _IN_USE_WINERRORS


@contextmanager
def atomic_output(
    out: str | Path, *, store: str | Path | None = None, inputs: Iterable[str | Path] = (), create_folder: bool = False
) -> Iterator[Path]:
    """Check ``out``, yield a temporary path beside it, rename it over ``out`` when the block succeeds.

    On any exception the temporary file is removed and ``out`` is left as it
    was; write failures (full disk, no permission, file open elsewhere) become
    a :class:`CxdeskError` with a Chinese message.
    """
    out = check_output_path(out, store=store, inputs=inputs)
    # A leftover of a killed run is overwritten; the temporary name passes the same checks as the target.
    tmp = check_output_path(out.with_name(out.name + ".part"), store=store, inputs=inputs)
    existed = out.exists()
    try:
        if create_folder:
            out.parent.mkdir(parents=True, exist_ok=True)
        elif not out.parent.is_dir():
            raise CxdeskError(f"文件夹“{out.parent}”不存在，没有写出文件。请先建好文件夹，或换一个位置。")
        tmp.touch()
    except OSError as exc:
        raise _write_error(out, exc, existed) from exc  # type: ignore[misc]
    replacing = False  # the rename over the old file is where a file open in Excel / WPS refuses
    try:
        yield tmp
        replacing = True
        tmp.replace(out)
    except Exception as exc:
        error = _write_error(out, exc, existed, replacing=replacing)
        if error is None:
            raise
        raise error from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all: ``NAME.part`` beside it, renamed over it.

    For the app's own files in its data folder (no :func:`check_output_path`); an
    :class:`OSError` is the caller's to report, and no ``.part`` is left behind.
    """
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
