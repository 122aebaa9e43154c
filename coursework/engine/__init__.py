"""The engine every exercise unit shares; it knows no exercise by name.

- :mod:`~coursework.engine.spec`      the one ``Task`` schema (and ``RubricItem``, ``Choice``)
- :mod:`~coursework.engine.units`     discovery of the unit folders
- :mod:`~coursework.engine.compare`   the one ``close``
- :mod:`~coursework.engine.selfcheck` ``check_task``: the public self-checks' runner and words
- :mod:`~coursework.engine.decide`    the properties of a decide task (public and hidden)
- :mod:`~coursework.engine.probe`     the runtime pasted into the student's kernel at grading
- :mod:`~coursework.engine.judge`     the hidden judges' readers, checks and verdicts (not shipped)
"""
