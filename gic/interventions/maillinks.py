"""Act on a request from the e-mail that asks for it, safely (issue 13, item 2).

A notice that asks someone to act carries one link per action, made for that
person: a token signed with ``SECRET_KEY`` (itsdangerous, a salt of its own) that
names the user, the request, the action, the state the request was in and a
« stamp » of the request and the address as they were when the e-mail left. The
link opens a confirmation page: GET and HEAD change nothing (mail scanners fetch,
and even follow, links; next-auth#1840, FusionAuth#629); only the page's POST, with
its CSRF token, acts, through the same services as the web page with the link's
user as actor, so the permission is the one of the moment the link is used.

A link works once: every action it can take moves the request to another state,
no state ever comes back, and the stamp changes with any change of the request,
so once one link of a step is used every link of that step is dead (a used-token
table would add nothing). It expires after ``EMAIL_ACTION_HOURS``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, gettext, lazy_gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.errors import DomainError, Forbidden
from gic.extensions import db
from gic.formatting import long_datetime
from gic.interventions.models import Intervention
from gic.models import Groupement, User
from gic.policy import authorize

SALT = "gic-email-action"
# The actions an e-mail may carry, in the order its buttons come.
ACTIONS = ("activate", "accept", "validate", "decline")

# What the step of an audit entry did, for « Cette demande a déjà été … ».
DONE = {"intervention.activate": lazy_gettext("activée"),
        "intervention.accept": lazy_gettext("acceptée"),
        "intervention.decline": lazy_gettext("refusée"),
        "intervention.cancel": lazy_gettext("annulée"),
        "intervention.complete": lazy_gettext("terminée"),
        "intervention.validate": lazy_gettext("validée")}


class LinkRefused(DomainError):
    """The link cannot be used: altered, expired, used, someone else's, or its
    person may no longer act. ``status``: 400 altered, 403 not his, 410 gone."""

    status = 410
    code = "link_refused"
    language: str | None = None  # the link's person's, once he is known: the page's too

    def __init__(self, message: str, *, status: int = 410, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class EmailLink:
    """A valid link: who acts, on what, and the technician the e-mail's button named."""

    user: User
    intervention: Intervention
    action: str
    technician_id: int | None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _stamp(user: User, i: Intervention) -> str:
    """Changes with any change of the request (its ``updated_at``) and of the
    address the e-mail went to (a link follows the account, not an old mailbox)."""
    text = f"{i.state}|{i.updated_at.isoformat()}|{user.email.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_token(user: User, i: Intervention, action: str, technician_id: int | None = None) -> str:
    """The signed token of ``user``'s link to do ``action`` on ``i`` as it is now."""
    if action not in ACTIONS:
        raise ValueError(action)
    return _serializer().dumps([user.id, i.id, action, str(i.state), _stamp(user, i),
                                technician_id])


def hours() -> float:
    """How long a link works (``EMAIL_ACTION_HOURS``)."""
    return float(current_app.config["EMAIL_ACTION_HOURS"])


def read(token: str, visitor: User | None) -> EmailLink:
    """The link a token makes, if it may be used now by whoever holds it, else
    :class:`LinkRefused` with a French message that reveals no more than the e-mail.

    ``visitor``: the logged-in user of the browser, if any; a link is refused to
    anyone logged in as somebody else. The permission is checked now (a director
    who left his establishment, a deactivated account, a stand-in whose range ended
    can no longer act), then the state (a step already taken says by whom and when).
    """
    try:
        payload = _serializer().loads(token or "", max_age=int(hours() * 3600))
    except SignatureExpired:
        raise LinkRefused(gettext("Ce lien a expiré : il était valable %(hours)s heures. "
                                  "Ouvrez la demande dans GIC pour agir.",
                                  hours=format(hours(), "g")), code="link_expired") from None
    except (BadSignature, ValueError, TypeError):
        raise LinkRefused(gettext("Ce lien n'est pas valable : il est incomplet ou a été "
                                  "modifié. Ouvrez la demande dans GIC."), status=400,
                          code="link_invalid") from None
    if not (isinstance(payload, list) and len(payload) == 6
            and all(isinstance(v, int) for v in payload[:2]) and payload[2] in ACTIONS
            and (payload[5] is None or isinstance(payload[5], int))):
        raise LinkRefused(gettext("Ce lien n'est pas valable : ouvrez la demande dans GIC."),
                          status=400, code="link_invalid")
    user_id, intervention_id, action, state, stamp, technician_id = payload
    user = db.session.get(User, user_id)
    i = db.session.get(Intervention, intervention_id)
    if user is None or not user.active or i is None or i.groupement_id != user.groupement_id:
        raise LinkRefused(gettext("Ce lien n'est plus valable : le compte auquel il a été "
                                  "envoyé n'est plus actif."), code="link_account")
    if visitor is not None and visitor.id != user.id:
        raise LinkRefused(gettext(
            "Ce lien a été envoyé à une autre personne : vous êtes connecté en tant que "
            "%(name)s. Ouvrez la demande depuis votre propre compte, ou déconnectez-vous pour "
            "utiliser le lien de votre e-mail.", name=visitor.name),
            status=403, code="link_other_user")
    with force_locale(user.language.value):  # told to the link's person, in his language
        try:
            _check_still_valid(user, i, action, state, stamp)
        except LinkRefused as refusal:
            refusal.language = user.language.value
            raise
    return EmailLink(user, i, action, technician_id)


def _check_still_valid(user: User, i: Intervention, action: str, state: str,
                       stamp: str) -> None:
    """The link's person may still do its action, on the request as the e-mail showed it."""
    try:
        authorize(user, f"intervention.{action}", i)  # the services' own check (stand-ins included)
    except Forbidden as error:
        raise LinkRefused(gettext("Vous ne pouvez plus faire cette action : %(reason)s",
                                  reason=error.message), status=403,
                          code="link_forbidden") from None
    if str(i.state) != state:
        raise LinkRefused(what_happened(i, state), code="link_used")
    if stamp != _stamp(user, i):
        raise LinkRefused(gettext("Ce lien n'est plus valable : la demande ou votre adresse "
                                  "e-mail a changé depuis l'envoi de l'e-mail. Ouvrez la "
                                  "demande dans GIC."), code="link_stale")


def what_happened(i: Intervention, state: str) -> str:
    """« Cette demande a déjà été activée par Direction B le 23 novembre 2026 à
    11:00. » : the step that moved ``i`` on from ``state``, from the audit log."""
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "Intervention", AuditEntry.object_id == i.id,
        AuditEntry.action.in_(list(DONE))).order_by(AuditEntry.at, AuditEntry.id))
    step = next((e for e in entries if (e.before or {}).get("state") == state), None)
    if step is None:
        return gettext("Ce lien n'est plus valable : la demande est maintenant à l'état "
                       "« %(state)s ».", state=i.state.label)
    who = gettext(" par %(name)s", name=step.actor.name) if step.actor else ""
    tz = db.session.get(Groupement, i.groupement_id).timezone
    when = long_datetime(step.at.replace(tzinfo=UTC).astimezone(ZoneInfo(tz)).replace(tzinfo=None))
    if step.action == "intervention.validate":
        return gettext("Les heures de cette demande ont déjà été validées%(who)s le %(when)s.",
                       who=who, when=when)
    return gettext("Cette demande a déjà été %(done)s%(who)s le %(when)s.",
                   done=DONE[step.action], who=who, when=when)
