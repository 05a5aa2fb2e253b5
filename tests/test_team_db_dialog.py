"""「连接团队数据库」 (issue 20): the dialog's 测试连接 and 连接, and 设置's 数据库 area, on a real server.

测试连接 runs in a background job: the tests check that the click returns while the job is still
running and that the window keeps handling events while a server that never answers is waited for.
连接 replaces the main window with one on the team store (设置 shows its address, without a
password); a refusal keeps the old window and says why in Chinese. Passwords go to an in-memory
keyring and a private password file (tests/test_pg_credentials.py's fixtures), never the real ones.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QTimer

import ui.app as app_module
from cxdesk.store import Store, open_store
from cxdesk.store.pg import display_url
from cxdesk.store.pg.credentials import SERVICE, Login
from store_helpers import add_review
from test_pg_credentials import PASSWORD, MemoryKeyring, _isolated, memory_keyring, password_role  # noqa: F401
from ui.app import (
    back_to_local_store,
    create_main_window,
    is_team_store,
    open_store_at_start,
    open_team_db_dialog,
    switch_store,
)
from ui.main_window import MainWindow
from ui.settings import LAST_TEAM_DB, START_ON_TEAM_DB
from ui.team_db_dialog import TeamDbDialog
from ui.testing import no_leftover_jobs  # noqa: F401  (autouse fixture)

_made: list[MainWindow] = []


@pytest.fixture(autouse=True)
def _close_windows() -> Iterator[None]:
    """Close the windows a test made (a switch deletes the replaced one, so qtbot.addWidget cannot)."""
    yield
    for window in _made + app_module._windows:
        if shiboken6.isValid(window):
            window.close()
            window.close_stores()
    _made.clear()
    app_module._windows.clear()


@pytest.fixture
def window(qtbot, store: Store) -> MainWindow:
    made = create_main_window(store)
    _made.append(made)
    app_module._windows.append(made)
    made.show()
    return made


def _fill(dialog: TeamDbDialog, url: str, password: str = "") -> None:
    login = Login.from_url(url)
    dialog.host_edit.setText(login.host)
    dialog.port_spin.setValue(login.port)
    dialog.db_edit.setText(login.dbname)
    dialog.user_edit.setText(login.user)
    dialog.password_edit.setText(password)


def _driver(qtbot, url: str, password: str = "", *, seen: list[TeamDbDialog]) -> Callable[[TeamDbDialog], bool]:
    """settings_page.run_dialog for tests: fill the dialog, press 连接, wait; accepted or (shown reason kept) not."""

    def run(dialog: TeamDbDialog) -> bool:
        seen.append(dialog)
        dialog.warn_plain_text = lambda text: None
        dialog.show()
        _fill(dialog, url, password)
        dialog.connect_button.click()
        qtbot.waitUntil(lambda: dialog.job is not None and not dialog.job.is_running(), timeout=20_000)
        accepted = dialog.result() == TeamDbDialog.DialogCode.Accepted
        if not accepted:
            dialog.reject()
        return accepted

    return run


def test_test_connection_runs_in_the_background_and_says_what_the_database_holds(qtbot, pg_url: str) -> None:
    dialog = TeamDbDialog(initial_url=pg_url)
    qtbot.addWidget(dialog)
    job = dialog.test_connection()
    assert job is not None and job.is_running()  # the click returned before the server answered
    assert "正在连接" in dialog.result_label.text() and not dialog.test_button.isEnabled()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    text = dialog.result_label.text()
    assert "连接成功：PostgreSQL 1" in text and "空数据库" in text and "建立 cxdesk 的表" in text
    assert dialog.test_button.isEnabled()
    with open_store(pg_url) as store:
        add_review(store)
    job = dialog.test_connection()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    text = dialog.result_label.text()
    assert "cxdesk 团队数据库" in text and "聊天消息 0 条、评价 1 条" in text


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never answers (a server that hangs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def test_a_server_that_never_answers_does_not_freeze_the_window(qtbot, silent_server: int) -> None:
    dialog = TeamDbDialog(initial_url=f"postgresql://li@127.0.0.1:{silent_server}/cx")
    qtbot.addWidget(dialog)
    dialog.timeout = 2
    ticks: list[bool] = []
    timer = QTimer(dialog)
    timer.timeout.connect(lambda: ticks.append(job.is_running()))
    job = dialog.test_connection()
    timer.start(20)
    qtbot.waitUntil(lambda: not job.is_running(), timeout=20_000)
    timer.stop()
    assert ticks.count(True) >= 3  # the GUI thread ran its timer while the connection waited
    assert "没有回应" in dialog.result_label.text()


def test_connect_switches_the_window_to_the_team_store_and_back(
    qtbot, window: MainWindow, pg_url: str, memory_keyring: MemoryKeyring
) -> None:
    local = window.store.path
    seen: list[TeamDbDialog] = []
    page = window.pages["settings"]
    assert page.db_kind_label.text() == "本机数据库文件" and not page.local_db_button.isVisible()
    page.run_dialog = _driver(qtbot, pg_url, "team-pw", seen=seen)
    page.team_db_button.click()
    team = app_module._windows[-1]
    _made.append(team)
    assert team is not window
    assert is_team_store(team.store) and team.current_page_key() == "settings"
    team_page = team.pages["settings"]
    assert team_page.db_label.text() == display_url(pg_url) == team.store.path
    assert team_page.db_kind_label.text() == "团队数据库（PostgreSQL）" and team_page.local_db_button.isVisible()
    assert not team_page.backup_panel.isVisibleTo(team_page)
    assert memory_keyring.items == {(SERVICE, Login.from_url(pg_url).key): "team-pw"}
    assert team.settings.get(LAST_TEAM_DB) == display_url(pg_url) and team.settings.get(START_ON_TEAM_DB)
    # The window's writer works on the server (its address kept whole, not as a file path).
    with open_store(pg_url) as other:
        assert other.counts().reviews == 0
    team.ops.run(team, lambda store, ctx: _add_review_op(store), label="导入")
    assert team.ops.wait_idle()
    with open_store(pg_url) as other:
        assert other.counts().reviews == 1
    # 回到本机数据库
    back = back_to_local_store(team)
    assert back is not None and back.store.path == local and not is_team_store(back.store)
    _made.append(back)
    assert not back.settings.get(START_ON_TEAM_DB) and back.settings.get(LAST_TEAM_DB) == display_url(pg_url)


def _add_review_op(store: Store):
    from cxdesk.ops import BATCHES, REVIEWS, SHOPS, OpChanges

    add_review(store)
    return OpChanges.of("test_import", SHOPS, BATCHES, REVIEWS, summary="已导入 1 条评价")


def test_a_refused_password_is_named_in_chinese_and_the_window_stays(
    qtbot, window: MainWindow, password_role: str, memory_keyring: MemoryKeyring
) -> None:
    seen: list[TeamDbDialog] = []
    page = window.pages["settings"]
    page.run_dialog = _driver(qtbot, password_role, "not-the-password", seen=seen)
    assert open_team_db_dialog(window) is None
    user = Login.from_url(password_role).user
    assert f"拒绝了用户 {user} 的密码" in seen[0].result_label.text()
    assert app_module._windows[-1] is window and window.isVisible() and not is_team_store(window.store)
    assert memory_keyring.items == {}  # a refused password is not kept
    page.run_dialog = _driver(qtbot, password_role, PASSWORD, seen=seen)
    team = open_team_db_dialog(window)
    assert team is not None and is_team_store(team.store)
    _made.append(team)


def test_an_address_that_cannot_be_opened_keeps_the_old_window(qtbot, window: MainWindow, pg_url: str) -> None:
    bad = pg_url.rsplit("/", 1)[0] + "/no_such_db"
    assert switch_store(window, bad) is None
    assert app_module._windows[-1] is window and window.isVisible()


def test_the_dialog_starts_from_the_last_team_database(qtbot, window: MainWindow, pg_url: str) -> None:
    window.settings.set(LAST_TEAM_DB, display_url(pg_url))
    seen: list[TeamDbDialog] = []

    def look(dialog: TeamDbDialog) -> bool:
        seen.append(dialog)
        return False

    window.pages["settings"].run_dialog = look
    assert open_team_db_dialog(window) is None
    login = Login.from_url(pg_url)
    dialog = seen[0]
    assert (dialog.host_edit.text(), dialog.port_spin.value(), dialog.db_edit.text(), dialog.user_edit.text()) == (
        login.host,
        login.port,
        login.dbname,
        login.user,
    )
    assert dialog.password_edit.text() == ""


def test_the_next_start_reconnects_to_the_team_database_or_falls_back_to_the_local_one(
    pg_url: str, tmp_path: Path
) -> None:
    from cxdesk.paths import default_db_path
    from cxdesk.store.pg import TeamDbConnectError
    from ui.settings import UiSettings

    settings = UiSettings()
    settings.set(LAST_TEAM_DB, display_url(pg_url))
    settings.set(START_ON_TEAM_DB, True)
    store, error = open_store_at_start(None, settings)
    try:
        assert is_team_store(store) and store.path == display_url(pg_url) and error is None
    finally:
        store.close()
    given, error = open_store_at_start(str(tmp_path / "given.sqlite3"), settings)  # --db wins
    given.close()
    assert not is_team_store(given) and error is None
    settings.set(LAST_TEAM_DB, pg_url.rsplit("/", 1)[0] + "/no_such_db")
    store, error = open_store_at_start(None, settings)
    try:
        assert not is_team_store(store) and store.path == default_db_path()
        assert isinstance(error, TeamDbConnectError) and error.kind == "no_database"
    finally:
        store.close()
