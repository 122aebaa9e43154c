"""Plots of the course, readable when projected.

Conventions kept in every figure of the course:

- one colour per model name, the same in every notebook (:func:`color_for`);
- training solid, validation dashed;
- axes labelled with units, a legend, large fonts.

Functions return the matplotlib ``Figure`` and never change global settings.

Font sizes: the course's (:data:`FONT_SIZES`) unless the matplotlib configuration sets its own
(a ``matplotlibrc``, ``plt.style.use``, ``plt.rcParams``): the slide deck's kernel reads
``instructor/jupyter-data/slides-matplotlibrc``, so the same plots get bigger labels on the
slides while the notebook keeps the course's sizes (:data:`STYLE` looks the sizes up on use).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "color_for",
    "plot_decision_boundary",
    "plot_history",
    "plot_images",
    "plot_weight_histograms",
    "FONT_SIZES",
    "STYLE",
]

#: the course's font sizes (points), used where the matplotlib configuration keeps its defaults
FONT_SIZES: dict[str, float] = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "legend.fontsize": 10,
}
_LOOK: dict[str, Any] = {
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 90,
}


class _Style(Mapping[str, Any]):
    """The course's matplotlib settings, for ``plt.rc_context(STYLE)``.

    The look (grid, spines, dpi) is fixed; each font size of :data:`FONT_SIZES` is the
    current ``rcParams`` value when the configuration changed it from matplotlib's default
    (the slide deck's ``matplotlibrc``), else the course's size. Looked up on every use.
    """

    def __getitem__(self, key: str) -> Any:
        if key in FONT_SIZES:
            current = mpl.rcParams[key]
            return current if current != mpl.rcParamsDefault[key] else FONT_SIZES[key]
        return _LOOK[key]

    def __iter__(self) -> Iterator[str]:
        return iter([*FONT_SIZES, *_LOOK])

    def __len__(self) -> int:
        return len(FONT_SIZES) + len(_LOOK)

    def __repr__(self) -> str:
        return f"STYLE({dict(self)!r})"


#: ``plt.rc_context(STYLE)``: the course's look, and its font sizes unless a configuration
#: (the slide deck's) sets its own
STYLE: Mapping[str, Any] = _Style()

# Colour-blind-safe palette (Okabe-Ito, then Tableau) and the course's fixed names.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
           "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD"]
COLORS: dict[str, str] = {
    "baseline": "#000000", "plain": "#0072B2", "small net": "#56B4E9", "big net": "#0072B2",
    "more data": "#9467BD", "l2": "#D55E00", "l1": "#E69F00", "elastic net": "#CC79A7",
    "dropout": "#009E73", "batch norm": "#CC79A7", "early stopping": "#8C564B",
    "sgd": "#7F7F7F", "momentum": "#D55E00", "nesterov": "#E69F00", "rmsprop": "#009E73",
    "adam": "#CC79A7", "constant": "#7F7F7F", "exponential": "#D55E00", "step": "#E69F00",
    "cosine": "#009E73", "linear": "#56B4E9", "plateau": "#CC79A7", "cnn": "#17BECF",
    "combined": "#E69F00",
}


def color_for(name: str) -> str:
    """The colour of model ``name``, stable across notebooks and sessions.

    Names the course uses (``"plain"``, ``"l2"``, ``"dropout"``, ``"adam"`` ...,
    case and a trailing detail such as ``"dropout 0.5"`` ignored) have fixed
    colours; any other name gets one from a hash of its text.
    """
    key = name.lower().strip()
    if key in COLORS:
        return COLORS[key]
    first = key.split(" (")[0].rsplit(" ", 1)[0]
    if first in COLORS and first != key:
        return COLORS[first]
    return PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]


def _histories(runs: Mapping[str, Any]) -> dict[str, Mapping[str, Sequence[float]]]:
    out = {}
    for name, r in runs.items():
        out[name] = getattr(r, "history", r)
    return out


def plot_history(
    runs: Mapping[str, Any],
    metric: str | Sequence[str] = ("xent", "accuracy"),
    *,
    title: str | None = None,
    validation: bool = True,
    logy: bool = False,
    legend: str = "each",
) -> plt.Figure:
    """Training (solid) and validation (dashed) curves of several runs, per metric.

    Parameters
    ----------
    runs : mapping of str to Run or history dict
        ``{"name": run}`` where ``run.history`` (or the dict itself) maps
        keys such as ``"xent"`` and ``"val_xent"`` to per-epoch values.
    metric : str or sequence of str
        One panel per metric (e.g. ``"xent"``, ``"accuracy"``, ``"loss"``, ``"lr"``).
    title : str, optional
        Figure title.
    validation : bool
        Also draw the ``val_`` curves, dashed.
    logy : bool
        Logarithmic y axis.
    legend : {"each", "outside"}
        ``"each"``: a legend in every panel, where it covers the fewest curves;
        ``"outside"``: one legend for the figure, right of the panels, covering nothing.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if legend not in ("each", "outside"):
        raise ValueError(f"legend must be one of 'each', 'outside', got {legend!r}")
    metrics = [metric] if isinstance(metric, str) else list(metric)
    hists = _histories(runs)
    labels = {"xent": "cross-entropy (no penalty)", "accuracy": "accuracy",
              "loss": "loss (incl. penalty)", "lr": "learning rate"}
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8),
                                 squeeze=False)
        for ax, m in zip(axes[0], metrics, strict=True):
            for name, h in hists.items():
                if m not in h:
                    raise KeyError(f"{name!r} has no {m!r}; it has {sorted(h)}")
                c = color_for(name)
                epochs = np.arange(1, len(h[m]) + 1)
                ax.plot(epochs, h[m], color=c, lw=2, label=f"{name} train")
                if validation and f"val_{m}" in h:
                    ax.plot(epochs, h[f"val_{m}"], color=c, lw=2, ls="--",
                            label=f"{name} validation")
            ax.set_xlabel("epoch")
            ax.set_ylabel(labels.get(m, m))
            if logy:
                ax.set_yscale("log")
            if legend == "each":
                ax.legend(loc="best")
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        if legend == "outside":
            fig.legend(*axes[0][0].get_legend_handles_labels(), loc="upper left",
                       bbox_to_anchor=(1.0, 0.95))
    return fig


def plot_weight_histograms(
    weights: Mapping[str, np.ndarray | Any],
    *,
    bins: int = 80,
    title: str = "First-layer weights",
    range_: tuple[float, float] | None = None,
) -> plt.Figure:
    """Overlaid histograms of weight values, one per model.

    Parameters
    ----------
    weights : mapping of str to array or keras.Model
        Arrays of weights, or models (their first kernel is used).
    bins : int
        Number of bins.
    title : str
        Axes title.
    range_ : (float, float), optional
        Histogram range; defaults to the range of all values.
    """
    arrays = {}
    for name, w in weights.items():
        if hasattr(w, "layers"):
            w = next(layer.kernel for layer in w.layers if hasattr(layer, "kernel"))
        arrays[name] = np.asarray(w).ravel()
    lo = min(a.min() for a in arrays.values()) if range_ is None else range_[0]
    hi = max(a.max() for a in arrays.values()) if range_ is None else range_[1]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7, 3.8))
        for name, a in arrays.items():
            ax.hist(a, bins=bins, range=(lo, hi), histtype="step", lw=2,
                    color=color_for(name), label=f"{name} (std {a.std():.3f})")
        ax.set_yscale("log")
        ax.set_xlabel("weight value")
        ax.set_ylabel("count (log scale)")
        ax.set_title(title)
        ax.legend()
        fig.tight_layout()
    return fig


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray] | Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    ax: plt.Axes | None = None,
    title: str = "",
    resolution: int = 150,
) -> plt.Figure:
    """Shade the class a 2-D classifier predicts over the plane, with the points on top.

    Parameters
    ----------
    predict : callable or keras.Model
        Maps an ``(n, 2)`` array to scores ``(n, n_classes)`` or labels ``(n,)``.
    x : numpy.ndarray
        Points, shape ``(n, 2)``.
    y : numpy.ndarray
        Their labels, shape ``(n,)``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure otherwise.
    title : str
        Axes title.
    resolution : int
        Grid points per axis.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (n, 2), got {x.shape}")
    fn = predict
    if hasattr(predict, "predict_on_batch"):
        fn = lambda a: np.asarray(predict(a, training=False))  # noqa: E731
    pad = 0.3
    (x0, y0), (x1, y1) = x.min(0) - pad, x.max(0) + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    out = np.asarray(fn(grid))
    z = out.argmax(1) if out.ndim == 2 else out
    with plt.rc_context(STYLE):
        own = ax is None
        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 4.2))
        else:
            fig = ax.figure
        ax.contourf(gx, gy, z.reshape(gx.shape), levels=np.arange(z.max() + 2) - 0.5,
                    cmap="coolwarm", alpha=0.35)
        ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=14, edgecolors="k", linewidths=0.3)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_title(title)
        ax.grid(False)
        if own:
            fig.tight_layout()
    return fig


def plot_images(
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    pred: np.ndarray | None = None,
    n: int = 16,
    cols: int = 8,
    title: str = "",
) -> plt.Figure:
    """A grid of digit images with their labels (and predictions, red when wrong).

    Parameters
    ----------
    x : numpy.ndarray
        Images ``(n, h, w)``, ``(n, h, w, 1)`` or flattened square images ``(n, h*w)``.
    y : numpy.ndarray, optional
        Labels shown above each image.
    pred : numpy.ndarray, optional
        Predicted labels, shown after the label; red when they differ.
    n : int
        Number of images.
    cols : int
        Images per row.
    """
    x = np.asarray(x)[:n]
    if x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"flattened images must be square, got {x.shape[1]} pixels")
        x = x.reshape(-1, side, side)
    x = x.reshape(x.shape[0], x.shape[1], x.shape[2])
    rows = int(np.ceil(len(x) / cols))
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.5 * rows), squeeze=False)
        for i, ax in enumerate(axes.ravel()):
            ax.axis("off")
            if i >= len(x):
                continue
            ax.imshow(x[i], cmap="gray_r")
            if y is not None:
                text, color = f"{y[i]}", "black"
                if pred is not None:
                    text += f" → {pred[i]}"
                    color = "black" if pred[i] == y[i] else "red"
                ax.set_title(text, fontsize=mpl.rcParams["font.size"] * 11 / 12,
                             color=color)  # 11 pt next to the course's 12
        if title:
            fig.suptitle(title)
        fig.tight_layout()
    return fig
