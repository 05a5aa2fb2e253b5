"""One module per page; the main window lists them in :data:`PAGE_CLASSES` order."""

from __future__ import annotations
