"""What one analysis stage reports back to the engine."""

from __future__ import annotations

from dataclasses import dataclass


# What each stage is called where people read it (status bar, the CLI's summary); ids stay in logs.
STAGE_LABELS = {
    "calibration": "店铺情感模型校准",
    "sentiment.review": "评价情感",
    "sentiment.message": "聊天消息情感",
    "aspects": "评价维度",
    "faq": "常见问题",
    "risk.rules": "风险规则检查",
    "risk.abuse_model": "辱骂识别",
    "risk.sessions": "会话风险评分",
    "risk.reviews": "评价风险评分",
    "search_index": "搜索索引",
}


@dataclass
class StageResult:
    stage: str
    version: str
    processed: int
    seconds: float
    unit: str = "条"
    warnings: tuple[str, ...] = ()  # said to the user after the run (e.g. a risk rule skipped)

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.stage, self.stage)
