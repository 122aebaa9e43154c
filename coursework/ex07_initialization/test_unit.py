"""Exercise 07's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

from coursework.engine.testing import Case, UnitTests, WrittenCase, carrying, fake_run, mistakes
from coursework.ex07_initialization.spec import CHOICE

NOTEBOOK = "07_initialization"


def glorot_ok(fan_in, fan_out):
    return (2 / (fan_in + fan_out)) ** 0.5


def he_ok(fan_in):
    return (2 / fan_in) ** 0.5


def _norms(model, x, y, with_biases=False):
    import keras
    import tensorflow as tf

    weights = [w for layer in model.layers
               for w in ((layer.kernel, layer.bias) if with_biases else (layer.kernel,))]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    return [float(tf.norm(g)) for g in tape.gradient(loss, weights)]


def grad_norms_ok(model, x, y):
    return _norms(model, x, y)


def grad_norms_summed(model, x, y):
    return [v * len(y) for v in _norms(model, x, y)]


def grad_norms_with_biases(model, x, y):
    return _norms(model, x, y, with_biases=True)


RUNS = carrying({"small": fake_run(0.0), "large": fake_run(0.0), "glorot": fake_run(2.0),
                 "he": fake_run(4.0)}, CHOICE[3])
RUNS["large"].history["val_xent"][-1] = float("nan")


CASES = {
    1: Case({"glorot_std": glorot_ok, "he_std": he_ok}, mistakes(
        ({"glorot_std": lambda a, b: 2 / (a + b), "he_std": he_ok}, "the variance"),
        ({"glorot_std": lambda a, b: (6 / (a + b)) ** 0.5, "he_std": he_ok},
         "Glorot-uniform"),
        ({"glorot_std": glorot_ok, "he_std": lambda a: (1 / a) ** 0.5}, "LeCun"),
    )),
    2: Case({"kernel_grad_norms": grad_norms_ok}, mistakes(
        ({"kernel_grad_norms": grad_norms_summed}, "summed over the samples"),
        ({"kernel_grad_norms": grad_norms_with_biases}, "leave the biases out"),
        ({"kernel_grad_norms": lambda m, x, y: grad_norms_ok(m, x, y)[::-1]},
         "from the last layer to the first"),
    )),
    3: Case({"runs_init": RUNS, "best_init": "he"}, mistakes(
        ({"runs_init": carrying(RUNS, CHOICE[3], 'he'), "best_init": "he"},
         "every run was trained with the same initialization"),
        ({"runs_init": RUNS, "best_init": "large"}, "diverged (NaN)"),
        ({"runs_init": RUNS, "best_init": "glorot"}, "the best initialization is 'he'"),
    )),
    4: WrittenCase("Small weights shrink the signal in every layer: all gradients are tiny, so "
                   "their ratio is near 1 and nothing moves. Large weights blow it up."),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_the_hidden_fans_are_per_student() -> None:
    """Same variant, same fans; two variants, other fans; the right formulas score full under
    every variant; a table of the fixed cases' deviations does not transfer; every mistake
    told apart in a fixed hidden case is told apart (rtol 1e-2) in the student's case."""
    from coursework.engine.judge import close
    from coursework.engine.testing import check_variants
    from coursework.ex07_initialization import hidden

    check_variants(NOTEBOOK, 1, {"glorot_std": glorot_ok, "he_std": he_ok})
    for v in ("0a1b2c3d" * 8, "9f8e7d6c" * 8, "5e" * 32, "77" * 32):
        own = hidden.fans_1(v)[len(hidden._PUBLIC):]
        for (f0, _), (f, _) in zip(hidden._HIDDEN, own, strict=True):
            for ref, wrong, k in [(hidden.glorot_ref, hidden.GLOROT_MISTAKES, 2),
                                  (hidden.he_ref, hidden.HE_MISTAKES, 1)]:
                for h, m in wrong.items():
                    assert not close(m(*f[:k]), ref(*f[:k]), rtol=1e-2) \
                        or close(m(*f0[:k]), ref(*f0[:k]), rtol=1e-2), (v, f, h)
