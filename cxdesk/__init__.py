"""cxdesk core: importers -> store -> analysis, with no Qt.

The GUI (``ui/``) and the CLI (``cxdesk.cli``) both call into this package;
nothing here may import PySide6 or ``ui``.
"""

from __future__ import annotations

__version__ = "0.1.0"
APP_NAME = "cxdesk"
