"""Chat roles from ``lexicons/roles.json``: platform bots (店小蜜, 京小智 / JIMI) and system
accounts (系统, 系统消息 …) on the shop's side are stored as bot / system, not as agents;
a user's copy of the file adds names; the agent KPIs leave the same accounts out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxdesk.analysis.agent_frames import _is_bot_sender
from cxdesk.analysis.agent_kpis import TEAM, kpi_table, load_frames
from cxdesk.analysis.capability_config import load_config
from cxdesk.errors import CxdeskError
from cxdesk.importers import import_file, registry
from cxdesk.roles import ROLES_FILE, role_rules
from cxdesk.paths import resources_dir, user_resources_dir
from cxdesk.tasks import NullContext

pytestmark = pytest.mark.both_engines  # store tests run on SQLite and PostgreSQL (tests/conftest.py)

QIANNIU_TXT = """tb_buyer02 2024-5-2 10:00:00
在吗，这个有现货吗
系统消息 2024-05-02 10:00:01
买家已进入店铺
某某旗舰店:店小蜜 2024-05-02 10:00:02
亲，在的，请问有什么可以帮您
某某旗舰店:小优 2024-05-02 10:00:20
您好，有现货的
某某旗舰店:小美 2024-05-02 10:00:30
今天下单今天发
tb_buyer02 2024-5-2 10:01:00
好的
"""


@pytest.fixture
def imp(fixtures_dir: Path) -> Path:
    return fixtures_dir / "import"


@pytest.fixture(params=["bulk", "rows"])
def path_kind(request, monkeypatch) -> str:
    """Run a test on the vectorised reader and on each format's reference row reader."""
    if request.param == "rows":
        for fid, spec in list(registry._BY_ID.items()):
            monkeypatch.setitem(registry._BY_ID, fid, dataclasses.replace(spec, bulk_read=None))
    return request.param


def _messages(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT s.buyer_nick, m.role, m.sender, m.content FROM chat_messages m "
        "JOIN chat_sessions s ON s.id = m.session_id ORDER BY m.id"
    ).fetchall()


def _sessions(store) -> list[tuple]:
    return store.conn.execute(
        "SELECT buyer_nick, message_count, buyer_messages, agent_messages, agent, agents FROM chat_sessions ORDER BY id"
    ).fetchall()


def _roles(store) -> dict[str, str]:
    return {sender: role for _, role, sender, _ in _messages(store)}


def _override(add_bot_names: list[str]) -> Path:
    data = json.loads(resources_dir().joinpath(*ROLES_FILE).read_text(encoding="utf-8"))
    data["bot_senders"]["names"] += add_bot_names
    path = user_resources_dir().joinpath(*ROLES_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- JD 京麦 JSON ---------------------------------------------------------------------------


def test_jd_bot_and_system_waiters_are_not_agents(store, imp):
    s = import_file(NullContext(), store, imp / "jd_chat_bot.json")
    assert (s.platform, s.rows_added, s.sessions_added) == ("jd", 9, 2)
    assert _roles(store) == {
        "jd_5f8a2c1e": "buyer",
        "京小智": "bot",
        "系统": "system",
        "京选家居_小周": "agent",
        "jd_77d0b9aa": "buyer",
        "JIMI": "bot",
        "系统消息": "system",
    }
    # Only the person counts as the session's agent; the bot-only session has none.
    assert _sessions(store) == [
        ("jd_5f8a2c1e", 6, 3, 1, "京选家居_小周", "京选家居_小周"),
        ("jd_77d0b9aa", 3, 1, 0, None, None),
    ]


# --- Qianniu CSV (exporter) and text -----------------------------------------------------------


def test_qianniu_csv_shop_bot_and_system_accounts(store, imp, path_kind):
    s = import_file(NullContext(), store, imp / "qianniu_bot_system.csv")
    assert (s.rows_added, s.sessions_added, s.rejects) == (9, 2, [])
    msgs = _messages(store)
    assert [m[1] for m in msgs] == ["buyer", "bot", "system", "agent", "buyer", "system", "buyer", "bot", "agent"]
    assert msgs[2][2:] == ("系统消息", "买家已进入店铺，正在为您分配客服")  # 账号类型 says 客服
    assert msgs[5][2] == "系统通知"  # no 账号类型 at all: known by its name, no longer rejected
    assert msgs[7][2] == "小棉袄童装旗舰店：店小蜜"  # full-width colon
    assert [r[3:] for r in _sessions(store)] == [
        (1, "小棉袄童装旗舰店:小美", "小棉袄童装旗舰店:小美"),
        (1, "小棉袄童装旗舰店:小刚", "小棉袄童装旗舰店:小刚"),
    ]


def test_qianniu_txt_system_sender_is_not_taken_for_the_buyer(store, tmp_path):
    f = tmp_path / "千牛聊天.txt"
    f.write_text(QIANNIU_TXT, encoding="utf-8")
    s = import_file(NullContext(), store, f)
    assert (s.format_id, s.rows_added, s.sessions_added) == ("qianniu_txt", 6, 1)
    assert [m[:3] for m in _messages(store)] == [
        ("tb_buyer02", "buyer", "tb_buyer02"),
        ("tb_buyer02", "system", "系统消息"),
        ("tb_buyer02", "bot", "某某旗舰店:店小蜜"),
        ("tb_buyer02", "agent", "某某旗舰店:小优"),
        ("tb_buyer02", "agent", "某某旗舰店:小美"),
        ("tb_buyer02", "buyer", "tb_buyer02"),
    ]


# --- the user's roles.json -----------------------------------------------------------------


def test_user_roles_file_adds_a_bot_name(store, imp, tmp_path, path_kind):
    _override(["小优", "京选家居_小周"])
    f = tmp_path / "chats.csv"
    f.write_text(
        "买家昵称,角色,发送账号,发送时间,内容\n"
        "b1,买家,b1,2024-05-02 10:00:00,在吗\n"
        "b1,客服,某某旗舰店:小优,2024-05-02 10:00:01,亲，您好，小优为您服务\n"
        "b1,,某某旗舰店：小优,2024-05-02 10:00:02,没有角色列也认得\n"
        "b1,客服,某某旗舰店:小美,2024-05-02 10:00:30,在的\n",
        encoding="utf-8",
    )
    import_file(NullContext(), store, f)
    assert [m[1] for m in _messages(store)] == ["buyer", "bot", "bot", "agent"]
    import_file(NullContext(), store, imp / "jd_chat_bot.json")
    assert _roles(store)["京选家居_小周"] == "bot"


def test_user_roles_file_applies_to_qianniu_txt(store, tmp_path):
    _override(["小优"])
    f = tmp_path / "千牛聊天.txt"
    f.write_text(QIANNIU_TXT, encoding="utf-8")
    import_file(NullContext(), store, f)
    assert _roles(store)["某某旗舰店:小优"] == "bot"


def test_broken_user_roles_file_is_a_chinese_error(store, imp):
    path = user_resources_dir().joinpath(*ROLES_FILE)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"role_words": {"buyer": ["买家"]}', encoding="utf-8")
    with pytest.raises(CxdeskError, match="角色词表.*格式有误"):
        import_file(NullContext(), store, imp / "qianniu_bot_system.csv")


# --- the agent KPIs leave out the same accounts ---------------------------------------------


def test_every_roles_account_is_excluded_by_the_kpis():
    rules = role_rules()
    names = list(rules.names)
    senders = (
        names
        + [f"某店:{n}" for n in names]
        + [f"某店{s}" for s, _ in rules.suffixes]
        + [f"某店:小{w}号" for p, _ in rules.contains for w in p.pattern.replace("\\", "").split("|")]
    )
    assert len(senders) > 30
    excluded = _is_bot_sender(pd.Series(senders, dtype=object), load_config())
    assert excluded.all(), [s for s, x in zip(senders, excluded) if not x]
    # capability.json's older lists name nothing roles.json does not know
    config = load_config()
    assert all(rules.sender_role(n) for n in config["not_agent_senders"])
    assert all(rules.sender_role(f"某店{s}") for s in config["not_agent_sender_suffixes"])
    assert not _is_bot_sender(pd.Series(["某店:小美", "京选家居_小周", None], dtype=object), config).any()


def test_kpis_of_a_store_imported_before_leave_out_bots_stored_as_agents(store, store_target):
    msgs = [
        ("buyer", None, "2024-05-01 10:00:00", "在吗"),
        ("agent", "JIMI", "2024-05-01 10:00:01", "您好"),
        ("agent", "某店：系统消息", "2024-05-01 10:00:02", "正在转接"),
        ("agent", "某店:小美", "2024-05-01 10:00:40", "在的"),
    ]
    with store.transaction():
        shop = store.shops.get_or_create("jd", "某店")
        store.chats.insert_sessions(
            shop.id,
            None,
            [
                {
                    "session_key": "k1",
                    "buyer_nick": "b1",
                    "messages": [
                        {"msg_hash": i, "seq": i, "role": r, "sender": s, "sent_at": t, "content": c}
                        for i, (r, s, t, c) in enumerate(msgs, start=1)
                    ],
                }
            ],
        )
    t = kpi_table(load_frames(None, store_target), "all")
    assert sorted(t["agent"]) == sorted(["某店:小美", TEAM])
    mei = t[t["agent"] == "某店:小美"].iloc[0]
    assert mei.first_resp == 40 and mei.agent_msgs == 1
    assert np.isclose(t[t["agent"] == TEAM].iloc[0].first_resp, 40)
