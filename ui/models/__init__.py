"""Qt item models that present ``cxdesk`` data to views (no SQL, no parsing)."""

from __future__ import annotations
