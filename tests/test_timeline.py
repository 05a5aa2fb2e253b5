"""The customer timeline: one buyer's sessions, orders, reviews, 追评 and flags; who served them before a review."""

from __future__ import annotations

from cxdesk.store.timeline import TimelineRepo, mask_glob

NICK = "o***3"


def _session(key: str, buyer: str, start: str, agent: str, text: str) -> dict:
    return {
        "session_key": key,
        "buyer_nick": buyer,
        "messages": [
            {"msg_hash": 0, "seq": 0, "role": "buyer", "sent_at": f"{start}:00", "content": text},
            {
                "msg_hash": 1,
                "seq": 1,
                "role": "agent",
                "sender": agent,
                "sent_at": f"{start}:30",
                "content": "亲，在的",
            },
        ],
    }


def build_buyer(store) -> dict[str, int]:
    """Buyer o***3 in 甲店 (sessions, order, negative review with 追评, flags) plus look-alikes."""
    with store.transaction():
        a = store.shops.get_or_create("taobao", "甲店")
        b = store.shops.get_or_create("jd", "乙店")
        store.chats.insert_sessions(
            a.id,
            None,
            [
                _session("old", NICK, "2024-03-01 09:00", "甲店:阿强", "很久以前的问题"),  # > 30 days before
                _session("before1", NICK, "2024-04-12 15:36", "甲店:阿强", "什么时候发货"),
                _session("before2", NICK, "2024-04-14 04:27", "甲店:小美", "还没到，我要投诉"),
                _session("after", NICK, "2024-05-05 19:27", "甲店:小美", "到深圳要几天"),
                _session("full", "ol_user3", "2024-04-13 10:00", "甲店:小美", "我是完整昵称"),  # possible match
                _session("other", "ok***3", "2024-04-13 11:00", "甲店:小美", "另一个脱敏买家"),  # different mask
            ],
        )
        store.chats.insert_sessions(b.id, None, [_session("jd", NICK, "2024-04-13 12:00", "乙店:老周", "别家店")])
        store.orders.insert_many(
            a.id,
            None,
            [
                {
                    "order_id": "3201",
                    "buyer_nick": NICK,
                    "created_at": "2024-04-09 18:49:00",
                    "paid_at": "2024-04-09 18:54:55",
                    "amount": 79.0,
                    "status": "交易成功",
                }
            ],
        )
        store.reviews.insert_many(
            a.id,
            None,
            [
                {
                    "review_key": "r1",
                    "buyer_nick": NICK,
                    "rating": 1,
                    "content": "质量一般，打12315也要维权！",
                    "created_at": "2024-04-23 22:58:47",
                    "append_content": "洗了一次就坏了",
                    "append_at": "2024-04-30 10:00:00",
                },
                {
                    "review_key": "r2",
                    "buyer_nick": "x***1",
                    "rating": 5,
                    "content": "好",
                    "created_at": "2024-04-20 10:00:00",
                },
            ],
        )
    ids = {k: v for v, k in store.conn.execute("SELECT id, session_key FROM chat_sessions")}
    review = store.conn.execute("SELECT id FROM reviews WHERE review_key='r1'").fetchone()[0]
    msg = store.conn.execute("SELECT id FROM chat_messages WHERE content='还没到，我要投诉'").fetchone()[0]
    with store.transaction():
        store.flags.upsert(
            [
                (
                    "message",
                    msg,
                    "complaint.x",
                    "投诉/监管威胁",
                    "高",
                    '[{"start": 4, "end": 6, "text": "投诉"}]',
                    "v1",
                ),
                ("session", ids["before1"], "service.slow", "服务时效", "中", '{"seq": 1}', "v1"),
                (
                    "review",
                    review,
                    "complaint.regulator",
                    "投诉/监管威胁",
                    "高",
                    '[{"start": 7, "end": 12, "text": "12315"}]',
                    "v1",
                ),
                ("session", ids["other"], "service.slow", "服务时效", "中", '{"seq": 1}', "v1"),
            ]
        )
    return {**ids, "review": review, "message": msg, "shop_a": a.id, "shop_b": b.id}


def test_mask_glob():
    assert mask_glob("o***3") == "o*3"
    assert mask_glob("jd_快乐***a") == "jd_快乐*a"
    assert mask_glob("plain") is None
    assert mask_glob("***") is None


def test_timeline_of_a_buyer_in_one_shop(store):
    ids = build_buyer(store)
    tl = TimelineRepo(store.conn).buyer_timeline(NICK, ids["shop_a"])
    counts = tl.counts()
    assert counts == {"session": 5, "order": 1, "review": 1, "followup": 1, "flag": 3}
    assert tl.masked
    ats = [i.at for i in tl.items]
    assert ats == sorted(ats, reverse=True)  # newest first
    sessions = {i.session_id: i for i in tl.items if i.kind == "session"}
    assert ids["other"] not in sessions and ids["jd"] not in sessions  # another mask, another shop
    assert sessions[ids["full"]].exact is False and sessions[ids["full"]].buyer_nick == "ol_user3"
    assert all(s.exact for sid, s in sessions.items() if sid != ids["full"])
    assert sessions[ids["before2"]].agent == "甲店:小美"
    assert "还没到，我要投诉" in sessions[ids["before2"]].detail
    flags = [i for i in tl.items if i.kind == "flag"]
    by_cat = {(f.category, f.level) for f in flags}
    assert by_cat == {("投诉/监管威胁", "高"), ("服务时效", "中")}
    msg_flag = next(f for f in flags if f.message_id is not None)
    assert msg_flag.message_id == ids["message"] and msg_flag.session_id == ids["before2"]
    assert "投诉" in msg_flag.detail and msg_flag.at == "2024-04-14 04:27:00"
    review_flag = next(f for f in flags if f.review_id is not None)
    assert "12315" in review_flag.detail
    follow = next(i for i in tl.items if i.kind == "followup")
    assert follow.at == "2024-04-30 10:00:00" and follow.detail == "洗了一次就坏了"
    order = next(i for i in tl.items if i.kind == "order")
    assert "3201" in order.title and "79.00" in order.title


def test_timeline_across_shops_keeps_each_shop(store):
    ids = build_buyer(store)
    tl = TimelineRepo(store.conn).buyer_timeline(NICK)
    assert ids["jd"] in {i.session_id for i in tl.items}
    assert tl.shops() == ["乙店", "甲店"]


def test_sessions_before_a_review_and_their_agents(store):
    ids = build_buyer(store)
    before = TimelineRepo(store.conn).sessions_before_review(ids["review"])
    assert [s.session_id for s in before] == [ids["before2"], ids["full"], ids["before1"]]
    assert [s.agent for s in before] == ["甲店:小美", "甲店:小美", "甲店:阿强"]
    assert TimelineRepo(store.conn).sessions_before_review(ids["review"], days=10) == before[:1]


def test_buyer_of_any_target(store):
    ids = build_buyer(store)
    repo = TimelineRepo(store.conn)
    assert repo.buyer_of("review", ids["review"]) == (NICK, ids["shop_a"])
    assert repo.buyer_of("session", ids["jd"]) == (NICK, ids["shop_b"])
    assert repo.buyer_of("message", ids["message"]) == (NICK, ids["shop_a"])
    flag = store.conn.execute("SELECT id FROM risk_flags WHERE target_type='review'").fetchone()[0]
    assert repo.buyer_of("flag", flag) == (NICK, ids["shop_a"])
    assert repo.review_of("flag", flag) == ids["review"]
    assert repo.buyer_of("review", 999) is None
    assert repo.richest_negative_review() == ids["review"]


def test_unknown_buyer_has_an_empty_timeline(store):
    build_buyer(store)
    tl = TimelineRepo(store.conn).buyer_timeline("nobody")
    assert tl.items == [] and not tl.masked
