"""Test helpers for the UI: hygiene fixtures shared by ``tests/test_ui_*.py``.

They live here rather than in ``tests/conftest.py`` (owned by the core
team) and are imported by each UI test module. Only tests import this.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QThreadPool

from ui.workers import active_jobs


def _python_threads() -> set[str]:
    # Dummy threads are Python's view of Qt's own threads; they are not ours to join.
    return {t.name for t in threading.enumerate() if not isinstance(t, threading._DummyThread)}


@pytest.fixture(autouse=True)
def no_leftover_jobs(qtbot) -> Iterator[None]:
    """Fail a test that leaves background jobs, pools or threads running (napari habit)."""
    before = _python_threads()
    yield
    leftover = active_jobs()
    for job in leftover:  # clean up first, so one failure does not cascade
        job.discard()
        job.wait()
    assert not leftover, f"jobs still running after the test: {[j.label for j in leftover]}"
    assert QThreadPool.globalInstance().waitForDone(5000)
    extra = _python_threads() - before
    assert not extra, f"threads left running: {extra}"
