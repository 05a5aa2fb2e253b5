"""cxdesk's Qt desktop layer: pages, widgets and the background-job helper.

Imports go one way only: ``ui`` calls ``cxdesk``; ``cxdesk`` never imports
Qt or ``ui``. Nothing here holds SQL or analysis logic.
"""

from __future__ import annotations
