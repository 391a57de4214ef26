"""Writing to and reading the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from gic.audit.models import AuditEntry
from gic.enums import N_
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.interventions.permissions import submitted_clause
from gic.models import User
from gic.policy import authorize, can
from gic.standins.models import Standin

# How an action reached the app when it was not the usual page or API call (the
# audit page shows it): « email » for a link of a notification e-mail.
VIA_LABELS = {"email": N_("depuis le lien de l'e-mail")}  # translated when shown
_VIA: ContextVar[str | None] = ContextVar("audit_via", default=None)


@contextmanager
def via(channel: str) -> Iterator[None]:
    """Within the block, every entry recorded notes ``channel`` (a key of
    :data:`VIA_LABELS`) in its ``after``: the services stay as they are, and the
    entry of the step they take says how it was asked for."""
    if channel not in VIA_LABELS:
        raise ValueError(channel)
    token = _VIA.set(channel)
    try:
        yield
    finally:
        _VIA.reset(token)


def record(actor: User | None, action: str, obj: Any, *, before: dict | None = None,
           after: dict | None = None, establishment_id: int | None = None,
           other_establishment_id: int | None = None, reason: str | None = None,
           groupement_id: int | None = None, standin: Standin | None = None) -> AuditEntry:
    """Add an entry to the current transaction: it commits (or not) with the change
    (within :func:`via`, ``after`` also says how the action came).

    ``standin``: the stand-in through which the actor acted for a director
    (:func:`gic.standins.access.acting_for`), shown « par X pour la direction de Y »."""
    if (channel := _VIA.get()) is not None:
        after = {**(after or {}), "via": channel}
    entry = AuditEntry(
        groupement_id=groupement_id or getattr(obj, "groupement_id", None) or actor.groupement_id,
        establishment_id=establishment_id,
        other_establishment_id=other_establishment_id,
        actor_id=actor.id if actor else None,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
        reason=reason,
        standin_id=standin.id if standin is not None else None,
    )
    db.session.add(entry)
    return entry


def steps_of(i: Intervention) -> list[AuditEntry]:
    """The state changes of a request, oldest first, with who made them and, for a
    stand-in, for which direction (the request's page; one query, two for stand-ins)."""
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == "Intervention",
                                 AuditEntry.object_id == i.id,
                                 AuditEntry.groupement_id == i.groupement_id)
        .options(selectinload(AuditEntry.actor), *with_standin())
        .order_by(AuditEntry.at, AuditEntry.id)))


def on_behalf_of(obj: Any) -> dict[int, str]:
    """Who acted on ``obj`` as a stand-in: actor id -> « pour la direction de … »
    (the approvals of a secondment, the ballots of a procedure say it on their page)."""
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == type(obj).__name__,
                                 AuditEntry.object_id == obj.id,
                                 AuditEntry.groupement_id == obj.groupement_id,
                                 AuditEntry.standin_id.is_not(None))
        .options(*with_standin()).order_by(AuditEntry.id))
    return {e.actor_id: e.on_behalf for e in entries}


def with_standin() -> tuple:
    """Loader options of an entry's stand-in, its director and establishment (no N+1)."""
    standin = selectinload(AuditEntry.standin)
    return (standin.selectinload(Standin.director),
            standin.selectinload(Standin.establishment))


def visible_entries(user: User) -> Select:
    """Entries the user may read: all of the groupement for a coordinator, those of
    his establishment for a director; nobody else reads the log.

    A provider's director does not read the entries of a request its beneficiary
    has not activated (a draft is the beneficiary's business, like its page)."""
    stmt = select(AuditEntry).where(AuditEntry.groupement_id == user.groupement_id)
    authorize(user, "audit.read")
    if can(user, "audit.read_all"):
        return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    unsubmitted = select(Intervention.id).where(
        Intervention.id == AuditEntry.object_id, ~submitted_clause()).exists()
    return stmt.where(
        or_(AuditEntry.establishment_id == user.establishment_id,
            and_(AuditEntry.other_establishment_id == user.establishment_id,
                 ~and_(AuditEntry.object_type == "Intervention", unsubmitted)))
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
