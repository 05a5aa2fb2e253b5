"""导入: the import wizard will live here; for now an honest empty state.

This page is a stand-in that the import wizard (drag files in, preview,
column mapping, rejected-row report) replaces; keep it this small.
"""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class ImportPage(EmptyStatePage):
    key = "import"
    title = "导入"
    icon = QStyle.StandardPixmap.SP_DialogOpenButton
    empty_title = "导入向导即将推出"
    empty_description = (
        "这里将可以把平台后台导出的评价、客服聊天记录和订单文件拖进来，"
        "先预览、核对列的对应关系，再导入本地数据库；无法识别的行会逐条列出原因。"
    )
    empty_how_to = "在此之前，可以在「总览」页生成演示数据来体验各项功能。"
    action_text = ""


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(ImportPage))
