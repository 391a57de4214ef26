"""The year's billing and its closing (SPEC §4 R9, §8)."""

from __future__ import annotations

from flask import Response, jsonify, url_for

from gic.api import bp, schemas
from gic.api.auth import api_user
from gic.api.serializers import billing_json, iso_datetime, statement_json
from gic.billing import exports, services, statements
from gic.convention import rules, years


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
    schemas.parse_body(schemas.Empty)
    closure = services.close_year(api_user(), year)
    return jsonify({"year": closure.year, "closed": closure.closed,
                    "closed_at": iso_datetime(closure.closed_at),
                    "closed_by_id": closure.closed_by_id})


@bp.get("/billing/<int:year>/documents")
def billing_documents(year: int):
    """The numbered statements and credit statements of ``year``: accountants all of
    the groupement's, a director those where his establishment is a party."""
    user = api_user()
    rules.check_year(year)
    docs = statements.year_documents(user, year)
    return jsonify({"year": year, "closed": years.is_closed(user.groupement_id, year),
                    "documents": [statement_json(d) for d in docs],
                    "recovery_packs": [
                        {"establishment_id": e.id,
                         "url": url_for("api.billing_recovery_pack", year=year,
                                        establishment_id=e.id)}
                        for e in statements.pack_creditors(user, year)]})


def _file(statement_id: int, file: str):
    statement, content = statements.download(api_user(), statement_id, file)
    name = statements.file_name(statement, file)
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/billing/documents/<int:statement_id>.pdf")
def billing_document_pdf(statement_id: int):
    """A document's PDF, as stored (the same bytes each time); the download is audited."""
    return _file(statement_id, "pdf")


@bp.get("/billing/documents/<int:statement_id>/factur-x.pdf")
def billing_document_facturx(statement_id: int):
    """A document's Factur-X PDF/A-3; 404 when a party has no SIRET."""
    return _file(statement_id, "facturx")


@bp.get("/billing/<int:year>/recovery/<int:establishment_id>.zip")
def billing_recovery_pack(year: int, establishment_id: int):
    """A public creditor's recovery-order pack of ``year`` (ZIP: PDFs and CSV)."""
    user = api_user()
    rules.check_year(year)
    name, content = statements.recovery_pack(user, year, establishment_id)
    return Response(content, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
