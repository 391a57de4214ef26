"""Login with throttling, and personal API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, func, or_, select

from gic import timeutil
from gic.audit.services import record
from gic.errors import DomainError, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.models import ApiToken, LoginFailure, User

TOKEN_PREFIX = "gic_"
# A hash to compare against when the e-mail is unknown, so that timing does
# not reveal which e-mails exist.
_DUMMY_HASH = None


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
    address, ``LOGIN_MAX_FAILURES_PER_EMAIL`` for the e-mail from anywhere (a
    distributed guess), or ``LOGIN_MAX_FAILURES_PER_ADDRESS`` from the address
    for any e-mail (a sweep). Staff behind one shared address are not locked
    out by one colleague's typos, and nobody locks a known e-mail with 5 tries.
    """
    global _DUMMY_HASH
    email = (email or "").strip().lower()
    remote_addr = (remote_addr or "")[:64]
    window = timedelta(minutes=current_app.config["LOGIN_WINDOW_MINUTES"])
    since = timeutil.utcnow() - window
    same_email = LoginFailure.email == email
    same_address = LoginFailure.remote_addr == remote_addr
    pair, by_email, by_address = db.session.execute(
        select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
                 for condition in (and_(same_email, same_address), same_email, same_address)))
        .where(LoginFailure.at >= since, or_(same_email, same_address))).one()
    config = current_app.config
    if (pair >= config["LOGIN_MAX_FAILURES"]
            or by_email >= config["LOGIN_MAX_FAILURES_PER_EMAIL"]
            or by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        raise TooManyAttempts(
            "Trop de tentatives de connexion. Réessayez dans "
            f"{current_app.config['LOGIN_WINDOW_MINUTES']} minutes.")
    user = db.session.scalars(select(User).where(func.lower(User.email) == email)).first()
    if user is None:
        from werkzeug.security import check_password_hash, generate_password_hash
        _DUMMY_HASH = _DUMMY_HASH or generate_password_hash("not-a-password")
        check_password_hash(_DUMMY_HASH, password or "")
    if user is None or not user.active or not user.check_password(password or ""):
        db.session.add(LoginFailure(email=email[:254], remote_addr=remote_addr))
        db.session.commit()
        raise InvalidCredentials("E-mail ou mot de passe incorrect.")
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every web session of the user (logout, password change)."""
    user.session_token = secrets.token_hex(16)
    db.session.commit()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new personal token; the raw value is returned once and never stored."""
    name = (name or "").strip()[:100]
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=ApiToken.hash(raw),
                     prefix=raw[:12])
    db.session.add(token)
    db.session.flush()
    record(user, "token.create", token, after={"name": name, "prefix": token.prefix},
           establishment_id=user.establishment_id)
    db.session.commit()
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user owning a valid, unrevoked token; records its use."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = db.session.scalars(select(ApiToken).where(
        ApiToken.token_hash == ApiToken.hash(raw), ApiToken.revoked_at.is_(None))).first()
    if token is None or not token.user.active:
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
        raise NotFound("Jeton introuvable.")
    if token.revoked_at is None:
        token.revoked_at = timeutil.utcnow()
        record(user, "token.revoke", token, before={"prefix": token.prefix},
               establishment_id=user.establishment_id)
        db.session.commit()


def check_password_strength(password: str) -> str:
    """At least 8 characters."""
    if len(password or "") < 8:
        raise InvalidField("Le mot de passe doit contenir au moins 8 caractères.",
                           field="password")
    return password
