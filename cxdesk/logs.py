"""Logging to a file in the data directory, and a last-resort excepthook.

The GUI replaces the hook with one that also opens an error dialog; the CLI
keeps this one, which logs the traceback and prints it.
"""
from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from types import TracebackType

from cxdesk.paths import data_dir

log = logging.getLogger("cxdesk")


def setup_logging() -> None:
    if log.handlers:
        return
    try:
        handler: logging.Handler = RotatingFileHandler(
            data_dir() / "cxdesk.log", maxBytes=2_000_000, backupCount=2, encoding="utf-8"
        )
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def _hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.error("未处理的异常\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    sys.__excepthook__(exc_type, exc, tb)


def install_excepthook() -> None:
    setup_logging()
    sys.excepthook = _hook
