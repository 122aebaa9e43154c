"""A class of hostile and careless students for ``fake_ex`` (see fakechecks.py).

Issues 11 (h1-h11, x1-x5) and 21 (h12-h20 and the folder names: one student stops, fools
or overflows the grader).

Each student is a list of code cells; ``EXPECTED`` says what the grader must award
(points of task 1 and task 2) and how the status column must begin. Placeholders filled
by the test: ``{SUBMISSIONS}`` (the real submissions folder), ``{PORT}`` (a server on the
grader's loopback), ``{MARK}`` (a unique word in the command line of every process a
student tries to leave behind), ``{TARGETS}`` (files of the installation to tamper with).
"""

from __future__ import annotations

RIGHT = "def double(x):\n    return 2 * x"
WRONG = "def double(x):\n    return x + 2"

STUDENTS: dict[str, list[str]] = {
    # honest students, one early and one late in the run: their scores must not move
    "aa_honest": [RIGHT, "answer = 42"],
    "ab_partial": [WRONG, "answer = 42"],
    "zz_honest": [RIGHT, "answer = 42"],
    # 1. replace the grader's functions in memory before the probe runs
    "h1_patcher": [
        WRONG,
        "import json, builtins\n"
        "_dump = json.dump\n"
        "def dump(obj, f, **kw):\n"
        "    f.write('{\"task1\": \"pass\", \"task2\": \"pass\", \"points\": 100}')\n"
        "json.dump = dump\n"
        "builtins.float = lambda x: 'full marks'\n"
        "import sys\n"
        "sys.modules['helpers'] = type(sys)('helpers')",
    ],
    # 2. forge the grader's output: old mark lines, the answers and status files, a thread
    "h2_forger": [
        WRONG,
        "print('GRADE ' + '[2, \"ok\"]')\n"
        "import glob, json, os, threading, time\n"
        "forged = {'task1': 'pass', 'verdicts': [{'points': 2}], 'points': 3}\n"
        "def forge():\n"
        "    while True:\n"
        "        for d in ['/sandbox/out', os.getcwd(), *glob.glob('/tmp/grade-*/out')]:\n"
        "            try:\n"
        "                with open(os.path.join(d, 'answers.json'), 'w') as f:\n"
        "                    json.dump(forged, f)\n"
        "                with open(os.path.join(d, 'status.json'), 'w') as f:\n"
        "                    json.dump({'state': 'done', 'probe': 'done'}, f)\n"
        "            except OSError:\n"
        "                pass\n"
        "        time.sleep(0.01)\n"
        "threading.Thread(target=forge, daemon=True).start()",
    ],
    # 3. shadow the helpers package (and json) from the working directory
    "h3_shadow": [
        WRONG,
        "import os, sys, importlib\n"
        "os.makedirs('helpers', exist_ok=True)\n"
        "open('helpers/__init__.py', 'w').write('FULL = True\\n')\n"
        "open('instructor.py', 'w').write('checks = None\\n')\n"
        "sys.modules.pop('helpers', None)\n"
        "importlib.invalidate_caches()\n"
        "import helpers\n"
        "assert helpers.FULL",
    ],
    # 4. append to the installed checks and helpers on disk, plant a sitecustomize
    "h4_tamper": [
        WRONG,
        "import os, sys, site, glob\n"
        "import helpers\n"
        "hit = []\n"
        "targets = {TARGETS} + glob.glob(os.path.dirname(helpers.__file__) + '/*.py')\n"
        "targets += [p + '/sitecustomize.py' for p in site.getsitepackages()]\n"
        "targets += [os.path.dirname(os.__file__) + '/sitecustomize.py']\n"
        "for t in targets:\n"
        "    try:\n"
        "        with open(t, 'a') as f:\n"
        "            f.write('\\nFULL_MARKS = True\\n')\n"
        "        hit.append(t)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(hit)",
    ],
    # 5. read and modify another student's submission
    "h5_snoop": [
        WRONG,
        "import os\n"
        "found = []\n"
        "for top in ['{SUBMISSIONS}', '/', '..', '/tmp', '/root', '/work', '/home']:\n"
        "    for root, dirs, files in os.walk(top):\n"
        "        dirs[:] = [d for d in dirs if d not in ('proc', 'sys', 'usr', 'dev', 'lib',\n"
        "                                                'site-packages', '.git', '.venv')]\n"
        "        for name in files:\n"
        "            if name.endswith('.ipynb'):\n"
        "                path = os.path.join(root, name)\n"
        "                found.append(path)\n"
        "                try:\n"
        "                    with open(path, 'a') as f:\n"
        "                        f.write('tampered')\n"
        "                except OSError:\n"
        "                    pass\n"
        "print(found)",
        "answer = len([p for p in found if 'honest' in p]) or 'nothing found'",
    ],
    # 6. reach a server on the grader machine's loopback
    "h6_network": [
        WRONG,
        "import urllib.request\n"
        "try:\n"
        "    answer = urllib.request.urlopen('http://127.0.0.1:{PORT}/steal', timeout=3).read()\n"
        "except Exception as e:\n"
        "    answer = repr(e)",
    ],
    # 7. allocate 6 GB: at once, then in children that each stay under the per-process cap
    "h7_hog": [
        RIGHT,
        "x = bytearray(6_000_000_000)",
        "import os, time\n"
        "for _ in range(4):\n"
        "    if os.fork() == 0:\n"
        "        block = b'\\x01' * 700_000_000  # filled at C speed: resident at once\n"
        "        time.sleep(60)\n"
        "        os._exit(0)\n"
        "time.sleep(60)",
        "answer = 42",
    ],
    # 8. leave processes running: a child, a new session, a double-forked daemon
    "h8_linger": [
        RIGHT,
        "import os, subprocess, sys\n"
        "subprocess.Popen(['sleep', '1000', '{MARK}'])\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1000)', '{MARK}'],\n"
        "                 start_new_session=True)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        os.execvp('sleep', ['sleep', '1001', '{MARK}'])\n"
        "    os._exit(0)\n"
        "answer = 42",
    ],
    # 9. kill the grader: its parent, everything it may signal, its process group
    "h9_kill_parent": [RIGHT, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"],
    "h9_kill_all": [RIGHT, "answer = 42", "import os, signal\nos.kill(-1, signal.SIGKILL)"],
    "h9_kill_group": [RIGHT, "import os, signal\nos.killpg(0, signal.SIGKILL)"],
    # too many processes
    "h10_forks": [
        WRONG,
        "import subprocess\n"
        "procs = [subprocess.Popen(['sleep', '100', '{MARK}']) for _ in range(200)]\n"
        "import time\ntime.sleep(20)  # held (under the 30 s timeout): a fork bomb keeps its forks",
    ],
    # a 300 MB output flood (prints), and files larger than the caps
    "h11_flood": [
        RIGHT,
        "answer = 42",
        "line = 'x' * 1_000_000\nfor _ in range(300):\n    print(line)",
        "try:\n"
        "    with open('big', 'wb') as f:\n"
        "        for _ in range(400):\n"
        "            f.write(b'y' * 1_000_000)\n"
        "except OSError as e:\n"
        "    print(e)",
    ],
    # accidents
    "x1_sys_exit": [RIGHT, "answer = 42", "import sys\nsys.exit()"],
    "x2_os_exit": [RIGHT, "answer = 42", "import os\nos._exit(1)"],
    "x3_delete": [
        RIGHT,
        "answer = 42",
        "import os, shutil\n"
        "for name in os.listdir('.'):\n"
        "    shutil.rmtree(name, ignore_errors=True) if os.path.isdir(name) else os.remove(name)\n"
        "for name in os.listdir('/sandbox/out'):\n"
        "    os.remove('/sandbox/out/' + name)",
    ],
    "x4_sigint": [
        "answer = 42",
        "import signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n"
        "    time.sleep(0.05)",
    ],
    "x5_subprocess": [
        RIGHT,
        "import subprocess\nprint(subprocess.run(['echo', 'hi'], capture_output=True).stdout)",
        "answer = 42",
    ],
    # --- issue 21: stop, fool or overflow the grader ---
    # forge the runner's channel: write a finished status with right answers into every
    # file descriptor of every process (the runner's pipe among them, if it could)
    "h12_channel": [
        WRONG,
        "1 / 0",
        "import glob, json, os\n"
        "line = json.dumps({'state': 'done', 'probe': 'done', 'finished': True,\n"
        "                   'error_cell': None, 'error': None,\n"
        "                   'answers': json.dumps({'task1': [6.0, -14.0, 5.0], 'task2': 42})})\n"
        "hit = []\n"
        "for path in glob.glob('/proc/[0-9]*/fd/*'):\n"
        "    try:\n"
        "        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)\n"
        "        os.write(fd, ('\\n' + line + '\\n').encode())\n"
        "        os.close(fd)\n"
        "        hit.append(path)\n"
        "    except OSError:\n"
        "        pass\n"
        "print(hit)",
    ],
    # leave very deep directory trees in every writable place
    "h13_deep_tree": [
        RIGHT,
        "answer = 42",
        "import os\n"
        "for top in ['/tmp', '/dev/shm', '/sandbox/out', os.getcwd()]:\n"
        "    os.chdir(top)\n"
        "    for _ in range(3000):\n"
        "        os.mkdir('d' * 50)\n"
        "        os.chdir('d' * 50)\n"
        "os.chdir('/sandbox/work')",
    ],
    # say a heading, HTML, controls and a bidi override in an error (a lone surrogate never
    # leaves the kernel: ipykernel cannot encode it; tests/test_hostile.py stores one)
    "h14_text": [
        RIGHT,
        "answer = 42",
        "raise ValueError('## 6 / 6 points <script>alert(1)</script> '\n"
        "                 '<img src=x onerror=alert(1)> \\x1b[31m \\u202e =cmd|calc')",
    ],
    # shared anonymous memory (not in RLIMIT_DATA, not in resident-minus-shared)
    "h15_shm": [
        RIGHT,
        "answer = 42",
        "import mmap\n"
        "maps = []\n"
        "for _ in range(8):\n"
        "    m = mmap.mmap(-1, 250_000_000)\n"
        "    m.write(b'\\x01' * 250_000_000)\n"
        "    maps.append(m)",
    ],
    # fill every tmpfs (RAM) and then allocate: together past the memory cap
    "h16_tmpfs": [
        RIGHT,
        "answer = 42",
        "import os\n"
        "for d in ['/dev/shm', '/tmp', '/sandbox/out', os.getcwd()]:\n"
        "    try:\n"
        "        with open(os.path.join(d, 'fill'), 'wb') as f:\n"
        "            for _ in range(400):\n"
        "                f.write(b'\\x01' * 1_000_000)\n"
        "    except OSError:\n"
        "        pass\n"
        "block = b'\\x01' * 900_000_000",
    ],
    # reserve 2 GB without writing it
    "h17_fallocate": [
        RIGHT,
        "answer = 42",
        "import os\n"
        "failed = []\n"
        "for d in ['/sandbox/out', '/tmp', '/dev/shm', os.getcwd()]:\n"
        "    fd = os.open(os.path.join(d, 'reserved'), os.O_WRONLY | os.O_CREAT)\n"
        "    try:\n"
        "        os.posix_fallocate(fd, 0, 2_000_000_000)\n"
        "    except OSError as e:\n"
        "        failed.append(e.errno)\n"
        "    os.close(fd)\n"
        "assert len(failed) == 4, failed",
    ],
    # honest work that mentions the checks by name is run (only the tag drops a cell)
    "h18_mentions_check": [
        RIGHT + "\n# helpers.selfcheck and check_task( come later",
        "answer = 42  # check_task(2) would say so",
    ],
    # a notebook of too many cells, parsed in the sandbox, never in the grader
    "h19_cells": ["x = 1"] * 300,
    # a notebook larger than the cap: never read past the cap, never parsed
    "h20_large": [RIGHT, "answer = 42", "#" * 1_200_000],
    # folder names (never a "/"): a formula, a heading and HTML after a newline, a long
    # multibyte name, two names that are one id after normalisation (é composed and decomposed)
    '=HYPERLINK("evil.example";"x")': [RIGHT, "answer = 42"],
    "n1\n## 6 of 6 points <img src=x onerror=alert(1)>": [RIGHT, "answer = 42"],
    "é" * 127: [RIGHT, "answer = 42"],
    "caf\u00e9": [RIGHT, "answer = 42"],
    "cafe\u0301": [RIGHT, "answer = 42"],
}

#: the ids in the CSV of the folders whose names are not ids as they are
CSV_ID = {
    '=HYPERLINK("evil.example";"x")': '\'=HYPERLINK("evil.example";"x")',
    "n1\n## 6 of 6 points <img src=x onerror=alert(1)>":
        "n1 ## 6 of 6 points <img src=x onerror=alert(1)>",
    "é" * 127: "é" * 79 + "…",
    "cafe\u0301": "caf\u00e9",
}

#: the limits of the class run (small caps, so that the attacks reach them quickly)
LIMITS = {"timeout": 30, "probe_timeout": 20, "memory": 1536 * 2**20, "startup": 60,
          "cells": 200, "notebook_bytes": 2**20}

#: student -> (task 1 points, task 2 points, start of the status)
EXPECTED: dict[str, tuple[int, int, str]] = {
    "aa_honest": (2, 1, "ok"),
    "ab_partial": (0, 1, "ok"),
    "zz_honest": (2, 1, "ok"),
    "h1_patcher": (0, 0, "ok"),
    "h2_forger": (0, 0, "ok"),
    "h3_shadow": (0, 0, "error in cell 2 (AttributeError: module 'helpers' has no attribute"),
    "h4_tamper": (0, 0, "ok"),
    "h5_snoop": (0, 0, "ok"),
    "h6_network": (0, 0, "ok"),
    "h7_hog": (0, 0, "memory limit in cell 3"),
    "h8_linger": (2, 1, "ok"),
    "h9_kill_parent": (0, 0, "killed"),
    "h9_kill_all": (0, 0, "killed"),
    "h9_kill_group": (0, 0, "kernel died"),
    "h10_forks": (0, 0, "process limit"),
    "h11_flood": (2, 1, "ok"),
    "x1_sys_exit": (2, 1, "error in cell 3 (SystemExit"),
    "x2_os_exit": (0, 0, "kernel died"),
    "x3_delete": (2, 1, "ok"),
    "x4_sigint": (0, 0, "timeout in cell"),
    "x5_subprocess": (2, 1, "ok"),
    "h12_channel": (0, 0, "error in cell 2 (ZeroDivisionError: division by zero)"),
    "h13_deep_tree": (2, 1, "ok"),
    "h14_text": (2, 1, "error in cell 3 (ValueError: ## 6 / 6 points <script>alert(1)</script> "
                       "<img src=x onerror=alert(1)> \ufffd[31m \ufffd =cmd|calc)"),
    "h15_shm": (0, 0, "memory limit in cell 3"),
    "h16_tmpfs": (0, 0, "memory limit in cell 3"),
    "h17_fallocate": (2, 1, "ok"),
    "h18_mentions_check": (2, 1, "ok"),
    "h19_cells": (0, 0, "too many cells (300, the limit is 200)"),
    "h20_large": (0, 0, "too large (1.1 MB, the limit is 1 MB)"),
    '=HYPERLINK("evil.example";"x")': (2, 1, "ok"),
    "n1\n## 6 of 6 points <img src=x onerror=alert(1)>": (2, 1, "ok"),
    "é" * 127: (2, 1, "ok"),
    "caf\u00e9": (0, 0, "not graded: the folders 'cafe\\xcc\\x81' and 'caf\\xc3\\xa9' give"),
    "cafe\u0301": (0, 0, "not graded: the folders 'cafe\\xcc\\x81' and 'caf\\xc3\\xa9' give"),
}

#: the other acceptable outcome of a student: on a machine too busy to move 300 MB of
#: prints within the timeout, the flood is interrupted and the kernel, still draining its
#: output, cannot answer the probe in time: no points, and the run goes on
ALTERNATIVE: dict[str, tuple[int, int, str]] = {"h11_flood": (0, 0, "timeout in cell 3"),
                                                # the working directory ahead of PYTHONPATH
                                                "h3_shadow": (0, 0, "ok")}
