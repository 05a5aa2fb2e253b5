"""抖店 (Douyin shop) review export, xlsx from the merchant back-end.

``评价日期, 订单ID, 商品ID, 商品名称, 商品规格, 商品评价得分, 评价内容`` plus
optional ``用户昵称, 评价等级, 追评内容, 追评时间, 商家是否回复, 回复内容``;
the generic review mapper already knows every one of these names.
"""

from __future__ import annotations

from cxdesk.importers import table_generic
from cxdesk.importers._columns import auto_map, norm
from cxdesk.importers._model import FormatSpec, Guess, Probe

_SIGNATURE = {"商品评价得分", "评价内容", "订单id"}


def sniff(p: Probe) -> Guess | None:
    if not _SIGNATURE <= {norm(c) for c in p.columns}:
        return None
    return Guess(0.95, "reviews", "douyin", auto_map("reviews", p.columns))


FORMAT = FormatSpec("douyin_reviews", "抖店评价导出（Excel）", ("xlsx", "csv"), sniff, table_generic.read)
