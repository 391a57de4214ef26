"""Meetings, their agenda and invitees, and the versioned minutes (compte rendu).

Times: ``Meeting.starts_at`` is stored, like every other timestamp of GIC, as a
**naive UTC** datetime. Forms take the local date and time of the groupement
(``Groupement.timezone``, Europe/Paris) and the services convert; pages show it
back in local time (the ``fr_date`` filter converts UTC to the user's zone), and
the iCalendar file writes it in UTC (``…Z``), which every calendar understands.

Minutes are versioned: version 1 is drafted pre-filled with the data since the
previous meeting (a JSON snapshot), then finalised (read-only for good);
« Nouvelle version » copies the last finalised version into a new draft.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gic import timeutil
from gic.database import enum_type
from gic.enums import N_, Labelled
from gic.extensions import db
from gic.models import Establishment, Groupement, User


class MeetingKind(Labelled):
    """Who meets: technicians (3 times a year) or directors (yearly or on demand)."""

    TECHNICIANS = "technicians", N_("Réunion des techniciens")
    DIRECTORS = "directors", N_("Réunion des directeurs")


class MeetingStatus(Labelled):
    """Where a meeting stands."""

    PLANNED = "planned", N_("Prévue")
    HELD = "held", N_("Tenue")
    CANCELLED = "cancelled", N_("Annulée")


class MinutesStatus(enum.StrEnum):
    """A minutes version is a draft until finalised, then read-only."""

    DRAFT = "draft"
    FINAL = "final"


class Presence(Labelled):
    """Attendance of one person at the meeting."""

    PRESENT = "present", N_("Présent")
    EXCUSED = "excused", N_("Excusé")
    ABSENT = "absent", N_("Absent")


class VoteChoice(Labelled):
    """A director's vote on a decision that needs unanimity."""

    FOR = "for", N_("Pour")
    AGAINST = "against", N_("Contre")
    ABSTAIN = "abstain", N_("Abstention")


class Meeting(db.Model):
    """A meeting of the groupement's technicians or directors."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("kind IN ('technicians', 'directors')", name="kind_known"),
        CheckConstraint("status IN ('planned', 'held', 'cancelled')", name="status_known"),
        Index("ix_meeting_groupement_starts", "groupement_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    groupement_id: Mapped[int] = mapped_column(ForeignKey("groupement.id"))
    kind: Mapped[MeetingKind] = mapped_column(enum_type(MeetingKind, 20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]  # naive UTC, see the module docstring
    duration_minutes: Mapped[int] = mapped_column(default=120)
    place: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[MeetingStatus] = mapped_column(enum_type(MeetingStatus, 12),
                                                 default=MeetingStatus.PLANNED)
    # iCalendar SEQUENCE: bumped at every change, so calendars update the event.
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow, onupdate=timeutil.utcnow)

    groupement: Mapped[Groupement] = relationship()
    created_by: Mapped[User] = relationship()
    invitees: Mapped[list[MeetingInvitee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingInvitee.id")
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")
    minutes: Mapped[list[Minutes]] = relationship(
        back_populates="meeting", order_by="Minutes.version")

    @property
    def local_start(self) -> datetime:
        """The start as an aware datetime in the groupement's time zone."""
        return to_local(self.starts_at, self.groupement.timezone)

    @property
    def local_date(self) -> date:
        """The meeting's calendar day where the groupement is."""
        return self.local_start.date()


def to_local(utc_naive: datetime, tz: str) -> datetime:
    """A naive UTC datetime as an aware one in ``tz``."""
    return utc_naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz))


def to_utc(local_naive: datetime, tz: str) -> datetime:
    """A local wall-clock time in ``tz`` as a naive UTC datetime."""
    aware = local_naive.replace(tzinfo=ZoneInfo(tz))
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


class MeetingInvitee(db.Model):
    """One person invited to a meeting."""

    __tablename__ = "meeting_invitee"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    meeting: Mapped[Meeting] = relationship(back_populates="invitees")
    user: Mapped[User] = relationship()


class AgendaItem(db.Model):
    """One point of the agenda (ordre du jour)."""

    __tablename__ = "meeting_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(500))

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class Minutes(db.Model):
    """One version of a meeting's minutes; a final version never changes again."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (
        UniqueConstraint("meeting_id", "version"),
        CheckConstraint("status IN ('draft', 'final')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    version: Mapped[int]
    status: Mapped[MinutesStatus] = mapped_column(enum_type(MinutesStatus, 10),
                                                 default=MinutesStatus.DRAFT)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The data since the previous meeting, computed when the draft was started
    # (see gic/meetings/prefill.py): frozen, so finalised minutes never move.
    snapshot: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)
    finalised_at: Mapped[datetime | None]
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting: Mapped[Meeting] = relationship(back_populates="minutes")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])
    attendance: Mapped[list[Attendance]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="Attendance.id")
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan", order_by="Decision.id")
    actions: Mapped[list[Action]] = relationship(
        back_populates="minutes", cascade="all, delete-orphan",
        order_by="Action.id", foreign_keys="Action.minutes_id")

    @property
    def is_final(self) -> bool:
        return self.status == MinutesStatus.FINAL


class Attendance(db.Model):
    """Who was there: a user of the groupement or a free-text name (a guest)."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (
        CheckConstraint("presence IN ('present', 'excused', 'absent')", name="presence_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Name as written in the minutes (copied from the user: a later rename
    # does not change finalised minutes).
    name: Mapped[str] = mapped_column(String(200))
    presence: Mapped[Presence] = mapped_column(enum_type(Presence, 10), default=Presence.PRESENT)

    minutes: Mapped[Minutes] = relationship(back_populates="attendance")
    user: Mapped[User | None] = relationship()


class Decision(db.Model):
    """A decision written in the minutes; some need every member director's vote
    (unanimity), or, in the ordered-hours model, the members' weighted vote."""

    __tablename__ = "meeting_decision"
    __table_args__ = (
        CheckConstraint("NOT (needs_unanimity AND weighted)", name="one_rule"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    needs_unanimity: Mapped[bool] = mapped_column(default=False)
    # Issue 16 item 6: weighted by the contributions frozen in the minutes' snapshot.
    weighted: Mapped[bool] = mapped_column(default=False, server_default=false())

    minutes: Mapped[Minutes] = relationship(back_populates="decisions")
    votes: Mapped[list[Vote]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="Vote.id")

    @property
    def is_voted(self) -> bool:
        """Put to the member establishments' vote (unanimity or weighted)."""
        return self.needs_unanimity or self.weighted


class Vote(db.Model):
    """The vote of one member establishment, cast by its director."""

    __tablename__ = "meeting_vote"
    __table_args__ = (
        UniqueConstraint("decision_id", "establishment_id"),
        CheckConstraint("choice IN ('for', 'against', 'abstain')", name="choice_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("meeting_decision.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"))
    choice: Mapped[VoteChoice] = mapped_column(enum_type(VoteChoice, 10))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(default=timeutil.utcnow)

    decision: Mapped[Decision] = relationship(back_populates="votes")
    user: Mapped[User] = relationship()
    establishment: Mapped[Establishment] = relationship()

    @property
    def choice_label(self) -> str:
        """The vote as the tables read it (a governance Ballot may have none yet)."""
        return self.choice.label


class Action(db.Model):
    """Something to do after the meeting: who, by when, done or not.

    Open actions of the previous meeting are carried over into the next
    minutes (``carried_from_id``), where they can be marked done: finalised
    minutes themselves never change.
    """

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("meeting_minutes.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_date: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_action.id"))
    # Where the action was first decided (« réunion du 12 mars 2026 »), for carried ones.
    origin: Mapped[str] = mapped_column(String(300), default="")

    minutes: Mapped[Minutes] = relationship(back_populates="actions", foreign_keys=[minutes_id])
    owner: Mapped[User | None] = relationship()
