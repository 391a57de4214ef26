"""WeasyPrint in one place: every PDF of the app (bilan, statements, signed sheets,
identity card, meeting minutes) is rendered here, with no access to the network
or the disk (the documents embed what they show; a signed sheet's two signatures
come as ``data:`` URLs), with its stylesheet parsed once per process, and the last
documents remembered by content: the same HTML, stylesheet and options give the
same bytes without laying them out again (a draft bilan downloaded twice, the
identity card of an unchanged groupement).

WeasyPrint is imported lazily: the app starts without it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    import weasyprint

# How much of the last rendered documents each process remembers, in bytes (a
# bilan is ~100 KB, a statement ~30 KB): loading the demo twice in one process
# (tests, a restored backup) lays out its ~45 documents once.
REMEMBERED_BYTES = 16 * 2**20
_rendered: OrderedDict[str, bytes] = OrderedDict()
_remembered_bytes = 0
_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _parsed(source: str, *, is_file: bool, mtime_ns: int = 0) -> weasyprint.CSS:
    """Parsing a stylesheet costs tens of milliseconds; a CSS object is reusable."""
    import weasyprint
    if is_file:
        return weasyprint.CSS(filename=source)
    return weasyprint.CSS(string=source)


def _stylesheet(static: str | None, css: str | None) -> tuple[weasyprint.CSS, str]:
    """The parsed stylesheet and what identifies its content."""
    if static is not None:
        path = Path(current_app.static_folder) / static
        mtime_ns = path.stat().st_mtime_ns
        return _parsed(str(path), is_file=True, mtime_ns=mtime_ns), f"{path}@{mtime_ns}"
    return _parsed(css or "", is_file=False), css or ""


def write_pdf(html: str, *, static: str | None = None, css: str | None = None,
              protocols: tuple[str, ...] = (), metadata: dict | None = None,
              **options) -> bytes:
    """The PDF of ``html`` styled by the file ``static`` of ``gic/static`` or the
    text ``css``; ``protocols``: the URL schemes it may load (none by default);
    ``metadata``: attributes of WeasyPrint's ``DocumentMetadata`` (title, created…);
    ``options``: WeasyPrint's rendering options (``pdf_tags``, ``pdf_variant``…)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    stylesheet, style_key = _stylesheet(static, css)
    key = hashlib.sha256(repr((html, style_key, protocols, sorted((metadata or {}).items()),
                               sorted(options.items()))).encode()).hexdigest()
    with _lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return _rendered[key]
    fetcher = URLFetcher(allowed_protocols=protocols)
    document = weasyprint.HTML(string=html, base_url=current_app.static_folder,
                               url_fetcher=fetcher).render(stylesheets=[stylesheet], **options)
    for name, value in (metadata or {}).items():
        setattr(document.metadata, name, value)
    with warnings.catch_warnings():
        # WeasyPrint opens its sRGB profile for PDF/A's output intent without
        # closing it (the file is freed, and warned about, inside this call).
        warnings.simplefilter("ignore", ResourceWarning)
        content = document.write_pdf(**options)
    global _remembered_bytes
    with _lock:
        if key not in _rendered:
            _rendered[key] = content
            _remembered_bytes += len(content)
        while _remembered_bytes > REMEMBERED_BYTES:
            _remembered_bytes -= len(_rendered.popitem(last=False)[1])
    return content
