"""Who may do what on the team store (issue 20.4), enforced by PostgreSQL: 店主 does everything, a 客服
reads buyers' personal data masked and writes only triage and FAQ answers.

Each team database is made as a shop makes it: an empty database, ``store roles`` with the
superuser, ``store add-user`` for a 店主 and a 客服 (password on stdin), a small analysed store with a
buyer's phone, name and address in the chat copied in by the 店主. Refusals are checked to come from
the server (psycopg's InsufficientPrivilege behind the message), not from the app.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from cxdesk.cli import main as cli_main
from cxdesk.errors import CxdeskError, StoreError
from cxdesk.ops import analyze, buyer_data, export, faq, imports, run_op, session_review, triage
from cxdesk.privacy import mask_nick, mask_text
from cxdesk.store import open_store
from cxdesk.store.copy import copy_store
from cxdesk.store.pg import masking
from cxdesk.store.pg.connection import PermissionDeniedError, refused_activity
from cxdesk.store.pg.roles import AGENT_GROUP, MASKED_SCHEMA, OWNER_GROUP
from cxdesk.store.risk_queue import FlagFilter
from cxdesk.search import search
from test_risk_queue_store import _session

psycopg = pytest.importorskip("psycopg")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
PHONE = "13812345678"
BUYER = "买家甲"
S1 = [
    ("buyer", BUYER, "2024-05-01 10:00:00", "你好，订单号1234567890123什么时候发货？"),
    ("agent", "甲店:小美", "2024-05-01 10:00:30", "亲，今天发货"),
    ("buyer", BUYER, "2024-05-01 10:05:00", f"东西坏了，再不处理我就去12315投诉，电话{PHONE}，收货人：张三丰"),
    ("agent", "甲店:小美", "2024-05-01 10:10:00", "爱买不买"),
]
S2 = [
    ("buyer", "买家乙", "2024-05-03 09:00:00", "我要退款，地址：杭州市西湖区文三路100号3栋201室"),
    ("agent", "乙店_老周", "2024-05-03 09:00:40", "好的亲，马上为您处理"),
]
_numbers = itertools.count(1)


def build_personal_db(db_path: Path) -> None:
    """Two shops, two sessions and a review that hold a buyer's phone, name and address; analysed."""
    from cxdesk.analysis.engine import analyze
    from cxdesk.tasks import TaskContext

    with open_store(db_path) as store:
        with store.transaction():
            a = store.shops.get_or_create("taobao", "甲店")
            b = store.shops.get_or_create("jd", "乙店")
            store.chats.insert_sessions(a.id, None, [_session("s1", BUYER, S1, 0)])
            store.chats.insert_sessions(b.id, None, [_session("s2", "买家乙", S2, 100)])
            store.reviews.insert_many(
                a.id,
                None,
                [
                    {
                        "review_key": "r1",
                        "content": f"用了三天就坏了，客服不理人，打我电话{PHONE}",
                        "rating": 1,
                        "buyer_nick": "买家丙",
                        "created_at": "2024-05-02 12:00:00",
                    }
                ],
            )
            store.orders.insert_many(
                a.id,
                None,
                [
                    {
                        "order_id": "1234567890123",
                        "buyer_nick": BUYER,
                        "created_at": "2024-04-28 08:00:00",
                        "amount": 59.0,
                    }
                ],
            )
    analyze(TaskContext(), db_path, workers=1)


@pytest.fixture(scope="module")
def personal_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("roles") / "personal.sqlite3"
    build_personal_db(db)
    return db


@dataclass
class Team:
    name: str
    admin: str
    owner: str  # login names
    agent: str
    port: int

    def url(self, user: str) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{self.name}"

    @property
    def owner_url(self) -> str:
        return self.url(self.owner)

    @property
    def agent_url(self) -> str:
        return self.url(self.agent)


def _cli(argv: list[str], stdin: str | None = None) -> int:
    with pytest.MonkeyPatch.context() as mp:
        if stdin is not None:
            mp.setattr(sys, "stdin", io.StringIO(stdin))
        return cli_main(argv)


def _make_team(pg_cluster, personal_db: Path) -> Team:
    n = f"{os.getpid()}_{next(_numbers)}"
    name = f"roles{n}"
    pg_cluster.create_database(name)
    port = int(pg_cluster.admin_url.rsplit(":", 1)[1].split("/")[0])
    team = Team(name, f"postgresql://postgres@127.0.0.1:{port}/{name}", f"boss{n}", f"agent{n}", port)
    assert _cli(["store", "roles", "--db", team.admin]) == 0
    assert _cli(["store", "add-user", "--db", team.admin, "--name", team.owner, "--role", "店主", "--password-stdin"], "boss-secret-1\n") == 0  # fmt: skip
    assert _cli(["store", "add-user", "--db", team.admin, "--name", team.agent, "--role", "客服", "--password-stdin"], "agent-secret-1\n") == 0  # fmt: skip
    with open_store(personal_db, mode="ro") as src, open_store(team.owner_url) as dst:
        assert copy_store(src, dst).ok
    return team


def _drop_team(pg_cluster, team: Team) -> None:
    pg_cluster.drop_database(team.name)
    pg_cluster.psql(f"DROP ROLE IF EXISTS {team.owner}, {team.agent}")


@contextmanager
def _a_team(pg_cluster, personal_db: Path) -> Iterator[Team]:
    t = _make_team(pg_cluster, personal_db)
    try:
        yield t
    finally:
        _drop_team(pg_cluster, t)


@pytest.fixture(scope="module")
def team(pg_cluster, personal_db: Path) -> Iterator[Team]:
    """One team database for the module's tests that do not delete anything."""
    with _a_team(pg_cluster, personal_db) as t:
        yield t


@pytest.fixture
def own_team(pg_cluster, personal_db: Path) -> Iterator[Team]:
    """A team database of this test's own (it deletes or imports)."""
    with _a_team(pg_cluster, personal_db) as t:
        yield t


def _refused_by_server(exc: pytest.ExceptionInfo, refusal: type | None = None) -> None:
    refusal = refusal or psycopg.errors.InsufficientPrivilege
    assert isinstance(exc.value.__cause__, refusal), "the server refused, not the app"


# --- the masking in SQL is the app's ------------------------------------------------------------------


def test_sql_masking_is_the_apps_masking(pg_url: str, demo_analysed) -> None:
    """mask_text/mask_nick on the server give what cxdesk.privacy gives: the privacy tests' cases and
    every distinct chat and review text of the demo shop (data the SQL was not written on)."""
    import sqlite3

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import test_privacy

    texts = [case[0] for case in test_privacy.test_personal_data_is_starred.pytestmark[0].args[1]]
    texts += list(test_privacy.test_ordinary_text_is_left_alone.pytestmark[0].args[1])
    src = sqlite3.connect(f"file:{demo_analysed.db}?mode=ro", uri=True)
    try:
        demo = [r[0] for r in src.execute("SELECT DISTINCT content FROM chat_messages WHERE content <> ''")]
        demo += [r[0] for r in src.execute("SELECT DISTINCT content FROM reviews WHERE content <> ''")]
        nicks = [r[0] for r in src.execute("SELECT DISTINCT buyer_nick FROM chat_sessions")]
    finally:
        src.close()
    assert sum(mask_text(t) != t for t in demo) > 20, "the demo holds personal data to mask"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {MASKED_SCHEMA}")
        conn.execute(masking.functions_sql())
        got = conn.execute(
            f"SELECT {MASKED_SCHEMA}.mask_text(t) FROM unnest(%s::text[]) WITH ORDINALITY AS x(t, i) ORDER BY i",
            (texts + demo,),
        ).fetchall()
        masked_nicks = conn.execute(
            f"SELECT {MASKED_SCHEMA}.mask_nick(n) FROM unnest(%s::text[]) WITH ORDINALITY AS x(n, i) ORDER BY i",
            (nicks,),
        ).fetchall()
    differ = [(t, mask_text(t), g) for t, (g,) in zip(texts + demo, got) if g != mask_text(t)]
    assert differ == []
    assert [g for (g,) in masked_nicks] == [mask_nick(n) for n in nicks]


def test_refused_statements_say_what_was_refused() -> None:
    assert refused_activity("INSERT INTO import_batches(kind) VALUES (?)") == "导入数据"
    assert refused_activity("INSERT OR IGNORE INTO reviews(shop_id) VALUES (?)") == "导入数据"
    assert refused_activity("DELETE FROM chat_sessions WHERE buyer_nick = ?").startswith("删除数据")
    assert refused_activity("INSERT INTO sentiment VALUES (?)") == "运行分析"
    assert refused_activity("SELECT buyer_nick FROM public.chat_sessions") == "查看未隐藏的买家个人信息"
    assert refused_activity("UPDATE faq_clusters SET label = ? WHERE id = ?").startswith("整理常见问题")
    assert refused_activity("ALTER TABLE risk_flags ADD COLUMN x INTEGER").startswith("修改数据库结构")


# --- a 客服 ----------------------------------------------------------------------------------------


def test_agent_reads_the_queue_with_personal_data_masked(team: Team) -> None:
    with open_store(team.owner_url, mode="ro") as owner:
        raw_items = {r.id: r for r in owner.risk_queue.item_page(FlagFilter(statuses=()))}
        raw_conv = owner.risk_queue.conversation(next(r.session_id for r in raw_items.values() if r.buyer == BUYER))
        assert {h.buyer_nick for h in search(owner, PHONE).hits} == {BUYER, "买家丙"}  # a message and a review
    with open_store(team.agent_url) as store:
        assert (store.team_role, store.derived_read_only) == ("客服", True)
        items = {r.id: r for r in store.risk_queue.item_page(FlagFilter(statuses=()))}
        assert items.keys() == raw_items.keys() and items
        for flag_id, row in items.items():
            raw = raw_items[flag_id]
            assert row.buyer == mask_nick(raw.buyer)
            assert row.text == (mask_text(raw.text) if raw.text is not None else None)
            assert row.spans == raw.spans  # same length: the evidence still marks the right words
        assert "买*甲" in {r.buyer for r in items.values()}
        assert any(PHONE in (r.text or "") for r in raw_items.values())
        assert not any(PHONE in (r.text or "") for r in items.values())
        conv = store.risk_queue.conversation(raw_conv.session.id)
        assert conv.session.buyer == "买*甲"
        texts = "\n".join(m.content for m in conv.messages)
        assert PHONE not in texts and "138****5678" in texts and "收货人：张**" in texts
        assert [m.sender for m in conv.messages if m.role == "buyer"] == ["买*甲", "买*甲"]
        assert [m.sender for m in conv.messages if m.role == "agent"] == ["甲店:小美", "甲店:小美"]
        hits = search(store, "12315投诉").hits  # three characters and more: through the masked texts' index
        assert hits and all(PHONE not in h.text and h.buyer_nick == "买*甲" for h in hits)
        assert search(store, PHONE).hits == []  # what is masked cannot be found either
        reader = store.reader()  # the GUI thread's connection reads the same views
        try:
            assert {r.buyer for r in reader.risk_queue.item_page(FlagFilter(statuses=()))} == {
                r.buyer for r in items.values()
            }
        finally:
            reader.close()


def test_texts_written_later_are_masked_for_the_agent_and_found_by_short_searches(own_team: Team) -> None:
    """The 客服 reads the searched texts from their stored masked copies: a message the 店主 writes later
    is masked when written (and again when edited), and one- and two-character searches read those
    copies instead of masking every text per query."""
    text = f"运费谁出？电话{PHONE}"
    with open_store(own_team.owner_url) as owner:
        with owner.transaction():
            shop = owner.shops.get_or_create("taobao", "甲店")
            owner.chats.insert_sessions(
                shop.id, None, [_session("later", BUYER, [("buyer", BUYER, "2024-06-01 09:00:00", text)], 900)]
            )
        (mid,) = owner.conn.execute("SELECT id FROM chat_messages WHERE content = ?", (text,)).fetchone()
    with open_store(own_team.agent_url) as agent:
        hits = {h.target_id: h.text for h in search(agent, "运费").hits}
        assert hits[mid] == mask_text(text) and PHONE not in hits[mid]
        view = agent.conn.execute("SELECT pg_get_viewdef(?::regclass)", (f"{MASKED_SCHEMA}.chat_messages",))
        assert "content_masked AS content" in view.fetchone()[0]  # no mask_text call per text read
    with open_store(own_team.owner_url) as owner, owner.transaction():
        owner.conn.execute("UPDATE chat_messages SET content = ? WHERE id = ?", (f"改了：{PHONE}", mid))
    with open_store(own_team.agent_url) as agent:
        assert {h.target_id: h.text for h in search(agent, "改了").hits}[mid] == mask_text(f"改了：{PHONE}")


def test_an_agent_reconnected_after_the_server_ended_the_session_still_reads_masked(team: Team, pg_cluster) -> None:
    import psycopg

    with open_store(team.agent_url) as store:

        def texts() -> set[str]:
            return {r[0] for r in store.conn.execute("SELECT content FROM chat_messages")}

        masked = texts()
        with psycopg.connect(pg_cluster.admin_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (team.agent,))
        assert texts() == masked and not any(PHONE in t for t in masked if t)
        assert store.team_role == "客服"


def test_agent_triages_notes_and_answers(team: Team) -> None:
    with open_store(team.agent_url) as store:
        item = store.risk_queue.item_page(FlagFilter())[0]
        run_op(triage.set_status, store, item.flag_ids, "已处理", handler="小王")
        run_op(triage.set_note, store, item.flag_ids, "已电话回访", handler="小王")
        if item.session_id is not None:
            run_op(session_review.set_note, store, item.session_id, "回访过")
    with open_store(team.owner_url) as owner:
        flag = owner.risk_queue.flag(item.id)
        assert (flag.status, flag.note, flag.handler) == ("已处理", "已电话回访", "小王")
        cluster = owner.faq.create_cluster("什么时候发货")
    with open_store(team.agent_url) as store:
        run_op(faq.save_answer, store, cluster, "亲，48小时内发货")
    with open_store(team.owner_url, mode="ro") as owner:
        assert owner.faq.cluster(cluster)["recommended_answer"] == "亲，48小时内发货"


def test_the_database_refuses_an_agent_what_only_the_owner_may(team: Team, tmp_path: Path) -> None:
    with open_store(team.owner_url) as owner:
        before = owner.counts()
        cluster = owner.faq.create_cluster("能便宜点吗")
    with open_store(team.agent_url) as store:
        for op in (buyer_data.preview, buyer_data.delete):  # refused by name first: the 客服 sees nicks masked
            with pytest.raises(CxdeskError, match="只能由店主进行"):
                run_op(op, store, mask_nick(BUYER))
        with pytest.raises(PermissionDeniedError, match="客服.*删除") as exc, store.transaction():
            store.buyer_data.delete(BUYER)  # and by the server, past the app
        _refused_by_server(exc)
        with pytest.raises(PermissionDeniedError, match="客服.*导入数据") as exc:
            run_op(
                imports.import_file,
                store,
                FIXTURES / "seller_reviews.csv",
                kind="reviews",
                platform="taobao",
                shop="甲店",
            )
        _refused_by_server(exc)
        with pytest.raises(PermissionDeniedError, match="客服.*运行分析") as exc:
            run_op(analyze.analyze, store, workers=1)
        _refused_by_server(exc)
        with pytest.raises(PermissionDeniedError, match="查看未隐藏的买家个人信息") as exc:
            store.conn.execute("SELECT buyer_nick FROM public.chat_sessions").fetchall()
        _refused_by_server(exc)
        with pytest.raises(PermissionDeniedError, match="整理常见问题") as exc:
            run_op(faq.rename, store, cluster, "改名")
        _refused_by_server(exc)
        with pytest.raises(PermissionDeniedError, match="客服.*运行分析") as exc:  # a masked column of a view
            store.conn.execute("UPDATE risk_flags SET evidence = NULL")
        _refused_by_server(exc, psycopg.errors.FeatureNotSupported)
        with pytest.raises(PermissionDeniedError) as exc:
            store.conn.execute("UPDATE risk_flags SET rule_id = 'x'")  # not a triage column
        _refused_by_server(exc)
    # psql-like access with the 客服's login: the base tables are closed whatever the search path
    with psycopg.connect(team.agent_url, autocommit=True) as raw:
        for sql in (
            "SELECT buyer_nick FROM public.chat_sessions",
            "SELECT content FROM public.chat_messages",
            "SELECT * FROM public.orders",
            f"CREATE VIEW {MASKED_SCHEMA}.peek AS SELECT 1",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(sql)
        assert raw.execute("SELECT count(*) FROM chat_sessions WHERE buyer_nick = %s", (BUYER,)).fetchone()[0] == 0
    with open_store(team.owner_url, mode="ro") as owner:
        assert owner.buyer_data.preview(BUYER, None).sessions == 1  # nothing was deleted
        assert owner.counts() == before
        assert owner.faq.cluster(cluster)["label"] == "能便宜点吗"


def test_the_window_offers_each_role_what_it_may_do(qtbot, team: Team) -> None:
    """A 客服 sees who it is, and the buttons of what only the 店主 may do (import, analyse, delete a
    buyer's data) are off with the reason, instead of a refusal after the work was asked for."""
    from ui.app import create_main_window
    from ui.workers import active_jobs

    for url, role, may in ((team.agent_url, "客服", False), (team.owner_url, "店主", True)):
        with open_store(url) as store:
            window = create_main_window(store)
            qtbot.addWidget(window)
            buyer = window.pages["settings"].buyer_data_button
            imports_page = window.pages["import"]
            assert window.db_label.text().endswith(f"（{role}）")
            assert window.analyze_button.isEnabled() == may and imports_page.add_button.isEnabled() == may
            assert buyer.isEnabled() == may and imports_page.acceptDrops() == may
            assert imports_page.history.may_undo == may  # 导入历史's 撤销此批次 stays off for a 客服
            if not may:
                assert "客服" in window.analyze_button.toolTip() and "只有店主" in buyer.toolTip()
                assert "由店主进行" in imports_page.hint_label.text()
                assert "客服" in imports_page.history.undo_button.toolTip()
            qtbot.waitUntil(lambda: not active_jobs(), timeout=20_000)
            window.close()


def test_agent_export_with_personal_data_kept_reveals_none(team: Team, tmp_path: Path) -> None:
    """The export reads the views: --keep-personal gives a 客服 masked data, and the file and the message say so."""
    out = tmp_path / "messages.csv"
    with open_store(team.agent_url) as store:
        done = run_op(export.export_table, store, "messages", out, keep_personal=True)
    text = out.read_text(encoding="utf-8-sig")
    assert "未隐藏" not in done.summary and "未隐藏" not in text
    assert PHONE not in text and BUYER not in text and "张三丰" not in text and "文三路100号" not in text
    assert "138****5678" in text and "买*甲" in text
    mine = tmp_path / "owner.csv"
    with open_store(team.owner_url) as store:
        run_op(export.export_table, store, "messages", mine, keep_personal=True)
    kept = mine.read_text(encoding="utf-8-sig")
    assert PHONE in kept and BUYER in kept


def test_an_agent_never_migrates_and_is_told_to_ask_the_owner(own_team: Team, pg_cluster) -> None:
    last = int(pg_cluster.psql("SELECT max(version) FROM cxdesk_migrations", own_team.name))
    pg_cluster.psql(f"DELETE FROM cxdesk_migrations WHERE version = {last}", own_team.name)  # as if one is due
    with pytest.raises(StoreError, match="升级只能由店主的账号进行，你的账号是客服"):
        open_store(own_team.agent_url)
    pg_cluster.psql(f"INSERT INTO cxdesk_migrations(version) VALUES ({last})", own_team.name)
    # A column added by someone else (a newer schema): the 客服 views are behind until a 店主 opens.
    pg_cluster.psql(f"ALTER TABLE orders ADD COLUMN receiver TEXT; ALTER TABLE orders OWNER TO {OWNER_GROUP}", own_team.name)  # fmt: skip
    with pytest.raises(StoreError, match="店主"):
        open_store(own_team.agent_url)
    with open_store(own_team.owner_url):
        pass
    with open_store(own_team.agent_url) as store:
        assert "receiver" in [r[1] for r in store.conn.execute("PRAGMA table_info(orders)").fetchall()]


# --- a 店主 ----------------------------------------------------------------------------------------


def test_owner_does_everything(own_team: Team, tmp_path: Path) -> None:
    with open_store(own_team.owner_url) as store:
        assert (store.team_role, store.derived_read_only) == ("店主", False)
        assert store.conn.execute(
            "SELECT buyer_nick FROM public.chat_sessions WHERE buyer_nick = ?", (BUYER,)
        ).fetchone()
        summary = run_op(
            imports.import_file, store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao", shop="甲店"
        )
        assert summary.changed
        item = store.risk_queue.item_page(FlagFilter())[0]
        assert item.buyer in (BUYER, "买家乙", "买家丙")
        run_op(triage.set_status, store, item.flag_ids, "误报", handler="老板")
        store.conn.execute("DELETE FROM orders WHERE buyer_nick = ?", (BUYER,))  # what a buyer delete runs
        owners = {
            r[0]
            for r in store.conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname IN ('public', 'cxdesk_masked')"
            )
        }
        assert owners == {OWNER_GROUP}  # what any 店主 made belongs to the group: the next one can migrate
    with open_store(own_team.agent_url, mode="ro") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0


def test_owner_deletes_a_buyers_data(own_team: Team) -> None:
    with open_store(own_team.owner_url) as store:
        deleted = run_op(buyer_data.delete, store, BUYER).value
        assert deleted.sessions == 1 and deleted.orders == 1
    with open_store(own_team.agent_url, mode="ro") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM chat_sessions").fetchone()[0] == 1


def test_another_database_on_the_same_server_works_without_roles_until_set_up(team: Team, pg_cluster, capsys) -> None:
    """The groups are the server's: a second database there (another shop, a test copy) opens and imports
    as one without roles, and add-user says to run store roles on it first."""
    name = f"{team.name}_second"
    pg_cluster.create_database(name)
    admin = team.admin.rsplit("/", 1)[0] + "/" + name
    try:
        with open_store(admin) as store:
            summary = run_op(
                imports.import_file, store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao"
            )
            assert summary.value.rows_added > 0 and store.counts().reviews == summary.value.rows_added
        capsys.readouterr()
        assert _cli(["store", "add-user", "--db", admin, "--name", "x" + team.agent, "--role", "客服", "--password-stdin"], "pw-secret-1\n") != 0  # fmt: skip
        assert "还没有设置角色" in capsys.readouterr().err
    finally:
        pg_cluster.drop_database(name)


def test_logins_and_passwords(team: Team, pg_cluster) -> None:
    rows = pg_cluster.psql(
        f"SELECT rolname, left(rolpassword, 14) FROM pg_authid WHERE rolname IN ('{team.owner}', '{team.agent}') ORDER BY 1"
    )
    assert all(line.split("|")[1] == "SCRAM-SHA-256$" for line in rows.split())  # never stored in plain text
    assert _cli(["store", "add-user", "--db", team.admin, "--name", team.agent, "--role", "客服", "--password-stdin"], "short\n") == 1  # fmt: skip
    assert _cli(["store", "add-user", "--db", team.admin, "--name", "Bad-Name", "--role", "客服", "--password-stdin"], "long-enough-1\n") == 1  # fmt: skip
    assert _cli(["store", "roles", "--db", team.owner_url]) == 1  # a 店主 is no administrator
    assert _cli(["store", "roles", "--db", team.admin]) == 0  # again: nothing breaks
    groups = pg_cluster.psql(
        f"SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        f"JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '{team.agent}'"
    ).split()
    assert groups == [AGENT_GROUP]
    with open_store(team.agent_url, mode="ro") as store:
        assert store.risk_queue.has_flags()


def test_roles_on_a_team_store_made_before_them(pg_url: str, pg_cluster, personal_db: Path) -> None:
    """A team database filled before ``store roles`` (its tables belong to the login that made them)."""
    with open_store(personal_db, mode="ro") as src, open_store(pg_url) as dst:
        assert copy_store(src, dst).ok
    name = pg_url.rsplit("/", 1)[1]
    port = int(pg_cluster.admin_url.rsplit(":", 1)[1].split("/")[0])
    team = Team(name, f"postgresql://postgres@127.0.0.1:{port}/{name}", "", f"late{os.getpid()}", port)
    try:
        assert _cli(["store", "roles", "--db", team.admin]) == 0
        assert _cli(["store", "add-user", "--db", team.admin, "--name", team.agent, "--role", "客服", "--password-stdin"], "agent-secret-1\n") == 0  # fmt: skip
        owners = pg_cluster.psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'", name).split()
        assert owners == [OWNER_GROUP]
        with open_store(team.agent_url) as store:
            buyers = {r.buyer for r in store.risk_queue.item_page(FlagFilter(statuses=()))}
            assert "买*甲" in buyers and BUYER not in buyers
    finally:
        pg_cluster.psql(f"DROP ROLE IF EXISTS {team.agent}")
