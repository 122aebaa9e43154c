"""What lecturers and teaching assistants run; learners never import it.

- :mod:`instructor.make_exercises`  ``python -m instructor.make_exercises solutions exercises``
- :mod:`instructor.grade`           ``python -m instructor.grade SUBMISSIONS --out grades.csv``
- :mod:`instructor.sandbox`         one notebook in bubblewrap (:mod:`instructor.sandbox_run`
  runs inside it); :mod:`instructor.bench_grading` measures the grader
- :mod:`instructor.bench`           ``python -m instructor.bench``: run time, memory, widget latency
- :mod:`instructor.executed`        executed copies of the notebooks, cached in ``build/executed/``
- :mod:`instructor.site`            ``python -m instructor.site build``: the website (``pdf``: book)
- :mod:`instructor.slides`          slide metadata from headings
- :mod:`instructor.colab_cell`      the Colab set-up cell of each lecture
"""
