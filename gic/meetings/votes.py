"""Votes on the decisions that need unanimity (new member, renewal…).

Each member establishment's director records its vote while the minutes are a
draft (one vote per establishment: voting again replaces it); the members are
the establishments of the minutes' snapshot, so a finalised version keeps the
outcome it had. Abstaining, like voting against, blocks unanimity (SPEC §7:
every member's director must approve).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from gic import timeutil
from gic.audit.services import record
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.meetings.minutes import current_draft
from gic.meetings.models import Decision, Meeting, Minutes, Vote, VoteChoice
from gic.meetings.permissions import VOTE_REFUSAL, can_manage, can_view, can_vote
from gic.models import User

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Outcome:
    """Where a unanimity vote stands, with each member's vote (None: not yet)."""

    status: str  # "reached", "refused", "pending"
    label: str
    reason: str
    rows: list[tuple[str, Vote | None]]


def members(minutes: Minutes) -> list[dict]:
    """The member establishments who vote: those of the minutes' snapshot."""
    return [{"id": e["id"], "name": e["name"]} for e in minutes.snapshot["establishments"]]


def unanimity(decision: Decision) -> Outcome:
    """Reached when every member voted for; refused as soon as one voted against
    or abstained (the reason names them); pending otherwise."""
    votes = {v.establishment_id: v for v in decision.votes}
    rows = [(m["name"], votes.get(m["id"])) for m in members(decision.minutes)]
    blocking = [(name, v) for name, v in rows if v is not None and v.choice != VoteChoice.FOR]
    if blocking:
        parts = []
        for name, v in blocking:
            verb = "a voté contre" if v.choice == VoteChoice.AGAINST else "s'est abstenu"
            parts.append(f"{name} {verb}" + (f" («\u00a0{v.comment}\u00a0»)" if v.comment else ""))
        return Outcome("refused", "unanimité refusée", "; ".join(parts) + ".", rows)
    waiting = [name for name, v in rows if v is None]
    if waiting:
        return Outcome("pending", "en attente",
                       "Votes attendus : " + ", ".join(waiting) + ".", rows)
    return Outcome("reached", "unanimité atteinte",
                   "Tous les établissements membres ont voté pour.", rows)


def decisions_to_vote(user: User, meeting: Meeting) -> list[Decision]:
    """The draft's decisions needing unanimity, for a director to vote on."""
    draft = current_draft(meeting)
    if draft is None or not can_vote(user, meeting):
        return []
    return [d for d in draft.decisions if d.needs_unanimity]


def get_decision(user: User, decision_id: int) -> Decision:
    """A decision of a meeting ``user`` may read (:class:`NotFound` otherwise)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can_view(user, decision.minutes.meeting):
        raise NotFound("Décision introuvable.")
    if not decision.minutes.is_final and not (can_manage(user, decision.minutes.meeting)
                                              or can_vote(user, decision.minutes.meeting)):
        raise NotFound("Décision introuvable.")
    return decision


def cast_vote(decision: Decision, actor: User, *, choice: str,
              comment: str | None = "") -> Vote:
    """A director records his establishment's vote (one per establishment: voting
    again replaces it) while the minutes are a draft."""
    minutes = decision.minutes
    meeting = minutes.meeting
    if meeting.groupement_id != actor.groupement_id:
        raise NotFound("Décision introuvable.")
    if not can_vote(actor, meeting):
        raise Forbidden(VOTE_REFUSAL)
    if not decision.needs_unanimity:
        raise RuleRefused("Cette décision ne demande pas de vote à l'unanimité.")
    if minutes.is_final:
        raise RuleRefused("Le compte rendu est finalisé : les votes sont clos.",
                          code="minutes_final")
    if actor.establishment_id not in {m["id"] for m in members(minutes)}:
        raise RuleRefused("Votre établissement n'était pas membre du groupement à la date "
                          "de cette réunion.")
    try:
        value = VoteChoice(choice)
    except ValueError:
        raise InvalidField("Choisissez pour, contre ou abstention.", field="choice") from None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidField(f"Commentaire : {MAX_COMMENT} caractères au plus.", field="comment")
    vote = next((v for v in decision.votes if v.establishment_id == actor.establishment_id), None)
    before = None if vote is None else {"choice": str(vote.choice), "comment": vote.comment,
                                        "user_id": vote.user_id}
    if vote is None:
        vote = Vote(user_id=actor.id, establishment_id=actor.establishment_id)
        decision.votes.append(vote)
    vote.user_id, vote.choice, vote.comment, vote.cast_at = actor.id, value, comment, timeutil.utcnow()
    db.session.flush()
    record(actor, "minutes.vote", vote, groupement_id=meeting.groupement_id,
           establishment_id=actor.establishment_id, before=before,
           after={"decision_id": decision.id, "choice": str(value), "comment": comment})
    try:
        db.session.commit()
    except IntegrityError:  # the establishment's other director voted at the same instant
        db.session.rollback()
        raise RuleRefused("Votre établissement vient de voter : rechargez la page.") from None
    return vote
