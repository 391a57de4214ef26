"""Common trainings (axis 4): organise, correct, remove; the bilan's section.

Who: the coordinator or a director organises a training; every member of the
groupement reads them (it is common training). The coordinator may correct or
remove any training of the groupement, a director those he organised, while
the year of the training is not closed. Attendees are people of the groupement
(counted with the establishment they belong to on the day) plus, per
establishment, a number of other attendees without an account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from gic.audit.services import record
from gic.errors import DomainError, InvalidField, NotFound
from gic.extensions import db
from gic.models import Establishment, User
from gic.policy import authorize
from gic.registers import (
    check_day,
    check_years_open,
    clean_text,
    establishment_ids,
    minutes_in,
)
from gic.trainings.models import (
    Topic,
    Training,
    TrainingAttendee,
    TrainingGuests,
)

MAX_DURATION = 12 * 60  # one training day; a longer course is recorded day by day
MAX_GUESTS = 500
TITLE_MAX, TRAINER_MAX, PLACE_MAX, NOTES_MAX = 200, 200, 300, 5000


# --- Reading ----------------------------------------------------------------------

def visible_trainings(user: User) -> Select:
    """The groupement's trainings, newest first: every member reads them."""
    return (select(Training).where(Training.groupement_id == user.groupement_id)
            .order_by(Training.date.desc(), Training.id.desc()))


def with_attendance(stmt: Select) -> Select:
    """Eager-load attendees (with their establishment) and other attendees."""
    return stmt.options(
        selectinload(Training.attendees).selectinload(TrainingAttendee.user),
        selectinload(Training.attendees).selectinload(TrainingAttendee.establishment),
        selectinload(Training.guests).selectinload(TrainingGuests.establishment))


def get_training(user: User, training_id: int) -> Training:
    """A training of the user's groupement; 404 otherwise."""
    t = db.session.get(Training, training_id)
    if t is None or t.groupement_id != user.groupement_id:
        raise NotFound(gettext("Formation introuvable."))
    return t


def authorize_change(t: Training, actor: User) -> None:
    """The coordinator, or the director who organised it; never in a closed year."""
    authorize(actor, "training.change", t)
    check_years_open(t.groupement_id, [t.date])


def can_change(user: User, t: Training) -> bool:
    """Whether the page offers to correct or remove ``t``."""
    try:
        authorize_change(t, user)
    except DomainError:
        return False
    return True


def people_by_establishment(groupement_id: int,
                            keep: Iterable[int] = ()) -> list[tuple[Establishment, list[User]]]:
    """Who may be ticked as an attendee, establishment by establishment: the active
    people attached to one, plus ``keep`` (current attendees, even if inactive now)."""
    keep = set(keep)
    establishments = list(db.session.scalars(
        select(Establishment).where(Establishment.groupement_id == groupement_id)
        .order_by(Establishment.name, Establishment.id)))
    people: dict[int, list[User]] = defaultdict(list)
    for user in db.session.scalars(
            select(User).where(User.groupement_id == groupement_id,
                               User.establishment_id.is_not(None),
                               or_(User.active.is_(True), User.id.in_(keep)))
            .order_by(User.name, User.id)):
        people[user.establishment_id].append(user)
    return [(e, people[e.id]) for e in establishments]


# --- Recording ----------------------------------------------------------------------

def _checked(groupement_id: int, *, topic: str, title: str, day: date | None,
             start_time: time | None, duration_minutes: int | None, trainer: str,
             place: str, notes: str) -> dict[str, Any]:
    try:
        topic_value = Topic(topic)
    except ValueError:
        raise InvalidField(gettext("Choisissez le thème de la formation."),
                           field="topic") from None
    day = check_day(day, "date")
    check_years_open(groupement_id, [day])
    return {
        "topic": topic_value, "date": day, "start_time": start_time,
        "title": clean_text(title, "title", label=gettext("L'intitulé"), max_length=TITLE_MAX,
                            required=True),
        "duration_minutes": minutes_in(duration_minutes, "duration_minutes",
                                       label=gettext("La durée"), maximum=MAX_DURATION),
        "trainer": clean_text(trainer, "trainer", label=gettext("Le formateur"),
                              max_length=TRAINER_MAX, required=True),
        "place": clean_text(place, "place", label=gettext("Le lieu"), max_length=PLACE_MAX),
        "notes": clean_text(notes, "notes", label=gettext("Le contenu"), max_length=NOTES_MAX),
    }


def _attendees(groupement_id: int, attendee_ids: Iterable[int]) -> dict[int, int]:
    """user id -> establishment id, for people of the groupement attached to one."""
    wanted = set(attendee_ids or ())
    if not wanted:
        return {}
    found = dict(db.session.execute(
        select(User.id, User.establishment_id).where(
            User.id.in_(wanted), User.groupement_id == groupement_id,
            User.establishment_id.is_not(None))).all())
    if set(found) != wanted:
        raise InvalidField(gettext("Les participants sont des personnes des établissements du "
                                   "groupement."), field="attendees")
    return found


def _guests(groupement_id: int, guests: Mapping[int, int | None]) -> dict[int, int]:
    """establishment id -> number of other attendees (zeros dropped)."""
    counts = {}
    known = set(establishment_ids(groupement_id))
    for eid, count in (guests or {}).items():
        if eid not in known:
            raise InvalidField(gettext("Établissement inconnu dans ce groupement."),
                               field="attendees")
        if count is None or count == 0:
            continue
        if not 0 < count <= MAX_GUESTS:
            raise InvalidField(gettext("Le nombre d'autres participants va de 0 à %(max)s.",
                                       max=MAX_GUESTS), field=f"guests_{eid}")
        counts[eid] = count
    return counts


def _set_attendance(t: Training, attendees: dict[int, int], guests: dict[int, int]) -> None:
    """Replace the attendance; people already listed keep the establishment recorded."""
    kept = {a.user_id: a for a in t.attendees if a.user_id in attendees}
    t.attendees = [kept.get(uid) or TrainingAttendee(user_id=uid, establishment_id=eid)
                   for uid, eid in sorted(attendees.items())]
    by_establishment = {g.establishment_id: g for g in t.guests}
    rows = []
    for eid, count in sorted(guests.items()):
        row = by_establishment.get(eid) or TrainingGuests(establishment_id=eid, count=count)
        row.count = count
        rows.append(row)
    t.guests = rows


def create_training(actor: User, *, topic: str, title: str, day: date | None,
                    duration_minutes: int | None, trainer: str, start_time: time | None = None,
                    place: str = "", notes: str = "", attendee_ids: Iterable[int] = (),
                    guests: Mapping[int, int | None] | None = None) -> Training:
    """The coordinator or a director records a common training and who attended."""
    authorize(actor, "training.organise")
    gid = actor.groupement_id
    values = _checked(gid, topic=topic, title=title, day=day, start_time=start_time,
                      duration_minutes=duration_minutes, trainer=trainer, place=place,
                      notes=notes)
    attendees, others = _attendees(gid, attendee_ids), _guests(gid, guests or {})
    t = Training(groupement_id=gid, organiser_id=actor.id, **values)
    _set_attendance(t, attendees, others)
    db.session.add(t)
    db.session.flush()
    record(actor, "training.create", t, after=snapshot(t), groupement_id=gid)
    db.session.commit()
    return t


def update_training(t: Training, actor: User, *, topic: str, title: str, day: date | None,
                    duration_minutes: int | None, trainer: str, start_time: time | None = None,
                    place: str = "", notes: str = "", attendee_ids: Iterable[int] = (),
                    guests: Mapping[int, int | None] | None = None) -> Training:
    """Correct a training (its organiser or the coordinator, year not closed)."""
    authorize_change(t, actor)
    gid = t.groupement_id
    values = _checked(gid, topic=topic, title=title, day=day, start_time=start_time,
                      duration_minutes=duration_minutes, trainer=trainer, place=place,
                      notes=notes)
    attendees, others = _attendees(gid, attendee_ids), _guests(gid, guests or {})
    before = snapshot(t)
    for key, value in values.items():
        setattr(t, key, value)
    _set_attendance(t, attendees, others)
    db.session.flush()
    record(actor, "training.update", t, before=before, after=snapshot(t), groupement_id=gid)
    db.session.commit()
    return t


def delete_training(t: Training, actor: User) -> None:
    """Remove a training recorded by mistake (same conditions as a change)."""
    authorize_change(t, actor)
    record(actor, "training.delete", t, before=snapshot(t), groupement_id=t.groupement_id)
    db.session.delete(t)
    db.session.commit()


def snapshot(t: Training) -> dict[str, Any]:
    """The training as the audit log keeps it."""
    return {"topic": str(t.topic), "title": t.title, "date": t.date.isoformat(),
            "start_time": t.start_time.strftime("%H:%M") if t.start_time else None,
            "duration_minutes": t.duration_minutes, "trainer": t.trainer, "place": t.place,
            "attendees": sorted(a.user_id for a in t.attendees),
            "guests": {str(g.establishment_id): g.count for g in t.guests}}


# --- Bilan --------------------------------------------------------------------------

def bilan_section(groupement_id: int, year: int) -> dict[str, Any]:
    """The trainings of ``year`` (four queries): count, hours, attendees and
    person-minutes (duration × attendees), by topic and per establishment, and
    the list of the year's trainings."""
    trainings = db.session.execute(
        select(Training.id, Training.date, Training.title, Training.topic,
               Training.duration_minutes, Training.trainer, Training.place)
        .where(Training.groupement_id == groupement_id, Training.date >= date(year, 1, 1),
               Training.date <= date(year, 12, 31))
        .order_by(Training.date, Training.id)).all()
    ids = [row.id for row in trainings]
    present: dict[tuple[int, int], int] = defaultdict(int)
    for tid, eid, count in db.session.execute(
            select(TrainingAttendee.training_id, TrainingAttendee.establishment_id,
                   func.count(TrainingAttendee.id))
            .where(TrainingAttendee.training_id.in_(ids))
            .group_by(TrainingAttendee.training_id, TrainingAttendee.establishment_id)):
        present[(tid, eid)] += count
    for tid, eid, count in db.session.execute(
            select(TrainingGuests.training_id, TrainingGuests.establishment_id,
                   func.sum(TrainingGuests.count))
            .where(TrainingGuests.training_id.in_(ids))
            .group_by(TrainingGuests.training_id, TrainingGuests.establishment_id)):
        present[(tid, eid)] += int(count)
    duration = {row.id: row.duration_minutes for row in trainings}
    per = {eid: {"id": eid, "trainings": 0, "attendees": 0, "person_minutes": 0}
           for eid in establishment_ids(groupement_id)}
    attendees_of: dict[int, int] = defaultdict(int)
    for (tid, eid), count in present.items():
        attendees_of[tid] += count
        row = per.setdefault(eid, {"id": eid, "trainings": 0, "attendees": 0,
                                   "person_minutes": 0})
        row["trainings"] += 1
        row["attendees"] += count
        row["person_minutes"] += count * duration[tid]
    by_topic = {topic: {"topic": str(topic), "label": topic.label, "trainings": 0,
                        "minutes": 0, "attendees": 0, "person_minutes": 0} for topic in Topic}
    listed = []
    for row in trainings:
        count = attendees_of[row.id]
        topic = by_topic[row.topic]
        topic["trainings"] += 1
        topic["minutes"] += row.duration_minutes
        topic["attendees"] += count
        topic["person_minutes"] += count * row.duration_minutes
        listed.append({"id": row.id, "date": row.date.isoformat(), "title": row.title,
                       "topic": str(row.topic), "topic_label": row.topic.label,
                       "duration_minutes": row.duration_minutes, "trainer": row.trainer,
                       "place": row.place, "attendees": count,
                       "person_minutes": count * row.duration_minutes})
    return {
        "year": year,
        "totals": {"trainings": len(listed), "minutes": sum(duration.values()),
                   "attendees": sum(attendees_of.values()),
                   "person_minutes": sum(t["person_minutes"] for t in listed)},
        "by_topic": [t for t in by_topic.values() if t["trainings"]],
        "establishments": list(per.values()),
        "trainings": listed,
    }
