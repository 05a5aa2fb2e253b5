"""Chinese display names for canonical fields and file states (roles: ``cxdesk.roles.ROLE_LABELS``).

Display only: which header means which field is decided in
``cxdesk.importers``; these are the captions the wizard shows for them.
"""

from __future__ import annotations

NOT_IMPORTED = "（不导入）"

FIELD_LABELS: dict[str, str] = {
    # reviews
    "content": "内容",
    "append_content": "追评内容",
    "append_at": "追评时间",
    "rating": "评分",
    "rating_text": "评价等级",
    "created_at": "时间",
    "sku": "商品规格",
    "buyer_nick": "买家昵称",
    "seller_reply": "商家回复",
    "product_id": "商品ID",
    "product_title": "商品名称",
    "order_id": "订单号",
    "platform_review_id": "评价ID",
    # chats (mapping fields and preview keys)
    "session_id": "会话ID",
    "source_session_id": "会话ID",
    "role": "角色",
    "sender": "发送账号",
    "buyer": "买家",
    "sent_at": "发送时间",
    "seq": "消息序号",
    # orders
    "paid_at": "付款时间",
    "amount": "金额",
    "status": "订单状态",
    "refund_status": "退款状态",
}
# Per-kind overrides where the generic caption would be ambiguous.
KIND_FIELD_LABELS: dict[str, dict[str, str]] = {
    "reviews": {"content": "评价内容", "created_at": "评价时间"},
    "chats": {"content": "消息内容"},
    "orders": {"created_at": "下单时间"},
}

# Keys of preview records that are internal (dedup keys), not for people.
HIDDEN_PREVIEW_KEYS = frozenset({"review_key"})
REJECT_KEYS = ("record_no", "error", "raw")

STATUS_TEXT = {
    "detecting": "正在识别…",
    "ready": "待导入",
    "error": "无法导入",
    "importing": "正在导入…",
    "done": "已导入",
    "failed": "导入失败",
    "cancelled": "已取消",
    "skipped": "未导入",
}


def field_label(field: str, kind: str | None = None) -> str:
    """The caption of ``field`` for ``kind``; the field name itself if unknown."""
    return KIND_FIELD_LABELS.get(kind or "", {}).get(field) or FIELD_LABELS.get(field, field)
