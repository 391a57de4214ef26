"""The calendar feed of a user: one live address at most, its token stored hashed."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.extensions import db
from gic.models import User


class CalendarFeed(db.Model):
    """A user's subscription address. Only the SHA-256 of its token is stored (like
    API tokens): the address is shown once, when made; regenerating replaces the
    hash (the old address stops at once), disabling deletes the row."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, to tell one address from the next on the profile.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    # Last time a calendar read the feed (naive UTC).
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @staticmethod
    def hash(raw: str) -> str:
        """The stored form of a token (random, so a plain SHA-256 suffices)."""
        return hashlib.sha256(raw.encode()).hexdigest()
