"""The ordered-hours convention model (issue 16), as pure functions over plain values.

A GCSMS like the ISI does not bill after the fact: before the year each member
(and each « utilisateur » establishment, which never votes) orders hours; the
budget is Σ hours ordered × the year's rate; the first semester calls each
participant for its order (optionally in instalments); at the year's close each
one's consumption × rate is compared with what was called (a complementary call
or a refund), and the groupement's surplus or deficit against its real expenses
is shared among the members « à l'euro l'euro », in proportion to what each
contributed. Members vote in proportion to their contributions of the year.

No Flask, no database (like :mod:`gic.convention.rules`): amounts are Decimal rounded
half-up to the cent, time is integer minutes, and every split of an amount
(instalments, shares, weights) gives its cents by largest remainder so the parts
add up exactly to the whole.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext

from gic.convention.constants import ALERT_LEVELS
from gic.convention.rules import CENT, round_cents
from gic.errors import InvalidField, RuleRefused
from gic.formatting import hours_minutes

__all__ = ["RuleRefused"]

MAX_INSTALMENTS = 12
ZERO = Decimal("0.00")


# --- Budget and provisional calls ---------------------------------------------------

def ordered_amount(minutes: int, rate: Decimal) -> Decimal:
    """What an order of ``minutes`` costs at ``rate`` EUR/h, rounded once to the cent."""
    return round_cents(Decimal(minutes) * Decimal(rate) / 60)


def budget(orders: Iterable[int], rate: Decimal) -> Decimal:
    """The year's budget: the sum of each participant's rounded order, so that the
    provisional calls (one per participant) add up to it exactly."""
    return sum((ordered_amount(m, rate) for m in orders), ZERO)


def share_out(total: Decimal, bases: Mapping[Hashable, Decimal | int]) -> dict:
    """Split ``total`` (signed) in proportion to ``bases`` (non-negative), to the cent,
    by largest remainder: the parts add up to ``total`` exactly. Ties go to the
    first key; with no base at all (every base 0) the split is equal."""
    if not bases:
        return {}
    total = round_cents(total)
    weights = {k: Decimal(b) for k, b in bases.items()}
    whole = sum(weights.values())
    if whole <= 0:
        weights, whole = {k: Decimal(1) for k in bases}, Decimal(len(bases))
    sign = -1 if total < 0 else 1
    cents = int(abs(total) / CENT)
    exact = {k: Decimal(cents) * w / whole for k, w in weights.items()}
    floors = {k: int(v.to_integral_value(rounding=ROUND_DOWN)) for k, v in exact.items()}
    left = cents - sum(floors.values())
    order = sorted(exact, key=lambda k: exact[k] - floors[k], reverse=True)  # stable
    for k in order[:left]:
        floors[k] += 1
    return {k: (sign * Decimal(floors[k]) * CENT).quantize(CENT) for k in bases}


def instalments(amount: Decimal, count: int) -> list[Decimal]:
    """A call of ``amount`` in ``count`` instalments as equal as cents allow, the
    first ones carrying the odd cents; they add up to ``amount``."""
    if not 1 <= count <= MAX_INSTALMENTS:
        raise InvalidField(gettext("Le nombre d'échéances va de 1 à %(max)s.",
                                   max=MAX_INSTALMENTS), field="instalments")
    parts = share_out(amount, {i: 1 for i in range(count)})
    return [parts[i] for i in range(count)]


# --- Consumption -----------------------------------------------------------------------

def counted_minutes(intervention_minutes: Iterable[int], threshold_minutes: int) -> int:
    """Minutes that count against the beneficiary's order: each intervention's time,
    remote and on site alike, in full once it reaches the version's threshold (the
    same « under it is free » as R3; 0 = every minute counts)."""
    return sum(m for m in intervention_minutes if m >= threshold_minutes)


@dataclass(frozen=True)
class Consumption:
    """Where a participant stands against its order."""

    ordered_minutes: int
    consumed_minutes: int

    @property
    def left_minutes(self) -> int:
        """Hours still ordered and not consumed (never below 0)."""
        return max(0, self.ordered_minutes - self.consumed_minutes)

    @property
    def over_minutes(self) -> int:
        """Minutes consumed beyond the order."""
        return max(0, self.consumed_minutes - self.ordered_minutes)

    @property
    def percent(self) -> int:
        """Consumed, in whole percent of the order (rounded down)."""
        if self.ordered_minutes <= 0:
            return 100 if self.consumed_minutes > 0 else 0
        return self.consumed_minutes * 100 // self.ordered_minutes

    @property
    def alert_level(self) -> int | None:
        """The highest alert level reached (80 or 100 % of the order), else None."""
        if self.consumed_minutes <= 0:
            return None
        reached = [level for level in ALERT_LEVELS
                   if self.consumed_minutes * 100 >= level * self.ordered_minutes]
        return reached[-1] if reached else None

    @property
    def used_up(self) -> bool:
        """The order is used up: the last alert level (100 %) is reached."""
        return self.alert_level == ALERT_LEVELS[-1]


def consumption(ordered_minutes: int, consumed_minutes: int) -> Consumption:
    """The participant's consumption against its order."""
    return Consumption(ordered_minutes, consumed_minutes)


def check_overrun(*, ordered: int, consumed: int, adding: int, allowed: bool,
                  beneficiary: str = "l'établissement bénéficiaire") -> None:
    """When the version refuses overruns, refuse time that would take the
    beneficiary's consumption beyond its hours ordered (exactly the order is fine)."""
    if allowed or consumed + adding <= ordered:
        return
    left = max(0, ordered - consumed)
    raise RuleRefused(gettext(
        "Refusé : %(beneficiary)s a commandé %(ordered)s pour l'année et en a consommé "
        "%(consumed)s ; il en reste %(left)s, moins que les %(adding)s à compter. La "
        "convention ne permet pas de dépasser les heures commandées.",
        beneficiary=beneficiary, ordered=hours_minutes(ordered),
        consumed=hours_minutes(consumed), left=hours_minutes(left),
        adding=hours_minutes(adding)), code="order_exceeded", remaining_minutes=left)


# --- Year-end regularisation -------------------------------------------------------------

@dataclass(frozen=True)
class Participant:
    """What the regularisation needs to know of a participant."""

    key: Hashable
    member: bool  # False for a « utilisateur »: no share of the surplus or deficit
    ordered_minutes: int
    consumed_minutes: int
    called: Decimal  # provisional calls issued for the year


@dataclass(frozen=True)
class RegularisationLine:
    """One participant's regularisation; positive amounts are owed to the groupement,
    negative ones given back to the participant."""

    key: Hashable
    member: bool
    ordered_minutes: int
    consumed_minutes: int
    ordered: Decimal  # ordered × rate
    called: Decimal
    due: Decimal  # consumed × rate
    share: Decimal  # of the deficit (> 0) or of the surplus (< 0); 0 for a user

    @property
    def adjustment(self) -> Decimal:
        """Due minus called: a complementary call (> 0) or a refund (< 0)."""
        return self.due - self.called

    @property
    def net(self) -> Decimal:
        """What the regularisation asks (> 0) or gives back (< 0), all told."""
        return self.adjustment + self.share

    @property
    def contributed(self) -> Decimal:
        """The participant's final contribution to the year."""
        return self.called + self.net


@dataclass(frozen=True)
class Regularisation:
    """The year's regularisation and the summary that reconciles it to the budget."""

    rate: Decimal
    budget: Decimal  # Σ ordered × rate
    called: Decimal  # Σ provisional calls
    income: Decimal  # Σ consumed × rate: what the participants owe for their hours
    expenses: Decimal  # the groupement's real expenses (= income when not given)
    lines: tuple[RegularisationLine, ...]

    @property
    def result(self) -> Decimal:
        """Income minus expenses: a surplus (> 0) or a deficit (< 0)."""
        return self.income - self.expenses

    @property
    def adjustments(self) -> Decimal:
        """Σ complementary calls minus refunds."""
        return sum((line.adjustment for line in self.lines), ZERO)

    @property
    def shares(self) -> Decimal:
        """Σ shares of the deficit minus surplus given back (= −result)."""
        return sum((line.share for line in self.lines), ZERO)

    @property
    def contributed(self) -> Decimal:
        """Σ final contributions: equals the expenses, to the cent."""
        return sum((line.contributed for line in self.lines), ZERO)


def regularise(participants: Iterable[Participant], rate: Decimal,
               real_expenses: Decimal | None = None) -> Regularisation:
    """The year-end regularisation: each participant owes its consumption × rate
    against what it was called; the groupement's result (that income minus its
    real expenses) is shared among the members only, « à l'euro l'euro » — in
    proportion to each member's due — by largest remainder so that the final
    contributions add up to the real expenses exactly."""
    participants = list(participants)
    rate = Decimal(rate)
    dues = {p.key: ordered_amount(p.consumed_minutes, rate) for p in participants}
    income = sum(dues.values(), ZERO)
    expenses = income if real_expenses is None else round_cents(real_expenses)
    shares = share_out(expenses - income,
                       {p.key: dues[p.key] for p in participants if p.member})
    lines = tuple(RegularisationLine(
        key=p.key, member=p.member, ordered_minutes=p.ordered_minutes,
        consumed_minutes=p.consumed_minutes, ordered=ordered_amount(p.ordered_minutes, rate),
        called=round_cents(p.called), due=dues[p.key], share=shares.get(p.key, ZERO))
        for p in participants)
    if not any(p.member for p in participants) and expenses != income:
        raise RuleRefused(gettext("Aucun membre ne peut couvrir le résultat de l'année : le "
                                  "groupement n'a pas de membre participant."),
                          code="no_member")
    return Regularisation(rate=rate, budget=budget((p.ordered_minutes for p in participants),
                                                   rate),
                          called=sum((line.called for line in lines), ZERO), income=income,
                          expenses=expenses, lines=lines)


# --- Vote weights -------------------------------------------------------------------------

def vote_weights(contributions: Mapping[Hashable, Decimal]) -> dict:
    """Each member's weight in a vote, in percent with two decimals, in proportion to
    its contributions of the current year; the weights add up to 100.00."""
    return share_out(Decimal("100.00"), {k: max(Decimal(v), Decimal(0))
                                         for k, v in contributions.items()})
