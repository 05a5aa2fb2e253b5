"""UI state kept between runs (geometry, last folders, current page).

Only UI state lives here; analysis rules and lexicons are files that
``cxdesk`` reads, so the CLI gets the same answers. Each key is declared
once, with its type and default, as an :class:`Option` (picard's
``options.py`` habit), so a typo cannot silently create a second key.

The INI file sits in ``cxdesk.paths.data_dir()``: tests that point
``CXDESK_DATA_DIR`` at a temp folder get private settings for free, and a
portable install carries its settings along.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from cxdesk.paths import data_dir

T = TypeVar("T")

SETTINGS_FILE_NAME = "ui-settings.ini"
SETTINGS_VERSION = 1


def _to_bool(raw: Any) -> bool:
    # INI files give back strings: "true"/"false".
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes")
    return bool(raw)


def _to_bytes(raw: Any) -> QByteArray:
    if isinstance(raw, QByteArray):
        return raw
    if isinstance(raw, (bytes, bytearray)):
        return QByteArray(bytes(raw))
    raise TypeError(f"not a byte array: {raw!r}")


_CONVERTERS: dict[type, Callable[[Any], Any]] = {
    bool: _to_bool,
    int: int,
    str: str,
    QByteArray: _to_bytes,
}


class Option(Generic[T]):
    """One settings key with its type and default; declared once at module level."""

    registry: ClassVar[dict[str, Option[Any]]] = {}

    def __init__(self, key: str, value_type: type[T], default: T) -> None:
        if key in Option.registry:
            raise ValueError(f"settings key declared twice: {key}")
        self.key = key
        self.value_type = value_type
        self.default = default
        Option.registry[key] = self

    def get(self, settings: UiSettings) -> T:
        """The stored value, or the default when missing or unreadable."""
        raw = settings.qsettings.value(self.key)
        if raw is None:
            return self.default
        try:
            return _CONVERTERS[self.value_type](raw)
        except (TypeError, ValueError):
            return self.default

    def set(self, settings: UiSettings, value: T) -> None:
        settings.qsettings.setValue(self.key, value)


SETTINGS_VERSION_KEY = Option("meta/settings_version", int, 0)
WINDOW_GEOMETRY = Option("main_window/geometry", QByteArray, QByteArray())
CURRENT_PAGE = Option("main_window/current_page", str, "overview")
LAST_IMPORT_DIR = Option("paths/last_import_dir", str, "")
LAST_EXPORT_DIR = Option("paths/last_export_dir", str, "")
# 「隐藏个人信息」: phone numbers, addresses, names and nicks starred on screen (on until the user turns it off).
MASK_PERSONAL = Option("privacy/mask_personal", bool, True)
# The team database last connected to (设置 → 连接团队数据库…): its address WITHOUT a password (the password
# is in the OS keyring or PostgreSQL's password file, cxdesk.store.pg.credentials), and whether the app
# was on it when last used, so the next start reconnects to it (falling back to the local store if it fails).
LAST_TEAM_DB = Option("team_db/last_url", str, "")
START_ON_TEAM_DB = Option("team_db/reconnect_at_start", bool, False)


def settings_path() -> Path:
    """Where the UI settings INI file lives for the current data folder."""
    return data_dir() / SETTINGS_FILE_NAME


class UiSettings:
    """The UI's QSettings, opened on the INI file and migrated to the current version."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_path()
        self.qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._migrate()

    def get(self, option: Option[T]) -> T:
        return option.get(self)

    def set(self, option: Option[T], value: T) -> None:
        option.set(self, value)

    def sync(self) -> None:
        """Write to disk now, so a reopened window (or a crash) sees the values."""
        self.qsettings.sync()

    def _migrate(self) -> None:
        """Upgrade keys written by older versions (none yet: v1 is the first)."""
        stored = SETTINGS_VERSION_KEY.get(self)
        if stored >= SETTINGS_VERSION:
            return
        # Future: rename/convert keys here, stepping stored -> SETTINGS_VERSION.
        SETTINGS_VERSION_KEY.set(self, SETTINGS_VERSION)
