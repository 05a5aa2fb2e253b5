"""The core never loads Qt: checked by importing every module fresh, and by import-linter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import cxdesk

ROOT = Path(__file__).resolve().parent.parent


def _all_core_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(cxdesk.__path__, prefix="cxdesk.")]


def test_core_has_modules_to_check() -> None:
    names = _all_core_modules()
    assert "cxdesk.store" in names and "cxdesk.tasks" in names and "cxdesk.cli" in names


def test_importing_every_core_module_loads_no_qt() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {_all_core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print('LOADED:' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "LOADED:\n" in out.stdout or out.stdout.strip() == "LOADED:", out.stdout


def test_import_contracts_hold() -> None:
    """import-linter contracts from pyproject.toml (core forbids PySide6 and ui; ui above cxdesk)."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--no-cache",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 2 kept, 0 broken" in out.stdout, out.stdout
