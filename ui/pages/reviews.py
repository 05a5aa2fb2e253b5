"""评价分析: voice of the customer from reviews (not built yet: empty state)."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class ReviewsPage(EmptyStatePage):
    key = "reviews"
    title = "评价分析"
    icon = QStyle.StandardPixmap.SP_FileDialogContentsView
    empty_title = "还没有评价分析结果"
    empty_description = (
        "这里将显示顾客评价的情感倾向、被提到最多的方面（质量、尺码、物流、客服等）"
        "以及它们随时间的变化，并能查看每条评价原文。"
    )
    empty_how_to = "先在「导入」页导入商品评价，然后运行分析。"


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(ReviewsPage))
