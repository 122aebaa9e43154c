"""A tiny fully connected classifier in NumPy, fast enough to retrain on every slider move.

Keras pays a fixed cost of about a second for every *new* model (building it and
tracing its training step); a slider that changes lambda or the dropout rate needs
a new model each time, which breaks the course's 2-second budget. :class:`ToyMLP`
is the same network as ``helpers.models.build_mlp`` (ReLU hidden layers, softmax
output, cross-entropy, Adam, L1/L2 on the kernels only, inverted dropout) written
out in NumPy for 2-D toy sets: 300 full-batch steps take a few tens of milliseconds.
The lectures train the real thing with Keras; this is only the engine behind sliders.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from helpers import validate

__all__ = ["ToyMLP"]


class ToyMLP:
    """ReLU MLP for small data sets, trained full-batch with Adam.

    Parameters
    ----------
    hidden : sequence of int
        Widths of the hidden layers.
    n_in, n_classes : int
        Inputs and classes.
    l1, l2 : float
        Penalties ``l1 * sum|W|`` and ``l2 * sum W**2`` on the kernels (not the biases),
        as ``keras.regularizers.L1`` / ``L2`` define them.
    dropout : float
        Inverted-dropout rate after every hidden layer (training only).
    learning_rate : float
        Adam's step size.
    seed : int
        Seed of the initial weights and the dropout masks.

    Examples
    --------
    >>> import numpy as np
    >>> from helpers.toy import ToyMLP
    >>> x = np.array([[0., 0.], [1., 1.]]); y = np.array([0, 1])
    >>> ToyMLP((8,), seed=0).fit(x, y, steps=100).predict(x).tolist()
    [0, 1]
    """

    def __init__(
        self,
        hidden: Sequence[int] = (64, 64),
        n_in: int = 2,
        n_classes: int = 2,
        *,
        l1: float = 0.0,
        l2: float = 0.0,
        dropout: float = 0.0,
        learning_rate: float = 0.01,
        seed: int = 0,
    ) -> None:
        l1, l2 = validate.number("l1", l1), validate.number("l2", l2)
        learning_rate = validate.number("learning_rate", learning_rate)
        dropout = validate.rate("dropout", dropout)
        widths = [validate.integer("layer widths", int(w)) for w in (n_in, *hidden, n_classes)]
        self.l1, self.l2, self.dropout, self.lr = l1, l2, dropout, learning_rate
        self.rng = np.random.default_rng(seed)
        self.W, self.b = [], []
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            limit = np.sqrt(6 / (a + b))  # Glorot uniform, Keras' default
            self.W.append(self.rng.uniform(-limit, limit, (a, b)))
            self.b.append(np.zeros(b))

    # ------------------------------------------------------------------ forward
    def _forward(self, x: np.ndarray, training: bool) -> tuple[np.ndarray, list]:
        h, cache = np.asarray(x, dtype=float), []
        for i, (W, b) in enumerate(zip(self.W, self.b, strict=True)):
            z = h @ W + b
            if i == len(self.W) - 1:
                cache.append((h, None, None))
                return z, cache
            a = np.maximum(z, 0.0)
            mask = None
            if training and self.dropout:
                mask = (self.rng.random(a.shape) >= self.dropout) / (1 - self.dropout)
                a = a * mask
            cache.append((h, z, mask))
            h = a
        raise AssertionError("unreachable")

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Class probabilities, shape ``(n, n_classes)``."""
        logits, _ = self._forward(x, training)
        e = np.exp(logits - logits.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted classes, shape ``(n,)``."""
        return self(x).argmax(1)

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        """Share of ``x`` classified as ``y``."""
        return float((self.predict(x) == np.asarray(y)).mean())

    # ------------------------------------------------------------------ training
    def gradients(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list, list]:
        """Loss (mean cross-entropy + penalties) and its gradients, by backpropagation."""
        logits, cache = self._forward(x, training=True)
        n = len(x)
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = -np.log(p[np.arange(n), y] + 1e-12).mean()
        loss += sum(self.l1 * np.abs(W).sum() + self.l2 * (W**2).sum() for W in self.W)
        g = p
        g[np.arange(n), y] -= 1
        g /= n
        gW, gb = [None] * len(self.W), [None] * len(self.W)
        for i in reversed(range(len(self.W))):
            h, _, _ = cache[i]
            gW[i] = h.T @ g + self.l1 * np.sign(self.W[i]) + 2 * self.l2 * self.W[i]
            gb[i] = g.sum(0)
            if i:
                _, z_prev, mask_prev = cache[i - 1]
                g = g @ self.W[i].T
                if mask_prev is not None:
                    g = g * mask_prev
                g = g * (z_prev > 0)
        return float(loss), gW, gb

    def fit(self, x: np.ndarray, y: np.ndarray, steps: int = 300) -> ToyMLP:
        """Run ``steps`` full-batch Adam steps on ``(x, y)``; returns ``self``.

        The matrices are tiny, so BLAS runs on one thread: waking a pool of
        threads would cost more than the arithmetic.
        """
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(x, y, steps)

    def _fit(self, x: np.ndarray, y: np.ndarray, steps: int) -> ToyMLP:
        x, y = np.asarray(x, dtype=float), np.asarray(y)
        if x.ndim != 2 or x.shape[1] != self.W[0].shape[0] or len(x) != len(y):
            raise ValueError(f"x must have shape (n, {self.W[0].shape[0]}) and y shape (n,), "
                             f"got {x.shape} and {y.shape}")
        params = self.W + self.b
        m = [np.zeros_like(q) for q in params]
        v = [np.zeros_like(q) for q in params]
        b1, b2, eps = 0.9, 0.999, 1e-7
        for t in range(1, steps + 1):
            _, gW, gb = self.gradients(x, y)
            for q, g, mq, vq in zip(params, gW + gb, m, v, strict=True):
                mq *= b1
                mq += (1 - b1) * g
                vq *= b2
                vq += (1 - b2) * g * g
                q -= self.lr * (mq / (1 - b1**t)) / (np.sqrt(vq / (1 - b2**t)) + eps)
        return self
