"""Shared test set-up: offscreen Qt, and a private data dir per test.

QT_QPA_PLATFORM must be set before any Qt import, hence at module top.
The UI keeps its QSettings in an INI file inside the data directory, so
pointing CXDESK_DATA_DIR at tmp_path isolates both the database and the
settings of every test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "cxdesk-data"
    monkeypatch.setenv("CXDESK_DATA_DIR", str(data))
    return data


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.sqlite3"


@pytest.fixture
def store(db_path: Path):
    from cxdesk.store import open_store

    s = open_store(db_path)
    yield s
    s.close()
