"""常见问题: clusters of buyer questions and their best answers (not built yet)."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class FaqPage(EmptyStatePage):
    key = "faq"
    title = "常见问题"
    icon = QStyle.StandardPixmap.SP_MessageBoxQuestion
    empty_title = "还没有整理出常见问题"
    empty_description = (
        "这里将把买家反复询问的问题归成一类类常见问题，按出现次数排序，"
        "并给出客服回答得最好的答案，方便整理成快捷短语。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录，然后运行分析。"


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(FaqPage))
