"""Each known export format, read from a small hand-made fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.importers import detect, import_file, preview
from cxdesk.importers._msgframe import mid_hash
from cxdesk.tasks import NullContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)


@pytest.fixture
def imp(fixtures_dir: Path) -> Path:
    return fixtures_dir / "import"


def _reviews(store) -> dict[str, dict]:
    cur = store.conn.execute("SELECT * FROM reviews ORDER BY id")
    cols = [d[0] for d in cur.description]
    return {r["buyer_nick"]: r for r in (dict(zip(cols, row)) for row in cur)}


def _messages(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT s.buyer_nick, m.role, m.sender, m.sent_at, m.content FROM chat_messages m "
        "JOIN chat_sessions s ON s.id = m.session_id ORDER BY m.id"
    ).fetchall()


def test_tmall_rate_jsonp(store, imp):
    det = detect(imp / "tmall_rate.json")
    assert (det.kind, det.platform, det.format_id) == ("reviews", "taobao", "tmall_rate_json")
    s = import_file(NullContext(), store, imp / "tmall_rate.json")
    assert s.rows_added == 2 and s.shop == "淘宝店铺"
    r = _reviews(store)["t***1"]
    assert r["content"] == "面料很舒服，尺码标准，物流也快"
    assert r["created_at"] == "2023-05-01 10:20:33"
    assert r["sku"] == "颜色分类:黑色;尺码:XL"
    assert r["append_content"] == "穿了一周，没有起球" and r["append_at"] == "2023-05-08 09:00:00"
    assert r["seller_reply"] == "感谢亲的支持" and r["platform_review_id"] == "1200000001"
    assert _reviews(store)["小***2"]["content"] == ""  # "此用户没有填写评价。" placeholder


def test_taobao_feed_json(store, imp):
    import_file(NullContext(), store, imp / "taobao_feed.json")
    r = _reviews(store)["a**3"]
    assert r["created_at"] == "2023-05-01 10:20:00"
    assert r["append_content"] == "用了几天，质量不错"
    assert r["sku"] == "颜色分类:红色" and r["review_key"] == "id:3300000001"


def test_taobao_top_result_is_rating_text(store, imp):
    import_file(NullContext(), store, imp / "taobao_top.json")
    r = _reviews(store)["d**6"]
    assert r["rating"] is None and r["rating_text"] == "bad"
    assert r["order_id"] == "2000000000012" and r["product_title"] == "夏季短袖T恤"


def test_jd_comments_json(store, imp):
    s = import_file(NullContext(), store, imp / "jd_comments.json")
    assert (s.platform, s.rows_added) == ("jd", 3)
    rows = _reviews(store)
    r = rows["j***7"]
    assert r["rating"] == 5 and r["sku"] == "颜色:曜石黑;尺码:128GB"
    assert r["product_id"] == "100012345678" and r["product_title"] == "某品牌手机 8GB+128GB"
    assert r["append_content"] == "用了两周，依然满意" and r["append_at"] == "2023-05-20 09:10:00"
    assert rows["k***8"]["content"] == "" and rows["k***8"]["rating"] == 4  # 此用户未填写评价内容
    assert rows["l***9"]["rating"] == 1 and rows["l***9"]["seller_reply"] == "非常抱歉，已安排换货"


def test_pdd_consumer_json(store, imp):
    import_file(NullContext(), store, imp / "pdd_consumer.json")
    r = _reviews(store)["拼***友"]
    assert r["created_at"] == "2023-05-01 10:20:33"  # unix time, Beijing time
    assert r["sku"] == "颜色:粉色;规格:大号"
    assert r["append_content"] == "追评：用了一个月还不错"


def test_pdd_merchant_json(store, imp):
    det = detect(imp / "pdd_merchant.json")
    assert det.format_id == "pdd_merchant_json"
    import_file(NullContext(), store, imp / "pdd_merchant.json")
    rows = store.conn.execute(
        "SELECT order_id, product_title, rating, content, seller_reply, created_at FROM reviews ORDER BY id"
    ).fetchall()
    assert rows[0] == (
        "230501-123456789012345",
        "加厚保温杯 500ml",
        2,
        "杯盖漏水",
        "亲，已为您补发杯盖",
        "2023-05-01 10:20:33",
    )
    assert rows[1][2] == 5 and rows[1][4] is None


def test_douyin_reviews_xlsx(store, imp):
    det = detect(imp / "douyin_reviews.xlsx")
    assert (det.format_id, det.platform, det.container) == ("douyin_reviews", "douyin", "xlsx")
    import_file(NullContext(), store, imp / "douyin_reviews.xlsx")
    r = _reviews(store)["抖***1"]
    assert r["rating"] == 5 and r["rating_text"] == "好评"
    assert r["order_id"] == "4900000000000001" and r["sku"] == "口味:混合;规格:1kg"
    assert r["append_content"] == "回购了" and r["seller_reply"] == "感谢宝宝支持"


def test_seller_tool_csv(store, imp):
    det = detect(imp / "seller_reviews.csv")
    assert det.kind == "reviews" and det.platform == "taobao"  # 旺旺号
    assert det.mapping["content"] == "评价内容" and det.mapping["append_content"] == "追评"
    import_file(NullContext(), store, imp / "seller_reviews.csv")
    rows = _reviews(store)
    assert rows["s***1"]["order_id"] == "3300000000001"  # ="…" Excel guard removed
    assert rows["s***1"]["created_at"] == "2023-05-01 10:20:00"
    assert rows["s***1"]["append_content"] == "洗了两次没变形"
    assert rows["s***3"]["rating"] == 4  # ★★★★☆


def test_seller_tool_xlsx_with_title_row(store, imp):
    det = detect(imp / "seller_reviews.xlsx")
    assert det.header_row == 2 and det.mapping["rating"] == "星级"
    import_file(NullContext(), store, imp / "seller_reviews.xlsx")
    r = _reviews(store)["x***1"]
    assert r["created_at"] == "2023-05-10 08:30:00" and r["append_content"] == "追评也好"


def test_qianniu_txt(store, imp):
    s = import_file(NullContext(), store, imp / "qianniu.txt")
    assert s.shop == "某某旗舰店" and s.platform == "taobao"
    msgs = _messages(store)
    assert msgs[0] == ("tb_buyer01", "buyer", "tb_buyer01", "2023-05-01 10:20:33", "你好，在吗\n这件衣服有XL吗")
    assert msgs[1][1:3] == ("agent", "某某旗舰店:小美")
    assert msgs[2][1:3] == ("bot", "某某旗舰店:店小蜜")
    assert msgs[4] == ("tb_buyer01", "agent", "某某旗舰店:小美", "2023-05-01 10:23:00", "感谢亲的支持~")  # no space
    assert msgs[5][1:] == ("system", None, "2023-05-01 10:23:00", "由 服务助手 转交给 某某旗舰店:小刚")
    contents = [m[4] for m in msgs]
    assert not any(c in ("已读", "未读") or "撤回" in c for c in contents)
    assert len(msgs) == 7


def test_qianniu_export_csv(store, imp):
    det = detect(imp / "qianniu_export.csv")
    assert (det.format_id, det.encoding, det.shop_hint) == ("qianniu_csv", "utf-8-sig", "某某旗舰店")
    s = import_file(NullContext(), store, imp / "qianniu_export.csv")
    assert (s.rows_added, s.sessions_added) == (6, 2)
    msgs = _messages(store)
    assert msgs[1] == ("tb_alice", "agent", "某某旗舰店:小美", "2023-05-02 09:00:20", "亲，今天下午就发哦")
    assert msgs[3][1] == "bot"


def test_jd_chat_json(store, imp):
    s = import_file(NullContext(), store, imp / "jd_chat.json")
    assert (s.platform, s.rows_added, s.sessions_added) == ("jd", 5, 2)
    msgs = _messages(store)
    assert msgs[0][3] == "2023-05-01 10:20:33"  # epoch ms
    assert msgs[2][3] == "2023-05-01 10:22:05"  # datetime string
    assert msgs[1][1:3] == ("agent", "某店_小王")
    keys = [r[0] for r in store.conn.execute("SELECT msg_hash FROM chat_messages ORDER BY id")]
    assert keys[0] == mid_hash("9001") and len(set(keys)) == len(keys)
    sess = store.conn.execute("SELECT source_session_id, agent FROM chat_sessions ORDER BY id").fetchall()
    assert sess == [("s-1001", "某店_小王"), ("s-1002", "某店_小李")]


def test_jddc_real_sample(store, imp):
    """The first 200 real lines of the JDDC sample: 15 sessions, no times."""
    det = detect(imp / "jddc_chat_200.txt")
    assert (det.format_id, det.platform) == ("jddc_tsv", "jd")
    s = import_file(NullContext(), store, imp / "jddc_chat_200.txt")
    assert (s.rows_read, s.rows_added, s.sessions_added) == (200, 200, 15)
    assert store.conn.execute("SELECT COUNT(*) FROM chat_messages WHERE sent_at IS NOT NULL").fetchone()[0] == 0
    first = store.conn.execute(
        "SELECT buyer_nick, message_count, buyer_messages, agent_messages FROM chat_sessions "
        "WHERE source_session_id='0000b82c62117aa4497508bb1bdfb53a'"
    ).fetchone()
    assert first == ("USERID_10480447", 10, 5, 5)
    assert store.conn.execute("SELECT SUM(repeat_consult) FROM chat_sessions").fetchone()[0] >= 1


def test_orders_csv_chinese_and_english(store, imp):
    import_file(NullContext(), store, imp / "orders.csv")
    import_file(NullContext(), store, imp / "orders_en.csv")
    rows = {
        r[0]: r
        for r in store.conn.execute(
            "SELECT order_id, buyer_nick, created_at, paid_at, amount, status, refund_status FROM orders"
        )
    }
    assert rows["1000000001"] == (
        "1000000001",
        "o***1",
        "2023-05-01 09:00:00",
        "2023-05-01 09:01:00",
        1299.0,
        "交易成功",
        "无退款",
    )
    assert rows["1000000003"][2] == "2023-05-03 11:00:00" and rows["1000000003"][4] == 88.5
    assert rows["E-1"][1:5] == ("en_buyer", "2023-06-01 08:00:00", "2023-06-01 08:05:00", 10.5)


def test_preview_gives_canonical_records(imp):
    rows = preview(imp / "qianniu_export.csv", limit=3)
    assert len(rows) == 3 and rows[0]["buyer_nick"] == "tb_alice" and rows[0]["role"] == "buyer"
    bad = preview(imp / "reviews_bad_row.csv")
    assert {"record_no": 4, "error": "时间“明天下午”无法识别", "raw": "时间坏了,5,明天下午,u3"} in bad


def test_qianniu_export_shop_comes_from_the_agent_account_not_a_pasted_link(tmp_path):
    path = tmp_path / "qn.csv"
    path.write_text(
        "客户名,消息序号,发送时间,发送内容,发送账号,账号类型\n"
        "tb_a,1,2024-04-02 03:34:17,https://item.taobao.com/item.htm?id=1,tb_a,客户\n"
        "tb_a,2,2024-04-02 03:34:30,几点发货 10:30 前吗,tb_a,客户\n"
        "tb_a,3,2024-04-02 03:35:01,今天发,小棉袄童装旗舰店:小美,客服\n",
        encoding="utf-8",
    )
    assert detect(path).shop_hint == "小棉袄童装旗舰店"  # was "https", from the buyer's link
