"""The annual bilan through the API (SPEC §8): ``GET /bilan/{year}`` and ``.pdf``.

Same readers as the web page (every member of the groupement: published
versions; coordinators: drafts too; 404 when no version is visible).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from gic.api import bp
from gic.api.auth import api_user
from gic.api.serializers import iso_datetime
from gic.reports import present, services
from gic.reports.models import BilanVersion


def bilan_json(version: BilanVersion) -> dict[str, Any]:
    """A version's heading and its data snapshot (minutes as integers, money as strings)."""
    return {"year": version.year, "version": version.version, "status": str(version.status),
            "computed_at": iso_datetime(version.computed_at),
            "published_at": iso_datetime(version.published_at), "data": version.data}


@bp.get("/bilan/<int:year>")
def bilan(year: int):
    """The latest version of ``year`` the caller may read."""
    return jsonify(bilan_json(services.visible_version(api_user(), year)))


@bp.get("/bilan/<int:year>.pdf")
def bilan_pdf(year: int):
    """The same version as an A4 PDF (the web page's template, charts included)."""
    version = services.visible_version(api_user(), year)
    return present.pdf_response(version, present.bilan_pdf(version, api_user()))
