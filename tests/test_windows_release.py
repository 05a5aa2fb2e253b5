"""Faults the Windows program showed (issue 19), checked on any OS by simulating Windows' behaviour.

- the windowed exe has no stdout/stderr: subcommands must still run (a subprocess with both None);
- output redirected or in a locale that cannot encode Chinese must not crash (PYTHONIOENCODING=ascii);
- re-exporting over a file open in Excel/WPS: the rename fails, the message says to close it;
- a store on a network share is reported as such, not as damaged;
- matplotlib's and jieba's caches live in the app's cache folder;
- worker pools are capped;
- a log another process holds open cannot rotate: logging goes on, nothing is lost.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import cxdesk
from cxdesk import tasks
from cxdesk.cli import main
from cxdesk.errors import CxdeskError
from cxdesk.store import open_store
from cxdesk.store import _schema
from cxdesk.store.failures import CorruptStoreError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHATS = FIXTURES / "import" / "chats_generic.csv"

# The windowed program: sys.stdout and sys.stderr are None (as in a console=False PyInstaller exe).
WINDOWED = (
    "import runpy, sys\n"
    "sys.stdout = None\nsys.stderr = None\n"
    "sys.argv = ['main.py', *sys.argv[1:]]\n"
    "runpy.run_path('main.py', run_name='__main__')\n"
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, CXDESK_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    env.update(extra)
    return env


def _windowed(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WINDOWED, *args], cwd=ROOT, capture_output=True, env=_env(tmp_path), timeout=300
    )


def _log(tmp_path: Path) -> str:
    log = tmp_path / "data" / "cxdesk.log"
    return log.read_text(encoding="utf-8") if log.exists() else ""


# --- 1. no console streams ---------------------------------------------------------------------


def test_windowed_program_runs_a_subcommand_without_stdout_or_stderr(tmp_path: Path) -> None:
    db = tmp_path / "shop.sqlite3"
    done = _windowed(tmp_path, "import", str(CHATS), "--db", str(db))
    assert done.returncode == 0, _log(tmp_path)
    assert done.stdout == b"" and done.stderr == b""  # nothing could be shown, and nothing crashed
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM chat_messages").fetchone()[0] > 0
    assert "未处理的异常" not in _log(tmp_path)


def test_windowed_program_reports_errors_and_version_without_streams(tmp_path: Path) -> None:
    version = _windowed(tmp_path, "--version")
    assert version.returncode == 0
    failed = _windowed(
        tmp_path, "report", "--db", str(tmp_path / "none.sqlite3"), "--out", str(tmp_path / "no such folder" / "r.xlsx")
    )
    assert failed.returncode == 1  # a message (to nowhere) and exit 1, not a traceback
    assert "未处理的异常" not in _log(tmp_path)


def test_progress_line_copes_with_a_missing_stderr(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stderr", None)

    def job(ctx):
        ctx.progress(1, 2, "一半")
        ctx.progress(2, 2, "完成")
        return "ok"

    assert tasks.run_cli_job(job) == "ok"


# --- 6. output encoding -------------------------------------------------------------------------


def test_cli_output_in_an_ascii_locale_does_not_crash(tmp_path: Path) -> None:
    env = _env(tmp_path, PYTHONIOENCODING="ascii")
    for args in (["--help"], ["stats", "--db", str(tmp_path / "s.sqlite3")]):
        done = subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        text = done.stdout.decode("utf-8")  # written as UTF-8 whatever the locale says
        assert re.search(r"[\u4e00-\u9fff]", text)


def test_prepare_streams_writes_emoji_to_a_gbk_stream(monkeypatch) -> None:
    import io

    from cxdesk.cli import prepare_streams

    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="gbk")
    monkeypatch.setattr(sys, "stdout", stream)
    prepare_streams()
    print("好评 😀 \udcff")  # emoji (not in GBK) and a lone surrogate (an undecodable file name)
    sys.stdout.flush()
    assert raw.getvalue().decode("utf-8").startswith("好评 😀 ?")


# --- 2. a file open in Excel / WPS ----------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "seeded.sqlite3"
    with open_store(db) as store, store.transaction():
        shop = store.shops.get_or_create("taobao", "测试小店")
        store.reviews.insert_many(
            shop.id,
            None,
            [
                {
                    "review_key": f"r{i}",
                    "content": f"衣服起球{i}",
                    "rating": 1 + i % 5,
                    "created_at": f"2024-06-{10 + i:02d} 10:00:00",
                }
                for i in range(5)
            ],
        )
    return db


def _excel_holds(monkeypatch, target: Path) -> None:
    """Windows refuses to rename over a workbook Excel has open: PermissionError on the replace."""
    real = Path.replace

    def replace(self, other):
        if Path(other) == target:
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(target))
        return real(self, other)

    monkeypatch.setattr(Path, "replace", replace)


@pytest.mark.parametrize("command", ["export", "report"])
def test_re_export_over_a_file_open_in_excel_says_close_it(
    command: str, seeded: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    out = tmp_path / "导出 结果.xlsx"
    out.write_bytes(b"the user's old workbook")
    _excel_holds(monkeypatch, out)
    args = ["export", "reviews"] if command == "export" else ["report"]
    assert main([*args, "--db", str(seeded), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "Excel" in err and f"关闭“{out.name}”" in err  # says which file to close
    assert out.read_bytes() == b"the user's old workbook"
    assert not out.with_name(out.name + ".part").exists()


def test_a_new_file_that_cannot_be_written_is_not_blamed_on_excel(tmp_path: Path, monkeypatch) -> None:
    from cxdesk.outpaths import FileInUseError, atomic_output

    out = tmp_path / "new.csv"
    _excel_holds(monkeypatch, out)
    with pytest.raises(CxdeskError) as caught:
        with atomic_output(out) as tmp:
            tmp.write_text("a,b\n", encoding="utf-8")
    assert not isinstance(caught.value, FileInUseError) and "Excel" not in str(caught.value)
    assert not out.exists() and not out.with_name("new.csv.part").exists()


# --- 3. a store on a network share ---------------------------------------------------------------


def _damaged(path: Path) -> bytes:
    data = b"SQLite format 3\x00" + bytes(range(256)) * 64
    path.write_bytes(data)
    return data


def test_a_store_on_a_network_share_is_not_called_corrupt(tmp_path: Path, monkeypatch, capsys) -> None:
    db = tmp_path / "shop.sqlite3"
    data = _damaged(db)
    with pytest.raises(CorruptStoreError):  # on a local disk it is damage
        open_store(db)
    monkeypatch.setattr(_schema, "is_network_path", lambda path: True)
    with pytest.raises(_schema.NetworkStoreError) as caught:
        open_store(db)
    assert not isinstance(caught.value, CorruptStoreError)
    assert "网络" in str(caught.value) and "SQLite" in str(caught.value) and "本机磁盘" in str(caught.value)
    assert main(["stats", "--db", str(db)]) == 1
    assert "网络共享" in capsys.readouterr().err
    assert db.read_bytes() == data  # left exactly as it was


def test_network_paths_are_recognised(tmp_path: Path, monkeypatch) -> None:
    assert _schema.is_network_path(r"\\nas\店铺\cxdesk.sqlite3")
    assert _schema.is_network_path(r"\\?\UNC\nas\share\cxdesk.sqlite3")
    assert not _schema.is_network_path(r"\\?\C:\Users\店主\cxdesk.sqlite3")
    assert not _schema.is_network_path(tmp_path / "cxdesk.sqlite3")
    monkeypatch.setattr(_schema, "_drive_type", lambda root: {"Z:\\": _schema.DRIVE_REMOTE}.get(root, 3))
    assert _schema._on_remote_drive(r"Z:\shop\cxdesk.sqlite3")  # a mapped network drive
    assert not _schema._on_remote_drive(r"C:\shop\cxdesk.sqlite3")  # DRIVE_FIXED


# --- 4. caches in the app's cache folder ----------------------------------------------------------


def test_frozen_program_keeps_matplotlibs_cache_in_the_app_cache(tmp_path: Path) -> None:
    code = (
        "import sys; sys.frozen = True\n"
        "from cxdesk.caches import configure_caches; configure_caches()\n"
        "import matplotlib; print(matplotlib.get_cachedir())\n"
    )
    env = _env(tmp_path, CXDESK_CACHE_DIR=str(tmp_path / "cache"), MPLCONFIGDIR=str(tmp_path / "_MEI_throwaway"))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == tmp_path / "cache" / "matplotlib"


def test_jieba_cache_goes_to_the_app_cache(tmp_path: Path, monkeypatch) -> None:
    from cxdesk.textprep import Tokenizer

    monkeypatch.setenv("CXDESK_CACHE_DIR", str(tmp_path / "cache"))
    tok = Tokenizer()
    assert tok.tokens("衣服质量很好")
    assert (tmp_path / "cache" / "jieba" / "jieba.cache").is_file()


# --- 5. pool size ------------------------------------------------------------------------------------


def test_worker_pools_are_capped(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 128)
    assert tasks.default_workers() == tasks.MAX_POOL_WORKERS == 8
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert tasks.default_workers() == 1


# --- 7. a log held open by another process ---------------------------------------------------------


def test_log_rotation_blocked_by_another_process_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    from cxdesk.logs import SharedRotatingFileHandler

    path = tmp_path / "cxdesk.log"
    handler = SharedRotatingFileHandler(path, maxBytes=2_000, backupCount=2, encoding="utf-8", retry_bytes=1_000)
    errors, renames = [], []
    monkeypatch.setattr(handler, "handleError", errors.append)

    def blocked(source, dest):  # Windows: the file is open in another cxdesk process
        renames.append(dest)
        raise PermissionError(32, "另一个程序正在使用此文件，进程无法访问。", source)

    monkeypatch.setattr(handler, "rotate", blocked)
    logger = logging.getLogger("cxdesk.test_windows_release")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(200):
            logger.warning("记录 %03d：%s", i, "客服会话" * 10)
        assert not errors
        text = path.read_text(encoding="utf-8")
        assert all(f"记录 {i:03d}" in text for i in range(200))
        assert 1 <= len(renames) <= 40  # retried now and then, not for every record
        monkeypatch.undo()  # the other process closed the file: the next rollover succeeds
        for i in range(200, 240):
            logger.warning("记录 %03d：%s", i, "客服会话" * 10)
        assert Path(f"{path}.1").is_file() and path.stat().st_size < 4_000
    finally:
        logger.removeHandler(handler)
        handler.close()


# --- identity ------------------------------------------------------------------------------------------


def test_one_version_everywhere(tmp_path: Path) -> None:
    import runpy

    done = subprocess.run(
        [sys.executable, "main.py", "--version"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"cxdesk {cxdesk.__version__}"
    with open(ROOT / "pyproject.toml", "rb") as fh:
        assert tomllib.load(fh)["project"]["version"] == cxdesk.__version__
    write = runpy.run_path(str(ROOT / "scripts" / "version_file.py"))["write"]
    text = write(tmp_path / "version_info.txt").read_text(encoding="utf-8")
    assert f"'ProductVersion', '{cxdesk.__version__}'" in text
    nums = tuple(int(x) for x in (cxdesk.__version__.split(".") + ["0"] * 4)[:4])
    assert f"filevers={nums}" in text


def test_app_icon_has_the_sizes_windows_uses() -> None:
    from PIL import Image

    with Image.open(ROOT / "resources" / "icon.ico") as ico:
        sizes = ico.info["sizes"]
    assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(sizes)
    with Image.open(ROOT / "resources" / "icon.png") as png:
        assert png.size == (256, 256)


# --- pinned build ------------------------------------------------------------------------------------


def _pins() -> dict[str, str]:
    from packaging.requirements import Requirement

    pins = {}
    for line in (ROOT / "requirements-build.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line  # exact versions only
            pins[re.sub(r"[-_.]+", "-", req.name).lower()] = spec.version
    return pins


def test_build_pins_satisfy_every_runtime_range_of_pyproject() -> None:
    from packaging.requirements import Requirement

    pins = _pins()
    with open(ROOT / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]
    needed = (
        project["dependencies"] + project["optional-dependencies"]["build"] + project["optional-dependencies"]["test"]
    )
    for text in needed:
        req = Requirement(text)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} is not pinned in requirements-build.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} is outside {req.specifier}"


def test_modules_left_out_of_the_frozen_program_are_never_imported_by_it() -> None:
    """build.spec excludes snownlp, sqlite-utils, rich, Qt's network and D-Bus bindings and Pillow's AVIF, WebP,
    colour-management and Tk extensions: safe only while the app's own code never imports them."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    left_out = (
        "snownlp",
        "sqlite_utils",
        "rich",
        "PySide6.QtNetwork",
        "PySide6.QtDBus",
        "PIL._avif",
        "PIL._webp",
        "PIL._imagingcms",
        "PIL._imagingtk",
        "secretstorage",
        "cryptography",
    )
    for module in left_out:
        assert f'"{module}"' in spec
    pattern = re.compile(
        r"^\s*(?:import|from)\s+(snownlp|sqlite_utils|sqlite_fts4|pygments|rich|markdown_it|secretstorage|cryptography"
        r"|PySide6\.Qt(?:Network|DBus)|PIL\.(?:_avif|_webp|_imagingcms|_imagingtk|ImageCms|ImageTk|AvifImagePlugin"
        r"|WebPImagePlugin))\b|^\s*from\s+(?:PySide6|PIL)\s+import\s+[^#\n]*\b(QtNetwork|QtDBus|ImageCms|ImageTk)\b",
        re.M,
    )
    sources = [ROOT / "main.py", *(ROOT / "cxdesk").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0).strip()}"
        for p in sources
        for m in pattern.finditer(p.read_text(encoding="utf-8"))
    ]
    assert not found


def test_the_frozen_program_ships_the_matplotlib_fonts_the_app_asks_for() -> None:
    """build.spec leaves out matplotlib's DejaVu Serif and its AFM fonts (PDF core fonts): safe only while the
    app's charts ask for sans-serif (its CJK font, then DejaVu Sans) and never for a serif family, core fonts,
    AFM or another mathtext font set."""
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert '"/DejaVuSerif" in dest' in spec and '"/fonts/afm/" in dest' in spec
    fonts = (ROOT / "cxdesk" / "fonts.py").read_text(encoding="utf-8")
    assert 'rcParams["font.family"] = "sans-serif"' in fonts
    assert re.search(r'rcParams\["font.sans-serif"\] = \[CJK_FAMILY, "DejaVu Sans"\]', fonts)
    pattern = re.compile(r"(?<!sans-)\bserif\b|use14corefonts|useafm|mathtext\.fontset", re.I)
    sources = [ROOT / "main.py", *(ROOT / "cxdesk").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    found = [
        f"{p.relative_to(ROOT)}:{n}: {line.strip()}"
        for p in sources
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found


def test_the_app_windows_carry_the_icon(qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.app import configure_application

    app = QApplication.instance()
    app.setProperty("cxdeskConfigured", None)  # configure again in this test
    configure_application(app)
    assert not app.windowIcon().isNull()
