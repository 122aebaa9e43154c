"""Student-controlled text made safe to store and to show.

Everything a student controls (folder names, statuses built from their exceptions, the
messages of the checks that echo their answers) goes through :func:`clean` before it is
stored: one line, no control or format characters, no lone surrogates (which cannot be
encoded as UTF-8), NFC, bounded length. The writers then escape it for where it goes:
:func:`csv_cell` (no formula), :func:`markdown` (no heading, link, image or HTML),
:func:`html.escape` for the HTML feedback.
"""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["ID_CHARS", "MESSAGE_CHARS", "STATUS_CHARS", "clean", "csv_cell", "markdown"]

ID_CHARS = 80
STATUS_CHARS = 300
MESSAGE_CHARS = 500
_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"


def _char(c: str) -> str:
    if c in _SPACES:
        return " "
    if "\ud800" <= c <= "\udfff":
        return "\ufffd"  # a lone surrogate: no UTF-8 encoding exists
    if unicodedata.category(c) in ("Cc", "Cf"):  # control, bidi override, zero width
        return "\ufffd"
    return c


def clean(value: object, limit: int = STATUS_CHARS) -> str:
    """``value`` as one line of safe text of at most ``limit`` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > 4 * limit:
        text = text[:4 * limit]  # never normalise megabytes
    text = unicodedata.normalize("NFC", "".join(_char(c) for c in text))
    text = " ".join(text.split(" ")).strip()
    text = re.sub(r" {2,}", " ", text)
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never evaluates as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def markdown(text: str) -> str:
    """``text`` (already :func:`clean`) as literal Markdown: no HTML, link, image, emphasis."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]!|~#])", r"\\\1", text)
