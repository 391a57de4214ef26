"""The year's billing and its closing (SPEC §4 R9, §8)."""

from __future__ import annotations

from flask import jsonify

from gic.api import bp, schemas
from gic.api.auth import api_user
from gic.api.serializers import billing_json, iso_datetime
from gic.billing import exports, services


@bp.get("/billing/<int:year>")
def billing(year: int):
    """Accountants see the whole groupement, directors their own pairs."""
    return jsonify(billing_json(services.billing_summary(api_user(), year)))


@bp.get("/billing/<int:year>.csv")
def billing_csv(year: int):
    """The year's billing as CSV (``;``, UTF-8 with BOM): accountants; a director
    gets his own pairs."""
    return exports.csv_response(services.export_detail(api_user(), year))


@bp.get("/billing/<int:year>.xlsx")
def billing_xlsx(year: int):
    """The year's billing as XLSX, one sheet per view: accountants; a director gets
    his own pairs."""
    return exports.xlsx_response(services.export_detail(api_user(), year))


@bp.post("/billing/<int:year>/close")
def close_year(year: int):
    """An accountant freezes a year once every intervention in it is settled."""
    schemas.parse_body(schemas.EMPTY)
    closure = services.close_year(api_user(), year)
    return jsonify({"year": closure.year, "closed": closure.closed,
                    "closed_at": iso_datetime(closure.closed_at),
                    "closed_by_id": closure.closed_by_id})
