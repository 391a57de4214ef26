"""Interventions and their sessions through the API: load (404) -> parse -> one service."""

from __future__ import annotations

from flask import Response, jsonify, request

from gic.api import bp, schemas
from gic.api.auth import api_user
from gic.api.serializers import (
    intervention_detail_json,
    intervention_json,
    session_json,
)
from gic.errors import InvalidField
from gic.extensions import db
from gic.interventions import services, sheet

MAX_PER_PAGE = 100
ID = f"<int(max={schemas.MAX_INT}):{{}}>"  # larger ids cannot exist: 404, no query
INTERVENTION = "/interventions/" + ID.format("intervention_id")
SESSION = "/sessions/" + ID.format("session_id")


def _detail(intervention_id: int):
    """Reload after a service committed, and answer the intervention as one reads it."""
    user = api_user()
    return jsonify(intervention_detail_json(services.get_intervention(user, intervention_id),
                                            user))


@bp.get("/interventions")
def list_interventions():
    """Visible interventions, newest first; filters year, state, establishment; paginated."""
    user = api_user()
    query = schemas.InterventionQuery.read()
    page, per_page = query["page"], min(query["per_page"], MAX_PER_PAGE)
    stmt = services.filter_interventions(
        services.visible_interventions(user), year=query["year"], state=query["state"],
        establishment_id=query["establishment"])
    result = db.paginate(stmt, page=page, per_page=per_page, max_per_page=MAX_PER_PAGE,
                         error_out=False)
    return jsonify({"items": [intervention_json(i) for i in result.items],
                    "page": page, "per_page": per_page, "total": result.total})


@bp.post("/interventions")
def create_intervention():
    """A technician or director of the beneficiary drafts a request."""
    data = schemas.parse_body(schemas.InterventionCreate)
    i = services.create_draft(api_user(), **data)
    return jsonify(intervention_detail_json(i, api_user())), 201


@bp.get(INTERVENTION)
def get_intervention(intervention_id: int):
    """One intervention with its sessions and the caller's next actions."""
    return _detail(intervention_id)


@bp.patch(INTERVENTION)
def update_intervention(intervention_id: int):
    """The beneficiary's staff gives (or changes, or clears) its internal reference."""
    i = services.get_intervention(api_user(), intervention_id)
    data = schemas.parse_body(schemas.InterventionUpdate)
    if "beneficiary_reference" in data:
        services.set_reference(i, api_user(), data["beneficiary_reference"])
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/activate")
def activate(intervention_id: int):
    """The beneficiary's director activates a draft (R7)."""
    i = services.get_intervention(api_user(), intervention_id)
    schemas.parse_body(schemas.Empty)
    services.activate(i, api_user())
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/accept")
def accept(intervention_id: int):
    """The provider's director accepts and assigns one of his technicians."""
    i = services.get_intervention(api_user(), intervention_id)
    data = schemas.parse_body(schemas.Accept)
    services.accept(i, api_user(), data["technician_id"])
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/decline")
def decline(intervention_id: int):
    """The provider's director declines with a reason."""
    i = services.get_intervention(api_user(), intervention_id)
    data = schemas.parse_body(schemas.Decline)
    services.decline(i, api_user(), data["reason"])
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/cancel")
def cancel(intervention_id: int):
    """The beneficiary's director (or the drafter of a draft) cancels."""
    i = services.get_intervention(api_user(), intervention_id)
    schemas.parse_body(schemas.Empty)
    services.cancel(i, api_user())
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/complete")
def complete(intervention_id: int):
    """The assigned technician completes with a report."""
    i = services.get_intervention(api_user(), intervention_id)
    data = schemas.parse_body(schemas.Complete)
    services.complete(i, api_user(), data["report"],
                      signatory_name=data.get("signatory_name"),
                      signatory_signature=data.get("signatory_signature"),
                      technician_signature=data.get("technician_signature"))
    return _detail(intervention_id)


@bp.get(INTERVENTION + "/sheet.pdf")
def sheet_pdf(intervention_id: int):
    """The signed sheet as stored (404 when there is none)."""
    i, signed = services.signed_sheet(api_user(), intervention_id)
    return Response(signed.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{sheet.file_name(i)}"'})


@bp.post(INTERVENTION + "/validate")
def validate(intervention_id: int):
    """The beneficiary's director validates the hours."""
    i = services.get_intervention(api_user(), intervention_id)
    schemas.parse_body(schemas.Empty)
    services.validate(i, api_user())
    return _detail(intervention_id)


@bp.post(INTERVENTION + "/sessions")
def log_session(intervention_id: int):
    """The assigned technician logs a session: 201, 409 (cap, closed year) or 422.

    With an ``Idempotency-Key: <uuid>`` header the session is stored once: a replay
    answers the stored session with 200 and changes nothing."""
    i = services.get_intervention(api_user(), intervention_id)
    data = schemas.parse_body(schemas.SessionCreate)
    key = request.headers.get("Idempotency-Key")
    try:
        s, created = services.log_session_once(
            i, api_user(), day=data["date"], start=data["start"], end=data["end"],
            mode=data["mode"], notes=data.get("notes", ""), client_uuid=key)
    except InvalidField as error:
        if error.field == "client_uuid":  # the header, not a body field
            error.field = "Idempotency-Key"
        raise
    return jsonify(session_json(s)), 201 if created else 200


@bp.patch(SESSION)
def update_session(session_id: int):
    """The assigned technician changes a session (fields absent are kept)."""
    s = services.get_session(api_user(), session_id)
    data = schemas.parse_body(schemas.SessionUpdate)
    s = services.update_session(s, api_user(), day=data.get("date"), start=data.get("start"),
                                end=data.get("end"), mode=data.get("mode"),
                                notes=data.get("notes"))
    return jsonify(session_json(s))


@bp.delete(SESSION)
def delete_session(session_id: int):
    """The assigned technician removes a session."""
    s = services.get_session(api_user(), session_id)
    services.delete_session(s, api_user())
    return "", 204
