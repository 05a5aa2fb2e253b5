"""Team database passwords (issue 20.4): the OS keyring, the .pgpass fallback, and connect() using them.

The keyring is an in-memory backend set by the tests (``keyring.set_keyring``); the fallback is what a
machine without a usable keyring gets (``keyring``'s fail backend). The server tests need a role that
must give a password: the ``pg_cluster`` server trusts every local connection, so
:func:`password_role` adds one pg_hba.conf line (scram-sha-256 for that role alone, first so it wins)
to the worker's server, reloads it, and takes the line out again afterwards; no other role is affected.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringError, PasswordDeleteError

from cxdesk.store import open_store
from cxdesk.store.pg import TeamDbConnectError, check_team_db, connect, display_url, refusal_kind
from cxdesk.store.pg import credentials
from cxdesk.store.pg.credentials import (
    SERVICE,
    Login,
    forget_password,
    load_password,
    pgpass_line,
    pgpass_path,
    save_password,
    use_for_session,
)

# ':' and '\' are the two characters the password file escapes; '@' and '/' would break a URL.
PASSWORD = "Mi:ma\\8@/店"


class MemoryKeyring(KeyringBackend):
    """A keyring that keeps passwords in a dict (priority like the Windows and Secret Service backends)."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class RefusingKeyring(MemoryKeyring):
    """A keyring that exists but will not store (the user declined to unlock it)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("the collection is locked")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A private password file, no PGPASSWORD, no session passwords, and the keyring put back afterwards."""
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass.conf"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv(credentials._SESSION_ENV, raising=False)
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    return kr


@pytest.fixture
def no_keyring() -> None:
    keyring.set_keyring(fail.Keyring())


LOGIN = Login(host="192.168.1.20", port=5432, dbname="cxdesk", user="wangfang")


# --- logins and messages -----------------------------------------------------------------------------


def test_a_login_comes_from_the_address_and_gives_it_back_without_a_password() -> None:
    login = Login.from_url("postgresql://wangfang:secret@192.168.1.20:5433/店铺")
    assert login == Login("192.168.1.20", 5433, "店铺", "wangfang")
    assert "secret" not in login.url()
    assert Login.from_url(login.url()) == login
    assert Login.from_url("postgresql://li@srv/cx").port == 5432
    assert login.key == "wangfang@192.168.1.20:5433/店铺"


def test_libpq_refusals_are_recognised_in_english_and_from_a_chinese_server() -> None:
    assert refusal_kind('FATAL:  password authentication failed for user "wangfang"') == "password"
    assert refusal_kind('致命错误:  用户 "wangfang" Password 认证失败') == "password"
    assert refusal_kind("fe_sendauth: no password supplied") == "no_password"
    assert refusal_kind('FATAL:  role "li" does not exist') == "no_role"
    assert refusal_kind('致命错误:  数据库 "cx" 不存在') == "no_database"
    assert refusal_kind('no pg_hba.conf entry for host "192.168.1.7", user "li", database "cx", no encryption') == (
        "not_allowed"
    )
    assert refusal_kind("Connection refused\n\tIs the server running on that host?") == "unreachable"
    assert refusal_kind("something else entirely") == "other"


# --- the keyring -------------------------------------------------------------------------------------


def test_the_password_goes_to_the_keyring_under_its_login_and_nowhere_else(memory_keyring: MemoryKeyring) -> None:
    saved = save_password(LOGIN, PASSWORD)
    assert saved.where == "keyring" and saved.warning is None
    assert memory_keyring.items == {(SERVICE, LOGIN.key): PASSWORD}
    assert not pgpass_path().exists()
    other = Login(LOGIN.host, LOGIN.port, "other_db", LOGIN.user)
    assert load_password(LOGIN) == PASSWORD
    assert load_password(other) is None
    forget_password(LOGIN)
    assert load_password(LOGIN) is None and memory_keyring.items == {}
    forget_password(LOGIN)  # nothing kept: no error


def test_saving_in_the_keyring_removes_an_older_password_file_entry(memory_keyring: MemoryKeyring) -> None:
    path = pgpass_path()
    path.write_text(pgpass_line(LOGIN, "old") + "\nsomehost:5432:*:someone:keep-me\n", encoding="utf-8")
    save_password(LOGIN, PASSWORD)
    assert path.read_text(encoding="utf-8") == "somehost:5432:*:someone:keep-me\n"


def test_a_session_password_is_used_but_kept_nowhere(memory_keyring: MemoryKeyring) -> None:
    use_for_session(LOGIN, PASSWORD)
    assert load_password(LOGIN) == PASSWORD
    assert memory_keyring.items == {} and not pgpass_path().exists()
    forget_password(LOGIN)
    assert load_password(LOGIN) is None


# --- the password file fallback ----------------------------------------------------------------------


def test_without_a_keyring_the_password_file_gets_an_escaped_line_readable_by_the_owner_only(no_keyring) -> None:
    path = pgpass_path()
    path.write_text("# mine\nsomehost:5432:*:someone:keep-me\n", encoding="utf-8")
    saved = save_password(LOGIN, PASSWORD)
    assert saved.where == "pgpass" and saved.path == path
    assert str(path) in saved.warning and "未加密" in saved.warning
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "192.168.1.20:5432:cxdesk:wangfang:Mi\\:ma\\\\8@/店"
    assert lines[1:] == ["# mine", "somehost:5432:*:someone:keep-me"]
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    save_password(LOGIN, "new:pw")  # a changed password replaces the line, never adds a second one
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines == ["192.168.1.20:5432:cxdesk:wangfang:new\\:pw", "# mine", "somehost:5432:*:someone:keep-me"]
    assert load_password(LOGIN) is None  # libpq reads the file itself
    forget_password(LOGIN)
    assert path.read_text(encoding="utf-8").splitlines() == ["# mine", "somehost:5432:*:someone:keep-me"]


def test_fields_with_colons_and_backslashes_are_escaped(no_keyring) -> None:
    login = Login(host="fe80::1", port=5432, dbname="a\\b", user="x:y")
    assert pgpass_line(login, "p") == "fe80\\:\\:1:5432:a\\\\b:x\\:y:p"


def test_a_keyring_that_refuses_to_store_falls_back_to_the_file_with_the_warning() -> None:
    keyring.set_keyring(RefusingKeyring())
    saved = save_password(LOGIN, PASSWORD)
    assert saved.where == "pgpass" and saved.warning
    assert pgpass_path().read_text(encoding="utf-8").startswith("192.168.1.20:5432:cxdesk:wangfang:")


def test_the_password_file_is_where_libpq_looks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSFILE")
    if sys.platform == "win32":
        monkeypatch.setenv("APPDATA", str(tmp_path))
        assert pgpass_path() == tmp_path / "postgresql" / "pgpass.conf"
    else:
        monkeypatch.setenv("HOME", str(tmp_path))
        assert pgpass_path() == tmp_path / ".pgpass"


# --- against a real server ---------------------------------------------------------------------------


@pytest.fixture
def password_role(pg_cluster) -> Iterator[str]:
    """The address (no password) of a database whose owner must log in with PASSWORD (scram-sha-256)."""
    role = f"pw{os.getpid()}"
    hba = Path(pg_cluster.data_dir) / "pg_hba.conf"
    line = f"host all {role} 127.0.0.1/32 scram-sha-256\n"
    original = hba.read_text()
    escaped = PASSWORD.replace("'", "''")
    pg_cluster.psql(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)")
    pg_cluster.psql(f"DROP ROLE IF EXISTS {role}")
    pg_cluster.psql(f"SET password_encryption = 'scram-sha-256'; CREATE ROLE {role} LOGIN PASSWORD '{escaped}'")
    pg_cluster.psql(f"CREATE DATABASE {role} OWNER {role} TEMPLATE cxdesk_template")
    hba.write_text(line + original)  # first: pg_hba.conf's first matching line wins
    pg_cluster.psql("SELECT pg_reload_conf()")
    try:
        yield f"postgresql://{role}@127.0.0.1:{pg_cluster.port}/{role}"
    finally:
        hba.write_text(original)
        pg_cluster.psql("SELECT pg_reload_conf()")
        pg_cluster.psql(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)")
        pg_cluster.psql(f"DROP ROLE IF EXISTS {role}")


def test_the_server_refuses_a_missing_password_with_a_chinese_message(password_role: str, memory_keyring) -> None:
    role = Login.from_url(password_role).user
    with pytest.raises(TeamDbConnectError) as caught:
        connect(password_role)
    assert caught.value.kind == "no_password"
    assert f"要求用户 {role} 提供密码" in str(caught.value)


def test_connect_takes_the_password_from_the_keyring_and_so_does_the_reader(
    password_role: str, memory_keyring: MemoryKeyring
) -> None:
    save_password(Login.from_url(password_role), PASSWORD)
    store = open_store(password_role)  # gets the schema; the address holds no password
    try:
        assert store.path == display_url(password_role) and PASSWORD not in store.path
        reader = store.reader()  # a second connection with the same address
        try:
            assert reader.counts().chat_messages == 0
        finally:
            reader.close()
    finally:
        store.close()
    found = check_team_db(password_role)
    assert found.state == "store" and found.messages == 0


def test_a_wrong_password_in_the_keyring_is_named_as_refused(password_role: str, memory_keyring) -> None:
    login = Login.from_url(password_role)
    save_password(login, "not-the-password")
    with pytest.raises(TeamDbConnectError) as caught:
        connect(password_role)
    assert caught.value.kind == "password"
    assert f"拒绝了用户 {login.user} 的密码" in str(caught.value) and "钥匙串" in str(caught.value)
    assert "not-the-password" not in str(caught.value)


def test_without_a_keyring_libpq_reads_the_escaped_password_file(password_role: str, no_keyring) -> None:
    saved = save_password(Login.from_url(password_role), PASSWORD)
    assert saved.where == "pgpass"
    check = check_team_db(password_role)  # libpq unescapes ':' and '\' itself: a wrong escape is refused
    assert check.state == "empty" and check.can_create
    save_password(Login.from_url(password_role), "wrong")
    with pytest.raises(TeamDbConnectError) as caught:
        connect(password_role)
    assert caught.value.kind == "password" and str(pgpass_path()) in str(caught.value)


def test_a_password_given_for_this_session_opens_the_store(password_role: str, no_keyring) -> None:
    use_for_session(Login.from_url(password_role), PASSWORD)
    with open_store(password_role) as store:
        assert store.schema_version > 0
    assert not pgpass_path().exists()
