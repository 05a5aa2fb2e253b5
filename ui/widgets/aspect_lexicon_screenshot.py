"""Render the 评价方面词表 editor (设置 → 编辑评价方面词表…) for the docs, offscreen.

``python -m ui.widgets.aspect_lexicon_screenshot [--out PNG]`` opens the editor
at its own size (1100×640, it fits a 1200×700 screen) in a temporary data folder
(unless ``CXDESK_DATA_DIR`` is set), selects the food pack's 口味 aspect, adds an
example word the shop might use and grabs the dialog. Nothing is saved. No
database is needed: the editor works on the lexicon files only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_WORDS = ("料给得足", "肉给得多", "味道正宗地道")  # the first one the lexicon does not hold yet is added


def render(out: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from cxdesk.analysis.aspect_lexicon_edit import MAIN
    from ui.app import configure_application
    from ui.widgets.aspect_lexicon_dialog import AspectLexiconDialog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    dialog = AspectLexiconDialog()
    dialog.show()
    food = next((p.file for p in dialog.draft.packs() if "口味" in p.aspects), None) if dialog.draft else None
    try:
        dialog.select_aspect("口味", food or MAIN)
    except KeyError:
        dialog.aspect_list.setCurrentRow(0)
    kind = "positive"
    for word in EXAMPLE_WORDS:
        if dialog.add_word(kind, word):
            break
    for _ in range(10):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(out))
    dialog.draft = None  # close without the 放弃修改 question
    dialog.close()
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="渲染「评价方面词表」编辑窗口截图（离屏）")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "lexicon-editor.png")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cxdesk-lexicon-shot-") as tmp:
        os.environ.setdefault("CXDESK_DATA_DIR", str(Path(tmp) / "data"))
        print(render(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
