"""Markdown of the technical files, rendered to safe HTML (markdown-it-py).

Raw HTML is disabled (typed ``<script>`` is shown as text), images are off (no
request to another site from a confidential page), and a link keeps its target
only for ``http``, ``https`` and ``mailto`` or a relative address: ``javascript:``,
``data:``, ``vbscript:``, ``file:``… stay plain text. Headings, lists, tables,
code blocks, quotes and emphasis work.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup

SAFE_SCHEMES = ("http", "https", "mailto")
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
# Characters browsers drop from a URL before reading its scheme (« java\tscript: »).
IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _validate_link(url: str) -> bool:
    """Keep a link only for a safe scheme, or no scheme at all."""
    cleaned = IGNORED_IN_SCHEME.sub("", url)
    match = SCHEME.match(cleaned)
    return match is None or match.group(1).lower() in SAFE_SCHEMES


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")
    md.validateLink = _validate_link
    return md


_MD = _parser()


def render(text: str | None) -> Markup:
    """HTML of a section's Markdown, safe to insert in a page."""
    return Markup(_MD.render(text or ""))
