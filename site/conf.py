# Sphinx configuration of the course website (`make site`; instructor/site.py copies this file
# into the staged source folder build/site-src/ and runs sphinx-build there).
#
# The builder is Sphinx with MyST-NB and sphinx-book-theme: the engine of Jupyter Book 1. Jupyter
# Book 2 (mystmd) downloads its site theme from the web at build time, and its book theme is not
# published on npm or PyPI (docs/site.md says why we did not use it). Everything here comes from
# PyPI or npm and builds with no network; the built site loads nothing from the internet.
import json
import os

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "site.json")) as f:
    SITE = json.load(f)  # written by instructor/site.py: paths and launch links of this build

project = "Improving deep networks"
author = "the course's authors"
copyright = "the course's authors, MIT licence"
html_title = "Improving deep networks"

extensions = ["myst_nb", "sphinxcontrib.katex"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "site.json"]
root_doc = "index"

# MyST: $...$ and $$...$$ maths, \begin{align} environments, ::: fences.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure", "myst.xref_missing"]

# The notebooks arrive executed (build/executed/, the same copies the tests wrote): never run here.
nb_execution_mode = "off"
nb_merge_streams = True
nb_ipywidgets_js = {}  # no widget manager from a CDN: sliders are shown as their default image

# Maths rendered at build time by KaTeX (node, with the katex.min.js sphinxcontrib-katex bundles);
# the same KaTeX version's style sheet and fonts (npm, site/package.json) are served from _static.
html_math_renderer = "katex"
katex_prerender = True
katex_css_path = "katex/katex.min.css"

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = ""
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_navbar_depth": 1,
    "navigation_with_keys": True,
    "navbar_persistent": [],  # one search box (the sidebar's), not a second one in a top bar
    "extra_footer": SITE.get("footer", ""),
}


# sphinxcontrib-katex 0.9 connects to its node server as soon as the socket file exists, before
# the server listens: on a loaded machine that is "ConnectionRefusedError" and an orphaned node
# process. Connect with retries until the server listens (or exits, or a minute passes).
def _start_katex_server(cls, rundir, timeout):
    import socket
    import subprocess
    import time

    from sphinxcontrib.katex import KaTeXError

    path = rundir / "katex.sock"
    proc = subprocess.Popen(cls.build_command(socket=path), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, cwd=rundir)
    deadline = time.monotonic() + max(timeout, 60)
    while True:
        if path.is_socket():
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(path))
                return proc, sock
            except (ConnectionRefusedError, FileNotFoundError):
                sock.close()
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise KaTeXError(f"the KaTeX node server did not start (exit code {proc.poll()})")
        time.sleep(0.01)


def _patch_katex():
    from sphinxcontrib import katex

    katex.KaTeXServer.start_server_process = classmethod(_start_katex_server)


_patch_katex()
