"""The minutes of a meeting: draft pre-filled, edited, finalised, versioned.

Only the coordinator writes minutes, and only drafts change: a finalised version
is read-only for good (:class:`RuleRefused`, 409); « Nouvelle version » copies
it into a new draft. Every change is in the audit log. Directors' votes on the
decisions that need unanimity are in :mod:`gic.meetings.votes`.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.convention.rules import is_plausible_year
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.meetings.models import (
    Action,
    Attendance,
    Decision,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesStatus,
    Presence,
    Vote,
)
from gic.meetings.permissions import can_manage, can_view
from gic.meetings.prefill import action_origin, build_snapshot, open_actions_before
from gic.models import User
from gic.notifications.services import directors_of, link_for, notify
from gic.policy import authorize

MAX_TEXT = 10_000


# --- Reading -------------------------------------------------------------------

def get_minutes(user: User, meeting: Meeting, version: int) -> Minutes:
    """One version; drafts are the coordinator's only (others: :class:`NotFound`)."""
    minutes = db.session.scalar(
        select(Minutes).where(Minutes.meeting_id == meeting.id, Minutes.version == version)
        .options(selectinload(Minutes.attendance), selectinload(Minutes.actions),
                 selectinload(Minutes.decisions).selectinload(Decision.votes)))
    if minutes is None or not can_view(user, meeting) or (
            not minutes.is_final and not can_manage(user, meeting)):
        raise NotFound(gettext("Compte rendu introuvable."))
    return minutes


def readable_versions(user: User, meeting: Meeting) -> list[Minutes]:
    """The versions ``user`` may open: all for the coordinator, finalised ones otherwise."""
    return [m for m in meeting.minutes if m.is_final or can_manage(user, meeting)]


def current_draft(meeting: Meeting) -> Minutes | None:
    """The draft being written, if any (there is at most one)."""
    return next((m for m in meeting.minutes if not m.is_final), None)


# --- Helpers -------------------------------------------------------------------

def _require_draft(minutes: Minutes) -> None:
    if minutes.is_final:
        raise RuleRefused(gettext("Le compte rendu (version %(version)s) est finalisé : il ne "
                                  "se modifie plus. Créez une nouvelle version pour le "
                                  "corriger.", version=minutes.version), code="minutes_final")


def _editable(minutes: Minutes, actor: User) -> None:
    authorize(actor, "meeting.manage", minutes.meeting)
    _require_draft(minutes)


def _text(value: str | None, field: str, label: str, *, required: bool = True,
          limit: int = MAX_TEXT) -> str:
    """``value`` stripped; ``label`` (translated) names the field in the refusal."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidField(gettext("%(label)s : ce champ est obligatoire.", label=label),
                           field=field)
    if len(value) > limit:
        raise InvalidField(gettext("%(label)s : %(limit)s caractères au plus.", label=label,
                                   limit=limit), field=field)
    return value


def _member_user(minutes: Minutes, user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.groupement_id != minutes.meeting.groupement_id:
        raise InvalidField(gettext("Personne inconnue dans ce groupement."), field=field)
    return user


def _child(items, item_id: int, missing: str):
    """The item ``item_id`` of ``items``; :class:`NotFound` with ``missing`` otherwise."""
    for item in items:
        if item.id == item_id:
            return item
    raise NotFound(missing)


def _presence(value: str, field: str = "presence") -> Presence:
    try:
        return Presence(value)
    except ValueError:
        raise InvalidField(gettext("Présence inconnue."), field=field) from None


def _commit_new_version(minutes: Minutes) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # two coordinators clicked at once: one version wins
        db.session.rollback()
        raise RuleRefused(gettext("Une autre version vient d'être créée : rechargez la "
                                  "page.")) from None


# --- Drafting ------------------------------------------------------------------

def start_minutes(meeting: Meeting, actor: User) -> Minutes:
    """Version 1: a draft pre-filled with the data since the previous meeting, the
    invitees as attendance and the previous minutes' open actions carried over.
    Later: a new draft copying the last finalised version (only one draft at a time)."""
    authorize(actor, "meeting.manage", meeting)
    if meeting.status == MeetingStatus.CANCELLED:
        raise RuleRefused(gettext("Cette réunion est annulée : pas de compte rendu."))
    if current_draft(meeting) is not None:
        raise RuleRefused(gettext("Un brouillon de compte rendu existe déjà pour cette "
                                  "réunion."))
    last = meeting.minutes[-1] if meeting.minutes else None
    minutes = Minutes(meeting_id=meeting.id, version=(last.version + 1) if last else 1,
                      status=MinutesStatus.DRAFT, created_by_id=actor.id)
    if last is None:
        minutes.snapshot = build_snapshot(meeting)
        minutes.attendance = [Attendance(user_id=i.user_id, name=i.user.name,
                                         presence=Presence.PRESENT) for i in meeting.invitees]
        minutes.actions = [Action(text=a.text, owner_id=a.owner_id, owner_name=a.owner_name,
                                  due_date=a.due_date, carried_from_id=a.id,
                                  origin=action_origin(a))
                           for a in open_actions_before(meeting)]
    else:
        minutes.summary = last.summary
        minutes.snapshot = dict(last.snapshot)
        minutes.attendance = [Attendance(user_id=a.user_id, name=a.name, presence=a.presence)
                              for a in last.attendance]
        minutes.decisions = [
            Decision(text=d.text, needs_unanimity=d.needs_unanimity, weighted=d.weighted, votes=[
                Vote(user_id=v.user_id, establishment_id=v.establishment_id, choice=v.choice,
                     comment=v.comment, cast_at=v.cast_at) for v in d.votes])
            for d in last.decisions]
        minutes.actions = [Action(text=a.text, owner_id=a.owner_id, owner_name=a.owner_name,
                                  due_date=a.due_date, done=a.done,
                                  carried_from_id=a.carried_from_id, origin=a.origin)
                           for a in last.actions]
    db.session.add(minutes)
    db.session.flush()
    record(actor, "minutes.start", minutes, groupement_id=meeting.groupement_id,
           after={"meeting_id": meeting.id, "version": minutes.version,
                  "copied_from": last.version if last else None})
    _commit_new_version(minutes)
    return minutes


def refresh_snapshot(minutes: Minutes, actor: User) -> Minutes:
    """Recompute a draft's pre-filled data (sessions logged since it was started)."""
    _editable(minutes, actor)
    minutes.snapshot = build_snapshot(minutes.meeting)
    record(actor, "minutes.refresh", minutes, groupement_id=minutes.meeting.groupement_id,
           after={"version": minutes.version, "period": minutes.snapshot["period"]})
    db.session.commit()
    return minutes


def update_summary(minutes: Minutes, actor: User, summary: str | None) -> Minutes:
    """The free text of the minutes (what was said)."""
    _editable(minutes, actor)
    value = _text(summary, "summary", gettext("Compte rendu"), required=False)
    if value != minutes.summary:
        record(actor, "minutes.summary", minutes, groupement_id=minutes.meeting.groupement_id,
               before={"summary": minutes.summary}, after={"summary": value})
        minutes.summary = value
        db.session.commit()
    return minutes


def set_presences(minutes: Minutes, actor: User, presences: dict[int, str]) -> Minutes:
    """Present / excused / absent for the listed attendance rows."""
    _editable(minutes, actor)
    changes = {}
    for attendance_id, value in presences.items():
        row = _child(minutes.attendance, attendance_id,
                     gettext("Participant introuvable dans ce compte rendu."))
        presence = _presence(value, f"presence_{attendance_id}")
        if row.presence != presence:
            changes[row.name] = [str(row.presence), str(presence)]
            row.presence = presence
    if changes:
        record(actor, "minutes.attendance", minutes, groupement_id=minutes.meeting.groupement_id,
               after={"version": minutes.version, "changes": changes})
        db.session.commit()
    return minutes


def add_attendee(minutes: Minutes, actor: User, *, user_id: int | None, name: str | None,
                 presence: str) -> Attendance:
    """Add a person of the groupement, or a guest by name, to the attendance."""
    _editable(minutes, actor)
    user = _member_user(minutes, user_id, "user_id")
    if user is not None and any(a.user_id == user.id for a in minutes.attendance):
        raise InvalidField(gettext("%(name)s figure déjà dans la liste.", name=user.name),
                           field="user_id")
    label = user.name if user else _text(name, "name", gettext("Nom"), limit=200)
    row = Attendance(user_id=user.id if user else None, name=label,
                     presence=_presence(presence))
    minutes.attendance.append(row)
    db.session.flush()
    record(actor, "minutes.attendee_add", minutes, groupement_id=minutes.meeting.groupement_id,
           after={"version": minutes.version, "name": label, "presence": str(row.presence)})
    db.session.commit()
    return row


def remove_attendee(minutes: Minutes, actor: User, attendance_id: int) -> None:
    """Take a person off the attendance list."""
    _editable(minutes, actor)
    row = _child(minutes.attendance, attendance_id,
                 gettext("Participant introuvable dans ce compte rendu."))
    record(actor, "minutes.attendee_remove", minutes, groupement_id=minutes.meeting.groupement_id,
           before={"version": minutes.version, "name": row.name})
    minutes.attendance.remove(row)
    db.session.commit()


def add_decision(minutes: Minutes, actor: User, *, text: str | None,
                 needs_unanimity: bool, weighted: bool = False) -> Decision:
    """A decision; one needing unanimity collects each member director's vote. In
    the ordered-hours model a decision may instead go to the members' vote weighted
    by their contributions (the minutes' snapshot holds the weights)."""
    _editable(minutes, actor)
    if weighted and "vote" not in minutes.snapshot:
        raise InvalidField(gettext("Le vote pondéré par les contributions ne s'applique "
                                   "qu'aux conventions en heures commandées : ici, la décision "
                                   "se prend à l'unanimité."), field="weighted")
    if weighted and needs_unanimity:
        raise InvalidField(gettext("Choisissez l'unanimité ou le vote pondéré, pas les deux."),
                           field="weighted")
    decision = Decision(text=_text(text, "text", gettext("Décision")),
                        needs_unanimity=bool(needs_unanimity), weighted=bool(weighted))
    minutes.decisions.append(decision)
    db.session.flush()
    after = {"version": minutes.version, "text": decision.text,
             "needs_unanimity": decision.needs_unanimity}
    if decision.weighted:
        after["weighted"] = True
    record(actor, "minutes.decision_add", minutes, groupement_id=minutes.meeting.groupement_id,
           after=after)
    db.session.commit()
    return decision


def remove_decision(minutes: Minutes, actor: User, decision_id: int) -> None:
    """Remove a decision (and its votes) from a draft."""
    _editable(minutes, actor)
    decision = _child(minutes.decisions, decision_id,
                      gettext("Décision introuvable dans ce compte rendu."))
    record(actor, "minutes.decision_remove", minutes,
           groupement_id=minutes.meeting.groupement_id,
           before={"version": minutes.version, "text": decision.text,
                   "votes": len(decision.votes)})
    minutes.decisions.remove(decision)
    db.session.commit()


def add_action(minutes: Minutes, actor: User, *, text: str | None, owner_id: int | None,
               due_date: date | None) -> Action:
    """An action to carry out: what, who (a person of the groupement), by when."""
    _editable(minutes, actor)
    owner = _member_user(minutes, owner_id, "owner_id")
    if due_date is not None and not is_plausible_year(due_date.year):
        raise InvalidField(gettext("Échéance invalide."), field="due_date")
    action = Action(text=_text(text, "text", gettext("Action")),
                    owner_id=owner.id if owner else None,
                    owner_name=owner.name if owner else "", due_date=due_date)
    minutes.actions.append(action)
    db.session.flush()
    record(actor, "minutes.action_add", minutes, groupement_id=minutes.meeting.groupement_id,
           after={"version": minutes.version, "text": action.text, "owner": action.owner_name,
                  "due_date": due_date.isoformat() if due_date else None})
    db.session.commit()
    return action


def set_action_done(minutes: Minutes, actor: User, action_id: int, done: bool) -> Action:
    """Mark an action done (or not yet)."""
    _editable(minutes, actor)
    action = _child(minutes.actions, action_id,
                    gettext("Action introuvable dans ce compte rendu."))
    if action.done != bool(done):
        record(actor, "minutes.action_done", minutes, groupement_id=minutes.meeting.groupement_id,
               before={"text": action.text, "done": action.done},
               after={"text": action.text, "done": bool(done)})
        action.done = bool(done)
        db.session.commit()
    return action


def remove_action(minutes: Minutes, actor: User, action_id: int) -> None:
    """Remove an action from a draft."""
    _editable(minutes, actor)
    action = _child(minutes.actions, action_id,
                    gettext("Action introuvable dans ce compte rendu."))
    record(actor, "minutes.action_remove", minutes, groupement_id=minutes.meeting.groupement_id,
           before={"version": minutes.version, "text": action.text})
    minutes.actions.remove(action)
    db.session.commit()


def finalise(minutes: Minutes, actor: User) -> Minutes:
    """Freeze the draft (read-only for good); the meeting counts as held. Invitees
    and the groupement's directors are notified."""
    _editable(minutes, actor)
    meeting = minutes.meeting
    minutes.status = MinutesStatus.FINAL
    minutes.finalised_at = timeutil.utcnow().replace(microsecond=0)
    minutes.finalised_by_id = actor.id
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
    record(actor, "minutes.finalise", minutes, groupement_id=meeting.groupement_id,
           after={"meeting_id": meeting.id, "version": minutes.version})
    db.session.commit()
    readers = {u.id: u for u in [i.user for i in meeting.invitees]
               + directors_of(meeting.groupement_id)}
    day = f"{meeting.local_date:%d/%m/%Y}"
    notify(
        readers.values(), kind="minutes", key=f"minutes:{meeting.id}:{minutes.version}",
        subject=lambda: gettext("Compte rendu : %(title)s (version %(version)s)",
                                title=meeting.title, version=minutes.version),
        body=lambda: gettext("Le compte rendu de la réunion « %(title)s » du %(day)s est "
                             "finalisé (version %(version)s). Il est consultable et "
                             "téléchargeable (PDF, DOCX) dans l'application.",
                             title=meeting.title, day=day, version=minutes.version),
        link=link_for("meetings.minutes", meeting_id=meeting.id, version=minutes.version))
    return minutes
