"""The synthetic demo: deterministic, realistic in the ways analysis relies on, loadable."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from cxdesk.demo import DEFAULT_SEED, RUDE_PHRASES, DemoData, build_demo, generate, write_platform_files
from cxdesk.errors import Cancelled
from cxdesk.store import open_store
from cxdesk.tasks import CancelToken, TaskContext

FMT = "%Y-%m-%d %H:%M:%S"


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def data_again() -> DemoData:
    return generate(DEFAULT_SEED)


def _t(s: str) -> datetime:
    return datetime.strptime(s, FMT)


def _by_style(data: DemoData) -> dict[str, str]:
    return {a.account: a.style for a in data.agents}


def test_generate_is_deterministic(data: DemoData, data_again: DemoData) -> None:
    assert data is not data_again
    for a, b in zip(data.shops, data_again.shops, strict=True):
        assert a.sessions == b.sessions and a.reviews == b.reviews and a.orders == b.orders
    other = generate(DEFAULT_SEED + 1)
    assert other.shops[0].sessions != data.shops[0].sessions
    assert other.shops[1].reviews != data.shops[1].reviews


def test_counts_in_range(data: DemoData) -> None:
    assert {s.platform for s in data.shops} == {"taobao", "jd"} and len(data.shops) == 2
    assert len(data.agents) == 4
    assert {a.style for a in data.agents} == {"excellent", "average", "slow", "curt"}
    assert 2700 <= data.n_sessions <= 3300
    assert 1400 <= data.n_reviews <= 1600
    assert data.n_orders > 1000
    assert 10 <= data.n_messages / data.n_sessions <= 14
    times = [_t(m["sent_at"]) for s in data.shops for x in s.sessions for m in x["messages"]]
    assert max(times) <= datetime(2024, 6, 30, 23, 59, 59)
    assert (max(times).date() - min(times).date()).days in (88, 89)
    assert (data.end - data.start).days == 89


def test_session_features_present(data: DemoData) -> None:
    sessions = [x for s in data.shops for x in s.sessions]
    roles = {m["role"] for x in sessions for m in x["messages"]}
    assert roles == {"buyer", "agent", "system", "bot"}
    assert sum(x["transferred"] for x in sessions) >= 20
    assert sum(x["repeat_consult"] for x in sessions) >= 50
    unanswered = [x for x in sessions if not any(m["role"] == "agent" for m in x["messages"])]
    assert 10 <= len(unanswered) <= 0.06 * len(sessions)
    crossing = [x for x in sessions if x["messages"][0]["sent_at"][:10] != x["messages"][-1]["sent_at"][:10]]
    assert crossing
    for x in sessions:  # times never go backwards inside a session
        at = [m["sent_at"] for m in x["messages"]]
        assert at == sorted(at)
    texts = [m["content"] for x in sessions for m in x["messages"] if m["role"] == "buyer"]
    for word in ("发货", "包邮", "优惠", "发票", "退款", "差评", "投诉", "12315", "平台介入"):
        assert sum(word in t for t in texts) >= 10, word


def test_agent_habits_differ(data: DemoData) -> None:
    style = _by_style(data)
    first_reply: dict[str, list[float]] = defaultdict(list)
    lengths: dict[str, list[int]] = defaultdict(list)
    rude: dict[str, int] = defaultdict(int)
    for shop in data.shops:
        for x in shop.sessions:
            msgs = x["messages"]
            buyer = next((m for m in msgs if m["role"] == "buyer"), None)
            agent = next((m for m in msgs if m["role"] == "agent"), None)
            if buyer and agent:
                first_reply[style[agent["sender"]]].append(
                    (_t(agent["sent_at"]) - _t(buyer["sent_at"])).total_seconds()
                )
            for m in msgs:
                if m["role"] == "agent":
                    lengths[style[m["sender"]]].append(len(m["content"]))
                    rude[style[m["sender"]]] += any(p in m["content"] for p in RUDE_PHRASES)
    slow, excellent = statistics.median(first_reply["slow"]), statistics.median(first_reply["excellent"])
    assert excellent < 30 and slow > 180 and slow > 5 * excellent
    mean_len = {k: statistics.mean(v) for k, v in lengths.items()}
    assert min(mean_len, key=mean_len.get) == "curt"
    assert rude["curt"] >= 20
    assert rude["excellent"] == rude["average"] == rude["slow"] == 0


def test_reviews_look_like_a_real_shop(data: DemoData) -> None:
    reviews = [r for s in data.shops for r in s.reviews]
    n = len(reviews)
    share = {k: sum(r["rating"] == k for r in reviews) / n for k in range(1, 6)}
    assert 0.68 <= share[5] <= 0.82
    assert 0.05 <= share[1] + share[2] <= 0.11
    assert 0.06 <= sum(bool(r["append_content"]) for r in reviews) / n <= 0.14
    assert any(r["seller_reply"] for r in reviews)
    assert all(r["sku"] and r["product_title"] for r in reviews)
    assert len({r["review_key"] for r in reviews}) == n
    low = [r["content"] for r in reviews if r["rating"] <= 2 and r["content"]]
    high = [r["content"] for r in reviews if r["rating"] == 5 and r["content"]]
    assert sum(any(w in t for w in ("差", "失望", "不", "慢", "坑", "退", "投诉")) for t in low) > 0.8 * len(low)
    assert sum(any(w in t for w in ("太差", "失望", "踩坑", "差评", "投诉")) for t in high) < 0.03 * len(high)


def test_orders_link_to_chats(data: DemoData) -> None:
    for shop in data.shops:
        ids = [o["order_id"] for o in shop.orders]
        assert len(set(ids)) == len(ids)
        assert all(o["amount"] and o["amount"] > 0 for o in shop.orders)
        assert any(o["refund_status"] == "退款成功" for o in shop.orders)
        buyers = {o["buyer_nick"] for o in shop.orders}
        chatters = {x["buyer_nick"] for x in shop.sessions}
        assert 0.3 <= len(chatters & buyers) / len(chatters) <= 0.9


def _read_csv(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_written_files_parse_back(data: DemoData, tmp_path: Path) -> None:
    files = write_platform_files(data, tmp_path)
    assert len(files) == 6 and all(f.path.exists() for f in files)
    by = {(f.platform, f.kind): f for f in files}

    header, rows = _read_csv(by["taobao", "chats"].path, "utf-8-sig")
    assert header == ["客户名", "消息序号", "发送时间", "发送内容", "发送账号", "账号类型"]
    assert {r[5] for r in rows} == {"客户", "客服", "系统", "机器人"}
    assert any(r[4] == "小棉袄童装旗舰店:小美" for r in rows)
    assert len(rows) == sum(len(x["messages"]) for x in data.shops[0].sessions)
    assert by["taobao", "reviews"].path.read_bytes()[:3] != b"\xef\xbb\xbf"
    header, rows = _read_csv(by["taobao", "reviews"].path, "gb18030")
    assert header == [
        "订单号",
        "商品ID",
        "商品名称",
        "SKU",
        "用户昵称",
        "评分",
        "评价内容",
        "日期",
        "追评",
        "追评时间",
        "商家回复",
    ]
    assert all(r[3].startswith("颜色分类:") for r in rows)
    for kind_key, enc in ((("taobao", "orders"), "utf-8-sig"), (("jd", "orders"), "utf-8")):
        header, rows = _read_csv(by[kind_key].path, enc)
        assert header == ["订单号", "买家昵称", "下单时间", "付款时间", "实付金额", "订单状态", "退款状态"]
        assert rows

    chats = json.loads(by["jd", "chats"].path.read_text(encoding="utf-8"))
    items = chats["chatLogMessageList"]
    assert set(chats) == {"chatLogMessageList"}
    assert all(set(i) == {"mid", "sid", "created", "waiterSend", "content", "customer", "waiter"} for i in items)
    assert all(isinstance(i["created"], int) and isinstance(i["waiterSend"], bool) for i in items)
    assert len({i["mid"] for i in items}) == len(items)
    comments = json.loads(by["jd", "reviews"].path.read_text(encoding="utf-8"))["comments"]
    base = {
        "id",
        "content",
        "creationTime",
        "score",
        "nickname",
        "productColor",
        "productSize",
        "referenceName",
        "referenceId",
    }
    assert all(set(c) in (base, base | {"afterUserComment"}) for c in comments)
    assert any(c["content"] == "此用户未填写评价内容" for c in comments)
    follow = [c for c in comments if "afterUserComment" in c]
    assert follow and all(c["afterUserComment"]["hAfterUserComment"]["content"] for c in follow)
    assert {c["score"] for c in comments} == {1, 2, 3, 4, 5}


def test_written_files_are_byte_identical(data: DemoData, data_again: DemoData, tmp_path: Path) -> None:
    a = write_platform_files(data, tmp_path / "a")
    b = write_platform_files(data_again, tmp_path / "b")
    assert [f.path.read_bytes() for f in a] == [f.path.read_bytes() for f in b]


def test_build_demo_loads_and_is_idempotent(demo_built, built_demo_db: Path, tmp_path: Path) -> None:
    """The run's one build of the demo (tests/_demo_cache.py: its summary and progress), then a second build."""
    db_path, summary, seen = built_demo_db, demo_built.build, demo_built.progress
    assert seen[-1][0] == seen[-1][1] and len(seen) >= 4
    with open_store(db_path) as store:
        c = store.counts()
        assert (c.shops, c.chat_sessions, c.chat_messages, c.reviews, c.orders) == (
            summary.shops,
            summary.sessions,
            summary.messages,
            summary.reviews,
            summary.orders,
        )
        batches = store.batches.all()
        assert len(batches) == summary.files_written == 6
        assert all(b.synthetic for b in batches) and store.batches.any_synthetic()
        assert {b.file_name for b in batches} == {p.name for p in demo_built.files.iterdir()}
    assert summary.rows_added == summary.messages + summary.reviews + summary.orders
    assert "合成的演示数据" in summary.describe()

    again = build_demo(TaskContext(), db_path, out_dir=tmp_path / "files2")
    assert again.rows_added == 0
    assert "没有新增" in again.describe()
    with open_store(db_path) as store:
        assert store.counts() == c


class _CancelAfterFirstProgress(TaskContext):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def progress(self, done: int, total: int, message: str = "") -> None:
        self.calls += 1

    def cancelled(self) -> bool:
        return self.calls >= 1

    def check(self) -> None:
        if self.cancelled():
            raise Cancelled()


def test_cancelled_build_leaves_db_empty(db_path: Path, tmp_path: Path) -> None:
    with pytest.raises(Cancelled):
        build_demo(_CancelAfterFirstProgress(), db_path, out_dir=tmp_path / "files")
    with open_store(db_path) as store:
        assert store.is_empty() and store.counts().import_batches == 0


def test_cancel_during_load_keeps_whole_files_only(db_path: Path, tmp_path: Path) -> None:
    """Cancel inside the third file: the two finished files stay as whole batches,
    the file being imported is rolled back (each file is one transaction)."""
    token = CancelToken()

    def on_progress(done: int, total: int, message: str) -> None:
        if done >= 4:  # steps: generate, write, then one per file
            token.cancel()

    ctx = TaskContext(on_progress, token)
    with pytest.raises(Cancelled):
        build_demo(ctx, db_path, out_dir=tmp_path / "files")
    with open_store(db_path) as store:
        batches = store.batches.all()
        assert 1 <= len(batches) < 6
        c = store.counts()
        stored = {"reviews": c.reviews, "chats": c.chat_messages, "orders": c.orders}
        per_kind: dict[str, int] = {}
        for b in batches:
            assert b.synthetic and b.rows_added > 0
            per_kind[b.kind] = per_kind.get(b.kind, 0) + b.rows_added
        for kind, n in stored.items():
            assert n == per_kind.get(kind, 0), kind
