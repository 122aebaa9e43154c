"""The teaching assistant's loop: collect, autograde, grade written answers, export, return.

``python -m instructor.ta --course course.toml COMMAND`` (see ``--help`` and
docs/grading.md, "The teaching assistant's loop"). Modules: :mod:`.config` (course.toml),
:mod:`.gradebook` (SQLite), :mod:`.collect`, :mod:`.autograde`, :mod:`.answers`,
:mod:`.server` (the rubric page), :mod:`.marks`, :mod:`.export`, :mod:`.report`.
"""
