"""Who directs an establishment today: its director, or the stand-in he named.

Every check « is this user a director of establishment X » of an action the
convention gives to a director (activate, accept or decline and assign, validate,
cancel a request; approve or refuse a secondment; vote on a membership or a
renewal) goes through :func:`directs`, so that a stand-in in range passes exactly
where the director passes, and nowhere else: reading the audit log, billing,
administration and naming a stand-in stay the director's own (their rules, in the
areas' ``permissions.RULES`` read by :mod:`gic.policy`, use the role, not this).

A stand-in is in force on a day when the day is in its range, it was not ended
early, the stand-in still belongs to the establishment, is active and is not a
coordinator, and the director who named him is still its active director. The
day is the groupement's today (:func:`gic.timeutil.local_today`). Inside a
transaction, the stand-ins of a user are read once (one query), then remembered
until the next commit or rollback (:func:`gic.database.memo`), and forgotten at once
when a stand-in or a person changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

from sqlalchemy import BindParameter, ColumnElement, Date, Select, and_, bindparam, event, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from gic import timeutil
from gic.database import forget as forget_memo
from gic.database import memo
from gic.extensions import db
from gic.models import Role, User
from gic.standins.models import Standin

_CACHE = "standins_in_force"
_ZONES = "groupement_timezones"


def today_of(user: User) -> date:
    """Today in the user's groupement time zone (read once per transaction)."""
    zones = memo(_ZONES)
    if user.groupement_id not in zones:
        zones[user.groupement_id] = user.groupement.timezone
    return timeutil.local_today(zones[user.groupement_id])


def in_force_clause(day: date | BindParameter) -> ColumnElement[bool]:
    """The SQL of « the range covers ``day`` and was not ended early »."""
    return and_(Standin.starts_on <= day, Standin.ends_on >= day,
                Standin.ended_early_at.is_(None))


# Built once, on first use (the mappers are then complete): these run at every
# permission check and notification, and building an ORM statement with an alias
# costs more than running it (~3 ms against ~0.3 ms).
@functools.cache
def _stand_ins_of() -> Select:
    """Where ``:person`` stands in for his establishment ``:establishment`` on ``:day``."""
    director = aliased(User, name="standin_director")
    return (select(Standin).join(director, Standin.director)
            .where(Standin.standin_id == bindparam("person"),
                   Standin.establishment_id == bindparam("establishment"),
                   in_force_clause(bindparam("day", type_=Date)),
                   director.active.is_(True), director.role == Role.DIRECTOR,
                   director.establishment_id == Standin.establishment_id)
            .options(contains_eager(Standin.director.of_type(director)),
                     joinedload(Standin.establishment)))


@functools.cache
def _stand_ins_for() -> Select:
    """The stand-ins in force on ``:day`` of the ``:directors``, with their people."""
    person = aliased(User, name="standin_person")
    return (select(Standin).join(person, Standin.standin)
            .where(Standin.director_id.in_(bindparam("directors", expanding=True)),
                   in_force_clause(bindparam("day", type_=Date)), person.active.is_(True),
                   person.role != Role.COORDINATOR,
                   person.establishment_id == Standin.establishment_id)
            .options(contains_eager(Standin.standin.of_type(person)),
                     joinedload(Standin.director), joinedload(Standin.establishment))
            .order_by(Standin.id))


def standing_in(user: User | None) -> list[Standin]:
    """The stand-ins in force today where ``user`` is the stand-in (with their director
    and establishment loaded); at most one per establishment, so at most one."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return []
    if user.role == Role.COORDINATOR or user.establishment_id is None:
        return []  # the coordinator cannot be one (SPEC §1: never on a director's behalf)
    if user.role == Role.DIRECTOR:
        return []  # a director of the establishment acts in his own name (no query)
    day = today_of(user)
    cache = memo(_CACHE)
    if (user.id, day) in cache:
        return cache[user.id, day]
    found = list(db.session.scalars(_stand_ins_of(), {"person": user.id,
                                                      "establishment": user.establishment_id,
                                                      "day": day}))
    cache[user.id, day] = found
    return found


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context) -> None:
    """A person moved or deactivated, a stand-in named or ended: read them again."""
    if any(isinstance(o, (User, Standin))
           for o in (*session.new, *session.dirty, *session.deleted)):
        forget_memo(_CACHE, session)


def forget() -> None:
    """Drop this transaction's memory of the stand-ins (after naming or ending one)."""
    forget_memo(_CACHE)


def acting_for(user: User | None, establishment_id: int | None) -> Standin | None:
    """The stand-in through which ``user`` acts for ``establishment_id`` today; None
    when he is its director himself (he acts in his own name) or has no such right."""
    if user is None or establishment_id is None:
        return None
    if user.role == Role.DIRECTOR and user.establishment_id == establishment_id:
        return None
    return next((s for s in standing_in(user) if s.establishment_id == establishment_id),
                None)


def directs(user: User | None, establishment_id: int | None) -> bool:
    """True when ``user`` may do the director's actions for ``establishment_id`` today:
    he is one of its directors, or its stand-in in force."""
    if user is None or establishment_id is None:
        return False
    if user.role == Role.DIRECTOR and user.establishment_id == establishment_id:
        return True
    return acting_for(user, establishment_id) is not None


def with_standins(users: Iterable[User], actor: User | None = None
                  ) -> list[tuple[User, Standin | None]]:
    """The recipients of a notification: each user once (``None``), then the stand-in
    in force of each director among them (with the :class:`Standin`, to mark the copy
    « suppléance de … »), unless he is a recipient already or the ``actor`` (nobody
    is told of his own action). One query, only when a director is among them."""
    people: dict[int, tuple[User, Standin | None]] = {}
    for user in users:
        people.setdefault(user.id, (user, None))
    directors = [u for u, _ in people.values() if u.role == Role.DIRECTOR and u.active]
    if not directors:
        return list(people.values())
    day = today_of(directors[0])
    for s in db.session.scalars(_stand_ins_for(), {"directors": [d.id for d in directors],
                                                   "day": day}):
        director = s.director
        if director.establishment_id != s.establishment_id:
            continue  # he has moved: his stand-in is no longer in force
        if actor is not None and s.standin_id == actor.id:
            continue
        people.setdefault(s.standin_id, (s.standin, s))
    return list(people.values())
