"""Who may do what to an intervention (SPEC §1, §3): role and scope, not state.

``RULES`` is the area's table (:mod:`gic.policy` reads it as ``intervention.<action>``):
services call ``gic.policy.authorize`` before acting; pages call :func:`next_actions`
to show only the buttons that would work. State checks live in
:data:`gic.interventions.models.TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, and_, or_

from gic.interventions.models import (
    REFERENCE_STATES,
    SESSION_STATES,
    TRANSITIONS,
    Intervention,
    State,
)
from gic.models import User
from gic.roles import is_staff, is_technician, reads_groupement
from gic.standins.access import acting_for, directs
from gic.standins.models import Standin


def _same_groupement(user: User, i: Intervention) -> bool:
    return user.groupement_id == i.groupement_id


DRAFT_REFUSAL = lazy_gettext("Seuls les techniciens et directions d'un établissement rédigent "
                             "des demandes d'intervention.")


def can_draft(user: User) -> bool:
    """Technicians and directors of an establishment draft requests for it."""
    return is_staff(user)


# A draft is the beneficiary's business (SPEC §3: « à la seule initiative de la
# direction de chaque établissement »): the provider learns of a request when its
# beneficiary's director activates it. A draft cancelled before that never reaches it.
UNSUBMITTED_STATES = (State.DRAFT, State.CANCELLED)


def submitted(i: Intervention) -> bool:
    """True once the beneficiary's director has activated the request."""
    return i.activated_at is not None or i.state not in UNSUBMITTED_STATES


def submitted_clause() -> ColumnElement[bool]:
    """The SQL twin of :func:`submitted`."""
    return or_(Intervention.activated_at.is_not(None),
               Intervention.state.not_in(UNSUBMITTED_STATES))


def can_view(user: User, i: Intervention) -> bool:
    """Coordinators and accountants see the groupement; others their establishment's,
    the provider's people only once the request was activated."""
    if not _same_groupement(user, i):
        return False
    if reads_groupement(user):
        return True
    if user.establishment_id is None:
        return False
    if user.establishment_id == i.beneficiary_id:
        return True
    return user.establishment_id == i.provider_id and submitted(i)


def visible_clause(user: User) -> ColumnElement[bool]:
    """The SQL twin of :func:`can_view` (lists, dashboards, the API)."""
    in_groupement = Intervention.groupement_id == user.groupement_id
    if reads_groupement(user):
        return in_groupement
    return and_(in_groupement, or_(
        Intervention.beneficiary_id == user.establishment_id,
        and_(Intervention.provider_id == user.establishment_id, submitted_clause())))


def _beneficiary_director(user: User, i: Intervention) -> bool:
    """The beneficiary's director, or his stand-in in force (:func:`directs`)."""
    return _same_groupement(user, i) and directs(user, i.beneficiary_id)


def _provider_director(user: User, i: Intervention) -> bool:
    """The provider's director, or his stand-in in force (:func:`directs`)."""
    return _same_groupement(user, i) and directs(user, i.provider_id)


def _assigned_technician(user: User, i: Intervention) -> bool:
    """The technician assigned to ``i``, while he is still one of the provider's."""
    return (_same_groupement(user, i) and i.technician_id is not None
            and user.id == i.technician_id and is_technician(user)
            and user.establishment_id == i.provider_id)


def _beneficiary_staff(user: User, i: Intervention) -> bool:
    """A technician or the director of the beneficiary establishment."""
    return (_same_groupement(user, i) and is_staff(user)
            and user.establishment_id == i.beneficiary_id)


REFERENCE_REFUSAL = lazy_gettext("Seuls les techniciens et la direction de l'établissement "
                                 "bénéficiaire donnent sa référence interne.")


def can_set_reference(user: User, i: Intervention) -> bool:
    """The beneficiary's staff may give its reference now (the page shows the form)."""
    return _beneficiary_staff(user, i) and i.state in REFERENCE_STATES


def _can_cancel(user: User, i: Intervention) -> bool:
    if _beneficiary_director(user, i):
        return True
    return i.state == State.DRAFT and user.id == i.created_by_id


# The workflow's steps, in order (:func:`next_actions` offers them as buttons).
WORKFLOW: dict[str, tuple[Callable[[User, Intervention], bool], str]] = {
    "activate": (_beneficiary_director,
                 lazy_gettext("Seule la direction de l'établissement bénéficiaire peut activer "
                              "une demande (« à la seule initiative de la direction de chaque "
                              "établissement »).")),
    "accept": (_provider_director,
               lazy_gettext("Seule la direction de l'établissement prestataire peut accepter "
                            "une demande.")),
    "decline": (_provider_director,
                lazy_gettext("Seule la direction de l'établissement prestataire peut refuser "
                             "une demande.")),
    "cancel": (_can_cancel,
               lazy_gettext("Seule la direction de l'établissement bénéficiaire (ou l'auteur "
                            "d'un brouillon) peut annuler une demande.")),
    "complete": (_assigned_technician,
                 lazy_gettext("Seul le technicien affecté peut terminer l'intervention.")),
    "validate": (_beneficiary_director,
                 lazy_gettext("Seule la direction de l'établissement bénéficiaire peut valider "
                              "les heures.")),
    "log_session": (_assigned_technician,
                    lazy_gettext("Seul le technicien affecté à l'intervention peut saisir du "
                                 "temps passé.")),
}


# Every rule of the area, the workflow's and the others: what :mod:`gic.policy` reads
# as ``intervention.<action>``.
RULES = {
    **WORKFLOW,
    "draft": (lambda user, _obj=None: can_draft(user), DRAFT_REFUSAL),
    "view": (can_view, lazy_gettext("Cette demande d'intervention ne vous concerne pas.")),
    "set_reference": (_beneficiary_staff, REFERENCE_REFUSAL),
    # The offline outbox of sessions (static/offline.js) is loaded for technicians.
    "work_offline": (is_technician, lazy_gettext("Seuls les techniciens saisissent du temps hors ligne.")),
}


# The establishment whose direction an action belongs to: the audit log says
# « pour la direction de … » when a stand-in does it (:func:`on_behalf`).
DIRECTED_BY = {"activate": "beneficiary_id", "cancel": "beneficiary_id",
               "validate": "beneficiary_id", "accept": "provider_id", "decline": "provider_id"}


def on_behalf(action: str, user: User, i: Intervention) -> Standin | None:
    """The stand-in through which ``user`` does ``action`` on ``i`` (None when he does
    it in his own name: a director, or the drafter cancelling his draft)."""
    field = DIRECTED_BY.get(action)
    if field is None or not _same_groupement(user, i):
        return None
    if action == "cancel" and i.state == State.DRAFT and user.id == i.created_by_id:
        return None
    return acting_for(user, getattr(i, field))


def next_actions(user: User, i: Intervention) -> list[str]:
    """Actions the user may take now, in workflow order (for buttons)."""
    actions = []
    for action, (allowed, _) in WORKFLOW.items():
        if not allowed(user, i):
            continue
        if action == "log_session":
            if i.state in SESSION_STATES:
                actions.append(action)
            continue
        if i.state in TRANSITIONS[action][0]:
            # Work done is never erased; a report needs time logged first.
            if action == "cancel" and i.sessions:
                continue
            if action == "complete" and not i.sessions:
                continue
            actions.append(action)
    return actions
