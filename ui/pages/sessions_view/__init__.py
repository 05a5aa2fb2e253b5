"""Parts of the 会话 page: filter bar, background jobs and the conversation detail."""

from __future__ import annotations
