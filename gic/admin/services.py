"""The coordinator manages the groupement's establishments and users."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gic.audit.services import record
from gic.auth.services import check_password_strength
from gic.convention.constants import (
    DEFAULT_CAP_MINUTES,
    DEFAULT_DURATION_YEARS,
    DEFAULT_HOURLY_RATE,
    DEFAULT_THRESHOLD_MINUTES,
)
from gic.errors import InvalidField
from gic.extensions import db
from gic.finess import check_finess
from gic.governance import procedures
from gic.models import (
    ConventionVersion,
    Establishment,
    Groupement,
    MembershipStatus,
    Role,
    User,
)
from gic.policy import authorize

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def _require_coordinator(actor: User) -> None:
    authorize(actor, "admin.manage")


def create_establishment(actor: User, *, name: str, finess: str) -> Establishment:
    """Add an establishment to the coordinator's groupement (FINESS unique there)."""
    _require_coordinator(actor)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidField(gettext("Le nom est obligatoire (200 caractères au plus)."),
                           field="name")
    finess = check_finess(finess)
    exists = db.session.scalar(select(Establishment.id).where(
        Establishment.groupement_id == actor.groupement_id, Establishment.finess == finess))
    if exists:
        raise InvalidField(gettext("Un établissement de ce groupement a déjà ce numéro FINESS."),
                           field="finess", code="duplicate")
    # SPEC §7: once the groupement is set up, a new establishment is a candidate
    # until every member director approves (gic/governance/procedures.py).
    status = procedures.new_establishment_status(actor, finess)
    e = Establishment(groupement_id=actor.groupement_id, name=name, finess=finess, status=status)
    db.session.add(e)
    db.session.flush()
    record(actor, "establishment.create", e,
           after={"name": name, "finess": finess, "status": str(status)}, establishment_id=e.id)
    candidacy = procedures.candidacy_for(actor, e)
    db.session.commit()
    if candidacy is not None:
        procedures.announce(candidacy)
    return e


def create_user(actor: User, *, email: str, name: str, role: str,
                establishment_id: int | None, password: str) -> User:
    """Add a person; technicians and directors belong to an establishment."""
    _require_coordinator(actor)
    return _add_user(actor, actor.groupement_id, email=email, name=name, role=role,
                     establishment_id=establishment_id, password=password)


def create_groupement(name: str, *, start_date: date,
                      duration_years: int = DEFAULT_DURATION_YEARS,
                      threshold_minutes: int = DEFAULT_THRESHOLD_MINUTES,
                      cap_minutes: int = DEFAULT_CAP_MINUTES,
                      hourly_rate: Decimal = DEFAULT_HOURLY_RATE) -> Groupement:
    """A new groupement with the first version of its convention.

    Used by the command line on a fresh install (there is no coordinator yet to act).
    """
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidField(gettext("Le nom est obligatoire (200 caractères au plus)."),
                           field="name")
    if db.session.scalar(select(Groupement.id).where(Groupement.name == name)):
        raise InvalidField(gettext("Un groupement porte déjà ce nom."), field="name",
                           code="duplicate")
    groupement = Groupement(name=name)
    db.session.add(groupement)
    db.session.flush()
    db.session.add(ConventionVersion(
        groupement_id=groupement.id, valid_from=start_date, start_date=start_date,
        duration_years=duration_years, threshold_minutes=threshold_minutes,
        cap_minutes=cap_minutes, hourly_rate=hourly_rate))
    record(None, "groupement.create", groupement, groupement_id=groupement.id,
           after={"name": name, "start_date": start_date.isoformat(),
                  "hourly_rate": str(hourly_rate)})
    db.session.commit()
    return groupement


def create_user_unattended(groupement: Groupement, *, email: str, name: str, role: str,
                           establishment_id: int | None, password: str) -> User:
    """Add a person from the command line (no actor: e.g. a fresh install's first
    coordinator); same checks as :func:`create_user`."""
    return _add_user(None, groupement.id, email=email, name=name, role=role,
                     establishment_id=establishment_id, password=password)


def _add_user(actor: User | None, groupement_id: int, *, email: str, name: str, role: str,
              establishment_id: int | None, password: str) -> User:
    email = (email or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidField(gettext("Adresse e-mail invalide."), field="email")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidField(gettext("Le nom est obligatoire (200 caractères au plus)."),
                           field="name")
    try:
        role_value = Role(role)
    except ValueError:
        raise InvalidField(gettext("Rôle inconnu."), field="role") from None
    establishment = None
    if establishment_id is not None:
        establishment = db.session.get(Establishment, establishment_id)
        if establishment is None or establishment.groupement_id != groupement_id:
            raise InvalidField(gettext("Établissement inconnu dans ce groupement."),
                               field="establishment_id")
    if role_value in (Role.TECHNICIAN, Role.DIRECTOR) and establishment is None:
        raise InvalidField(gettext("Un technicien ou une direction appartient à un "
                                   "établissement."),
                           field="establishment_id")
    check_password_strength(password)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise InvalidField(gettext("Cette adresse e-mail est déjà utilisée."), field="email",
                           code="duplicate")
    user = User(groupement_id=groupement_id, email=email, name=name, role=role_value,
                establishment_id=establishment.id if establishment else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", user,
           after={"email": email, "role": str(role_value),
                  "establishment_id": user.establishment_id},
           establishment_id=user.establishment_id, groupement_id=groupement_id)
    db.session.commit()
    return user


def establishments_of(user: User, *, candidates: bool = False) -> list[Establishment]:
    """The member establishments of the user's groupement, by name (with the
    candidates and those not admitted when ``candidates``)."""
    stmt = select(Establishment).where(Establishment.groupement_id == user.groupement_id)
    if not candidates:
        stmt = stmt.where(Establishment.status == MembershipStatus.MEMBER)
    return list(db.session.scalars(stmt.order_by(Establishment.name)))


def users_of(actor: User) -> list[User]:
    """The people of the coordinator's groupement, by name, with their establishment."""
    _require_coordinator(actor)
    return list(db.session.scalars(
        select(User).where(User.groupement_id == actor.groupement_id)
        .options(selectinload(User.establishment)).order_by(User.name, User.id)))
