"""One function per step of a secondment's life (SPEC §4 R8), and who may see it.

Decided for GIC (the SPEC says « approved by both directors »):

- a technician or a director of the provider or of the beneficiary proposes;
  a director who proposes approves for his own establishment at the same time;
- the secondment is approved once the directors of BOTH establishments have
  approved (each approval kept: who, when); either director may refuse it with
  a reason while it is proposed (that ends the procedure); the proposer may
  cancel it before it is approved; it is never edited (cancel and propose again);
- its period may not touch a closed year (R9: a closed year's billing never
  changes), and approving is refused too if such a year was closed meanwhile;
- scope (SPEC §1): the staff of both establishments read it, the coordinator
  and the accountant read every secondment of the groupement; nobody acts for
  a director but his stand-in in force (gic/standins); another groupement's
  secondment does not exist (404).

Each step checks permission and state under a row lock, writes the audit log,
commits, then notifies the directors concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.interventions.permissions import visible_clause
from gic.models import Groupement, Role, User
from gic.notifications.services import directors_of, each_reader, link_for, notify
from gic.policy import authorize, can
from gic.registers import clean_text, establishment_in
from gic.secondments import checks, queries
from gic.secondments.models import (
    Pricing,
    Secondment,
    SecondmentStatus,
    SecondmentTechnician,
)
from gic.standins.access import acting_for, directs
from gic.standins.models import Standin

# --- Reading ------------------------------------------------------------------

def visible_secondments(user: User) -> Select:
    """Secondments the user may read, newest first: the whole groupement for a
    coordinator or an accountant, those of his establishment for the others."""
    stmt = select(Secondment).where(Secondment.groupement_id == user.groupement_id)
    if not can(user, "secondment.read_all"):
        stmt = stmt.where(or_(Secondment.provider_id == user.establishment_id,
                              Secondment.beneficiary_id == user.establishment_id))
    return stmt.order_by(Secondment.id.desc())


def with_parties(stmt: Select) -> Select:
    """Eager-load the establishments (lists without N+1)."""
    return stmt.options(selectinload(Secondment.provider), selectinload(Secondment.beneficiary))


def get_secondment(user: User, secondment_id: int) -> Secondment:
    """The secondment if the user may read it; 404 otherwise (even if it exists)."""
    s = db.session.scalar(visible_secondments(user).where(Secondment.id == secondment_id))
    if s is None:
        raise NotFound(gettext("Détachement introuvable."))
    return s


def interventions_of(s: Secondment, viewer: User) -> list[Intervention]:
    """The interventions attached to ``s`` that ``viewer`` may read (the page shows
    them all: a project has few; the provider's people see no draft)."""
    return list(db.session.scalars(
        select(Intervention).where(Intervention.secondment_id == s.id, visible_clause(viewer))
        .options(selectinload(Intervention.technician)).order_by(Intervention.id)))


def yearly_billing(s: Secondment) -> list[dict]:
    """What ``s`` bills each civil year (validated minutes, pending minutes, amount),
    the years with sessions and, for a lump sum, the year its period ends."""
    minutes = queries.minutes_by_year(s.id)
    years = set(minutes)
    if s.pricing == Pricing.LUMP_SUM and s.status == SecondmentStatus.APPROVED:
        years.add(s.end_date.year)
    rows = []
    for year in sorted(years):
        used = minutes.get(year, {"validated": 0, "pending": 0})
        rows.append({"year": year, "validated_minutes": used["validated"],
                     "pending_minutes": used["pending"],
                     "amount": queries.amount_of_year(s, year, used["validated"])})
    return rows


def attachable_secondments(user: User) -> list[Secondment]:
    """Approved secondments the user's establishment receives (the draft form's choices)."""
    if not user.establishment_id:
        return []
    return list(db.session.scalars(with_parties(select(Secondment).where(
        Secondment.groupement_id == user.groupement_id,
        Secondment.beneficiary_id == user.establishment_id,
        Secondment.status == SecondmentStatus.APPROVED)).order_by(Secondment.start_date.desc())))


def check_attachable(groupement_id: int, secondment_id: int, *, provider_id: int,
                     beneficiary_id: int) -> Secondment:
    """The approved secondment of this very pair an intervention may be attached to;
    else a refusal on the field ``secondment_id``."""
    s = db.session.get(Secondment, secondment_id)
    if s is None or s.groupement_id != groupement_id or s.beneficiary_id != beneficiary_id:
        raise InvalidField(gettext("Détachement inconnu pour votre établissement."),
                           field="secondment_id")
    if s.provider_id != provider_id:
        raise InvalidField(gettext("Le détachement « %(project)s » est assuré par %(name)s : "
                                   "choisissez cet établissement comme prestataire.",
                                   project=s.project, name=s.provider.name),
                           field="secondment_id")
    if s.status != SecondmentStatus.APPROVED:
        raise InvalidField(gettext("Le détachement « %(project)s » n'est pas approuvé par les "
                                   "deux directions.", project=s.project), field="secondment_id")
    return s


def awaiting_approval(user: User) -> list[Secondment]:
    """Proposed secondments waiting for this director's approval (his dashboard)."""
    if not directs(user, user.establishment_id):
        return []
    eid = user.establishment_id
    return list(db.session.scalars(with_parties(select(Secondment).where(
        Secondment.groupement_id == user.groupement_id,
        Secondment.status == SecondmentStatus.PROPOSED,
        or_((Secondment.provider_id == eid) & Secondment.provider_approved_at.is_(None),
            (Secondment.beneficiary_id == eid) & Secondment.beneficiary_approved_at.is_(None)),
    )).order_by(Secondment.id)))


def groupement_technicians(user: User) -> list[User]:
    """Active technicians of the user's groupement, with their establishment (the
    proposal form's « seconded technicians »: the service keeps the provider's)."""
    return list(db.session.scalars(
        select(User).where(User.groupement_id == user.groupement_id,
                           User.role == Role.TECHNICIAN, User.active.is_(True))
        .options(selectinload(User.establishment)).order_by(User.name)))


# --- Who may do what ------------------------------------------------------------

def can_attach(user: User, s: Secondment) -> bool:
    """A technician or director of the beneficiary may draft a request under an
    approved secondment (the draft form then offers it)."""
    return (can(user, "secondment.propose") and user.groupement_id == s.groupement_id
            and user.establishment_id == s.beneficiary_id
            and s.status == SecondmentStatus.APPROVED)


def _side(user: User, s: Secondment) -> str | None:
    """« provider » or « beneficiary » if ``user`` directs one of the two establishments
    (its director, or his stand-in in force: :func:`directs`)."""
    if user.groupement_id != s.groupement_id:
        return None
    if directs(user, s.provider_id):
        return "provider"
    if directs(user, s.beneficiary_id):
        return "beneficiary"
    return None


def _on_behalf(user: User, s: Secondment, side: str | None) -> Standin | None:
    """The stand-in through which ``user`` approves or refuses for ``side``."""
    if side is None:
        return None
    return acting_for(user, s.provider_id if side == "provider" else s.beneficiary_id)


def _approved_at(s: Secondment, side: str):
    return s.provider_approved_at if side == "provider" else s.beneficiary_approved_at


def next_actions(user: User, s: Secondment) -> list[str]:
    """What ``user`` may do now on ``s`` (buttons): approve, refuse, cancel."""
    if s.status != SecondmentStatus.PROPOSED:
        return []
    actions = []
    side = _side(user, s)
    if side and _approved_at(s, side) is None:
        actions.append("approve")
    if side:
        actions.append("refuse")
    if user.id == s.proposed_by_id:
        actions.append("cancel")
    return actions


# --- Steps ------------------------------------------------------------------------

def propose(actor: User, *, provider_id: int | None, beneficiary_id: int | None, project: str,
            description: str, start_date: date, end_date: date, pricing: str,
            hourly_rate: Decimal | None = None, lump_sum: Decimal | None = None,
            technician_ids: Iterable[int] = ()) -> Secondment:
    """A technician or director of one of the two establishments proposes a secondment.

    ``pricing`` says which of ``hourly_rate`` (TTC) and ``lump_sum`` is agreed;
    the other one is ignored. ``technician_ids``: technicians of the provider.
    """
    authorize(actor, "secondment.propose")
    provider = establishment_in(actor.groupement_id, provider_id, "provider_id")
    beneficiary = establishment_in(actor.groupement_id, beneficiary_id,
                                   "beneficiary_id")
    if provider.id == beneficiary.id:
        raise InvalidField(gettext("Le bénéficiaire doit être un autre établissement que le "
                                   "prestataire."), field="beneficiary_id")
    if actor.establishment_id not in (provider.id, beneficiary.id):
        raise InvalidField(gettext("Votre établissement doit être le prestataire ou le "
                                   "bénéficiaire du détachement."), field="provider_id")
    groupement = db.session.get(Groupement, actor.groupement_id)
    checks.check_period(groupement, start_date, end_date)
    pricing_value, rate, total = checks.check_pricing(pricing, hourly_rate, lump_sum)
    technicians = checks.seconded_technicians(provider.id, technician_ids)
    s = Secondment(
        groupement_id=actor.groupement_id, provider_id=provider.id,
        beneficiary_id=beneficiary.id,
        project=clean_text(project, "project", label=gettext("Le nom du projet"),
                           max_length=checks.MAX_PROJECT, required=True),
        description=clean_text(description, "description", label=gettext("La description"),
                               max_length=checks.MAX_TEXT, required=True),
        start_date=start_date, end_date=end_date, pricing=pricing_value, hourly_rate=rate,
        lump_sum=total, status=SecondmentStatus.PROPOSED, proposed_by_id=actor.id)
    side = _side(actor, s)
    if side:  # a director proposing approves for his establishment
        setattr(s, f"{side}_approved_by_id", actor.id)
        setattr(s, f"{side}_approved_at", timeutil.utcnow())
    db.session.add(s)
    db.session.flush()
    db.session.add_all(SecondmentTechnician(secondment_id=s.id, user_id=t.id)
                       for t in technicians)
    record(actor, "secondment.propose", s, after=_snapshot(s, technicians),
           standin=_on_behalf(actor, s, side), **_parties(s))
    db.session.commit()
    _notify_awaited(s)
    return s


def approve(s: Secondment, actor: User) -> Secondment:
    """A director of one of the two establishments approves; both: approved."""
    side = _begin(s, actor, "approve")
    if _approved_at(s, side) is not None:
        raise RuleRefused(gettext("Votre établissement a déjà approuvé ce détachement."),
                          code="wrong_state")
    checks.check_years_open(s.groupement_id, s.start_date, s.end_date)
    before = _snapshot(s)
    setattr(s, f"{side}_approved_by_id", actor.id)
    setattr(s, f"{side}_approved_at", timeutil.utcnow())
    if s.provider_approved_at and s.beneficiary_approved_at:
        s.status, s.approved_at = SecondmentStatus.APPROVED, timeutil.utcnow()
    record(actor, "secondment.approve", s, before=before, after=_snapshot(s),
           standin=_on_behalf(actor, s, side), **_parties(s))
    db.session.commit()
    if s.status == SecondmentStatus.APPROVED:
        _notify(_people(s), lambda: (
            gettext("Détachement approuvé : %(project)s", project=s.project),
            gettext("Les directions des établissements %(provider)s et %(beneficiary)s ont "
                    "approuvé le détachement temporaire « %(project)s » (du %(start)s au "
                    "%(end)s). Les demandes d'intervention de ce projet peuvent maintenant y "
                    "être rattachées.", provider=s.provider.name,
                    beneficiary=s.beneficiary.name, project=s.project, **_period(s))),
            kind="secondment", key=f"secondment-{s.id}-approved", link=_link(s), actor=actor)
    return s


def refuse(s: Secondment, actor: User, reason: str) -> Secondment:
    """A director of one of the two establishments refuses, saying why: it ends there."""
    side = _begin(s, actor, "refuse")
    reason = clean_text(reason, "reason", label=gettext("Le motif du refus"),
                        max_length=checks.MAX_TEXT, required=True)
    before = _snapshot(s)
    s.status, s.refused_by_id, s.refused_at = SecondmentStatus.REFUSED, actor.id, timeutil.utcnow()
    s.refusal_reason = reason
    record(actor, "secondment.refuse", s, before=before, after=_snapshot(s),
           reason=reason[:1000], standin=_on_behalf(actor, s, side), **_parties(s))
    db.session.commit()
    _notify(_people(s), lambda: (
        gettext("Détachement refusé : %(project)s", project=s.project),
        gettext("%(name)s a refusé le détachement temporaire « %(project)s » pour "
                "%(establishment)s. Motif : %(reason)s", name=actor.name, project=s.project,
                establishment=actor.establishment.name, reason=reason)),
        kind="secondment", key=f"secondment-{s.id}-refused", link=_link(s), actor=actor)
    return s


def cancel(s: Secondment, actor: User) -> Secondment:
    """The proposer withdraws his proposal before it is approved."""
    _begin(s, actor, "cancel")
    before = _snapshot(s)
    s.status, s.cancelled_at = SecondmentStatus.CANCELLED, timeutil.utcnow()
    record(actor, "secondment.cancel", s, before=before, after=_snapshot(s), **_parties(s))
    db.session.commit()
    return s


# --- Internals ----------------------------------------------------------------------

REFUSALS = {
    "approve": lazy_gettext("Seules les directions des deux établissements approuvent un "
                            "détachement."),
    "refuse": lazy_gettext("Seules les directions des deux établissements peuvent refuser un "
                           "détachement."),
    "cancel": lazy_gettext("Seul l'auteur de la proposition peut l'annuler."),
}


def _begin(s: Secondment, actor: User, action: str) -> str | None:
    """Permission, then a row lock (first write), then the state read after it:
    two directors approving at once run one after the other."""
    if s.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Détachement introuvable."))
    allowed = _side(actor, s) if action != "cancel" else actor.id == s.proposed_by_id
    if not allowed:
        raise Forbidden(REFUSALS[action])
    db.session.execute(update(Secondment).where(Secondment.id == s.id)
                       .values(updated_at=timeutil.utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(s)
    if s.status != SecondmentStatus.PROPOSED:
        raise RuleRefused(gettext("Action impossible : le détachement est déjà « %(status)s ».",
                                  status=s.status.label.lower()), code="wrong_state")
    return _side(actor, s)


def _parties(s: Secondment) -> dict:
    return {"establishment_id": s.provider_id, "other_establishment_id": s.beneficiary_id,
            "groupement_id": s.groupement_id}


def _snapshot(s: Secondment, technicians: list[User] | None = None) -> dict:
    data = {"status": str(s.status), "project": s.project, "provider_id": s.provider_id,
            "beneficiary_id": s.beneficiary_id, "start_date": s.start_date.isoformat(),
            "end_date": s.end_date.isoformat(), "pricing": str(s.pricing),
            "hourly_rate": None if s.hourly_rate is None else str(s.hourly_rate),
            "lump_sum": None if s.lump_sum is None else str(s.lump_sum),
            "provider_approved_by_id": s.provider_approved_by_id,
            "beneficiary_approved_by_id": s.beneficiary_approved_by_id,
            "refusal_reason": s.refusal_reason}
    if technicians is not None:
        data["technician_ids"] = [t.id for t in technicians]
    return data


def _period(s: Secondment) -> dict[str, str]:
    return {"start": s.start_date.strftime("%d/%m/%Y"), "end": s.end_date.strftime("%d/%m/%Y")}


def _notify(users: list[User], message, **options) -> None:  # noqa: ANN001
    """:func:`notify` ``users``, ``message()`` giving the (subject, body) pair in
    each recipient's language."""
    subject, body = each_reader(message)
    notify(users, subject=subject, body=body, **options)


def _link(s: Secondment) -> str:
    return link_for("secondments.detail", secondment_id=s.id)


def _people(s: Secondment) -> list[User]:
    """Both directors and the proposer (once each)."""
    people = {u.id: u for u in directors_of(s.groupement_id, [s.provider_id, s.beneficiary_id])}
    people.setdefault(s.proposed_by_id, s.proposed_by)
    return list(people.values())


def _notify_awaited(s: Secondment) -> None:
    """Tell each director whose approval is awaited (once per secondment and side)."""
    for eid, approved in ((s.provider_id, s.provider_approved_at),
                          (s.beneficiary_id, s.beneficiary_approved_at)):
        if approved is not None:
            continue
        _notify(directors_of(s.groupement_id, [eid]), lambda: (
            gettext("Détachement à approuver : %(project)s", project=s.project),
            gettext("%(name)s propose un détachement temporaire de %(provider)s vers "
                    "%(beneficiary)s pour le projet « %(project)s », du %(start)s au %(end)s. "
                    "Il faut l'approbation des deux directions.", name=s.proposed_by.name,
                    provider=s.provider.name, beneficiary=s.beneficiary.name,
                    project=s.project, **_period(s))),
            kind="secondment", key=f"secondment-{s.id}-approve-{eid}", link=_link(s))
