"""Column roles: which header names mean which canonical field.

Seller tools, platform back-ends and hand-made spreadsheets name the same
column many ways; we match normalised names exactly first, then by a few
distinctive fragments, and let the caller override any field.
"""

from __future__ import annotations

import re

from cxdesk.errors import ImportFormatError

# field → exact aliases (compared after _norm). Order matters: earlier wins.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "reviews": {
        "content": (
            "评价内容",
            "评论内容",
            "初评内容",
            "首评内容",
            "初次评价",
            "买家评价",
            "评价",
            "评论",
            "content",
            "ratecontent",
            "comment",
            "review",
            "reviewcontent",
            "评价文本",
        ),
        "append_content": (
            "追评",
            "追加评论",
            "追评内容",
            "追加评价",
            "追加评论内容",
            "追评文本",
            "append",
            "appendcontent",
            "appendcomment",
        ),
        "append_at": ("追评时间", "追加时间", "追评日期", "追加评论时间", "appendat", "appendtime"),
        "rating": (
            "评分",
            "星级",
            "评价星级",
            "商品评价得分",
            "商品评分",
            "商品得分",
            "得分",
            "分数",
            "打分",
            "score",
            "rating",
            "star",
            "stars",
        ),
        "rating_text": ("评价等级", "评价类型", "好中差评", "评价结果", "评价级别", "result", "ratingtext"),
        "created_at": (
            "评价时间",
            "初评时间",
            "评价日期",
            "评论时间",
            "日期",
            "时间",
            "创建时间",
            "发布时间",
            "createdat",
            "date",
            "time",
            "ratedate",
            "creationtime",
            "created",
        ),
        "sku": ("sku", "商品规格", "规格", "颜色分类", "商品属性", "sku信息", "规格信息", "auctionsku", "specs"),
        "buyer_nick": (
            "用户昵称",
            "旺旺号",
            "买家昵称",
            "昵称",
            "买家",
            "会员名",
            "用户名",
            "买家旺旺",
            "旺旺",
            "评价人",
            "buyernick",
            "nick",
            "nickname",
            "user",
            "username",
        ),
        "seller_reply": (
            "商家回复",
            "回复内容",
            "卖家回复",
            "掌柜回复",
            "商家回复内容",
            "回复",
            "解释",
            "reply",
            "sellerreply",
        ),
        "product_id": ("商品id", "宝贝id", "商品编号", "商品编码", "itemid", "productid", "goodsid", "skuid"),
        "product_title": (
            "商品名称",
            "宝贝名称",
            "商品标题",
            "宝贝标题",
            "商品",
            "宝贝",
            "producttitle",
            "itemtitle",
            "goodsname",
            "title",
        ),
        "order_id": ("订单号", "订单id", "订单编号", "子订单号", "子订单编号", "主订单号", "orderid", "tid", "ordersn"),
        "platform_review_id": ("评价id", "评论id", "评价编号", "reviewid", "rateid", "commentid"),
    },
    "chats": {
        "session_id": ("sessionid", "会话id", "会话编号", "会话号", "sid", "session"),
        "role": ("role", "角色", "发送方", "发送者类型", "账号类型", "消息方向", "发送方类型", "sendertype"),
        "sender": (
            "sender",
            "发送账号",
            "发送人",
            "发送者",
            "发送方账号",
            "客服",
            "客服账号",
            "客服昵称",
            "子账号",
            "waiter",
        ),
        "buyer": (
            "buyer",
            "客户",
            "客户名",
            "买家昵称",
            "买家",
            "顾客",
            "客户昵称",
            "用户昵称",
            "旺旺号",
            "customer",
            "buyernick",
        ),
        "sent_at": ("time", "发送时间", "时间", "消息时间", "sentat", "created", "datetime"),
        "content": ("content", "内容", "发送内容", "消息内容", "消息", "message", "text", "msg"),
        "seq": ("消息序号", "序号", "seq"),
    },
    "orders": {
        "order_id": ("订单号", "订单编号", "订单id", "主订单编号", "主订单号", "orderid", "tid", "ordersn"),
        "buyer_nick": ("买家昵称", "买家会员名", "买家", "用户昵称", "买家旺旺", "会员名", "buyernick", "nick"),
        "created_at": ("下单时间", "创建时间", "订单创建时间", "拍下时间", "createdat", "created"),
        "paid_at": ("付款时间", "支付时间", "订单付款时间", "paidat", "paytime"),
        "amount": (
            "实付金额",
            "订单金额",
            "买家实际支付金额",
            "实际支付金额",
            "支付金额",
            "总金额",
            "应付金额",
            "amount",
            "payment",
            "totalfee",
        ),
        "status": ("订单状态", "交易状态", "status"),
        "refund_status": ("退款状态", "售后状态", "退款", "refundstatus"),
    },
    # A platform's per-agent daily KPI report (飞鸽/抖店, 千牛/赤兔-style exports), compared with
    # the computed KPIs on 客服绩效. Headers are normalised (units in brackets dropped, "->" → ">").
    "agent_report": {
        "day": ("日期", "统计日期", "时间", "数据日期", "date", "day"),
        "agent": (
            "客服昵称",
            "客服账号",
            "客服",
            "客服名称",
            "客服旺旺",
            "旺旺",
            "子账号",
            "客服子账号",
            "旺旺子账号",
            "账号",
            "昵称",
            "客服名",
            "agent",
        ),
        "sessions": ("接待会话量", "接待会话数", "会话量", "会话数", "接待会话", "咨询会话数"),
        "buyers": ("接待人数", "接待客户数", "咨询人数", "接待买家数", "接待量"),
        "first_response_s": (
            "全天首响时长",
            "首响时长",
            "平均首响时长",
            "首次响应",
            "平均首次响应时间",
            "平均首次响应时长",
            "首响时间",
            "首次响应时长",
            "首响",
        ),
        "avg_response_s": ("全天平响时长", "平响时长", "平均响应时长", "平均响应", "平均响应时间", "平响"),
        "rate_3min": ("全天3分钟回复率", "3分钟回复率", "三分钟回复率", "3分钟人工回复率", "3min回复率"),
        "inquiry_buyers": ("询单人数", "询单客户数"),
        "paid_buyers": ("支付人数", "付款人数", "最终付款人数", "询单付款人数", "询单支付人数"),
        "conversion": (
            "询单转化率",
            "询单>最终付款转化率",
            "询单>最终付款成功率",
            "询单>付款转化率",
            "询单>支付转化率",
            "询单最终付款转化率",
            "询单付款转化率",
            "询单支付转化率",
        ),
        "sales": ("客服销售额", "销售额", "询单支付金额", "支付金额", "付款金额"),
    },
}

# Chinese names of the fields, for the wizard's mapping table and messages.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "reviews": {
        "content": "评价内容",
        "append_content": "追评内容",
        "append_at": "追评时间",
        "rating": "评分",
        "rating_text": "评价等级",
        "created_at": "评价时间",
        "sku": "SKU/规格",
        "buyer_nick": "买家昵称",
        "seller_reply": "商家回复",
        "product_id": "商品ID",
        "product_title": "商品名称",
        "order_id": "订单号",
        "platform_review_id": "评价ID",
    },
    "chats": {
        "session_id": "会话ID",
        "role": "角色",
        "sender": "发送账号",
        "buyer": "客户/买家",
        "sent_at": "发送时间",
        "content": "消息内容",
        "seq": "消息序号",
    },
    "orders": {
        "order_id": "订单号",
        "buyer_nick": "买家昵称",
        "created_at": "下单时间",
        "paid_at": "付款时间",
        "amount": "实付金额",
        "status": "订单状态",
        "refund_status": "退款状态",
    },
    "agent_report": {
        "day": "日期",
        "agent": "客服",
        "sessions": "接待会话量",
        "buyers": "接待人数",
        "first_response_s": "首响时长",
        "avg_response_s": "平响时长",
        "rate_3min": "3分钟回复率",
        "inquiry_buyers": "询单人数",
        "paid_buyers": "支付人数",
        "conversion": "询单转化率",
        "sales": "客服销售额",
    },
}

# Fields a kind cannot do without, and fields that point strongly at it.
REQUIRED = {
    "reviews": (("content", "rating", "rating_text"),),
    "chats": (("content",), ("buyer", "session_id", "sender")),
    "orders": (("order_id",),),
    "agent_report": (
        ("day",),
        ("agent",),
        ("sessions", "buyers", "first_response_s", "avg_response_s", "rate_3min", "conversion"),
    ),
}
_SIGNATURE = {
    "reviews": ("content", "append_content", "rating", "seller_reply", "rating_text", "sku"),
    "chats": ("role", "session_id", "sent_at", "sender", "buyer", "seq"),
    "orders": ("paid_at", "amount", "status", "refund_status", "created_at"),
    "agent_report": ("sessions", "buyers", "first_response_s", "avg_response_s", "rate_3min", "conversion"),
}
_PLATFORM_HINTS = (
    ("taobao", re.compile(r"旺旺|淘宝|天猫|千牛|宝贝")),
    ("jd", re.compile(r"京东|京麦|咚咚|jd", re.I)),
    ("pdd", re.compile(r"拼多多|多多|pdd|goodsid|ordersn", re.I)),
    ("douyin", re.compile(r"抖音|抖店|飞鸽|商品评价得分")),
)


def norm(name: object) -> str:
    """Header as compared: lower case, no spaces/underscores/brackets' units."""
    s = str(name or "").strip().lstrip("\ufeff").lower()
    s = _without_bracketed(s).replace("→", ">")
    return re.sub(r"[\s_\-:：/]", "", s)


_OPENING = re.compile(r"[（(\[【]")
_CLOSING_OR_BREAK = re.compile(r"[)）\]】\n]")


def _without_bracketed(s: str) -> str:
    """``s`` without its bracketed parts (``(秒)``, ``【元】``): an opening bracket up to the first
    closing one, not across a line break — ``re.sub(r"[（(\\[【].*?[)）\\]】]", "", s)``, in linear time
    (that pattern rescans the rest of the line from every unclosed bracket: a header cell of
    12,000 ``(`` took 6 s, a sheet cell of a million hours)."""
    out: list[str] = []
    i = 0
    while (opening := _OPENING.search(s, i)) is not None:
        end = _CLOSING_OR_BREAK.search(s, opening.end())
        if end is None:  # no closing bracket after this one, so none after any later one either
            break
        if s[end.start()] == "\n":  # unclosed on its line: so is every bracket up to the line break
            out.append(s[i : end.end()])
        else:
            out.append(s[i : opening.start()])
        i = end.end()
    out.append(s[i:])
    return "".join(out)


def auto_map(kind: str, columns: list[str]) -> dict[str, str]:
    """Propose field → column for ``kind``; each column is used at most once."""
    normed = [norm(c) for c in columns]
    used: set[int] = set()
    mapping: dict[str, str] = {}
    for field, aliases in ALIASES[kind].items():
        for alias in aliases:
            hits = [i for i, n in enumerate(normed) if n == alias and i not in used]
            if hits:
                mapping[field] = columns[hits[0]]
                used.add(hits[0])
                break
    return mapping


def kind_score(kind: str, mapping: dict[str, str]) -> float:
    """0 when a required field is missing, else the share of signature fields found."""
    for group in REQUIRED[kind]:
        if not any(f in mapping for f in group):
            return 0.0
    sig = _SIGNATURE[kind]
    return 0.5 + 0.5 * sum(f in mapping for f in sig) / len(sig)


def guess_kind(columns: list[str]) -> tuple[str | None, dict[str, str], float]:
    """The kind whose columns fit best, its mapping and a 0..1 confidence."""
    best: tuple[str | None, dict[str, str], float] = (None, {}, 0.0)
    for kind in ("orders", "reviews", "chats"):
        mapping = auto_map(kind, columns)
        score = kind_score(kind, mapping)
        if score > best[2]:
            best = (kind, mapping, score)
    return best


def guess_platform(columns: list[str], extra: str = "") -> str:
    text = " ".join(columns) + " " + extra
    for platform, pattern in _PLATFORM_HINTS:
        if pattern.search(text):
            return platform
    return "other"


def apply_override(
    kind: str, columns: list[str], proposed: dict[str, str], override: dict[str, str] | None
) -> dict[str, str]:
    """The proposed mapping with the caller's field → column choices on top.

    An empty column name removes a field. Raises ImportFormatError naming
    the unknown field or column.
    """
    mapping = dict(proposed)
    for field, column in (override or {}).items():
        if field not in ALIASES[kind]:
            known = "、".join(ALIASES[kind])
            raise ImportFormatError(f"字段“{field}”不是{kind}的字段，可用字段：{known}")
        if not column:
            mapping.pop(field, None)
            continue
        if column not in columns:
            raise ImportFormatError(f"列“{shown_name(column)}”不在文件中。文件中的列：{shown_columns(columns)}")
        mapping = {f: c for f, c in mapping.items() if c != column}
        mapping[field] = column
    return mapping


def require_fields(kind: str, mapping: dict[str, str], columns: list[str], label: str) -> None:
    """Raise a Chinese ImportFormatError if ``mapping`` lacks what ``kind`` needs."""
    for group in REQUIRED[kind]:
        if not any(f in mapping for f in group):
            want = " 或 ".join(f"“{FIELD_LABELS[kind][f]}”({f})" for f in group)
            raise ImportFormatError(
                f"{label}缺少{want}列，无法作为{_KIND_CN[kind]}导入。"
                f"文件中的列：{shown_columns(columns) or '（无）'}。可用 --map 字段=列名 指定。"
            )


def shown_name(name: object, chars: int = 30) -> str:
    """A column name for a message, cut to ``chars`` characters (a header cell may be 20,000)."""
    text = str(name)
    return text if len(text) <= chars else text[:chars] + "…"


def shown_columns(columns: list[str], limit: int = 12) -> str:
    """The first ``limit`` column names for a message, each cut, and how many there are in all
    (a first line taken for the header may have thousands of cells)."""
    more = f" 等，共 {len(columns):,} 列" if len(columns) > limit else ""
    return "、".join(shown_name(c) for c in columns[:limit]) + more


_KIND_CN = {"reviews": "评价", "chats": "聊天记录", "orders": "订单", "agent_report": "客服日报"}
