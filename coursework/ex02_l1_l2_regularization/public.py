"""Public self-checks of exercise 02 (L1 / L2). Hidden checks: hidden.py."""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx, diagnose
from coursework.ex02_l1_l2_regularization.spec import PUBLIC_INPUTS, public_layers
from coursework.ex02_l1_l2_regularization.tables import EXPECTED


def _penalty_check(c: Ctx, name: str) -> None:
    for (seed, lam), table in zip(PUBLIC_INPUTS[name], EXPECTED[name], strict=True):
        got = c.number(f"{name}(...)", c.call(name, public_layers(seed), lam))
        c.compare(got, table, f"{name} on three random layers, lam={lam}")


def check_1(c: Ctx) -> str:
    _penalty_check(c, "l2_penalty")
    _penalty_check(c, "l1_penalty")
    return ("l2_penalty = lam * sum of squared kernel weights (biases left alone), "
            "l1_penalty = lam * sum of |kernel weights|.")


def check_2(c: Ctx) -> str:
    model = c.get("model_l1")
    share = c.number("sparse_share")
    try:
        hidden = model.layers[0]
        kernel = np.asarray(hidden.kernel, dtype=float)
        bias = np.asarray(hidden.bias, dtype=float)
    except (AttributeError, IndexError, TypeError):
        c.fail(f"`model_l1` should be the trained Keras MLP, got {type(model).__name__}.")
    reg = getattr(hidden, "kernel_regularizer", None)
    if reg is None or float(np.asarray(getattr(reg, "l1", 0.0))) <= 0:
        c.fail("model_l1's hidden layer has no L1 penalty: build it with build_mlp(..., l1=...).")
    if kernel.size == 0 or not np.any(np.abs(kernel) >= 1e-3):
        c.fail("model_l1's hidden kernel has no weight away from zero: it is not the trained "
               "net. Build it with build_mlp(..., l1=1e-3) and train it as the task says.")
    measured = float(np.mean(np.abs(kernel) < 1e-3))  # measures the student's own model
    if not abs(share - measured) <= 1e-6:
        both = np.concatenate([kernel.ravel(), bias.ravel()])
        mistakes = {
            "compare abs(w) with 1e-3: without abs every negative weight counts as zero":
                float(np.mean(kernel < 1e-3)),
            "count the hidden kernel only, not the biases": float(np.mean(np.abs(both) < 1e-3)),
            "that is the share of weights that are NOT near zero": 1 - measured,
            "give a fraction in [0, 1], not a percentage": 100 * measured,
        }
        if len(model.layers) > 1 and hasattr(model.layers[-1], "kernel"):
            out = np.asarray(model.layers[-1].kernel, dtype=float)
            mistakes["use the hidden layer's kernel (model_l1.layers[0]), not the output "
                      "layer's"] = float(np.mean(np.abs(out) < 1e-3))
        c.fail(diagnose(share, measured, mistakes, "sparse_share", atol=1e-6))
    return f"sparse_share = {share:.2f} of the hidden weights are (almost) exactly zero."
