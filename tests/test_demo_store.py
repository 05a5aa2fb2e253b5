"""The demo's own database, and 清除演示数据 on a store that holds demo batches beside the user's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxdesk.analysis.engine import analyze
from cxdesk.cli import main as cli_main
from cxdesk.demo import DEFAULT_SEED, DemoFile, clear_demo, demo_batches, generate, own_batches, write_platform_files
from cxdesk.importers import import_file
from cxdesk.paths import default_db_path, demo_db_path, is_demo_db
from cxdesk.store import Store, open_store
from cxdesk.store.backups import list_backups
from cxdesk.tasks import TaskContext

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    return write_platform_files(generate(DEFAULT_SEED), tmp_path_factory.mktemp("demo-files"))


def _demo_file(files: list[DemoFile], kind: str, platform: str) -> DemoFile:
    return next(f for f in files if f.kind == kind and f.platform == platform)


def _head(demo_file: DemoFile, folder: Path, rows: int) -> Path:
    """The first ``rows`` records of a demo CSV export (keeps the test's analysis small)."""
    import csv

    raw = demo_file.path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "gb18030"  # as the platform writes it
    head = list(csv.reader(raw.decode(encoding).splitlines()))[: rows + 1]
    out = folder / demo_file.path.name
    with open(out, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(head)
    return out


def _rows(store: Store, sql: str) -> set[tuple]:
    return set(store.conn.execute(sql).fetchall())


OWN_REVIEWS = "SELECT review_key, content FROM reviews"
OWN_MESSAGES = "SELECT s.buyer_nick, m.seq, m.content FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id"


@pytest.fixture
def mixed_store(db_path: Path, demo_files: list[DemoFile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's own fixture exports plus two demo batches (chats and reviews, cut short), analysed."""
    from cxdesk.analysis import sentence_vectors

    monkeypatch.setattr(sentence_vectors, "_checked", False)  # the encoder adds seconds and nothing to undo
    ctx = TaskContext()
    with open_store(db_path) as store:
        import_file(ctx, store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao", shop="我的小店")
        for kind, rows in (("reviews", 150), ("chats", 400)):
            f = _demo_file(demo_files, kind, "taobao")
            import_file(
                ctx, store, _head(f, tmp_path, rows), kind=f.kind, platform=f.platform, shop=f.shop_name, synthetic=True
            )
        import_file(ctx, store, FIXTURES / "qianniu_export.csv", kind="chats", platform="taobao", shop="我的小店")
    analyze(ctx, db_path)
    return db_path


def test_the_demo_database_is_a_file_of_its_own_beside_the_users() -> None:
    assert demo_db_path().parent == default_db_path().parent
    assert demo_db_path() != default_db_path()
    assert is_demo_db(demo_db_path()) and not is_demo_db(default_db_path())


def test_clear_demo_removes_every_demo_row_and_keeps_the_users_own(mixed_store: Path) -> None:
    with open_store(mixed_store) as store:
        own_ids = {b.id for b in own_batches(store)}
        demo_ids = {b.id for b in demo_batches(store)}
        assert len(own_ids) == 2 and len(demo_ids) == 2
        own_reviews = _rows(store, f"SELECT review_key, content FROM reviews WHERE batch_id IN {tuple(own_ids)}")
        own_messages = _rows(store, OWN_MESSAGES + f" WHERE m.batch_id IN {tuple(own_ids)}")
        own_sentiment = _rows(
            store,
            "SELECT target_type, target_id, score FROM sentiment WHERE target_id IN "
            f"(SELECT id FROM reviews WHERE batch_id IN {tuple(own_ids)})"
            " AND target_type = 'review'",
        )
        assert own_reviews and own_messages and own_sentiment
        counts = store.counts()
        assert counts.reviews > len(own_reviews) and counts.chat_messages > len(own_messages)
        assert store.conn.execute("SELECT COUNT(*) FROM risk_flags").fetchone()[0] > 0

    summary = clear_demo(TaskContext(), mixed_store)
    assert summary.batches == 2 and summary.rows_removed > 0
    assert "您自己导入的数据未受影响" in summary.describe()

    with open_store(mixed_store) as store:
        assert not store.batches.any_synthetic() and not demo_batches(store)
        assert {b.id for b in own_batches(store)} == own_ids
        # The demo shop held nothing else: it and its undone batches are gone from every list.
        assert not {b.id for b in store.batches.all()} & demo_ids
        assert [s.name for s in store.shops.all()] == ["我的小店"]
        # Exactly the user's rows remain, with their analysis; nothing of the demo's.
        assert _rows(store, OWN_REVIEWS) == own_reviews
        assert _rows(store, OWN_MESSAGES) == own_messages
        assert (
            _rows(store, "SELECT target_type, target_id, score FROM sentiment WHERE target_type = 'review'")
            == own_sentiment
        )
        assert (
            store.conn.execute(
                "SELECT COUNT(*) FROM chat_sessions WHERE id NOT IN (SELECT session_id FROM chat_messages)"
            ).fetchone()[0]
            == 0
        )
        for table, kind in (("reviews", "review"), ("chat_messages", "message"), ("chat_sessions", "session")):
            orphans = store.conn.execute(
                f"SELECT COUNT(*) FROM risk_flags WHERE target_type = ? AND target_id NOT IN (SELECT id FROM {table})",
                (kind,),
            ).fetchone()[0]
            assert orphans == 0, table
        assert store.counts().reviews == len(own_reviews)
    # One backup, taken before anything went, holds the demo rows.
    backups = list_backups(mixed_store)
    assert [b.id for b in backups] == [summary.backup_id]
    assert backups[0].label.startswith("撤销导入批次")
    with open_store(backups[0].path) as before:
        assert before.batches.any_synthetic()

    again = clear_demo(TaskContext(), mixed_store)
    assert again.batches == 0 and "没有演示数据" in again.describe()


def test_cli_demo_builds_its_own_database_and_clear_leaves_own_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], demo_files: list[DemoFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cxdesk.demo as demo_module

    built: list[Path] = []

    def fake_build(ctx, db_path, *, seed):  # the real build is covered in test_demo.py
        built.append(Path(db_path))
        return type("S", (), {"describe": lambda self: "已生成合成的演示数据"})()

    monkeypatch.setattr(demo_module, "build_demo", fake_build)
    assert cli_main(["demo", "--quiet"]) == 0
    assert built == [demo_db_path()]
    assert cli_main(["demo", "--quiet", "--db", str(tmp_path / "x.sqlite3")]) == 0
    assert built[-1] == tmp_path / "x.sqlite3"
    assert not default_db_path().exists()  # the user's store was never touched

    # --clear on the user's store (the default for --clear).
    ctx = TaskContext()
    with open_store(default_db_path()) as store:
        import_file(ctx, store, FIXTURES / "seller_reviews.csv", kind="reviews", platform="taobao", shop="我的小店")
        f = _demo_file(demo_files, "orders", "taobao")
        import_file(ctx, store, f.path, kind=f.kind, platform=f.platform, shop=f.shop_name, synthetic=True)
        own = _rows(store, OWN_REVIEWS)
    capsys.readouterr()
    assert cli_main(["demo", "--clear", "--quiet"]) == 0
    assert "已清除演示数据" in capsys.readouterr().out
    with open_store(default_db_path()) as store:
        assert store.counts().orders == 0 and _rows(store, OWN_REVIEWS) == own
        assert not store.batches.any_synthetic()


def test_demo_help_documents_the_new_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli_main(["demo", "--help"])
    out = capsys.readouterr().out
    for option in ("--db", "--seed", "--quiet", "--clear"):
        assert option in out
    assert "demo.sqlite3" in out


def test_a_shop_with_own_rows_is_kept(store: Store) -> None:
    with store.transaction():
        kept = store.shops.get_or_create("taobao", "有数据的店")
        empty = store.shops.get_or_create("jd", "空店")
        store.reviews.insert_many(kept.id, None, [{"review_key": "k1", "content": "好"}])
        assert store.shops.delete_unused([kept.id, empty.id, empty.id]) == [empty.id]
    assert [s.name for s in store.shops.all()] == ["有数据的店"]
