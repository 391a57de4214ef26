"""Naming and ending stand-ins (issue 13 item 1), and what the pages read.

Decided for GIC:

- only a director names a stand-in, for his own establishment: the coordinator
  cannot name one for him (SPEC §1: nobody acts on a director's behalf), and a
  stand-in cannot name another;
- the stand-in is an active person of the same establishment, not a coordinator,
  not the director himself (a deputy director, a technician, an accountant…);
- the range starts today at the earliest and ends on or after its start; the
  ranges of one establishment do not overlap (checked under a lock on the
  establishment's row, so two directors naming at once cannot both pass);
- « Mettre fin » takes effect at once: ``ended_early_at`` is set (the stand-in
  loses the rights now) and, for a range already started, ``ends_on`` becomes
  today: the range kept is then the days on which he could act, which covers
  every action of his in the audit log. A range not started yet is withdrawn
  (``ended_early_at`` set, its dates kept for the record).

Each step writes the audit log, commits, then tells the stand-in.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale, gettext
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.audit.services import record
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import long_date
from gic.models import Establishment, Role, User
from gic.notifications.services import link_for, notify
from gic.policy import authorize, can
from gic.standins.access import forget, standing_in, today_of
from gic.standins.models import Standin


def _require_director(user: User) -> None:
    authorize(user, "standin.name")


# --- Reading ------------------------------------------------------------------------

def of_establishment(user: User) -> list[Standin]:
    """The stand-ins of the director's establishment, latest start first (one query)."""
    _require_director(user)
    return list(db.session.scalars(
        select(Standin).where(Standin.establishment_id == user.establishment_id)
        .options(selectinload(Standin.standin), selectinload(Standin.director))
        .order_by(Standin.starts_on.desc(), Standin.id.desc())))


def candidates(user: User) -> list[User]:
    """Who the director may name: the active people of his establishment but himself
    and the coordinators, by name."""
    _require_director(user)
    return list(db.session.scalars(
        select(User).where(User.establishment_id == user.establishment_id,
                           User.groupement_id == user.groupement_id,
                           User.active.is_(True), User.role != Role.COORDINATOR,
                           User.id != user.id).order_by(User.name)))


def named_by(user: User) -> list[Standin]:
    """The stand-ins the director named that are in force or to come (his dashboard,
    ``GET /me``)."""
    if not can(user, "standin.name"):
        return []
    return list(db.session.scalars(
        select(Standin).where(Standin.director_id == user.id,
                              Standin.ends_on >= today_of(user),
                              Standin.ended_early_at.is_(None))
        .options(selectinload(Standin.standin)).order_by(Standin.starts_on)))


def get_standin(user: User, standin_id: int) -> Standin:
    """A stand-in of the director's establishment; :class:`NotFound` otherwise."""
    _require_director(user)
    s = db.session.get(Standin, standin_id)
    if (s is None or s.groupement_id != user.groupement_id
            or s.establishment_id != user.establishment_id):
        raise NotFound(gettext("Suppléance introuvable."))
    return s


# --- Steps ------------------------------------------------------------------------------

def name_standin(actor: User, *, standin_id: int | None, starts_on: date | None,
                 ends_on: date | None) -> Standin:
    """The director names a stand-in of his establishment for ``starts_on``–``ends_on``
    (both included)."""
    _require_director(actor)
    person = db.session.get(User, standin_id) if standin_id else None
    if (person is None or person.groupement_id != actor.groupement_id
            or person.establishment_id != actor.establishment_id):
        raise InvalidField(gettext("Choisissez une personne de votre établissement."),
                           field="standin_id")
    if person.id == actor.id:
        raise InvalidField(gettext("Choisissez une autre personne que vous-même."),
                           field="standin_id")
    if person.role == Role.COORDINATOR:
        raise InvalidField(gettext("La coordination ne peut pas suppléer une direction."),
                           field="standin_id")
    if not person.active:
        raise InvalidField(gettext("Le compte de %(name)s est désactivé.", name=person.name),
                           field="standin_id")
    today = today_of(actor)
    if starts_on is None:
        raise InvalidField(gettext("Indiquez le premier jour de la suppléance."),
                           field="starts_on")
    if ends_on is None:
        raise InvalidField(gettext("Indiquez le dernier jour de la suppléance."),
                           field="ends_on")
    if starts_on < today:
        raise InvalidField(gettext("Une suppléance commence aujourd'hui au plus tôt."),
                           field="starts_on")
    if ends_on < starts_on:
        raise InvalidField(gettext("Le dernier jour est avant le premier."), field="ends_on")
    _lock(actor.establishment_id)
    clash = overlapping(actor.establishment_id, starts_on, ends_on)
    if clash is not None:
        raise RuleRefused(gettext(
            "Cette période chevauche la suppléance de %(name)s %(period)s : un établissement "
            "n'a qu'une suppléance à la fois. Changez les dates, ou mettez d'abord fin à "
            "celle-ci.", name=clash.standin.name, period=clash.range_label),
            code="standin_overlap")
    s = Standin(groupement_id=actor.groupement_id, establishment_id=actor.establishment_id,
                director_id=actor.id, standin_id=person.id, starts_on=starts_on,
                ends_on=ends_on)
    db.session.add(s)
    db.session.flush()
    record(actor, "standin.create", s, after=_snapshot(s),
           establishment_id=actor.establishment_id)
    db.session.commit()
    forget()
    with force_locale(person.language.value):  # written for its reader
        notify([person], kind="standin", key=f"standin:{s.id}:create",
               subject=gettext("Suppléance de la direction de %(establishment)s",
                               establishment=actor.establishment.name),
               body=gettext(
                   "%(director)s vous désigne pour suppléer la direction de %(establishment)s "
                   "%(period)s. Pendant cette période, vous pouvez activer, accepter ou "
                   "refuser, valider et annuler les demandes de l'établissement, approuver "
                   "ses détachements et voter pour lui ; vous recevez aussi les "
                   "notifications de la direction.", director=actor.name,
                   establishment=actor.establishment.name, period=s.range_label),
               link=link_for("main.index"))
    return s


def end_standin(s: Standin, actor: User) -> Standin:
    """A director of the establishment ends a stand-in early (at once)."""
    _require_director(actor)
    if s.groupement_id != actor.groupement_id or s.establishment_id != actor.establishment_id:
        raise NotFound(gettext("Suppléance introuvable."))
    _lock(s.establishment_id)
    db.session.refresh(s)
    today = today_of(actor)
    if s.ended_early_at is not None or s.ends_on < today:
        raise RuleRefused(gettext("Cette suppléance est déjà terminée."), code="wrong_state")
    before = _snapshot(s)
    s.ended_early_at = timeutil.utcnow()
    if s.starts_on <= today:
        s.ends_on = today
    record(actor, "standin.end", s, before=before, after=_snapshot(s),
           establishment_id=s.establishment_id)
    db.session.commit()
    forget()
    with force_locale(s.standin.language.value):  # written for its reader
        notify([s.standin], kind="standin", key=f"standin:{s.id}:end",
               subject=gettext("Fin de la suppléance de la direction de %(establishment)s",
                               establishment=s.establishment.name),
               body=gettext("%(director)s a mis fin à votre suppléance de la direction de "
                            "%(establishment)s le %(day)s : vous n'agissez plus pour elle.",
                            director=actor.name, establishment=s.establishment.name,
                            day=long_date(today)), link=link_for("main.index"))
    return s


# --- Internals ----------------------------------------------------------------------------

def _lock(establishment_id: int) -> None:
    """Serialise the stand-ins of one establishment (the transaction's first write: a
    row lock on PostgreSQL, the write lock on SQLite), so that two overlapping ranges
    named at once cannot both pass the check."""
    db.session.execute(
        update(Establishment).where(Establishment.id == establishment_id)
        .values(lock_version=Establishment.lock_version + 1)
        .execution_options(synchronize_session=False))


def overlapping(establishment_id: int, starts_on: date, ends_on: date) -> Standin | None:
    """The first stand-in of the establishment (not ended early) whose range meets
    ``starts_on``–``ends_on``; read after :func:`_lock`."""
    return db.session.scalars(
        select(Standin).where(Standin.establishment_id == establishment_id,
                              Standin.ended_early_at.is_(None),
                              Standin.starts_on <= ends_on, Standin.ends_on >= starts_on)
        .options(selectinload(Standin.standin)).order_by(Standin.starts_on)).first()


def _snapshot(s: Standin) -> dict:
    return {"director_id": s.director_id, "standin_id": s.standin_id,
            "standin_name": s.standin.name,
            "starts_on": s.starts_on.isoformat(), "ends_on": s.ends_on.isoformat(),
            "ended_early": s.ended_early_at is not None}


# --- The stand-in's dashboard -------------------------------------------------------------

def board_of(user: User) -> list[dict]:
    """For the dashboard of a stand-in in force: for each director he stands in for,
    the requests, secondments and votes waiting for that director."""
    from gic.governance.queries import awaiting_votes
    from gic.main.services import waiting_requests
    from gic.secondments.services import awaiting_approval

    rows = []
    for s in standing_in(user):
        director = s.director
        rows.append({"standin": s, "requests": waiting_requests(director),
                     "secondments": awaiting_approval(director),
                     "votes": awaiting_votes(director)})
    return rows
