"""辱骂 means abuse: insults and swearing flag, idioms, product words and angry but civil lines do not,
and the flag names the word that triggered it (issue 15)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from cxdesk.analysis.abuse import AbuseJudge
from cxdesk.analysis.engine import analyze
from cxdesk.analysis.offensive import OffensiveModel
from cxdesk.analysis.risk_rules import load_pack
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext

FIXTURE = Path(__file__).parent / "fixtures" / "abuse" / "abuse_lines_small.csv"


def _lines() -> list[dict]:
    with FIXTURE.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def pack():
    return load_pack()


def _abuse_hits(pack, text: str, role: str):
    return [h for h in pack.match(text, role) if h.category == "辱骂"]


def test_labelled_lines_abuse_flags_and_nothing_else(pack) -> None:
    lines = _lines()
    assert {r["label"] for r in lines} == {"abuse", "angry_civil", "idiom", "polite"}
    wrong = [
        (r["label"], r["text"], [h.text for h in _abuse_hits(pack, r["text"], r["role"])])
        for r in lines
        if bool(_abuse_hits(pack, r["text"], r["role"])) != (r["label"] == "abuse")
    ]
    assert wrong == []


def test_abuse_evidence_is_the_word_not_the_start_of_the_message(pack) -> None:
    for r in _lines():
        if r["label"] != "abuse":
            continue
        for hit in _abuse_hits(pack, r["text"], r["role"]):
            assert r["text"][hit.start : hit.end] == hit.text
            assert hit.text.lower() in {w.lower() for w in pack.rules[hit.rule_id].words}


def test_classifier_confirms_only_messages_with_an_abusive_word(pack) -> None:
    lines = _lines()
    judge = AbuseJudge(pack, OffensiveModel.load())
    found = judge.judge([(r["text"], r["role"]) for r in lines])
    for r, f in zip(lines, found):
        if f is None:
            continue
        assert r["label"] == "abuse", r["text"]
        assert f.word == r["text"][f.start : f.end]
        assert f.word in {h.text for h in _abuse_hits(pack, r["text"], r["role"])}
    # Without the word check the classifier alone would flag these civil and polite lines.
    model = judge.model
    civil = [r["text"] for r in lines if r["label"] in ("angry_civil", "polite", "idiom")]
    assert any(model.is_offensive(model.predict_scores(civil)))


@pytest.mark.parametrize(
    "role, text",
    [
        ("agent", "期待下次与您的相遇，祝您及您的家人，身体健康、财源滚滚、心想事成，希望您走之前赏个评价哟~"),
        ("agent", "有病请就医，本品不能代替药物治疗"),
        ("buyer", "废物利用，纸箱还能当收纳盒"),
        ("agent", "给你妈妈买的吗？这款中老年款很合适"),
        ("buyer", "做工好，中部滚轴很顺滑"),
        ("buyer", "你们这么墨迹"),
        ("buyer", "办事拖拉，一个退款拖了一周"),
    ],
)
def test_no_abuse_in_idioms_polite_and_civil_lines(pack, role: str, text: str) -> None:
    assert _abuse_hits(pack, text, role) == []


def test_an_allow_listed_phrase_in_the_users_copy_counts(pack, tmp_path: Path) -> None:
    from cxdesk.paths import user_resources_dir

    assert [h.text for h in _abuse_hits(pack, "这款滚子很好用", "buyer")] == []  # jieba: 滚子 is one word
    assert [h.text for h in _abuse_hits(pack, "你滚吧", "buyer")] == ["滚"]
    copy = user_resources_dir() / "lexicons" / "abuse_allow.txt"
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text("# test\n你滚吧\n", encoding="utf-8")
    assert _abuse_hits(load_pack(), "你滚吧", "buyer") == []


LINES = [
    ("agent", "期待下次与您的相遇，祝您及您的家人，身体健康、财源滚滚、心想事成"),
    ("agent", "有病请就医，本品不能代替药物治疗"),
    ("agent", "建议废物利用，纸箱可以装杂物哦"),
    ("agent", "给你妈妈买的吗？这款中老年款很合适"),
    ("buyer", "@中国联通 尼玛，到底什么时候发货"),
    ("buyer", "你们客服是智障吗，问三遍都不懂"),
    ("buyer", "什么狗屁规定，说好的七天无理由"),
]


def test_engine_flags_abuse_with_the_triggering_word(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with open_store(db) as store:
        shop = store.shops.get_or_create("taobao", "测试店")
        msgs = [
            {
                "msg_hash": i,
                "seq": i,
                "role": role,
                "sender": "店:小美" if role == "agent" else "买家",
                "sent_at": f"2024-05-01 10:0{i}:00",
                "content": text,
            }
            for i, (role, text) in enumerate(LINES)
        ]
        with store.transaction():
            store.chats.insert_sessions(shop.id, None, [{"session_key": "s", "buyer_nick": "买家", "messages": msgs}])
    analyze(TaskContext(), db, workers=1)
    with open_store(db) as store:
        rows = store.conn.execute(
            "SELECT m.content, f.rule_id, f.evidence FROM risk_flags f JOIN chat_messages m "
            "ON f.target_type = 'message' AND f.target_id = m.id WHERE f.category = '辱骂'"
        ).fetchall()
    words = {(content, rule): json.loads(ev)[0]["text"] for content, rule, ev in rows}
    assert {content for content, _ in words} == {LINES[4][1], LINES[5][1], LINES[6][1]}
    expected = {LINES[4][1]: "尼玛", LINES[5][1]: "智障", LINES[6][1]: "狗屁"}
    for (content, rule), word in words.items():
        assert word == expected[content], (rule, word)
    # the classifier confirmed at least the plain insults: its flag quotes the word too
    assert {rule for _, rule in words} >= {"abuse.buyer", "abuse.model.buyer"}
    # the session's reason quotes the word, not the start of the message (「@中国联通 尼玛…」)
    with open_store(db) as store:
        ((reasons,),) = store.conn.execute("SELECT reasons FROM risk_scores WHERE target_type = 'session'")
    abuse_reason = next(part for part in reasons.split("；") if part.startswith("辱骂"))
    assert any(word in abuse_reason for word in expected.values()) and "@中国联通" not in abuse_reason
