"""What the bilan page and its PDF show: one template, two renderings.

:func:`page_context` turns a version's data snapshot into what the template
reads (names by id, the given/received matrix as a grid, the SVG charts);
:func:`bilan_pdf` renders the very same template with ``print_mode`` through
WeasyPrint. Nothing here reads the live tables: a published bilan looks the same
forever, and its PDF is byte-identical (its dates are the publication's, its
links on ``PUBLIC_URL``); a published version's PDF is rendered once and then
served as stored (:class:`gic.reports.models.BilanPdf`).
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gic import pdf
from gic.extensions import db
from gic.i18n import in_french
from gic.models import User
from gic.notifications.services import public_link
from gic.policy import can
from gic.reports import charts, queries
from gic.reports.models import BilanPdf, BilanVersion

PRINT_CSS = "reports-print.css"


def _link(endpoint: str, external: bool, **values: Any) -> str | None:
    """The URL of a meetings page, or None while that page does not exist; in the
    PDF a full address on ``PUBLIC_URL`` (never the request's Host header: the
    stored PDF is the same whoever asked first)."""
    if endpoint not in current_app.view_functions:
        return None
    return public_link(endpoint, **values) if external else url_for(endpoint, **values)


def _meeting_rows(meetings: list[dict], external: bool) -> list[dict[str, Any]]:
    """Meetings with a readable kind and links to the meeting and its final minutes."""
    kinds = getattr(queries.meetings_models(), "MeetingKind", None)
    rows = []
    for m in meetings:
        final = m.get("minutes_version")
        rows.append({
            **m, "label": kinds(m["kind"]).label if kinds else m["kind"],
            "starts_at": datetime.fromisoformat(m["starts_at"]),
            "link": _link("meetings.detail", external, meeting_id=m["id"]),
            "minutes_link": _link("meetings.minutes", external, meeting_id=m["id"],
                                  version=final) if final else None})
    return rows


def _own_id(version: BilanVersion, viewer: User) -> int | None:
    """The establishment the page highlights: a director's own, if in this version."""
    own = viewer.establishment_id if can(viewer, "report.highlight_own") else None
    if own not in {e["id"] for e in version.data["establishments"]}:
        return None  # e.g. an establishment that joined after this version
    return own


def page_context(version: BilanVersion, viewer: User, *, print_mode: bool = False) -> dict:
    """Template variables for ``templates/reports/year.html``."""
    data = version.data
    names = {e["id"]: e["name"] for e in data["establishments"]}
    own = _own_id(version, viewer)
    cells = {(c["provider_id"], c["beneficiary_id"]): c for c in data["matrix"]}
    per = {p["establishment_id"]: p for p in data["per_establishment"]}
    rows = [(e["name"], per[e["id"]]["given"]["minutes"], per[e["id"]]["received"]["minutes"],
             e["id"] == own) for e in data["establishments"]]
    return {
        "version": version, "data": data, "year": version.year, "names": names,
        "own_id": own, "cells": cells, "per": per, "print_mode": print_mode,
        "meetings": _meeting_rows(data.get("meetings", []), external=print_mode),
        "chart_months": charts.monthly_hours(data["months"]),
        "chart_given": charts.given_received(rows),
        "stamp": version.published_at or version.computed_at,
    }


def _pdf_source(version: BilanVersion, viewer: User) -> tuple[str, Path]:
    """The HTML WeasyPrint renders, and its style sheet. A published version in French
    whatever the reader's language: the bilan is the convention's document, and its
    stored PDF must not be rendered again (nor change) because a reader chose English;
    a draft (a working document, rendered at each request) in the reader's language."""
    with in_french() if version.is_published else nullcontext():
        html = render_template("reports/year.html",
                               **page_context(version, viewer, print_mode=True))
    return html, Path(current_app.static_folder) / PRINT_CSS


def write_pdf(html: str, css: Path) -> bytes:
    """WeasyPrint's rendering (seconds for a groupement's bilan)."""
    return pdf.write_pdf(html, static=css.name, pdf_tags=True)


def bilan_pdf(version: BilanVersion, viewer: User) -> bytes:
    """The PDF of ``version`` for ``viewer``: a draft is rendered at each request (it
    changes); a published version is rendered once per audience (the establishment
    its copy highlights), stored, then served as stored, the same bytes each time.

    The stored PDF is replaced when what it is rendered from changes (the HTML
    and CSS, compared by hash: a new version of the app that prints differently);
    a new publication is a new version with its own PDF. Commits when it stores.
    """
    html, css = _pdf_source(version, viewer)
    if not version.is_published:
        return write_pdf(html, css)
    source = hashlib.sha256(html.encode() + b"\0" + css.read_bytes()).hexdigest()
    audience = audience_of(version, viewer)
    stored = db.session.scalars(select(BilanPdf).where(
        BilanPdf.bilan_version_id == version.id, BilanPdf.audience == audience)).first()
    if stored is not None and stored.source_sha256 == source:
        return stored.data
    content = write_pdf(html, css)
    values = {"source_sha256": source, "size": len(content), "data": content}
    try:
        with db.session.begin_nested():
            if stored is None:
                db.session.add(BilanPdf(bilan_version_id=version.id, audience=audience,
                                        **values))
            else:
                db.session.execute(update(BilanPdf).where(BilanPdf.id == stored.id)
                                   .values(**values))
    except IntegrityError:  # the same PDF stored meanwhile by another request
        pass
    db.session.commit()
    return content


def audience_of(version: BilanVersion, viewer: User) -> int:
    """Whose copy ``viewer`` reads: the id of the establishment it highlights, 0 for none."""
    return _own_id(version, viewer) or 0


def pdf_response(version: BilanVersion, content: bytes) -> Response:
    """A bilan PDF answer, shown in the browser, named after its year and version."""
    name = f"bilan-{version.year}-v{version.version}.pdf"
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
