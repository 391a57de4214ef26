"""WeasyPrint in one place: every PDF of the app (bilan, statements, signed sheets,
identity card, meeting minutes) is rendered here, with no access to the network
or the disk (the documents embed what they show; a signed sheet's two signatures
come as ``data:`` URLs), and with its stylesheet parsed once per process.

WeasyPrint is imported lazily: the app starts without it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    import weasyprint


@functools.lru_cache(maxsize=16)
def _parsed(source: str, *, is_file: bool, mtime_ns: int = 0) -> weasyprint.CSS:
    """Parsing a stylesheet costs tens of milliseconds; a CSS object is reusable."""
    import weasyprint
    if is_file:
        return weasyprint.CSS(filename=source)
    return weasyprint.CSS(string=source)


def stylesheet(*, static: str | None = None, text: str | None = None) -> weasyprint.CSS:
    """A stylesheet: a file of ``gic/static`` (read again when it changes) or a text."""
    if static is not None:
        path = Path(current_app.static_folder) / static
        return _parsed(str(path), is_file=True, mtime_ns=path.stat().st_mtime_ns)
    return _parsed(text or "", is_file=False)


def document(html: str, css: weasyprint.CSS, *, protocols: tuple[str, ...] = (),
             **options) -> weasyprint.document.Document:
    """``html`` laid out with ``css``; ``protocols``: the URL schemes it may load
    (none by default); ``options``: WeasyPrint's (``pdf_tags``…)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=protocols)
    return weasyprint.HTML(string=html, base_url=current_app.static_folder,
                           url_fetcher=fetcher).render(stylesheets=[css], **options)


def write_pdf(html: str, css: weasyprint.CSS, *, protocols: tuple[str, ...] = (),
              **options) -> bytes:
    """The PDF of ``html``, as WeasyPrint's own ``HTML.write_pdf`` does it."""
    return document(html, css, protocols=protocols, **options).write_pdf(**options)
