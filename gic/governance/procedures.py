"""Membership and renewal decided by unanimity (SPEC §7, seed 002: « toute nouvelle
demande d'adhésion devrait être soumise à l'approbation de l'ensemble des parties »;
« 3 ans renouvelables avec accord de l'ensemble des parties »), or, under the
ordered-hours model, by the members' votes weighted by their contributions of the
year (issue 16 item 6, seed 002: « chaque membre possède un nombre de voix
proportionnel à ses apports financiers de l'année »), unanimity staying available
when the procedure is opened. The weights, quorum and majority are frozen at the
opening (:mod:`gic.governance.electorate`, rule in :mod:`gic.convention.weights`);
« utilisateurs » establishments never vote.

The coordinator opens a procedure; the director of each member establishment of
that day votes once (for, or against with a reason); every vote is audited. The
first refusal closes the procedure with its reason; when every member approved,
the candidate becomes a member (its establishment is created, or activated) or
the convention gains one period. Directors are notified when their vote is
awaited, and everyone concerned when the procedure ends.

While the groupement is being set up (no intervention yet, no procedure ever
opened) the establishments the coordinator adds are its founding members;
afterwards an establishment added directly (admin page, API) is a candidate
until unanimity (:func:`new_establishment_status`, :func:`candidacy_for`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from gic import timeutil
from gic.audit.services import record
from gic.convention.weights import VoteRule, percent_text
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.finess import check_finess
from gic.governance import electorate
from gic.governance.models import Ballot, Procedure, ProcedureKind, ProcedureStatus
from gic.governance.periods import convention_end, next_period_end, reader_date
from gic.governance.queries import RENEWAL_EARLIEST_DAYS
from gic.i18n import in_french
from gic.interventions.models import Intervention
from gic.meetings.models import VoteChoice
from gic.meetings.votes import Outcome, weighed
from gic.models import Establishment, MembershipStatus, Role, User
from gic.notifications.services import (
    directors_of,
    each_reader,
    link_for,
    notify,
    users_with_role,
)
from gic.policy import authorize
from gic.registers import clean_text
from gic.standins.access import acting_for

MAX_TEXT = 2000

_ALREADY_CANDIDATE = lazy_gettext("La candidature d'un établissement de ce numéro FINESS est "
                                   "déjà en cours.")


def _require_coordinator(actor: User) -> None:
    authorize(actor, "governance.manage_procedures")


# --- Founding members and candidates created directly --------------------------------

def founding_open(groupement_id: int) -> bool:
    """The groupement is being set up: no intervention yet, no procedure ever opened."""
    busy = select(Intervention.id).where(Intervention.groupement_id == groupement_id)
    voted = select(Procedure.id).where(Procedure.groupement_id == groupement_id)
    return not db.session.scalar(select(exists(busy) | exists(voted)))


def _open_candidacy(groupement_id: int, finess: str) -> int | None:
    return db.session.scalar(select(Procedure.id).where(
        Procedure.groupement_id == groupement_id, Procedure.kind == ProcedureKind.MEMBERSHIP,
        Procedure.open_key == finess))


def new_establishment_status(actor: User, finess: str) -> MembershipStatus:
    """The status of an establishment the coordinator adds directly: a founding
    member while the groupement is being set up, else a candidate."""
    if _open_candidacy(actor.groupement_id, finess):
        raise InvalidField(_ALREADY_CANDIDATE, field="finess", code="duplicate")
    return (MembershipStatus.MEMBER if founding_open(actor.groupement_id)
            else MembershipStatus.CANDIDATE)


def candidacy_for(actor: User, e: Establishment) -> Procedure | None:
    """Open the membership procedure of an establishment added as a candidate (in
    the caller's transaction; :func:`announce` after the commit). None for a member.
    The model's default rule applies (weighted under the ordered-hours model)."""
    if e.status != MembershipStatus.CANDIDATE:
        return None
    return _open(actor, kind=ProcedureKind.MEMBERSHIP, open_key=e.finess, candidate_name=e.name,
                 candidate_finess=e.finess, establishment_id=e.id,
                 message="Établissement ajouté directement par la coordination.")


# --- Opening ---------------------------------------------------------------------------

def _open(actor: User, rule: str | None = None, **fields) -> Procedure:
    """Add a procedure and one empty ballot per voting member establishment, with
    its weight when the vote is weighted (no commit)."""
    terms = electorate.weighted_terms(actor.groupement_id,
                                      timeutil.local_today(actor.groupement.timezone))
    chosen = electorate.checked_rule(rule, terms)
    voters = electorate.voters(actor.groupement_id)
    if not voters:
        raise RuleRefused(gettext("Le groupement n'a encore aucun établissement membre pour "
                                  "voter."),
                          code="no_member")
    procedure = Procedure(groupement_id=actor.groupement_id, opened_by_id=actor.id,
                          status=ProcedureStatus.OPEN, rule=chosen, **fields)
    if chosen == VoteRule.WEIGHTED:
        procedure.quorum_percent, procedure.majority_percent = (terms.quorum_percent,
                                                                terms.majority_percent)
        procedure.weight_year = terms.year
        amounts = electorate.weights(actor.groupement_id, terms.year, [e.id for e in voters])
        procedure.ballots = [Ballot(establishment_id=e.id, weight=amounts[e.id])
                             for e in voters]
    else:
        procedure.ballots = [Ballot(establishment_id=e.id) for e in voters]
    db.session.add(procedure)
    try:
        db.session.flush()
    except IntegrityError:  # opened at the same instant by someone else
        db.session.rollback()
        raise RuleRefused(gettext("Cette procédure vient d'être ouverte : rechargez la page."),
                          code="already_open") from None
    record(actor, "governance.open", procedure, establishment_id=procedure.establishment_id,
           after={"kind": str(procedure.kind), "candidate": procedure.candidate_name or None,
                  "finess": procedure.candidate_finess or None,
                  "period_end": procedure.period_end.isoformat()
                  if procedure.period_end else None,
                  "voters": [e.id for e in voters], **_rule_audit(procedure)})
    return procedure


def _rule_audit(procedure: Procedure) -> dict:
    """The weighted rule's terms for the audit log (nothing for unanimity, as before)."""
    if not procedure.is_weighted:
        return {}
    return {"rule": str(procedure.rule), "quorum_percent": procedure.quorum_percent,
            "majority_percent": procedure.majority_percent, "year": procedure.weight_year,
            "weights": {str(b.establishment_id): f"{b.weight:.2f}" for b in procedure.ballots}}


def rule_text(procedure: Procedure) -> str:
    """How the procedure is decided, in a sentence for people."""
    if not procedure.is_weighted:
        return gettext("à l'accord unanime des établissements membres")
    return gettext("au vote des établissements membres, chacun pesant ses contributions de "
                   "%(year)s (quorum %(quorum)s des voix, majorité : plus de %(majority)s des "
                   "voix exprimées)", year=procedure.weight_year,
                   quorum=percent_text(procedure.quorum_percent),
                   majority=percent_text(procedure.majority_percent))


def announce(procedure: Procedure) -> None:
    """Tell each director of the electorate that his vote is awaited (after commit)."""
    voters = directors_of(procedure.groupement_id, [b.establishment_id for b in procedure.ballots])

    def message() -> tuple[str, str]:
        values = {"groupement": procedure.groupement.name, "rule": rule_text(procedure)}
        if procedure.kind == ProcedureKind.MEMBERSHIP:
            body = gettext("La coordination du groupement %(groupement)s soumet l'adhésion de "
                           "l'établissement %(name)s %(rule)s. Le vote de votre établissement "
                           "est attendu : approuvez, ou refusez en indiquant le motif.",
                           name=procedure.candidate_name, **values)
        else:
            body = gettext("La coordination du groupement %(groupement)s soumet le "
                           "renouvellement de la convention (période se terminant le %(day)s) "
                           "%(rule)s. Le vote de votre établissement est attendu : approuvez, "
                           "ou refusez en indiquant le motif.",
                           day=reader_date(procedure.period_end), **values)
        return gettext("Vote attendu : %(title)s", title=procedure.title), body

    subject, body = each_reader(message)  # each voter reads it in his language
    notify(voters, subject=subject, body=body, kind="governance_vote",
           key=f"governance:{procedure.id}:vote",
           link=link_for("governance.procedure", procedure_id=procedure.id))


def propose_member(actor: User, *, name: str, finess: str, contact: str,
                   message: str = "", rule: str | None = None) -> Procedure:
    """The coordinator proposes a candidate establishment; its establishment is
    created (as a member) only when every member director has approved (or, with
    the weighted rule, when the members' weighted vote adopts it)."""
    _require_coordinator(actor)
    name = clean_text(name, "name", label=gettext("Le nom"), required=True, max_length=200)
    finess = check_finess(finess)
    contact = clean_text(contact, "contact", label=gettext("Le contact"), required=True,
                         max_length=500)
    message = clean_text(message, "message", label=gettext("La présentation"), max_length=MAX_TEXT)
    existing = db.session.scalars(select(Establishment).where(
        Establishment.groupement_id == actor.groupement_id,
        Establishment.finess == finess)).first()
    if existing is not None and existing.status != MembershipStatus.NOT_ADMITTED:
        raise InvalidField(gettext("Un établissement de ce groupement a déjà ce numéro FINESS."),
                           field="finess", code="duplicate")
    if _open_candidacy(actor.groupement_id, finess):
        raise InvalidField(_ALREADY_CANDIDATE, field="finess", code="duplicate")
    if existing is not None:  # a new candidacy after one that did not succeed
        existing.name, existing.status = name, MembershipStatus.CANDIDATE
    procedure = _open(actor, rule, kind=ProcedureKind.MEMBERSHIP, open_key=finess,
                      candidate_name=name, candidate_finess=finess, candidate_contact=contact,
                      message=message, establishment_id=existing.id if existing else None)
    db.session.commit()
    announce(procedure)
    return procedure


def open_renewal(actor: User, *, message: str = "", today: date | None = None,
                 rule: str | None = None) -> Procedure:
    """The coordinator puts the renewal of the current period to the vote, in its
    last year (or after it lapsed: the new period still follows the last one)."""
    _require_coordinator(actor)
    message = clean_text(message, "message", label=gettext("La présentation"), max_length=MAX_TEXT)
    groupement = actor.groupement
    today = today or timeutil.local_today(groupement.timezone)
    end = convention_end(groupement)
    if (end - today).days > RENEWAL_EARLIEST_DAYS:
        raise RuleRefused(gettext(
            "La période en cours de la convention se termine le %(end)s : son renouvellement "
            "peut être soumis aux directions à partir du %(day)s.", end=reader_date(end),
            day=reader_date(end - timedelta(days=RENEWAL_EARLIEST_DAYS))), code="too_early")
    if db.session.scalar(select(Procedure.id).where(
            Procedure.groupement_id == groupement.id, Procedure.kind == ProcedureKind.RENEWAL,
            Procedure.status == ProcedureStatus.OPEN)):
        raise RuleRefused(gettext("Une procédure de renouvellement est déjà en cours."),
                          code="already_open")
    procedure = _open(actor, rule, kind=ProcedureKind.RENEWAL, open_key="renewal",
                      period_end=end, message=message)
    db.session.commit()
    announce(procedure)
    return procedure


def outcome(procedure: Procedure, *, closing: bool = False) -> Outcome:
    """Unanimity: refused as soon as one member voted against (the reason names it
    and quotes it); reached when all approved; pending otherwise (the votes
    awaited). Weighted: decided as soon as the votes still awaited cannot change
    the outcome (:func:`gic.convention.weights.tally`); ``closing``: what the
    votes cast decide if the coordinator closes the vote now (the members who
    did not vote count as absent)."""
    rows = [(b.establishment.name, b if b.choice else None) for b in procedure.ballots]
    if procedure.is_weighted:
        return weighed(rows, [b.weight or Decimal(0) for b in procedure.ballots],
                       procedure.quorum_percent, procedure.majority_percent, closed=closing)
    against = [(name, b) for name, b in rows if b is not None and b.choice == VoteChoice.AGAINST]
    if against:
        return Outcome("refused", gettext("unanimité refusée"), "; ".join(
            gettext("%(name)s a refusé (« %(reason)s »)", name=name, reason=b.reason)
            for name, b in against) + ".", rows)
    waiting = [name for name, b in rows if b is None]
    if waiting:
        return Outcome("pending", gettext("en attente"),
                       gettext("Votes attendus : %(names)s.", names=", ".join(waiting)), rows)
    return Outcome("reached", gettext("unanimité atteinte"),
                   gettext("Toutes les directions des établissements membres ont approuvé."),
                   rows)


# --- Voting and closing --------------------------------------------------------------

def _title_fr(procedure: Procedure) -> str:
    """The procedure's title as the audit log keeps it: in French, whoever acts."""
    with in_french():
        return procedure.title


def _lock(procedure: Procedure) -> None:
    """Serialise the votes of one procedure (the transaction's first write), so
    that the last two votes cannot both miss that the decision is taken."""
    db.session.execute(update(Procedure).where(Procedure.id == procedure.id)
                       .values(lock_version=Procedure.lock_version + 1)
                       .execution_options(synchronize_session=False))
    db.session.expire_all()  # read every ballot again, as committed


def _refuse(message: str, code: str) -> None:
    db.session.rollback()
    raise RuleRefused(message, code=code)


def cast_ballot(procedure: Procedure, actor: User, *, choice: str, reason: str = "",
                now: datetime | None = None) -> Ballot:
    """A member director votes once for his establishment: for, or against with a
    reason. The vote that decides closes the procedure. Commits, then notifies."""
    if procedure.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Procédure introuvable."))
    authorize(actor, "governance.vote")  # the director, or his stand-in
    try:
        value = VoteChoice(choice)
    except ValueError:
        value = None
    if value not in (VoteChoice.FOR, VoteChoice.AGAINST):
        raise InvalidField(gettext("Choisissez : j'approuve, ou je refuse."), field="choice")
    reason = clean_text(reason, "reason", label=gettext("Le motif du refus"), max_length=MAX_TEXT,
                        required=value == VoteChoice.AGAINST)
    _lock(procedure)
    if not procedure.is_open:
        _refuse(gettext("Cette procédure est close (%(status)s) : elle ne reçoit plus de vote.",
                        status=procedure.status_label.lower()), "procedure_closed")
    ballot = next((b for b in procedure.ballots if b.establishment_id == actor.establishment_id),
                  None)
    if ballot is None:
        if actor.establishment is not None and actor.establishment.is_user_participant:
            _refuse(gettext("Votre établissement est utilisateur du groupement : il ne vote "
                            "pas."),
                    "not_a_voter")
        if procedure.establishment_id == actor.establishment_id:
            _refuse(gettext("Votre établissement est le candidat : il ne vote pas sur sa "
                            "propre adhésion."), "not_a_voter")
        _refuse(gettext("Votre établissement n'était pas membre du groupement à l'ouverture "
                        "de cette procédure : il ne vote pas."), "not_a_voter")
    if ballot.choice is not None:
        values = {"name": ballot.establishment.name, "day": reader_date(ballot.cast_at.date())}
        _refuse(gettext("%(name)s a déjà voté le %(day)s (%(by)s) : un vote ne se modifie pas.",
                        by=ballot.user.name, **values) if ballot.user else
                gettext("%(name)s a déjà voté le %(day)s : un vote ne se modifie pas.", **values),
                "already_voted")
    ballot.choice, ballot.reason, ballot.user_id = value, reason, actor.id
    ballot.cast_at = now or timeutil.utcnow()
    db.session.flush()
    record(actor, "governance.vote", procedure, establishment_id=actor.establishment_id,
           after={"procedure": _title_fr(procedure), "choice": str(value)}, reason=reason or None,
           standin=acting_for(actor, actor.establishment_id))
    closed = _conclude(procedure, actor)
    db.session.commit()
    if closed:
        _announce_outcome(procedure)
    return ballot


def _conclude(procedure: Procedure, actor: User, result: Outcome | None = None) -> bool:
    """Close the procedure when the votes decide it (no commit); True when closed.
    The reason kept with the procedure is written in French (stored, like the audit)."""
    with in_french():
        result = result or outcome(procedure)
    if result.status == "pending":
        return False
    procedure.closed_at, procedure.closed_by_id = timeutil.utcnow(), actor.id
    procedure.open_key = None
    candidate = procedure.establishment
    if result.status == "refused":
        procedure.status, procedure.outcome_reason = ProcedureStatus.REFUSED, result.reason
        if candidate is not None:
            candidate.status = MembershipStatus.NOT_ADMITTED
        record(actor, "governance.refuse", procedure, establishment_id=procedure.establishment_id,
               after={"procedure": _title_fr(procedure)}, reason=result.reason,
               standin=acting_for(actor, actor.establishment_id))
        return True
    procedure.status, procedure.outcome_reason = ProcedureStatus.APPROVED, result.reason
    if procedure.kind == ProcedureKind.MEMBERSHIP:
        if candidate is None:
            candidate = Establishment(groupement_id=procedure.groupement_id,
                                      name=procedure.candidate_name,
                                      finess=procedure.candidate_finess)
            db.session.add(candidate)
            procedure.establishment = candidate
        candidate.status = MembershipStatus.MEMBER
        db.session.flush()
        after = {"procedure": _title_fr(procedure), "name": candidate.name,
                 "finess": candidate.finess}
    else:
        procedure.new_period_end = next_period_end(procedure.groupement, procedure.period_end)
        after = {"procedure": _title_fr(procedure), "period_end": procedure.period_end.isoformat(),
                 "new_period_end": procedure.new_period_end.isoformat()}
    record(actor, "governance.approve", procedure, establishment_id=procedure.establishment_id,
           after=after, standin=acting_for(actor, actor.establishment_id))
    return True


def close_vote(procedure: Procedure, actor: User) -> Procedure:
    """The coordinator closes a weighted vote (the assembly is over): the members
    who did not vote count as absent, the quorum and majority of the votes cast
    decide. A unanimity procedure waits for every member (or is withdrawn)."""
    if procedure.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Procédure introuvable."))
    _require_coordinator(actor)
    if not procedure.is_weighted:
        raise RuleRefused(gettext("Une procédure à l'unanimité attend le vote de chaque "
                                  "établissement membre : retirez-la si l'un d'eux ne peut pas "
                                  "voter."),
                          code="unanimity")
    _lock(procedure)
    if not procedure.is_open:
        _refuse(gettext("Cette procédure est déjà close."), "procedure_closed")
    with in_french():  # the reason is kept with the procedure, in French
        result = outcome(procedure, closing=True)
    result = Outcome(result.status, result.label,
                     "Scrutin clos par la coordination. " + result.reason, result.rows)
    _conclude(procedure, actor, result)
    db.session.commit()
    _announce_outcome(procedure)
    return procedure


def withdraw(procedure: Procedure, actor: User, *, reason: str) -> Procedure:
    """The coordinator withdraws an open procedure (e.g. a member without a director
    to vote), with a reason; a candidate created directly stays out."""
    if procedure.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Procédure introuvable."))
    _require_coordinator(actor)
    reason = clean_text(reason, "reason", label=gettext("Le motif du retrait"), required=True,
                        max_length=MAX_TEXT)
    _lock(procedure)
    if not procedure.is_open:
        _refuse(gettext("Cette procédure est déjà close."), "procedure_closed")
    procedure.status, procedure.outcome_reason = ProcedureStatus.WITHDRAWN, reason
    procedure.closed_at, procedure.closed_by_id = timeutil.utcnow(), actor.id
    procedure.open_key = None
    if procedure.establishment is not None:
        procedure.establishment.status = MembershipStatus.NOT_ADMITTED
    record(actor, "governance.withdraw", procedure, establishment_id=procedure.establishment_id,
           after={"procedure": _title_fr(procedure)}, reason=reason)
    db.session.commit()
    _announce_outcome(procedure)
    return procedure


def _announce_outcome(procedure: Procedure) -> None:
    """Tell the coordination, the voters' directors and the candidate's people."""
    establishment_ids = [b.establishment_id for b in procedure.ballots]
    people = directors_of(procedure.groupement_id, establishment_ids)
    people += users_with_role(procedure.groupement_id, Role.COORDINATOR)
    if procedure.kind == ProcedureKind.MEMBERSHIP and procedure.establishment_id:
        people += list(db.session.scalars(select(User).where(
            User.establishment_id == procedure.establishment_id, User.active.is_(True))))
    status = procedure.status

    def message() -> tuple[str, str]:
        reason = procedure.outcome_reason
        if status == ProcedureStatus.APPROVED:
            news = (gettext("%(name)s est désormais membre du groupement : il peut prendre part "
                            "aux interventions.", name=procedure.candidate_name)
                    if procedure.kind == ProcedureKind.MEMBERSHIP else
                    gettext("La convention est renouvelée jusqu'au %(day)s.",
                            day=reader_date(procedure.new_period_end)))
            body = (gettext("Vote pondéré : %(reason)s %(news)s", reason=reason, news=news)
                    if procedure.is_weighted else
                    gettext("Toutes les directions des établissements membres ont approuvé. "
                            "%(news)s", news=news))
        elif status == ProcedureStatus.REFUSED:
            body = gettext("La procédure est close par un refus : %(reason)s", reason=reason)
        else:
            body = gettext("La coordination a retiré la procédure : %(reason)s", reason=reason)
        return gettext("%(title)s : %(status)s", title=procedure.title,
                       status=procedure.status_label.lower()), body

    subject, body = each_reader(message)
    notify({u.id: u for u in people}.values(), subject=subject, body=body,
           kind="governance_outcome", key=f"governance:{procedure.id}:{status.value}",
           link=link_for("governance.procedure", procedure_id=procedure.id))
