"""Hidden checks of exercise 08 (batch norm): references, mistakes, hidden cases (task 3 is
a written answer: a teaching assistant grades it with the rubric in spec.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.judge import (
    Beats,
    Check,
    array,
    close,
    decide_task,
    function_checks,
    variant_seed,
)
from coursework.ex08_batch_normalization import spec


def _bn(x: Any, mean: Any, var: Any, gamma: Any, beta: Any, eps: float) -> np.ndarray:
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --------------------------------------------------------------------------- task 1


def forward_ref(x: Any, gamma: Any, beta: Any, eps: float = 1e-3) -> np.ndarray:
    return _bn(x, x.mean(axis=0), x.var(axis=0), gamma, beta, eps)


FORWARD_MISTAKES = {
    "normalize over the batch (axis 0), not over the features (axis 1)":
        lambda x, g, b, e: _bn(x, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True),
                               g, b, e),
    "use the biased variance (ddof=0), as Keras does":
        lambda x, g, b, e: _bn(x, x.mean(0), x.var(0, ddof=1), g, b, e),
    "eps goes inside the square root: sqrt(var + eps)":
        lambda x, g, b, e: g * (x - x.mean(0)) / (np.sqrt(x.var(0)) + e) + b,
    "you forgot gamma and beta (scale and shift)":
        lambda x, g, b, e: (x - x.mean(0)) / np.sqrt(x.var(0) + e),
    "divide by the standard deviation sqrt(var + eps), not by the variance":
        lambda x, g, b, e: g * (x - x.mean(0)) / (x.var(0) + e) + b,
}


def _arr(a: Any) -> dict[str, Any]:
    return {"array": np.asarray(a, dtype=float).tolist()}


def _forward_case(seed: int, batch: int, features: int, eps: float) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {"args": [_arr(rng.normal(-1.0, 3.0, size=(batch, features))),
                     _arr(rng.uniform(0.5, 2.0, features)), _arr(rng.normal(0, 1, features)),
                     eps]}


def _public(number: int) -> dict[str, Any]:
    b = spec.public_batch(number)
    keys = ("x", "gamma", "beta", "eps") if number == 1 else \
        ("x", "moving_mean", "moving_var", "gamma", "beta", "eps")
    return {"args": [_arr(b[k]) if k != "eps" else b[k] for k in keys]}


def cases_1(variant: str | None) -> list[dict[str, Any]]:
    """Task 1's cases: the public one, then hidden ones drawn from the variant's seeds."""
    def seed(s: int) -> int:
        return variant_seed(variant, "08_batch_normalization:task1", s)

    return [_public(1), _forward_case(seed(801), 3, 7, 1e-3),
            _forward_case(seed(802), 16, 2, 1e-5), _forward_case(seed(803), 2, 5, 0.1)]


_NAMES1 = ["public example", "hidden case: a batch of 3 with 7 features",
           "hidden case: a larger batch, a tiny eps", "hidden case: a batch of 2, a large eps"]


def _read(shape_of: int) -> Any:
    def read(value: Any, expected: Any, what: str) -> np.ndarray:
        return array(value, np.shape(expected), "the output")
    return read


def probe_1(rt, inp):
    return {"calls": rt.calls("batchnorm_forward", inp["cases"])}


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    return function_checks(answer, cases_1(variant), _NAMES1, forward_ref, FORWARD_MISTAKES,
                           _read(1), same=lambda a, b: close(a, b, rtol=1e-4, atol=1e-6))


# --------------------------------------------------------------------------- task 2


def inference_ref(x: Any, mm: Any, mv: Any, gamma: Any, beta: Any, eps: float = 1e-3) -> Any:
    return _bn(x, mm, mv, gamma, beta, eps)


INFERENCE_MISTAKES = {
    "at inference use the moving statistics, not the batch's":
        lambda x, mm, mv, g, b, e: _bn(x, x.mean(0), x.var(0), g, b, e),
    "eps goes inside the square root: sqrt(moving_var + eps)":
        lambda x, mm, mv, g, b, e: g * (x - mm) / (np.sqrt(mv) + e) + b,
    "moving_var is a variance: divide by sqrt(moving_var + eps)":
        lambda x, mm, mv, g, b, e: g * (x - mm) / (mv + e) + b,
    "you forgot gamma and beta (scale and shift)":
        lambda x, mm, mv, g, b, e: (x - mm) / np.sqrt(mv + e),
}


def _inference_case(seed: int, batch: int, features: int, eps: float) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {"args": [_arr(rng.normal(0.5, 2.0, size=(batch, features))),
                     _arr(rng.normal(0, 1, features)), _arr(rng.uniform(0.1, 3.0, features)),
                     _arr(rng.uniform(0.5, 2.0, features)), _arr(rng.normal(0, 1, features)),
                     eps]}


def cases_2(variant: str | None) -> list[dict[str, Any]]:
    """Task 2's cases: the public one, then hidden ones drawn from the variant's seeds."""
    def seed(s: int) -> int:
        return variant_seed(variant, "08_batch_normalization:task2", s)

    return [_public(2), _inference_case(seed(811), 4, 6, 1e-3),
            _inference_case(seed(812), 1, 3, 1e-3), _inference_case(seed(813), 9, 2, 1e-5)]


_NAMES2 = ["public example", "hidden case: a batch of 4 with 6 features",
           "hidden case: a single sample", "hidden case: a tiny eps"]


def probe_2(rt, inp):
    return {"calls": rt.calls("batchnorm_inference", inp["cases"])}


def judge_2(answer: Any, variant: str | None = None) -> list[Check]:
    return function_checks(answer, cases_2(variant), _NAMES2, inference_ref, INFERENCE_MISTAKES,
                           _read(2), same=lambda a, b: close(a, b, rtol=1e-4, atol=1e-6))


INPUTS: dict[int, Any] = {1: lambda variant: {"cases": cases_1(variant)},
                          2: lambda variant: {"cases": cases_2(variant)}}


def public_tables() -> dict[int, Any]:
    out: dict[int, Any] = {}
    for number, ref, mistakes in ((1, forward_ref, FORWARD_MISTAKES),
                                  (2, inference_ref, INFERENCE_MISTAKES)):
        b = spec.public_batch(number)
        args = list(b.values())
        out[number] = [{"expected": np.asarray(ref(*args)).tolist(),
                        "mistakes": {h: np.asarray(f(*args)).tolist()
                                     for h, f in mistakes.items()}}]
    return out


# --------------------------------------------------------------------------- task 4: decide

#: seed 0: the plain net stays at chance (0.10), batch norm reaches 0.88-0.96
#: reference: the reference solution's chosen model, evaluated again by the probe (tests/data),
#: scores val_accuracy 0.955 (seed 0); the bound 0.8 leaves room for seed noise
probe_4, judge_4, INPUTS[4] = decide_task(spec.CHOICE[4], Beats(
    (False, 0.1), "the plain net at learning rate 0.1", 0.3, reference=0.8))
