"""2-D toy losses for optimizer trajectories, measures of a path, and a contour plot.

The update rules themselves (gradient descent, momentum, RMSprop, Adam ...) are
written out in the lecture notebook: this module is only the plumbing around
them. NumPy only, so a slider that redraws a trajectory answers at once.

Examples
--------
>>> import numpy as np
>>> from helpers.landscapes import Quadratic, steps_to_reach
>>> q = Quadratic(curvatures=(1.0, 10.0))
>>> q.value(np.array([1.0, 1.0]))
5.5
>>> path = [np.array([1.0, 1.0])]
>>> for _ in range(100):
...     path.append(path[-1] - 0.1 * q.grad(path[-1]))
>>> steps_to_reach(np.array(path), q, 1e-6)
63
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from helpers import validate

__all__ = ["Quadratic", "path_length", "plot_paths", "sign_changes", "steps_to_reach"]


class Quadratic:
    """The quadratic bowl ``f(w) = 0.5 * sum_i h_i * u_i**2`` with ``u = R(angle)^T w``.

    Parameters
    ----------
    curvatures : pair of float
        ``(h_1, h_2) > 0``: the second derivatives along the bowl's two axes. Their
        ratio is the *condition number*: the larger it is, the narrower the valley.
    angle : float
        Rotation of the bowl's axes in degrees (0: axes along ``w1`` and ``w2``).

    Attributes
    ----------
    hessian : numpy.ndarray
        The constant 2x2 matrix of second derivatives.
    """

    def __init__(self, curvatures: Sequence[float] = (1.0, 100.0), angle: float = 0.0) -> None:
        h = np.asarray(curvatures, dtype=float)
        if h.shape != (2,) or not np.all(h > 0):
            raise ValueError(f"curvatures must be two positive numbers, got {curvatures!r}")
        self.curvatures = h
        self.angle = float(angle)
        t = np.deg2rad(self.angle)
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        self.hessian = rot @ np.diag(h) @ rot.T
        self.minimum = np.zeros(2)

    @property
    def condition_number(self) -> float:
        """Largest over smallest curvature."""
        return float(self.curvatures.max() / self.curvatures.min())

    def value(self, w: np.ndarray) -> Any:
        """``f(w)`` for one point ``(2,)`` or a grid ``(..., 2)``."""
        w = np.asarray(w, dtype=float)
        out = 0.5 * np.einsum("...i,ij,...j->...", w, self.hessian, w)
        return float(out) if out.ndim == 0 else out

    def grad(self, w: np.ndarray) -> np.ndarray:
        """The gradient ``H w`` at one point ``(2,)``."""
        return self.hessian @ np.asarray(w, dtype=float)

    def __repr__(self) -> str:
        h1, h2 = self.curvatures
        return f"Quadratic(curvatures=({h1:g}, {h2:g}), angle={self.angle:g})"


def _as_path(path: Any) -> np.ndarray:
    p = np.asarray(path, dtype=float)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"a path must have shape (steps + 1, 2), got {p.shape}")
    return p


def steps_to_reach(path: Any, loss: Quadratic, tol: float) -> int | None:
    """First step ``k`` with ``f(w_k) < tol`` (``path[0]`` is step 0), or None if never."""
    values = loss.value(_as_path(path))
    hit = np.flatnonzero(values < tol)
    return int(hit[0]) if hit.size else None


def sign_changes(path: Any, axis: int = 1) -> int:
    """How often the step along coordinate ``axis`` reverses direction: a zig-zag count."""
    validate.one_of("axis", axis, (0, 1))
    steps = np.diff(_as_path(path)[:, axis])
    signs = np.sign(steps[steps != 0])
    return int(np.sum(signs[1:] != signs[:-1]))


def path_length(path: Any) -> float:
    """Total distance travelled: the sum of the lengths of all steps."""
    return float(np.sum(np.linalg.norm(np.diff(_as_path(path), axis=0), axis=1)))


def plot_paths(
    loss: Quadratic,
    paths: Mapping[str, Any],
    *,
    ax: plt.Axes | None = None,
    xlim: tuple[float, float] = (-5.0, 5.0),
    ylim: tuple[float, float] = (-1.5, 1.5),
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> plt.Figure:
    """Trajectories drawn over the contours of ``loss``, one colour per optimizer.

    Parameters
    ----------
    loss : Quadratic
        The loss whose (log-spaced) contours are drawn.
    paths : mapping of str to array of shape (steps + 1, 2)
        ``{"name": path}``; colours come from :func:`helpers.plots.color_for`.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    xlim, ylim : pair of float
        The window.
    title : str, optional
        Axes title.
    labels : mapping of str to str, optional
        Legend text per name (default: the name and the number of steps drawn).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from helpers.plots import STYLE, color_for

    with plt.rc_context(STYLE):
        if ax is None:
            fig, ax = plt.subplots(figsize=(9, 4.2))
        else:
            fig = ax.figure
        g1, g2 = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
        z = loss.value(np.stack([g1, g2], axis=-1))
        levels = np.geomspace(max(z.min(), 1e-3), z.max(), 14)
        ax.contour(g1, g2, z, levels=levels, colors="0.6", linewidths=0.8)
        for name, path in paths.items():
            p = _as_path(path)
            label = (labels or {}).get(name, f"{name} ({len(p) - 1} steps)")
            ax.plot(p[:, 0], p[:, 1], "-o", ms=2.5, lw=1.4, color=color_for(name), label=label)
        ax.plot(*loss.minimum, marker="*", ms=14, color="k", ls="none", label="minimum")
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_xlabel("$w_1$")
        ax.set_ylabel("$w_2$")
        if title:
            ax.set_title(title)
        ax.legend(loc="upper right", fontsize=9)
        ax.grid(False)
    return fig
