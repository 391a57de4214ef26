"""The life of a user account after its creation: the coordinator edits it,
deactivates and reactivates it, sends a password reset link (web and API); the
command line deactivates an account in an emergency.

Scope: a coordinator manages the people of his own groupement only (anyone else
is :class:`NotFound`, like an unknown id). A coordinator cannot deactivate
himself, and the groupement always keeps an active coordinator.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext
from sqlalchemy import func, select, update

from gic.admin.services import _require_coordinator
from gic.audit.services import record
from gic.auth.services import revoke_all_tokens
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.models import Establishment, Groupement, Role, User

UNSET = object()  # a field the caller does not change (API PATCH)


def user_in_scope(actor: User, user_id: int) -> User:
    """A person of the coordinator's groupement (403 for other roles, 404 outside)."""
    _require_coordinator(actor)
    user = db.session.get(User, user_id)
    if user is None or user.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Utilisateur introuvable."))
    return user


def _snapshot(user: User) -> dict:
    return {"email": user.email, "name": user.name, "role": str(user.role),
            "establishment_id": user.establishment_id, "active": user.active}


def _other_active_coordinators(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(
        User.groupement_id == user.groupement_id, User.role == Role.COORDINATOR,
        User.active.is_(True), User.id != user.id)) or 0


def _keep_a_coordinator(user: User, message: str) -> None:
    """Refuse to take away the groupement's last active coordinator. Two coordinators
    removing each other at once must not both pass: the groupement's row is locked
    first (the transaction's first write: on PostgreSQL a row lock until commit, on
    SQLite the write lock), so the second counts after the first has committed."""
    if user.role != Role.COORDINATOR or not user.active:
        return
    db.session.execute(update(Groupement).where(Groupement.id == user.groupement_id)
                       .values(id=Groupement.id).execution_options(synchronize_session=False))
    if not _other_active_coordinators(user):
        raise RuleRefused(message, code="last_coordinator")


def _check_no_open_assignment(technician: User) -> None:
    """A technician with requests in progress keeps his establishment and role: only
    the assigned technician logs time and completes, and he could no longer open them."""
    from gic.interventions.models import Intervention, State  # areas import admin

    open_ids = list(db.session.scalars(select(Intervention.id).where(
        Intervention.technician_id == technician.id, Intervention.state == State.ACCEPTED)
        .order_by(Intervention.id)))
    if open_ids:
        numbers = ", ".join(f"n° {n}" for n in open_ids)
        raise RuleRefused(gettext(
            "%(name)s a des interventions en cours (%(numbers)s) : qu'elles soient terminées "
            "ou annulées avant de changer son établissement ou son rôle.",
            name=technician.name, numbers=numbers), code="open_assignments")


def update_user(actor: User, user: User, *, name=UNSET, role=UNSET,
                establishment_id=UNSET, active=UNSET) -> User:
    """Change a person's name, role, establishment and/or active state (fields left
    ``UNSET`` keep their value); checks everything before changing anything;
    audited; commits."""
    _require_coordinator(actor)
    if user.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Utilisateur introuvable."))
    before = _snapshot(user)
    new_name = user.name if name is UNSET else (name or "").strip()
    if not new_name or len(new_name) > 200:
        raise InvalidField(gettext("Le nom est obligatoire (200 caractères au plus)."),
                           field="name")
    new_role = user.role
    if role is not UNSET:
        try:
            new_role = Role(role)
        except ValueError:
            raise InvalidField(gettext("Rôle inconnu."), field="role") from None
    new_establishment = user.establishment_id
    if establishment_id is not UNSET:
        new_establishment = establishment_id
        if establishment_id is not None:
            e = db.session.get(Establishment, establishment_id)
            if e is None or e.groupement_id != user.groupement_id:
                raise InvalidField(gettext("Établissement inconnu dans ce groupement."),
                                   field="establishment_id")
    if new_role in (Role.TECHNICIAN, Role.DIRECTOR) and new_establishment is None:
        raise InvalidField(gettext("Un technicien ou une direction appartient à un "
                                   "établissement."),
                           field="establishment_id")
    if user.role == Role.TECHNICIAN and (new_role != Role.TECHNICIAN
                                         or new_establishment != user.establishment_id):
        _check_no_open_assignment(user)
    if new_role != Role.COORDINATOR:
        _keep_a_coordinator(user, gettext("Le groupement doit garder au moins un coordinateur "
                                          "actif : nommez-en un autre avant de changer ce "
                                          "rôle."))
    if active is not UNSET and not active and user.active:
        _check_deactivation(actor, user)
    user.name, user.role, user.establishment_id = new_name, new_role, new_establishment
    revoked = 0
    if active is not UNSET and bool(active) != user.active:
        revoked = _set_active(user, bool(active))
    after = _snapshot(user)
    if after != before:
        action = "user.update"
        if before["active"] != after["active"]:
            action = "user.deactivate" if before["active"] else "user.reactivate"
        changed = [k for k in after if after[k] != before[k]]
        record(actor, action, user, before={k: before[k] for k in changed} | {"email": user.email},
               after={k: after[k] for k in changed} | {"email": user.email}
               | ({"revoked_tokens": revoked} if revoked else {}),
               establishment_id=user.establishment_id or before["establishment_id"])
    db.session.commit()
    return user


def _check_deactivation(actor: User | None, user: User) -> None:
    if actor is not None and actor.id == user.id:
        raise RuleRefused(gettext("Vous ne pouvez pas désactiver votre propre compte."),
                          code="self_deactivation")
    _keep_a_coordinator(user, gettext("C'est le dernier coordinateur actif du groupement : "
                                      "nommez-en un autre avant de le désactiver."))


def _set_active(user: User, active: bool) -> int:
    """Deactivation ends every web session and revokes every API token (returns how
    many); reactivation brings none of them back."""
    user.active = active
    if active:
        return 0
    user.session_token = secrets.token_hex(16)  # the user loader refuses old sessions
    return revoke_all_tokens(user)


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate or reactivate (no change if already so)."""
    return update_user(actor, user, active=active)


def deactivate_unattended(user: User) -> int:
    """Deactivate from the command line (no actor; the groupement keeps an active
    coordinator); returns the number of tokens revoked. Commits."""
    if not user.active:
        return 0
    _check_deactivation(None, user)
    revoked = _set_active(user, False)
    record(None, "user.deactivate", user, before={"email": user.email, "active": True},
           after={"email": user.email, "active": False, "revoked_tokens": revoked},
           establishment_id=user.establishment_id)
    db.session.commit()
    return revoked


def send_reset_link(actor: User, user: User) -> None:
    """The coordinator e-mails a person a link to choose a new password."""
    _require_coordinator(actor)
    if user.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Utilisateur introuvable."))
    if not user.active:
        raise RuleRefused(gettext("Ce compte est désactivé : réactivez-le d'abord."),
                          code="inactive_user")
    from gic.auth.passwords import send_reset_link as send
    send(user, by=actor)
