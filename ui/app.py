"""Start the desktop app: QApplication set-up, error hook, store, main window.

Start-up stays cheap on purpose: matplotlib (~0.6 s) and the analysis
libraries are imported only when a page first needs them (see
``ui.widgets.chart_widget``), never here.

The database file: a damaged store found at start is refused with an offer
to restore the newest backup; a store only partly checked at open (a big
file, see :mod:`cxdesk.store.integrity`) is checked in full in the
background, and if it turns out damaged the window stops writing to it and
says how to restore. 设置 → 数据库备份 → 恢复 goes through
:func:`restore_and_reopen`, which replaces the window with a new one on the
restored file (every page holds the old connection, so a new window is the
one clean way to reopen). Switching between the user's store and the demo's
own database (查看演示数据 / 返回我的数据) replaces the window the same way
(:func:`switch_store`). A start on the default database while nothing has been
imported into it opens the demo's own database (building it in the background
the first time); the user's store stays empty and 返回我的数据 leads to its
welcome page (查看演示数据 / 导入数据). The demo never goes into that store.

The team database (issue 20): 设置 → 「连接团队数据库…」 opens :class:`ui.team_db_dialog.TeamDbDialog`
(:func:`open_team_db_dialog`); once it has checked the server and kept the password (OS keyring, or
for this session only), :func:`connect_team_db` switches the window to the ``postgresql://`` address
(never holding a password) with the same :func:`switch_store`, and remembers the address in the UI
settings so the next start reconnects (:func:`run`; if that fails the local store opens and the
reason is shown). 「回到本机数据库」 switches back to the local file (:func:`back_to_local_store`). On
a team database the file-only steps — the background integrity check, file backups — are skipped.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

import shiboken6
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QObject, Qt, QTranslator, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from cxdesk import APP_NAME
from cxdesk.errors import CxdeskError, StoreError
from cxdesk.logs import setup_logging
from cxdesk.paths import cjk_font_path, default_db_path
from cxdesk.store import Store, open_store
from cxdesk.store.failures import CorruptStoreError, corrupt_message, user_error
from cxdesk.store.pg import display_url, is_postgres_url
from ui.main_window import MainWindow
from ui.settings import LAST_TEAM_DB, START_ON_TEAM_DB, UiSettings
from ui.widgets.error_dialog import ErrorDialog, show_error_dialog, show_warning
from ui.workers import Job

log = logging.getLogger("cxdesk")

_CONFIGURED_PROPERTY = "cxdeskConfigured"


def configure_application(app: QApplication) -> None:
    """Names, Chinese standard dialogs and the bundled CJK font; safe to call twice."""
    if app.property(_CONFIGURED_PROPERTY):
        return
    app.setProperty(_CONFIGURED_PROPERTY, True)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName("cxdesk")
    _install_qt_translator(app)
    _install_font(app)
    _install_icon(app)


def _install_icon(app: QApplication) -> None:
    """The app icon (resources/icon.png, the same drawing as the exe's icon.ico) on every window."""
    from PySide6.QtGui import QIcon

    from cxdesk.paths import resource_path

    path = resource_path("icon.png")
    if path.exists():
        app.setWindowIcon(QIcon(str(path)))


def _install_qt_translator(app: QApplication) -> None:
    """Qt's own zh_CN strings, so standard buttons read 「确定」「取消」 (STYLE §19)."""
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)  # parented to app: must live as long as it
    if translator.load("qtbase_zh_CN", folder):
        app.installTranslator(translator)
    else:
        log.info("未找到 Qt 中文翻译文件 qtbase_zh_CN（%s），标准按钮将显示英文", folder)


def _install_font(app: QApplication) -> str | None:
    """Register the bundled font: target machines may have no Chinese font at all."""
    path = cjk_font_path()
    font_id = QFontDatabase.addApplicationFont(str(path)) if path.exists() else -1
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.warning("无法加载内置中文字体 %s，改用系统字体", path)
        return None
    font = app.font()
    font.setFamily(families[0])
    app.setFont(font)
    return families[0]


class _ExceptionRelay(QObject):
    """Carries an uncaught exception to the GUI thread, where dialogs may be shown."""

    sig_exception = Signal(str, str)
    sig_warning = Signal(str, str)  # title, message: a database or disk problem, not a bug

    def __init__(self) -> None:
        super().__init__()
        self.dialog: ErrorDialog | QMessageBox | None = None
        self.sig_exception.connect(self._show)
        self.sig_warning.connect(self._warn)

    def _busy(self) -> bool:
        """One at a time: a failing timer must not open a hundred dialogs (a closed one is already deleted)."""
        return self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible()

    def _show(self, summary: str, details: str) -> None:
        if not self._busy():
            self.dialog = show_error_dialog(QApplication.activeWindow(), summary, details)

    def _warn(self, title: str, message: str) -> None:
        if not self._busy():
            self.dialog = show_warning(QApplication.activeWindow(), title, message)


_relay: _ExceptionRelay | None = None


def _excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
    found = user_error(exc)
    if found is not None and _relay is not None:  # a damaged, full or locked database: say so, no traceback
        log.info("数据库或磁盘问题\n%s", details)
        _relay.sig_warning.emit("数据库出错", str(found))
        return
    log.error("未处理的异常\n%s", details)
    if _relay is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    # A signal, not a direct call: the hook may run on a non-GUI thread.
    _relay.sig_exception.emit(f"程序发生意外错误：{exc_type.__name__}: {exc}", details)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _excepthook(args.exc_type, args.exc_value, args.exc_traceback)


def install_excepthook() -> None:
    """Log every uncaught exception and show it in the error dialog (picard habit)."""
    global _relay
    if _relay is None:
        _relay = _ExceptionRelay()
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def create_main_window(store: Store, settings: UiSettings | None = None) -> MainWindow:
    """The configured main window on ``store``; used by :func:`run`, tests and screenshots."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        configure_application(app)
    window = MainWindow(store, settings=settings)
    team = is_team_store(store)
    # What 返回我的数据 (after the demo) and 回到本机数据库 go back to: the window's own store, which may be
    # the team database's address (never holding the password: that comes from the keyring), and the local file.
    window.own_store_target = default_db_path() if window.is_demo else (store.url if team else Path(store.path))
    window.local_store_path = default_db_path() if (team or window.is_demo) else Path(store.path)
    settings_page = window.pages.get("settings")
    panel = getattr(settings_page, "backup_panel", None)
    if panel is not None:
        panel.restore_handler = lambda backup_id: restore_and_reopen(window, backup_id)
    if settings_page is not None:
        settings_page.team_db_handler = lambda: open_team_db_dialog(window)  # type: ignore[attr-defined]
        settings_page.local_db_handler = lambda: back_to_local_store(window)  # type: ignore[attr-defined]
    window.store_switcher = lambda path, page: switch_store(window, _target_of(window, path), page)
    return window


def is_team_store(store: Store) -> bool:
    """True for the team database on a PostgreSQL server (a PgStore), False for a local file."""
    return store.engine == "postgresql"


def _target_of(window: MainWindow, path) -> str | Path:
    """What to open for ``path`` from MainWindow (its own store: the address this window was opened on)."""
    if str(path) == str(window.own_store_path):
        return getattr(window, "own_store_target", path)
    return path


# Windows shown by run() or made by a restore; the last one is the live one (its store is closed at exit).
_windows: list[MainWindow] = []


def restore_and_reopen(window: MainWindow, backup_id: str) -> Job:
    """Stop the window's jobs, close its store, restore ``backup_id`` in the background, then reopen.

    The new window replaces ``window`` (same settings and place) and shows
    设置; if the restore fails the old file is reopened and the reason shown.
    """
    path = window.store.path
    window.jobs.shutdown()
    window.ops.shutdown()  # the writer's connection to the file goes too (waits for a running operation)
    window.setEnabled(False)  # its pages hold the connection that is about to close
    window.close_stores()
    from cxdesk.store.backups import restore_backup_job

    job = Job(None, restore_backup_job, path, backup_id, label="恢复备份")
    job.on_success(lambda result: _reopen(window, path, result.describe(), None))
    job.on_failure(lambda exc: _reopen(window, path, None, exc))
    return job.run()


def _reopen(old: MainWindow, path, note: str | None, error: BaseException | None) -> MainWindow | None:
    try:
        store = open_store(path)
    except CxdeskError as exc:
        detail = f"{error}\n\n{exc}" if error is not None else str(exc)
        show_warning(old, "无法重新打开数据库", f"{detail}\n\n请关闭程序后重新打开。")
        return None
    window = create_main_window(store, settings=old.settings)
    window.setGeometry(old.geometry())
    window.show()
    window.show_page("settings")
    if note:
        window.statusBar().showMessage(note, 30_000)
    if error is not None:
        show_warning(window, "没有恢复备份", str(_as_message(error)))
    _windows[:] = [w for w in _windows if w is not old] + [window]
    old.close()
    old.deleteLater()
    return window


def _as_message(error: BaseException) -> object:
    return error if isinstance(error, CxdeskError) else f"{type(error).__name__}: {error}"


def check_in_background(window: MainWindow) -> Job | None:
    """The whole integrity check after a partial one at open; a damaged file stops the window writing."""
    from cxdesk.store import integrity

    store = window.store
    if is_team_store(store) or store.read_only or integrity.is_verified(store.path):
        return None  # a team database has no file to check: the server keeps its own data safe
    job = Job(window, integrity.full_check_job, store.path, label="检查数据库").without_progress_dialog()
    job.on_success(lambda outcome: _checked(window, *outcome))
    job.on_failure(lambda exc: log.warning("后台检查数据库失败：%s", exc))
    return window.jobs.start("integrity-check", job)


def _checked(window: MainWindow, result, state: list[int]) -> None:
    from cxdesk.store import integrity

    path = window.store.path
    if not result.problems:
        integrity.mark_verified(path, state)
        return
    first = result.problems[0].replace("*** in database main ***", "").strip().splitlines()[0][:160]
    integrity.mark_damaged(path, first)
    window.store.refuse_writes("数据库文件已损坏")  # the GUI's reader: the pages show the store as read-only
    opened = getattr(window, "opened_store", None)
    if opened is not None:
        opened.refuse_writes("数据库文件已损坏")
    window.ops.refuse_writes("数据库文件已损坏")
    show_warning(
        window,
        "数据库已损坏",
        corrupt_message(path, f"SQLite 完整性检查发现：{first}") + "\n\n在恢复之前，程序只显示数据，不再写入。",
    )


def switch_store(old: MainWindow, path, page: str = "overview") -> MainWindow | None:
    """Replace ``old`` with a window on the store at ``path`` (the demo's, the user's own file, or a team
    database's ``postgresql://`` address), showing ``page``.

    The new store is opened first: if that fails the old window stays as it
    was and the reason is shown. Otherwise the old window's jobs are stopped,
    it closes and its store is closed.
    """
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # a team database: a server round trip or two
    try:
        store = open_store(path)
    except CxdeskError as exc:
        QGuiApplication.restoreOverrideCursor()
        show_warning(old, "无法打开数据库", str(exc))
        return None
    QGuiApplication.restoreOverrideCursor()
    old.jobs.shutdown()
    window = create_main_window(store, settings=old.settings)
    if window.is_demo:
        window.own_store_path = old.own_store_path  # 返回我的数据 goes back to the store the user had open
        window.own_store_target = getattr(old, "own_store_target", old.own_store_path)
    if window.is_demo or is_team_store(store):
        window.local_store_path = getattr(old, "local_store_path", default_db_path())
    window.setGeometry(old.geometry())
    window.show()
    window.show_page(page)
    _windows[:] = [w for w in _windows if w is not old] + [window]
    old.close()
    old.close_stores()
    old.deleteLater()
    check_in_background(window)
    return window


def open_team_db_dialog(window: MainWindow) -> MainWindow | None:
    """设置 → 连接团队数据库…: the dialog, prefilled with the last team database; then switch to it."""
    from ui.team_db_dialog import TeamDbDialog

    last = window.settings.get(LAST_TEAM_DB)
    if is_team_store(window.opened_store):
        last = display_url(window.opened_store.url)
    dialog = TeamDbDialog(window, initial_url=last)
    page = window.pages["settings"]
    accepted = page.run_dialog(dialog)  # type: ignore[attr-defined]  # injectable in tests
    url = dialog.url
    dialog.deleteLater()
    if not accepted or not url:
        return None
    return connect_team_db(window, url)


def connect_team_db(window: MainWindow, url: str) -> MainWindow | None:
    """Switch ``window`` to the team database at ``url`` and remember it (without a password) for the next start."""
    new = switch_store(window, url, "settings")
    if new is not None:
        new.settings.set(LAST_TEAM_DB, display_url(url))
        new.settings.set(START_ON_TEAM_DB, True)
        new.settings.sync()
        new.statusBar().showMessage(f"已连接团队数据库 {display_url(url)}", 15_000)
    return new


def back_to_local_store(window: MainWindow) -> MainWindow | None:
    """回到本机数据库: switch to the local file the user had before the team database (else the default)."""
    new = switch_store(window, getattr(window, "local_store_path", default_db_path()), "settings")
    if new is not None:
        new.settings.set(START_ON_TEAM_DB, False)
        new.settings.sync()
    return new


def _preload_charts() -> None:
    """Import matplotlib's Qt canvas in a background thread while the window is being built.

    总览 draws two charts as soon as the window shows; importing matplotlib then
    (~0.5 s) was most of the wait for its first paint. Only the import runs in
    the thread: figures and canvases are still made on the GUI thread.
    """

    def load() -> None:
        try:
            import matplotlib.backends.backend_qtagg  # noqa: F401
            import matplotlib.figure  # noqa: F401
        except Exception:  # the page imports it again and reports any problem there
            log.exception("预加载图表库失败")

    threading.Thread(target=load, name="preload-charts", daemon=True).start()


def run(db_path: str | None = None) -> int:
    """Run the desktop app on ``db_path`` (default database if ``None``); the exit code."""
    setup_logging()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    configure_application(app)
    install_excepthook()
    settings = UiSettings()
    store, team_error = open_store_at_start(db_path, settings)
    if store is None:
        return 1
    on_local_default = db_path is None and not is_team_store(store)
    if not store.is_empty():
        _preload_charts()
    try:
        window = create_main_window(store, settings=settings)
        _windows.append(window)
        window.show()
        check_in_background(window)
        if team_error is not None:
            show_warning(
                window,
                "没有连接团队数据库",
                f"{team_error}\n\n现在打开的是本机数据库。可在「设置 → 连接团队数据库…」重新连接。",
            )
        elif on_local_default and store.is_empty() and not store.batches.all():
            # Nothing imported yet: open the demo (its own database, built in the background the first
            # time) so the first start has something to show; 返回我的数据 leads to the empty store's
            # welcome page with 导入数据. The user's store never receives demo rows.
            window.open_demo()
        return app.exec()
    finally:
        for shown in _windows:
            shown.close_stores()
        _windows.clear()
        store.close()


def open_store_at_start(db_path: str | None, settings: UiSettings) -> tuple[Store | None, CxdeskError | None]:
    """The store a start opens, and why the team database was not opened (None if it was, or was not asked).

    ``db_path`` (``--db``) when given; else the team database the app was on when last used (设置 →
    连接团队数据库…), and when that fails, the local default file; None after telling the user why not.
    """
    last = settings.get(LAST_TEAM_DB)
    team_error = None
    if db_path is None and settings.get(START_ON_TEAM_DB) and is_postgres_url(last):
        try:
            return open_store(last), None
        except CxdeskError as exc:
            log.warning("启动时无法连接团队数据库 %s：%s", display_url(last), exc)
            team_error = exc
    return _open_at_start(db_path), team_error


def _open_at_start(db_path: str | None) -> Store | None:
    """The store, or None after telling the user why not; a damaged one may be restored from a backup here."""
    try:
        return open_store(db_path)
    except StoreError as exc:
        log.error("无法打开数据库：%s", exc)
        if isinstance(exc, CorruptStoreError) and _offer_restore(db_path, exc):
            return _open_at_start(db_path)
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return None


def _offer_restore(db_path: str | None, exc: CorruptStoreError) -> bool:
    """Ask to restore the newest backup of a damaged store; whether it was restored."""
    from cxdesk.store.backups import list_backups, restore_backup

    path = default_db_path() if db_path is None else db_path
    backups = list_backups(path)
    if not backups:
        return False
    newest = backups[0]
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "数据库已损坏",
        f"{exc}\n\n要现在用最近的备份（{newest.time_text}，{newest.label}）恢复吗？",
    )
    restore = box.addButton("恢复最近的备份", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    if box.clickedButton() is not restore:
        return False
    try:
        restore_backup(path, newest.id)
    except CxdeskError as failed:
        QMessageBox.critical(None, "没有恢复备份", str(failed))
        return False
    return True
