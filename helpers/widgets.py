"""Sliders that redraw a plot, with the time of every redraw recorded.

:func:`interactive_plot` wraps ``ipywidgets.interactive``: each control change
calls the drawing function, and how long the call took is kept in
:data:`LATENCIES` so that the benchmark (``make bench``) and the tests can hold
every widget to the 2-second budget.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["ERRORS", "LATENCIES", "REGISTRY", "interactive_plot", "measure_latencies"]

#: seconds of each redraw, by widget name
LATENCIES: dict[str, list[float]] = {}
#: exceptions raised by a redraw, by widget name (ipywidgets only shows them in the output)
ERRORS: dict[str, list[str]] = {}
#: the live widgets of this kernel, by name
REGISTRY: dict[str, Any] = {}


def interactive_plot(func: Callable[..., Any], *, name: str | None = None,
                     **controls: Any) -> Any:
    """Display ``func``'s output under widgets; re-run it when a control changes.

    Parameters
    ----------
    func : callable
        Draws (and, if needed, trains). Its keyword arguments are the controls.
    name : str, optional
        Name of the widget in :data:`LATENCIES` (default: ``func.__name__``).
    **controls
        ipywidgets controls or abbreviations, as for ``ipywidgets.interact``.
        Sliders do not update while dragging (``continuous_update=False``):
        one redraw when the mouse is released.

    Returns
    -------
    ipywidgets.interactive
        The displayed widget (its ``.children`` are the controls, then the output).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    key = name or func.__name__

    def timed(**kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            out = func(**kwargs)
            plt.show()
        except Exception as err:
            ERRORS.setdefault(key, []).append(f"{type(err).__name__}: {err} (with {kwargs})")
            raise
        finally:
            LATENCIES.setdefault(key, []).append(time.perf_counter() - start)
        return out

    for c in controls.values():
        if hasattr(c, "continuous_update"):
            c.continuous_update = False
    widget = w.interactive(timed, **controls)
    widget.layout = w.Layout(min_height="300px")
    REGISTRY[key] = widget
    display(widget)
    return widget


def _other_value(control: Any) -> Any:
    """A value different from the control's current one (for the benchmark)."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return next((v for v in values if v != control.value), control.value)
    if hasattr(control, "max") and hasattr(control, "min"):
        base = getattr(control, "base", None)  # FloatLogSlider: min and max are exponents
        lo, hi = (control.min, control.max) if base is None else (base**control.min,
                                                                   base**control.max)
        return hi if control.value != hi else lo
    if isinstance(control.value, bool):
        return not control.value
    return control.value


def measure_latencies() -> dict[str, float]:
    """Move every control of every registered widget once; return the slowest redraw per widget.

    Used by ``make bench`` after a notebook has run, in the same kernel.

    Raises
    ------
    RuntimeError
        If a redraw raised (ipywidgets would only show the traceback in the widget).
    """
    worst: dict[str, float] = {}
    for key, widget in REGISTRY.items():
        for control in widget.children:
            if not hasattr(control, "value") or control is widget.out:
                continue
            before = len(LATENCIES.get(key, []))
            errors = len(ERRORS.get(key, []))
            control.value = _other_value(control)
            if ERRORS.get(key, [])[errors:]:
                what = getattr(control, "description", "") or "a control"
                raise RuntimeError(f"widget {key!r} failed when {what} changed: {ERRORS[key][-1]}")
            new = LATENCIES.get(key, [])[before:]
            if new:
                worst[key] = max(worst.get(key, 0.0), max(new))
    return worst
