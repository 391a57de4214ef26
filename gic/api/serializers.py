"""Model -> JSON for the API: ids, ISO dates, minutes as integers, money as strings."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import url_for

from gic.billing.models import SettlementStatement
from gic.billing.services import BillingSummary
from gic.convention import rules
from gic.convention.cap import cap_status
from gic.interventions.models import Intervention, InterventionSession
from gic.interventions.permissions import next_actions
from gic.models import Establishment, User
from gic.ordered.consumption import order_status
from gic.ordered.figures import figures_json
from gic.standins.access import standing_in
from gic.standins.models import Standin
from gic.standins.services import named_by


def iso_datetime(value: datetime | None) -> str | None:
    """Naive UTC from the database as ISO 8601 with ``Z``."""
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def money(value: Decimal) -> str:
    """``Decimal("183.33")`` -> ``"183.33"`` (always two decimals, never a float)."""
    return str(rules.round_cents(value))


def establishment_json(e: Establishment, *, status: bool = False) -> dict[str, Any]:
    """An establishment of the groupement; with ``status`` (the establishments'
    endpoints): member, or a candidate waiting for every member director's approval
    (SPEC §7), or not admitted."""
    data = {"id": e.id, "name": e.name, "finess": e.finess}
    if status:
        data["status"] = str(e.status)
    return data


def billing_identity_json(e: Establishment) -> dict[str, Any] | None:
    """The payer's identity printed on documents (issue 15), or None until the
    coordinator has filled it; engagement numbers by year."""
    if not e.has_billing_identity:
        return None
    return {"legal_name": e.legal_name, "siret": e.siret, "payer_kind": str(e.payer_kind),
            "vat_regime": str(e.vat_regime), "street": e.street,
            "postal_code": e.postal_code, "city": e.city,
            "chorus_service_code": e.chorus_service_code,
            "engagements": [{"year": g.year, "number": g.number} for g in e.engagements]}


def user_json(user: User) -> dict[str, Any]:
    """A person (never the password hash)."""
    return {"id": user.id, "email": user.email, "name": user.name, "role": str(user.role),
            "establishment_id": user.establishment_id, "groupement_id": user.groupement_id,
            "active": user.active}


def me_json(user: User) -> dict[str, Any]:
    """The calling user with his establishment and groupement."""
    data = user_json(user)
    data["establishment"] = establishment_json(user.establishment) if user.establishment else None
    data["groupement"] = {"id": user.groupement.id, "name": user.groupement.name}
    # The stand-ins in force where he stands in for a director, then those he named
    # (current or to come): with his token, he acts for those directions (issue 13).
    data["standins"] = [standin_json(s) for s in standing_in(user) + named_by(user)]
    return data


def standin_json(s: Standin) -> dict[str, Any]:
    """A stand-in: who stands in for which director of which establishment, when."""
    return {"id": s.id, "establishment_id": s.establishment_id, "director_id": s.director_id,
            "standin_id": s.standin_id, "starts_on": s.starts_on.isoformat(),
            "ends_on": s.ends_on.isoformat()}


def intervention_json(i: Intervention) -> dict[str, Any]:
    """An intervention's own columns (no relationship is loaded: safe for lists)."""
    return {
        "id": i.id, "state": str(i.state), "beneficiary_id": i.beneficiary_id,
        "provider_id": i.provider_id, "axis": i.axis, "nature": str(i.nature),
        "description": i.description, "urgency": str(i.urgency),
        "estimated_onsite_minutes": i.estimated_onsite_minutes,
        "estimated_remote_minutes": i.estimated_remote_minutes,
        "threshold_minutes": i.threshold_minutes,
        "technician_id": i.technician_id, "decline_reason": i.decline_reason,
        "secondment_id": i.secondment_id, "report": i.report, "created_by_id": i.created_by_id,
        "beneficiary_reference": i.beneficiary_reference,
        "created_at": iso_datetime(i.created_at), "activated_at": iso_datetime(i.activated_at),
        "decided_at": iso_datetime(i.decided_at), "completed_at": iso_datetime(i.completed_at),
        "validated_at": iso_datetime(i.validated_at),
        "cancelled_at": iso_datetime(i.cancelled_at), "updated_at": iso_datetime(i.updated_at),
    }


def intervention_detail_json(i: Intervention, user: User) -> dict[str, Any]:
    """One intervention with its sessions, minute totals and what ``user`` may do next."""
    data = intervention_json(i)
    sessions = list(i.sessions)
    totals = i.totals()
    if i.secondment_id is not None:  # R8: billed under the secondment, not the convention
        totals = replace(totals, billable_by_year={})
    data["sessions"] = [session_json(s) for s in sessions]
    data["onsite_minutes"] = totals.onsite
    data["remote_minutes"] = totals.remote
    data["billable_minutes"] = totals.billable
    data["billable_minutes_by_year"] = {str(year): m for year, m
                                        in sorted(totals.billable_by_year.items())}
    data["actions"] = next_actions(user, i)
    data["signed_sheet"] = i.sheet is not None
    status = cap_status(i)
    data.update(status.as_json() if status else {"cap": None, "threshold": None})
    # Issue 16: in a year of the ordered-hours model, the hours ordered instead.
    order = order_status(i)
    data["ordered_hours"] = order.as_json() if order else None
    return data


def session_json(s: InterventionSession) -> dict[str, Any]:
    """A session: ISO date, ``HH:MM`` times, exact minutes."""
    return {"id": s.id, "intervention_id": s.intervention_id, "technician_id": s.technician_id,
            "date": s.date.isoformat(), "start": s.start_time.strftime("%H:%M"),
            "end": s.end_time.strftime("%H:%M"), "mode": str(s.mode), "minutes": s.minutes,
            "notes": s.notes, "created_at": iso_datetime(s.created_at),
            "updated_at": iso_datetime(s.updated_at)}


def billing_json(summary: BillingSummary) -> dict[str, Any]:
    """SPEC §8 billing body: the summary with amounts as strings."""
    return {
        "year": summary.year, "closed": summary.closed,
        "lines": [{**line, "amount": money(line["amount"])} for line in summary.lines],
        "pending": list(summary.pending),
        "beneficiaries": list(summary.beneficiaries),
        "settlements": [{**s, "amount": money(s["amount"])} for s in summary.settlements],
        "secondments": [secondment_line_json(line) for line in summary.secondments],
        # Issue 16, item 7: the year's model and, in the ordered-hours model, its
        # figures instead of pairs, settlements and cap use (empty lists then).
        "model": summary.model,
        "ordered_hours": figures_json(summary.ordered) if summary.ordered else None,
    }


def secondment_line_json(line: dict[str, Any]) -> dict[str, Any]:
    """A secondment's line of the yearly billing (R8): money as strings, ISO dates."""
    return {**line, "hourly_rate": None if line["hourly_rate"] is None
            else money(line["hourly_rate"]),
            "lump_sum": None if line["lump_sum"] is None else money(line["lump_sum"]),
            "start_date": line["start_date"].isoformat(),
            "end_date": line["end_date"].isoformat(), "amount": money(line["amount"])}


def statement_json(s: SettlementStatement) -> dict[str, Any]:
    """A numbered statement or credit statement, with the addresses of its files."""
    return {"id": s.id, "number": s.number, "kind": str(s.kind), "year": s.year,
            "issued_on": s.issued_on.isoformat(), "payer_id": s.payer_id,
            "payee_id": s.payee_id, "amount": money(s.amount), "cancels_id": s.cancels_id,
            "cancelled": s.cancelled, "pdf_sha256": s.pdf_sha256,
            "pdf_url": url_for("api.billing_document_pdf", statement_id=s.id),
            "facturx_url": (None if s.facturx_missing else
                            url_for("api.billing_document_facturx", statement_id=s.id)),
            "facturx_missing": s.facturx_missing}
