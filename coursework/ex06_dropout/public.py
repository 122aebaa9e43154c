"""Public self-checks of exercise 06 (dropout). Hidden checks: hidden.py.

Task 1 is checked by its properties (share dropped, rescaling, identity at inference,
a mask drawn from ``rng``), which need no reference implementation.
"""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx, close, diagnose


def check_1(c: Ctx) -> str:
    x = np.ones((400, 50))
    rate = 0.3
    infer = c.array("dropout_forward(..., training=False)",
                    c.call("dropout_forward", x, rate, False, np.random.default_rng(0)), x.shape)
    if not np.allclose(infer, x):
        c.fail("with training=False the layer must return x unchanged: dropout acts only in "
               f"training (got mean {infer.mean():.3f} for an input of ones).")
    out = c.array("dropout_forward(..., training=True)",
                  c.call("dropout_forward", x, rate, True, np.random.default_rng(0)), x.shape)
    dropped = float(np.mean(out == 0))
    kept = out[out != 0]
    if abs(dropped - (1 - rate)) < 0.03:
        c.fail(f"{dropped:.0%} of the units were dropped: `rate` is the share to DROP "
               f"({rate:.0%}), not the share to keep.")
    if abs(dropped - rate) > 0.03:
        c.fail(f"expected about {rate:.0%} of the units set to 0, got {dropped:.0%}.")
    if np.allclose(kept, 1.0):
        c.fail("the kept units are not rescaled: you forgot to divide them by (1 - rate), "
               "so the expected activation shrinks in training.")
    if np.allclose(kept, 1 - rate):
        c.fail("you multiplied by (1 - rate); inverted dropout divides the kept units by "
               "(1 - rate).")
    if not np.allclose(kept, 1 / (1 - rate)):
        c.fail(f"kept units should equal x / (1 - rate) = {1 / (1 - rate):.4f}, got values "
               f"between {kept.min():.4f} and {kept.max():.4f}.")
    again = c.call("dropout_forward", x, rate, True, np.random.default_rng(1))
    if np.array_equal(np.asarray(again) == 0, out == 0):
        c.fail("the mask is the same for another generator: draw it from `rng`.")
    return "dropout_forward drops ~rate of the units in training, rescales the rest, and " \
           "is the identity at inference."


def check_2(c: Ctx) -> str:
    out = []
    for run, var in (("run_plain", "end_val_xent_plain"), ("run_dropout", "end_val_xent_dropout")):
        h = c.history(run, ("xent", "val_xent"))
        got = c.number(var)
        measured = h["val_xent"][-1]  # read from the student's own run
        if not close(got, measured, rtol=1e-4):
            mistakes = {
                "use the value after the LAST epoch, not the best one": min(h["val_xent"]),
                "use the validation curve (val_xent), not the training one": h["xent"][-1],
            }
            if "val_loss" in h:
                mistakes["that is val_loss; compare the cross-entropy metric val_xent"] = \
                    h["val_loss"][-1]
            if "val_accuracy" in h:
                mistakes["that is the accuracy; use val_xent"] = h["val_accuracy"][-1]
            c.fail(diagnose(got, measured, mistakes, var, rtol=1e-4))
        out.append(got)
    model = getattr(c.get("run_dropout"), "model", None)
    names = [type(layer).__name__ for layer in getattr(model, "layers", [])]
    if "Dropout" not in names:
        c.fail(f"run_dropout's model has no Dropout layer (layers: {names}): build it with "
               "build_mlp(..., dropout=0.5).")
    return f"end val_xent: plain {out[0]:.3f}, dropout {out[1]:.3f}."
