"""Public self-checks of exercise 07 (initialization and gradient flow). Hidden checks: the
instructor's copy."""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx
from coursework.ex07_initialization.spec import PUBLIC_INPUTS, public_model
from coursework.ex07_initialization.tables import EXPECTED


def check_1(c: Ctx) -> str:
    for (fan_in, fan_out), table in zip(PUBLIC_INPUTS[1], EXPECTED[1], strict=True):
        g = c.number(f"glorot_std({fan_in}, {fan_out})", c.call("glorot_std", fan_in, fan_out))
        c.compare(g, table["glorot"], f"glorot_std({fan_in}, {fan_out})")
        h = c.number(f"he_std({fan_in})", c.call("he_std", fan_in))
        c.compare(h, table["he"], f"he_std({fan_in})")
    return "glorot_std and he_std give the standard deviations Keras' initializers draw from."


def check_2(c: Ctx) -> str:
    for case, table in zip(PUBLIC_INPUTS[2], EXPECTED[2], strict=True):
        got = c.call("kernel_grad_norms", public_model(case),
                     np.asarray(case["x"], "float32"), np.asarray(case["y"]))
        try:
            got = [float(v) for v in got]
        except (TypeError, ValueError):
            c.fail(f"kernel_grad_norms should return a list of numbers, got {got!r:.80}.")
        n_dense = len(case["sizes"]) - 1
        if len(got) == 2 * n_dense:
            c.fail(f"kernel_grad_norms returned {len(got)} norms for {n_dense} Dense layers: "
                   "one per kernel only, leave the biases out.")
        if len(got) != n_dense:
            c.fail(f"kernel_grad_norms returned {len(got)} norms, expected {n_dense}: one per "
                   "Dense kernel, from the first layer to the last.")
        c.compare(got, table, "kernel_grad_norms on a 6-5-4-3 net with given weights",
                  rtol=1e-3, atol=1e-6)
    return "kernel_grad_norms gives the gradient norm of every Dense kernel, first to last."
