"""Who may read or change an establishment's technical file (SPEC §7), and the read log.

- The establishment's own staff (anyone whose establishment it is: technicians,
  director, and a coordinator or accountant attached to it) read the file, its
  history and its attachments; its director and technicians change it; its
  director reads the read log and may erase a past version's text.
- Another establishment's technician reads the current file and its attachments
  only while an intervention assigned to him, whose beneficiary is this
  establishment, is accepted. Nothing is stored: the access is computed at each
  request, so it ends by itself when the intervention is completed, validated
  or cancelled.
- Anyone else of the groupement: 403 with the reason (the file exists, its
  content is confidential); another groupement: 404.

Every read goes through :func:`log_read`, with the intervention that opened it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from gic.errors import Forbidden, NotFound
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.models import Establishment, User
from gic.policy import can
from gic.techfiles.models import ReadKind, TechFileAttachment, TechFileRead

# The one state in which an intervention opens the beneficiary's file to its technician.
OPEN_STATE = State.ACCEPTED


@dataclass(frozen=True)
class Access:
    """What one user may do with one establishment's file, right now."""

    read: bool = False
    edit: bool = False
    staff: bool = False  # the establishment's own people (history included)
    director: bool = False  # its director: read log, erasing a past version
    via: Intervention | None = None  # the intervention that opens it to a visitor


def opens_file(user: User, i: Intervention) -> bool:
    """Does intervention ``i`` open its beneficiary's file to ``user`` now?
    (the Python twin of :func:`granting_interventions`)"""
    return (i.groupement_id == user.groupement_id and i.technician_id == user.id
            and i.state == OPEN_STATE and i.beneficiary_id != user.establishment_id
            and can(user, "techfile.visit") and i.provider_id == user.establishment_id)


def granting_interventions(user: User) -> Select:
    """Accepted interventions assigned to ``user`` for another establishment, newest first."""
    if not can(user, "techfile.visit") or user.establishment_id is None:
        return select(Intervention).where(false())
    stmt = select(Intervention).where(Intervention.groupement_id == user.groupement_id,
                                      Intervention.technician_id == user.id,
                                      Intervention.provider_id == user.establishment_id,
                                      Intervention.state == OPEN_STATE)
    if user.establishment_id is not None:
        stmt = stmt.where(Intervention.beneficiary_id != user.establishment_id)
    return stmt.order_by(Intervention.id.desc())


def access_to(user: User, establishment: Establishment) -> Access:
    """The access of ``user`` to ``establishment``'s file (same groupement assumed)."""
    if user.establishment_id == establishment.id:
        return Access(read=True, edit=can(user, "techfile.edit", establishment), staff=True,
                      director=can(user, "techfile.read_log", establishment))
    via = db.session.scalars(granting_interventions(user).where(
        Intervention.beneficiary_id == establishment.id).limit(1)).first()
    return Access(read=via is not None, via=via)


def _refusal(need: str, establishment: Establishment, access: Access) -> str | None:
    name = establishment.name
    if not access.read:
        return gettext("Le dossier technique de l'établissement %(name)s est confidentiel : "
                       "il est réservé à son personnel et, pendant une intervention acceptée, "
                       "au technicien qui y est affecté.", name=name)
    if need == "edit" and not access.edit:
        return gettext("Seuls la direction et les techniciens de l'établissement %(name)s "
                       "modifient son dossier technique ; vous le consultez en lecture seule.",
                       name=name)
    if need == "history" and not access.staff:
        return gettext("L'historique du dossier technique est réservé au personnel de "
                       "l'établissement %(name)s.", name=name)
    if need == "director" and not access.director:
        return gettext("Cette page est réservée à la direction de l'établissement %(name)s.",
                       name=name)
    return None


def get_file(user: User, establishment_id: int, need: str = "read") -> tuple[Establishment,
                                                                             Access]:
    """The establishment and the user's access, when he may do ``need`` (``read``,
    ``edit``, ``history``, ``director``); 404 outside his groupement, 403 inside."""
    establishment = db.session.get(Establishment, establishment_id)
    if establishment is None or establishment.groupement_id != user.groupement_id:
        raise NotFound(gettext("Établissement introuvable."))
    access = access_to(user, establishment)
    message = _refusal(need, establishment, access)
    if message:
        raise Forbidden(message)
    return establishment, access


def log_read(user: User, establishment: Establishment, access: Access, kind: ReadKind, *,
             section_kind: str | None = None, version: int | None = None,
             attachment: TechFileAttachment | None = None) -> TechFileRead:
    """Write one read of the file to the read log (committed at once)."""
    entry = TechFileRead(groupement_id=establishment.groupement_id,
                         establishment_id=establishment.id, reader_id=user.id, kind=kind,
                         section_kind=section_kind, version=version,
                         attachment_id=attachment.id if attachment else None,
                         intervention_id=access.via.id if access.via else None)
    db.session.add(entry)
    db.session.commit()
    return entry


def read_log(user: User, establishment_id: int) -> tuple[Establishment, Select]:
    """The reads of a file, newest first, for its director only."""
    establishment, _ = get_file(user, establishment_id, "director")
    stmt = (select(TechFileRead).where(TechFileRead.establishment_id == establishment.id)
            .options(selectinload(TechFileRead.reader).selectinload(User.establishment),
                     selectinload(TechFileRead.attachment))
            .order_by(TechFileRead.at.desc(), TechFileRead.id.desc()))
    return establishment, stmt
