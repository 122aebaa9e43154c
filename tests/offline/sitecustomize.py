"""Runs at the start of every Python process that has ``tests/offline`` on ``PYTHONPATH``.

``tests/conftest.py`` puts this directory there for the test session, so the
network guard of :mod:`course_offline` is active (when ``COURSE_OFFLINE=1``) in every
process the tests start: pytest-xdist workers, notebook kernels, JupyterLab, scripts.
"""

try:
    import course_offline

    course_offline.install_from_env()
except Exception as err:  # never stop Python from starting
    import sys

    print(f"tests/offline/sitecustomize: network guard not installed: {err!r}", file=sys.stderr)
