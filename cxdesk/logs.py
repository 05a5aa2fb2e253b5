"""Logging to a file in the data directory, and a last-resort excepthook.

The GUI replaces the hook with one that also opens an error dialog; the CLI
keeps this one, which logs the traceback and prints it.

The log rotates at 2 MB. On Windows a file another process holds open (a
second cxdesk window, a CLI run, a pool worker) cannot be renamed, so
rotation fails there: :class:`SharedRotatingFileHandler` then keeps writing
to the current file and tries again later, instead of losing every record.
"""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from types import TracebackType

from cxdesk.paths import data_dir

log = logging.getLogger("cxdesk")

MAX_BYTES = 2_000_000
BACKUP_COUNT = 2


class SharedRotatingFileHandler(RotatingFileHandler):
    """A :class:`RotatingFileHandler` that survives a rotation another process blocks.

    When renaming the full log fails (Windows: ``PermissionError`` while any
    other process has it open), the file is reopened for appending and the
    next attempt waits until another ``retry_bytes`` have been written, so a
    blocked rotation costs one failed rename now and then, never a record.
    """

    def __init__(self, *args, retry_bytes: int = 256_000, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.retry_bytes = retry_bytes
        self._retry_at = 0
        self.failed_rollovers = 0

    def shouldRollover(self, record: logging.LogRecord) -> bool:  # noqa: N802 - logging's name
        if self._retry_at and self.stream is not None and self.stream.tell() < self._retry_at:
            return False
        return bool(super().shouldRollover(record))

    def doRollover(self) -> None:  # noqa: N802 - logging's name
        try:
            super().doRollover()
            self._retry_at = 0
        except OSError:
            self.failed_rollovers += 1
            if self.stream is not None:
                self.stream.close()
            self.stream = self._open()  # append to the file that could not be renamed
            self._retry_at = self.stream.tell() + self.retry_bytes


def setup_logging() -> None:
    if log.handlers:
        return
    try:
        handler: logging.Handler = SharedRotatingFileHandler(
            data_dir() / "cxdesk.log", maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError:
        # No file: stderr, unless there is none (the windowed program on Windows).
        handler = logging.StreamHandler() if sys.stderr is not None else logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.error("未处理的异常\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    sys.__excepthook__(exc_type, exc, tb)


def install_excepthook() -> None:
    setup_logging()
    sys.excepthook = _hook
