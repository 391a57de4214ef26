"""What the bilan page and its PDF show: one template, two renderings.

:func:`page_context` turns a version's data snapshot into what the template
reads (names by id, the given/received matrix as a grid, the SVG charts);
:func:`render_pdf` renders the very same template with ``print_mode`` through
WeasyPrint. Nothing here reads the live tables: a published bilan looks the same
forever, and its PDF is byte-identical (its dates are the publication's).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, url_for

from gic.models import Role, User
from gic.reports import charts, queries
from gic.reports.models import BilanVersion

PRINT_CSS = "reports-print.css"
MEETING_KIND_LABELS = {"technicians": "Réunion des techniciens",
                       "directors": "Réunion des directeurs"}


def _link(endpoint: str, external: bool, **values: Any) -> str | None:
    """The URL of a meetings page, or None while that page does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, _external=external, **values)


def _meeting_rows(meetings: list[dict], external: bool) -> list[dict[str, Any]]:
    """Meetings with a readable kind and links to the meeting and its final minutes."""
    labels = dict(MEETING_KIND_LABELS)
    labels.update(getattr(queries.meetings_models(), "KIND_LABELS", None) or {})
    rows = []
    for m in meetings:
        final = m.get("minutes_version")
        rows.append({
            **m, "label": labels.get(m["kind"], m["kind"]),
            "starts_at": datetime.fromisoformat(m["starts_at"]),
            "link": _link("meetings.detail", external, meeting_id=m["id"]),
            "minutes_link": _link("meetings.minutes", external, meeting_id=m["id"],
                                  version=final) if final else None})
    return rows


def page_context(version: BilanVersion, viewer: User, *, print_mode: bool = False) -> dict:
    """Template variables for ``templates/reports/year.html``."""
    data = version.data
    names = {e["id"]: e["name"] for e in data["establishments"]}
    own = viewer.establishment_id if viewer.role == Role.DIRECTOR else None
    if own not in names:  # e.g. an establishment that joined after this version
        own = None
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


def render_pdf(version: BilanVersion, viewer: User, **extra: Any) -> bytes:
    """The bilan as an A4 PDF, from the page's template; deterministic bytes for a
    given version and reader (fixed dates in the metadata, nothing fetched)."""
    import weasyprint  # lazily: the app starts without it
    from weasyprint.urls import URLFetcher

    html = render_template("reports/year.html",
                           **page_context(version, viewer, print_mode=True), **extra)
    css = Path(current_app.static_folder) / PRINT_CSS
    fetcher = URLFetcher(allowed_protocols=())  # the page embeds everything it shows
    document = weasyprint.HTML(string=html, base_url=str(css.parent), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[weasyprint.CSS(filename=str(css))], pdf_tags=True)


def pdf_response(version: BilanVersion, content: bytes) -> Response:
    """A bilan PDF answer, shown in the browser, named after its year and version."""
    name = f"bilan-{version.year}-v{version.version}.pdf"
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})
