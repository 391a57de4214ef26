"""Who may see and do what with meetings and minutes (SPEC §1, §5).

- The coordinator plans meetings, edits them and writes the minutes.
- Every director of the groupement reads all its meetings and finalised minutes;
  technicians read the technicians' meetings; anyone invited reads that meeting.
- Drafts of minutes are the coordinator's; directors see only the decisions
  they are asked to vote on.
- Nobody sees another groupement's meetings (404).

``RULES`` (end of the module) is what :mod:`gic.policy` reads as ``meeting.<action>``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import Select, or_, select

from gic.meetings.models import Meeting, MeetingInvitee, MeetingKind
from gic.models import Role, User

MANAGE_REFUSAL = lazy_gettext("Seule la coordination du groupement organise les réunions et "
                              "rédige les comptes rendus.")
VOTE_REFUSAL = lazy_gettext("Seules les directions des établissements membres votent les "
                            "décisions.")


def can_manage(user: User, meeting: Meeting | None = None) -> bool:
    """The groupement's coordinator plans meetings and writes their minutes."""
    if meeting is not None and meeting.groupement_id != user.groupement_id:
        return False
    return user.role == Role.COORDINATOR


def can_view(user: User, meeting: Meeting) -> bool:
    """Same groupement, and: coordinator, director, invitee, or technician of a
    technicians' meeting."""
    if meeting.groupement_id != user.groupement_id:
        return False
    if user.role in (Role.COORDINATOR, Role.DIRECTOR):
        return True
    if user.role == Role.TECHNICIAN and meeting.kind == MeetingKind.TECHNICIANS:
        return True
    return any(i.user_id == user.id for i in meeting.invitees)


def visible_meetings(user: User) -> Select:
    """The meetings ``user`` may read, as a select (the SQL twin of :func:`can_view`)."""
    stmt = select(Meeting).where(Meeting.groupement_id == user.groupement_id)
    if user.role in (Role.COORDINATOR, Role.DIRECTOR):
        return stmt
    invited = select(MeetingInvitee.meeting_id).where(MeetingInvitee.user_id == user.id)
    condition = Meeting.id.in_(invited)
    if user.role == Role.TECHNICIAN:
        condition = or_(condition, Meeting.kind == MeetingKind.TECHNICIANS)
    return stmt.where(condition)


def can_vote(user: User, meeting: Meeting) -> bool:
    """A director of a member establishment of the meeting's groupement."""
    return (user.role == Role.DIRECTOR and user.establishment_id is not None
            and meeting.groupement_id == user.groupement_id)


RULES = {
    "manage": (can_manage, MANAGE_REFUSAL),
    "view": (can_view, lazy_gettext("Cette réunion est réservée aux personnes qui y sont conviées.")),
    "vote": (can_vote, VOTE_REFUSAL),
}
