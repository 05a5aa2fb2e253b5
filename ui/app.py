"""Start the desktop app: QApplication set-up, error hook, store, main window.

Start-up stays cheap on purpose: matplotlib (~0.6 s) and the analysis
libraries are imported only when a page first needs them (see
``ui.widgets.chart_widget``), never here.
"""
from __future__ import annotations

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QLibraryInfo, QObject, QTranslator, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from cxdesk import APP_NAME
from cxdesk.errors import StoreError
from cxdesk.logs import setup_logging
from cxdesk.paths import cjk_font_path
from cxdesk.store import Store, open_store
from ui.main_window import MainWindow
from ui.settings import UiSettings
from ui.widgets.error_dialog import ErrorDialog, show_error_dialog

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

    def __init__(self) -> None:
        super().__init__()
        self.dialog: ErrorDialog | None = None
        self.sig_exception.connect(self._show)

    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one at a time: a failing timer must not open a hundred dialogs
        self.dialog = show_error_dialog(QApplication.activeWindow(), summary, details)


_relay: _ExceptionRelay | None = None


def _excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    details = "".join(traceback.format_exception(exc_type, exc, tb))
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
    return MainWindow(store, settings=settings)


def _fill_first_run_demo(window: MainWindow, store: Store) -> None:
    """First start on the default database: show the synthetic demo shop at once.

    Only for the default database (an explicit ``--db`` means the user wants
    that file as it is) and only once (see ``first_run_demo_wanted``).
    """
    from cxdesk.demo import first_run_demo_wanted

    if first_run_demo_wanted(store):
        window.show_page("overview")
        window.pages["overview"].generate_demo()


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
    try:
        store = open_store(db_path)
    except StoreError as exc:
        log.error("无法打开数据库：%s", exc)
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return 1
    if not store.is_empty():
        _preload_charts()
    try:
        window = create_main_window(store)
        window.show()
        if db_path is None:
            _fill_first_run_demo(window, store)
        return app.exec()
    finally:
        store.close()
