"""「连接团队数据库」: the address and login of the shop's PostgreSQL team store (issue 20).

The user types 主机, 端口, 数据库名, 用户名 and 密码; 「测试连接」 tries them in a background
:class:`ui.workers.Job` (a LAN server that does not answer costs a few seconds of waiting, never a
frozen window) and says what it found: the server's version, and whether the database is empty
(it will get cxdesk's tables), a cxdesk store with N messages, or a refusal with the reason in
Chinese (:func:`cxdesk.store.pg.check_team_db`). 「连接」 makes the same check, then keeps the
password — in the OS keyring with 记住密码, else only for this session
(:mod:`cxdesk.store.pg.credentials`) — and accepts; the caller (:func:`ui.app.open_team_db_dialog`)
switches the window to :attr:`TeamDbDialog.url`, an address without the password. When no keyring
is usable the password goes to PostgreSQL's password file and the dialog says so before closing.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cxdesk.errors import CxdeskError
from cxdesk.store.pg import TeamDbCheck, check_team_db
from cxdesk.store.pg.credentials import DEFAULT_PORT, Login, Saved, keyring_name, keyring_usable, pgpass_path
from ui.workers import Job

TEST_TIMEOUT_S = 5  # how long 测试连接/连接 wait for a server that does not answer


def _check_job(ctx, url: str, password: str | None, timeout: int) -> TeamDbCheck:
    return check_team_db(url, password, connect_timeout=timeout)


def _connect_job(ctx, url: str, password: str | None, remember: bool, timeout: int) -> tuple[TeamDbCheck, Saved | None]:
    """The check, then (when it may be used) the password kept: keyring / password file, or this session only."""
    from cxdesk.store.pg.credentials import forget_password, save_password, use_for_session

    check = check_team_db(url, password, connect_timeout=timeout)
    if check.state == "foreign" or not password:
        return check, None
    login = Login.from_url(url)
    if remember:
        return check, save_password(login, password)
    forget_password(login)  # 记住密码 unticked: an older kept password goes
    use_for_session(login, password)
    return check, None


class TeamDbDialog(QDialog):
    """The team database's address and login; ``url`` after it was accepted (see the module doc)."""

    def __init__(self, parent: QWidget | None = None, initial_url: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("连接团队数据库")
        self.setObjectName("teamDbDialog")
        self.url = ""
        self.job: Job | None = None
        self.check: TeamDbCheck | None = None
        self.saved: Saved | None = None
        self.timeout = TEST_TIMEOUT_S
        intro = QLabel(
            "团队数据库是店里一台电脑（或小服务器）上的 PostgreSQL 数据库，几位客服在各自的电脑上共用同一份数据。"
            "请填写店主给您的连接信息：",
            self,
        )
        intro.setWordWrap(True)
        self.host_edit = QLineEdit("localhost", self)
        self.host_edit.setPlaceholderText("服务器的 IP 地址或电脑名，如 192.168.1.20")
        self.port_spin = QSpinBox(self)
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(DEFAULT_PORT)
        self.port_spin.setGroupSeparatorShown(False)
        self.db_edit = QLineEdit(self)
        self.db_edit.setPlaceholderText("如 cxdesk")
        self.user_edit = QLineEdit(self)
        self.user_edit.setPlaceholderText("您在数据库里的用户名")
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("已保存过密码时可留空")
        self.remember_box = QCheckBox("记住密码", self)
        self.remember_box.setChecked(True)
        self.remember_note = QLabel(self)
        self.remember_note.setWordWrap(True)
        self.remember_note.setStyleSheet("color: #666;")
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("主机：", self.host_edit)
        form.addRow("端口：", self.port_spin)
        form.addRow("数据库名：", self.db_edit)
        form.addRow("用户名：", self.user_edit)
        form.addRow("密码：", self.password_edit)
        form.addRow("", self.remember_box)
        form.addRow("", self.remember_note)
        self.result_label = QLabel("", self)
        self.result_label.setObjectName("teamDbResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setMinimumHeight(72)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.test_button = QPushButton("测试连接", self)
        self.connect_button = QPushButton("连接", self)
        self.connect_button.setDefault(True)
        self.cancel_button = QPushButton("取消", self)
        self.test_button.clicked.connect(self.test_connection)
        self.connect_button.clicked.connect(self.connect_to_store)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.result_label, 1)
        layout.addLayout(buttons)
        self.remember_box.toggled.connect(self._update_remember_note)
        self._update_remember_note()
        if initial_url:
            self.set_url(initial_url)
        self.setMinimumWidth(520)

    # --- fields ------------------------------------------------------------------------------

    def set_url(self, url: str) -> None:
        """Fill the fields from an address (the last team database; its password is never in it)."""
        login = Login.from_url(url)
        self.host_edit.setText(login.host)
        self.port_spin.setValue(login.port)
        self.db_edit.setText(login.dbname)
        self.user_edit.setText(login.user)

    def login(self) -> Login | None:
        """The login the fields describe, or None (and a note) when one is missing."""
        host, db, user = self.host_edit.text().strip(), self.db_edit.text().strip(), self.user_edit.text().strip()
        missing = [name for name, value in (("主机", host), ("数据库名", db), ("用户名", user)) if not value]
        if missing:
            self._show("请填写" + "、".join(missing) + "。", error=True)
            return None
        return Login(host=host, port=self.port_spin.value(), dbname=db, user=user)

    def _password(self) -> str | None:
        return self.password_edit.text() or None

    def _update_remember_note(self) -> None:
        if not self.remember_box.isChecked():
            text = "不保存密码：本次运行期间使用，下次启动程序时需要重新输入。"
        elif keyring_usable():
            text = f"密码加密保存在这台电脑的{keyring_name()}里，不会写进程序的设置文件。"
        else:
            text = (
                f"这台电脑没有可用的{keyring_name()}：密码将保存在 PostgreSQL 的密码文件“{pgpass_path()}”中，"
                "该文件未加密，使用这个账户的人都能读取。"
            )
        self.remember_note.setText(text)

    # --- testing and connecting ----------------------------------------------------------------

    def test_connection(self) -> Job | None:
        """测试连接: try the fields in the background and show what the server holds."""
        login = self.login()
        if login is None:
            return None
        job = Job(self, _check_job, login.url(), self._password(), self.timeout, label="测试连接")
        job.on_success(self._tested)
        return self._start(job, login)

    def connect_to_store(self) -> Job | None:
        """连接: the same check, then keep the password and accept (the caller switches the window)."""
        login = self.login()
        if login is None:
            return None
        remember = self.remember_box.isChecked()
        job = Job(self, _connect_job, login.url(), self._password(), remember, self.timeout, label="连接团队数据库")
        job.on_success(lambda outcome: self._connected(login, *outcome))
        return self._start(job, login)

    def _start(self, job: Job, login: Login) -> Job:
        if self.job is not None and self.job.is_running():
            self.job.discard()
        self.job = job.without_progress_dialog()
        job.on_failure(self._failed)
        job.sig_finished.connect(lambda: self._set_busy(False))
        self._set_busy(True)
        self._show(f"正在连接 {login.host}:{login.port} …（最多等待 {self.timeout} 秒）")
        return job.run()

    def _set_busy(self, busy: bool) -> None:
        if not shiboken6.isValid(self):
            return
        self.test_button.setEnabled(not busy)
        self.connect_button.setEnabled(not busy)

    def _show(self, text: str, *, error: bool = False) -> None:
        self.result_label.setStyleSheet("color: #b00020;" if error else "")
        self.result_label.setText(text)

    def _tested(self, check: TeamDbCheck) -> None:
        self.check = check
        self._show(
            check.describe(), error=check.state == "foreign" or (check.state == "empty" and not check.can_create)
        )

    def _failed(self, exc: BaseException) -> None:
        text = str(exc) if isinstance(exc, CxdeskError) else f"连接时发生意外错误：{type(exc).__name__}: {exc}"
        self._show(text, error=True)

    def _connected(self, login: Login, check: TeamDbCheck, saved: Saved | None) -> None:
        from cxdesk.store.migrations import CURRENT_VERSION

        self._tested(check)
        refused = check.state == "foreign" or (check.state == "empty" and not check.can_create)
        if refused or check.schema_version > CURRENT_VERSION:
            return  # nothing cxdesk can open: the reason is shown, the dialog stays open
        self.saved = saved
        if saved is not None and saved.warning:
            self.warn_plain_text(saved.warning)
        self.url = login.url()
        self.accept()

    def warn_plain_text(self, text: str) -> None:
        """The password went to a plain-text file: say so (tests replace this; it waits for 确定)."""
        QMessageBox.warning(self, "密码保存在未加密的文件里", text)

    def done(self, result: int) -> None:
        if self.job is not None and self.job.is_running():
            self.job.discard()  # a server still not answering: drop its outcome, the thread ends by itself
        super().done(result)
