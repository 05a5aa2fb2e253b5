"""The 风险 queue in the store: filters, counts, rule stats, bulk triage, order links.

One small database is built and analysed by the real engine (so the flags,
spans and 服务时效 evidence are what the product writes), then queried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.paths import user_resources_dir
from cxdesk.store import Store, open_store
from cxdesk.store.catalog import is_postgres
from cxdesk.store.risk_queue import FlagFilter, RiskQueueRepo
from cxdesk.tasks import TaskContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

S1 = [  # shop 甲 (taobao), buyer 买家甲, agent 甲店:小美; the reply to #3 comes after 5 minutes
    ("buyer", "买家甲", "2024-05-01 10:00:00", "你好，订单号1234567890123什么时候发货？"),
    ("agent", "甲店:小美", "2024-05-01 10:00:30", "亲，今天发货"),
    ("buyer", "买家甲", "2024-05-01 10:05:00", "东西坏了，再不处理我就去12315投诉"),
    ("agent", "甲店:小美", "2024-05-01 10:10:00", "爱买不买"),
]
S2 = [  # shop 乙 (jd), buyer 买家乙, agent 乙店_老周
    ("buyer", "买家乙", "2024-05-03 09:00:00", "我要退款"),
    ("agent", "乙店_老周", "2024-05-03 09:00:40", "好的亲，马上为您处理"),
]


def _session(key: str, buyer: str, msgs: list[tuple[str, str, str, str]], offset: int) -> dict:
    return {
        "session_key": key,
        "buyer_nick": buyer,
        "messages": [
            {"msg_hash": offset + i, "seq": i + 1, "role": role, "sender": sender, "sent_at": at, "content": text}
            for i, (role, sender, at, text) in enumerate(msgs)
        ],
    }


def build_flagged_db(db_path: Path) -> None:
    """Two shops, two sessions, one review with 追评, orders; analysed (flags and sentiment)."""
    with open_store(db_path) as store:
        with store.transaction():
            a = store.shops.get_or_create("taobao", "甲店")
            b = store.shops.get_or_create("jd", "乙店")
            store.chats.insert_sessions(a.id, None, [_session("s1", "买家甲", S1, 0)])
            store.chats.insert_sessions(b.id, None, [_session("s2", "买家乙", S2, 100)])
            store.reviews.insert_many(
                a.id,
                None,
                [
                    {
                        "review_key": "r1",
                        "content": "用了三天就坏了",
                        "append_content": "客服不理人，垃圾",
                        "rating": 1,
                        "buyer_nick": "买家丙",
                        "order_id": "9990001",
                        "created_at": "2024-05-02 12:00:00",
                        "product_title": "儿童睡衣",
                        "sku": "颜色分类:蓝色",
                    }
                ],
            )
            store.orders.insert_many(
                a.id,
                None,
                [
                    {
                        "order_id": "1234567890123",
                        "buyer_nick": "买家甲",
                        "created_at": "2024-04-28 08:00:00",
                        "amount": 59.0,
                        "status": "交易成功",
                    },
                    {
                        "order_id": "9990001",
                        "buyer_nick": "买家丙",
                        "created_at": "2024-04-20 08:00:00",
                        "amount": 39.0,
                        "status": "交易成功",
                    },
                ],
            )
            store.orders.insert_many(
                b.id,
                None,
                [
                    {
                        "order_id": "555",
                        "buyer_nick": "买家乙",
                        "created_at": "2024-05-02 18:00:00",
                        "amount": 199.0,
                        "status": "完成",
                        "refund_status": "退款中",
                    },
                    {
                        "order_id": "556",
                        "buyer_nick": "买家乙",
                        "created_at": "2024-03-01 18:00:00",
                        "amount": 9.9,
                        "status": "完成",
                    },
                ],
            )
    analyze(TaskContext(), db_path, workers=1)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("riskq") / "template.sqlite3"
    build_flagged_db(path)
    return path


@pytest.fixture
def flagged(template: Path, on_engine):
    """A copy of the flagged store for one test (test_ui_risk and test_ops_triage use it too)."""
    s = open_store(on_engine(template))
    yield s
    s.close()


@pytest.fixture
def store(flagged: Store) -> Store:
    return flagged


def _rules(rows) -> set[str]:
    return {r.rule_id for r in rows}


def test_queue_has_context_and_is_sorted_by_level_then_time(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    rows = q.page(FlagFilter(), 0, 100)
    assert len(rows) == q.count(FlagFilter())
    assert _rules(rows) >= {
        "complaint.regulator",
        "agent.rude",
        "quality.broken",
        "refund.dispute",
        "emotion.strong",
        "service.over_limit",
    }
    # The queue's level is its session's (review's) score level (issue 15): sorted by it, then by time.
    ranks = [("高", "中", "低").index(r.shown_level) for r in rows]
    assert ranks == sorted(ranks)
    for level in ("高", "中"):
        times = [r.event_at for r in rows if r.shown_level == level]
        assert times == sorted(times, reverse=True)
    threat = next(r for r in rows if r.rule_id == "complaint.regulator" and r.target_type == "message")
    assert (threat.shop, threat.platform, threat.buyer, threat.agent, threat.seq) == (
        "甲店",
        "taobao",
        "买家甲",
        "甲店:小美",
        3,
    )
    assert threat.event_at == "2024-05-01 10:05:00"
    start, end = threat.spans[0]
    assert S1[2][3][start:end] == "12315"
    rude = next(r for r in rows if r.rule_id == "agent.rude")
    assert rude.agent == "甲店:小美" and rude.role == "agent"
    slow = next(r for r in rows if r.rule_id == "service.over_limit")
    assert slow.target_type == "session" and slow.session_id == threat.session_id
    assert slow.evidence["seq"] == 3 and slow.evidence["wait_s"] == 300


def test_queue_items_one_per_session_or_review(store: Store) -> None:
    """The morning queue lists each session (its messages' flags and its own) or review once."""
    q = RiskQueueRepo(store.conn)
    items = q.item_page(FlagFilter())
    assert q.item_count(FlagFilter()) == len(items) == 3 and q.count(FlagFilter()) == 8
    by_kind = {(i.target_type == "review", i.session_id): i for i in items}
    session = next(i for i in items if i.target_type != "review" and len(i.flag_ids) == 5)
    # Shown by its strongest flag (rule level 高, the newest of them), every picked flag listed.
    assert session.rule_id == "agent.rude" and session.category == "客服违规"
    assert {q.flag(i).rule_id for i in session.flag_ids} == {
        "agent.rude",
        "complaint.platform",
        "complaint.regulator",
        "quality.broken",
        "service.over_limit",
    }
    assert session.item_categories[0] == "客服违规" and len(set(session.item_categories)) == 4
    assert session.item_at == "2024-05-01 10:10:00" and len(by_kind) == 3
    # The filter picks flags first: a category keeps only that category's flags in the item.
    slow = q.item_page(FlagFilter(categories=("服务时效",)))
    assert len(slow) == 1 and len(slow[0].flag_ids) == 1 and q.flag(slow[0].flag_ids[0]).rule_id == "service.over_limit"
    # Handling the whole item takes it out of the open queue.
    q.set_status(session.flag_ids, "已处理")
    assert q.item_count(FlagFilter()) == 2
    assert session.session_id not in {i.session_id for i in q.item_page(FlagFilter())}
    assert q.item_count(FlagFilter(statuses=("已处理",))) == 1
    for sort in ("time", "score", "level_time"):
        assert len(q.item_page(FlagFilter(statuses=()), sort=sort)) == 3


def test_filters_narrow_with_bound_parameters(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    b_shop = store.shops.get_or_create("jd", "乙店").id
    high = q.page(FlagFilter(levels=("高",)))
    assert {r.shown_level for r in high} == {"高"}
    assert _rules(high) >= {"complaint.regulator", "complaint.platform", "agent.rude"}
    # 高 means the session's (review's) score is 高, whatever the rule's own level: a 中 rule in a 高
    # session is listed; the flags of lower-scored sessions are not.
    assert all(r.score is not None and r.score >= 60 for r in high)
    lower = [r for r in q.page(FlagFilter()) if r.shown_level != "高"]
    assert lower and not {r.id for r in lower} & {r.id for r in high}
    assert "refund.dispute" in _rules(lower) and "refund.dispute" not in _rules(high)
    assert {r.category for r in q.page(FlagFilter(categories=("退款退货纠纷",)))} == {"退款退货纠纷"}
    assert {r.shop for r in q.page(FlagFilter(shop_id=b_shop))} == {"乙店"}
    assert {r.agent for r in q.page(FlagFilter(agent="乙店_老周"))} == {"乙店_老周"}
    assert {r.target_type for r in q.page(FlagFilter(target_types=("review",)))} == {"review"}
    on_day = q.page(FlagFilter(date_from="2024-05-02", date_to="2024-05-02"))
    assert on_day and {r.event_at[:10] for r in on_day} == {"2024-05-02"}
    assert q.count(FlagFilter(date_from="2024-05-04")) == 0
    # Quotes in a value are data, not SQL.
    assert q.count(FlagFilter(agent="x' OR '1'='1")) == 0
    assert q.count(FlagFilter(categories=("退款退货纠纷') OR 1=1 --",))) == 0
    with pytest.raises(KeyError):
        q.page(FlagFilter(), sort="id; DROP TABLE risk_flags")


@contextmanager
def _updates_of_flag_fail(store: Store, flag_id: int) -> Iterator[None]:
    """A trigger that makes an update of flag ``flag_id`` fail with "boom", while the block runs."""
    if is_postgres(store.conn):
        raw = store.conn.raw
        raw.execute("CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE 'boom'; END$$")
        raw.execute(
            f"CREATE TRIGGER boom BEFORE UPDATE ON risk_flags FOR EACH ROW WHEN (NEW.id = {int(flag_id)}) "
            "EXECUTE FUNCTION boom()"
        )
        raw.commit()
        drop = ("DROP TRIGGER boom ON risk_flags", "DROP FUNCTION boom()")
    else:
        store.conn.execute(
            "CREATE TEMP TRIGGER boom BEFORE UPDATE ON risk_flags WHEN NEW.id = "
            f"{int(flag_id)} BEGIN SELECT RAISE(ABORT, 'boom'); END"
        )
        drop = ("DROP TRIGGER boom",)
    try:
        yield
    finally:
        for sql in drop:
            (store.conn.raw if is_postgres(store.conn) else store.conn).execute(sql)
        if is_postgres(store.conn):
            store.conn.raw.commit()


def test_bulk_triage_one_transaction_and_open_filter(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    every = q.ids(FlagFilter(statuses=()))
    high = q.ids(FlagFilter(levels=("高",), target_types=("message",)))
    assert q.set_status(high, "已处理", handler="组长") == len(high)
    assert q.count(FlagFilter()) == len(every) - len(high)  # default: 未处理 only
    assert {r.status for r in q.page(FlagFilter(statuses=("已处理",)))} == {"已处理"}
    done = q.page(FlagFilter(statuses=("已处理",)))
    assert all(r.handler == "组长" and r.handled_at for r in done)
    # A failure inside the batch rolls the whole batch back.
    with pytest.raises(ValueError):
        q.set_status(every, "不存在的状态")
    with _updates_of_flag_fail(store, every[-1]), pytest.raises(Exception, match="boom"):
        q.set_status(every, "误报")
    assert q.count(FlagFilter(statuses=("误报",))) == 0
    # Everything the filter matches, also rows never loaded.
    n = q.set_status_matching(FlagFilter(categories=("服务时效",)), "误报")
    assert n >= 1 and q.count(FlagFilter(categories=("服务时效",))) == 0


def test_note_and_handler(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    fid = q.ids(FlagFilter(levels=("高",)))[0]
    q.set_note(fid, "已电话安抚", "小王")
    q.set_status([fid], "处理中")
    flag = q.flag(fid)
    assert flag is not None and (flag.note, flag.handler, flag.status) == ("已电话安抚", "小王", "处理中")
    q.set_note(fid, "  ")
    assert q.flag(fid).note is None  # type: ignore[union-attr]


def test_counts_per_category_and_day(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    flt = FlagFilter(statuses=())
    total = q.count(flt)
    by_cat = q.category_counts(flt)
    assert sum(n for _c, _l, n in by_cat) == total
    assert by_cat[0] == ("投诉/监管威胁", "高", 2)  # 12315 and 投诉: most flags first
    by_day = q.daily_counts(flt)
    assert sum(n for _d, _l, n in by_day) == total
    assert {d for d, _l, _n in by_day} == {"2024-05-01", "2024-05-02", "2024-05-03"}
    high = q.category_counts(FlagFilter(levels=("高",)))
    assert high[0] == ("投诉/监管威胁", "高", 2) and ("客服违规", "高", 1) in high
    assert {lvl for _c, lvl, _n in high} == {"高"} and sum(n for *_x, n in high) == q.count(FlagFilter(levels=("高",)))


def test_rule_stats_count_hits_and_false_alarm_share(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    broken = q.ids(FlagFilter(categories=("质量/假货",)))
    assert len(broken) == 2  # the chat message and the review
    q.set_status(broken[:1], "误报")
    q.set_status(broken[1:], "已处理")
    stats = {s.rule_id: s for s in q.rule_stats([("quality.broken", "质量/假货", "中"), ("never.fires", "测试", "低")])}
    assert (stats["quality.broken"].hits, stats["quality.broken"].false_alarms) == (2, 1)
    assert stats["quality.broken"].false_share == pytest.approx(0.5)
    assert stats["never.fires"].hits == 0 and stats["never.fires"].false_share is None
    assert stats["refund.dispute"].false_share is None and stats["refund.dispute"].open == 1
    assert "service.over_limit" in stats  # not in the pack, still listed from its flags


def test_conversation_review_and_orders(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    rows = q.page(FlagFilter(statuses=()))
    threat = next(r for r in rows if r.rule_id == "complaint.regulator" and r.target_type == "message")
    conv = q.conversation(threat.session_id)  # type: ignore[arg-type]
    assert conv is not None and [m.seq for m in conv.messages] == [1, 2, 3, 4]
    assert conv.messages[2].role == "buyer" and conv.messages[2].label in ("正面", "中性", "负面")
    assert conv.messages[3].label is not None or conv.messages[3].role == "agent"
    assert {f.rule_id for f in conv.flags} >= {"complaint.regulator", "agent.rude", "service.over_limit"}
    link = q.linked_orders(threat)
    assert link.kind == "mentioned" and [o.order_id for o in link.orders] == ["1234567890123"]
    review_flag = next(r for r in rows if r.target_type == "review" and r.rule_id == "emotion.strong")
    review = q.review(review_flag.target_id)
    assert review is not None and review.append_content == "客服不理人，垃圾"
    start, end = review_flag.spans[0]
    assert review.scanned_text[start:end] == "垃圾"
    assert q.linked_orders(review_flag).kind == "order_id"
    refund = next(r for r in rows if r.rule_id == "refund.dispute")
    guess = q.linked_orders(refund)
    assert guess.kind == "buyer_window" and [o.order_id for o in guess.orders] == ["555"]
    assert "仅供参考" in guess.how


def test_triage_survives_a_rerun_of_the_risk_stage(store: Store) -> None:
    q = RiskQueueRepo(store.conn)
    rude = next(r for r in q.page(FlagFilter()) if r.rule_id == "agent.rude")
    slow = next(r for r in q.page(FlagFilter()) if r.rule_id == "service.over_limit")
    q.set_status([rude.id], "误报", handler="组长", note="在引用买家原话")
    q.set_status([slow.id], "已处理", handler="组长")
    # A user rule changes the pack version: everything is rescanned and the flags rewritten.
    folder = user_resources_dir() / "rules"
    folder.mkdir(parents=True)
    (folder / "user_rules.json").write_text(
        json.dumps(
            {
                "rules": [
                    {"id": "my.rule", "category": "自定义", "level": "低", "applies_to": ["buyer"], "words": ["发货"]}
                ]
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    path = store.path
    store.close()
    analyze(TaskContext(), path, workers=1)
    with open_store(path) as again:
        q2 = RiskQueueRepo(again.conn)
        after = {r.rule_id: r for r in q2.page(FlagFilter(statuses=()))}
        assert (after["agent.rude"].status, after["agent.rude"].note, after["agent.rude"].handler) == (
            "误报",
            "在引用买家原话",
            "组长",
        )
        assert after["service.over_limit"].status == "已处理"
        assert "my.rule" in after  # the re-run did happen
        assert after["agent.rude"].id == rude.id


def test_item_lists_its_flags_strongest_first(store: Store) -> None:
    """An item's flag ids and categories follow the queue's ranking (rule level, newest, then id), not the plan."""
    q = store.risk_queue
    rank = {"高": 0, "中": 1, "低": 2}
    for flt in (FlagFilter(), FlagFilter(statuses=()), FlagFilter(levels=("高", "中"))):
        for item in q.item_page(flt):
            flags = [q.flag(i) for i in item.flag_ids]
            keys = [(rank[f.level], f.event_at or "", f.id) for f in flags]
            # level ascending, then newest first, then the higher id first
            assert keys == sorted(keys, key=lambda k: (k[0], _desc(k[1]), -k[2])), item.flag_ids
            assert item.flag_ids[0] == item.id
            assert item.item_categories == tuple(dict.fromkeys(f.category for f in flags))
    session = next(i for i in q.item_page(FlagFilter()) if len(i.flag_ids) == 5)
    assert [q.flag(i).level for i in session.flag_ids][0] == "高" and session.item_categories[0] == "客服违规"


def _desc(text: str) -> tuple[int, ...]:
    """A sort key that orders texts newest (greatest) first."""
    return tuple(-ord(c) for c in text) + (0,)


@pytest.mark.sqlite_only("the snapshot is SQLite's: a team store reads the view")
def test_snapshot_reads_the_same_queue_once(store: Store) -> None:
    """The background load's snapshot (one TEMP copy of the joined queue) answers every queue read as the live
    view does, pages included, and is dropped afterwards."""
    live = store.risk_queue
    filters = [
        FlagFilter(),
        FlagFilter(statuses=()),
        FlagFilter(levels=("高",)),
        FlagFilter(categories=("服务时效", "客服违规")),
        FlagFilter(target_types=("review",), statuses=()),
        FlagFilter(date_from="2024-05-02", date_to="2024-05-03", statuses=()),
        FlagFilter(agent="甲店:小美"),
    ]
    with live.snapshot() as snap:
        assert snap.options() == live.options()
        for flt in filters:
            assert snap.category_counts(flt) == live.category_counts(flt)
            assert snap.daily_counts(flt) == live.daily_counts(flt)
            assert snap.item_count(flt) == live.item_count(flt)
            assert snap.count(flt) == live.count(flt)
            assert sorted(snap.ids(flt)) == sorted(live.ids(flt))
            for sort in ("level_time", "time", "score"):
                whole = live.item_page(flt, 0, 100, sort)
                assert snap.item_page(flt, 0, 100, sort) == whole
                # Pages of one item each add up to the whole queue, in its order.
                assert [r for off in range(len(whole)) for r in snap.item_page(flt, off, 1, sort)] == whole
    assert any(r.flag_ids for r in live.item_page(FlagFilter()))
    tables = store.conn.execute("SELECT name FROM temp.sqlite_master WHERE type = 'table'").fetchall()
    assert tables == []
