"""How the audit log reads, in the reader's language: the label of each action, the
name of the changed object and its page, and what changed (before → after).
The stored entries keep their codes and values; only their reading is translated.

Presentation only: :mod:`gic.audit.services` decides which entries a user may
read, :mod:`gic.audit.views` pages them; this module turns a page of entries
into :class:`Row` values with two grouped queries for the names they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
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
    "intervention.create": _l("Demande rédigée"),
    "intervention.activate": _l("Activation de la demande"),
    "intervention.accept": _l("Demande acceptée"),
    "intervention.decline": _l("Demande refusée"),
    "intervention.cancel": _l("Demande annulée"),
    "intervention.complete": _l("Intervention terminée"),
    "intervention.validate": _l("Heures validées"),
    "intervention.sign": _l("Fiche d'intervention signée"),
    "intervention.reference": _l("Référence interne du bénéficiaire"),
    "session.create": _l("Séance ajoutée"),
    "session.update": _l("Séance modifiée"),
    "session.delete": _l("Séance supprimée"),
    "year.close": _l("Clôture de l'année"),
    "year.reopen": _l("Réouverture de l'année"),
    "groupement.create": _l("Groupement créé"),
    "establishment.create": _l("Établissement créé"),
    "user.create": _l("Utilisateur créé"),
    "token.create": _l("Jeton d'API créé"),
    "token.revoke": _l("Jeton d'API révoqué"),
    "bilan.publish": _l("Publication du bilan annuel"),
    "meeting.plan": _l("Réunion planifiée"),
    "meeting.update": _l("Réunion modifiée"),
    "meeting.status": _l("Statut de la réunion changé"),
    "minutes.start": _l("Compte rendu commencé"),
    "minutes.refresh": _l("Données du compte rendu actualisées"),
    "minutes.summary": _l("Synthèse du compte rendu modifiée"),
    "minutes.attendance": _l("Présences modifiées"),
    "minutes.attendee_add": _l("Participant ajouté"),
    "minutes.attendee_remove": _l("Participant retiré"),
    "minutes.decision_add": _l("Décision ajoutée"),
    "minutes.decision_remove": _l("Décision retirée"),
    "minutes.vote": _l("Vote enregistré"),
    "minutes.action_add": _l("Action ajoutée"),
    "minutes.action_done": _l("État d'une action modifié"),
    "minutes.action_remove": _l("Action retirée"),
    "minutes.finalise": _l("Compte rendu finalisé"),
}


# French names of the audited objects, by model class name.
OBJECT_NAMES: dict[str, str] = {
    "Groupement": _l("Groupement"),
    "Meeting": _l("Réunion"),
    "Minutes": _l("Compte rendu"),
    "BilanVersion": _l("Bilan annuel"),
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
        changes.append(gettext("motif : %(reason)s", reason=entry.reason))
    if after.get("via") in VIA_LABELS:
        changes.append(gettext(VIA_LABELS[after["via"]]))
    return Row(entry, translated(ACTION_LABELS.get(entry.action, entry.action)), label, url,
               changes)


def translated(label) -> str:
    """A label in the reader's language: a lazy string, or a French message marked for
    the catalogue (an area's ``AUDIT_LABELS``), or an action code shown as it is."""
    return gettext(label) if isinstance(label, str) else str(label)


def _object(entry: AuditEntry, before: dict, after: dict) -> tuple[str, str | None]:
    """A readable name of the changed object and, when there is a page, its link."""
    kind, oid = entry.object_type, entry.object_id
    if kind == "Intervention" and oid:
        return (gettext("Demande n° %(id)s", id=oid),
                url_for("interventions.detail", intervention_id=oid))
    if kind == "InterventionSession":
        iid = after.get("intervention_id") or before.get("intervention_id")
        if iid:
            return (gettext("Séance de la demande n° %(id)s", id=iid),
                    url_for("interventions.detail", intervention_id=iid))
    if kind == "YearClosure":
        year = after.get("year") or before.get("year")
        if year:
            return gettext("Facturation %(year)s", year=year), url_for("billing.year", year=year)
    if kind == "SettlementStatement" and after.get("number"):
        year = after["number"].split("-")[-2]
        url = url_for("billing.documents", year=int(year)) if year.isdigit() else None
        return gettext("Document %(number)s", number=after["number"]), url
    if kind == "Establishment":
        return after.get("name") or gettext("Établissement"), None
    if kind == "User":
        return after.get("email") or gettext("Utilisateur"), None
    if kind == "ApiToken":
        prefix = after.get("prefix") or before.get("prefix") or ""
        return gettext("Jeton %(prefix)s…", prefix=prefix), None
    if kind in OBJECT_NAMES:
        name = translated(OBJECT_NAMES[kind])
        return gettext("%(name)s n° %(id)s", name=name, id=oid) if oid else name, None
    return kind or "—", None


def _state(value) -> str:
    try:
        return State(value).label
    except ValueError:
        return str(value)


def _intervention_changes(before: dict, after: dict, names: _Names) -> list[str]:
    if not before:  # a new request
        return [gettext("%(beneficiary)s demande l'aide de %(provider)s",
                        beneficiary=names.establishment(after.get("beneficiary_id")),
                        provider=names.establishment(after.get("provider_id"))),
                gettext("état : %(state)s", state=_state(after.get("state")))]
    changes = []
    if before.get("state") != after.get("state"):
        changes.append(gettext("état : %(before)s → %(after)s", before=_state(before.get("state")),
                               after=_state(after.get("state"))))
    if before.get("technician_id") != after.get("technician_id"):
        changes.append(gettext("technicien : %(before)s → %(after)s",
                               before=names.user(before.get("technician_id")),
                               after=names.user(after.get("technician_id"))))
    if after.get("decline_reason") and before.get("decline_reason") != after["decline_reason"]:
        changes.append(gettext("motif du refus : %(reason)s", reason=after["decline_reason"]))
    if after.get("report") and before.get("report") != after["report"]:
        changes.append(gettext("compte rendu rédigé"))
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
    duration = hours_minutes(snapshot.get("minutes") or 0, locale=str(get_locale()))
    return f"{day}, {snapshot.get('start', '?')}–{snapshot.get('end', '?')} ({duration}, {mode})"


def _session_changes(action: str, before: dict, after: dict) -> list[str]:
    if action == "session.update" and before and after:
        changes = []
        if _session_text(before) != _session_text(after):
            changes.append(f"{_session_text(before)} → {_session_text(after)}")
        if before.get("notes") != after.get("notes"):
            changes.append(gettext("notes modifiées"))
        return changes
    return [_session_text(after or before)]


def _other_changes(entry: AuditEntry, before: dict, after: dict, names: _Names) -> list[str]:
    if entry.object_type == "YearClosure":
        year = after.get("year") or before.get("year")
        return [gettext("année %(year)s clôturée", year=year) if after.get("closed")
                else gettext("année %(year)s rouverte", year=year)]
    if entry.object_type == "Establishment":
        return [f"FINESS {after.get('finess', '—')}"]
    if entry.object_type == "User":
        return _user_changes(entry.action, before, after, names)
    if entry.object_type == "Standin":
        return _standin_changes(before, after)
    if entry.object_type == "ApiToken" and after.get("name"):
        return [gettext("nom : %(name)s", name=after["name"])]
    return []


def _standin_changes(before: dict, after: dict) -> list[str]:
    """Who stands in, and when (« jusqu'au … » becomes the day it was ended)."""
    try:
        days = [fr_date(date.fromisoformat(after[k])) for k in ("starts_on", "ends_on")]
    except (KeyError, TypeError, ValueError):
        return []
    changes = [gettext("%(name)s : du %(start)s au %(end)s", name=after.get("standin_name", "—"),
                       start=days[0], end=days[1])]
    if after.get("ended_early") and not before.get("ended_early"):
        changes.append(gettext("fin anticipée"))
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
        role = _role(after.get("role"))
        if place:
            return [gettext("rôle : %(role)s, %(establishment)s", role=role,
                            establishment=names.establishment(place))]
        return [gettext("rôle : %(role)s", role=role)]
    changes = []
    if "name" in after and before.get("name") != after["name"]:
        changes.append(gettext("nom : %(before)s → %(after)s", before=before.get("name"),
                               after=after["name"]))
    if "role" in after and before.get("role") != after["role"]:
        changes.append(gettext("rôle : %(before)s → %(after)s", before=_role(before.get("role")),
                               after=_role(after["role"])))
    if "establishment_id" in after and before.get("establishment_id") != after["establishment_id"]:
        changes.append(gettext("établissement : %(before)s → %(after)s",
                               before=names.establishment(before.get("establishment_id")),
                               after=names.establishment(after["establishment_id"])))
    if after.get("revoked_tokens"):
        changes.append(gettext("jetons d'API révoqués : %(count)s",
                               count=after["revoked_tokens"]))
    return changes
