"""Broken and hostile containers (XLSX, ZIP, JSON) end in a Chinese message, never a traceback.

Every case of :mod:`tests.hostile_files` goes through the CLI (``import FILE --db X``,
in-process) against a store that already holds one small import: a refused file exits 1
with a message in Chinese and leaves the counts and the batch list exactly as they were.
The wizard's calls (detect, preview) raise ImportFormatError or nothing. The last-resort
guard in the pipeline turns a reader's surprise into a message and rolls back, but lets
the store's own errors and a cancel through.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

import hostile_files as hf
from cxdesk.cli import main
from cxdesk.errors import Cancelled, ImportFormatError
from cxdesk.importers import detect, import_file, preview
from cxdesk.store import open_store
from cxdesk.tasks import NullContext

CHINESE = re.compile("[\u4e00-\u9fff]")
BASE_CSV = (
    "评价内容,评分,评价时间,用户昵称\n质量很好,5,2024-03-01 10:00:00,买家甲\n有点小,3,2024-03-02 11:00:00,买家乙\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: build(folder / f"{name}{hf.extension(name)}") for name, build in hf.ALL.items()}


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding one small review import (copied for each test)."""
    folder = tmp_path_factory.mktemp("base")
    src = folder / "base.csv"
    src.write_text(BASE_CSV, encoding="utf-8")
    db = folder / "base.sqlite3"
    with open_store(db) as store:
        assert import_file(NullContext(), store, src).rows_added == 2
    return db


@pytest.fixture
def db(base_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "store.sqlite3"
    shutil.copyfile(base_db, copy)
    return copy


def _state(db: Path) -> tuple:
    with open_store(db) as store:
        batches = [(b.id, b.status, b.file_name, b.rows_added) for b in store.batches.all()]
        return store.counts(), batches


def _cli_import(path: Path, db: Path, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    rc = main(["import", str(path), "--db", str(db), "--quiet"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, err


@pytest.mark.parametrize("case", sorted(hf.REFUSED))
def test_cli_refuses_with_a_chinese_message_and_leaves_the_store(case, hostile, db, capsys):
    before = _state(db)
    assert before[0].reviews == 2 and len(before[1]) == 1  # the earlier import is there
    rc, err = _cli_import(hostile[case], db, capsys)
    assert rc == 1
    message = err.split("：", 2)[-1]
    assert CHINESE.search(message) and hostile[case].name in message, err
    assert _state(db) == before


@pytest.mark.parametrize("case", sorted(hf.PARTIAL))
def test_cli_imports_the_readable_records_and_rejects_the_rest(case, hostile, db, capsys):
    before_counts, before_batches = _state(db)
    rc, _ = _cli_import(hostile[case], db, capsys)
    assert rc == 0
    with open_store(db) as store:
        batch = store.batches.all()[0]
        assert batch.id not in {b[0] for b in before_batches} and batch.rows_rejected >= 1
        rejects = store.batches.rejects(batch.id)
    assert rejects and all(no and CHINESE.search(reason) for no, reason, _ in rejects)


ACCEPTED_REVIEWS = {
    "json_jsonp_comment_prefix": 1,
    "json_jsonp_plain": 1,
    "json_big_int_ids": 2,
    "xlsx_dimension_lie": 3,
}  # the last one claims A1:XFD1048576


@pytest.mark.parametrize("case", sorted(hf.ACCEPTED))
def test_cli_imports_odd_but_valid_files(case, hostile, db, capsys):
    before, _ = _state(db)
    rc, err = _cli_import(hostile[case], db, capsys)
    assert rc == 0, err
    assert _state(db)[0].reviews - before.reviews == ACCEPTED_REVIEWS[case]


@pytest.mark.parametrize("case", sorted(hf.ALL))
def test_wizard_detect_and_preview_raise_only_import_format_errors(case, hostile):
    try:
        det = detect(hostile[case])
        preview(hostile[case], det)
    except ImportFormatError as exc:
        assert CHINESE.search(str(exc)) and "Traceback" not in str(exc)


def test_defusedxml_is_what_parses_xlsx_xml():
    import openpyxl.xml
    import openpyxl.xml.functions
    from cxdesk.importers._xlsxsafe import defused_xml_active

    assert openpyxl.xml.DEFUSEDXML is True and defused_xml_active()
    assert openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


def test_xlsx_is_refused_when_defusedxml_is_not_active(hostile, monkeypatch):
    import openpyxl

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(ImportFormatError, match="defusedxml"):
        detect(hostile["xlsx_dimension_lie"])


def test_entities_are_refused_not_expanded(hostile):
    for case in ("xlsx_xxe_sheet", "xlsx_xxe_workbook", "xlsx_billion_laughs", "xlsx_billion_laughs_sheet"):
        with pytest.raises(ImportFormatError, match="实体声明") as err:
            detect(hostile[case])
        assert "root:" not in str(err.value)


def test_zip_bomb_is_refused_from_the_directory_before_inflating(hostile, monkeypatch):
    import zipfile

    def no_inflating(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_inflating)
    for case, limit in (("xlsx_zip_bomb_strings", "256 MB"), ("xlsx_zip_bomb_sheet", "2.0 GB")):
        with pytest.raises(ImportFormatError, match=f"超过导入上限 {limit}"):
            detect(hostile[case])  # refused from the directory: no member was opened


@pytest.mark.parametrize(
    "case, format_id",
    [
        ("xlsx_sheet_cut_late", "table"),
        ("xlsx_douyin_cut_late", "douyin_reviews"),
        ("xlsx_agent_report_cut_late", "agent_report"),
    ],
)
def test_a_sheet_cut_short_names_the_last_row_read(case, format_id, hostile, store):
    det = detect(hostile[case])  # the head is intact: detection works
    assert det.format_id == format_id
    with pytest.raises(ImportFormatError, match=r"第 321 行之后.*XML 不完整"):
        import_file(NullContext(), store, hostile[case], detection=det)
    assert not any(store.counts().as_dict().values()) and store.batches.all() == []


def test_xlsx_is_read_by_content_whatever_its_extension(tmp_path, store):
    f = hf.write_xlsx(tmp_path / "评价导出.xlsx.download", hf.xlsx_parts())
    assert import_file(NullContext(), store, f).rows_added == 3


def test_json_over_the_size_limit_is_refused_before_reading(hostile, monkeypatch):
    from cxdesk.importers import _jsonsrc

    monkeypatch.setattr(_jsonsrc, "MAX_JSON_BYTES", 1000)
    with pytest.raises(ImportFormatError, match="超过上限"):
        preview(hostile["json_invalid_utf8_late"])


def test_json_refusals_say_why(hostile):
    expected = {
        "json_deep_array": "嵌套层数过多",
        "json_duplicate_keys": "“content”出现了两次",
        "json_jsonp_unterminated": "不是有效的 JSON",
    }
    for case, words in expected.items():
        with pytest.raises(ImportFormatError, match=words):
            preview(hostile[case])


def _review_csv(tmp_path: Path) -> Path:
    f = tmp_path / "r.csv"
    f.write_text(BASE_CSV, encoding="utf-8")
    return f


def _fail_table_reader(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Make the table reader yield its first chunk, then raise ``exc``."""
    import dataclasses

    from cxdesk.importers import registry, table_generic

    def read(opts):
        for chunk in table_generic.read(opts):
            yield chunk
            raise exc

    spec = dataclasses.replace(table_generic.FORMAT, read=read, bulk_read=read)
    monkeypatch.setitem(registry._BY_ID, table_generic.FORMAT.id, spec)


def test_a_readers_surprise_becomes_a_message_rolled_back_and_logged(db, tmp_path, monkeypatch, _private_data_dir):
    f = _review_csv(tmp_path)
    _fail_table_reader(monkeypatch, KeyError("买家"))
    before = _state(db)
    with open_store(db) as store, pytest.raises(ImportFormatError) as err:
        import_file(NullContext(), store, f, chunk_size=1)
    msg = str(err.value)
    assert "“r.csv”" in msg and "已读取 1 行后" in msg and "KeyError" in msg and "数据库未改动" in msg
    assert _state(db) == before
    assert "Traceback" in (_private_data_dir / "cxdesk.log").read_text(encoding="utf-8")
    with pytest.raises(ImportFormatError, match="无法读取“r.csv”"):
        preview(f)


def test_a_probe_surprise_in_detect_becomes_a_message(tmp_path, monkeypatch):
    from cxdesk.importers import _pipeline

    def broken_probe(path):
        raise TypeError("unexpected")

    monkeypatch.setattr(_pipeline, "probe", broken_probe)
    with pytest.raises(ImportFormatError, match="TypeError"):
        detect(_review_csv(tmp_path))


@pytest.mark.parametrize("exc", [sqlite3.OperationalError("database or disk is full"), Cancelled()])
def test_store_errors_and_cancel_pass_through_the_guard(exc, db, tmp_path, monkeypatch):
    _fail_table_reader(monkeypatch, exc)
    before = _state(db)
    with open_store(db) as store, pytest.raises(type(exc)):
        import_file(NullContext(), store, _review_csv(tmp_path), chunk_size=1)
    assert _state(db) == before
