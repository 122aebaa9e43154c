"""A wheelhouse for a room without internet: every wheel the course needs, on a USB stick.

``make wheelhouse`` (or ``python -m instructor.wheelhouse --out wheelhouse``) writes::

    wheelhouse/
        wheels/                      every wheel, for every chosen platform and Python
        requirements/<target>.txt    exact versions for one target, e.g. linux-x86_64-cp311
        course/                      the student's files: notebooks/ and exercises/ (no solutions)
        install-offline.sh           Linux and macOS: one command, no network
        install-offline.bat          Windows: the same
        manifest.json                what was built, and which targets have no wheels (and why)

On a student machine, from the stick::

    sh /media/usb/wheelhouse/install-offline.sh            # -> ~/improving-deep-networks
    /media/usb/wheelhouse/install-offline.bat              (Windows)

which makes a virtual environment, installs with ``pip install --no-index --find-links`` (the
network is never asked) and copies the course next to it.

How a target is resolved: ``pip download --platform`` evaluates environment markers
(``sys_platform == "win32"``, ``python_version < "3.11"``) for the machine it runs on, not for the
target, so a Windows wheelhouse built on Linux would miss Windows-only dependencies. The versions
are therefore resolved per target by ``uv pip compile --python-platform ... --python-version ...``
(markers evaluated for the target, wheels only), and the pinned list is then fetched with
``pip download --no-deps --only-binary=:all: --platform ... --python-version ...``. A target for
which some package has no wheel (tensorflow has none for macOS on Intel) is reported in the
manifest and on the terminal, not silently dropped.

The course itself goes in as a wheel of the ``helpers`` package only: ``instructor/`` (grader,
hidden checks) never reaches a student machine.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["PLATFORMS", "Target", "build", "main", "requirements", "student_wheel"]

ROOT = Path(__file__).resolve().parents[1]

#: platform name -> (uv's --python-platform, pip's --platform tags, install-script OS name)
PLATFORMS: dict[str, tuple[str, list[str]]] = {
    # glibc 2.28 or newer (Debian 10, Ubuntu 20.04, RHEL 8); pip does not expand manylinux_2_X
    # tags downwards by itself, so every older one is listed
    "linux-x86_64": ("x86_64-manylinux_2_28",
                     [f"manylinux_2_{v}_x86_64" for v in range(28, 4, -1)]
                     + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"]),
    "linux-aarch64": ("aarch64-manylinux_2_28",
                      [f"manylinux_2_{v}_aarch64" for v in range(28, 16, -1)]
                      + ["manylinux2014_aarch64"]),
    # macOS 12 or newer on Apple silicon (TensorFlow's own minimum); pip expands macOS tags
    "macos-arm64": ("aarch64-apple-darwin", ["macosx_12_0_arm64"]),
    "macos-x86_64": ("x86_64-apple-darwin", ["macosx_12_0_x86_64"]),
    "windows-amd64": ("x86_64-pc-windows-msvc", ["win_amd64"]),
}

#: short names accepted on the command line
ALIASES = {"linux": "linux-x86_64", "macos": "macos-arm64", "windows": "windows-amd64"}

PYTHONS = ("3.10", "3.11", "3.12")

#: what a student copy contains (never solutions/ or instructor/)
COURSE_DIRS = ("notebooks", "exercises")


@dataclass
class Target:
    """One platform and Python version of the wheelhouse.

    Attributes
    ----------
    platform : str
        A key of :data:`PLATFORMS`, e.g. ``"linux-x86_64"``.
    python : str
        ``"3.11"``.
    ok : bool
        Whether every wheel was found (and, unless only checking, downloaded).
    error : str
        Why not, when ``ok`` is false: the resolver's or pip's last lines.
    pins : list of str
        ``name==version`` of every package, as resolved for this target.
    """

    platform: str
    python: str
    ok: bool = False
    error: str = ""
    pins: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """``linux-x86_64-cp311``: the name of its requirements file."""
        return f"{self.platform}-cp{self.python.replace('.', '')}"


def requirements(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """The course's runtime requirements, as written in ``pyproject.toml`` (markers included).

    They include what a student needs to work: JupyterLab, ipykernel, ipywidgets, the slides.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return list(project["dependencies"])


def _run(cmd: list[str], timeout: float = 3600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def student_wheel(out: Path, root: Path = ROOT) -> Path:
    """Build the wheel of the course with the ``helpers`` package only, into ``out``.

    The project's ``pyproject.toml`` is copied with ``packages = ["helpers"]``, so neither
    ``instructor/`` nor anything else of the repository is in it.
    """
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="student-wheel-") as tmp:
        src = Path(tmp)
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
        new, n = re.subn(r"(?m)^packages\s*=\s*\[[^\]]*\]", 'packages = ["helpers"]', text)
        if n != 1:
            raise ValueError("pyproject.toml: expected one `packages = [...]` line under "
                             f"[tool.setuptools], found {n}")
        (src / "pyproject.toml").write_text(new, encoding="utf-8")
        shutil.copy(root / "README.md", src / "README.md")
        shutil.copytree(root / "helpers", src / "helpers",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        before = set(out.glob("*.whl"))
        done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                     "--wheel-dir", str(out), str(src)])
        if done.returncode != 0:
            raise RuntimeError(f"building the course wheel failed:\n{_tail(done.stderr, 20)}")
        built = sorted(set(out.glob("*.whl")) - before) or sorted(
            out.glob("improving_deep_networks-*.whl"))
        if not built:
            raise RuntimeError(f"pip wheel wrote no wheel into {out}")
        return built[-1]


def _uv() -> list[str]:
    if shutil.which("uv"):
        return [shutil.which("uv") or "uv"]
    try:
        import uv  # noqa: F401
    except ModuleNotFoundError as exc:
        raise RuntimeError("`uv` is needed to resolve other platforms: "
                           "pip install -e '.[room]' (make wheelhouse does it)") from exc
    return [sys.executable, "-m", "uv"]


def resolve(target: Target, reqs: list[str], work: Path) -> Target:
    """Pin every package for ``target`` (markers evaluated for it); wheels only."""
    uv_platform, _ = PLATFORMS[target.platform]
    req_in = work / f"{target.name}.in"
    req_in.write_text("\n".join(reqs) + "\n", encoding="utf-8")
    pinned = work / f"{target.name}.txt"
    done = _run([*_uv(), "pip", "compile", str(req_in), "--output-file", str(pinned),
                 "--python-platform", uv_platform, "--python-version", target.python,
                 "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet",
                 "--index-url", "https://pypi.org/simple"])
    if done.returncode != 0:
        target.error = _tail(done.stderr)
        return target
    target.pins = [ln.strip() for ln in pinned.read_text(encoding="utf-8").splitlines()
                   if ln.strip() and not ln.lstrip().startswith("#")]
    target.ok = True
    return target


def download(target: Target, wheels: Path, work: Path) -> Target:
    """Fetch the pinned wheels of ``target`` into ``wheels`` with ``pip download``."""
    _, tags = PLATFORMS[target.platform]
    pinned = work / f"{target.name}.txt"
    pinned.write_text("\n".join(target.pins) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--quiet", "--dest", str(wheels), "--python-version", target.python,
           "--implementation", "cp", "-r", str(pinned)]
    for tag in tags:
        cmd += ["--platform", tag]
    done = _run(cmd)
    if done.returncode != 0:
        target.ok, target.error = False, _tail(done.stderr)
    return target


INSTALL_SH = r"""#!/bin/sh
# Install the course from this folder, with no network:
#     sh install-offline.sh [TARGET_DIR]        (default: ~/improving-deep-networks)
# Needs Python __PYTHONS__ with venv (on Debian/Ubuntu: the python3-venv package).
# PYTHON=python3.11 sh install-offline.sh  picks another interpreter.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${1:-"$HOME/improving-deep-networks"}
PY=${PYTHON:-python3}
TAG=$("$PY" -c 'import platform, sys
m = platform.machine().lower()
linux = sys.platform.startswith("linux")
arch = {"amd64": "x86_64", "arm64": "aarch64" if linux else "arm64"}.get(m, m)
osname = "macos" if sys.platform == "darwin" else sys.platform
print(f"{osname}-{arch}-cp{sys.version_info[0]}{sys.version_info[1]}")')
PINS="$HERE/requirements/$TAG.txt"
if [ ! -f "$PINS" ]; then
    echo "This wheelhouse has no wheels for $TAG (Python: $PY)." >&2
    echo "It was built for: $(cd "$HERE/requirements" && ls | sed 's/\.txt$//' | tr '\n' ' ')" >&2
    echo "Pick another Python with PYTHON=..., or rebuild:" \
         "make wheelhouse PYTHONS=... PLATFORMS=..." >&2
    exit 2
fi
echo "Installing the course for $TAG into $TARGET (offline)"
mkdir -p "$TARGET"
"$PY" -m venv "$TARGET/.venv"
"$TARGET/.venv/bin/python" -m pip install --no-index --find-links "$HERE/wheels" \
    --disable-pip-version-check --quiet -c "$PINS" improving-deep-networks
# the course files; a student's own edits are never overwritten
for d in __COURSE_DIRS__; do
    mkdir -p "$TARGET/$d"
    cp -R -n "$HERE/course/$d/." "$TARGET/$d/" 2>/dev/null \
        || cp -R "$HERE/course/$d/." "$TARGET/$d/"
done
echo "Done. Start the course with:"
echo "    cd \"$TARGET\" && .venv/bin/jupyter lab notebooks/00_start_here.ipynb"
"""

INSTALL_BAT = r"""@echo off
rem Install the course from this folder, with no network:
rem     install-offline.bat [TARGET_DIR]      (default: %USERPROFILE%\improving-deep-networks)
rem Needs Python __PYTHONS__ (python.org installer, "py" launcher). set PY=py -3.11 picks one.
setlocal
set "HERE=%~dp0"
set "TARGET=%~1"
if "%TARGET%"=="" set "TARGET=%USERPROFILE%\improving-deep-networks"
if "%PY%"=="" set "PY=py -3"
set "ASK=import sys; print('windows-amd64-cp' + ''.join(map(str, sys.version_info[:2])))"
for /f %%t in ('%PY% -c "%ASK%"') do set "TAG=%%t"
if not exist "%HERE%requirements\%TAG%.txt" (
    echo This wheelhouse has no wheels for %TAG%. It was built for:
    dir /b "%HERE%requirements"
    exit /b 2
)
echo Installing the course for %TAG% into %TARGET% (offline)
%PY% -m venv "%TARGET%\.venv" || exit /b 1
"%TARGET%\.venv\Scripts\python.exe" -m pip install --no-index ^
    --find-links "%HERE%wheels" --disable-pip-version-check --quiet ^
    -c "%HERE%requirements\%TAG%.txt" improving-deep-networks || exit /b 1
__XCOPY__
echo Done. Start the course with:
echo     cd /d "%TARGET%" ^&^& .venv\Scripts\jupyter lab notebooks\00_start_here.ipynb
"""


def _write_scripts(out: Path, pythons: list[str]) -> None:
    versions = ", ".join(pythons)
    sh = out / "install-offline.sh"
    sh.write_text(INSTALL_SH.replace("__PYTHONS__", versions)
                  .replace("__COURSE_DIRS__", " ".join(COURSE_DIRS)), encoding="utf-8")
    sh.chmod(0o755)
    xcopy = "\n".join(f'xcopy /E /I /D /Y "%HERE%course\\{d}" "%TARGET%\\{d}" >nul'
                      for d in COURSE_DIRS)
    bat = INSTALL_BAT.replace("__PYTHONS__", versions).replace("__XCOPY__", xcopy)
    (out / "install-offline.bat").write_bytes(bat.replace("\n", "\r\n").encode("utf-8"))


def build(out: Path, platforms: list[str], pythons: list[str], *, check_only: bool = False,
          root: Path = ROOT, log=print) -> list[Target]:  # noqa: ANN001
    """Resolve and download the wheels of every target into ``out``; returns the targets.

    Parameters
    ----------
    out : pathlib.Path
        The wheelhouse folder (created; existing wheels are kept and reused).
    platforms : list of str
        Keys of :data:`PLATFORMS` (or ``linux``, ``macos``, ``windows``).
    pythons : list of str
        Python versions, e.g. ``["3.10", "3.11", "3.12"]``.
    check_only : bool
        Only resolve (which targets have every wheel), download nothing.
    """
    bad = [p for p in platforms if ALIASES.get(p, p) not in PLATFORMS]
    if bad:
        raise ValueError(f"unknown platform {bad[0]!r}; choose from "
                         f"{sorted(PLATFORMS) + sorted(ALIASES)}")
    bad = [v for v in pythons if not re.fullmatch(r"3\.\d+", v)]
    if bad:
        raise ValueError(f"python version must look like '3.11', got {bad[0]!r}")
    platforms = [ALIASES.get(p, p) for p in platforms]
    reqs = requirements(root / "pyproject.toml")
    out.mkdir(parents=True, exist_ok=True)
    wheels, pins_dir = out / "wheels", out / "requirements"
    wheels.mkdir(exist_ok=True)
    pins_dir.mkdir(exist_ok=True)
    targets = [Target(p, v) for p in platforms for v in pythons]
    with tempfile.TemporaryDirectory(prefix="wheelhouse-") as tmp:
        work = Path(tmp)
        for t in targets:
            t0 = time.monotonic()
            resolve(t, reqs, work)
            if t.ok and not check_only:
                download(t, wheels, work)
            if t.ok and not check_only:
                own = [p for p in t.pins if not p.lower().startswith("improving-deep-networks")]
                (pins_dir / f"{t.name}.txt").write_text("\n".join(own) + "\n", encoding="utf-8")
            status = "ok" if t.ok else "NO WHEELS"
            tf = next((p for p in t.pins if p.lower().startswith("tensorflow")), "")
            log(f"{t.name:28s} {status:10s} {len(t.pins):4d} packages {tf:28s} "
                f"{time.monotonic() - t0:6.1f} s" + (f"\n    {t.error}" if t.error else ""))
    manifest: dict[str, object] = {
        "built": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "check_only": check_only, "targets": [asdict(t) for t in targets]}
    if not check_only:
        student_wheel(wheels, root)
        course = out / "course"
        for d in COURSE_DIRS:
            if (root / d).is_dir():
                shutil.rmtree(course / d, ignore_errors=True)
                shutil.copytree(root / d, course / d,
                                ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        _write_scripts(out, sorted({t.python for t in targets if t.ok}))
        size = sum(f.stat().st_size for f in wheels.glob("*.whl"))
        manifest.update(wheels=len(list(wheels.glob("*.whl"))), megabytes=round(size / 1e6))
        log(f"{out}: {manifest['wheels']} wheels, {manifest['megabytes']} MB")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return targets


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m instructor.wheelhouse --out DIR [--platform P] [--python V]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("wheelhouse"))
    parser.add_argument("--platform", nargs="+", default=["linux-x86_64"],
                        help=f"any of {sorted(PLATFORMS)} or linux/macos/windows, or 'all'")
    parser.add_argument("--python", nargs="+", default=list(PYTHONS))
    parser.add_argument("--check", action="store_true",
                        help="only resolve: say which targets have every wheel; download nothing")
    args = parser.parse_args(argv)
    platforms = sorted(PLATFORMS) if args.platform == ["all"] else args.platform
    targets = build(args.out, platforms, args.python, check_only=args.check)
    missing = [t.name for t in targets if not t.ok]
    if missing:
        print(f"no complete wheel set for: {', '.join(missing)}", file=sys.stderr)
    return 0 if any(t.ok for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
