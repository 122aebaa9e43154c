"""The probe's runtime: runs inside the student's kernel, embedded in the probe source.

This file is never imported there: :func:`instructor.checks.probe_source` pastes its
source, then the exercise's ``probe_N`` functions, into one program that the grader
runs in the student's kernel after the student's cells. It may use only the standard
library and NumPy (the sandbox does not mount ``instructor``). Everything it returns is
plain data for one JSON document: numbers, strings, bools, None, lists, dicts.

The grader's process imports this module too, for :func:`decode` (the same inputs,
decoded the same way on both sides) and the size limits.
"""

import math

import numpy as np

MAX_ITEMS = 20_000      # numbers in one probed value
MAX_TEXT = 500          # characters of a string or an error message


class Missing(Exception):
    """A name the task asks for is not defined in the student's namespace."""


class TooLarge(Exception):
    """A value is larger than the probe sends back."""


def decode(x):
    """Turn the JSON form of a probe input into Python: ``{"array": ..}`` -> ndarray."""
    if isinstance(x, dict):
        if "array" in x:
            return np.asarray(x["array"], dtype=x.get("dtype", "float64"))
        return {k: decode(v) for k, v in x.items()}
    if isinstance(x, list):
        return [decode(v) for v in x]
    return x


def _float(v):
    v = float(v)
    return v if math.isfinite(v) else ("nan" if v != v else ("inf" if v > 0 else "-inf"))


def data(x, _budget=None):
    """Plain JSON data of ``x``: arrays become nested lists, non-finite floats strings."""
    budget = [MAX_ITEMS] if _budget is None else _budget
    budget[0] -= 1
    if budget[0] < 0:
        raise TooLarge(f"more than {MAX_ITEMS} values")
    if x is None or isinstance(x, (bool, np.bool_)):
        return None if x is None else bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return _float(x)
    if isinstance(x, str):
        return x[:MAX_TEXT]
    if isinstance(x, dict):
        return {str(k)[:MAX_TEXT]: data(v, budget) for k, v in list(x.items())[:MAX_ITEMS]}
    if isinstance(x, (list, tuple)):
        if len(x) > MAX_ITEMS:
            raise TooLarge(f"a sequence of {len(x)} items")
        return [data(v, budget) for v in x]
    if hasattr(x, "__array__") or hasattr(x, "numpy"):
        a = np.asarray(x)
        if a.size > MAX_ITEMS:
            raise TooLarge(f"an array of {a.size} values")
        budget[0] -= a.size
        if a.dtype.kind in "biuf":
            if a.ndim == 0:
                return data(a.item(), budget)
            if a.dtype.kind == "f":
                a = a.astype(float)
                if not np.all(np.isfinite(a)):
                    out = a.astype(object)
                    out[np.isnan(a)] = "nan"
                    out[a == np.inf] = "inf"
                    out[a == -np.inf] = "-inf"
                    return out.tolist()
            return a.tolist()
    return {"type": type(x).__name__, "repr": repr(x)[:MAX_TEXT]}


class Probe:
    """What a task's probe uses to look into the student's namespace ``ns``."""

    np = np

    def __init__(self, ns):
        self.ns = ns

    def get(self, name):
        if name not in self.ns:
            raise Missing(name)
        return self.ns[name]

    def call(self, name, *args, **kwargs):
        f = self.get(name)
        if not callable(f):
            raise TypeError(f"`{name}` is not a function but {type(f).__name__}")
        return f(*args, **kwargs)

    def outcome(self, fn, *args):
        """Run ``fn(*args)``; return ``{"value": data}`` or what stopped it."""
        try:
            return {"value": data(fn(*args))}
        except Missing as err:
            return {"missing": str(err)[:MAX_TEXT]}
        except NotImplementedError as err:
            return {"stub": str(err)[:MAX_TEXT]}
        except (Exception, SystemExit) as err:  # the student's bug, reported as data
            return {"error": f"{type(err).__name__}: {err}"[:MAX_TEXT]}

    def value(self, name):
        """Outcome of the student's variable ``name``."""
        return self.outcome(self.get, name)

    def calls(self, name, cases):
        """Outcomes of ``name(*args, **kwargs)`` for each ``{"args", "kwargs"}`` case."""
        return [self.outcome(lambda c=c: self.call(name, *decode(c.get("args", [])),
                                                    **decode(c.get("kwargs", {}))))
                for c in cases]

    def history(self, name, keys=None):
        """Outcome of the ``history`` dict of the student's run ``name``."""
        def read():
            hist = getattr(self.get(name), "history", None)
            if not isinstance(hist, dict):
                raise TypeError(f"`{name}` has no history dict, it is "
                                f"{type(self.get(name)).__name__}")
            return {k: [float(v) for v in hist[k]][:MAX_ITEMS // 10] for k in hist
                    if keys is None or k in keys}
        return self.outcome(read)

    def choice(self, spec):
        """Outcome of a decide task: the learner's runs and choice, read as ``spec`` says."""
        from helpers.selfcheck import _choice

        spec = _choice.Choice(**spec)

        def read():
            self.get(spec.runs)
            self.get(spec.best)
            return _choice.collect(self.ns, spec)
        return self.outcome(read)

    def layer_names(self, model_expr):
        return [type(layer).__name__ for layer in getattr(model_expr, "layers", [])][:100]
