"""The FAQ stage over a store: extraction, lasting curation, incremental placement, trend, answers, exports."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from cxdesk.analysis.engine import _run_chunks
from cxdesk.analysis.faq_stage import run_faq_stage
from cxdesk.exports import export_faq
from cxdesk.ops import faq as faq_ops
from cxdesk.ops import run_op
from cxdesk.paths import user_resources_dir
from cxdesk.store import open_store
from cxdesk.store.exports import FAQ_COLUMNS, FAQ_MEMBER_COLUMNS
from cxdesk.store.faq import FaqRepo
from cxdesk.tasks import NullContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

FIXTURES = Path(__file__).parent / "fixtures" / "faq"
SHIP = ["什么时候发货", "什么时候能发货呀", "啥时候发货呢", "今天能发货吗", "下单后多久发货", "几天发货"]
INVOICE = [
    "可以开发票吗",
    "能开增值税发票吗",
    "发票怎么开",
    "开个发票可以吗",
    "电子发票在哪里下载",
    "发票抬头写公司可以吗",
]
ADDRESS = [
    "地址可以修改吗",
    "收货地址填错了能改吗",
    "能帮我改一下地址吗",
    "怎么修改收货地址",
    "地址写错了怎么办",
    "改地址可以吗",
]
T0 = datetime(2024, 5, 1, 10, 0, 0)


def _stage(store):
    return run_faq_stage(NullContext(), store, _run_chunks, 1)


def _sessions(store, specs: list[tuple], key_prefix: str) -> None:
    """specs: (buyer, question, answer, last buyer line, time)."""
    sessions = []
    for i, (buyer, question, answer, last, at) in enumerate(specs):
        lines = [("buyer", question), ("agent", answer), ("buyer", last)]
        sessions.append(
            {
                "session_key": f"{key_prefix}{i}",
                "source_session_id": f"SRC-{key_prefix}{i}",
                "buyer_nick": buyer,
                "messages": [
                    {
                        "msg_hash": j + 1,
                        "seq": j,
                        "role": role,
                        "sender": "店:小美" if role == "agent" else buyer,
                        "sent_at": (at + timedelta(seconds=30 * j)).strftime("%Y-%m-%d %H:%M:%S"),
                        "content": text,
                    }
                    for j, (role, text) in enumerate(lines)
                ],
            }
        )
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.chats.insert_sessions(shop.id, None, sessions)


def _cluster_of(repo: FaqRepo, question: str) -> int:
    row = repo._conn.execute("SELECT cluster_id FROM faq_members WHERE question = ?", (question,)).fetchone()
    assert row is not None, question
    return row[0]


def test_real_jddc_sessions_give_questions_with_the_agents_first_reply(db_path: Path) -> None:
    from cxdesk.cli import main

    assert main(["import", "--db", str(db_path), "--quiet", str(FIXTURES / "jddc_sessions.txt")]) == 0
    with open_store(db_path) as store:
        result = _stage(store)
        repo = store.faq
        questions, clustered, _ = repo.counts()
        assert result.processed == questions >= 25
        row = store.conn.execute(
            "SELECT a.content FROM faq_members m JOIN chat_messages a ON a.id = m.answer_id "
            "WHERE m.question = '地址可以帮我修改下吗'"
        ).fetchone()
        assert row[0].startswith("[订单x]还请您稍等")
        roles = {
            r[0]
            for r in store.conn.execute(
                "SELECT msg.role FROM faq_members m JOIN chat_messages msg ON msg.id = m.message_id"
            )
        }
        assert roles == {"buyer"}
        assert clustered >= 10
        assert _stage(store).processed == 0  # nothing new
    out = db_path.parent / "members.csv"
    summary = export_faq(NullContext(), db_path, "faq-members", out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert summary.rows == len(rows) == questions and tuple(rows[0]) == FAQ_MEMBER_COLUMNS
    assert {r["session_id"] for r in rows} <= {
        line.split("\t")[0] for line in (FIXTURES / "jddc_sessions.txt").read_text(encoding="utf-8").splitlines()
    }


def test_curation_survives_new_imports_and_rule_changes(store, tmp_path: Path) -> None:
    specs = [(f"b{i}", q, "亲，48小时内发货哦", "好的谢谢", T0) for i, q in enumerate(SHIP * 2)]
    specs += [(f"c{i}", q, "可以开电子发票", "好的", T0) for i, q in enumerate(INVOICE * 2)]
    specs += [(f"d{i}", q, "发货前可以改", "好", T0) for i, q in enumerate(ADDRESS * 2)]
    _sessions(store, specs, "a")
    _stage(store)
    repo = store.faq
    ship, invoice, address = (_cluster_of(repo, SHIP[0]), _cluster_of(repo, INVOICE[0]), _cluster_of(repo, ADDRESS[0]))
    assert len({ship, invoice, address}) == 3
    run_op(faq_ops.rename, store, ship, "发货时间")
    run_op(faq_ops.save_answer, store, ship, "现货48小时内发出，预售按页面时间。")
    run_op(faq_ops.set_pinned, store, ship, True)
    run_op(faq_ops.set_hidden, store, invoice, True)
    moved = [r[0] for r in store.conn.execute("SELECT message_id FROM faq_members WHERE question = ?", (ADDRESS[4],))]
    split = run_op(faq_ops.split_to_new, store, moved, "地址写错了").value
    other = _cluster_of(repo, INVOICE[1])
    merge = (address, [other]) if other != invoice else (ship, [invoice])
    merged_rows = run_op(faq_ops.merge, store, *merge).value
    assert merged_rows > 0
    merged_away = other if other != invoice else invoice

    # New questions later: one paraphrase per topic, a week on.
    _sessions(
        store,
        [
            ("e1", "请问什么时候发货啊", "48小时内", "好的", T0 + timedelta(days=7)),
            ("e2", "收货地址能改吗", "可以", "好", T0 + timedelta(days=7)),
        ],
        "n",
    )
    assert _stage(store).processed == 2
    # A changed rules file (user override) re-extracts everything: curation must stay.
    rules = json.loads(Path("resources/lexicons/faq.json").read_text(encoding="utf-8"))
    rules["version"] = "faq-rules-test"
    override = user_resources_dir() / "lexicons"
    override.mkdir(parents=True, exist_ok=True)
    (override / "faq.json").write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    assert _stage(store).processed >= 38

    c = repo.cluster(ship)
    assert c["label"] == "发货时间" and c["pinned"] == 1
    assert c["recommended_answer"] == "现货48小时内发出，预售按页面时间。"
    assert _cluster_of(repo, "请问什么时候发货啊") == ship  # joined the existing, renamed cluster
    assert repo.cluster(merged_away) is None
    if merged_away != invoice:
        assert repo.cluster(invoice)["hidden"] == 1
        assert invoice not in [x.id for x in repo.list_clusters()]
        assert invoice in [x.id for x in repo.list_clusters(include_hidden=True)]
    assert repo.cluster(split)["label"] == "地址写错了"
    assert {q.question for q in repo.questions(split)} == {ADDRESS[4]}
    assert repo.list_clusters()[0].id == ship  # pinned first


def test_trend_answers_outcome_conversion_and_timeline(store) -> None:
    end = T0 + timedelta(days=13)
    specs = [
        (f"p{i}", SHIP[i % 6], "亲，48小时内发货哦", "谢谢，很满意", end - timedelta(days=i % 5)) for i in range(8)
    ]
    specs += [(f"q{i}", SHIP[i % 6], "不清楚，等通知吧", "太慢了，垃圾", end - timedelta(days=8 + i)) for i in range(3)]
    specs += [(f"r{i}", INVOICE[i % 6], "可以开电子发票", "好", end - timedelta(days=i)) for i in range(4)]
    specs += [(f"s{i}", INVOICE[i % 6], "可以开电子发票", "好", end - timedelta(days=8 + i)) for i in range(4)]
    _sessions(store, specs, "t")
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.orders.insert_many(
            shop.id,
            None,
            [
                {
                    "order_id": f"o{i}",
                    "buyer_nick": f"p{i}",
                    "created_at": (end - timedelta(days=i % 5) + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
                }
                for i in range(4)
            ],
        )
        last_buyer = store.conn.execute(
            "SELECT m.id, c.buyer_nick FROM chat_messages m JOIN chat_sessions c ON c.id = m.session_id "
            "WHERE m.role='buyer' AND m.seq = 2"
        ).fetchall()
        store.results.upsert_sentiment(
            [
                (
                    "message",
                    mid,
                    0.9 if nick.startswith("p") else 0.1 if nick.startswith("q") else 0.5,
                    "正面" if nick.startswith("p") else "负面" if nick.startswith("q") else "中性",
                    0,
                    "t",
                    "h",
                )
                for mid, nick in last_buyer
            ]
        )
    _stage(store)
    repo = store.faq
    ship, invoice = _cluster_of(repo, SHIP[0]), _cluster_of(repo, INVOICE[0])
    assert ship != invoice
    by_id = {c.id: c for c in repo.list_clusters(period_days=7, rising_min_count=5)}
    assert (by_id[ship].current, by_id[ship].previous, by_id[ship].rising) == (8, 3, True)
    assert (by_id[invoice].current, by_id[invoice].previous, by_id[invoice].rising) == (4, 4, False)
    assert repo.list_clusters(sort="trend")[0].id == ship
    assert abs(by_id[ship].share - 11 / 19) < 1e-9

    answers = repo.answers(ship)
    assert [(a.text, a.count) for a in answers] == [("亲，48小时内发货哦", 8), ("不清楚，等通知吧", 3)]
    good, bad = answers
    assert good.end_positive == 1.0 and bad.end_negative == 1.0
    assert good.conversion == pytest.approx(4 / 8) and bad.conversion == 0.0
    assert repo.answers(ship, sort="outcome")[0].text == "亲，48小时内发货哦"

    days = repo.timeline([ship], bucket="day")
    assert sum(n for _, _, n in days) == 11 and days[-1][0] == end.strftime("%Y-%m-%d")
    assert repo.variants(ship)[0] == (SHIP[0], 3)  # asked 3 times: twice in the first 8, once in the last 3


def test_product_filter_from_links_and_title_words(store) -> None:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {"review_key": "r1", "product_id": "6543210", "product_title": "小熊纯棉睡衣 儿童款", "content": "好"},
                {"review_key": "r2", "product_id": "7777777", "product_title": "保温杯 316不锈钢", "content": "好"},
            ],
        )
    _sessions(
        store,
        [(f"x{i}", f"https://item.taobao.com/item.htm?id=6543210 {SHIP[i]}", "明天发", "好", T0) for i in range(6)]
        + [(f"y{i}", f"保温杯{SHIP[i]}", "今天发", "好", T0) for i in range(3)],
        "p",
    )
    _stage(store)
    repo = store.faq
    assert dict(repo.products()) == {"小熊纯棉睡衣 儿童款": 6, "保温杯 316不锈钢": 3}
    sizes = {c.id: c.size for c in repo.list_clusters(product="保温杯 316不锈钢")}
    assert sum(sizes.values()) == 3


def test_shop_filter_keeps_each_shops_questions_apart(store) -> None:
    """Issue 17, point 10: with two shops, a shop's list counts only its own questions."""
    _sessions(
        store,
        [(f"a{i}", SHIP[i], "明天发", "好", T0) for i in range(6)]
        + [(f"b{i}", INVOICE[i], "可以开", "好", T0) for i in range(6)],
        "a",
    )
    with store.transaction():  # the invoice sessions belong to a second shop
        other = store.shops.get_or_create("jd", "第二家店")
        store.conn.execute("UPDATE chat_sessions SET shop_id = ? WHERE buyer_nick LIKE 'b%'", (other.id,))
        store.conn.execute(
            "UPDATE chat_messages SET shop_id = ? WHERE session_id IN (SELECT id FROM chat_sessions WHERE shop_id = ?)",
            (other.id, other.id),
        )
    _stage(store)
    repo = store.faq
    first = store.shops.get_or_create("taobao", "测试小店").id
    assert [name for _id, name, _p in repo.shops()] == ["测试小店", "第二家店"]
    ship, invoice = _cluster_of(repo, SHIP[0]), _cluster_of(repo, INVOICE[0])
    mine = {c.id: c.size for c in repo.list_clusters(shop_id=first)}
    theirs = {c.id: c.size for c in repo.list_clusters(shop_id=other.id)}
    assert ship in mine and invoice not in mine and sum(mine.values()) == 6
    assert invoice in theirs and ship not in theirs and sum(theirs.values()) == 6
    assert {c.id for c in repo.list_clusters()} >= {ship, invoice}
    assert repo.question_count(invoice, shop_id=first) == 0 and repo.question_count(invoice, shop_id=other.id) == 6
    assert {q.question for q in repo.questions(invoice, shop_id=other.id)} == set(INVOICE)
    assert repo.questions(invoice, shop_id=first) == []


def test_faq_export_has_one_row_per_visible_cluster(store, tmp_path: Path) -> None:
    _sessions(store, [(f"b{i}", q, "48小时内发货", "好", T0) for i, q in enumerate(SHIP * 2 + INVOICE * 2)], "e")
    _stage(store)
    repo = store.faq
    run_op(faq_ops.save_answer, store, _cluster_of(repo, SHIP[0]), "48小时内发货")
    out = tmp_path / "faq.xlsx"
    summary = export_faq(NullContext(), store.path, "faq", out)
    import openpyxl

    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert tuple(rows[0]) == FAQ_COLUMNS
    assert summary.rows == len(rows) - 1 == len(repo.list_clusters())
    assert "48小时内发货" in [r[2] for r in rows[1:]]
    assert sum(r[3] for r in rows[1:]) == 24


def test_cards_frames_and_masks_make_no_cluster_and_no_label(store) -> None:
    card = "咨询订单号:[订单x] 订单金额:[金额x] 下单时间:[日期x]"
    web = "顾客通过点击web咚咚[站点x]信息发送:[订单编号:[订单x]，订单金额:[金额x]，下单时间:[日期x] [时间x]]"
    specs = [(f"s{i}", q, "48小时内发货", "好", T0) for i, q in enumerate(SHIP)]
    specs += [(f"p{i}", f"{card} {q}" if i % 2 else f"{q} {web}", "48小时内发货", "好", T0) for i, q in enumerate(SHIP)]
    specs += [(f"i{i}", q, "可以开电子发票", "好", T0) for i, q in enumerate(INVOICE * 2)]
    specs += [(f"k{i}", card, "您好", "好", T0) for i in range(6)]  # a card alone, pasted again and again
    specs += [(f"w{i}", web, "您好", "好", T0) for i in range(6)]
    specs += [(f"f{i}", q, "您说", "好", T0) for i, q in enumerate(["怎么操作?", "怎么操作", "[数字x]到哪里了"] * 4)]
    _sessions(store, specs, "bp")
    _stage(store)
    repo = store.faq
    questions = [r[0] for r in store.conn.execute("SELECT question FROM faq_members")]
    assert not any("订单金额" in q or "咚咚" in q for q in questions), questions
    assert _cluster_of(repo, SHIP[0]) == _cluster_of(repo, SHIP[1].lower()) is not None
    assert {_cluster_of(repo, q) for q in ["怎么操作?", "怎么操作", "[数字x]到哪里了"]} == {None}
    labels = [c.label for c in repo.list_clusters()]
    assert labels and not any(re.search(r"[\[\]{}]|订单金额", label) for label in labels), labels
