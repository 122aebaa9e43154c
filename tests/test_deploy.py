"""The department-size files: the image definition (binder/), the Zero to JupyterHub config, the
nbgitpuller link. Kubernetes and Docker do not run here; what can be checked is checked:

- binder/environment.yml installs exactly pyproject's dependencies plus nbgitpuller;
- binder/postBuild really installs ``helpers`` (and not ``instructor``) into a fresh environment;
- repo2docker reads binder/ and renders the Dockerfile (``--no-build``), when it is installed;
- deploy/z2jh/config.yaml, merged with the chart's defaults, passes the chart's own values schema
  (what ``helm install`` checks first), and its memory figures match the benchmark;
- an nbgitpuller link, opened on a Jupyter server with nbgitpuller, clones a repository into the
  folder its ``urlpath`` opens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from instructor import hub, nbgitpuller_link

ROOT = Path(__file__).resolve().parents[1]
yaml = pytest.importorskip("yaml")


def _online_env() -> dict[str, str]:
    """The environment without the test session's network guard (pip needs its index)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COURSE_OFFLINE"] = "0"
    return env


def _norm(req: str) -> str:
    return req.split("#", 1)[0].replace(" ", "").replace('"', "'")


def _pip_section(path: Path) -> list[str]:
    env = yaml.safe_load(path.read_text(encoding="utf-8"))
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


# ---------------------------------------------------------------- the image


def test_binder_environment_mirrors_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "binder" / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
    pip = {_norm(r) for r in _pip_section(ROOT / "binder" / "environment.yml")}
    wanted = {_norm(r) for r in project["dependencies"]}
    assert wanted <= pip, f"binder/environment.yml lacks {sorted(wanted - pip)}"
    extra = {r for r in pip - wanted}
    assert {r.split(">")[0] for r in extra} == {"nbgitpuller"}, (
        f"binder/environment.yml adds more than nbgitpuller: {sorted(extra)}")
    assert not any(r.startswith(("-", ".")) for r in pip), (
        "no local requirement in binder/environment.yml: postBuild installs the course")


@pytest.mark.classroom  # a venv and a build from PyPI: minutes on a busy machine
def test_postbuild_installs_helpers_but_not_instructor(tmp_path: Path) -> None:
    post = ROOT / "binder" / "postBuild"
    assert os.access(post, os.X_OK), "repo2docker runs binder/postBuild: it must be executable"
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".venv", ".git", ".hub", "wheelhouse", "__pycache__", "*.egg-info", "handouts"))
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {**_online_env(), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    before = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    done = subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    after = sorted(p.relative_to(repo) for p in repo.rglob("*"))
    assert after == before, f"postBuild wrote into the repository: {set(after) - set(before)}"
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert (site / "helpers" / "config.py").exists()
    assert not (site / "instructor").exists(), "instructor/ must not reach a student image"
    assert (site / "coursework" / "engine" / "selfcheck.py").exists(), "the public checks ship"
    hidden = [p.name for p in (site / "coursework").rglob("*.py")
              if p.name in ("hidden.py", "judge.py", "testing.py") or p.name.startswith("test_")]
    assert not hidden, f"hidden checks reached a student image: {hidden}"


def test_repo2docker_reads_binder() -> None:
    exe = shutil.which("jupyter-repo2docker") or str(Path(sys.executable).with_name(
        "jupyter-repo2docker"))
    if not Path(exe).exists():
        pytest.skip("jupyter-repo2docker is not installed (pip install -e '.[hub]')")
    done = subprocess.run([exe, "--no-build", "--debug", "--no-run", str(ROOT)],
                          capture_output=True, text=True, timeout=300, env=_online_env())
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-3000:]
    assert "binder/environment.yml" in out, "repo2docker did not pick binder/environment.yml"
    assert "binder/postBuild" in out, "repo2docker does not run binder/postBuild"
    assert "python=3.11" in (ROOT / "binder" / "environment.yml").read_text()


# ---------------------------------------------------------------- Zero to JupyterHub


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k),
                                                                          dict) else v
    return out


def test_z2jh_config_passes_the_chart_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    chart = ROOT / "deploy" / "z2jh" / "chart"
    config = yaml.safe_load((ROOT / "deploy" / "z2jh" / "config.yaml").read_text())
    values = _merge(yaml.safe_load((chart / "values.yaml").read_text()), config)
    schema = json.loads((chart / "values.schema.json").read_text())
    jsonschema.validate(values, schema)
    # the schema is strict: a misspelt key fails, so the check above means something
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_merge(values, {"singleuser": {"memroy": {"limit": "1G"}}}), schema)


def _peak_kernel_gb() -> float:
    table = (ROOT / "docs" / "benchmark.md").read_text(encoding="utf-8")
    peaks = [float(m) for m in re.findall(r"^\| \d\d_\w+\.ipynb \| [\d.]+ \| [\d.]+ \| ([\d.]+) \|",
                                          table, re.M)]
    assert peaks, "docs/benchmark.md has no notebook table"
    return max(peaks)


def test_z2jh_sizing_follows_the_benchmark() -> None:
    su = yaml.safe_load((ROOT / "deploy" / "z2jh" / "config.yaml").read_text())["singleuser"]
    limit, guarantee = (hub.parse_bytes(su["memory"][k]) / 2**30 for k in ("limit", "guarantee"))
    assert su["memory"]["limit"] == hub.MEM_LIMIT, "one memory budget for the hub and the cluster"
    assert guarantee >= _peak_kernel_gb(), "the guarantee must hold the heaviest lecture kernel"
    assert guarantee < limit
    assert 0 < su["cpu"]["guarantee"] <= su["cpu"]["limit"]
    assert su["image"]["name"] and su["defaultUrl"] == "/lab"


# ---------------------------------------------------------------- nbgitpuller links


def test_link_matches_what_nbgitpuller_reads() -> None:
    url = nbgitpuller_link.link("https://hub.example.edu/", "https://git.example.edu/a/course.git",
                                branch="main", path="notebooks/00_start_here.ipynb")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https", "hub.example.edu", "/hub/user-redirect/git-pull")
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q == {"repo": "https://git.example.edu/a/course.git", "branch": "main",
                 "targetpath": "course",
                 "urlpath": "lab/tree/course/notebooks/00_start_here.ipynb"}
    classic = nbgitpuller_link.link("https://example.edu/jupyter", "https://h/x/y", app="notebook",
                                    path="", targetpath="mine")
    assert classic.startswith("https://example.edu/jupyter/hub/user-redirect/git-pull?")
    assert parse_qs(urlsplit(classic).query)["urlpath"] == ["tree/mine"]


@pytest.mark.parametrize("kwargs, message", [
    ({"hub": "hub.example.edu"}, "http"),
    ({"hub": "https://h/?x=1"}, "query"),
    ({"app": "vscode"}, "app"),
    ({"path": "../x"}, "relative"),
    ({"branch": ""}, "branch"),
    ({"repo": "https://h/"}, "folder"),
])
def test_link_rejects_bad_input(kwargs: dict, message: str) -> None:
    args = {"hub": "https://h", "repo": "https://g/o/r", **kwargs}
    with pytest.raises(ValueError, match=message):
        nbgitpuller_link.link(args.pop("hub"), args.pop("repo"), **args)


def test_command_line_prints_the_link() -> None:
    done = subprocess.run([sys.executable, "-m", "instructor.nbgitpuller_link", "--hub",
                           "https://hub.example.edu", "--repo", "https://g/o/course", "--branch",
                           "main", "--path", "notebooks/00_start_here.ipynb"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == nbgitpuller_link.link(
        "https://hub.example.edu", "https://g/o/course", path="notebooks/00_start_here.ipynb")


def test_link_pulls_the_course_with_nbgitpuller(tmp_path: Path) -> None:
    """A Jupyter server with nbgitpuller follows the link's query: the course lands where
    ``urlpath`` points."""
    pytest.importorskip("nbgitpuller")
    if shutil.which("git") is None:
        pytest.skip("git is missing")
    src = tmp_path / "course.git"
    work = tmp_path / "work"
    (work / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "00_start_here.ipynb", work / "notebooks")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    subprocess.run([*git, "-C", str(work), "add", "."], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-q", "-m", "course"], check=True)
    subprocess.run([*git, "clone", "-q", "--bare", str(work), str(src)], check=True)

    url = nbgitpuller_link.link("http://127.0.0.1", f"file://{src}", branch="main",
                                path="notebooks/00_start_here.ipynb")
    query = urlsplit(url).query
    q = {k: v[0] for k, v in parse_qs(query).items()}
    home = tmp_path / "home"
    home.mkdir()
    port, token = hub.free_port(), "nbgitpuller-test"
    env = {**os.environ, "HOME": str(home), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig")}
    (tmp_path / "gitconfig").write_text("[user]\n name = t\n email = t@t\n")
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={home}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=home)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        page = urllib.request.urlopen(f"{base}/git-pull?{query}&token={token}", timeout=60)
        assert page.status == 200
        with urllib.request.urlopen(f"{base}/git-pull/api?{query}&token={token}",
                                    timeout=300) as stream:
            events = stream.read().decode()
        assert '"phase": "finished"' in events, events[-2000:]
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    opened = home / q["urlpath"].removeprefix("lab/tree/")
    assert opened.is_file(), f"the link opens {q['urlpath']}, but the pull wrote " \
                             f"{sorted(str(p.relative_to(home)) for p in home.rglob('*.ipynb'))}"
    assert opened.read_bytes() == (ROOT / "notebooks" / "00_start_here.ipynb").read_bytes()
