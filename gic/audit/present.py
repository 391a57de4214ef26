"""How the audit log reads in French: the label of each action, the name of the
changed object and its page, and what changed (before → after).

Presentation only: :mod:`gic.audit.services` decides which entries a user may
read, :mod:`gic.audit.views` pages them; this module turns a page of entries
into :class:`Row` values with two grouped queries for the names they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from sqlalchemy import select

from gic import (
    admin,
    billing,
    calendar,
    equipment,
    exchanges,
    governance,
    ordered,
    secondments,
    standins,
    techfiles,
    trainings,
)
from gic.audit.models import AuditEntry
from gic.audit.services import VIA_LABELS
from gic.convention.rules import Mode
from gic.extensions import db
from gic.formatting import hours_minutes
from gic.interventions.models import State
from gic.models import Establishment, Role, User
from gic.web import fr_date

ACTION_LABELS = {
    "intervention.create": "Demande rédigée",
    "intervention.activate": "Activation de la demande",
    "intervention.accept": "Demande acceptée",
    "intervention.decline": "Demande refusée",
    "intervention.cancel": "Demande annulée",
    "intervention.complete": "Intervention terminée",
    "intervention.validate": "Heures validées",
    "intervention.sign": "Fiche d'intervention signée",
    "intervention.reference": "Référence interne du bénéficiaire",
    "session.create": "Séance ajoutée",
    "session.update": "Séance modifiée",
    "session.delete": "Séance supprimée",
    "year.close": "Clôture de l'année",
    "year.reopen": "Réouverture de l'année",
    "groupement.create": "Groupement créé",
    "establishment.create": "Établissement créé",
    "user.create": "Utilisateur créé",
    "token.create": "Jeton d'API créé",
    "token.revoke": "Jeton d'API révoqué",
    "bilan.publish": "Publication du bilan annuel",
    "meeting.plan": "Réunion planifiée",
    "meeting.update": "Réunion modifiée",
    "meeting.status": "Statut de la réunion changé",
    "minutes.start": "Compte rendu commencé",
    "minutes.refresh": "Données du compte rendu actualisées",
    "minutes.summary": "Synthèse du compte rendu modifiée",
    "minutes.attendance": "Présences modifiées",
    "minutes.attendee_add": "Participant ajouté",
    "minutes.attendee_remove": "Participant retiré",
    "minutes.decision_add": "Décision ajoutée",
    "minutes.decision_remove": "Décision retirée",
    "minutes.vote": "Vote enregistré",
    "minutes.action_add": "Action ajoutée",
    "minutes.action_done": "État d'une action modifié",
    "minutes.action_remove": "Action retirée",
    "minutes.finalise": "Compte rendu finalisé",
}


# French names of the audited objects, by model class name.
OBJECT_NAMES: dict[str, str] = {
    "Groupement": "Groupement",
    "Meeting": "Réunion",
    "Minutes": "Compte rendu",
    "BilanVersion": "Bilan annuel",
}

# The areas that declare their own labels (``AUDIT_LABELS``: actions,
# ``AUDIT_OBJECTS``: model class name -> French name), next to their blueprint.
LABELLED_AREAS = (admin, billing, calendar, equipment, exchanges, governance, ordered,
                  secondments, standins, techfiles, trainings)
for _area in LABELLED_AREAS:
    ACTION_LABELS.update(_area.AUDIT_LABELS)
    OBJECT_NAMES.update(getattr(_area, "AUDIT_OBJECTS", {}))


@dataclass
class Row:
    """One entry as the page shows it."""

    entry: AuditEntry
    action: str
    object_label: str
    object_url: str | None
    changes: list[str]


def rows(groupement_id: int, entries: list[AuditEntry]) -> list[Row]:
    """The entries of a page as the journal shows them (2 queries for the names)."""
    names = _names(groupement_id, entries)
    return [_row(entry, names) for entry in entries]


@dataclass
class _Names:
    establishments: dict[int, str]
    users: dict[int, str]

    def establishment(self, eid) -> str:
        return self.establishments.get(eid, "—") if eid else "—"

    def user(self, uid) -> str:
        return self.users.get(uid, f"n° {uid}") if uid else "—"


def _names(groupement_id: int, entries: list[AuditEntry]) -> _Names:
    """Names of the establishments and people the page's entries refer to (2 queries)."""
    establishments = dict(db.session.execute(
        select(Establishment.id, Establishment.name)
        .where(Establishment.groupement_id == groupement_id)).all())
    user_ids = {snapshot.get("technician_id")
                for entry in entries for snapshot in (entry.before, entry.after)
                if isinstance(snapshot, dict)} - {None}
    users = {}
    if user_ids:
        users = dict(db.session.execute(
            select(User.id, User.name).where(User.id.in_(user_ids),
                                             User.groupement_id == groupement_id)).all())
    return _Names(establishments, users)


def _row(entry: AuditEntry, names: _Names) -> Row:
    before, after = entry.before or {}, entry.after or {}
    label, url = _object(entry, before, after)
    if entry.object_type == "InterventionSession":
        changes = _session_changes(entry.action, before, after)
    elif entry.object_type == "Intervention":
        changes = _intervention_changes(before, after, names)
    else:
        changes = _other_changes(entry, before, after, names)
    if entry.reason:
        changes.append(f"motif : {entry.reason}")
    if after.get("via") in VIA_LABELS:
        changes.append(VIA_LABELS[after["via"]])
    return Row(entry, ACTION_LABELS.get(entry.action, entry.action), label, url, changes)


def _object(entry: AuditEntry, before: dict, after: dict) -> tuple[str, str | None]:
    """A readable name of the changed object and, when there is a page, its link."""
    kind, oid = entry.object_type, entry.object_id
    if kind == "Intervention" and oid:
        return f"Demande n° {oid}", url_for("interventions.detail", intervention_id=oid)
    if kind == "InterventionSession":
        iid = after.get("intervention_id") or before.get("intervention_id")
        if iid:
            return (f"Séance de la demande n° {iid}",
                    url_for("interventions.detail", intervention_id=iid))
    if kind == "YearClosure":
        year = after.get("year") or before.get("year")
        if year:
            return f"Facturation {year}", url_for("billing.year", year=year)
    if kind == "SettlementStatement" and after.get("number"):
        year = after["number"].split("-")[-2]
        url = url_for("billing.documents", year=int(year)) if year.isdigit() else None
        return f"Document {after['number']}", url
    if kind == "Establishment":
        return after.get("name") or "Établissement", None
    if kind == "User":
        return after.get("email") or "Utilisateur", None
    if kind == "ApiToken":
        prefix = after.get("prefix") or before.get("prefix") or ""
        return f"Jeton {prefix}…", None
    if kind in OBJECT_NAMES:
        return f"{OBJECT_NAMES[kind]} n° {oid}" if oid else OBJECT_NAMES[kind], None
    return kind or "—", None


def _state(value) -> str:
    try:
        return State(value).label
    except ValueError:
        return str(value)


def _intervention_changes(before: dict, after: dict, names: _Names) -> list[str]:
    if not before:  # a new request
        return [f"{names.establishment(after.get('beneficiary_id'))} demande l'aide de "
                f"{names.establishment(after.get('provider_id'))}",
                f"état : {_state(after.get('state'))}"]
    changes = []
    if before.get("state") != after.get("state"):
        changes.append(f"état : {_state(before.get('state'))} → {_state(after.get('state'))}")
    if before.get("technician_id") != after.get("technician_id"):
        changes.append(f"technicien : {names.user(before.get('technician_id'))} → "
                       f"{names.user(after.get('technician_id'))}")
    if after.get("decline_reason") and before.get("decline_reason") != after["decline_reason"]:
        changes.append(f"motif du refus : {after['decline_reason']}")
    if after.get("report") and before.get("report") != after["report"]:
        changes.append("compte rendu rédigé")
    return changes


def _session_text(snapshot: dict) -> str:
    """« 14 mars 2025, 08:00–15:20 (7 h 20, sur site) »."""
    try:
        day = fr_date(date.fromisoformat(snapshot["date"]))
    except (KeyError, TypeError, ValueError):
        day = "?"
    try:
        mode = Mode(snapshot.get("mode")).label.lower()
    except ValueError:
        mode = str(snapshot.get("mode"))
    return (f"{day}, {snapshot.get('start', '?')}–{snapshot.get('end', '?')} "
            f"({hours_minutes(snapshot.get('minutes') or 0)}, {mode})")


def _session_changes(action: str, before: dict, after: dict) -> list[str]:
    if action == "session.update" and before and after:
        changes = []
        if _session_text(before) != _session_text(after):
            changes.append(f"{_session_text(before)} → {_session_text(after)}")
        if before.get("notes") != after.get("notes"):
            changes.append("notes modifiées")
        return changes
    return [_session_text(after or before)]


def _other_changes(entry: AuditEntry, before: dict, after: dict, names: _Names) -> list[str]:
    if entry.object_type == "YearClosure":
        year = after.get("year") or before.get("year")
        return [f"année {year} " + ("clôturée" if after.get("closed") else "rouverte")]
    if entry.object_type == "Establishment":
        return [f"FINESS {after.get('finess', '—')}"]
    if entry.object_type == "User":
        return _user_changes(entry.action, before, after, names)
    if entry.object_type == "Standin":
        return _standin_changes(before, after)
    if entry.object_type == "ApiToken" and after.get("name"):
        return [f"nom : {after['name']}"]
    return []


def _standin_changes(before: dict, after: dict) -> list[str]:
    """Who stands in, and when (« jusqu'au … » becomes the day it was ended)."""
    try:
        days = [fr_date(date.fromisoformat(after[k])) for k in ("starts_on", "ends_on")]
    except (KeyError, TypeError, ValueError):
        return []
    changes = [f"{after.get('standin_name', '—')} : du {days[0]} au {days[1]}"]
    if after.get("ended_early") and not before.get("ended_early"):
        changes.append("fin anticipée")
    return changes


def _role(value) -> str:
    try:
        return Role(value).label
    except ValueError:
        return str(value)


def _user_changes(action: str, before: dict, after: dict, names: _Names) -> list[str]:
    """A new account's role and place, or what changed in an account."""
    if action == "user.create":
        place = after.get("establishment_id")
        return [f"rôle : {_role(after.get('role'))}"
                + (f", {names.establishment(place)}" if place else "")]
    changes = []
    if "name" in after and before.get("name") != after["name"]:
        changes.append(f"nom : {before.get('name')} → {after['name']}")
    if "role" in after and before.get("role") != after["role"]:
        changes.append(f"rôle : {_role(before.get('role'))} → {_role(after['role'])}")
    if "establishment_id" in after and before.get("establishment_id") != after["establishment_id"]:
        changes.append(f"établissement : {names.establishment(before.get('establishment_id'))} "
                       f"→ {names.establishment(after['establishment_id'])}")
    if after.get("revoked_tokens"):
        changes.append(f"jetons d'API révoqués : {after['revoked_tokens']}")
    return changes
