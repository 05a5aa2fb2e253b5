"""File importers: platform exports → canonical records in the store.

The public API (used by ``main.py import`` and the GUI import wizard):

* :func:`detect` (path) → :class:`Detection`: kind, platform, format, encoding,
  columns and the proposed field → column mapping, from the file's head;
* :func:`preview` (path, detection, mapping, limit) → first records as they will be stored;
* :func:`import_file` (ctx, store, path, ...) → :class:`ImportSummary`: a job
  (progress, cancel) importing one file as one undoable batch;
* :func:`undo_batch`, :func:`list_batches`, :func:`write_rejects_csv`.

One module per source format (``qianniu_txt``, ``jddc_tsv`` …) registered in
:mod:`cxdesk.importers.registry`.
"""

from __future__ import annotations

from cxdesk.importers._columns import ALIASES as FIELD_ALIASES
from cxdesk.importers._columns import FIELD_LABELS
from cxdesk.importers._model import (
    KIND_LABELS,
    KINDS,
    Detection,
    ImportSummary,
    Reject,
)

# The readers (pandas, numpy, openpyxl) and the store load on first use, not when the GUI
# starts nor in the import reader process: ``from cxdesk.importers import detect`` still
# works (PEP 562 module __getattr__).
_LAZY = {name: "_pipeline" for name in ("TooManyBadRows", "detect", "file_sha256", "import_file", "preview", "resolve")}
_LAZY.update((name, "_batches") for name in ("list_batches", "undo_batch", "write_rejects_csv"))
_LAZY["FORMATS"] = "registry"


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cxdesk.importers' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"cxdesk.importers.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "FIELD_ALIASES",
    "FIELD_LABELS",
    "FORMATS",
    "KINDS",
    "KIND_LABELS",
    "Detection",
    "ImportSummary",
    "Reject",
    "TooManyBadRows",
    "detect",
    "file_sha256",
    "import_file",
    "list_batches",
    "preview",
    "resolve",
    "undo_batch",
    "write_rejects_csv",
]
