"""An nbgitpuller link: one click gives a student the course, or its update, on a JupyterHub.

    python -m instructor.nbgitpuller_link --hub https://hub.example.edu \\
        --repo https://github.com/OWNER/improving-deep-networks --branch main \\
        --path notebooks/00_start_here.ipynb

prints a URL of the form::

    https://hub.example.edu/hub/user-redirect/git-pull?repo=...&branch=main
        &targetpath=improving-deep-networks&urlpath=lab/tree/improving-deep-networks/notebooks/...

After logging in, the student's server (with ``nbgitpuller`` installed: the image of
``binder/`` has it) clones the repository into ``~/<targetpath>`` the first time, later merges
upstream changes without overwriting the student's edits, then opens ``--path`` in JupyterLab
(``--app notebook``: the classic notebook view). ``targetpath`` is always written: nbgitpuller's
own default keeps a ``.git`` suffix of the URL in the folder name, and the ``urlpath`` must name
the same folder.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import quote, urlencode, urlsplit

__all__ = ["folder_name", "link", "main"]

APPS = {"lab": "lab/tree", "notebook": "tree"}


def folder_name(repo: str) -> str:
    """The folder a repository is cloned into: its last path segment without ``.git``.

    >>> folder_name("https://github.com/owner/improving-deep-networks.git")
    'improving-deep-networks'
    """
    path = urlsplit(repo).path if "://" in repo else repo
    name = path.rstrip("/").rsplit("/", 1)[-1]
    if name.endswith(".git"):
        name = name[:-4]
    if not name or name in (".", ".."):
        raise ValueError(f"cannot name a folder after repository {repo!r}")
    return name


def link(hub: str, repo: str, *, branch: str = "main", path: str = "",
         app: str = "lab", targetpath: str | None = None) -> str:
    """The nbgitpuller URL for ``repo`` on ``hub``, opening ``path`` (a file or folder of the repo).

    Parameters
    ----------
    hub : str
        The hub's base URL, ``https://hub.example.edu`` (a path prefix such as
        ``https://example.edu/jupyter`` is kept).
    repo : str
        A git URL the hub can clone (``https://...``).
    branch : str
        The branch to pull.
    path : str
        What to open, relative to the repository: ``notebooks/00_start_here.ipynb``.
    app : {"lab", "notebook"}
        JupyterLab or the classic notebook view.
    targetpath : str, optional
        The folder in the student's home (default: the repository's name).
    """
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"hub must be an http(s) URL such as https://hub.example.edu, got {hub!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"hub must be the hub's base URL without query or fragment, got {hub!r}")
    if app not in APPS:
        raise ValueError(f"app must be one of {sorted(APPS)}, got {app!r}")
    if not branch:
        raise ValueError("branch must not be empty")
    if path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"path must be relative to the repository, got {path!r}")
    target = targetpath or folder_name(repo)
    urlpath = "/".join(p for p in (APPS[app], target, path.strip("/")) if p)
    query = urlencode({"repo": repo, "branch": branch, "targetpath": target, "urlpath": urlpath},
                      quote_via=quote, safe="")
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    """Command line: print the link."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hub", required=True, help="https://hub.example.edu")
    parser.add_argument("--repo", required=True, help="git URL of the course")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--path", default="notebooks/00_start_here.ipynb",
                        help="file or folder to open, relative to the repository")
    parser.add_argument("--app", default="lab", choices=sorted(APPS))
    parser.add_argument("--targetpath", default=None,
                        help="folder in the student's home (default: the repository's name)")
    args = parser.parse_args(argv)
    try:
        print(link(args.hub, args.repo, branch=args.branch, path=args.path, app=args.app,
                   targetpath=args.targetpath))
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
