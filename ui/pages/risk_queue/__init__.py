"""Parts of the 风险 page: filter bar, queue panel, detail pane and the page's figures."""

from __future__ import annotations
