"""``main.py import``: summaries, exit codes, --map, --list and --undo."""

from __future__ import annotations

from pathlib import Path

from cxdesk.cli import main
from cxdesk.store import open_store


def test_import_several_files_one_fails(db_path, fixtures_dir: Path, capsys):
    imp = fixtures_dir / "import"
    rc = main(
        [
            "import",
            str(imp / "qianniu.txt"),
            str(imp / "image_renamed.csv"),
            str(imp / "orders.csv"),
            "--db",
            str(db_path),
            "--quiet",
        ]
    )
    out, err = capsys.readouterr()
    assert rc == 1
    assert "千牛聊天记录（客户端复制文本）" in out and "新增 7" in out and "新增 3" in out
    assert "PNG 图片" in err
    with open_store(db_path) as s:
        assert s.counts().chat_messages == 7 and s.counts().orders == 3


def test_import_map_list_and_undo(db_path, fixtures_dir: Path, capsys, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("评论,评语\n好看,不好看\n", encoding="gbk")
    assert main(["import", str(f), "--db", str(db_path), "--map", "content=评语", "--kind", "reviews", "--quiet"]) == 0
    assert main(["import", "--list", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "r.csv" in out and "reviews" in out
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 0
    assert "已撤销批次 1" in capsys.readouterr().out
    with open_store(db_path) as s:
        assert s.counts().reviews == 0
    assert main(["import", "--undo", "1", "--db", str(db_path)]) == 1
