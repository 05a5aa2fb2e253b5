"""The demo's result types, shared by the generator, the writers and the build job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cxdesk.demo._catalog import STYLE_LABELS
from cxdesk.records import OrderRecord, ReviewRecord, SessionRecord

KINDS = ("chats", "reviews", "orders")


@dataclass(frozen=True)
class DemoAgent:
    """A customer-service sub-account and the habit the generator gave it."""

    name: str
    account: str  # the sender string in chat records, e.g. "小棉袄童装旗舰店:小美"
    platform: str
    shop_name: str
    style: str  # excellent | average | slow | curt

    @property
    def style_label(self) -> str:
        return STYLE_LABELS[self.style]


@dataclass
class DemoShop:
    platform: str
    name: str
    agents: list[DemoAgent]
    sessions: list[SessionRecord] = field(default_factory=list)
    reviews: list[ReviewRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)

    def records(self, kind: str) -> list:
        """The canonical records of one kind (chats → sessions)."""
        return {"chats": self.sessions, "reviews": self.reviews, "orders": self.orders}[kind]


@dataclass
class DemoData:
    """Everything :func:`cxdesk.demo.generate` makes from one seed."""

    seed: int
    start: date
    end: date
    shops: list[DemoShop]

    @property
    def agents(self) -> list[DemoAgent]:
        return [a for s in self.shops for a in s.agents]

    def shop(self, name: str) -> DemoShop:
        return next(s for s in self.shops if s.name == name)

    @property
    def n_sessions(self) -> int:
        return sum(len(s.sessions) for s in self.shops)

    @property
    def n_messages(self) -> int:
        return sum(len(x["messages"]) for s in self.shops for x in s.sessions)

    @property
    def n_reviews(self) -> int:
        return sum(len(s.reviews) for s in self.shops)

    @property
    def n_orders(self) -> int:
        return sum(len(s.orders) for s in self.shops)


@dataclass(frozen=True)
class DemoFile:
    """One written export file, as a user would have downloaded it from the platform."""

    path: Path
    kind: str  # reviews | chats | orders
    platform: str
    shop_name: str
    format_id: str
    encoding: str
    rows: int


@dataclass
class DemoSummary:
    """What a demo build produced; ``describe()`` is shown to the user."""

    db_path: Path
    out_dir: Path
    seed: int
    start: date
    end: date
    shops: int
    agents: int
    sessions: int
    messages: int
    reviews: int
    orders: int
    files_written: int
    rows_added: int
    seconds: float

    def describe(self) -> str:
        added = (
            f"本次新增 {self.rows_added:,} 条记录" if self.rows_added else "数据库中已有这份演示数据，本次没有新增记录"
        )
        return (
            f"已生成合成的演示数据（随机种子 {self.seed}，店铺、买家和对话均为虚构，仅供试用）："
            f"{self.shops} 个店铺（淘宝、京东各一）、{self.agents} 名客服，"
            f"时间范围 {self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}（{(self.end - self.start).days + 1} 天），"
            f"共 {self.sessions:,} 个客服会话（{self.messages:,} 条消息）、{self.reviews:,} 条评价、"
            f"{self.orders:,} 笔订单；{self.files_written} 个平台格式的导出文件已写入“{self.out_dir}”。"
            f"{added}，用时 {self.seconds:.1f} 秒。"
        )
