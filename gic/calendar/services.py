"""Making, regenerating and revoking a user's calendar address; finding its owner.

The token is random (``secrets.token_urlsafe``) and only its SHA-256 is stored:
a copy of the database gives nobody a working address. The price: GIC cannot
show the address again, so the profile shows it once, when it is made, and
« Régénérer » makes a new one (the old one stops at once).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from gic import timeutil
from gic.audit.services import record
from gic.calendar.models import CalendarFeed
from gic.extensions import db
from gic.models import User

TOKEN_PREFIX = "cal_"
# Longer is not a token of ours: refused before any hashing or query.
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class FeedAddress:
    """The address of a feed, for calendars that take ``webcal://`` (a click
    subscribes) and for those that want ``https://`` (pasted in « from URL »)."""

    webcal: str
    https: str


def feed_of(user: User) -> CalendarFeed | None:
    """The user's live feed, if he made one."""
    return db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id)).first()


def address(raw: str) -> FeedAddress:
    """The feed's addresses on ``PUBLIC_URL`` (never the request's Host header)."""
    from gic.notifications.services import public_link
    url = public_link("calendar.feed", token=raw)
    return FeedAddress(webcal="webcal://" + url.split("://", 1)[-1], https=url)


def generate(user: User) -> tuple[CalendarFeed, str]:
    """A new address for ``user`` (replacing his previous one, which stops working);
    the raw token is returned once and never stored. Audited; commits."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = feed_of(user)
    now = timeutil.utcnow()
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
        action, before = "calendar.create", None
    else:
        action, before = "calendar.regenerate", {"prefix": feed.prefix}
    feed.token_hash, feed.prefix = CalendarFeed.hash(raw), raw[:12]
    feed.created_at, feed.last_used_at = now, None
    db.session.flush()
    record(user, action, feed, before=before, after={"prefix": feed.prefix},
           establishment_id=user.establishment_id, groupement_id=user.groupement_id)
    db.session.commit()
    return feed, raw


def revoke(user: User, actor: User | None, *, reason: str | None = None) -> bool:
    """Delete the user's feed (its address answers 404 from now on), in the
    caller's transaction; audited. False when he had none."""
    feed = feed_of(user)
    if feed is None:
        return False
    record(actor, "calendar.revoke", feed, before={"prefix": feed.prefix},
           establishment_id=user.establishment_id, groupement_id=user.groupement_id,
           reason=reason)
    db.session.delete(feed)
    return True


def disable(user: User) -> bool:
    """« Désactiver » on the profile: the user revokes his own feed; commits."""
    revoked = revoke(user, user)
    db.session.commit()
    return revoked


def user_for_token(raw: str) -> User | None:
    """The active owner of the feed with this token (None for anything else:
    unknown, revoked, malformed, or a deactivated account); notes the reading."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    feed = db.session.scalars(select(CalendarFeed).where(
        CalendarFeed.token_hash == CalendarFeed.hash(raw))).first()
    if feed is None or not feed.user.active:
        return None
    feed.last_used_at = timeutil.utcnow()
    db.session.commit()
    return feed.user


def public_host() -> str:
    """The host of ``PUBLIC_URL``: the right-hand side of every event's UID."""
    from urllib.parse import urlsplit
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or "gic"
