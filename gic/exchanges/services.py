"""Exchanges and advice (axis 1): a light, free-of-charge log of advice given.

Who: a technician or director logs the advice he gave himself (the giver is
always the logged-in person, his establishment the giver's); the coordinator
reads the whole groupement but logs nothing on anyone's behalf. The staff of
the giving and receiving establishments read the exchange. Its author may
correct or remove it while the year of its date is not closed. Exchanges are
never billed and never count toward the annual cap: they have no link with
interventions or their sessions.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from gic.audit.services import record
from gic.convention import years
from gic.errors import DomainError, Forbidden, InvalidField, NotFound
from gic.exchanges.models import Exchange
from gic.extensions import db
from gic.models import User
from gic.policy import authorize, can, refusal_message
from gic.registers import (
    check_day,
    check_years_open,
    clean_text,
    establishment_ids,
    establishment_in,
    member_staff,
    minutes_in,
    today_of,
)

AUTHOR_REFUSAL = lazy_gettext("Seul l'auteur de cet échange le modifie ou le supprime.")
MAX_MINUTES = 12 * 60
TOPIC_MAX, NOTES_MAX = 200, 2000


# --- Reading ----------------------------------------------------------------------

def visible_exchanges(user: User) -> Select:
    """Exchanges the user may read, newest first: those his establishment gave or
    received for its staff, the whole groupement for the coordinator."""
    authorize(user, "exchange.read")
    stmt = select(Exchange).where(Exchange.groupement_id == user.groupement_id)
    if not can(user, "exchange.read_all"):
        stmt = stmt.where(or_(Exchange.giver_establishment_id == user.establishment_id,
                              Exchange.recipient_id == user.establishment_id))
    return stmt.order_by(Exchange.date.desc(), Exchange.id.desc())


def with_parties(stmt: Select) -> Select:
    """Eager-load the giver and both establishments."""
    return stmt.options(selectinload(Exchange.giver),
                        selectinload(Exchange.giver_establishment),
                        selectinload(Exchange.recipient))


def get_exchange(user: User, exchange_id: int) -> Exchange:
    """An exchange the user may read; 404 for another groupement's or establishment's."""
    e = db.session.get(Exchange, exchange_id)
    if e is None or e.groupement_id != user.groupement_id:
        raise NotFound(gettext("Échange introuvable."))
    authorize(user, "exchange.read")
    if not can(user, "exchange.read_all") and user.establishment_id not in (
            e.giver_establishment_id, e.recipient_id):
        raise NotFound(gettext("Échange introuvable."))
    return e


def authorize_change(e: Exchange, actor: User) -> None:
    """Only the author, and never in a closed year."""
    if actor.id != e.giver_id:
        raise Forbidden(AUTHOR_REFUSAL)
    check_years_open(e.groupement_id, [e.date])


def can_change(user: User, e: Exchange) -> bool:
    """Whether the page offers to correct or remove ``e``."""
    try:
        authorize_change(e, user)
    except DomainError:
        return False
    return True


def editable_ids(user: User, exchanges: list[Exchange]) -> set[int]:
    """Which of ``exchanges`` the user may correct or remove (one query for a page)."""
    closed = years.closed_years(user.groupement_id)
    return {e.id for e in exchanges if e.giver_id == user.id and e.date.year not in closed}


# --- Recording ----------------------------------------------------------------------

def _checked(actor: User, *, recipient_id: int | None, day: date | None, topic: str,
             minutes: int | None, notes: str) -> dict[str, Any]:
    recipient = establishment_in(actor.groupement_id, recipient_id, "recipient_id")
    if recipient.id == actor.establishment_id:
        raise InvalidField(gettext("Le conseil est donné à un autre établissement que le "
                                   "vôtre."),
                           field="recipient_id")
    day = check_day(day, "date", not_after=today_of(actor.groupement_id))
    check_years_open(actor.groupement_id, [day])
    return {
        "recipient_id": recipient.id, "date": day,
        "topic": clean_text(topic, "topic", label=gettext("Le sujet"), max_length=TOPIC_MAX,
                            required=True),
        "minutes": minutes_in(minutes, "minutes", label=gettext("La durée"), maximum=MAX_MINUTES),
        "notes": clean_text(notes, "notes", label=gettext("Les notes"), max_length=NOTES_MAX),
    }


def log_exchange(actor: User, *, recipient_id: int | None, day: date | None, topic: str,
                 minutes: int | None, notes: str = "") -> Exchange:
    """A technician or director notes advice he gave to another establishment."""
    giver_establishment = member_staff(actor, refusal_message("exchange.log"))
    values = _checked(actor, recipient_id=recipient_id, day=day, topic=topic, minutes=minutes,
                      notes=notes)
    e = Exchange(groupement_id=actor.groupement_id, giver_id=actor.id,
                 giver_establishment_id=giver_establishment, **values)
    db.session.add(e)
    db.session.flush()
    record(actor, "exchange.create", e, after=snapshot(e), **_parties(e))
    db.session.commit()
    return e


def update_exchange(e: Exchange, actor: User, *, recipient_id: int | None, day: date | None,
                    topic: str, minutes: int | None, notes: str = "") -> Exchange:
    """The author corrects his exchange (not in a closed year)."""
    authorize_change(e, actor)
    values = _checked(actor, recipient_id=recipient_id, day=day, topic=topic, minutes=minutes,
                      notes=notes)
    if e.giver_establishment_id == values["recipient_id"]:  # he changed establishment since
        raise InvalidField(gettext("Le conseil est donné à un autre établissement que celui "
                                   "qui le donne."), field="recipient_id")
    before = snapshot(e)
    for key, value in values.items():
        setattr(e, key, value)
    record(actor, "exchange.update", e, before=before, after=snapshot(e), **_parties(e))
    db.session.commit()
    return e


def delete_exchange(e: Exchange, actor: User) -> None:
    """The author removes his exchange (not in a closed year)."""
    authorize_change(e, actor)
    record(actor, "exchange.delete", e, before=snapshot(e), **_parties(e))
    db.session.delete(e)
    db.session.commit()


def snapshot(e: Exchange) -> dict[str, Any]:
    """The exchange as the audit log keeps it."""
    return {"date": e.date.isoformat(), "giver_id": e.giver_id,
            "giver_establishment_id": e.giver_establishment_id,
            "recipient_id": e.recipient_id, "topic": e.topic, "minutes": e.minutes,
            "notes": e.notes}


def _parties(e: Exchange) -> dict:
    return {"establishment_id": e.giver_establishment_id,
            "other_establishment_id": e.recipient_id, "groupement_id": e.groupement_id}


# --- Bilan --------------------------------------------------------------------------

def bilan_section(groupement_id: int, year: int) -> dict[str, Any]:
    """Exchanges and advice of ``year`` (two queries): count and minutes for the
    groupement, given and received per establishment, and per pair giver ->
    recipient. Free of charge: never billed, never in the cap."""
    per = {eid: {"id": eid, "given": 0, "given_minutes": 0, "received": 0,
                 "received_minutes": 0} for eid in establishment_ids(groupement_id)}
    pairs = []
    for giver, recipient, count, minutes in db.session.execute(
            select(Exchange.giver_establishment_id, Exchange.recipient_id,
                   func.count(Exchange.id), func.sum(Exchange.minutes))
            .where(Exchange.groupement_id == groupement_id,
                   Exchange.date >= date(year, 1, 1), Exchange.date <= date(year, 12, 31))
            .group_by(Exchange.giver_establishment_id, Exchange.recipient_id)
            .order_by(Exchange.giver_establishment_id, Exchange.recipient_id)):
        minutes = int(minutes or 0)
        pairs.append({"giver_id": giver, "recipient_id": recipient, "exchanges": count,
                      "minutes": minutes})
        for eid, side in ((giver, "given"), (recipient, "received")):
            row = per.setdefault(eid, {"id": eid, "given": 0, "given_minutes": 0,
                                       "received": 0, "received_minutes": 0})
            row[side] += count
            row[f"{side}_minutes"] += minutes
    return {
        "year": year,
        "totals": {"exchanges": sum(p["exchanges"] for p in pairs),
                   "minutes": sum(p["minutes"] for p in pairs)},
        "establishments": list(per.values()),
        "pairs": pairs,
    }
