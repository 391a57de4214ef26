"""Login with throttling, and personal API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, session
from flask_babel import gettext
from flask_login import login_user
from sqlalchemy import and_, case, delete, func, or_, select, update

from gic import timeutil
from gic.audit.services import record
from gic.auth.models import LoginAddress
from gic.calendar import services as calendar
from gic.enums import Language
from gic.errors import DomainError, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.models import ApiToken, LoginFailure, User, password_hash_method

TOKEN_PREFIX = "gic_"
# An address the user logged in from within this many days is his: failures of
# others on his e-mail do not lock him out from there.
KNOWN_ADDRESS_DAYS = 90
# Longest lifetime a token may be given (days); without one, it lasts until revoked.
MAX_TOKEN_DAYS = 3650
# A hash to compare against when the e-mail is unknown, so that timing does
# not reveal which e-mails exist.
_DUMMY_HASHES: dict[str, str] = {}  # method -> the hash of no password


class InvalidCredentials(DomainError):
    """Unknown e-mail or wrong password: one answer for both (HTTP 401)."""

    status = 401
    code = "invalid_credentials"


class TooManyAttempts(RuleRefused):
    """Temporarily locked out after repeated failures (HTTP 429)."""

    status = 429
    code = "too_many_attempts"


def authenticate(email: str, password: str, remote_addr: str) -> User:
    """The active user with these credentials, or a refusal that reveals nothing.

    Within ``LOGIN_WINDOW_MINUTES``, attempts are refused until the window
    passes after ``LOGIN_MAX_FAILURES`` failures for this e-mail from this
    address, or ``LOGIN_MAX_FAILURES_PER_ADDRESS`` from the address for any
    e-mail (a sweep). ``LOGIN_MAX_FAILURES_PER_EMAIL`` failures for the e-mail
    from anywhere (a distributed guess) refuse it only from addresses its owner
    has not logged in from lately: strangers cannot lock the real user out of
    his usual addresses, and a password reset lifts the lock (it forgets the
    e-mail's failures). Staff behind one shared address are not locked out by
    one colleague's typos, and nobody locks a known e-mail with 5 tries.
    """
    email = (email or "").strip().lower()
    remote_addr = (remote_addr or "")[:64]
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    since = timeutil.utcnow() - window
    same_email = LoginFailure.email == email
    same_address = LoginFailure.remote_addr == remote_addr
    pair, by_email, by_address = db.session.execute(
        select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                 for condition in (and_(same_email, same_address), same_email, same_address)))
        .where(LoginFailure.at >= since, or_(same_email, same_address))).one()
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if (pair >= config["LOGIN_MAX_FAILURES"]
            or by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
            or (by_email >= config["LOGIN_MAX_FAILURES_PER_EMAIL"]
                and not is_known_address(user, remote_addr))):
        raise TooManyAttempts(gettext(
            "Trop de tentatives de connexion. Réessayez dans %(minutes)s minutes, ou "
            "demandez un nouveau mot de passe (« Mot de passe oublié ? »).",
            minutes=config["LOGIN_WINDOW_MINUTES"]))
    if user is None:
        # A hash made the way real ones are, so that an unknown e-mail takes as long.
        from werkzeug.security import check_password_hash, generate_password_hash
        method = password_hash_method()
        if method not in _DUMMY_HASHES:
            _DUMMY_HASHES[method] = generate_password_hash("not-a-password", method)
        check_password_hash(_DUMMY_HASHES[method], password or "")
    # The hash is checked for a deactivated account too: the answer's time must not
    # tell it apart from an active one.
    matches = user is not None and user.check_password(password or "")
    if not matches or not user.active:
        db.session.add(LoginFailure(email=email[:254], remote_addr=remote_addr))
        db.session.commit()
        raise InvalidCredentials(gettext("E-mail ou mot de passe incorrect."))
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    remember_address(user, remote_addr)
    db.session.commit()
    return user


def is_known_address(user: User | None, remote_addr: str) -> bool:
    """True when ``user`` logged in (or reset his password) from this address within
    ``KNOWN_ADDRESS_DAYS``."""
    if user is None or not remote_addr:
        return False
    since = timeutil.utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return db.session.scalar(select(LoginAddress.id).where(
        LoginAddress.user_id == user.id, LoginAddress.remote_addr == remote_addr[:64],
        LoginAddress.last_success_at >= since)) is not None


def remember_address(user: User, remote_addr: str) -> None:
    """Note that ``user`` proved who he is from this address (in the caller's
    transaction); addresses unused for ``KNOWN_ADDRESS_DAYS`` are forgotten."""
    remote_addr = (remote_addr or "")[:64]
    if not remote_addr:
        return
    now = timeutil.utcnow()
    db.session.execute(delete(LoginAddress).where(
        LoginAddress.user_id == user.id,
        LoginAddress.last_success_at < now - timedelta(days=KNOWN_ADDRESS_DAYS)))
    known = db.session.scalar(select(LoginAddress).where(
        LoginAddress.user_id == user.id, LoginAddress.remote_addr == remote_addr))
    if known is None:
        db.session.add(LoginAddress(user_id=user.id, remote_addr=remote_addr,
                                    last_success_at=now))
    else:
        known.last_success_at = now


def forget_failures(email: str) -> None:
    """Lift the login lock of an e-mail (after a password reset), in the caller's
    transaction."""
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.email == (email or "").strip().lower()))


def open_session(user: User) -> None:
    """Log ``user`` in, in a fresh session of the current request (whatever the
    session held before goes: no fixation). Called once the password is checked."""
    session.clear()
    login_user(user)


def end_sessions(user: User) -> None:
    """Invalidate every web session of the user (logout, password change)."""
    user.session_token = secrets.token_hex(16)
    db.session.commit()


def set_language(user: User, language: str | None) -> Language:
    """The language of the user's interface from now on and at his next logins; commits."""
    if language not in set(Language):
        raise InvalidField(gettext("Choisissez une des langues proposées."), field="language")
    user.language = language
    db.session.commit()
    return user.language


def create_token(user: User, name: str = "", *,
                 expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new personal token, valid until revoked or, with ``expires_in_days``, until
    that many days from now; the raw value is returned once and never stored."""
    name = (name or "").strip()[:100]
    now = timeutil.utcnow()
    expires_at = token_expiry(expires_in_days, now)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=ApiToken.hash(raw),
                     prefix=raw[:12], created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    record(user, "token.create", token,
           after={"name": name, "prefix": token.prefix,
                  "expires_at": expires_at.isoformat(timespec="seconds") if expires_at
                  else None},
           establishment_id=user.establishment_id)
    db.session.commit()
    return token, raw


def token_expiry(expires_in_days: int | None, now: datetime | None = None) -> datetime | None:
    """When a token made now for ``expires_in_days`` expires (None: never); 1 to
    ``MAX_TOKEN_DAYS`` days, else :class:`InvalidField`."""
    if expires_in_days is None:
        return None
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise InvalidField(gettext("La durée de validité d'un jeton va de 1 à %(days)s jours.",
                                   days=MAX_TOKEN_DAYS), field="expires_in_days")
    return (now or timeutil.utcnow()) + timedelta(days=expires_in_days)


def user_for_token(raw: str) -> User | None:
    """The active user owning a valid, unrevoked, unexpired token; records its use."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalars(select(ApiToken).where(
        ApiToken.token_hash == ApiToken.hash(raw), ApiToken.revoked_at.is_(None))).first()
    if token is None or token.is_expired() or not token.user.active:
        return None
    token.last_used_at = timeutil.utcnow()
    db.session.commit()
    return token.user


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.id.desc())))


def revoke_token(user: User, token_id: int) -> None:
    """A user revokes one of his own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(gettext("Jeton introuvable."))
    if token.revoked_at is None:
        token.revoked_at = timeutil.utcnow()
        record(user, "token.revoke", token, before={"prefix": token.prefix},
               establishment_id=user.establishment_id)
        db.session.commit()


def revoke_all_tokens(user: User) -> int:
    """Revoke every live token of ``user`` (deactivation, new password), his calendar
    address too, in the caller's transaction; returns how many API tokens.
    Reactivation does not bring them back."""
    calendar.revoke(user, None, reason="révoqué avec les jetons d'API du compte "
                                       "(désactivation ou nouveau mot de passe)")
    now = timeutil.utcnow()
    result = db.session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now))
    return result.rowcount or 0


def check_password_strength(password: str) -> str:
    """At least 8 characters."""
    if len(password or "") < 8:
        raise InvalidField(gettext("Le mot de passe doit contenir au moins 8 caractères."),
                           field="password")
    return password


def job_forget_old_attempts(today) -> dict[str, int]:
    """Delete what no longer counts: failed logins and « mot de passe oublié »
    requests older than a day (the limits look back ``LOGIN_WINDOW_MINUTES`` and an
    hour), and addresses unused for ``KNOWN_ADDRESS_DAYS``. Returns the counts."""
    from gic.auth.models import PasswordResetRequest

    now = timeutil.utcnow()
    day = max(timedelta(days=1), timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"]))
    counts = {
        "login_failures": db.session.execute(delete(LoginFailure).where(
            LoginFailure.at < now - day)).rowcount or 0,
        "reset_requests": db.session.execute(delete(PasswordResetRequest).where(
            PasswordResetRequest.at < now - day)).rowcount or 0,
        "addresses": db.session.execute(delete(LoginAddress).where(
            LoginAddress.last_success_at < now - timedelta(days=KNOWN_ADDRESS_DAYS)))
        .rowcount or 0,
    }
    db.session.commit()
    return counts
