"""Sliders that redraw a plot.

:func:`interactive_plot` wraps ``ipywidgets.interactive``: each control change calls the
drawing function again. Its output also carries a picture of the first drawing, so that a page
without a running kernel (a handout, GitHub, the course website) shows the plot instead of a
blank.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

__all__ = ["interactive_plot"]


def _png_of_open_figures() -> str | None:
    """The open matplotlib figure (the last one, if several) as base64 PNG, or None."""
    import matplotlib.pyplot as plt

    if not plt.get_fignums():
        return None
    buffer = io.BytesIO()
    plt.gcf().savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def interactive_plot(func: Callable[..., Any], *, name: str | None = None,
                     **controls: Any) -> Any:
    """Display ``func``'s output under widgets; re-run it when a control changes.

    Parameters
    ----------
    func : callable
        Draws (and, if needed, trains). Its keyword arguments are the controls.
    name : str, optional
        Name of the widget (default: ``func.__name__``); the benchmark reports it.
    **controls
        ipywidgets controls or abbreviations, as for ``ipywidgets.interact``.
        Sliders do not update while dragging (``continuous_update=False``):
        one redraw when the mouse is released.

    Returns
    -------
    ipywidgets.interactive
        The displayed widget (its ``.children`` are the controls, then the output).

    Notes
    -----
    The cell's output holds the live widget and, in the same display, a PNG of the first
    drawing: JupyterLab shows the widget, renderers without a kernel show the PNG.
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    first: list[str | None] = []

    def draw(**kwargs: Any) -> Any:
        out = func(**kwargs)
        if not first:
            first.append(_png_of_open_figures())
        plt.show()
        return out

    draw.__name__ = draw.__qualname__ = name or func.__name__
    for c in controls.values():
        if hasattr(c, "continuous_update"):
            c.continuous_update = False
    widget = w.interactive(draw, **controls)  # draws once, with the controls' values
    widget.layout = w.Layout(min_height="300px")
    bundle = widget._repr_mimebundle_()
    if first and first[0] is not None:
        bundle["image/png"] = first[0]
    display(bundle, raw=True)
    return widget
