"""The CLI entry point, run as a user runs it: ``python main.py ...``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_help_lists_subcommands() -> None:
    out = _run("--help")
    assert out.returncode == 0
    for name in ("demo", "stats", "buyer"):
        assert name in out.stdout


def test_reading_commands_on_a_missing_database_say_so_and_create_nothing(tmp_path: Path) -> None:
    db = tmp_path / "none.sqlite3"
    out = _run("report", "--db", str(db), "--out", str(tmp_path / "r.html"))
    assert out.returncode == 1 and f"数据库文件不存在：{db}" in out.stderr
    out = _run("export", "agents", "--db", str(db), "--out", str(tmp_path / "a.csv"))
    assert out.returncode == 1 and f"数据库文件“{db}”不存在" in out.stderr
    assert not db.exists() and not list(tmp_path.glob("*.sqlite3*"))


def test_buyer_delete_as_a_user_runs_it(tmp_path: Path) -> None:
    db = tmp_path / "cx.sqlite3"
    chats = ROOT / "tests" / "fixtures" / "import" / "qianniu_export.csv"
    assert _run("import", str(chats), "--db", str(db), "--quiet").returncode == 0
    shown = _run("buyer", "show", "--nick", "tb_alice", "--db", str(db))
    assert shown.returncode == 0 and "将删除所有店铺中买家“tb_alice”的数据：会话 1" in shown.stdout
    deleted = _run("buyer", "delete", "--nick", "tb_alice", "--yes", "--db", str(db))
    assert deleted.returncode == 0 and "已删除所有店铺中买家“tb_alice”的数据" in deleted.stdout
    stats = json.loads(_run("stats", "--json", "--db", str(db)).stdout)
    assert stats["chat_sessions"] == 1  # tb_bob's stays
    again = _run("buyer", "delete", "--nick", "tb_alice", "--yes", "--db", str(db))
    assert again.returncode == 0 and "没有买家“tb_alice”的数据" in again.stdout


def test_stats_on_new_database(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    out = _run("stats", "--db", str(db), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["reviews"] == 0 and data["chat_messages"] == 0 and data["schema_version"] >= 1
    assert db.exists()
    assert data["shop_list"] == []


def test_stats_lists_the_shop_ids_report_takes(tmp_path: Path) -> None:
    from cxdesk.store import open_store

    db = tmp_path / "shops.sqlite3"
    with open_store(db) as store, store.transaction():
        store.shops.get_or_create("jd", "京东小店")
    out = _run("stats", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "店铺编号" in out.stdout and "京东小店" in out.stdout and "京东" in out.stdout
    data = json.loads(_run("stats", "--db", str(db), "--json").stdout)
    assert data["shop_list"] == [{"id": 1, "platform": "jd", "name": "京东小店"}]


def test_db_option_before_subcommand(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    out = _run("--db", str(db), "stats")
    assert out.returncode == 0, out.stderr
    assert str(db) in out.stdout


def test_corrupt_db_is_refused_with_message_and_left_alone(tmp_path: Path) -> None:
    bad = tmp_path / "photo.sqlite3"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    before = hashlib.sha256(bad.read_bytes()).hexdigest()
    out = _run("stats", "--db", str(bad))
    assert out.returncode != 0
    assert "不是 cxdesk 数据库" in out.stderr
    assert "Traceback" not in out.stderr
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == before


def test_unwritable_db_location_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = _run("stats", "--db", str(blocker / "db.sqlite3"))
    assert out.returncode != 0
    assert "无法创建数据库所在文件夹" in out.stderr
