"""会话: browse chat sessions and read a conversation (not built yet: empty state)."""
from __future__ import annotations

from PySide6.QtWidgets import QStyle

from ui.pages.base import EmptyStatePage


class SessionsPage(EmptyStatePage):
    key = "sessions"
    title = "会话"
    icon = QStyle.StandardPixmap.SP_FileDialogDetailedView
    empty_title = "还没有可浏览的会话"
    empty_description = (
        "这里将列出客服会话（买家、接待客服、开始时间、消息数），"
        "选中一条即可按时间顺序查看买家与客服的完整对话。"
    )
    empty_how_to = "先在「导入」页导入客服聊天记录。"


if __name__ == "__main__":
    from ui.pages._preview import preview

    raise SystemExit(preview(SessionsPage))
