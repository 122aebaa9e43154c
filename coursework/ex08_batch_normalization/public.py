"""Public self-checks of exercise 08 (batch normalization). Hidden checks: hidden.py."""

from __future__ import annotations

from coursework.engine.selfcheck import Ctx
from coursework.ex08_batch_normalization.spec import public_batch
from coursework.ex08_batch_normalization.tables import EXPECTED


def check_1(c: Ctx) -> str:
    b = public_batch(1)
    got = c.array("batchnorm_forward(...)",
                  c.call("batchnorm_forward", b["x"], b["gamma"], b["beta"], b["eps"]),
                  b["x"].shape)
    c.compare(got, EXPECTED[1][0], "batchnorm_forward on a 6x4 batch", rtol=1e-4, atol=1e-6)
    return "batchnorm_forward normalizes each feature over the batch, then scales and shifts."


def check_2(c: Ctx) -> str:
    b = public_batch(2)
    got = c.array("batchnorm_inference(...)",
                  c.call("batchnorm_inference", b["x"], b["moving_mean"], b["moving_var"],
                         b["gamma"], b["beta"], b["eps"]), b["x"].shape)
    c.compare(got, EXPECTED[2][0], "batchnorm_inference on a 5x3 batch", rtol=1e-4, atol=1e-6)
    return "batchnorm_inference uses the moving mean and variance, as the layer does."
