"""Password resets: a signed, expiring, single-use link sent by e-mail.

The link carries the user id and a fingerprint of his current password hash,
signed with ``SECRET_KEY`` (itsdangerous): it stops working after
``PASSWORD_RESET_HOURS``, once the password has changed (so it works once), and
for a deactivated account. « Mot de passe oublié » answers the same whether the
e-mail exists or not and is throttled per address and per e-mail.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from gic import timeutil
from gic.audit.services import record
from gic.auth.models import PasswordResetRequest
from gic.auth.services import (
    TooManyAttempts,
    check_password_strength,
    end_sessions,
    forget_failures,
    remember_address,
    revoke_all_tokens,
)
from gic.errors import DomainError, RuleRefused
from gic.extensions import db
from gic.models import User

log = logging.getLogger(__name__)
SALT = "gic-password-reset"
# « Mot de passe oublié » within RESET_WINDOW: at most this many requests from one
# address (for any e-mail; more is a 429), and e-mails to one address (more are
# silently not sent: the answer is the same).
RESET_WINDOW = timedelta(hours=1)
RESET_MAX_PER_ADDRESS = 10
RESET_MAX_PER_EMAIL = 3


@dataclass(frozen=True)
class _Recipient:
    """What an e-mail needs of a user, safe to hand to another thread."""

    id: int
    name: str
    email: str
    language: str  # the e-mail is written in it


def _in_app_context(app, mail) -> None:
    with app.app_context():
        try:
            mail()
        except Exception:
            log.exception("password reset e-mail failed")


class MailFailed(RuleRefused):
    """The mail server refused or could not be reached."""

    code = "mail_failed"


class InvalidResetLink(DomainError):
    """The link is altered, expired, already used, or its account is deactivated."""

    status = 400
    code = "invalid_reset_link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password changes (a new salted hash: one use per link) and
    whenever the user's sessions are ended (logout, deactivation: a link sent before a
    deactivation does not come back to life with a reactivation)."""
    stamp = f"{user.password_hash}\0{user.session_token}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:24]


def reset_token(user: User) -> str:
    """The signed token of a reset link for ``user``."""
    return _serializer().dumps([user.id, _fingerprint(user)])


def user_for_reset_token(token: str) -> User:
    """The active user a valid reset token names, or :class:`InvalidResetLink`."""
    max_age = int(current_app.config["PASSWORD_RESET_HOURS"] * 3600)
    try:
        user_id, fingerprint = _serializer().loads(token or "", max_age=max_age)
    except SignatureExpired:
        raise InvalidResetLink(gettext("Ce lien a expiré : demandez-en un nouveau.")) from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidResetLink(gettext("Ce lien n'est pas valable : demandez-en un nouveau.")) \
            from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or fingerprint != _fingerprint(user):
        raise InvalidResetLink(gettext("Ce lien a déjà servi ou n'est plus valable : "
                                       "demandez-en un nouveau."))
    return user


def send_reset_link(user: User, *, by: User | None = None, background: bool = False) -> None:
    """E-mail ``user`` a reset link; ``by``: the coordinator who sent it (audited).

    With ``background`` and an SMTP server, the e-mail leaves from a thread: the
    time of the answer to « Mot de passe oublié » must not tell that the account
    exists (writing to the development outbox takes no noticeable time).
    """
    from gic.notifications.services import public_link, send_private_email
    hours = "{:g}".format(current_app.config["PASSWORD_RESET_HOURS"])
    link = public_link("auth.reset_password", token=reset_token(user))
    with force_locale(user.language.value):  # written in the recipient's language
        why = (gettext("La coordination de votre groupement vous invite à choisir un nouveau "
                       "mot de passe pour GIC.") if by else
               gettext("Vous avez demandé à choisir un nouveau mot de passe pour GIC."))
        body = gettext("%(why)s\n\nOuvrez ce lien (valable %(hours)s heures, une seule fois) :"
                       "\n%(link)s\n\nSi vous n'avez rien demandé, ignorez ce message : votre "
                       "mot de passe actuel reste valable.", why=why, hours=hours, link=link)
        subject = gettext("GIC : choisir un nouveau mot de passe")
    recipient = _Recipient(user.id, user.name, user.email, user.language.value)
    mail = functools.partial(send_private_email, recipient, kind="password-reset",
                             subject=subject, body=body)
    if background and current_app.config.get("MAIL_SERVER"):
        app = current_app._get_current_object()
        threading.Thread(target=_in_app_context, args=(app, mail), daemon=True).start()
    else:
        try:
            mail()
        except Exception as error:
            log.exception("password reset e-mail to user %s failed", user.id)
            raise MailFailed(gettext("L'e-mail n'a pas pu partir (serveur de messagerie "
                                     "injoignable) : réessayez plus tard.")) from error
    if by is not None:
        record(by, "user.reset_link", user, after={"email": user.email},
               establishment_id=user.establishment_id)
        db.session.commit()


def request_reset(email: str, remote_addr: str) -> None:
    """« Mot de passe oublié » : e-mail a link if an active account has this e-mail.

    The caller says the same thing either way. Throttled: too many requests from
    one address is :class:`TooManyAttempts` (whatever the e-mails); beyond
    ``RESET_MAX_PER_EMAIL`` for one e-mail, nothing more is sent.
    """
    email = (email or "").strip().lower()[:254]
    remote_addr = (remote_addr or "")[:64]
    since = timeutil.utcnow() - RESET_WINDOW
    by_address = db.session.scalar(select(func.count(PasswordResetRequest.id)).where(
        PasswordResetRequest.remote_addr == remote_addr, PasswordResetRequest.at >= since))
    if by_address >= RESET_MAX_PER_ADDRESS:
        raise TooManyAttempts(gettext("Trop de demandes depuis votre adresse. Réessayez dans "
                                      "une heure."))
    by_email = db.session.scalar(select(func.count(PasswordResetRequest.id)).where(
        PasswordResetRequest.email == email, PasswordResetRequest.at >= since))
    db.session.add(PasswordResetRequest(email=email, remote_addr=remote_addr))
    db.session.commit()
    if by_email >= RESET_MAX_PER_EMAIL:
        return
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is None or not user.active:
        return
    try:
        send_reset_link(user, background=True)
    except MailFailed:  # logged; the answer must not tell that the e-mail exists
        pass


def reset_password(token: str, password: str, remote_addr: str) -> User:
    """Set the new password of a valid link: ends every session of the user, revokes
    his API tokens, lifts his login lock and makes this address his; the link then no
    longer works."""
    user = user_for_reset_token(token)
    check_password_strength(password)
    user.set_password(password)
    forget_failures(user.email)
    remember_address(user, remote_addr)
    record(user, "user.password_reset", user, after={"email": user.email},
           establishment_id=user.establishment_id)
    revoke_all_tokens(user)  # tokens made by whoever had the account stop too
    end_sessions(user)  # commits
    return user


def set_password_unattended(user: User, password: str) -> None:
    """Set a password from the command line (no actor): same effects as a reset."""
    check_password_strength(password)
    user.set_password(password)
    forget_failures(user.email)
    record(None, "user.password_set", user, after={"email": user.email},
           establishment_id=user.establishment_id)
    revoke_all_tokens(user)
    end_sessions(user)  # commits
