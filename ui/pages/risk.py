"""风险: the queue of risky reviews and chats to follow up (not built yet)."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class RiskPage(EmptyStatePage):
    key = "risk"
    title = "风险"
    icon = QStyle.StandardPixmap.SP_MessageBoxWarning
    empty_title = "还没有风险检查结果"
    empty_description = (
        "这里将列出需要跟进的风险评价和会话（如投诉、退款纠纷、差评威胁），"
        "高亮命中的原文证据，并可标记为「待处理」「已处理」或「误报」。"
    )
    empty_how_to = "先在「导入」页导入评价或客服聊天记录，然后运行分析。"


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(RiskPage))
