"""The weighted vote of the ordered-hours model (GIC issue 16, item 6): pure
values in, a decision out — no Flask, no database.

Seed 002 (GCSMS ISI): « les membres ont un nombre de voix proportionnel à leurs
apports financiers sur le budget en cours » and « la convention constitutive
définit des quorums et des seuils de représentativité et de validité ». So:

- each member weighs its contributions of the current year (an amount in euros;
  a member that contributed nothing votes but weighs nothing); while no member
  has contributed anything, every member weighs the same (one member, one voice);
- **quorum**: the weight of the members who took part (for, against, or
  abstaining) is at least ``quorum_percent`` of the total weight;
- **majority**: the weight for is *more than* ``majority_percent`` of the weight
  expressed (for + against: abstentions are not expressed), as the convention
  version's setting says — 50 is the simple majority (a tie never adopts), 66
  reaches two thirds; and never less than the weight against;
- an open vote is decided as soon as the members who have not voted cannot
  change the outcome any more; a closed one (minutes finalised) counts those
  who did not vote as absent.

Displayed weights are rounded to 0.01 % by the largest remainder, so that the
column adds up to 100 %; displayed tallies are truncated to 0.01 %, so that a
figure shown at the threshold has really reached it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext

from gic.convention.rules_ordered import vote_weights
from gic.enums import N_, Labelled

CHOICES = ("for", "against", "abstain")
HUNDREDTH = Decimal("0.01")
ZERO_PERCENT = Decimal("0.00")
HUNDRED = Decimal(100)
NBSP = "\u00a0"



class VoteRule(Labelled):
    """How a procedure or a decision of the minutes is decided."""

    UNANIMITY = "unanimity", N_("Unanimité des établissements membres")
    WEIGHTED = "weighted", N_("Vote pondéré par les contributions de l'année")


STATUS_LABELS = {  # in French; ``Tally.label`` reads their translation
    "adopted": N_("adoptée"),
    "rejected": N_("rejetée"),
    "no_quorum": N_("quorum non atteint"),
    "pending": N_("en attente"),
}


@dataclass(frozen=True)
class WeightedVote:
    """One member: its key (an establishment id), its contributions of the year
    and its choice (``for``, ``against``, ``abstain``; None: not voted)."""

    key: int
    amount: Decimal
    choice: str | None


def effective(amounts: Sequence[Decimal]) -> list[Decimal]:
    """The weights the vote counts: the amounts (negative ones as 0), or one each
    while nobody has contributed anything."""
    weights = [max(Decimal(a), Decimal(0)) for a in amounts]
    if sum(weights, Decimal(0)) <= 0:
        return [Decimal(1) for _ in weights]
    return weights


def shares(amounts: Sequence[Decimal]) -> list[Decimal]:
    """Each member's weight in percent, to 0.01 %, adding up to 100.00 (the
    foundation's :func:`gic.convention.rules_ordered.vote_weights`: largest remainder, on
    equal remainders the earlier one; one each while nobody contributed)."""
    weights = vote_weights(dict(enumerate(amounts)))
    return [weights[i] for i in range(len(amounts))]


def truncated_percent(part: Decimal, whole: Decimal) -> Decimal:
    """``part`` of ``whole`` in percent, truncated to 0.01 % (0.00 when ``whole`` is 0)."""
    if whole <= 0:
        return ZERO_PERCENT
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(HUNDREDTH, ROUND_DOWN)


def percent_text(value: Decimal | int) -> str:
    """« 55,00 % » (French decimal comma, no-break space); an int: « 50 % »."""
    return f"{value}".replace(".", ",") + f"{NBSP}%"


@dataclass(frozen=True)
class Tally:
    """Where a weighted vote stands: the weights for, against, abstaining and not
    yet voted, the quorum and majority asked, and the status (``adopted``,
    ``rejected``, ``no_quorum``, ``pending``)."""

    total: Decimal
    yes: Decimal
    no: Decimal
    abstained: Decimal
    waiting: Decimal
    quorum_percent: int
    majority_percent: int
    status: str

    @property
    def voted(self) -> Decimal:
        return self.yes + self.no + self.abstained

    @property
    def expressed(self) -> Decimal:
        return self.yes + self.no

    @property
    def quorum_reached(self) -> bool:
        return _quorum(self.voted, self.total, self.quorum_percent)

    @property
    def voted_percent(self) -> Decimal:
        """Share of the total weight that took part."""
        return truncated_percent(self.voted, self.total)

    @property
    def yes_percent(self) -> Decimal:
        """Share of the votes expressed that are for."""
        return truncated_percent(self.yes, self.expressed)

    @property
    def no_percent(self) -> Decimal:
        return truncated_percent(self.no, self.expressed)

    @property
    def label(self) -> str:
        return gettext(STATUS_LABELS[self.status])

    @property
    def summary(self) -> str:
        """The quorum, then the majority, in one sentence each (the reader's language;
        French in the minutes, printed under ``gic.i18n.in_french``)."""
        voted = {"voted": percent_text(self.voted_percent),
                 "minimum": percent_text(self.quorum_percent)}
        if not self.quorum_reached:
            return gettext("Quorum non atteint : %(voted)s des voix ont pris part au vote "
                           "(minimum %(minimum)s).", **voted)
        quorum = gettext("Quorum atteint : %(voted)s des voix ont pris part au vote "
                         "(minimum %(minimum)s).", **voted)
        majority = gettext("Pour : %(yes)s des voix exprimées, contre : %(no)s (majorité "
                           "requise : plus de %(majority)s).",
                           yes=percent_text(self.yes_percent), no=percent_text(self.no_percent),
                           majority=percent_text(self.majority_percent))
        return f"{quorum} {majority}"


def _quorum(voted: Decimal, total: Decimal, quorum_percent: int) -> bool:
    return total > 0 and voted * HUNDRED >= quorum_percent * total


def _adopts(yes: Decimal, no: Decimal, majority_percent: int) -> bool:
    return yes > no and yes * HUNDRED > majority_percent * (yes + no)


def tally(votes: Sequence[WeightedVote], quorum_percent: int, majority_percent: int, *,
          closed: bool) -> Tally:
    """The weighted outcome of ``votes`` (see the module's rules).

    Open (``closed=False``): adopted when the quorum is reached and the members
    still to vote, all against, would not overturn it; rejected when, all for,
    they could not adopt it; pending otherwise. Closed: the votes cast decide.
    """
    weights = {c: Decimal(0) for c in (*CHOICES, None)}
    for vote, weight in zip(votes, effective([v.amount for v in votes]), strict=True):
        if vote.choice is not None and vote.choice not in CHOICES:
            raise ValueError(f"unknown vote choice: {vote.choice!r}")
        weights[vote.choice] += weight
    yes, no, abstained, waiting = (weights["for"], weights["against"], weights["abstain"],
                                   weights[None])
    total = yes + no + abstained + waiting
    voted = yes + no + abstained
    if closed or waiting == 0:
        if not _quorum(voted, total, quorum_percent):
            status = "no_quorum"
        else:
            status = "adopted" if _adopts(yes, no, majority_percent) else "rejected"
    elif _quorum(voted, total, quorum_percent) and _adopts(yes, no + waiting,
                                                           majority_percent):
        status = "adopted"
    elif not _adopts(yes + waiting, no, majority_percent):
        status = "rejected"
    else:
        status = "pending"
    return Tally(total=total, yes=yes, no=no, abstained=abstained, waiting=waiting,
                 quorum_percent=quorum_percent, majority_percent=majority_percent,
                 status=status)
