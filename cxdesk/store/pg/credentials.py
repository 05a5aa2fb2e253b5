"""Team database passwords, never in plain text in the app's own files (issue 20, point 4).

A password belongs to one login: (host, port, database, user), a :class:`Login`. It is kept in the
operating system's keyring through ``keyring`` (Windows Credential Manager, macOS Keychain, the
Secret Service on a Linux desktop) under the service :data:`SERVICE`; :func:`load_password` reads it
back when a store is opened (:func:`cxdesk.store.pg.connect`); with 记住密码 off, :func:`use_for_session`
holds it in memory until the program ends. The addresses the app remembers,
logs, shows or writes in its settings never carry a password.

Where no usable keyring exists (a Linux without a Secret Service, ``keyring``'s fail backend), the
password goes into PostgreSQL's own password file instead (:func:`pgpass_path`: ``PGPASSFILE``,
else ``%APPDATA%\\postgresql\\pgpass.conf`` on Windows, ``~/.pgpass`` elsewhere; mode 600 on POSIX,
which libpq requires), which libpq reads by itself on every connection. That file is not encrypted:
:func:`save_password` says so in the :class:`Saved` it returns, and the GUI shows it as a warning.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from getpass import getuser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

log = logging.getLogger("cxdesk")

SERVICE = "cxdesk-team-db"
_SESSION_ENV = "CXDESK_TEAM_DB_SESSION"  # passwords used this session only (use_for_session)
DEFAULT_PORT = 5432


@dataclass(frozen=True)
class Login:
    """Who connects where: the key a password is kept under."""

    host: str
    port: int
    dbname: str
    user: str

    @classmethod
    def from_url(cls, url: str) -> Login:
        """The login of a ``postgresql://user@host:port/dbname`` address (libpq's defaults for what it leaves out)."""
        parts = urlsplit(url.strip())
        user = unquote(parts.username) if parts.username else os.environ.get("PGUSER") or _os_user()
        host = parts.hostname or os.environ.get("PGHOST") or "localhost"
        try:
            port = parts.port or int(os.environ.get("PGPORT") or DEFAULT_PORT)
        except ValueError:  # a port that is not a number: libpq refuses the address, the key does not matter
            port = DEFAULT_PORT
        dbname = unquote(parts.path.lstrip("/")) or os.environ.get("PGDATABASE") or user
        return cls(host=host, port=port, dbname=dbname, user=user)

    @property
    def key(self) -> str:
        """The keyring's "user name" for this login (one service holds every team database)."""
        return f"{self.user}@{self.host}:{self.port}/{self.dbname}"

    def url(self) -> str:
        """The address without a password (what the app remembers and shows)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"postgresql://{quote(self.user, safe='')}@{host}:{self.port}/{quote(self.dbname, safe='')}"


@dataclass(frozen=True)
class Saved:
    """Where :func:`save_password` put the password; ``warning`` is for the user (plain-text file)."""

    where: str  # "keyring" or "pgpass"
    path: Path | None = None
    warning: str | None = None


def _os_user() -> str:
    try:
        return getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        return "postgres"


# --- the keyring ---------------------------------------------------------------------------------


def _keyring():
    """The ``keyring`` module, or None when it is not installed."""
    try:
        import keyring
    except ImportError:
        return None
    return keyring


def keyring_usable() -> bool:
    """True when the OS keyring can keep a password (not ``keyring``'s fail/null or a plain-text backend)."""
    kr = _keyring()
    if kr is None:
        return False
    try:
        backend = kr.get_keyring()
        from keyring.backends.chainer import ChainerBackend

        backends = backend.backends if isinstance(backend, ChainerBackend) else [backend]
        # Priority >= 1: Windows, macOS, Secret Service, KWallet. fail (0), null (-1) and keyrings.alt's
        # plain-text/encrypted files (< 1) are not a keyring that keeps a password safe.
        return any(float(b.priority) >= 1 for b in backends)
    except Exception as exc:  # noqa: BLE001 - a backend that cannot even say its priority is not usable
        log.info("系统钥匙串不可用：%s", exc)
        return False


def keyring_name() -> str:
    """What the user calls the keyring on this system (for messages)."""
    if sys.platform == "win32":
        return "Windows 凭据管理器"
    if sys.platform == "darwin":
        return "macOS 钥匙串"
    return "系统钥匙串"


def use_for_session(login: Login, password: str) -> None:
    """Use ``password`` for ``login`` until the program ends, without keeping it anywhere on disk (记住密码 off).

    It lives in this process's environment (never on disk), so the worker processes the app starts (which
    open the store by its address) find it too. Any program the app launches inherits it as well (e.g. a
    file manager opened by 「打开文件夹」), as it would inherit ``PGPASSWORD``: only processes of the same
    system account, which could read this process's memory anyway.
    """
    held = _session_passwords()
    held[login.key] = password
    os.environ[_SESSION_ENV] = json.dumps(held)


def _session_passwords() -> dict[str, str]:
    try:
        held = json.loads(os.environ.get(_SESSION_ENV) or "{}")
    except ValueError:
        return {}
    return held if isinstance(held, dict) else {}


def _drop_session_password(login: Login) -> None:
    held = _session_passwords()
    if held.pop(login.key, None) is not None:
        os.environ[_SESSION_ENV] = json.dumps(held)


def load_password(login: Login) -> str | None:
    """The password for ``login``: given for this session, else kept in the keyring; None if neither."""
    held = _session_passwords().get(login.key)
    if isinstance(held, str):
        return held
    kr = _keyring()
    if kr is None or not keyring_usable():
        return None
    try:
        return kr.get_password(SERVICE, login.key)
    except Exception as exc:  # noqa: BLE001 - a locked or broken keyring: libpq may still find .pgpass
        log.warning("无法从%s读取团队数据库密码（%s）：%s", keyring_name(), login.key, exc)
        return None


def save_password(login: Login, password: str) -> Saved:
    """Keep ``password`` for ``login``: in the keyring, else in the PostgreSQL password file (with a warning)."""
    _drop_session_password(login)
    kr = _keyring()
    if kr is not None and keyring_usable():
        try:
            kr.set_password(SERVICE, login.key, password)
        except Exception as exc:  # noqa: BLE001 - the user refused to unlock it, or it broke: use the file
            log.warning("无法把团队数据库密码存入%s：%s；改存 PostgreSQL 密码文件", keyring_name(), exc)
        else:
            _remove_pgpass_entry(login)  # one place only: an old file entry would outlive a changed password
            return Saved("keyring")
    path = write_pgpass_entry(login, password)
    return Saved("pgpass", path, pgpass_warning(path))


def forget_password(login: Login) -> None:
    """Remove the password kept for ``login`` from the session, the keyring and the password file (no error if none)."""
    _drop_session_password(login)
    kr = _keyring()
    if kr is not None and keyring_usable():
        try:
            if kr.get_password(SERVICE, login.key) is not None:
                kr.delete_password(SERVICE, login.key)
        except Exception as exc:  # noqa: BLE001 - nothing to delete, or a locked keyring
            log.info("未能从%s删除团队数据库密码：%s", keyring_name(), exc)
    _remove_pgpass_entry(login)


def pgpass_warning(path: Path) -> str:
    who = "使用这个 Windows 账户的人" if sys.platform == "win32" else "使用这个系统账户的人"
    return (
        f"这台电脑没有可用的{keyring_name()}，密码只能保存在 PostgreSQL 的密码文件“{path}”中。"
        f"该文件未加密，{who}（以及能以该账户运行程序的人）都能读取它。"
        "不想这样的话，请取消「记住密码」，每次连接时输入密码。"
    )


# --- PostgreSQL's password file --------------------------------------------------------------------


def pgpass_path() -> Path:
    """The password file libpq reads: ``PGPASSFILE``, else ``%APPDATA%\\postgresql\\pgpass.conf`` / ``~/.pgpass``."""
    named = os.environ.get("PGPASSFILE")
    if named:
        return Path(named)
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else Path.home() / "AppData" / "Roaming"
        return base / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def _escape(field: str) -> str:
    return field.replace("\\", "\\\\").replace(":", "\\:")


def pgpass_line(login: Login, password: str) -> str:
    """``host:port:dbname:user:password`` with ``\\`` and ``:`` escaped as libpq expects."""
    fields = (login.host, str(login.port), login.dbname, login.user, password)
    if any("\n" in f or "\r" in f for f in fields):
        raise ValueError("a password file entry cannot hold a line break")
    return ":".join(_escape(f) for f in fields)


def _split_fields(line: str) -> list[str]:
    """The fields of one password file line, unescaped (as libpq reads them)."""
    fields, current, escaped = [], [], False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields


def _same_login(line: str, login: Login) -> bool:
    if not line.strip() or line.lstrip().startswith("#"):
        return False
    fields = _split_fields(line)
    return fields[:4] == [login.host, str(login.port), login.dbname, login.user]


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def _write_lines(path: Path, lines: list[str]) -> None:
    """Replace ``path`` with ``lines``, readable by its owner only (libpq ignores a group/world-readable file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".pgpass-", dir=str(path.parent))  # created with mode 600
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(line + "\n" for line in lines))
        if os.name == "posix":
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if os.name == "posix":
        os.chmod(path, 0o600)


def write_pgpass_entry(login: Login, password: str) -> Path:
    """Put ``login``'s password in the password file (replacing its old entry, keeping every other line)."""
    path = pgpass_path()
    lines = [line for line in _read_lines(path) if not _same_login(line, login)]
    # First: libpq uses the first matching line, and a wildcard line further up must not shadow this one.
    _write_lines(path, [pgpass_line(login, password), *lines])
    return path


def _remove_pgpass_entry(login: Login) -> None:
    path = pgpass_path()
    lines = _read_lines(path)
    kept = [line for line in lines if not _same_login(line, login)]
    if len(kept) != len(lines):
        _write_lines(path, kept)


def pgpass_has_entry(login: Login) -> bool:
    """True when the password file has a line for exactly this login."""
    return any(_same_login(line, login) for line in _read_lines(pgpass_path()))
