"""Parts of the 评价分析 page: filter bar, background loading, chart and list panels."""

from __future__ import annotations
