"""Import, analyze, export, report and the GUI open no network connection.

An audit hook (PEP 578) sees every socket made, bound or connected, every name lookup and every
urllib / http.client request, in this process and, through a ``sitecustomize`` on PYTHONPATH,
in every child it starts (the import reader process and the analysis pool are forced on here).
Local AF_UNIX sockets (multiprocessing's socket pairs) are allowed. Qt's own networking would not
pass through Python's sockets: the GUI part also checks that no QtNetwork module was loaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kill"
SHOP = "小棉袄童装旗舰店"
LOG_VAR = "CXDESK_TEST_NETWORK_LOG"

# Installed in this process (once) and, as sitecustomize.py, in every child. Inert unless LOG_VAR is set.
HOOK_SOURCE = '''
import os, sys

_NET_EVENTS = {
    "socket.__new__", "socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg",
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr",
    "socket.getnameinfo", "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect",
    "imaplib.open", "poplib.connect", "webbrowser.open",
}


def _local(event, args):
    import socket
    if event == "socket.__new__":
        return args[1] in (getattr(socket, "AF_UNIX", None), -1)  # -1: wraps an fd; its connect is seen
    if event in ("socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg"):
        return getattr(args[0], "family", None) == getattr(socket, "AF_UNIX", None)
    return False


def _cxdesk_network_hook(event, args):
    if event not in _NET_EVENTS:
        return
    log = os.environ.get("%(var)s")
    if not log or _local(event, args):
        return
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()} {event} {args!r:.200}\\n")
    raise PermissionError(f"network use during a no-network test: {event}")


sys.addaudithook(_cxdesk_network_hook)
if os.environ.get("%(var)s"):
    with open(os.environ["%(var)s"] + ".children", "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\\n")
''' % {"var": LOG_VAR}


def _install_in_this_process() -> None:
    if not getattr(sys, "_cxdesk_network_hook", False):  # audit hooks cannot be removed: one per process
        exec(compile(HOOK_SOURCE, "<no-network hook>", "exec"), {"__name__": "cxdesk_network_hook"})
        sys._cxdesk_network_hook = True  # type: ignore[attr-defined]


@pytest.fixture
def network_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Arms the hook here and in children; yields the log of what would have gone out."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HOOK_SOURCE, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.setenv(LOG_VAR, str(log))
    _install_in_this_process()
    return log


def _calls(log: Path) -> list[str]:
    return [line for line in log.read_text(encoding="utf-8").splitlines() if line]


def test_the_hook_catches_network_use_here_and_in_children(network_log: Path) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9), timeout=0.2)  # a name lookup first
    with pytest.raises(OSError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    a, b = socket.socketpair()  # local: allowed
    a.close(), b.close()
    code = "import socket\ntry:\n    socket.getaddrinfo('localhost', 80)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    events = {(int(line.split()[0]) == os.getpid(), line.split()[1]) for line in _calls(network_log)}
    assert events == {(True, "socket.getaddrinfo"), (True, "socket.__new__"), (False, "socket.getaddrinfo")}


def test_cli_commands_and_their_workers_stay_offline(
    network_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxdesk.analysis import engine
    from cxdesk.cli import main
    from cxdesk.importers import _pipeline
    from cxdesk.tasks import TaskContext, map_in_processes

    monkeypatch.setattr(_pipeline, "READER_PROCESS_MIN_BYTES", 0)  # the import reader process, even for small files
    db = str(tmp_path / "offline.sqlite3")
    assert main(["import", "--db", db, "--quiet", "--shop", SHOP, str(FIXTURES / "chats_a.csv")]) == 0
    assert main(["import", "--db", db, "--quiet", "--shop", SHOP, str(FIXTURES / "reviews_a.csv")]) == 0
    assert main(["analyze", "--db", db, "--quiet"]) == 0
    # What the analysis pool's workers do on a big store (a small one is scored in-process):
    chunks = [(db, "message", list(range(1, 351)), None), (db, "message", list(range(351, 701)), None)]
    scored = map_in_processes(
        engine.score_sentiment_chunk, chunks, TaskContext(), max_workers=2, initializer=engine.init_sentiment_worker
    )
    assert sum(map(len, scored)) == 700
    for what, ext in (("messages", "csv"), ("sessions", "xlsx"), ("reviews", "csv"), ("flags", "csv")):
        assert main(["export", what, "--db", db, "--quiet", "--out", str(tmp_path / f"{what}.{ext}")]) == 0
    report = tmp_path / "report.html"
    assert (
        main(["report", "--db", db, "--quiet", "--from", "2024-04-01", "--to", "2024-06-30", "--out", str(report)]) == 0
    )
    assert _calls(network_log) == []
    children = Path(f"{network_log}.children").read_text(encoding="utf-8").split()
    assert len(children) >= 3, "the reader process and two pool workers ran under the hook"
    html = report.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing a browser would fetch


def test_gui_pages_stay_offline(network_log: Path, qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt

    from cxdesk.importers import import_file
    from cxdesk.store import open_store
    from cxdesk.tasks import NullContext
    from ui.app import create_main_window
    from ui.workers import active_jobs

    with open_store(tmp_path / "gui.sqlite3") as store:
        import_file(NullContext(), store, FIXTURES / "reviews_a.csv", shop=SHOP)
        window = create_main_window(store)
        qtbot.addWidget(window)
        window.show()
        for row in range(window.nav.count()):
            rect = window.nav.visualItemRect(window.nav.item(row))
            qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            qtbot.wait(20)
            assert window.stack.currentIndex() == row
        qtbot.waitUntil(lambda: not active_jobs(), timeout=15000)  # pages load in the background
        window.close()
    assert _calls(network_log) == []
    loaded = [m for m in sys.modules if m.startswith(("PySide6.QtNetwork", "PySide6.QtWebEngine"))]
    assert loaded == [], "Qt's own networking was loaded"
