"""Reusable widgets shared by several pages."""

from __future__ import annotations

from ui.widgets.empty_state import EmptyStateWidget
from ui.widgets.error_dialog import ErrorDialog, show_error_dialog

__all__ = ["EmptyStateWidget", "ErrorDialog", "show_error_dialog"]
