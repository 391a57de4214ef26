"""The convention's rules (SPEC §3–4), as pure functions over plain values.

No Flask, no database: services gather the facts (sessions, cap use, closed
years) with grouped SQL and ask these functions for a decision. Every refusal
is a :class:`gic.errors.DomainError` with a French message that cites the rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext, lazy_gettext, ngettext

from gic.convention.constants import ALERT_LEVELS, MAX_YEAR, MIN_YEAR
from gic.enums import N_, Labelled
from gic.errors import DomainError, InvalidField, RuleRefused
from gic.formatting import hours_minutes

CENT = Decimal("0.01")


class Mode(Labelled):
    """Where a session's work was done."""

    REMOTE = "remote", N_("À distance")
    ONSITE = "onsite", N_("Sur site")


class Nature(Labelled):
    """What an intervention is for; the last three are refused by the convention."""

    INCIDENT = "incident", N_("Incident / dysfonctionnement majeur")
    OCCASIONAL_WORK = "occasional_work", N_("Travaux ponctuels")
    DEPLOYMENT = "deployment", N_("Mise en place de matériel ou de logiciel")
    USER_SUPPORT = "user_support", N_("Support utilisateur")
    USER_TRAINING = "user_training", N_("Formation des utilisateurs")
    PERMANENT_CHANGE = "permanent_change", N_("Modification définitive du SI")

FORBIDDEN_NATURES = frozenset(
    {Nature.USER_SUPPORT, Nature.USER_TRAINING, Nature.PERMANENT_CHANGE}
)

# The five axes of cooperation (seed 002, « Objet de la coopération »).
AXES = {  # in French (reports store them); pages translate them: ``_(AXES[n])``
    1: N_("Réunions, échanges d'informations, conseils"),
    2: N_("Renfort d'équipe pour travaux ponctuels et/ou mise en place de matériel et logiciel"),
    3: N_("Remplacement en cas d'absence, sur dysfonctionnement majeur entraînant une urgence"),
    4: N_("Formations communes sur des sujets informatiques"),
    5: N_("Prêt ou don de matériel"),
}
# Interventions are requested on the axes of work done by a technician.
INTERVENTION_AXES = (2, 3)

MAX_ESTIMATE_MINUTES = 2000 * 60  # an estimate beyond this is a typing error


@dataclass(frozen=True)
class ConventionTerms:
    """The parameters of one convention version (SPEC §2)."""

    start_date: date
    duration_years: int
    threshold_minutes: int
    cap_minutes: int
    hourly_rate: Decimal
    # Issue 16: "per_intervention" (these rules) or "ordered_hours" (.rules_ordered).
    model: str = "per_intervention"
    overrun_allowed: bool = True

    @property
    def end_date(self) -> date:
        """Last day of the initial period (start + duration, minus one day)."""
        try:
            anniversary = self.start_date.replace(year=self.start_date.year + self.duration_years)
        except ValueError:  # 29 February
            anniversary = self.start_date.replace(
                year=self.start_date.year + self.duration_years, day=28
            )
        return anniversary - timedelta(days=1)


@dataclass(frozen=True)
class SessionFact:
    """What the rules need to know of a session."""

    day: date
    mode: Mode
    minutes: int
    rate: Decimal = Decimal("0")


# --- Requests -------------------------------------------------------------

def check_nature(nature: str) -> Nature:
    """The nature, if the convention allows it; else a refusal citing the clause."""
    try:
        value = Nature(nature)
    except ValueError:
        raise InvalidField(gettext("Nature d'intervention inconnue."), field="nature") from None
    if value in FORBIDDEN_NATURES:
        raise InvalidField(gettext(
            "« %(nature)s » est exclu par la convention : les interventions « ne peuvent être "
            "activées pour du support utilisateur/formation ou pour des modifications "
            "définitives du SI (partielle ou complète) ».", nature=value.label),
            field="nature", code="nature_refused",
        )
    return value


def check_axis(axis: int) -> int:
    """An intervention is requested on axis 2 (reinforcement) or 3 (replacement)."""
    if axis not in INTERVENTION_AXES:
        raise InvalidField(gettext(
            "Une demande d'intervention relève de l'axe 2 (renfort d'équipe) "
            "ou de l'axe 3 (remplacement en cas d'urgence)."),
            field="axis",
        )
    return axis


def check_estimate(minutes: int, field: str) -> int:
    """Estimated minutes are a non-negative, plausible number."""
    if minutes < 0 or minutes > MAX_ESTIMATE_MINUTES:
        raise InvalidField(gettext("Estimation d'heures invalide."), field=field)
    return minutes


def check_activation(estimated_onsite: int, used_minutes: int, terms: ConventionTerms,
                     year: int) -> None:
    """R7: refuse activating an on-site request that would, if billable, break the cap."""
    if estimated_onsite < terms.threshold_minutes:
        return
    left = max(0, terms.cap_minutes - used_minutes)
    if used_minutes + estimated_onsite > terms.cap_minutes:
        raise RuleRefused(gettext(
            "Activation refusée : les %(estimate)s sur site estimées seraient facturables et "
            "dépasseraient le plafond annuel de %(cap)s en %(year)s (reste %(left)s min, soit "
            "%(left_hm)s). Un détachement temporaire permet d'aller au-delà.",
            estimate=hours_minutes(estimated_onsite), cap=hours_minutes(terms.cap_minutes),
            year=year, left=left, left_hm=hours_minutes(left)),
            code="cap_exceeded", remaining_minutes=left,
        )


# --- Sessions ---------------------------------------------------------------

def session_minutes(day: date, start: time, end: time, tz: str = "Europe/Paris") -> int:
    """Real minutes between start and end on ``day`` in local time ``tz`` (DST-exact)."""
    zone = ZoneInfo(tz)
    begin = datetime.combine(day, start, tzinfo=zone)
    finish = datetime.combine(day, end, tzinfo=zone)
    return int((finish.timestamp() - begin.timestamp()) // 60)


def exists_locally(day: date, at: time, tz: str = "Europe/Paris") -> bool:
    """False for a wall-clock time that the clocks skip (02:30 on the last Sunday
    of March in Paris): such a time names no instant."""
    zone = ZoneInfo(tz)
    local = datetime.combine(day, at, tzinfo=zone)
    return local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(
        tzinfo=None)


def check_local_time(day: date, at: time, tz: str, field: str) -> None:
    """Refuse (422) a time that does not exist on ``day`` in ``tz``."""
    if not exists_locally(day, at, tz):
        raise InvalidField(gettext(
            "%(time)s n'existe pas le %(day)s : les horloges avancent d'une heure cette "
            "nuit-là (passage à l'heure d'été). Indiquez l'heure que montrait l'horloge, "
            "avant 02:00 ou à partir de 03:00.", time=at.strftime("%H:%M"),
            day=day.strftime("%d/%m/%Y")),
            field=field)


def repeated_time_note(day: date, times: Iterable[time], tz: str = "Europe/Paris") -> str:
    """For times that the clocks show twice (the night of the autumn change), which
    one is counted: the first, in summer time (its UTC offset said); else ""."""
    zone = ZoneInfo(tz)
    notes = []
    for at in times:
        first = datetime.combine(day, at, tzinfo=zone)
        second = first.replace(fold=1)
        if first.utcoffset() != second.utcoffset():
            notes.append(f"{at:%H:%M}")
    if not notes:
        return ""
    offset = datetime.combine(day, time(2, 0), tzinfo=zone).strftime("%z")
    times = notes[0] if len(notes) == 1 else gettext(
        "%(first)s et %(second)s", first=notes[0], second=notes[1])
    return ngettext(
        "%(times)s existe deux fois le %(day)s (passage à l'heure d'hiver) : c'est la "
        "première fois qui est comptée, en heure d'été (UTC%(offset)s).",
        "%(times)s existent deux fois le %(day)s (passage à l'heure d'hiver) : c'est la "
        "première fois qui est comptée, en heure d'été (UTC%(offset)s).", len(notes),
        times=times, day=day.strftime("%d/%m/%Y"), offset=offset[:3] + ":" + offset[3:])


def check_session_not_too_old(day: date, *, drafted: date, backdate_days: int,
                              members_since: Mapping[str, date]) -> None:
    """A session is dated at most ``backdate_days`` before its request was drafted,
    and never before one of its establishments became a member (422 on the date):
    a request of today cannot change a past year's cap use and billing."""
    earliest = drafted - timedelta(days=backdate_days)
    if day < earliest:
        raise InvalidField(gettext(
            "Une séance ne peut pas être datée de plus de %(days)s jours avant la demande "
            "(rédigée le %(drafted)s) : le %(earliest)s au plus tôt.", days=backdate_days,
            drafted=drafted.strftime("%d/%m/%Y"), earliest=earliest.strftime("%d/%m/%Y")),
            field="date")
    for name, since in members_since.items():
        if day < since:
            raise InvalidField(gettext(
                "%(name)s n'est membre du groupement que depuis le %(since)s : une séance ne "
                "peut pas être datée d'avant.", name=name, since=since.strftime("%d/%m/%Y")),
                field="date")


def check_session_times(day: date, start: time, end: time, *, now: datetime,
                        terms: ConventionTerms, tz: str = "Europe/Paris") -> int:
    """Validate a session's date and times; return its exact minutes.

    ``now`` is an aware datetime. Refusals are 422 with the field at fault.
    """
    if end <= start:
        raise InvalidField(gettext("L'heure de fin doit être après l'heure de début (même "
                                   "jour)."), field="end")
    check_local_time(day, start, tz, "start")
    check_local_time(day, end, tz, "end")
    if day < terms.start_date:
        raise InvalidField(gettext(
            "La date est antérieure au début de la convention (%(start)s).",
            start=terms.start_date.strftime("%d/%m/%Y")), field="date")
    finish = datetime.combine(day, end, tzinfo=ZoneInfo(tz))
    if finish > now:
        raise InvalidField(gettext("Une séance ne peut pas être dans le futur."), field="date")
    minutes = session_minutes(day, start, end, tz)
    if minutes <= 0:  # spring DST gap: 02:30 -> 03:00 lasts -30 real minutes
        raise InvalidField(gettext("L'heure de fin doit être après l'heure de début (même "
                                   "jour)."), field="end")
    return minutes


def overlaps(start: time, end: time, others: Iterable[tuple[time, time]]) -> bool:
    """True when [start, end) meets one of ``others`` (same technician, same day)."""
    return first_overlap(start, end, others) is not None


def first_overlap(start: time, end: time, others: Iterable[tuple]) -> tuple | None:
    """The first of ``others`` — ``(start, end, …)`` tuples, anything after the two
    times is carried along (which session, which request) — that [start, end) meets."""
    return next((other for other in others if start < other[1] and other[0] < end), None)


# --- Billing ----------------------------------------------------------------

def threshold_reached(onsite_minutes: int, threshold_minutes: int) -> bool:
    """R3: an intervention's on-site time is billable once it reaches the threshold
    (exactly the threshold is billable; only « under » it is free)."""
    return onsite_minutes >= threshold_minutes


def billable_by_year(sessions: Iterable[SessionFact], threshold_minutes: int) -> dict[int, int]:
    """R1–R4: billable minutes of ONE intervention, per civil year of the sessions.

    Remote is never billable; on-site is billable in full once the intervention's
    total on-site time reaches the threshold (exactly the threshold is billable).
    """
    sessions = list(sessions)
    onsite = [s for s in sessions if s.mode == Mode.ONSITE]
    if not threshold_reached(sum(s.minutes for s in onsite), threshold_minutes):
        return {}
    per_year: dict[int, int] = defaultdict(int)
    for s in onsite:
        per_year[s.day.year] += s.minutes
    return dict(per_year)


@dataclass(frozen=True)
class Totals:
    """Minutes of one intervention: on site, remote, and billable per civil year."""

    onsite: int
    remote: int
    billable_by_year: dict[int, int]

    @property
    def billable(self) -> int:
        return sum(self.billable_by_year.values())


def totals(sessions: Iterable[SessionFact], threshold_minutes: int) -> Totals:
    """What pages and the API show under an intervention's sessions."""
    sessions = list(sessions)
    return Totals(
        onsite=sum(s.minutes for s in sessions if s.mode == Mode.ONSITE),
        remote=sum(s.minutes for s in sessions if s.mode == Mode.REMOTE),
        billable_by_year=billable_by_year(sessions, threshold_minutes),
    )


@dataclass(frozen=True)
class CapStatus:
    """Where one intervention stands, for the people who enter its time: the
    beneficiary's cap of ``year`` (R5) and the intervention's threshold (R2–R3)."""

    year: int
    cap_minutes: int
    billable_minutes: int  # the beneficiary's, all providers, pending and validated
    threshold_minutes: int
    counted_minutes: int  # the intervention's on-site minutes, every year (R3)
    onsite_other_years: int  # of which dated in another year than ``year``
    other_years: tuple[int, ...]  # years of the intervention's sessions other than ``year``

    @property
    def remaining_minutes(self) -> int:
        """Billable minutes the beneficiary may still use in ``year`` (never below 0)."""
        return max(0, self.cap_minutes - self.billable_minutes)

    @property
    def reached(self) -> bool:
        """R3: exactly the threshold is billable, only « under » it is free."""
        return threshold_reached(self.counted_minutes, self.threshold_minutes)

    @property
    def before_threshold(self) -> int:
        """On-site minutes still free before the threshold (0 once reached)."""
        return max(0, self.threshold_minutes - self.counted_minutes)

    @property
    def threshold_breaks_cap(self) -> bool:
        """Reaching the threshold makes all the on-site time billable at once: at
        least this year's share of the threshold, which may be more than is left
        (SPEC §4 case 6: the session that reaches it is then refused)."""
        at_least = self.threshold_minutes - self.onsite_other_years
        return not self.reached and at_least > self.remaining_minutes

    def as_json(self) -> dict:
        """The API's ``cap`` and ``threshold`` objects (minutes as integers)."""
        return {
            "cap": {"year": self.year, "cap_minutes": self.cap_minutes,
                    "billable_minutes": self.billable_minutes,
                    "remaining_minutes": self.remaining_minutes},
            "threshold": {"threshold_minutes": self.threshold_minutes,
                          "counted_minutes": self.counted_minutes,
                          "reached": self.reached},
        }


def cap_level(minutes: int, cap_minutes: int) -> int | None:
    """The highest alert level (:data:`constants.ALERT_LEVELS`: 80 or 100 % of the
    annual cap) that a beneficiary's billable ``minutes`` reach, or None."""
    if cap_minutes <= 0:
        return None
    reached = [level for level in ALERT_LEVELS if minutes * 100 >= cap_minutes * level]
    return max(reached, default=None)


def amount(minutes_and_rates: Iterable[tuple[int, Decimal]]) -> Decimal:
    """R6: Σ minutes × rate / 60, rounded once, half-up to the cent."""
    return weighted_amount(sum((Decimal(m) * Decimal(r) for m, r in minutes_and_rates),
                               Decimal(0)))


def weighted_amount(weighted: Decimal) -> Decimal:
    """R6 on a sum already made: ``weighted`` is Σ minutes × rate (EUR·min); the
    amount is that / 60, rounded once, half-up to the cent."""
    return round_cents(Decimal(weighted) / 60)


def cents_amount(weighted_cents: int) -> Decimal:
    """R6 on the ledger's ``weighted_cents`` (Σ minutes × rate in cents, an exact
    integer on every database: :func:`gic.convention.ledger.billable_by_intervention`)."""
    return weighted_amount(Decimal(int(weighted_cents)) / 100)


def round_cents(value: Decimal) -> Decimal:
    """Half-up rounding to the cent (never banker's rounding, never floats)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def check_cap(*, before: Mapping[int, int], after: Mapping[int, int],
              used_by_others: Mapping[int, int], cap_by_year: Mapping[int, int],
              beneficiary: str | None = None) -> None:
    """R5: refuse a change that would raise a year's billable use above its cap.

    ``before``/``after`` are the intervention's billable minutes per year around
    the change; ``used_by_others`` the beneficiary's billable minutes of the year
    from every other intervention (pending and validated, all providers).
    A change that lowers or keeps a year's use is always allowed.
    """
    for year in sorted(after):
        if after[year] <= before.get(year, 0):
            continue
        cap = cap_by_year[year]
        used = used_by_others.get(year, 0)
        if used + after[year] > cap:
            left = max(0, cap - used - before.get(year, 0))
            raise RuleRefused(gettext(
                "Séance refusée : le plafond annuel de %(cap)s facturables pour "
                "%(beneficiary)s en %(year)s serait dépassé. Il reste %(left)s min "
                "(%(left_hm)s) facturables cette année. Pour aller au-delà, les directions "
                "peuvent convenir d'un détachement temporaire.", cap=hours_minutes(cap),
                beneficiary=beneficiary or gettext("l'établissement bénéficiaire"),
                year=year, left=left, left_hm=hours_minutes(left)),
                code="cap_exceeded", remaining_minutes=left, year=year,
            )


# R9's refusal as each kind of change tells it (%(years)s: the closed ones among those
# the change touches), in the reader's language when raised.
YEAR_CLOSED = lazy_gettext("L'année %(years)s est clôturée : sa facturation est figée et ses "
                           "séances ne peuvent plus être créées, modifiées ni supprimées.")
YEAR_CLOSED_RECORDS = lazy_gettext("L'année %(years)s est clôturée : ce qui y est enregistré "
                                   "ne peut plus être ajouté, modifié ni supprimé.")
YEAR_CLOSED_PERIOD = lazy_gettext("La période touche l'année %(years)s, clôturée : sa "
                                  "facturation est figée. Choisissez une période dans des "
                                  "années ouvertes.")
YEAR_CLOSED_VERSION = lazy_gettext("L'année %(years)s est clôturée : sa facturation est figée.")
YEAR_CLOSED_CALLS = lazy_gettext("L'année %(years)s est clôturée.")


def check_years_open(years: Iterable[int], closed_years: Iterable[int], *,
                     message: str = YEAR_CLOSED, field: str | None = None,
                     error: type[DomainError] = RuleRefused) -> None:
    """R9: nothing may change what a closed year holds (its billing, its sessions,
    its records). ``message`` names the change (one of the ``YEAR_CLOSED`` texts);
    ``error`` is 409 (a rule) unless the field itself is at fault (422)."""
    hit = sorted(set(years) & set(closed_years))
    if hit:
        raise error(str(message) % {"years": ", ".join(map(str, hit))}, code="year_closed",
                    field=field)


# --- Years -------------------------------------------------------------------------

def is_plausible_year(year: int) -> bool:
    """A civil year the application deals with (:data:`constants.MIN_YEAR` to
    :data:`constants.MAX_YEAR`); anything else is a typing error."""
    return MIN_YEAR <= year <= MAX_YEAR


def check_year(year: int) -> int:
    """A plausible civil year, else 422."""
    if not is_plausible_year(year):
        raise InvalidField(gettext("Année invalide."), field="year")
    return year


def settlements(pair_amounts: Mapping[tuple[int, int], Decimal]) -> list[tuple[int, int, Decimal]]:
    """Net settlement between each two establishments.

    ``pair_amounts[(provider, beneficiary)]`` is what the beneficiary owes the
    provider. Returns ``(payer, payee, amount)`` with amount > 0, one per pair.
    """
    net: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for (provider, beneficiary), value in pair_amounts.items():
        a, b = sorted((provider, beneficiary))
        # positive: b pays a ... normalise as "beneficiary pays provider"
        net[(a, b)] += value if beneficiary == b else -value
    result = []
    for (a, b), value in sorted(net.items()):
        if value > 0:
            result.append((b, a, value))
        elif value < 0:
            result.append((a, b, -value))
    return result


# --- Secondments (R8) ----------------------------------------------------------

def check_secondment_period(day: date, start: date, end: date) -> None:
    """R8: the sessions of an intervention attached to a secondment lie in its period."""
    if not start <= day <= end:
        raise InvalidField(gettext(
            "Séance refusée : le %(day)s est en dehors de la période du détachement "
            "temporaire (du %(start)s au %(end)s).", day=day.strftime("%d/%m/%Y"),
            start=start.strftime("%d/%m/%Y"), end=end.strftime("%d/%m/%Y")),
            field="date", code="outside_secondment")


def secondment_amount(*, minutes: int, hourly_rate: Decimal | None, lump_sum: Decimal | None,
                      year: int, end_year: int) -> Decimal:
    """R8: what the beneficiary owes the provider for one secondment and one civil year.

    Agreed hourly rate: ``minutes`` (every minute of the year's validated sessions,
    on site and remote: the convention's free threshold does not apply) × rate / 60,
    rounded once, half-up to the cent. Lump sum: the whole sum in the civil year
    the period ends (``end_year``), nothing in the other years.
    """
    if lump_sum is not None:
        return round_cents(lump_sum) if year == end_year else Decimal("0.00")
    if hourly_rate is None:
        raise ValueError("a secondment has an hourly rate or a lump sum")
    return amount([(minutes, hourly_rate)])
