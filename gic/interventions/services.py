"""One function per step of an intervention's life (SPEC §3), used by web and API.

Each checks permission (role and scope), the state, the convention rules, writes
the audit log and commits. Refusals raise :mod:`gic.errors` with French messages.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.convention import ledger, rules
from gic.convention.history import cap_for_year, terms_on
from gic.convention.members import check_members
from gic.convention.years import closed_years
from gic.database import commit_keeping
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import long_date
from gic.governance.guards import admitted_at
from gic.interventions import notices, sheet
from gic.interventions.models import (
    REFERENCE_MAX,
    REFERENCE_STATES,
    SESSION_STATES,
    TRANSITIONS,
    Intervention,
    InterventionSession,
    InterventionSheet,
    State,
    Urgency,
)
from gic.interventions.permissions import (
    can_view,
    on_behalf,
    visible_clause,
)
from gic.models import Establishment, Groupement, Role, User
from gic.ordered import consumption
from gic.policy import authorize
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
        rules.check_year(year)
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
            raise InvalidField(gettext("État inconnu."), field="state") from None
    if establishment_id is not None:
        stmt = stmt.where(or_(Intervention.beneficiary_id == establishment_id,
                              Intervention.provider_id == establishment_id))
    return stmt


def get_intervention(user: User, intervention_id: int) -> Intervention:
    """The intervention if the user may see it; 404 otherwise (even if it exists)."""
    i = db.session.get(Intervention, intervention_id)
    if i is None or not can_view(user, i):
        raise NotFound(gettext("Demande d'intervention introuvable."))
    return i


def get_session(user: User, session_id: int) -> InterventionSession:
    """A session the user may see; 404 otherwise."""
    s = db.session.get(InterventionSession, session_id)
    if s is None or not can_view(user, s.intervention):
        raise NotFound(gettext("Séance introuvable."))
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
        raise InvalidField(gettext("Établissement inconnu dans ce groupement."), field=field)
    return e


def create_draft(actor: User, *, provider_id: int, axis: int, nature: str, description: str,
                 beneficiary_id: int | None = None, urgency: str = Urgency.NORMAL,
                 estimated_onsite_minutes: int = 0, estimated_remote_minutes: int = 0,
                 secondment_id: int | None = None,
                 beneficiary_reference: str | None = None) -> Intervention:
    """A technician or director drafts a request for his own establishment, possibly
    under an approved secondment of the same pair (R8), with the establishment's own
    reference for it (its ticket number…) if it has one."""
    authorize(actor, "intervention.draft")
    if beneficiary_id is None:
        beneficiary_id = actor.establishment_id
    if beneficiary_id != actor.establishment_id:
        raise Forbidden(gettext("Une demande se rédige pour son propre établissement."))
    provider = _establishment_in(actor.groupement_id, provider_id, "provider_id")
    if provider.id == beneficiary_id:
        raise InvalidField(gettext("L'établissement prestataire doit être un autre établissement."),
                           field="provider_id")
    check_members(actor.establishment, provider)  # a candidate waits for unanimity (§7)
    rules.check_axis(axis)
    nature_value = rules.check_nature(nature)
    try:
        urgency_value = Urgency(urgency)
    except ValueError:
        raise InvalidField(gettext("Urgence inconnue."), field="urgency") from None
    rules.check_estimate(estimated_onsite_minutes, "estimated_onsite_minutes")
    rules.check_estimate(estimated_remote_minutes, "estimated_remote_minutes")
    if secondment_id is not None:
        secondments.check_attachable(actor.groupement_id, secondment_id,
                                     provider_id=provider.id, beneficiary_id=beneficiary_id)
    groupement = db.session.get(Groupement, actor.groupement_id)
    terms = terms_on(groupement.id, timeutil.local_today(groupement.timezone))
    i = Intervention(
        groupement_id=actor.groupement_id, beneficiary_id=beneficiary_id,
        provider_id=provider.id, axis=axis, nature=nature_value,
        description=_clean_text(description, "description", required=True,
                                label=gettext("La description")),
        urgency=urgency_value, estimated_onsite_minutes=estimated_onsite_minutes,
        estimated_remote_minutes=estimated_remote_minutes,
        threshold_minutes=terms.threshold_minutes, state=State.DRAFT,
        created_by_id=actor.id, secondment_id=secondment_id,
        beneficiary_reference=_reference(beneficiary_reference),
    )
    db.session.add(i)
    db.session.flush()
    record(actor, "intervention.create", i, after=_snapshot(i), **_parties(i))
    commit_keeping()  # tell reads the request, its establishments and the actor, then commits
    notices.tell(i, "create", actor)
    return i


def _reference(value: str | None) -> str | None:
    return clean_text(value, "beneficiary_reference", label=gettext("La référence interne"),
                      max_length=REFERENCE_MAX) or None


def set_reference(i: Intervention, actor: User, reference: str | None) -> Intervention:
    """The beneficiary's technician or director gives (or changes, or clears) its own
    reference for the request, until the hours are validated (the sheet and the
    exports then carry it)."""
    authorize(actor, "intervention.set_reference", i)
    _lock(i.beneficiary_id)  # the state read after a concurrent validation, not before
    db.session.refresh(i)
    if i.state not in REFERENCE_STATES:
        raise RuleRefused(gettext("La référence interne ne se modifie plus : la demande est à "
                                  "l'état « %(state)s ».", state=i.state.label),
                          code="wrong_state")
    value = _reference(reference)
    if value != i.beneficiary_reference:
        record(actor, "intervention.reference", i, before={"beneficiary_reference":
                                                           i.beneficiary_reference},
               after={"beneficiary_reference": value}, **_parties(i))
        i.beneficiary_reference = value
    db.session.commit()
    return i


def activate(i: Intervention, actor: User) -> Intervention:
    """Only the beneficiary's director activates; R7 checks the estimate against the cap."""
    _begin(i, actor, "activate")
    groupement = db.session.get(Groupement, i.groupement_id)
    today = timeutil.local_today(groupement.timezone)
    terms = replace(terms_on(groupement.id, today), threshold_minutes=i.threshold_minutes,
                    cap_minutes=cap_for_year(groupement.id, today.year))
    # R8: a secondment's work is outside the cap; a year of the ordered-hours model
    # has no cap (its sessions count against the hours ordered, issue 16).
    if i.secondment_id is None and not consumption.ordered_years(i.groupement_id,
                                                                 [today.year]):
        used = ledger.cap_use(i.beneficiary_id, [today.year]).get(today.year, 0)
        rules.check_activation(i.estimated_onsite_minutes, used, terms, today.year)
    return _transition(i, actor, "activate", activated_at=timeutil.utcnow())


def accept(i: Intervention, actor: User, technician_id: int | None) -> Intervention:
    """The provider's director accepts and assigns one of his technicians."""
    _begin(i, actor, "accept")
    technician = db.session.get(User, technician_id) if technician_id else None
    if (technician is None or technician.role != Role.TECHNICIAN or not technician.active
            or technician.establishment_id != i.provider_id):
        raise InvalidField(gettext("Choisissez un technicien de votre établissement."),
                           field="technician_id")
    return _transition(i, actor, "accept", technician_id=technician.id,
                       decided_at=timeutil.utcnow())


def decline(i: Intervention, actor: User, reason: str) -> Intervention:
    """The provider's director declines, saying why."""
    _begin(i, actor, "decline")
    reason = _clean_text(reason, "reason", required=True, label=gettext("Le motif du refus"))
    return _transition(i, actor, "decline", decline_reason=reason, decided_at=timeutil.utcnow())


def cancel(i: Intervention, actor: User) -> Intervention:
    """Cancel while no session is logged: work done is never erased."""
    _begin(i, actor, "cancel")  # a session being logged now is either seen or refused
    if _session_count(i.id):
        raise RuleRefused(gettext("Annulation impossible : du temps a déjà été saisi sur "
                                  "cette intervention (le travail fait n'est jamais effacé)."),
                          code="wrong_state")
    return _transition(i, actor, "cancel", cancelled_at=timeutil.utcnow())


def complete(i: Intervention, actor: User, report: str, *, signatory_name: str | None = None,
             signatory_signature: str | None = None,
             technician_signature: str | None = None) -> Intervention:
    """The assigned technician closes his work with a report.

    With the signatures (the beneficiary's staff present: name and PNG data URL;
    his own), the signed sheet is printed and stored in the same transaction: the
    intervention is completed with its sheet, or not at all. Without any, it is
    completed without a sheet (no JavaScript, or nobody there to sign).
    """
    _begin(i, actor, "complete")  # no session slips in after the report
    report = _clean_text(report, "report", required=True, label=gettext("Le compte rendu"))
    signatures = sheet.read_signatures(signatory_name, signatory_signature,
                                       technician_signature)
    if not _session_count(i.id):
        raise RuleRefused(gettext("Saisissez au moins une séance avant de terminer "
                                  "l'intervention."),
                          code="wrong_state")
    now = timeutil.utcnow()
    if signatures is not None:
        _store_sheet(i, actor, signatures, report=report, signed_at=now)
    return _transition(i, actor, "complete", report=report, completed_at=now)


def _store_sheet(i: Intervention, actor: User, signatures: sheet.Signatures, *,
                 report: str, signed_at: datetime) -> InterventionSheet:
    """Print the signed sheet once (both signed at ``signed_at``, the server's time)
    and add it to the transaction; it is then served as stored."""
    signed = InterventionSheet(
        intervention_id=i.id, signatory_name=signatures.signatory_name,
        signatory_signature=signatures.signatory_png, signatory_signed_at=signed_at,
        technician_id=actor.id, technician_name=actor.name,
        technician_signature=signatures.technician_png, technician_signed_at=signed_at)
    content = sheet.render_pdf(i, signed, report=report, completed_at=signed_at)
    signed.pdf, signed.size = content, len(content)
    signed.pdf_sha256 = hashlib.sha256(content).hexdigest()
    db.session.add(signed)
    db.session.flush()
    record(actor, "intervention.sign", i, after={
        "signatory_name": signed.signatory_name, "technician_id": actor.id,
        "signed_at": signed_at.isoformat(), "pdf_sha256": signed.pdf_sha256}, **_parties(i))
    return signed


def signed_sheet(user: User, intervention_id: int) -> tuple[Intervention, InterventionSheet]:
    """The intervention and its signed sheet, for whoever may see the intervention;
    404 when it is not visible or has no signed sheet."""
    i = get_intervention(user, intervention_id)
    signed = db.session.scalars(select(InterventionSheet).where(
        InterventionSheet.intervention_id == i.id)).first()
    if signed is None:
        raise NotFound(gettext("Cette intervention n'a pas de fiche signée."))
    return i, signed


def validate(i: Intervention, actor: User) -> Intervention:
    """The beneficiary's director confirms the hours: only then are they billed."""
    _begin(i, actor, "validate")
    return _transition(i, actor, "validate", validated_at=timeutil.utcnow())


# --- Sessions ---------------------------------------------------------------

def log_session(i: Intervention, actor: User, *, day: date, start: time, end: time,
                mode: str, notes: str = "", now: datetime | None = None,
                client_uuid: str | None = None) -> InterventionSession:
    """The assigned technician logs time; refused (nothing stored) if a rule says no.
    With ``client_uuid``, a replay answers the stored session (:func:`log_session_once`)."""
    return log_session_once(i, actor, day=day, start=start, end=end, mode=mode, notes=notes,
                            now=now, client_uuid=client_uuid)[0]


def log_session_once(i: Intervention, actor: User, *, day: date, start: time, end: time,
                     mode: str, notes: str = "", now: datetime | None = None,
                     client_uuid: str | None = None) -> tuple[InterventionSession, bool]:
    """:func:`log_session`, applied once per ``client_uuid`` (the UUID the client made
    for the entry: offline outbox, double tap, API ``Idempotency-Key``).

    Returns the session and whether it was stored now. A replay of an entry already
    stored for this technician and intervention changes nothing and returns the
    stored session (even if the intervention has moved on since); the same key with
    other values is refused (409, ``idempotency_conflict``). Two replays at once
    give one session: the second waits at the beneficiary's lock and then finds the
    first; across beneficiaries the unique index decides, and the loser returns the
    winner's row.
    """
    key = client_key(client_uuid)
    values = (day, start, end, mode, notes)
    if key and (stored := _replayed(i, actor, key, *values)):
        return stored, False
    authorize(actor, "intervention.log_session", i)
    fact = _checked_fact(i, actor, day, start, end, mode, now)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    if key and (stored := _replayed(i, actor, key, *values)):
        db.session.rollback()  # a racing replay was stored while this one waited: no change
        return stored, False
    _check_session_state(i)
    _check_overlap(actor.id, day, start, end, exclude_id=None)
    _check_billing_change(i, removed=None, added=fact)
    s = InterventionSession(
        intervention_id=i.id, technician_id=actor.id, date=day, start_time=start,
        end_time=end, mode=fact.mode, minutes=fact.minutes, year=day.year,
        hourly_rate=fact.rate,
        notes=_clean_text(notes, "notes", required=False, label=gettext("Les notes")),
        client_uuid=key,
    )
    db.session.add(s)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if key and (stored := _replayed(i, actor, key, *values)):
            return stored, False
        raise
    record(actor, "session.create", s, after=_session_snapshot(s), **_parties(i))
    db.session.commit()
    return s, True


def client_key(value: str | None) -> str | None:
    """The canonical form of a client-made UUID (``None`` if empty); a value that is
    not a UUID is refused (422)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidField(gettext("Identifiant de saisie invalide : un UUID est attendu "
                                   "(par exemple « %(example)s »)."
                                   , example="3f2c8a9e-1b4d-4c6e-9a0b-5d7e8f901234"),
                           field="client_uuid") from None


IDEMPOTENCY_CONFLICT = lazy_gettext(
    "Cette saisie a déjà été enregistrée avec d'autres valeurs (même identifiant de saisie) : "
    "rien n'a été modifié. Vérifiez la séance enregistrée, ou saisissez-la à nouveau comme "
    "une nouvelle séance.")


def _replayed(i: Intervention, actor: User, key: str, day: date, start: time, end: time,
              mode: str, notes: str) -> InterventionSession | None:
    """The session already stored under ``key``, if this is its replay (same
    technician, intervention and values); another use of the key is refused."""
    s = db.session.scalar(select(InterventionSession).where(
        InterventionSession.client_uuid == key))
    if s is None:
        return None
    same = (s.technician_id == actor.id and s.intervention_id == i.id
            and (s.date, s.start_time, s.end_time, str(s.mode)) == (day, start, end, mode)
            and s.notes == _clean_text(notes, "notes", required=False, label=gettext("Les notes")))
    if not same:
        raise RuleRefused(IDEMPOTENCY_CONFLICT, code="idempotency_conflict")
    return s


def update_session(s: InterventionSession, actor: User, *, day: date | None = None,
                   start: time | None = None, end: time | None = None,
                   mode: str | None = None, notes: str | None = None,
                   now: datetime | None = None) -> InterventionSession:
    """Change a session under the same rules as logging it (and the old date's year)."""
    i = s.intervention
    authorize(actor, "intervention.log_session", i)
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
        s.notes = _clean_text(notes, "notes", required=False, label=gettext("Les notes"))
    record(actor, "session.update", s, before=before, after=_session_snapshot(s),
           **_parties(i))
    db.session.commit()
    return s


def delete_session(s: InterventionSession, actor: User) -> None:
    """Remove a session (never in a closed year, never changing a closed year's bill)."""
    i = s.intervention
    authorize(actor, "intervention.log_session", i)
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
    authorize(actor, f"intervention.{action}", i)
    _lock(i.beneficiary_id)
    db.session.refresh(i)
    authorize(actor, f"intervention.{action}", i)
    _check_state(i, action)


def _check_state(i: Intervention, action: str) -> None:
    sources, _ = TRANSITIONS[action]
    if i.state not in sources:
        raise RuleRefused(gettext("Action impossible : la demande est à l'état « %(state)s ».",
                                  state=i.state.label), code="wrong_state")


def _check_session_state(i: Intervention) -> None:
    if i.state not in SESSION_STATES:
        raise RuleRefused(gettext(
            "Le temps passé ne se saisit que sur une intervention acceptée et non terminée "
            "(état actuel : « %(state)s »).", state=i.state.label), code="wrong_state")


def _transition(i: Intervention, actor: User, action: str, **changes) -> Intervention:
    before = _snapshot(i)
    standin = on_behalf(action, actor, i)  # read before the state changes (a draft's cancel)
    i.state = TRANSITIONS[action][1]
    for key, value in changes.items():
        setattr(i, key, value)
    record(actor, f"intervention.{action}", i, before=before, after=_snapshot(i),
           standin=standin, **_parties(i))
    commit_keeping()  # tell reads the request, its establishments and the actor, then commits
    notices.tell(i, action, actor)  # after the commit: a step done is told, never undone
    return i


def _checked_fact(i: Intervention, actor: User, day: date, start: time, end: time,
                  mode: str, now: datetime | None) -> rules.SessionFact:
    try:
        mode_value = rules.Mode(mode)
    except ValueError:
        raise InvalidField(gettext("Mode inconnu : « à distance » ou « sur site »."),
                           field="mode") from None
    groupement = db.session.get(Groupement, i.groupement_id)
    tz = groupement.timezone
    now = now or timeutil.local_now(tz)
    first_terms = terms_on(groupement.id, date.min)  # the convention's first version
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
                             rate=terms_on(groupement.id, day).hourly_rate)


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
        raise InvalidField(gettext(
            "Cette séance chevauche votre séance du %(day)s de %(start)s à %(end)s (demande "
            "n° %(request)s) : changez les horaires de l'une des deux.", day=long_date(day),
            start=other_start.strftime("%H:%M"), end=other_end.strftime("%H:%M"),
            request=other_request),
            field="start")


def _check_billing_change(i: Intervention, *, removed: InterventionSession | None,
                          added: rules.SessionFact | None) -> None:
    """R5 and R9 for a change of one session of ``i`` (facts read after the lock)."""
    rows = db.session.execute(
        select(InterventionSession.id, InterventionSession.date, InterventionSession.mode,
               InterventionSession.minutes)
        .where(InterventionSession.intervention_id == i.id)).all()
    current = [rules.SessionFact(day=d, mode=m, minutes=n) for _, d, m, n in rows]
    kept = [rules.SessionFact(day=d, mode=m, minutes=n)
            for sid, d, m, n in rows if removed is None or sid != removed.id]
    proposed = kept + ([added] if added else [])
    before = rules.billable_by_year(current, i.threshold_minutes)
    after = rules.billable_by_year(proposed, i.threshold_minutes)
    touched = {f.day.year for f in (added,) if f}
    if removed is not None:
        touched.add(removed.date.year)
    changed = {y for y in set(before) | set(after) if before.get(y, 0) != after.get(y, 0)}
    rules.check_years_open(touched | changed, closed_years(i.groupement_id))
    # Issue 16: a year of the ordered-hours model counts the sessions against the
    # beneficiary's hours ordered (remote too), not against the cap.
    consumption.check_sessions_change(i, current, proposed)
    ordered = consumption.ordered_years(i.groupement_id, after)
    raised = [y for y in after if after[y] > before.get(y, 0) and y not in ordered]
    if not raised or i.secondment_id is not None:  # R8: no cap under a secondment
        return
    rules.check_cap(
        before=before, after=after,
        used_by_others=ledger.cap_use(i.beneficiary_id, raised, exclude_intervention_id=i.id),
        cap_by_year={y: cap_for_year(i.groupement_id, y) for y in raised},
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
            "report": i.report, "secondment_id": i.secondment_id,
            "beneficiary_reference": i.beneficiary_reference}


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
