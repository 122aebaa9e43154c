"""helpers.plots and helpers.widgets: labelled figures, one colour per model, timed widgets."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import ipywidgets  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from helpers import plots, widgets  # noqa: E402


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield
    plt.close("all")
    ipywidgets.Widget.close_all()  # widgets of one test are not measured in the next


def _history(n: int, start: float) -> dict[str, list[float]]:
    xent = list(np.linspace(start, start / 4, n))
    return {"xent": xent, "val_xent": [v + 0.2 for v in xent],
            "accuracy": list(np.linspace(0.5, 1.0, n)),
            "val_accuracy": list(np.linspace(0.4, 0.8, n))}


def _colour(name: str) -> str:
    return to_hex(plots.color_for(name))


def _lines(ax: plt.Axes) -> dict[str, tuple[str, str]]:
    return {line.get_label(): (to_hex(line.get_color()), line.get_linestyle())
            for line in ax.get_lines()}


# ----------------------------------------------------------------------- colours


def test_color_for_fixed_names_ignore_case_and_details() -> None:
    assert plots.color_for("dropout") == plots.COLORS["dropout"]
    assert plots.color_for("Dropout") == plots.color_for(" dropout ") == plots.COLORS["dropout"]
    assert plots.color_for("dropout 0.5") == plots.COLORS["dropout"]
    assert plots.color_for("l2 (lambda=0.01)") == plots.COLORS["l2"]
    assert plots.color_for("batch norm") == plots.COLORS["batch norm"]


def test_color_for_other_names_is_stable_and_from_the_palette() -> None:
    names = ["my model", "wide net 3", "Model B", "x"]
    colours = [plots.color_for(n) for n in names]
    assert colours == [plots.color_for(n) for n in names]
    assert set(colours) <= set(plots.PALETTE)
    # stable across sessions: not Python's salted hash()
    code = f"from helpers.plots import color_for; print([color_for(n) for n in {names!r}])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PYTHONHASHSEED": "123", "PATH": "/usr/bin"})
    assert out.stdout.strip() == repr(colours)


# Models the course draws in one figure must be told apart.
TOGETHER = {
    "01 capacity and remedies": ["baseline", "small net", "big net", "more data", "l2",
                                 "dropout", "early stopping"],
    "02 penalties": ["plain", "l2", "l1", "elastic net"],
    "03 optimizers": ["sgd", "momentum", "nesterov", "rmsprop", "adam"],
    "04 schedules": ["constant", "exponential", "step", "cosine", "linear", "plateau"],
    "05-07": ["plain", "early stopping", "dropout", "batch norm"],
    "09 together": ["baseline", "combined", "cnn", "dropout", "l2", "batch norm"],
}


@pytest.mark.parametrize("group", TOGETHER, ids=list(TOGETHER))
def test_models_shown_together_have_different_colours(group: str) -> None:
    names = TOGETHER[group]
    colours = {n: plots.color_for(n) for n in names}
    clashes = {c: [n for n in names if colours[n] == c] for c in set(colours.values())}
    assert len(set(colours.values())) == len(names), {c: n for c, n in clashes.items()
                                                      if len(n) > 1}


# ----------------------------------------------------------------------- history


def test_plot_history_train_solid_validation_dashed_one_colour_per_model() -> None:
    runs = {"plain": _history(10, 2.0), "dropout": _history(10, 1.5)}
    fig = plots.plot_history(runs, metric=("xent", "accuracy"), title="Overfitting")
    assert isinstance(fig, plt.Figure) and len(fig.axes) == 2
    assert fig._suptitle is not None and fig._suptitle.get_text() == "Overfitting"
    for ax, label in zip(fig.axes, ("cross-entropy (no penalty)", "accuracy"), strict=True):
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == label
        assert ax.get_legend() is not None
        lines = _lines(ax)
        assert set(lines) == {"plain train", "plain validation", "dropout train",
                              "dropout validation"}
        for name in runs:
            colour = _colour(name)
            assert lines[f"{name} train"] == (colour, "-")
            assert lines[f"{name} validation"] == (colour, "--")
        assert lines["plain train"][0] != lines["dropout train"][0]
    x, y = fig.axes[0].get_lines()[0].get_data()
    assert list(x) == list(range(1, 11)) and np.allclose(y, runs["plain"]["xent"])


def test_plot_history_takes_runs_and_options() -> None:
    from helpers.training import Run

    run = Run("l2", _history(5, 1.0), model=None)
    fig = plots.plot_history({"l2": run}, metric="xent", validation=False, logy=True)
    ax = fig.axes[0]
    assert _lines(ax) == {"l2 train": (_colour("l2"), "-")}
    assert ax.get_yscale() == "log"


def test_plot_history_unknown_metric_names_it_and_what_exists() -> None:
    with pytest.raises(KeyError, match=r"'plain' has no 'lr'; it has \['accuracy', "):
        plots.plot_history({"plain": _history(3, 1.0)}, metric="lr")


def test_plots_do_not_change_global_settings() -> None:
    before = dict(plt.rcParams)
    plots.plot_history({"plain": _history(3, 1.0)})
    plots.plot_weight_histograms({"plain": np.ones(5)})
    assert dict(plt.rcParams) == before


# ----------------------------------------------------------------------- other plots


def test_plot_weight_histograms_from_arrays_and_models() -> None:
    rng = np.random.default_rng(0)
    # duck-typed like a keras model (no TensorFlow import here): its first kernel is drawn
    model = SimpleNamespace(layers=[SimpleNamespace(name="input"),
                                    SimpleNamespace(kernel=rng.normal(size=(4, 3))),
                                    SimpleNamespace(kernel=np.zeros((3, 2)))])
    fig = plots.plot_weight_histograms({"plain": rng.normal(size=500), "l2": model},
                                       title="weights")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "weight value" and "count" in ax.get_ylabel()
    assert ax.get_title() == "weights" and ax.get_yscale() == "log"
    patches = ax.patches
    assert [to_hex(p.get_edgecolor()) for p in patches] == [_colour("plain"), _colour("l2")]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("plain (std ") and labels[1].startswith("l2 (std ")
    first_kernel = model.layers[1].kernel.ravel()
    assert labels[1] == f"l2 (std {first_kernel.std():.3f})"  # the first kernel is used


def test_plot_decision_boundary() -> None:
    x = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    calls: list[int] = []

    def predict(a: np.ndarray) -> np.ndarray:
        calls.append(len(a))
        return (a[:, 1] > 0.5).astype(int)

    fig = plots.plot_decision_boundary(predict, x, y, title="rule", resolution=20)
    ax = fig.axes[0]
    assert calls == [400] and ax.get_title() == "rule"
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    fig2, own = plt.subplots()
    assert plots.plot_decision_boundary(predict, x, y, ax=own, resolution=10) is fig2


def test_plot_decision_boundary_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"x must have shape \(n, 2\), got \(4, 3\)"):
        plots.plot_decision_boundary(lambda a: a, np.zeros((4, 3)), np.zeros(4))


def test_plot_images_marks_wrong_predictions() -> None:
    x = np.random.default_rng(0).random((5, 784))
    fig = plots.plot_images(x, np.array([1, 2, 3, 4, 5]), pred=np.array([1, 2, 0, 4, 0]),
                            n=5, cols=4)
    titled = [ax for ax in fig.axes if ax.get_title()]
    assert len(fig.axes) == 8 and len(titled) == 5
    red = [ax.get_title() for ax in titled if to_hex(ax.title.get_color()) == "#ff0000"]
    assert red == ["3 → 0", "5 → 0"]


def test_plot_images_non_square() -> None:
    with pytest.raises(ValueError, match="flattened images must be square, got 10 pixels"):
        plots.plot_images(np.zeros((2, 10)))


# ----------------------------------------------------------------------- widgets


def _displayed(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What interactive_plot hands to IPython's display, bundle by bundle."""
    import IPython.display

    shown: list[dict] = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append(obj if raw else {"obj": obj}))
    return shown


def test_interactive_plot_draws_at_once_and_on_each_change(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _displayed(monkeypatch)
    seen: list[float] = []

    def show(lam: float = 0.01) -> None:
        seen.append(lam)
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, lam])

    w = widgets.interactive_plot(show, lam=ipywidgets.FloatSlider(value=0.1, min=0, max=1))
    assert isinstance(w, ipywidgets.interactive) and w.f.__name__ == "show"
    assert seen == [0.1]  # drawn once at once
    assert w.children[0].continuous_update is False  # one redraw on release, not while dragging
    w.children[0].value = 0.5
    assert seen == [0.1, 0.5]
    named = widgets.interactive_plot(show, name="penalty", lam=ipywidgets.FloatSlider())
    assert named.f.__name__ == "penalty"  # the name the benchmark reports


def test_interactive_plot_leaves_a_picture_of_its_first_drawing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _displayed(monkeypatch)

    def show(k: int = 1) -> None:
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.plot([0, 1], [0, k])

    w = widgets.interactive_plot(show, k=ipywidgets.IntSlider(value=2, min=1, max=3))
    (bundle,) = shown
    # one display: the live widget for JupyterLab and Voila, a PNG for pages without a kernel
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.model_id
    png = __import__("base64").b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG") and len(png) > 1000
    assert "text/plain" in bundle
    w.children[0].value = 3  # later drawings do not add outputs
    assert len(shown) == 1


def test_interactive_plot_without_a_figure_leaves_no_picture(
        monkeypatch: pytest.MonkeyPatch) -> None:
    shown = _displayed(monkeypatch)
    widgets.interactive_plot(lambda k=1: print(k), name="text", k=ipywidgets.IntSlider())
    assert "image/png" not in shown[0]


def test_a_static_renderer_shows_the_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    """nbconvert (handouts, the site's HTML) shows the PNG where no widget state is saved."""
    import nbformat
    from nbconvert import HTMLExporter

    shown = _displayed(monkeypatch)

    def show(k: int = 1) -> None:
        plt.subplots(figsize=(3, 2))[1].plot([0, 1], [0, k])

    widgets.interactive_plot(show, k=ipywidgets.IntSlider(value=2, min=1, max=3))
    cell = nbformat.v4.new_code_cell("interactive_plot(show, k=...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data=shown[0])]
    html, _ = HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(cells=[cell]))
    assert "data:image/png;base64," + shown[0]["image/png"][:40] in html


def test_helpers_hold_no_benchmark_code() -> None:
    assert not {"LATENCIES", "REGISTRY", "ERRORS", "measure_latencies"} & set(vars(widgets))


def test_the_benchmark_measures_widgets_from_outside() -> None:
    """instructor.bench finds interactive widgets through ipywidgets' registry and times them."""
    from instructor import bench

    calls: list[tuple[object, ...]] = []

    def slow(lam: float = 0.01, opt: str = "sgd", bn: bool = False, n: int = 3) -> None:
        calls.append((lam, opt, bn, n))
        time.sleep(0.15 if opt == "adam" else 0.01)

    widgets.interactive_plot(
        slow, name="knobs",
        lam=ipywidgets.FloatLogSlider(value=1e-4, base=10, min=-4, max=0),  # at its minimum
        opt=ipywidgets.Dropdown(options=["sgd", "adam"], value="sgd"),
        bn=ipywidgets.Checkbox(value=False),
        n=ipywidgets.IntSlider(value=5, min=1, max=5))  # at its maximum
    worst = bench.measure_widgets()
    assert len(calls) == 5, calls  # the first draw, then one per control
    lam, opt, bn, n = calls[-1]
    assert np.isclose(lam, 1.0) and opt == "adam" and bn is True and n == 1
    assert "knobs" in worst and 0.15 <= worst["knobs"] < 2.0
