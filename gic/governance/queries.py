"""Reading the procedures decided by unanimity: who follows them, one procedure
with its ballots, the list's tallies, where the renewal stands, and the votes a
director's dashboard shows. Read-only, a fixed number of queries each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.errors import NotFound
from gic.extensions import db
from gic.governance.models import Ballot, Procedure, ProcedureKind, ProcedureStatus
from gic.governance.periods import convention_end, next_period_end
from gic.models import User
from gic.policy import authorize, can

RENEWAL_EARLIEST_DAYS = 365  # a renewal is put to the vote in the period's last year


def can_read(user: User) -> bool:
    """The coordinator and the directors of member establishments (or their stand-ins
    in force) follow the procedures (the sub-navigation asks too)."""
    return can(user, "governance.follow")


def visible_procedures(user: User) -> Select:
    """The groupement's procedures, newest first (:class:`Forbidden` for other roles)."""
    authorize(user, "governance.follow")
    return (select(Procedure).where(Procedure.groupement_id == user.groupement_id)
            .order_by(Procedure.opened_at.desc(), Procedure.id.desc()))


def get_procedure(user: User, procedure_id: int) -> Procedure:
    """One procedure with its ballots; another groupement's is :class:`NotFound`."""
    procedure = db.session.scalars(
        select(Procedure).where(Procedure.id == procedure_id,
                                Procedure.groupement_id == user.groupement_id)
        .options(selectinload(Procedure.ballots).selectinload(Ballot.establishment),
                 selectinload(Procedure.ballots).selectinload(Ballot.user))).first()
    if procedure is None:
        raise NotFound(gettext("Procédure introuvable."))
    visible_procedures(user)  # the role check
    return procedure


def tallies(procedure_ids: list[int]) -> dict[int, dict[str, int]]:
    """Votes for, against and awaited per procedure (one grouped query)."""
    result = {pid: {"for": 0, "against": 0, "waiting": 0} for pid in procedure_ids}
    if not procedure_ids:
        return result
    for pid, choice, n in db.session.execute(
            select(Ballot.procedure_id, Ballot.choice, func.count(Ballot.id))
            .where(Ballot.procedure_id.in_(procedure_ids))
            .group_by(Ballot.procedure_id, Ballot.choice)):
        result[pid][choice or "waiting"] = n
    return result


def renewal_target(procedure: Procedure) -> date | None:
    """The end a renewal gives (or would give, while open) to the convention."""
    if procedure.kind != ProcedureKind.RENEWAL or procedure.period_end is None:
        return None
    return procedure.new_period_end or next_period_end(procedure.groupement,
                                                       procedure.period_end)


@dataclass(frozen=True)
class RenewalState:
    """Where the convention stands, for the renewal form."""

    end: date
    today: date
    opens_on: date
    open_procedure_id: int | None

    @property
    def lapsed(self) -> bool:
        return self.end < self.today


def renewal_state(user: User, today: date | None = None) -> RenewalState:
    """The convention's end, from when a renewal may be opened, one open already?"""
    groupement = user.groupement
    end = convention_end(groupement)
    open_id = db.session.scalar(select(Procedure.id).where(
        Procedure.groupement_id == groupement.id, Procedure.kind == ProcedureKind.RENEWAL,
        Procedure.status == ProcedureStatus.OPEN))
    return RenewalState(end, today or timeutil.local_today(groupement.timezone),
                        end - timedelta(days=RENEWAL_EARLIEST_DAYS), open_id)


def awaiting_votes(user: User) -> list[Procedure]:
    """Open procedures where the director's establishment has not voted yet (one query)."""
    if not can(user, "governance.vote"):
        return []
    return list(db.session.scalars(
        select(Procedure).join(Ballot, Ballot.procedure_id == Procedure.id)
        .where(Procedure.groupement_id == user.groupement_id,
               Procedure.status == ProcedureStatus.OPEN,
               Ballot.establishment_id == user.establishment_id, Ballot.choice.is_(None))
        .order_by(Procedure.opened_at, Procedure.id)))
