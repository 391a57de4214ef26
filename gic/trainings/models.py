"""Tables of the trainings area: common trainings (axis 4) and who attended.

A training has named attendees (people of the groupement, with the
establishment they belonged to on the day, so that the bilan does not move when
someone changes establishment) and, per establishment, a number of other
attendees who have no account.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import Establishment, User


class Topic(Labelled):
    """What the training is about (SPEC §2 axis 4: security, hardware…)."""

    SECURITY = "security", N_("Sécurité")
    HARDWARE = "hardware", N_("Matériel")
    SOFTWARE = "software", N_("Logiciels")
    NETWORK = "network", N_("Réseau")
    OTHER = "other", N_("Autre")


class Training(db.Model):
    """One common training session of the groupement."""

    __tablename__ = "training"
    __table_args__ = (
        CheckConstraint("topic IN ('security', 'hardware', 'software', 'network', 'other')",
                        name="topic_known"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        Index("ix_training_groupement_date", "groupement_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    topic: Mapped[Topic] = mapped_column(enum_type(Topic, 20))
    title: Mapped[str] = mapped_column(String(200))
    date: Mapped[date]
    start_time: Mapped[time | None]
    duration_minutes: Mapped[int]
    trainer: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    organiser: Mapped[User] = relationship()
    attendees: Mapped[list[TrainingAttendee]] = relationship(
        back_populates="training", cascade="all, delete-orphan",
        order_by="TrainingAttendee.id")
    guests: Mapped[list[TrainingGuests]] = relationship(
        back_populates="training", cascade="all, delete-orphan",
        order_by="TrainingGuests.establishment_id")

    @property
    def attendee_count(self) -> int:
        """Named attendees plus other attendees (attendees and guests must be loaded)."""
        return len(self.attendees) + sum(g.count for g in self.guests)


class TrainingAttendee(db.Model):
    """A person of the groupement who attended, with her establishment on the day."""

    __tablename__ = "training_attendee"
    __table_args__ = (UniqueConstraint("training_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)

    training: Mapped[Training] = relationship(back_populates="attendees")
    user: Mapped[User] = relationship()
    establishment: Mapped[Establishment] = relationship()


class TrainingGuests(db.Model):
    """How many other people (without an account) of one establishment attended."""

    __tablename__ = "training_guests"
    __table_args__ = (UniqueConstraint("training_id", "establishment_id"),
                      CheckConstraint("count > 0", name="count_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), index=True)
    count: Mapped[int]

    training: Mapped[Training] = relationship(back_populates="guests")
    establishment: Mapped[Establishment] = relationship()
