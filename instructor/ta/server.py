"""The rubric grading page: one written task at a time across all students (tornado).

::

    python -m instructor.ta --course course.toml serve [--port 8600] [--show-names] [--ta NAME]

Serves on 127.0.0.1 only. Opens with the written tasks and their progress; a task's page shows
one submission at a time (student names hidden unless ``--show-names``): the student's answer,
the figures of the cells it refers to, the rubric as checkboxes, a comment and the task's
reusable comments. Keys: ``j``/``→`` next, ``k``/``←`` previous, ``u`` next ungraded,
``1``-``9`` toggle rubric item, ``c`` comment (``Esc`` leaves it and saves), ``Shift+1``-``9``
add reusable comment, ``m`` keep the comment as reusable. Every change is saved at once in the
gradebook; a second teaching assistant (another server on the same gradebook, or another
browser) opens at the first submission not graded yet, and a save over a newer score is
refused with a message, never lost.

Student content is untrusted: the answer's Markdown is rendered by mistune and then cleaned
by nh3 (an allow-list HTML sanitizer: no script, no event attribute, no image, no style);
every response carries a Content-Security-Policy allowing only this server's own script
file (no inline script, no inline handler, nothing from elsewhere); figures are decoded and
re-encoded by Pillow before they are served. A token (in the URL printed at start, then a
cookie) guards every request; writes also need it in a header (no cross-site writes).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import nh3
import tornado.web

from instructor.ta import answers as ans
from instructor.ta.config import Course
from instructor.ta.gradebook import Gradebook, GradebookError, StaleWrite
from instructor.ta.marks import rubric, rubric_points, written_tasks

__all__ = ["CSP", "make_app", "render_answer"]

STATIC = Path(__file__).with_name("static")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
TAGS = {"p", "br", "strong", "em", "b", "i", "code", "pre", "ul", "ol", "li", "blockquote",
        "h3", "h4", "h5", "h6", "span", "sub", "sup", "table", "thead", "tbody", "tr", "th",
        "td", "hr", "del"}


def render_answer(markdown: str) -> str:
    """Untrusted Markdown -> HTML safe to insert (mistune, then the nh3 allow-list)."""
    import mistune

    return nh3.clean(mistune.html(markdown), tags=TAGS, attributes={},
                     url_schemes=set(), strip_comments=True)


class State:
    def __init__(self, book: Gradebook, course: Course, checks: Any, notebooks: list[str],
                 show_names: bool, token: str) -> None:
        self.book, self.course, self.checks = book, course, checks
        self.tasks = {t.key: t for t in written_tasks(checks, notebooks)}
        self.show_names, self.token = show_names, token
        self.images: dict[tuple[str, int], list[bytes | None]] = {}

    def task(self, key: str) -> Any:
        if key not in self.tasks:
            raise tornado.web.HTTPError(404, f"no written task {key!r}")
        return self.tasks[key]

    def subs(self, key: str) -> list[dict[str, Any]]:
        """Submissions of the task's exercise, in a fixed order (the student ids)."""
        nb = key.split(":")[0]
        out = []
        for s in self.book.students():
            latest = self.book.latest(s["id"], nb)
            if latest is not None:
                out.append({"student": s, "sub": latest})
        return out

    def figures(self, key: str, index: int, sub: dict) -> list[bytes | None]:
        cache = (sub["sha256"], self.task(key).number)
        if cache not in self.images:
            data = Path(sub["path"]).read_bytes()
            raw = ans.extract(data, self.task(key).number).figures
            self.images[cache] = [ans.reencode(r) for r in raw]
        return self.images[cache]


class Base(tornado.web.RequestHandler):
    state: State

    def initialize(self, state: State) -> None:
        self.state = state

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")

    def prepare(self) -> None:
        given = self.get_argument("token", None)
        if given is not None and secrets.compare_digest(given, self.state.token):
            self.set_cookie("ta_token", given, httponly=True, samesite="Strict")
            return
        cookie = self.get_cookie("ta_token") or ""
        if not secrets.compare_digest(cookie, self.state.token):
            raise tornado.web.HTTPError(403, "open the URL with ?token= printed at start")
        if self.request.method == "POST":
            header = self.request.headers.get("X-Token", "")
            if not secrets.compare_digest(header, self.state.token):
                raise tornado.web.HTTPError(403, "missing X-Token header")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = self._reason
        exc = kwargs.get("exc_info")
        if exc and isinstance(exc[1], tornado.web.HTTPError) and exc[1].log_message:
            reason = exc[1].log_message
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": reason}))


def _page(title: str, body: str, token: str) -> str:
    import html

    return ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<meta name='ta-token' content='{html.escape(token)}'>"
            f"<title>{html.escape(title)}</title>"
            "<link rel='stylesheet' href='/static/grade.css'>"
            "<script src='/static/grade.js' defer></script></head>"
            f"<body>{body}</body></html>")


class Index(Base):
    def get(self) -> None:
        import html

        rows = []
        for key, t in self.state.tasks.items():
            subs = self.state.subs(key)
            done = sum(1 for s in subs
                       if self.state.book.score(s["student"]["id"], key) is not None)
            rows.append(f"<li><a href='/task/{html.escape(key)}'>{html.escape(key)}: "
                        f"{html.escape(t.title)}</a> <span class='progress'>{done} / "
                        f"{len(subs)} graded</span></li>")
        body = ("<h1>Written answers</h1><ul id='tasks'>" + "".join(rows) + "</ul>"
                "<p>One task at a time across all students. Keys on a task's page: j/k next/"
                "previous, u next ungraded, 1-9 toggle a rubric item, c comment.</p>")
        self.finish(_page("Written answers", body, self.state.token))


class TaskPage(Base):
    def get(self, key: str) -> None:
        import html

        t = self.state.task(key)
        body = (f"<main id='grader' data-task='{html.escape(key)}'>"
                f"<header><a href='/'>all tasks</a> <h1>{html.escape(key)}: "
                f"{html.escape(t.title)} ({t.points:g} points)</h1>"
                "<span id='progress'></span> <span id='who'></span></header>"
                "<div id='message' role='alert'></div>"
                "<section id='answer-box'><h2>Answer</h2><div id='answer'></div>"
                "<div id='figures'></div></section>"
                "<section id='rubric-box'><h2>Rubric</h2><ol id='rubric'></ol>"
                "<p>Points: <b id='points'></b></p>"
                "<label>Comment (c) <textarea id='comment' rows='3'></textarea></label>"
                "<h3>Reusable comments (Shift+number; m keeps this one)</h3>"
                "<ol id='comments'></ol></section>"
                "<footer>j / &rarr; next &middot; k / &larr; previous &middot; u next "
                "ungraded &middot; 1-9 toggle item &middot; c comment, Esc done</footer>"
                "</main>")
        self.finish(_page(key, body, self.state.token))


class Api(Base):
    def get(self, key: str) -> None:
        st = self.state
        t = st.task(key)
        subs = st.subs(key)
        scores = {s["student"]["id"]: st.book.score(s["student"]["id"], key) for s in subs}
        done = sum(1 for v in scores.values() if v is not None)
        if not subs:
            self.finish({"total": 0, "graded": 0})
            return
        i = self.get_argument("i", None)
        if i is None:  # where the last teaching assistant stopped: the first not graded
            index = next((n for n, s in enumerate(subs)
                          if scores[s["student"]["id"]] is None), 0)
        else:
            try:
                index = int(i) % len(subs)
            except ValueError:
                raise tornado.web.HTTPError(400, f"i must be a number, got {i!r}") from None
        item = subs[index]
        student, sub = item["student"], item["sub"]
        answer = ans.extract(Path(sub["path"]).read_bytes(), t.number)
        score = scores[student["id"]]
        label = f"Submission {index + 1} of {len(subs)}"
        if st.show_names:
            label += f": {student['name'] or student['id']} ({student['id']})"
        figures = st.figures(key, index, sub)
        self.finish({
            "task": key, "title": t.title, "points": t.points, "index": index,
            "total": len(subs), "graded": done, "label": label,
            "answer_html": render_answer(answer.text) if not answer.empty else "",
            "problem": answer.problem or ("no answer written" if answer.empty else ""),
            "figures": [n for n, f in enumerate(figures) if f is not None],
            "figures_dropped": sum(1 for f in figures if f is None),
            "rubric": [{"id": r.id, "text": r.text, "points": r.points} for r in rubric(t)],
            "checked": score["items"] if score else [],
            "comment": score["comment"] if score else "",
            "version": score["version"] if score else 0,
            "graded_by": score["grader"] if score else "",
            "comments": st.book.comments(key),
            "ungraded": [n for n, s in enumerate(subs) if scores[s["student"]["id"]] is None],
        })

    def post(self, key: str) -> None:
        st = self.state
        t = st.task(key)
        try:
            body = json.loads(self.request.body or b"{}")
            index, items = int(body["index"]), list(body["items"])
            comment, version = str(body.get("comment", ""))[:5000], int(body["version"])
        except (ValueError, KeyError, TypeError):
            raise tornado.web.HTTPError(400, "expected {index, items, comment, version}") \
                from None
        subs = st.subs(key)
        if not 0 <= index < len(subs):
            raise tornado.web.HTTPError(400, f"no submission {index}")
        sid, sub = subs[index]["student"]["id"], subs[index]["sub"]
        try:
            rubric_points(t, items)
            new = st.book.set_score(sid, key, items, comment, expected_version=version,
                                    sha256=sub["sha256"])
        except StaleWrite as err:
            raise tornado.web.HTTPError(409, str(err)) from None
        except GradebookError as err:
            raise tornado.web.HTTPError(400, str(err)) from None
        self.finish({"version": new, "points": rubric_points(t, sorted(set(items)))})


class Comments(Base):
    def post(self, key: str) -> None:
        self.state.task(key)
        try:
            text = str(json.loads(self.request.body or b"{}")["text"])[:2000]
        except (ValueError, KeyError, TypeError):
            raise tornado.web.HTTPError(400, "expected {text}") from None
        self.state.book.add_comment(key, text)
        self.finish({"comments": self.state.book.comments(key)})


class Figure(Base):
    def get(self, key: str, index: str, n: str) -> None:
        subs = self.state.subs(key)
        i, k = int(index), int(n)
        if not 0 <= i < len(subs):
            raise tornado.web.HTTPError(404)
        figs = self.state.figures(key, i, subs[i]["sub"])
        if not 0 <= k < len(figs) or figs[k] is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "image/png")
        self.finish(figs[k])


class Static(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")


def make_app(book: Gradebook, course: Course, checks: Any, notebooks: list[str], *,
             show_names: bool = False, token: str | None = None) -> tuple[Any, str]:
    token = token or secrets.token_urlsafe(16)
    state = State(book, course, checks, notebooks, show_names, token)
    k = r"([0-9A-Za-z_.:%\-]+)"
    app = tornado.web.Application([
        (r"/", Index, {"state": state}),
        (rf"/task/{k}", TaskPage, {"state": state}),
        (rf"/api/task/{k}", Api, {"state": state}),
        (rf"/api/comments/{k}", Comments, {"state": state}),
        (rf"/img/{k}/(\d+)/(\d+)\.png", Figure, {"state": state}),
        (r"/static/(.*)", Static, {"path": str(STATIC)}),
    ], xsrf_cookies=False)
    return app, token


def serve(book: Gradebook, course: Course, checks: Any, notebooks: list[str], *,
          port: int = 0, show_names: bool = False) -> None:
    import asyncio

    import tornado.httpserver

    app, token = make_app(book, course, checks, notebooks, show_names=show_names)

    async def run() -> None:
        server = tornado.httpserver.HTTPServer(app)
        sockets = tornado.netutil.bind_sockets(port, address="127.0.0.1")
        server.add_sockets(sockets)
        bound = sockets[0].getsockname()[1]
        print(f"grading page: http://127.0.0.1:{bound}/?token={token}  (Ctrl-C stops it)",
              flush=True)
        await asyncio.Event().wait()

    import tornado.netutil

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
