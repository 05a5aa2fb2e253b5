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


def text_width(text: str, size_pt: float) -> float:
    """About how wide ``text`` is in inches at ``size_pt`` points in the CJK font: a CJK character one
    em, anything else 0.6 em (enough for labels; the layout that measures is the slow part)."""
    ems = sum(1.0 if ord(c) >= 0x2E80 else 0.6 for c in text)
    return ems * size_pt / 72


def tick_room(largest: float, size_pt: float, *, decimals: int = 0, pad: float = 0.12) -> float:
    """Inches for the y tick labels of values up to ``largest`` at ``size_pt`` (the top tick may round up
    to a quarter more), plus ``pad`` between them and the axis: a left margin for :func:`margins_figure`."""
    return text_width(f"{largest * 1.25:,.{decimals}f}", size_pt) + pad


def margins_figure(
    width: float, height: float, *, left: float, right: float, top: float, bottom: float, gap: float = 0.0
):
    """A Figure like :func:`new_figure` whose margins are fixed in inches (``gap``: between subplot
    columns) and recomputed from its size at each draw, instead of measured by the constrained layout
    (~50–100 ms a draw). For charts whose labels are known when the figure is built."""
    from matplotlib.figure import Figure

    setup_matplotlib_fonts()
    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine(_inch_margins_class()(left=left, right=right, top=top, bottom=bottom, gap=gap))
    return fig


@lru_cache(maxsize=1)
def _inch_margins_class():
    from matplotlib.layout_engine import LayoutEngine

    class InchMargins(LayoutEngine):
        """Subplot margins in inches, turned into the figure's fractions at every draw (no text measured)."""

        _adjust_compatible = True
        _colorbar_gridspec = True

        def __init__(self, **params: float) -> None:
            super().__init__()
            self._params = params

        def execute(self, fig) -> None:
            p = self._params
            w, h = fig.get_size_inches()
            specs = [ax.get_subplotspec() for ax in fig.axes if ax.get_subplotspec() is not None]
            cols = max((spec.get_gridspec().ncols for spec in specs), default=1)
            inner = max(w - p["left"] - p["right"], 0.5)
            kw = {
                "left": min(p["left"] / w, 0.45),
                "right": max(1 - p["right"] / w, 0.55),
                "bottom": min(p["bottom"] / h, 0.45),
                "top": max(1 - p["top"] / h, 0.55),
            }
            if cols > 1:  # subplots_adjust's wspace is the gap over the mean subplot width
                kw["wspace"] = cols * p["gap"] / max(inner - (cols - 1) * p["gap"], 0.1)
            fig.subplots_adjust(**kw)

    return InchMargins
