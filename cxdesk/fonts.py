"""The bundled CJK font for matplotlib (Qt registers it in ``ui.app``).

The target machines (and CI) may have no Chinese font at all; without this,
chart labels render as empty boxes.
"""

from __future__ import annotations

from functools import lru_cache

from cxdesk.paths import cjk_font_path

CJK_FAMILY = "WenQuanYi Micro Hei"


@lru_cache(maxsize=1)
def setup_matplotlib_fonts() -> str:
    """Register the bundled font with matplotlib and make it the default.

    Its font list is cached in the app's cache folder (:mod:`cxdesk.caches`),
    so the frozen program does not rebuild it at every launch.
    """
    import sys

    if "matplotlib" not in sys.modules:  # the entry points do it first; this covers other callers
        from cxdesk.caches import configure_caches

        configure_caches()
    import matplotlib
    from matplotlib import font_manager

    path = cjk_font_path()
    if path.exists():
        font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [CJK_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return CJK_FAMILY


def new_figure(width: float, height: float):
    """A standalone matplotlib Figure (no pyplot) in inches, with the CJK font set and a layout that fits."""
    from matplotlib.figure import Figure

    setup_matplotlib_fonts()
    return Figure(figsize=(width, height), dpi=100, layout="constrained")
