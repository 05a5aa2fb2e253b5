"""Files that leave the app: never written over the database, and buyers' personal data masked by default.

One small store seeded with known personal data (a phone number, an ID
number, an e-mail, a receiver's name and street) serves every test; nothing
is analysed, the exports join what there is.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from cxdesk.cli import main
from cxdesk.errors import CxdeskError
from cxdesk.exports import export_table
from cxdesk.outpaths import OutputPathError, atomic_output, check_output_path
from cxdesk.store import open_store
from cxdesk.tasks import TaskContext

PHONE, ID_NUMBER, EMAIL = "13812345678", "11010519491231002X", "zhangsan.li@qq.com"
NAME, STREET, NICK = "张三丰", "文三路", "tb_zhangsan88"
PERSONAL = (PHONE, ID_NUMBER, EMAIL, NAME, STREET, NICK)
LEAK = f"收货人：{NAME}，电话{PHONE}，身份证{ID_NUMBER}，邮箱 {EMAIL}，地址：杭州市西湖区{STREET}100号3栋201室"
EXPORT_KINDS = ("reviews", "messages", "sessions", "flags", "faq", "faq-members", "agents")


def _seed(path: Path) -> None:
    with open_store(path) as store, store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        reviews = [
            {
                "review_key": f"n{i}",
                "content": f"衣服起球严重，{LEAK}",
                "rating": 1,
                "buyer_nick": NICK,
                "created_at": f"2024-06-{10 + i:02d} 10:00:00",
            }
            for i in range(6)
        ]
        reviews.append(
            {
                "review_key": "old",
                "content": "起球一点点",
                "rating": 4,
                "buyer_nick": "lisi",
                "created_at": "2024-05-20 10:00:00",
            }
        )
        store.reviews.insert_many(shop.id, None, reviews)
        store.chats.insert_sessions(
            shop.id,
            None,
            [
                {
                    "session_key": "s1",
                    "buyer_nick": NICK,
                    "messages": [
                        {
                            "msg_hash": 1,
                            "seq": 1,
                            "role": "buyer",
                            "sender": NICK,
                            "sent_at": "2024-06-12 10:00:00",
                            "content": LEAK + " 不处理我就投诉",
                        },
                        {
                            "msg_hash": 2,
                            "seq": 2,
                            "role": "agent",
                            "sender": "店:小李",
                            "sent_at": "2024-06-12 10:01:00",
                            "content": "亲，马上为您处理",
                        },
                    ],
                }
            ],
        )
        mid = store.conn.execute("SELECT id FROM chat_messages WHERE seq = 1").fetchone()[0]
        store.conn.execute(
            "INSERT INTO risk_flags(target_type, target_id, rule_id, category, level, evidence, note, "
            "rules_version) VALUES ('message', ?, 'r', '投诉', '高', ?, ?, 'v')",
            (mid, f"电话{PHONE}", f"已回电 {PHONE}"),
        )
        cid = store.conn.execute(
            "INSERT INTO faq_clusters(label, keywords, size, recommended_answer) VALUES (?, ?, 1, ?)",
            (f"能改地址吗 电话{PHONE}", json.dumps(["改地址"]), f"已改好，收件人{NAME}，电话{PHONE}"),
        ).lastrowid
        store.conn.execute(
            "INSERT INTO faq_members(message_id, cluster_id, question_norm, question, asked_at) "
            "VALUES (?, ?, '能改地址吗', ?, '2024-06-12 10:00:00')",
            (mid, cid, LEAK),
        )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    """The seeded store, named ``shop.xlsx``: any writer's extension check accepts it as an output."""
    path = tmp_path_factory.mktemp("safety") / "shop.xlsx"
    _seed(path)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _argv(kind: str, db: Path, out: Path, source: Path) -> list[str]:
    if kind == "report":
        return ["report", "--db", str(db), "--from", "2024-06-01", "--to", "2024-06-30", "--out", str(out)]
    if kind == "cluster":
        return ["--db", str(db), "cluster", str(source), "--column", "text", "--out", str(out)]
    return ["export", kind, "--db", str(db), "--out", str(out)]


@pytest.mark.parametrize("kind", [*EXPORT_KINDS, "report", "cluster"])
def test_no_writer_overwrites_the_database(kind: str, seeded: Path, tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.csv"
    source.write_text("text\n在吗\n", encoding="utf-8")
    before = _digest(seeded)
    for out, what in ((seeded, "数据库"), (seeded.with_name(seeded.name + "-wal"), "-wal")):
        assert main(_argv(kind, seeded, out, source)) == 1
        err = capsys.readouterr().err
        assert "错误：" in err and what in err and "未改动" in err and "Traceback" not in err
    assert _digest(seeded) == before
    assert not seeded.with_name(seeded.name + "-wal").exists()


def test_links_other_databases_folders_and_the_input_are_refused(seeded: Path, tmp_path: Path) -> None:
    hard = tmp_path / "hard.csv"
    os.link(seeded, hard)
    soft = tmp_path / "soft.csv"
    soft.symlink_to(seeded)
    other = tmp_path / "other.csv"
    shutil.copyfile(seeded, other)  # another SQLite database, not the one open
    for out in (hard, soft, tmp_path / "soft.csv-shm"):
        with pytest.raises(OutputPathError, match="数据库"):
            check_output_path(out, store=seeded)
    with pytest.raises(OutputPathError, match="SQLite"):
        check_output_path(other, store=seeded)
    with pytest.raises(OutputPathError, match="文件夹"):
        check_output_path(tmp_path, store=seeded)
    (seeded.parent / "backups").mkdir(exist_ok=True)
    with pytest.raises(OutputPathError, match="备份"):
        check_output_path(seeded.parent / "backups" / "x.csv", store=seeded)
    with pytest.raises(OutputPathError, match="输入文件"):
        check_output_path(tmp_path / "a" / ".." / "in.csv", inputs=[tmp_path / "in.csv"])
    assert check_output_path(tmp_path / "ok.csv", store=seeded) == tmp_path / "ok.csv"


def test_a_failed_write_leaves_the_old_file_and_no_part(tmp_path: Path) -> None:
    out = tmp_path / "old.csv"
    out.write_text("keep", encoding="utf-8")
    with pytest.raises(CxdeskError, match="原有的同名文件未改动"):
        with atomic_output(out) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise OSError(28, "No space left on device")
    assert out.read_text(encoding="utf-8") == "keep" and list(tmp_path.iterdir()) == [out]


def _csv_text(path: Path) -> str:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return "\n".join(",".join(row) for row in csv.reader(fh))


@pytest.mark.parametrize("kind", ["reviews", "messages", "sessions", "flags", "faq", "faq-members"])
def test_exports_mask_personal_data_unless_kept(kind: str, seeded: Path, tmp_path: Path) -> None:
    masked, kept = tmp_path / "masked.csv", tmp_path / "kept.csv"
    summary = export_table(TaskContext(), seeded, kind, masked)
    assert summary.rows and summary.masked and "已隐藏个人信息" in summary.describe()
    text = _csv_text(masked)
    assert not [p for p in PERSONAL if p in text], text
    assert "起球" in text or kind not in ("reviews",)  # the complaint itself stays readable
    summary = export_table(TaskContext(), seeded, kind, kept, keep_personal=True)
    assert summary.masked is False and "请勿外传" in summary.describe()
    assert [p for p in PERSONAL if p in _csv_text(kept)]


def test_cli_says_it_masked_and_xlsx_has_a_note(seeded: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "m.xlsx"
    assert main(["export", "messages", "--db", str(seeded), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "已隐藏个人信息（买家昵称、手机号、身份证号、邮箱、姓名、地址）" in printed and "--keep-personal" in printed
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["data", "说明"] and "已隐藏个人信息" in book["说明"]["A1"].value
    cells = " ".join(str(c) for row in book["data"].iter_rows(values_only=True) for c in row)
    assert not [p for p in PERSONAL if p in cells]


@pytest.mark.parametrize("keep", [False, True])
def test_report_keywords_never_hold_a_name_or_street(keep: bool, seeded: Path) -> None:
    from cxdesk.reports.content import _emerging_table
    from cxdesk.store.voc import VocFilter

    with open_store(seeded) as store:
        table = _emerging_table(store, VocFilter(date_from=date(2024, 6, 1), date_to=date(2024, 6, 30)), keep)
    terms = [row[1] for row in table.rows]
    assert "起球" in terms  # the real complaint is found …
    # … but no part of the receiver's name, street or district, even when personal data is kept
    assert not [t for t in terms if "*" in t or set(t) & set(NAME + STREET) or t in ("西湖区", "杭州市")], terms


def test_report_dialog_refuses_the_database_and_asks_before_replacing(
    qtbot, seeded: Path, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from cxdesk.store.dashboard import DashboardFilter
    from ui.widgets.report_dialog import ReportDialog

    dialog = ReportDialog(DashboardFilter(date(2024, 6, 1), date(2024, 6, 30)), "全部店铺", tmp_path, store_path=seeded)
    qtbot.addWidget(dialog)
    dialog.format_combo.setCurrentIndex(1)  # .xlsx: the store's own extension
    dialog.path_edit.setText(str(seeded))
    dialog._accept()
    assert "数据库" in dialog.error_label.text() and dialog.result() != dialog.DialogCode.Accepted
    existing = tmp_path / "old.xlsx"
    existing.write_bytes(b"old")
    asked: list[str] = []

    def answer(choice):
        return lambda *args, **kw: asked.append(args[2]) or choice

    dialog.path_edit.setText(str(existing))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer(QMessageBox.StandardButton.No)))
    dialog._accept()
    assert asked and "已经存在" in asked[0] and dialog.result() != dialog.DialogCode.Accepted
    monkeypatch.setattr(QMessageBox, "question", staticmethod(answer(QMessageBox.StandardButton.Yes)))
    dialog._accept()
    assert len(asked) == 2 and dialog.result() == dialog.DialogCode.Accepted


def test_save_dialog_refuses_the_database(qtbot, seeded: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

    from ui.widgets.save_path import ask_save_path

    parent = QWidget()
    qtbot.addWidget(parent)
    warned: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(seeded), "")))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warned.append(a[2])))
    assert ask_save_path(parent, "导出", "x.xlsx", "Excel (*.xlsx)", seeded) is None
    assert warned and "数据库" in warned[0]


def test_cluster_of_a_file_with_only_a_header_says_so_and_writes_nothing(tmp_path: Path, capsys) -> None:
    """A column export with no rows (e.g. faq-members of a store without FAQ) is a message, not a traceback."""
    source = tmp_path / "空.csv"
    source.write_text("session_id,text\n", encoding="utf-8-sig")
    out = tmp_path / "out.csv"
    code = main(["--db", str(tmp_path / "x.sqlite3"), "cluster", str(source), "--column", "text", "--out", str(out)])
    assert code == 1
    assert "没有数据行" in capsys.readouterr().err
    assert not out.exists()
