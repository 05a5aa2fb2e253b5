"""The app's cache folder, where matplotlib and jieba keep what they rebuild otherwise.

matplotlib builds a font list (a few seconds the first time) and jieba a
pickled dictionary (about a second). Left alone, the frozen program puts
matplotlib's under a fresh temporary folder at every launch (PyInstaller's
runtime hook sets ``MPLCONFIGDIR`` to one) and jieba's in ``%TEMP%``, which
cleaners empty. Both go to :func:`cache_dir` instead: the per-user cache
folder (``%LOCALAPPDATA%\\cxdesk\\Cache`` on Windows), or the folder named by
``CXDESK_CACHE_DIR`` (portable installs). Tests share the user's cache on
purpose: a cache per test would rebuild jieba's dictionary in every test.
From a checkout matplotlib keeps its own (already lasting) cache folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_cache_dir

from cxdesk.paths import app_dir

CACHE_DIR_ENV = "CXDESK_CACHE_DIR"
MPLCONFIGDIR_ENV = "MPLCONFIGDIR"


def cache_dir() -> Path:
    """The app's cache folder (created on first use); deleting it only costs time at the next start."""
    return app_dir(CACHE_DIR_ENV, user_cache_dir)


def _sub(name: str) -> Path | None:
    try:
        path = cache_dir() / name
        path.mkdir(parents=True, exist_ok=True)
        return path
    except OSError:  # an unwritable profile: the libraries fall back to their own defaults
        return None


def configure_caches() -> None:
    """In the frozen program, point matplotlib's config/cache folder at the app's cache.

    Call it before matplotlib is imported. PyInstaller's runtime hook has set
    ``MPLCONFIGDIR`` to a throw-away temporary folder, so it is replaced;
    child processes inherit it. From a checkout nothing changes.
    """
    if not getattr(sys, "frozen", False):
        return
    folder = _sub("matplotlib")
    if folder is not None:
        os.environ[MPLCONFIGDIR_ENV] = str(folder)


def jieba_cache_dir() -> str | None:
    """The folder for jieba's dictionary cache (a ``jieba.Tokenizer``'s ``tmp_dir``), None to keep jieba's default."""
    folder = _sub("jieba")
    return str(folder) if folder is not None else None
