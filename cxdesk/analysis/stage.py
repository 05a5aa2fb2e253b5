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
