"""Run an operation on a database given by its path: the GUI's background jobs outside the writer.

The window's writer (``ui.operations.OpRunner``) runs the operations on the open store.
Two kinds run beside it as plain background jobs instead, each on a connection of its own:
operations that only read (exports, reports: they must not wait behind an import), and
building the demo into its own database file (not the open store).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cxdesk.ops import OpChanges
from cxdesk.store import open_store
from cxdesk.tasks import JobContext


def run_on_file(ctx: JobContext, op: Callable[..., OpChanges], db_path: str | Path, *args: Any, **kwargs: Any) -> Any:
    """A job (``fn(ctx, ...)``): ``op`` on the store at ``db_path``, opened for the call; returns the
    operation's ``value`` (the summary the caller shows)."""
    with open_store(db_path) as store:
        return op(store, ctx, *args, **kwargs).value
