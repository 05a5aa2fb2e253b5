"""What one analysis stage reports back to the engine."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class StageResult:
    stage: str
    version: str
    processed: int
    seconds: float
    unit: str = "条"
    warnings: tuple[str, ...] = ()  # said to the user after the run (e.g. a risk rule skipped)
