"""Qianniu (千牛) chat logs saved by browser exporters as CSV.

Header ``客户名, 消息序号, 发送时间, 发送内容, 发送账号, 账号类型``; agent
accounts are ``店铺名:子账号``, which also names the shop.
"""

from __future__ import annotations

import csv

from cxdesk.importers import table_generic
from cxdesk.importers._columns import auto_map, norm
from cxdesk.importers._limits import UNDECODABLE
from cxdesk.importers._model import FormatSpec, Guess, Probe

_SIGNATURE = {"客户名", "发送时间", "发送内容", "发送账号"}
_BUYER_TYPES = {"客户", "买家", "顾客", "buyer"}


def sniff(p: Probe) -> Guess | None:
    names = {norm(c) for c in p.columns}
    if p.container not in ("csv", "tsv", "xlsx") or not _SIGNATURE <= names:
        return None
    return Guess(
        0.95,
        "chats",
        "taobao",
        auto_map("chats", p.columns),
        shop_hint=shop_from_lines(p.lines, p.columns, p.header_row, p.delimiter or ","),
    )


def shop_from_lines(
    lines: list[str], columns: list[str] | None = None, header_row: int = 1, delimiter: str = ","
) -> str | None:
    """The shop part of the first ``店铺名:子账号`` account in the head's 发送账号 column.

    Only that column: a buyer's pasted link (``https://…``) or a time (``10:20``) in
    another cell never names the shop.
    """
    names = [norm(c) for c in (columns or [])]
    if "发送账号" not in names:
        return None
    col = names.index("发送账号")
    kind_col = names.index("账号类型") if "账号类型" in names else None
    for cells in csv.reader(lines[header_row:200], delimiter=delimiter):
        if len(cells) <= col:
            continue
        if kind_col is not None and len(cells) > kind_col and cells[kind_col].strip() in _BUYER_TYPES:
            continue
        account = cells[col].strip()
        shop = account.split(":", 1)[0].strip() if ":" in account else ""
        if shop and "/" not in shop and len(account) < 60 and UNDECODABLE not in account:
            return shop
    return None


FORMAT = FormatSpec(
    "qianniu_csv",
    "千牛聊天记录（浏览器导出 CSV）",
    ("csv", "tsv", "xlsx"),
    sniff,
    table_generic.read,
    bulk_read=table_generic.bulk_read,
)
