"""客服绩效: per-agent KPIs and capability model (not built yet: empty state)."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class AgentsPage(EmptyStatePage):
    key = "agents"
    title = "客服绩效"
    icon = QStyle.StandardPixmap.SP_DirHomeIcon
    empty_title = "还没有客服绩效数据"
    empty_description = (
        "这里将按客服显示接待量、首次响应时间、平均响应时间、3分钟回复率、"
        "询单转化率等指标，以及每位客服的能力画像（响应速度、解答质量、服务态度）。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录（计算转化率还需要订单），然后运行分析。"


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(AgentsPage))
