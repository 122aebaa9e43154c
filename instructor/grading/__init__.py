"""The grader, one module per job (``python -m instructor.grade`` is its command line).

- :mod:`~instructor.grading.limits`: :class:`Limits`, everything one notebook may use;
- :mod:`~instructor.grading.text`: student-controlled text made safe to store and show;
- :mod:`~instructor.grading.discovery`: ``SUBMISSIONS/<student>/<notebook>.ipynb``, student ids,
  file names, colliding ids;
- :mod:`~instructor.grading.reading`: a submission's bytes (size-capped, never parsed here);
- :mod:`~instructor.grading.variants`: the course secret and each student's variant;
- :mod:`~instructor.grading.store`: the resume state (the ``get`` / ``put`` seam a gradebook fills);
- :mod:`~instructor.grading.runner`: sandboxes on threads or on a Dask cluster;
- :mod:`~instructor.grading.verdicts`: the checks' judgement of the answers, in this process;
- :mod:`~instructor.grading.writers`: the CSV, the Canvas CSV, feedback as Markdown and HTML;
- :mod:`~instructor.grading.pipeline`: :func:`grade`, which strings them together;
- :mod:`~instructor.grading.cli`: the command line.

The sandbox itself is :mod:`instructor.sandbox` (outside) and :mod:`instructor.sandbox_run`
(inside). Nothing is imported here, so that :mod:`instructor.sandbox` can import the limits.
"""
