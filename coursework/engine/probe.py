"""The probe's runtime: the only course code that runs in the student's kernel at grading.

This file is never imported there: :func:`instructor.checks.probe_source` pastes its
source, then the unit's ``probe_N`` functions, into one program that the grader runs in
the student's kernel after the student's cells (the sandbox mounts neither ``coursework``
nor ``instructor``). At module level it uses only the standard library and NumPy; inside
functions it may import ``helpers`` (the digits, to re-evaluate a run) and ``keras`` (the
student's own models). Everything it returns is plain data for one JSON document:
numbers, strings, bools, None, lists, dicts.

Imported normally, it serves the public self-checks (:func:`collect` reads a decide
task's runs the same way on the learner's machine) and the grader (:func:`decode`: the
same inputs, decoded the same way on both sides).
"""

import math
from collections.abc import Mapping

import numpy as np

MAX_ITEMS = 20_000      # numbers in one probed value
MAX_TEXT = 500          # characters of a string or an error message


class Missing(Exception):
    """A name the task asks for is not defined in the student's namespace."""


class Unreadable(TypeError):
    """A value the task asks for has the wrong type; the message is the probe's own words
    (the grader shows it), never a student's exception text."""


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
            raise Unreadable(f"`{name}` is not a function but {type(f).__name__}")
        return f(*args, **kwargs)

    def outcome(self, fn, *args):
        """Run ``fn(*args)``; return ``{"value": data}`` or what stopped it."""
        try:
            return {"value": data(fn(*args))}
        except Missing as err:
            return {"missing": str(err)[:MAX_TEXT]}
        except NotImplementedError as err:
            return {"stub": str(err)[:MAX_TEXT]}
        except Unreadable as err:
            return {"error": f"TypeError: {err}"[:MAX_TEXT], "unreadable": True}
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
                raise Unreadable(f"`{name}` has no history dict, it is "
                                f"{type(self.get(name)).__name__}")
            return {k: [float(v) for v in hist[k]][:MAX_ITEMS // 10] for k in hist
                    if keys is None or k in keys}
        return self.outcome(read)

    def choice(self, spec):
        """Outcome of a decide task: the learner's runs and choice, read as ``spec`` (the
        task's :class:`~coursework.engine.spec.Choice` as a dict) says."""
        def read():
            self.get(spec["runs"])
            self.get(spec["best"])
            return collect(self.ns, spec)
        return self.outcome(read)


#: the history keys a decide task reads
HISTORY_KEYS = ("xent", "val_xent", "loss", "val_loss", "accuracy", "val_accuracy")


def plain_key(k):
    """A candidate (a run's key) as plain data: numbers, strings, lists of them."""
    if isinstance(k, (bool, np.bool_)):
        return bool(k)
    if isinstance(k, (int, np.integer)):
        return int(k)
    if isinstance(k, (float, np.floating)):
        return float(k)
    if isinstance(k, str):
        return k[:100]
    if isinstance(k, (tuple, list)) and len(k) <= 8:
        return [plain_key(x) for x in k]
    return repr(k)[:100]


def _scores(model, x, y):
    """Cross-entropy and accuracy of ``model``'s logits on ``(x, y)``, as Keras computes them."""
    import keras

    logits = np.asarray(model.predict(x, batch_size=1000, verbose=0), dtype="float32")
    xent = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
    return {"xent": _float(np.mean(keras.ops.convert_to_numpy(xent))),
            "accuracy": _float(np.mean(logits.argmax(axis=1) == y))}


def _config(obj):
    """``obj.get_config()`` if it is a dict, else ``{}`` (never raises)."""
    try:
        config = obj.get_config()
    except Exception:  # not a Keras object, or one that cannot describe itself
        return {}
    return config if isinstance(config, dict) else {}


def _layers(model, kind):
    layers = getattr(model, "layers", None)
    layers = list(layers)[:500] if isinstance(layers, (list, tuple)) else []
    return [layer for layer in layers if type(layer).__name__ == kind]


def _scalar(v):
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        return None
    return _float(v)


def _regularizer_l2(model):
    dense = _layers(model, "Dense")
    if not dense:
        return None
    reg = _config(dense[0]).get("kernel_regularizer")
    if reg is None:
        return 0.0
    config = reg.get("config") if isinstance(reg, dict) else None
    return _scalar(config.get("l2", 0.0)) if isinstance(config, dict) else None


def _dropout_rate(model):
    if not isinstance(getattr(model, "layers", None), (list, tuple)):
        return None
    rates = [_config(layer).get("rate") for layer in _layers(model, "Dropout")]
    return _scalar(rates[0]) if rates else 0.0


def _initial_rate(model):
    rate = _config(getattr(model, "optimizer", None)).get("learning_rate")
    if isinstance(rate, dict):  # a schedule: its initial rate
        config = rate.get("config")
        return _scalar(config.get("initial_learning_rate")) if isinstance(config, dict) else None
    return _scalar(rate)


def _initializer(model):
    dense = _layers(model, "Dense")
    init = _config(dense[0]).get("kernel_initializer") if dense else None
    if not isinstance(init, dict) or not isinstance(init.get("class_name"), str):
        return None
    config = init.get("config") if isinstance(init.get("config"), dict) else {}
    stddev = _scalar(config.get("stddev"))
    return init["class_name"][:100] + (f"(stddev={stddev:g})" if isinstance(stddev, float)
                                       else "")


#: how a decide task reads the hyperparameter a run's model was built or compiled with
READERS = {
    "units": lambda m: _scalar(_config((_layers(m, "Dense") or [None])[0]).get("units")),
    "l2": _regularizer_l2,
    "dropout": _dropout_rate,
    "momentum": lambda m: _scalar(_config(getattr(m, "optimizer", None)).get("momentum")),
    "learning_rate": _initial_rate,
    "initializer": _initializer,
    "batch_norm": lambda m: (bool(_layers(m, "BatchNormalization"))
                             if isinstance(getattr(m, "layers", None), (list, tuple)) else None),
}


def carried(model, reads):
    """The hyperparameter ``model`` carries, read as ``reads`` says (a reader's name, or a
    list of them for a tuple of hyperparameters); None where it cannot be read."""
    if isinstance(reads, (list, tuple)):
        return [carried(model, r) for r in reads]
    try:
        return READERS[reads](model)
    except Exception:  # a model the reader cannot read: it carries nothing readable
        return None


def collect(ns, spec, *, evaluate=True):
    """A decide task's runs and choice as plain data (numbers, strings, lists, dicts).

    ``spec`` is the task's :class:`~coursework.engine.spec.Choice` as a dict. Each run's
    model is evaluated again on the validation and test splits of the course's digits, and
    the hyperparameter it carries is read back as ``spec["reads"]`` says (:func:`carried`).

    Raises
    ------
    KeyError
        If ``spec["runs"]`` or ``spec["best"]`` is not defined (the task is not solved).
    TypeError
        If ``spec["runs"]`` is not a dict of runs.
    """
    runs = ns[spec["runs"]]
    best = ns[spec["best"]]
    if not isinstance(runs, Mapping):
        raise Unreadable(f"`{spec['runs']}` should be a dict {{{spec['what']}: run}}, "
                        f"got {type(runs).__name__}")
    split = None
    if evaluate:
        from helpers import data as course_data

        split = course_data.load_digits(**dict(spec.get("data") or {}))
    entries = []
    for key, run in list(runs.items())[:20]:
        hist = getattr(run, "history", None)
        entry = {"key": plain_key(key), "history": None, "eval": None}
        if isinstance(hist, Mapping):
            entry["history"] = {k: [_float(v) for v in list(hist[k])[:1000]]
                                for k in HISTORY_KEYS if k in hist}
        model = getattr(run, "model", None)
        if spec.get("reads") and model is not None:
            entry["carries"] = carried(model, spec["reads"])
        if split is not None and model is not None and hasattr(model, "predict"):
            try:
                entry["eval"] = {"val": _scores(model, *split.val),
                                 "test": _scores(model, *split.test)}
            except Exception as err:  # a model that cannot predict on the digits
                entry["eval"] = {"error": f"{type(err).__name__}: {err}"[:200]}
        entries.append(entry)
    return {"runs": entries, "n_runs": len(runs), "best": plain_key(best)}



def probe_choice(rt, inp):
    """The probe of every decide task: the learner's runs and choice, read as the task's
    spec says, and the learner's baseline run when the hidden margin compares with one."""
    out = {"choice": rt.choice(inp["spec"])}
    if inp.get("baseline_run"):
        out["baseline"] = rt.history(inp["baseline_run"], [inp["spec"]["metric"]])
    return out
