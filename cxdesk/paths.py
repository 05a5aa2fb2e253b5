"""Where cxdesk keeps its data and finds its resources.

The data directory is the per-user application folder (platformdirs), or the
folder named by the ``CXDESK_DATA_DIR`` environment variable, which tests and
portable installs use.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_dir

DATA_DIR_ENV = "CXDESK_DATA_DIR"
DB_FILE_NAME = "cxdesk.sqlite3"
DEMO_DB_FILE_NAME = "demo.sqlite3"


def app_dir(env: str, platform_dir) -> Path:
    """The folder named by environment variable ``env``, else ``platform_dir("cxdesk")`` (a
    platformdirs function); created on first use. Data and cache folders both come from here."""
    override = os.environ.get(env)
    path = Path(override) if override else Path(platform_dir("cxdesk", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """The user's cxdesk data folder (created on first use)."""
    return app_dir(DATA_DIR_ENV, user_data_dir)


def default_db_path() -> Path:
    """The database used when no ``--db`` is given."""
    return data_dir() / DB_FILE_NAME


def demo_db_path() -> Path:
    """The synthetic demo shop's own database, beside the user's (never the user's store itself)."""
    return data_dir() / DEMO_DB_FILE_NAME


def is_demo_db(path: str | Path) -> bool:
    """True when ``path`` is the demo's own database file (see :func:`demo_db_path`)."""
    try:
        return Path(path).resolve() == demo_db_path().resolve()
    except OSError:
        return False


def resources_dir() -> Path:
    """Bundled read-only resources (fonts, lexicons, rule packs, models).

    In a PyInstaller build they sit under ``sys._MEIPASS``; from a checkout
    they are the top-level ``resources/`` folder beside ``cxdesk/``.
    """
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def user_resources_dir() -> Path:
    """The folder where users drop files that override bundled resources."""
    path = data_dir() / "resources"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resource_path(*parts: str) -> Path:
    """A resource file, preferring the user's override copy when it exists."""
    user_copy = user_resources_dir().joinpath(*parts)
    if user_copy.exists():
        return user_copy
    return resources_dir().joinpath(*parts)


def cjk_font_path() -> Path:
    """The bundled CJK font registered with Qt and matplotlib."""
    return resources_dir() / "fonts" / "wqy-microhei.ttc"
