"""A written answer and the figures it refers to, read from a submitted notebook (untrusted).

In the exercise notebooks a task opens with a markdown heading ``## Task N · title``; the
student writes a written answer after ``**Answer:**`` in a markdown cell of that task's
section (the exercise generator leaves ``**Answer:** *Your answer here.*`` there). The
figures are the image outputs of the code cells of the section, or, when it has none, those
of the nearest code cell above it (the plot the question asks about). The section and the
answer are found by the same parser as the learner's public check
(:mod:`coursework.engine.written`).
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field

from coursework.engine import written
from coursework.engine.written import PLACEHOLDER

__all__ = ["Answer", "PLACEHOLDER", "extract", "reencode"]

MAX_PIXELS = 4096 * 4096
MAX_FIGURES = 6


@dataclass
class Answer:
    text: str                       # markdown written by the student (untrusted)
    figures: list[bytes] = field(default_factory=list)  # raw PNG/JPEG bytes (untrusted)
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.text.strip()


def _images(cell: dict) -> list[bytes]:
    out = []
    for output in cell.get("outputs") or []:
        data = output.get("data") if isinstance(output, dict) else None
        if not isinstance(data, dict):
            continue
        for mime in ("image/png", "image/jpeg"):
            value = data.get(mime)
            if isinstance(value, list):
                value = "".join(v for v in value if isinstance(v, str))
            if isinstance(value, str):
                try:
                    out.append(base64.b64decode(value, validate=False))
                except ValueError:
                    pass
                break
    return out


def extract(data: bytes, number: int) -> Answer:
    """The answer to task ``number`` in the notebook ``data`` (bytes of the file)."""
    try:
        nb = json.loads(data.decode("utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as err:
        return Answer("", [], f"the notebook cannot be read ({type(err).__name__})")
    cells = [c for c in cells if isinstance(c, dict)]
    where = written.task_section(cells, number)
    if where is None:
        return Answer("", [], f"no heading '## Task {number}' in the notebook")
    start, end = where
    section = cells[start:end]
    text, has_cell = written.answer_text(section)
    figures = [img for cell in section if cell.get("cell_type") == "code"
               for img in _images(cell)]
    if not figures:
        for cell in reversed(cells[:start]):
            if cell.get("cell_type") == "code" and _images(cell):
                figures = _images(cell)
                break
    problem = "" if has_cell else "no '**Answer:**' cell in this task"
    return Answer(text, figures[:MAX_FIGURES], problem)


def reencode(raw: bytes) -> bytes | None:
    """A PNG decoded and written again by Pillow (metadata, trailing bytes, polyglots gone);
    ``None`` when it is not a readable image or too large."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.format not in ("PNG", "JPEG") or img.width * img.height > MAX_PIXELS:
                return None
            img.load()
            clean = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    out = io.BytesIO()
    clean.save(out, format="PNG")
    return out.getvalue()
