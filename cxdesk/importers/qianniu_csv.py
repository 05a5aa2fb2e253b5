"""Qianniu (千牛) chat logs saved by browser exporters as CSV.

Header ``客户名, 消息序号, 发送时间, 发送内容, 发送账号, 账号类型``; agent
accounts are ``店铺名:子账号``, which also names the shop.
"""
from __future__ import annotations

from cxdesk.importers import table_generic
from cxdesk.importers._columns import auto_map, norm
from cxdesk.importers._limits import UNDECODABLE
from cxdesk.importers._model import FormatSpec, Guess, Probe

_SIGNATURE = {"客户名", "发送时间", "发送内容", "发送账号"}


def sniff(p: Probe) -> Guess | None:
    names = {norm(c) for c in p.columns}
    if p.container not in ("csv", "tsv", "xlsx") or not _SIGNATURE <= names:
        return None
    return Guess(0.95, "chats", "taobao", auto_map("chats", p.columns), shop_hint=shop_from_lines(p.lines))


def shop_from_lines(lines: list[str]) -> str | None:
    """The shop part of the first ``店铺名:子账号`` account seen in the head."""
    for line in lines[1:200]:
        for cell in line.split(","):
            cell = cell.strip().strip('"')
            if ":" in cell and not cell[:1].isdigit() and len(cell) < 60 and UNDECODABLE not in cell:
                shop = cell.split(":", 1)[0].strip()
                if shop:
                    return shop
    return None


FORMAT = FormatSpec("qianniu_csv", "千牛聊天记录（浏览器导出 CSV）", ("csv", "tsv", "xlsx"), sniff,
                    table_generic.read, bulk_read=table_generic.bulk_read)
