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
    for name in ("demo", "stats"):
        assert name in out.stdout


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
