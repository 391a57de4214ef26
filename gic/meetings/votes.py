"""Votes on the decisions that need unanimity (new member, renewal…), or, in
the ordered-hours model, the members' weighted vote (issue 16 item 6).

Each member establishment's director records its vote while the minutes are a
draft (one vote per establishment: voting again replaces it); the members are
the establishments of the minutes' snapshot, so a finalised version keeps the
outcome it had. Abstaining, like voting against, blocks unanimity (SPEC §7:
every member's director must approve). A weighted decision weighs each member
by its contributions of the year frozen in the snapshot, with the quorum and
majority of the version then in force (:mod:`gic.convention.weights`); once the
minutes are final, the members who did not vote count as absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy.exc import IntegrityError

from gic import timeutil
from gic.audit.services import record
from gic.convention.weights import Tally, WeightedVote, percent_text, shares, tally
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.meetings.minutes import current_draft
from gic.meetings.models import Decision, Meeting, Minutes, Vote, VoteChoice
from gic.meetings.permissions import VOTE_REFUSAL, can_manage, can_view, can_vote
from gic.models import User

MAX_COMMENT = 2000


@dataclass(frozen=True)
class Outcome:
    """Where a vote stands (unanimity, or weighted: then with its tally and each
    member's weight), with each member's vote (None: not yet)."""

    status: str  # "reached", "refused", "pending"
    label: str
    reason: str
    rows: list[tuple[str, Vote | None]]
    # A weighted vote: the tally, and each row's (contributions, weight in %).
    tally: Tally | None = None
    weights: list[tuple[Decimal, Decimal]] | None = None


WEIGHTED_STATUS = {"adopted": "reached", "rejected": "refused", "no_quorum": "refused",
                   "pending": "pending"}
WEIGHTED_LABELS = {"adopted": lazy_gettext("adoptée au vote pondéré"),
                   "rejected": lazy_gettext("rejetée au vote pondéré"),
                   "no_quorum": lazy_gettext("quorum non atteint"),
                   "pending": lazy_gettext("en attente")}


def weighed(rows: list[tuple[str, object | None]], amounts: list[Decimal], quorum_percent: int,
            majority_percent: int, *, closed: bool) -> Outcome:
    """The weighted outcome of ``rows`` (name, vote or ballot or None) whose members
    contributed ``amounts``: the tally's summary, then the votes awaited (open) or
    the reasons given against."""
    result = tally([WeightedVote(n, amount, str(v.choice) if v is not None and v.choice
                                 else None)
                    for n, ((_name, v), amount) in enumerate(zip(rows, amounts, strict=True))],
                   quorum_percent, majority_percent, closed=closed)
    percents = shares(amounts)
    reason = [result.summary]
    against = [f"{name} (« {v.comment} »)" for name, v in rows
               if v is not None and v.choice == VoteChoice.AGAINST and v.comment]
    if against:
        reason.append(gettext("Contre : %(votes)s.", votes="; ".join(against)))
    waiting = [f"{name} ({percent_text(p)})" for (name, v), p in zip(rows, percents, strict=True)
               if v is None or not v.choice]
    if result.status == "pending" and waiting:
        reason.append(gettext("Votes attendus : %(names)s.", names=", ".join(waiting)))
    return Outcome(WEIGHTED_STATUS[result.status], str(WEIGHTED_LABELS[result.status]),
                   " ".join(reason), rows, tally=result,
                   weights=list(zip(amounts, percents, strict=True)))


def members(minutes: Minutes) -> list[dict]:
    """The member establishments who vote: those of the minutes' snapshot (in the
    ordered-hours model, its voters: not the « utilisateurs »)."""
    weighted = minutes.snapshot.get("vote")
    rows = weighted["voters"] if weighted else minutes.snapshot["establishments"]
    return [{"id": e["id"], "name": e["name"]} for e in rows]


def outcome(decision: Decision) -> Outcome:
    """Where a voted decision stands: weighted, or unanimity (with the members'
    weights shown in the ordered-hours model)."""
    terms = decision.minutes.snapshot.get("vote")
    if terms is None:
        return unanimity(decision)
    amounts = [Decimal(v["amount"]) for v in terms["voters"]]
    if not decision.weighted:
        result = unanimity(decision)
        return Outcome(result.status, result.label, result.reason, result.rows,
                       weights=list(zip(amounts, shares(amounts), strict=True)))
    votes = {v.establishment_id: v for v in decision.votes}
    rows = [(m["name"], votes.get(m["id"])) for m in members(decision.minutes)]
    return weighed(rows, amounts, terms["quorum_percent"], terms["majority_percent"],
                   closed=decision.minutes.is_final)


def unanimity(decision: Decision) -> Outcome:
    """Reached when every member voted for; refused as soon as one voted against
    or abstained (the reason names them); pending otherwise."""
    votes = {v.establishment_id: v for v in decision.votes}
    rows = [(m["name"], votes.get(m["id"])) for m in members(decision.minutes)]
    blocking = [(name, v) for name, v in rows if v is not None and v.choice != VoteChoice.FOR]
    if blocking:
        parts = [_blocking_vote(name, v) for name, v in blocking]
        return Outcome("refused", gettext("unanimité refusée"), "; ".join(parts) + ".", rows)
    waiting = [name for name, v in rows if v is None]
    if waiting:
        return Outcome("pending", gettext("en attente"),
                       gettext("Votes attendus : %(names)s.", names=", ".join(waiting)), rows)
    return Outcome("reached", gettext("unanimité atteinte"),
                   gettext("Tous les établissements membres ont voté pour."), rows)


def _blocking_vote(name: str, vote: Vote) -> str:
    """One member's vote that blocks unanimity: « X a voté contre (« why ») »."""
    if vote.choice == VoteChoice.AGAINST:
        if vote.comment:
            return gettext("%(name)s a voté contre («\u00a0%(comment)s\u00a0»)", name=name,
                           comment=vote.comment)
        return gettext("%(name)s a voté contre", name=name)
    if vote.comment:
        return gettext("%(name)s s'est abstenu («\u00a0%(comment)s\u00a0»)", name=name,
                       comment=vote.comment)
    return gettext("%(name)s s'est abstenu", name=name)


def decisions_to_vote(user: User, meeting: Meeting) -> list[Decision]:
    """The draft's decisions put to the vote, for a director to vote on (none for
    a « utilisateur » establishment of the ordered-hours model)."""
    draft = current_draft(meeting)
    if draft is None or not can_vote(user, meeting):
        return []
    if "vote" in draft.snapshot and not votes_in(user, draft):
        return []
    return [d for d in draft.decisions if d.is_voted]


def votes_in(user: User, minutes: Minutes) -> bool:
    """The user's establishment is one of the minutes' voters."""
    return user.establishment_id in {m["id"] for m in members(minutes)}


def get_decision(user: User, decision_id: int) -> Decision:
    """A decision of a meeting ``user`` may read (:class:`NotFound` otherwise)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not can_view(user, decision.minutes.meeting):
        raise NotFound(gettext("Décision introuvable."))
    if not decision.minutes.is_final and not (can_manage(user, decision.minutes.meeting)
                                              or can_vote(user, decision.minutes.meeting)):
        raise NotFound(gettext("Décision introuvable."))
    return decision


def cast_vote(decision: Decision, actor: User, *, choice: str,
              comment: str | None = "") -> Vote:
    """A director records his establishment's vote (one per establishment: voting
    again replaces it) while the minutes are a draft."""
    minutes = decision.minutes
    meeting = minutes.meeting
    if meeting.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Décision introuvable."))
    if not can_vote(actor, meeting):
        raise Forbidden(VOTE_REFUSAL)
    if not decision.is_voted:
        raise RuleRefused(gettext("Cette décision ne demande pas de vote à l'unanimité."))
    if minutes.is_final:
        raise RuleRefused(gettext("Le compte rendu est finalisé : les votes sont clos."),
                          code="minutes_final")
    if not votes_in(actor, minutes):
        if actor.establishment is not None and actor.establishment.is_user_participant:
            raise RuleRefused(gettext("Votre établissement est utilisateur du groupement : il "
                                      "ne vote pas."), code="not_a_voter")
        raise RuleRefused(gettext("Votre établissement n'était pas membre du groupement à la "
                                  "date de cette réunion."))
    try:
        value = VoteChoice(choice)
    except ValueError:
        raise InvalidField(gettext("Choisissez pour, contre ou abstention."),
                           field="choice") from None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidField(gettext("Commentaire : %(limit)s caractères au plus.",
                                   limit=MAX_COMMENT), field="comment")
    vote = next((v for v in decision.votes if v.establishment_id == actor.establishment_id), None)
    before = None if vote is None else {"choice": str(vote.choice), "comment": vote.comment,
                                        "user_id": vote.user_id}
    if vote is None:
        vote = Vote(user_id=actor.id, establishment_id=actor.establishment_id)
        decision.votes.append(vote)
    vote.user_id, vote.choice, vote.comment = actor.id, value, comment
    vote.cast_at = timeutil.utcnow()
    db.session.flush()
    record(actor, "minutes.vote", vote, groupement_id=meeting.groupement_id,
           establishment_id=actor.establishment_id, before=before,
           after={"decision_id": decision.id, "choice": str(value), "comment": comment})
    try:
        db.session.commit()
    except IntegrityError:  # the establishment's other director voted at the same instant
        db.session.rollback()
        raise RuleRefused(gettext("Votre établissement vient de voter : rechargez la "
                                  "page.")) from None
    return vote
