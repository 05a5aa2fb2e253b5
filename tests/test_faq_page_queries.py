"""FaqRepo reads added for the 常见问题 page: session of a question, question counts, 「移到…」 choices."""

from __future__ import annotations

from datetime import datetime, timedelta

from cxdesk.analysis.engine import _run_chunks
from cxdesk.analysis.faq_stage import run_faq_stage
from cxdesk.store import Store
from cxdesk.store.faq import FaqRepo
from cxdesk.tasks import NullContext

SHIP = ["什么时候发货", "什么时候能发货呀", "啥时候发货呢", "今天能发货吗", "下单后多久发货", "几天发货"]
INVOICE = [
    "可以开发票吗",
    "能开增值税发票吗",
    "发票怎么开",
    "开个发票可以吗",
    "电子发票在哪里下载",
    "发票抬头写公司可以吗",
]
T0 = datetime(2024, 5, 1, 10, 0, 0)


def _fill(store: Store) -> FaqRepo:
    with store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id,
            None,
            [{"review_key": "r1", "product_id": "7777777", "product_title": "保温杯 316不锈钢", "content": "好"}],
        )
        store.chats.insert_sessions(
            shop.id,
            None,
            [
                {
                    "session_key": f"s{i}",
                    "source_session_id": f"SRC-{i}",
                    "buyer_nick": f"b{i}",
                    "messages": [
                        {
                            "msg_hash": 1,
                            "seq": 0,
                            "role": "buyer",
                            "sender": f"b{i}",
                            "content": q,
                            "sent_at": (T0 + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S"),
                        },
                        {
                            "msg_hash": 2,
                            "seq": 1,
                            "role": "agent",
                            "sender": "店:小美",
                            "content": "好的",
                            "sent_at": (T0 + timedelta(minutes=i, seconds=30)).strftime("%Y-%m-%d %H:%M:%S"),
                        },
                    ],
                }
                for i, q in enumerate(SHIP * 2 + INVOICE * 2 + [f"保温杯{q}" for q in SHIP[:3]])
            ],
        )
    run_faq_stage(NullContext(), store, _run_chunks, 1)
    return FaqRepo(store.conn)


def test_message_sessions_gives_the_store_session_of_each_question(store: Store) -> None:
    repo = _fill(store)
    rows = store.conn.execute(
        "SELECT m.message_id, msg.session_id FROM faq_members m JOIN chat_messages msg ON msg.id = m.message_id"
    ).fetchall()
    assert len(rows) >= 20
    assert repo.message_sessions([r[0] for r in rows]) == dict(rows)
    assert repo.message_sessions([]) == {}
    assert repo.message_sessions([10**9]) == {}
    # Not the source's session id (that is what FaqQuestion.session_id holds).
    cluster = store.conn.execute("SELECT cluster_id FROM faq_members WHERE message_id=?", (rows[0][0],)).fetchone()[0]
    q = repo.questions(cluster, limit=1)[0]
    assert q.session_id.startswith("SRC-") and isinstance(repo.message_sessions([q.message_id])[q.message_id], int)


def test_question_count_with_and_without_product(store: Store) -> None:
    repo = _fill(store)
    for c in repo.list_clusters():
        assert repo.question_count(c.id) == c.size
    by_product = {c.id: c.size for c in repo.list_clusters(product="保温杯 316不锈钢")}
    assert sum(by_product.values()) == 3
    for cid, n in by_product.items():
        assert repo.question_count(cid, product="保温杯 316不锈钢") == n
    assert repo.question_count(None) == repo.counts()[0] - repo.counts()[1]


def test_cluster_labels_lists_clusters_largest_first_with_hidden_optional(store: Store) -> None:
    repo = _fill(store)
    labels = repo.cluster_labels()
    sizes = [n for _i, _l, n in labels]
    assert sizes == sorted(sizes, reverse=True) and all(n > 0 for n in sizes)
    assert {i for i, _l, _n in labels} == {c.id for c in repo.list_clusters(include_hidden=True)}
    hidden = labels[0][0]
    with store.transaction():
        repo.hide(hidden)
    assert hidden in [i for i, _l, _n in repo.cluster_labels()]
    assert hidden not in [i for i, _l, _n in repo.cluster_labels(include_hidden=False)]
