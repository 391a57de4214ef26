"""The equipment register (axis 5): record a loan or donation, its return, and
the scheduled alert about loans not returned in time (SPEC §6, §7).

Who: the technicians and directors of the lending (or giving) establishment
record the movement, correct it and record the return; the staff of both
establishments read it; the coordinator reads the whole groupement; accountants
have nothing to do with the register (403). A year closed by the accountant
freezes the movements dated in it (a return can always be recorded).
Each step checks permission and meaning, writes the audit log and commits.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date

from flask_babel import gettext, ngettext
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from gic.audit.services import record
from gic.equipment.models import Category, Movement, MovementKind
from gic.equipment.queries import bilan_section, loans_out_on  # noqa: F401 - public here too
from gic.errors import DomainError, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import long_date
from gic.models import Groupement, User
from gic.notifications.services import directors_of, each_reader, link_for, notify
from gic.per_groupement import for_each_groupement
from gic.policy import authorize, can, refusal_message
from gic.registers import (
    check_day,
    check_years_open,
    clean_text,
    establishment_in,
    member_staff,
    today_of,
)

ITEM_MAX, SERIAL_MAX, CONDITION_MAX, NOTES_MAX = 200, 100, 500, 5000


# --- Reading ----------------------------------------------------------------------

def visible_movements(user: User) -> Select:
    """Movements the user may read, newest first: his establishment's (given or
    received) for its staff, the whole groupement for the coordinator."""
    authorize(user, "equipment.read")
    stmt = select(Movement).where(Movement.groupement_id == user.groupement_id)
    if not can(user, "equipment.read_all"):
        stmt = stmt.where(or_(Movement.from_id == user.establishment_id,
                              Movement.to_id == user.establishment_id))
    return stmt.order_by(Movement.date.desc(), Movement.id.desc())


def with_parties(stmt: Select) -> Select:
    """Eager-load both establishments (lists without one query per row)."""
    return stmt.options(selectinload(Movement.lender), selectinload(Movement.borrower))


def loans_out(user: User) -> Select:
    """Visible loans not returned yet, the most overdue first."""
    return (visible_movements(user)
            .where(Movement.kind == MovementKind.LOAN, Movement.returned_on.is_(None))
            .order_by(None).order_by(Movement.expected_return, Movement.id))


def get_movement(user: User, movement_id: int) -> Movement:
    """A movement the user may read; 404 for another groupement's or establishment's."""
    m = db.session.get(Movement, movement_id)
    if m is None or m.groupement_id != user.groupement_id:
        raise NotFound(gettext("Mouvement de matériel introuvable."))
    authorize(user, "equipment.read")
    if not can(user, "equipment.read_all") and user.establishment_id not in (m.from_id, m.to_id):
        raise NotFound(gettext("Mouvement de matériel introuvable."))
    return m


def is_lender_staff(user: User, m: Movement) -> bool:
    """A technician or director of the establishment the item left."""
    return can(user, "equipment.lend", m)


def allowed_actions(user: User, m: Movement) -> list[str]:
    """What the user may do now on ``m``: "return", "edit", "delete" (for the page)."""
    actions = ["return"] if is_lender_staff(user, m) and m.is_out else []
    try:
        authorize_change(m, user)
    except DomainError:
        return actions
    return actions + ["edit", "delete"]


def overdue_for(user: User) -> list[tuple[Movement, int]]:
    """For a dashboard: the loans of the user's establishment (lent or borrowed)
    past their expected return, with the days late (a fixed number of queries)."""
    if not can(user, "equipment.record"):  # staff of an establishment
        return []
    today = today_of(user.groupement_id)
    stmt = with_parties(loans_out(user).where(Movement.expected_return < today))
    return [(m, m.days_late(today)) for m in db.session.scalars(stmt)]


# --- Recording ----------------------------------------------------------------------

def _checked(groupement_id: int, lender_id: int, *, kind: str, to_id: int | None, item: str,
             category: str, serial_number: str, day: date | None,
             expected_return: date | None, condition_out: str, notes: str) -> dict:
    """The movement's values once every field makes sense (refusal otherwise)."""
    try:
        kind_value = MovementKind(kind)
    except ValueError:
        raise InvalidField(gettext("Choisissez prêt ou don."), field="kind") from None
    to = establishment_in(groupement_id, to_id, "to_id")
    if to.id == lender_id:
        raise InvalidField(gettext("Le matériel va à un autre établissement que le vôtre."),
                           field="to_id")
    try:
        category_value = Category(category)
    except ValueError:
        raise InvalidField(gettext("Choisissez une catégorie de matériel."),
                           field="category") from None
    day = check_day(day, "date", not_after=today_of(groupement_id))
    if kind_value == MovementKind.LOAN:
        if expected_return is None:
            raise InvalidField(gettext("Un prêt a une date de retour prévue."),
                               field="expected_return")
        check_day(expected_return, "expected_return", label=gettext("La date de retour prévue"))
        if expected_return <= day:
            raise InvalidField(gettext("La date de retour prévue doit être après la date du "
                                       "prêt."), field="expected_return")
    elif expected_return is not None:
        raise InvalidField(gettext("Un don est définitif : il n'a pas de date de retour."),
                           field="expected_return")
    return {
        "kind": kind_value, "to_id": to.id, "category": category_value, "date": day,
        "expected_return": expected_return,
        "item": clean_text(item, "item", label=gettext("Le matériel"), max_length=ITEM_MAX,
                           required=True),
        "serial_number": clean_text(serial_number, "serial_number",
                                    label=gettext("Le numéro de série"), max_length=SERIAL_MAX),
        "condition_out": clean_text(condition_out, "condition_out",
                                    label=gettext("L'état au départ"), max_length=CONDITION_MAX),
        "notes": clean_text(notes, "notes", label=gettext("Les notes"), max_length=NOTES_MAX),
    }


def record_movement(actor: User, *, kind: str, to_id: int | None, item: str, category: str,
                    day: date | None, expected_return: date | None = None,
                    serial_number: str = "", condition_out: str = "",
                    notes: str = "") -> Movement:
    """The lending (or giving) establishment's staff records a loan or a donation."""
    lender_id = member_staff(actor, refusal_message("equipment.record"))
    values = _checked(actor.groupement_id, lender_id, kind=kind, to_id=to_id, item=item,
                      category=category, serial_number=serial_number, day=day,
                      expected_return=expected_return, condition_out=condition_out,
                      notes=notes)
    check_years_open(actor.groupement_id, [values["date"]])
    m = Movement(groupement_id=actor.groupement_id, from_id=lender_id,
                 created_by_id=actor.id, **values)
    db.session.add(m)
    db.session.flush()
    record(actor, "equipment.create", m, after=snapshot(m), **_parties(m))
    db.session.commit()
    return m


def authorize_change(m: Movement, actor: User) -> None:
    """Only the lender's staff changes or removes a movement: not a returned loan,
    not in a closed year."""
    authorize(actor, "equipment.lend", m)
    if m.is_loan and m.returned_on is not None:
        raise RuleRefused(gettext("Ce prêt est terminé (matériel rendu) : il ne se modifie "
                                  "plus."), code="wrong_state")
    check_years_open(m.groupement_id, [m.date])


def update_movement(m: Movement, actor: User, *, kind: str, to_id: int | None, item: str,
                    category: str, day: date | None, expected_return: date | None = None,
                    serial_number: str = "", condition_out: str = "",
                    notes: str = "") -> Movement:
    """The lender corrects a movement (not once returned, not in a closed year)."""
    authorize_change(m, actor)
    values = _checked(m.groupement_id, m.from_id, kind=kind, to_id=to_id, item=item,
                      category=category, serial_number=serial_number, day=day,
                      expected_return=expected_return, condition_out=condition_out,
                      notes=notes)
    check_years_open(m.groupement_id, [values["date"]])
    before = snapshot(m)
    for key, value in values.items():
        setattr(m, key, value)
    record(actor, "equipment.update", m, before=before, after=snapshot(m), **_parties(m))
    db.session.commit()
    return m


def delete_movement(m: Movement, actor: User) -> None:
    """The lender removes a movement recorded by mistake (same conditions as a change)."""
    authorize_change(m, actor)
    record(actor, "equipment.delete", m, before=snapshot(m), **_parties(m))
    db.session.delete(m)
    db.session.commit()


def record_return(m: Movement, actor: User, *, returned_on: date | None,
                  condition_back: str = "") -> Movement:
    """The lender records that the loaned item came back, once."""
    authorize(actor, "equipment.record_return", m)
    if not m.is_loan:
        raise RuleRefused(gettext("Un don est définitif : il n'a pas de retour."),
                          code="wrong_state")
    returned_on = check_day(returned_on, "returned_on", label=gettext("La date de retour"),
                            not_after=today_of(m.groupement_id))
    if returned_on < m.date:
        raise InvalidField(gettext("La date de retour ne peut pas précéder la date du prêt."),
                           field="returned_on")
    condition_back = clean_text(condition_back, "condition_back", label=gettext("L'état au retour"),
                                max_length=CONDITION_MAX)
    before = snapshot(m)
    # Conditional UPDATE: of two people recording the same return, one wins.
    done = db.session.execute(
        update(Movement).where(Movement.id == m.id, Movement.returned_on.is_(None))
        .values(returned_on=returned_on, condition_back=condition_back,
                returned_by_id=actor.id).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        db.session.refresh(m)
        raise RuleRefused(gettext("Le retour de ce matériel est déjà enregistré (le %(day)s).",
                                  day=long_date(m.returned_on)), code="wrong_state")
    db.session.refresh(m)
    record(actor, "equipment.return", m, before=before, after=snapshot(m), **_parties(m))
    db.session.commit()
    return m


def snapshot(m: Movement) -> dict:
    """The movement as the audit log keeps it."""
    return {"kind": str(m.kind), "from_id": m.from_id, "to_id": m.to_id, "item": m.item,
            "category": str(m.category), "serial_number": m.serial_number,
            "date": m.date.isoformat(),
            "expected_return": m.expected_return.isoformat() if m.expected_return else None,
            "returned_on": m.returned_on.isoformat() if m.returned_on else None,
            "condition_out": m.condition_out, "condition_back": m.condition_back,
            "notes": m.notes}


def _parties(m: Movement) -> dict:
    return {"establishment_id": m.from_id, "other_establishment_id": m.to_id,
            "groupement_id": m.groupement_id}


# --- Scheduled job ------------------------------------------------------------------

def job_overdue_returns(today: date) -> dict[str, int]:
    """Tell the directors of the lender and of the borrower about each loan past its
    expected return: once per loan and expected date (a new date set by the
    lender starts a new alert). Returns the counts of the run (notifications sent)."""
    return for_each_groupement(_overdue_returns_of, today)


def _overdue_returns_of(groupement: Groupement, today: date) -> int:
    loans = list(db.session.scalars(with_parties(
        select(Movement).where(Movement.groupement_id == groupement.id,
                               Movement.kind == MovementKind.LOAN,
                               Movement.returned_on.is_(None),
                               Movement.expected_return < today)
        .order_by(Movement.expected_return, Movement.id))))
    if not loans:
        return 0
    directors: dict[int, list[User]] = defaultdict(list)
    involved = {m.from_id for m in loans} | {m.to_id for m in loans}
    for director in directors_of(groupement.id, involved):
        directors[director.establishment_id].append(director)
    sent = 0
    for m in loans:
        subject, body = each_reader(functools.partial(_overdue_message, m, m.days_late(today)))
        sent += len(notify(
            directors[m.from_id] + directors[m.to_id], kind="equipment_overdue",
            key=f"equipment-overdue:{m.id}:{m.expected_return.isoformat()}",
            subject=subject, body=body, link=link_for("equipment.detail", movement_id=m.id)))
    return sent


def _overdue_message(m: Movement, late: int) -> tuple[str, str]:
    """Subject and body of the alert about a loan not returned, in the current language."""
    values = {"lender": m.lender.name, "item": m.item, "serial": m.serial_number,
              "category": m.category.label.lower(), "borrower": m.borrower.name,
              "day": long_date(m.date), "expected": long_date(m.expected_return)}
    if m.serial_number:
        lent = gettext("%(lender)s a prêté « %(item)s » (n° de série %(serial)s) (%(category)s) "
                       "à l'établissement %(borrower)s le %(day)s, avec un retour prévu le "
                       "%(expected)s.", **values)
    else:
        lent = gettext("%(lender)s a prêté « %(item)s » (%(category)s) à l'établissement "
                       "%(borrower)s le %(day)s, avec un retour prévu le %(expected)s.", **values)
    late_text = ngettext("Le matériel n'est pas rendu : %(num)s jour de retard. Quand il revient, "
                         "l'établissement prêteur enregistre le retour dans le registre.",
                         "Le matériel n'est pas rendu : %(num)s jours de retard. Quand il "
                         "revient, l'établissement prêteur enregistre le retour dans le "
                         "registre.", late)
    return (ngettext("Matériel non rendu : %(item)s (%(num)s jour de retard)",
                     "Matériel non rendu : %(item)s (%(num)s jours de retard)",
                     late, item=m.item),
            f"{lent}\n{late_text}")
