"""One function per step of an intervention's life (SPEC §3), used by web and API.

Each checks permission (role and scope), the state, the convention rules, writes
the audit log and commits. Refusals raise :mod:`gic.errors` with French messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from gic import rules, timeutil
from gic.audit.services import record
from gic.billing import queries
from gic.billing.services import closed_years
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import long_date
from gic.governance.guards import admitted_at, check_members
from gic.interventions import notices
from gic.interventions.models import (
    SESSION_STATES,
    TRANSITIONS,
    Intervention,
    InterventionSession,
    State,
    Urgency,
)
from gic.interventions.permissions import (
    authorize,
    authorize_draft,
    can_view,
    on_behalf,
    visible_clause,
)
from gic.models import Establishment, Groupement, Role, User
from gic.registers import clean_text
from gic.secondments import services as secondments

MAX_TEXT = 10_000


# --- Reading ----------------------------------------------------------------

def visible_interventions(user: User) -> Select:
    """Interventions the user may read, newest first (scoped by groupement and §1;
    a provider's people do not see a draft: :func:`permissions.visible_clause`)."""
    return select(Intervention).where(visible_clause(user)).order_by(Intervention.id.desc())


def filter_interventions(stmt: Select, *, year: int | None = None, state: str | None = None,
                         establishment_id: int | None = None) -> Select:
    """Apply the list filters shared by the web list and the API (whitelisted values).

    ``year``: interventions created in that year or with a session in it;
    ``state``: one :class:`State` value; ``establishment_id``: as provider or
    beneficiary. Unknown values raise :class:`InvalidField`.
    """
    if year is not None:
        if not 2000 <= year <= 2100:
            raise InvalidField("Année invalide.", field="year")
        # Correlated (EXISTS per intervention, by the (intervention, year) index):
        # an IN list would first gather every session of the year of the instance.
        # The OFFSET 0 keeps PostgreSQL from turning it into a hash of all those
        # sessions (60 ms at a million, bench/) for a page that needs 25 rows.
        with_session = select(InterventionSession.id).where(
            InterventionSession.intervention_id == Intervention.id,
            InterventionSession.year == year).offset(0).exists()
        start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
        stmt = stmt.where(or_(with_session,
                              (Intervention.created_at >= start) & (Intervention.created_at < end)))
    if state:
        try:
            stmt = stmt.where(Intervention.state == State(state))
        except ValueError:
            raise InvalidField("État inconnu.", field="state") from None
    if establishment_id is not None:
        stmt = stmt.where(or_(Intervention.beneficiary_id == establishment_id,
                              Intervention.provider_id == establishment_id))
    return stmt


def get_intervention(user: User, intervention_id: int) -> Intervention:
    """The intervention if the user may see it; 404 otherwise (even if it exists)."""
    i = db.session.get(Intervention, intervention_id)
    if i is None or not can_view(user, i):
        raise NotFound("Demande d'intervention introuvable.")
    return i


def get_session(user: User, session_id: int) -> InterventionSession:
    """A session the user may see; 404 otherwise."""
    s = db.session.get(InterventionSession, session_id)
    if s is None or not can_view(user, s.intervention):
        raise NotFound("Séance introuvable.")
    return s


def assignable_technicians(i: Intervention) -> list[User]:
    """Active technicians of the provider establishment."""
    return list(db.session.scalars(
        select(User).where(User.establishment_id == i.provider_id,
                           User.role == Role.TECHNICIAN, User.active.is_(True))
        .order_by(User.name)))


# --- Requests ---------------------------------------------------------------

def _clean_text(value: str | None, field: str, *, required: bool, label: str) -> str:
    return clean_text(value, field, label=label, max_length=MAX_TEXT, required=required)


def _establishment_in(groupement_id: int, establishment_id: int, field: str) -> Establishment:
    e = db.session.get(Establishment, establishment_id) if establishment_id else None
    if e is None or e.groupement_id != groupement_id:
        raise InvalidField("Établissement inconnu dans ce groupement.", field=field)
    return e


def create_draft(actor: User, *, provider_id: int, axis: int, nature: str, description: str,
                 beneficiary_id: int | None = None, urgency: str = Urgency.NORMAL,
                 estimated_onsite_minutes: int = 0, estimated_remote_minutes: int = 0,
                 secondment_id: int | None = None) -> Intervention:
    """A technician or director drafts a request for his own establishment, possibly
    under an approved secondment of the same pair (R8)."""
    authorize_draft(actor)
    if beneficiary_id is None:
        beneficiary_id = actor.establishment_id
    if beneficiary_id != actor.establishment_id:
        raise Forbidden("Une demande se rédige pour son propre établissement.")
    provider = _establishment_in(actor.groupement_id, provider_id, "provider_id")
    if provider.id == beneficiary_id:
        raise InvalidField("L'établissement prestataire doit être un autre établissement.",
                           field="provider_id")
    check_members(actor.establishment, provider)  # a candidate waits for unanimity (§7)
    rules.check_axis(axis)
    nature_value = rules.check_nature(nature)
    try:
        urgency_value = Urgency(urgency)
    except ValueError:
        raise InvalidField("Urgence inconnue.", field="urgency") from None
    rules.check_estimate(estimated_onsite_minutes, "estimated_onsite_minutes")
    rules.check_estimate(estimated_remote_minutes, "estimated_remote_minutes")
    if secondment_id is not None:
        secondments.check_attachable(actor.groupement_id, secondment_id,
                                     provider_id=provider.id, beneficiary_id=beneficiary_id)
    groupement = db.session.get(Groupement, actor.groupement_id)
    terms = groupement.terms_on(timeutil.local_today(groupement.timezone))
    i = Intervention(
        groupement_id=actor.groupement_id, beneficiary_id=beneficiary_id,
        provider_id=provider.id, axis=axis, nature=nature_value,
        description=_clean_text(description, "description", required=True,
                                label="La description"),
        urgency=urgency_value, estimated_onsite_minutes=estimated_onsite_minutes,
        estimated_remote_minutes=estimated_remote_minutes,
        threshold_minutes=terms.threshold_minutes, state=State.DRAFT,
        created_by_id=actor.id, secondment_id=secondment_id,
    )
    db.session.add(i)
    db.session.flush()
    record(actor, "intervention.create", i, after=_snapshot(i), **_parties(i))
    db.session.commit()
    notices.tell(i, "create", actor)
    return i


def activate(i: Intervention, actor: User) -> Intervention:
    """Only the beneficiary's director activates; R7 checks the estimate against the cap."""
    _begin(i, actor, "activate")
    groupement = db.session.get(Groupement, i.groupement_id)
    today = timeutil.local_today(groupement.timezone)
    terms = replace(groupement.terms_on(today), threshold_minutes=i.threshold_minutes,
                    cap_minutes=groupement.cap_for_year(today.year))
    if i.secondment_id is None:  # R8: a secondment's work is outside the cap
        used = queries.cap_use(i.beneficiary_id, [today.year]).get(today.year, 0)
        rules.check_activation(i.estimated_onsite_minutes, used, terms, today.year)
    return _transition(i, actor, "activate", activated_at=timeutil.utcnow())


def accept(i: Intervention, actor: User, technician_id: int | None) -> Intervention:
    """The provider's director accepts and assigns one of his technicians."""
    _begin(i, actor, "accept")
    technician = db.session.get(User, technician_id) if technician_id else None
    if (technician is None or technician.role != Role.TECHNICIAN or not technician.active
            or technician.establishment_id != i.provider_id):
        raise InvalidField("Choisissez un technicien de votre établissement.",
                           field="technician_id")
    return _transition(i, actor, "accept", technician_id=technician.id, decided_at=timeutil.utcnow())


def decline(i: Intervention, actor: User, reason: str) -> Intervention:
    """The provider's director declines, saying why."""
    _begin(i, actor, "decline")
    reason = _clean_text(reason, "reason", required=True, label="Le motif du refus")
    return _transition(i, actor, "decline", decline_reason=reason, decided_at=timeutil.utcnow())


def cancel(i: Intervention, actor: User) -> Intervention:
    """Cancel while no session is logged: work done is never erased."""
    _begin(i, actor, "cancel")  # a session being logged now is either seen or refused
    if _session_count(i.id):
        raise RuleRefused("Annulation impossible : du temps a déjà été saisi sur cette "
                          "intervention (le travail fait n'est jamais effacé).",
                          code="wrong_state")
    return _transition(i, actor, "cancel", cancelled_at=timeutil.utcnow())


def complete(i: Intervention, actor: User, report: str) -> Intervention:
    """The assigned technician closes his work with a report."""
    _begin(i, actor, "complete")  # no session slips in after the report
    report = _clean_text(report, "report", required=True, label="Le compte rendu")
    if not _session_count(i.id):
        raise RuleRefused("Saisissez au moins une séance avant de terminer l'intervention.",
                          code="wrong_state")
    return _transition(i, actor, "complete", report=report, completed_at=timeutil.utcnow())


def validate(i: Intervention, actor: User) -> Intervention:
    """The beneficiary's director confirms the hours: only then are they billed."""
    _begin(i, actor, "validate")
    return _transition(i, actor, "validate", validated_at=timeutil.utcnow())


# --- Sessions ---------------------------------------------------------------

def log_session(i: Intervention, actor: User, *, day: date, start: time, end: time,
                mode: str, notes: str = "", now: datetime | None = None) -> InterventionSession:
    """The assigned technician logs time; refused (nothing stored) if a rule says no."""
    authorize("log_session", actor, i)
    fact = _checked_fact(i, actor, day, start, end, mode, now)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    _check_session_state(i)
    _check_overlap(actor.id, day, start, end, exclude_id=None)
    _check_billing_change(i, removed=None, added=fact)
    s = InterventionSession(
        intervention_id=i.id, technician_id=actor.id, date=day, start_time=start,
        end_time=end, mode=fact.mode, minutes=fact.minutes, year=day.year,
        hourly_rate=fact.rate,
        notes=_clean_text(notes, "notes", required=False, label="Les notes"),
    )
    db.session.add(s)
    db.session.flush()
    record(actor, "session.create", s, after=_session_snapshot(s), **_parties(i))
    db.session.commit()
    return s


def update_session(s: InterventionSession, actor: User, *, day: date | None = None,
                   start: time | None = None, end: time | None = None,
                   mode: str | None = None, notes: str | None = None,
                   now: datetime | None = None) -> InterventionSession:
    """Change a session under the same rules as logging it (and the old date's year)."""
    i = s.intervention
    authorize("log_session", actor, i)
    day = s.date if day is None else day
    start = s.start_time if start is None else start
    end = s.end_time if end is None else end
    mode = s.mode if mode is None else mode
    fact = _checked_fact(i, actor, day, start, end, mode, now)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    db.session.refresh(s)
    _check_session_state(i)
    _check_overlap(actor.id, day, start, end, exclude_id=s.id)
    before = _session_snapshot(s)
    _check_billing_change(i, removed=s, added=fact)
    s.date, s.start_time, s.end_time, s.mode = day, start, end, fact.mode
    s.minutes, s.year, s.hourly_rate = fact.minutes, day.year, fact.rate
    if notes is not None:
        s.notes = _clean_text(notes, "notes", required=False, label="Les notes")
    record(actor, "session.update", s, before=before, after=_session_snapshot(s),
           **_parties(i))
    db.session.commit()
    return s


def delete_session(s: InterventionSession, actor: User) -> None:
    """Remove a session (never in a closed year, never changing a closed year's bill)."""
    i = s.intervention
    authorize("log_session", actor, i)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    _check_session_state(i)
    _check_billing_change(i, removed=s, added=None)
    record(actor, "session.delete", s, before=_session_snapshot(s), **_parties(i))
    db.session.delete(s)
    db.session.commit()


# --- Internals ----------------------------------------------------------------

def _lock(beneficiary_id: int) -> None:
    """Serialise the writes of one beneficiary that depend on its sessions.

    Session changes (cap, R5), cancel and complete (« no session yet », « no
    session after ») take it; :func:`gic.billing.services.close_year` takes the
    same lock on every establishment of the groupement (R9).
    Must be the transaction's first write: on PostgreSQL the UPDATE takes the
    row lock until commit; on SQLite it starts the write transaction, which
    waits (busy timeout) for any other writer. Reads after it see the latest
    committed data, so two racing sessions cannot both pass the cap check.
    """
    db.session.execute(
        update(Establishment).where(Establishment.id == beneficiary_id)
        .values(lock_version=Establishment.lock_version + 1)
        .execution_options(synchronize_session=False))


def _begin(i: Intervention, actor: User, action: str) -> None:
    """Start a transition: permission, then the beneficiary lock, then state read after it.

    Reading the state under the lock makes concurrent transitions of one
    intervention (two accepts, a cancel and a session…) run one after the
    other: the second sees the first's result and is refused. The permission is
    checked again after the reload (a drafter's right ends with the draft).
    """
    authorize(action, actor, i)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    authorize(action, actor, i)
    _check_state(i, action)


def _check_state(i: Intervention, action: str) -> None:
    sources, _ = TRANSITIONS[action]
    if State(i.state) not in sources:
        raise RuleRefused(
            f"Action impossible : la demande est à l'état « {i.state_label} ».",
            code="wrong_state")


def _check_session_state(i: Intervention) -> None:
    if State(i.state) not in SESSION_STATES:
        raise RuleRefused(
            f"Le temps passé ne se saisit que sur une intervention acceptée et non "
            f"terminée (état actuel : « {i.state_label} »).", code="wrong_state")


def _transition(i: Intervention, actor: User, action: str, **changes) -> Intervention:
    before = _snapshot(i)
    standin = on_behalf(action, actor, i)  # read before the state changes (a draft's cancel)
    i.state = TRANSITIONS[action][1]
    for key, value in changes.items():
        setattr(i, key, value)
    record(actor, f"intervention.{action}", i, before=before, after=_snapshot(i),
           standin=standin, **_parties(i))
    db.session.commit()
    notices.tell(i, action, actor)  # after the commit: a step done is told, never undone
    return i


def _checked_fact(i: Intervention, actor: User, day: date, start: time, end: time,
                  mode: str, now: datetime | None) -> rules.SessionFact:
    try:
        mode_value = rules.Mode(mode)
    except ValueError:
        raise InvalidField("Mode inconnu : « à distance » ou « sur site ».",
                           field="mode") from None
    groupement = db.session.get(Groupement, i.groupement_id)
    tz = groupement.timezone
    now = now or timeutil.local_now(tz)
    first_terms = groupement.terms_on(date.min)  # the convention's first version
    minutes = rules.check_session_times(day, start, end, now=now, terms=first_terms, tz=tz)
    zone = ZoneInfo(tz)
    admitted = admitted_at(i.provider, i.beneficiary)
    rules.check_session_not_too_old(
        day, drafted=i.created_at.replace(tzinfo=UTC).astimezone(zone).date(),
        backdate_days=current_app.config["SESSION_BACKDATE_DAYS"],
        members_since={e.name: admitted[e.id].replace(tzinfo=UTC).astimezone(zone).date()
                       for e in (i.provider, i.beneficiary) if e.id in admitted})
    if i.secondment is not None:
        rules.check_secondment_period(day, i.secondment.start_date, i.secondment.end_date)
    return rules.SessionFact(day=day, mode=mode_value, minutes=minutes,
                             rate=groupement.terms_on(day).hourly_rate)


def _check_overlap(technician_id: int, day: date, start: time, end: time,
                   exclude_id: int | None) -> None:
    """Refuse a session that meets another of the technician's that day, naming it
    (date, times, request number) so that he can find and fix the right one."""
    stmt = select(InterventionSession.start_time, InterventionSession.end_time,
                  InterventionSession.intervention_id).where(
        InterventionSession.technician_id == technician_id, InterventionSession.date == day)
    if exclude_id is not None:
        stmt = stmt.where(InterventionSession.id != exclude_id)
    clash = rules.first_overlap(start, end, db.session.execute(
        stmt.order_by(InterventionSession.start_time)).all())
    if clash is not None:
        other_start, other_end, other_request = clash
        raise InvalidField(
            f"Cette séance chevauche votre séance du {long_date(day)} de "
            f"{other_start:%H:%M} à {other_end:%H:%M} (demande n° {other_request}) : "
            "changez les horaires de l'une des deux.", field="start")


def _check_billing_change(i: Intervention, *, removed: InterventionSession | None,
                          added: rules.SessionFact | None) -> None:
    """R5 and R9 for a change of one session of ``i`` (facts read after the lock)."""
    rows = db.session.execute(
        select(InterventionSession.id, InterventionSession.date, InterventionSession.mode,
               InterventionSession.minutes)
        .where(InterventionSession.intervention_id == i.id)).all()
    current = [rules.SessionFact(day=d, mode=rules.Mode(m), minutes=n) for _, d, m, n in rows]
    kept = [rules.SessionFact(day=d, mode=rules.Mode(m), minutes=n)
            for sid, d, m, n in rows if removed is None or sid != removed.id]
    proposed = kept + ([added] if added else [])
    before = rules.billable_by_year(current, i.threshold_minutes)
    after = rules.billable_by_year(proposed, i.threshold_minutes)
    touched = {f.day.year for f in (added,) if f}
    if removed is not None:
        touched.add(removed.date.year)
    changed = {y for y in set(before) | set(after) if before.get(y, 0) != after.get(y, 0)}
    rules.check_years_open(touched | changed, closed_years(i.groupement_id))
    raised = [y for y in after if after[y] > before.get(y, 0)]
    if not raised or i.secondment_id is not None:  # R8: no cap under a secondment
        return
    groupement = db.session.get(Groupement, i.groupement_id)
    rules.check_cap(
        before=before, after=after,
        used_by_others=queries.cap_use(i.beneficiary_id, raised, exclude_intervention_id=i.id),
        cap_by_year={y: groupement.cap_for_year(y) for y in raised},
        beneficiary=i.beneficiary.name,
    )


def _session_count(intervention_id: int) -> int:
    return len(db.session.scalars(select(InterventionSession.id).where(
        InterventionSession.intervention_id == intervention_id).limit(1)).all())


def _parties(i: Intervention) -> dict:
    return {"establishment_id": i.beneficiary_id, "other_establishment_id": i.provider_id,
            "groupement_id": i.groupement_id}


def _snapshot(i: Intervention) -> dict:
    return {"state": str(i.state), "technician_id": i.technician_id, "axis": i.axis,
            "nature": str(i.nature), "beneficiary_id": i.beneficiary_id,
            "provider_id": i.provider_id, "decline_reason": i.decline_reason,
            "report": i.report, "secondment_id": i.secondment_id}


def _session_snapshot(s: InterventionSession) -> dict:
    return {"intervention_id": s.intervention_id, "date": s.date.isoformat(),
            "start": s.start_time.strftime("%H:%M"), "end": s.end_time.strftime("%H:%M"),
            "mode": str(s.mode), "minutes": s.minutes, "notes": s.notes}


def with_sessions(stmt: Select) -> Select:
    """Eager-load sessions and parties (avoid N+1 on detail pages and the API)."""
    return stmt.options(selectinload(Intervention.sessions),
                        selectinload(Intervention.beneficiary),
                        selectinload(Intervention.provider),
                        selectinload(Intervention.technician))
