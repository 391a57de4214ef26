"""What login protection remembers besides failures: the addresses a person
logs in from, and the « forgotten password » requests (to throttle them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gic import timeutil
from gic.extensions import db


class LoginAddress(db.Model):
    """An address a user logged in from (or reset his password from): failures of
    strangers on his e-mail do not lock him out from there."""

    __tablename__ = "login_address"
    __table_args__ = (UniqueConstraint("user_id", "remote_addr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64))
    last_success_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)


class PasswordResetRequest(db.Model):
    """A « Mot de passe oublié » request, known e-mail or not (to throttle them)."""

    __tablename__ = "password_reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, index=True)
