"""Session risk score, issue 15: causes summed once each and capped, buyer anger kept by the chat-tone
gate, polite and negated lines never 高, reasons that name their words and points, and a queue whose
level agrees with its score.

Unit checks go through :func:`score_session` and :func:`course_of`; the pipeline checks import small
sessions written here, run the real ``analyze`` and read ``risk_scores`` and the 风险 queue.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxdesk.analysis.chat_tone import ChatTone
from cxdesk.analysis.engine import analyze
from cxdesk.analysis.sentiment import load_default
from cxdesk.analysis.session_course import course_of
from cxdesk.analysis.session_risk import FlagInfo, ScoreConfig, score_session
from cxdesk.paths import resources_dir
from cxdesk.store import open_store
from cxdesk.store.risk_queue import FlagFilter, RiskQueueRepo
from cxdesk.store.risk_scores import RiskScoresRepo
from cxdesk.tasks import TaskContext


@pytest.fixture(scope="module")
def config() -> ScoreConfig:
    return ScoreConfig.load(resources_dir() / "rules" / "risk_score.json")


@pytest.fixture(scope="module")
def model():
    return load_default()


@pytest.fixture(scope="module")
def tone() -> ChatTone:
    return ChatTone.load(resources_dir() / "lexicons" / "chat_tone.json")


# --- the chat-tone gate: a buyer's anger is kept, polite negations are not anger ---------------


def _labels(model, tone: ChatTone, texts: list[str], role: str) -> list[str]:
    scores = tone.adjust(
        texts, model.predict_scores(texts), model.neg_below, model.pos_above, roles=[role] * len(texts)
    )
    return model.labels(scores).tolist()


def test_the_gate_keeps_a_buyers_anger_without_a_listed_cue_word(model, tone):
    angry = ["你们太黑了吧！", "至今没有任何工作人员联系我", "我计划和你们死磕", "不要说废话"]
    assert _labels(model, tone, angry, "buyer") == ["负面"] * 4
    # The same lines from nobody in particular (reviews' gate, agents) are not read as the buyer's anger.
    assert _labels(model, tone, angry[:2], "agent") == ["中性", "中性"]


def test_plain_questions_and_polite_negations_stay_neutral(model, tone):
    polite = ["几天发货", "不会给差评的，放心", "没有要投诉的意思", "放心吧不会给差评", "我不会投诉你们的，别担心"]
    assert _labels(model, tone, polite, "buyer") == ["中性"] * 5
    # A negator does not reach past a comma: 「爱买不买，垃圾」 is still rude.
    assert _labels(model, tone, ["爱买不买，垃圾"], "agent") == ["负面"]


def test_a_refund_request_is_a_topic_not_tone(tone):
    assert tone.topic_only("我要退款") and tone.topic_only("太贵了 再看看")
    assert not tone.topic_only("退款退了一个星期还没到，垃圾店") and not tone.topic_only("几天发货")


# --- composition -----------------------------------------------------------------------------


def test_an_unanswered_negative_last_line_counts_once(config):
    """服务时效 (unanswered) and the negative last turn are one fact: the answer cause, counted once."""
    course = course_of(
        [("buyer", "衣服什么时候发货", 0.5), ("agent", "亲，48小时内发货", 0.5), ("buyer", "都三天了还没发货吗", 0.1)]
    )
    unanswered = FlagInfo("服务时效", "高", rule_id="service.unanswered")
    sc = score_session([unanswered], course, config)
    answer = [p for p in sc.reasons.split("；") if "没有得到回复" in p]
    assert answer == ["服务时效·高 买家的提问没有得到回复“都三天了还没发货吗” +25（封顶 25）"]
    alone = score_session([], course, config)  # without the flag: the course's own answer part
    assert "买家最后的负面消息没有得到回复“都三天了还没发货吗” +20" in alone.reasons
    assert sc.score - alone.score == 5  # the flag adds only what its cap allows beyond the same fact


def test_a_repeated_stock_answer_is_no_answer(config):
    stock = "亲，已经为您催促了哦"
    course = course_of(
        [
            ("buyer", "快递怎么还没到", 0.3),
            ("agent", stock, 0.5),
            ("buyer", "还是没到，太慢了", 0.1),
            ("agent", stock, 0.5),
        ]
    )
    assert course.last is not None and course.last.answered and not course.last.really_answered
    assert "买家最后的负面消息只得到重复的回复“还是没到，太慢了” +20" in score_session([], course, config).reasons
    fresh = course_of(
        [
            ("buyer", "快递怎么还没到", 0.3),
            ("agent", stock, 0.5),
            ("buyer", "还是没到，太慢了", 0.1),
            ("agent", "亲，已联系快递加急，明天送到，给您补偿5元", 0.5),
        ]
    )
    assert "没有得到回复" not in score_session([], fresh, config).reasons
    assert "只得到重复的回复" not in score_session([], fresh, config).reasons


def test_tone_counts_how_negative_and_how_many_turns_up_to_full_turns(config):
    def tone_points(scores: list[float]) -> int:
        msgs = [m for i, s in enumerate(scores) for m in (("buyer", f"第{i}句", s), ("agent", f"回复{i}", 0.5))]
        sc = score_session([], course_of(msgs), config)
        return sum(int(p.rsplit("+", 1)[1].split("（")[0]) for p in sc.reasons.split("；") if p.startswith("买家负面"))

    one, two, three = tone_points([0.5, 0.5, 0.0]), tone_points([0.5, 0.0, 0.0]), tone_points([0.0, 0.0, 0.0])
    assert one < two < three == 40  # cap × (0.5 × 1 + 0.5 × 3/3)
    assert tone_points([0.0] * 3 + [0.5] * 9) == tone_points([0.0] * 3 + [0.5] * 2)  # typing more adds nothing
    assert tone_points([0.35, 0.5]) < tone_points([0.05, 0.5])  # how negative counts


def test_a_refund_request_counts_once_as_its_rule(config, tone):
    below = float(config.session["tone"]["negative_below"])
    course = course_of(
        [("buyer", "我要退款", 0.02), ("agent", "好的亲，马上处理", 0.5)],
        lambda text, score: score < below and tone.topic_only(text),
    )
    sc = score_session([FlagInfo("退款退货纠纷", "中", text="我要退款", rule_id="refund.dispute")], course, config)
    assert sc.reasons == "退款退货纠纷·中“我要退款” +25" and sc.score == 25
    angry = course_of(
        [("buyer", "我要退款，垃圾店", 0.02), ("agent", "好的亲，马上处理", 0.5)],
        lambda text, score: score < below and tone.topic_only(text),
    )
    assert "买家负面 1/1 轮" in score_session([], angry, config).reasons


def test_every_part_of_a_reason_names_its_trigger_and_its_points(config):
    flags = [
        FlagInfo("投诉/监管威胁", "高", text="我要投诉", rule_id="complaint.platform"),
        FlagInfo("服务时效", "中", rule_id="service.over_limit", wait_s=300.0),
    ]
    course = course_of(
        [
            ("buyer", "在吗", 0.5),
            ("agent", "在的", 0.5),
            ("buyer", "怎么还没发货", 0.3),
            ("agent", "在催了", 0.5),
            ("buyer", "垃圾，我要投诉", 0.02),
        ]
    )
    sc = score_session(flags, course, config)
    parts = sc.reasons.split("；")
    assert "投诉/监管威胁·高“我要投诉” +35" in parts
    assert "服务时效·中 客服回复超过时限（等待 5 分钟） +25" in parts
    assert any(re.fullmatch(r"买家负面 2/3 轮，最重“垃圾，我要投诉” 0\.02 \+\d+", p) for p in parts)
    for part in parts:
        assert re.search(r"(“[^”]+”( \d\.\d\d)?|（等待 [^）]+）|\d\.\d\d→\d\.\d\d) (\+\d+|不再加分（)", part), part
    assert sum(int(p.rsplit("+", 1)[1].split("（")[0]) for p in parts if "+" in p) == sc.score


def test_a_buyer_who_ends_by_closing_the_matter_takes_points_off(config):
    flags = [FlagInfo("投诉/监管威胁", "高", text="我要投诉", rule_id="complaint.platform")]
    start = [("buyer", "快递一周了还没到，我要投诉", 0.05), ("agent", "亲，已为您加急催件", 0.5)]
    open_ended = score_session(flags, course_of(start + [("buyer", "你们看着办吧", 0.3)]), config)
    closed = score_session(flags, course_of(start + [("buyer", "收到了，已经解决了，谢谢", 0.6)]), config)
    points = config.session["settled"]["points"]
    assert closed.score < open_ended.score and closed.reasons.endswith(f"买家最后说“已经解决” −{points}")
    # The deduction is the difference of the sums, and the parts still add up to the score.
    parts = closed.reasons.split("；")
    assert sum(int(p.rsplit("+", 1)[1]) if "+" in p else -int(p.rsplit("−", 1)[1]) for p in parts) == closed.score
    # Negated in the same clause it is no closing; and there is nothing to take from a session at 0.
    for last in ("还没解决，好几天了", "质量不好的话怎么办", "还是没收到了"):
        unsolved = score_session(flags, course_of(start + [("buyer", last, 0.1)]), config)
        assert "买家最后说" not in unsolved.reasons, last
    calm = score_session(
        [], course_of([("buyer", "几天发货", 0.5), ("agent", "48小时内", 0.5), ("buyer", "好的谢谢", 0.8)]), config
    )
    assert (calm.score, calm.reasons) == (0, "")


# --- through the pipeline: polite sessions are not 高; the queue's levels follow the scores ------


SESSIONS = {
    "polite": ["好的，不会给差评的，放心", "没有要投诉的意思，就问下几天发货", "谢谢"],
    "negated": ["我不想投诉，只想换个尺码", "不用退款了，谢谢"],
    "refund": ["衣服小了，我要退款"],
    "angry": ["都一个星期了还没发货？", "你们太黑了吧！我要投诉到12315", "垃圾店，再也不买了"],
    "waiting": ["至今没有任何工作人员联系我", "一味让我等，到底什么时候处理？"],
}


def _build(db: Path) -> dict[str, int]:
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        sessions = []
        for n, (key, lines) in enumerate(SESSIONS.items()):
            msgs = []
            for i, text in enumerate(lines):
                msgs.append(
                    {
                        "msg_hash": n * 100 + 2 * i,
                        "seq": 2 * i,
                        "role": "buyer",
                        "sender": f"买家{n}",
                        "sent_at": f"2024-05-0{n + 1} 10:{2 * i:02d}:00",
                        "content": text,
                    }
                )
                if key != "waiting" or i == 0:  # the waiting buyer's last line gets no answer
                    msgs.append(
                        {
                            "msg_hash": n * 100 + 2 * i + 1,
                            "seq": 2 * i + 1,
                            "role": "agent",
                            "sender": "测试店:小美",
                            "sent_at": f"2024-05-0{n + 1} 10:{2 * i:02d}:30",
                            "content": ["亲，在的", "亲，马上为您处理", "好的亲"][i % 3],
                        }
                    )
            sessions.append({"session_key": key, "buyer_nick": f"买家{n}", "messages": msgs})
        with store.transaction():
            store.chats.insert_sessions(shop.id, None, sessions)
    analyze(TaskContext(), db, workers=1)
    with open_store(db) as store:
        return {key: sid for sid, key in store.conn.execute("SELECT id, session_key FROM chat_sessions")}


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    db = tmp_path_factory.mktemp("risk_v2") / "r.sqlite3"
    return db, _build(db)


def test_polite_and_negated_sessions_are_not_high_but_angry_ones_are(scored):
    db, ids = scored
    with open_store(db) as store:
        repo = RiskScoresRepo(store.conn)
        got = {key: repo.get("session", sid) for key, sid in ids.items()}
    for key in ("polite", "negated"):
        score, level, reasons = got[key]
        assert level in ("无", "低") and score < 35, (key, got[key])
        assert "投诉" not in reasons and "差评" not in reasons
    score, level, reasons = got["angry"]
    assert level == "高" and re.search("投诉/监管威胁·高“(投诉|12315)” \\+35", reasons) and "买家负面" in reasons
    # Waiting with nobody getting back: the buyer's tone, the 催办无果 rule and the unanswered last line.
    assert got["waiting"][1] == "高" and "最重“至今没有任何工作人员联系…”" in got["waiting"][2]
    assert "催办无果·中“至今没有任何” +25" in got["waiting"][2] and "没有得到回复“一味让我等" in got["waiting"][2]
    # A refund request: the rule's 25 points, no second count as the buyer's tone.
    assert got["refund"][:2] == (25, "低") and got["refund"][2].startswith("退款退货纠纷·中")


def test_the_queue_level_follows_the_score(scored):
    db, ids = scored
    with open_store(db) as store:
        q = RiskQueueRepo(store.conn)
        every = FlagFilter(statuses=())
        for sort in ("level_time", "time", "score"):
            rows = q.page(every, 0, 500, sort=sort)
            assert rows and all(r.shown_level == r.score_level for r in rows if r.score_level in ("高", "中", "低"))
            by_level = {lv: [r.score for r in rows if r.shown_level == lv] for lv in ("高", "中", "低")}
            if by_level["高"] and by_level["中"]:
                assert min(by_level["高"]) >= max(by_level["中"])  # a 高 never scores lower than a 中
            if by_level["中"] and by_level["低"]:
                assert min(by_level["中"]) >= max(by_level["低"])
        rows = q.page(every, 0, 500, sort="level_time")
        ranks = [("高", "中", "低").index(r.shown_level) for r in rows]
        assert ranks == sorted(ranks)
        assert {r.shown_level for r in rows} >= {"高", "低"}
        # A 中 rule in a 高 session is listed under 高 (its own level kept on the flag).
        angry = [r for r in rows if r.session_id == ids["angry"]]
        assert angry and {r.shown_level for r in angry} == {"高"} and "高" in {r.level for r in angry}
        assert {r.id for r in q.page(FlagFilter(levels=("高",), statuses=()))} == {r.id for r in angry} | {
            r.id for r in rows if r.shown_level == "高"
        }
        # Triaged as 误报 everywhere: the score drops, and so does the level the queue shows.
        from cxdesk.analysis.risk import rescore

        q.set_status([r.id for r in angry], "误报", handler="组长")
        rescore(store, "session", [ids["angry"]])
        after = [r for r in q.page(every, 0, 500) if r.session_id == ids["angry"]]
        assert all(r.score < min(by_level["高"] or [60]) and r.shown_level != "高" for r in after)


def test_the_worked_example_of_docs_metrics(config):
    """The example of docs/metrics.md (风险分 → 例子), number for number."""
    course = course_of(
        [
            ("buyer", "衣服什么时候发货", 0.5),
            ("agent", "亲，48小时内发货", 0.5),
            ("buyer", "都三天了还没发", 0.2),
            ("agent", "亲，48小时内发货", 0.5),
            ("buyer", "垃圾店，我要投诉", 0.02),
        ]
    )
    flags = [
        FlagInfo("投诉/监管威胁", "高", text="我要投诉", rule_id="complaint.platform"),
        FlagInfo("服务时效", "高", rule_id="service.unanswered"),
    ]
    sc = score_session(flags, course, config)
    assert (sc.score, sc.level) == (100, "高")
    assert sc.reasons == (
        "投诉/监管威胁·高“我要投诉” +35；买家负面 2/3 轮，最重“垃圾店，我要投诉” 0.02 +32；"
        "服务时效·高 买家的提问没有得到回复“垃圾店，我要投诉” +25（封顶 25）；"
        "买家情绪变差 0.50→0.02 +8（总分封顶 100）"
    )
    doc = (Path(__file__).resolve().parent.parent / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert sc.reasons in doc


def test_an_override_missing_a_tone_setting_is_refused_at_load():
    import json

    from cxdesk.errors import CxdeskError

    data = json.loads((resources_dir() / "rules" / "risk_score.json").read_text(encoding="utf-8"))
    ScoreConfig(data)
    del data["session"]["tone"]["full_turns"]
    with pytest.raises(CxdeskError, match="full_turns"):
        ScoreConfig(data, "override.json")
