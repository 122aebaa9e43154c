"""The same COURSE_SEED gives the same numbers: what a lecturer's slides rely on.

A short training run (label noise, dropout, shuffled mini-batches: every source of
randomness a notebook has) runs in two fresh processes, as a notebook would in a fresh
kernel; the printed metrics must agree to the last bit under the same seed, and
differ under another seed (otherwise the comparison would prove nothing).
"""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """\
import os, sys
from helpers import config, data, models, training
for arg in sys.argv[1:]:
    os.environ["COURSE_SEED"] = arg  # as a user would set it
    seed = config.set_seed()
    d = data.load_digits(n_train=300, n_val=200, n_test=0, label_noise=0.2)
    model = models.compile_classifier(
        models.build_mlp(64, (64, 32), 10, dropout=0.3), optimizer="adam", learning_rate=3e-3)
    run = training.train(model, d, epochs=3, batch_size=32)
    print("seed", seed, "noisy labels", d.y_train[d.noisy][:20].tolist())
    for key in sorted(run.history):
        print(key, [v.hex() for v in run.history[key]])
    kernel = model.layers[0].kernel.numpy()
    print("kernel", float(kernel.sum()).hex(), float((kernel ** 2).sum()).hex())
    print("---")
"""


def _start(*seeds: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *map(str, seeds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _output(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    # two fresh processes at once (so thread timing differs), each trains under seed 3, then 4
    first, again = (_output(p) for p in [_start(3, 4), _start(3, 4)])
    assert first == again, f"the same COURSE_SEED gave different numbers:\n{first}\n{again}"
    seed3, seed4 = (block.splitlines() for block in first.split("---\n")[:2])
    assert len(seed3) == 8 and seed3[0].startswith("seed 3") and seed4[0].startswith("seed 4")
    assert seed3[0].split("labels")[1] != seed4[0].split("labels")[1], \
        "the label noise must follow COURSE_SEED"
    differ = [a.split()[0] for a, b in zip(seed3[1:], seed4[1:], strict=True) if a != b]
    assert len(differ) == 7, f"seed 4 must change every number; only these changed: {differ}"
