"""Unit tests of helpers.landscapes (2-D toy losses and path measures for notebook 03)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.landscapes import (  # noqa: E402
    Quadratic,
    path_length,
    plot_paths,
    sign_changes,
    steps_to_reach,
)


def test_quadratic_value_and_gradient() -> None:
    q = Quadratic(curvatures=(1.0, 100.0))
    w = np.array([2.0, -0.5])
    assert q.value(w) == pytest.approx(0.5 * (4.0 + 100.0 * 0.25))
    np.testing.assert_allclose(q.grad(w), [2.0, -50.0])
    assert q.condition_number == 100.0
    grid = np.zeros((3, 4, 2))
    assert q.value(grid).shape == (3, 4)


def test_rotated_quadratic_keeps_its_curvatures() -> None:
    q = Quadratic(curvatures=(1.0, 25.0), angle=45.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [1.0, 25.0])
    # the gradient is the derivative of the value
    w, eps = np.array([0.3, -1.2]), 1e-6
    numeric = [(q.value(w + eps * e) - q.value(w - eps * e)) / (2 * eps) for e in np.eye(2)]
    np.testing.assert_allclose(q.grad(w), numeric, rtol=1e-6)


@pytest.mark.parametrize("bad", [(1.0,), (1.0, 0.0), (-1.0, 2.0), (1.0, 2.0, 3.0)])
def test_quadratic_rejects_bad_curvatures(bad: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="curvatures"):
        Quadratic(curvatures=bad)


def test_steps_to_reach() -> None:
    q = Quadratic(curvatures=(1.0, 1.0))
    path = np.array([[2.0, 0.0], [1.0, 0.0], [0.1, 0.0], [0.01, 0.0]])
    assert steps_to_reach(path, q, 0.1) == 2
    assert steps_to_reach(path, q, 1e-9) is None
    assert steps_to_reach(path, q, 10.0) == 0


def test_sign_changes_counts_reversals() -> None:
    zigzag = np.array([[0.0, 1.0], [0.0, -1.0], [0.0, 0.5], [0.0, -0.2], [0.0, -0.3]])
    # w2 steps: -2, +1.5, -0.7, -0.1: the direction reverses twice
    assert sign_changes(zigzag, axis=1) == 2
    straight = np.stack([np.linspace(-1, 0, 6), np.zeros(6)], axis=1)
    assert sign_changes(straight, axis=0) == 0
    assert sign_changes(straight, axis=1) == 0  # no movement is no reversal
    with pytest.raises(ValueError, match="axis"):
        sign_changes(straight, axis=2)


def test_path_length_and_shape_check() -> None:
    path = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 0.0]])
    assert path_length(path) == pytest.approx(9.0)
    with pytest.raises(ValueError, match="shape"):
        path_length(np.zeros((3, 3)))


def test_plot_paths_draws_one_line_per_path_and_custom_labels() -> None:
    q = Quadratic()
    paths = {"sgd": np.array([[-4.0, 1.0], [-3.9, -0.9]]), "momentum": np.array([[-4.0, 1.0]])}
    fig = plot_paths(q, paths, labels={"sgd": "plain descent"})
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[0] == "plain descent"
    assert texts[1].startswith("momentum (0 steps")
    plt.close(fig)
