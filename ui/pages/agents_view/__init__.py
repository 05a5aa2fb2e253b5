"""Parts of the 客服绩效 page: filter bar, figures, drill-down dialog, screenshot."""

from __future__ import annotations
