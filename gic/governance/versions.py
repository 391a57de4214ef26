"""The convention's parameters as dated versions (SPEC §2): the coordinator adds a
version that starts on a future day; the past is never rewritten.

- A new version starts tomorrow at the earliest, never in a closed year, never on
  the day another version starts; it must change at least one parameter.
- A version already in force (or past) is neither changed nor deleted; a future
  one may be deleted (then added again, corrected).
- Who is affected, as the preview says: the hourly rate applies to the sessions
  dated from its first day (each session keeps the rate of its date, R6); the
  free threshold to the requests drafted from that day (a request keeps the
  threshold of the day it was drafted); the annual cap to the years whose
  1 January falls in the version (:func:`gic.convention.history.cap_for_year`); the duration
  to the renewals whose new period starts in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import select

from gic import timeutil
from gic.audit.services import record
from gic.convention import rules, years
from gic.convention.history import version_on
from gic.convention.rules_ordered import MAX_INSTALMENTS
from gic.errors import InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.formatting import hours_minutes
from gic.governance.periods import convention_end, reader_date
from gic.models import ConventionModel, ConventionVersion, User
from gic.policy import authorize

MAX_THRESHOLD_MINUTES = 24 * 60
MAX_CAP_MINUTES = 2000 * 60
MAX_RATE = Decimal("1000.00")
MAX_DURATION_YEARS = 10
MAX_YEARS_AHEAD = 10


@dataclass(frozen=True)
class VersionRow:
    """A version with the last day it is in force and where it stands today."""

    version: ConventionVersion
    valid_until: date | None
    state: str  # "past", "current", "future"

    @property
    def state_label(self) -> str:
        return {"past": gettext("Passée"), "current": gettext("En vigueur"),
                "future": gettext("À venir")}[self.state]


def versions_of(user: User, today: date | None = None) -> list[VersionRow]:
    """Every version of the user's groupement, oldest first (any member reads them)."""
    groupement = user.groupement
    today = today or timeutil.local_today(groupement.timezone)
    versions = list(db.session.scalars(select(ConventionVersion).where(
        ConventionVersion.groupement_id == groupement.id).order_by(ConventionVersion.valid_from)))
    rows = []
    for n, v in enumerate(versions):
        following = versions[n + 1] if n + 1 < len(versions) else None
        until = following.valid_from - timedelta(days=1) if following else None
        if v.valid_from > today and n > 0:
            state = "future"
        elif until is None or until >= today:
            state = "current"
        else:
            state = "past"
        rows.append(VersionRow(v, until, state))
    return rows


@dataclass(frozen=True)
class Change:
    """One parameter: old → new value and who it concerns."""

    label: str
    old: str
    new: str
    effect: str


@dataclass
class VersionPreview:
    """What a new version would change, before it is saved."""

    valid_from: date
    previous: ConventionVersion
    following: ConventionVersion | None
    values: dict
    changes: list[Change] = field(default_factory=list)
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _require_coordinator(actor: User) -> None:
    authorize(actor, "governance.edit_versions")


def _check_values(threshold_minutes, cap_minutes, hourly_rate, duration_years) -> Decimal:
    if threshold_minutes is None or not 0 <= threshold_minutes <= MAX_THRESHOLD_MINUTES:
        raise InvalidField(gettext("Le seuil de gratuité va de 0 à 24 h."),
                           field="threshold_minutes")
    if cap_minutes is None or not 0 < cap_minutes <= MAX_CAP_MINUTES:
        raise InvalidField(gettext("Le plafond annuel est positif (2 000 h au plus)."),
                           field="cap_minutes")
    try:
        rate = Decimal(hourly_rate)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidField(gettext("Taux horaire illisible."), field="hourly_rate") from None
    if not rate.is_finite() or not 0 <= rate <= MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        raise InvalidField(gettext("Le taux horaire va de 0 à 1 000 €, au centime."),
                           field="hourly_rate")
    if duration_years is None or not 1 <= duration_years <= MAX_DURATION_YEARS:
        raise InvalidField(gettext("La durée d'une période va de 1 à 10 ans."),
                           field="duration_years")
    return rate.quantize(Decimal("0.01"))


# Issue 16: the model and the ordered-hours settings. Left empty (None) they keep
# the previous version's; a per-intervention version keeps them as they were.
ORDERED_KEYS = ("model", "overrun_allowed", "quorum_percent", "majority_percent",
                "instalments")
OVERRUN_CHOICES = {"yes": True, "no": False}


def _check_model_values(previous: ConventionVersion, model, overrun_allowed, quorum_percent,
                        majority_percent, instalments) -> dict:
    """The model and its settings, checked; an empty one keeps the previous value."""
    values = {key: getattr(previous, key) for key in ORDERED_KEYS}
    if model not in (None, ""):
        try:
            values["model"] = ConventionModel(model)
        except ValueError:
            raise InvalidField(gettext("Modèle de convention inconnu."), field="model") from None
    if values["model"] != ConventionModel.ORDERED_HOURS:
        return values
    if overrun_allowed not in (None, ""):
        if isinstance(overrun_allowed, str):
            if overrun_allowed not in OVERRUN_CHOICES:
                raise InvalidField(gettext("Choisissez si le dépassement est autorisé."),
                                   field="overrun_allowed")
            overrun_allowed = OVERRUN_CHOICES[overrun_allowed]
        values["overrun_allowed"] = bool(overrun_allowed)
    for key, low, high, message in (
            ("quorum_percent", 0, 100,
             gettext("Le quorum va de 0 à %(high)s %% des voix.", high=100)),
            ("majority_percent", 0, 99,
             gettext("La majorité va de 0 à %(high)s %% des voix exprimées (une décision en "
                     "recueille plus).", high=99)),
            ("instalments", 1, MAX_INSTALMENTS,
             gettext("Le nombre d'échéances va de 1 à %(high)s.", high=MAX_INSTALMENTS))):
        value = {"quorum_percent": quorum_percent, "majority_percent": majority_percent,
                 "instalments": instalments}[key]
        if value is None:
            continue
        if not low <= value <= high:
            raise InvalidField(message, field=key)
        values[key] = value
    return values


def _money(value: Decimal) -> str:
    """« 25,00 € » for a French reader, "€25.00" for an English one."""
    locale = get_locale()
    if locale is not None and locale.language != "fr":
        return format_currency(Decimal(value), "EUR", locale=str(locale))
    return f"{Decimal(value):.2f}".replace(".", ",") + " €"


def preview_version(actor: User, *, valid_from: date | None, threshold_minutes: int | None,
                    cap_minutes: int | None, hourly_rate, duration_years: int | None,
                    today: date | None = None, model: str | None = None,
                    overrun_allowed=None, quorum_percent: int | None = None,
                    majority_percent: int | None = None,
                    instalments: int | None = None) -> VersionPreview:
    """Check a new version and describe what it changes, for whom, from when."""
    _require_coordinator(actor)
    groupement = actor.groupement
    today = today or timeutil.local_today(groupement.timezone)
    if valid_from is None:
        raise InvalidField(gettext("Indiquez la date d'entrée en vigueur."), field="valid_from")
    if valid_from <= today:
        raise InvalidField(gettext("Une nouvelle version commence dans le futur : le %(day)s "
                                   "au plus tôt (le passé ne se réécrit pas).",
                                   day=reader_date(today + timedelta(days=1))),
                           field="valid_from", code="not_future")
    if valid_from.year > today.year + MAX_YEARS_AHEAD:
        raise InvalidField(gettext("Date d'entrée en vigueur trop lointaine."), field="valid_from")
    years.check_open(groupement.id, [valid_from.year], message=rules.YEAR_CLOSED_VERSION,
                     field="valid_from", error=InvalidField)
    rate = _check_values(threshold_minutes, cap_minutes, hourly_rate, duration_years)
    taken = db.session.scalar(select(ConventionVersion.id).where(
        ConventionVersion.groupement_id == groupement.id,
        ConventionVersion.valid_from == valid_from))
    if taken:
        raise InvalidField(gettext("Une version commence déjà ce jour-là : supprimez-la "
                                   "d'abord pour la remplacer."),
                           field="valid_from", code="duplicate")
    previous = version_on(groupement.id, valid_from - timedelta(days=1))
    following = db.session.scalars(select(ConventionVersion).where(
        ConventionVersion.groupement_id == groupement.id,
        ConventionVersion.valid_from > valid_from)
        .order_by(ConventionVersion.valid_from).limit(1)).first()
    preview = VersionPreview(valid_from, previous, following, values={
        "valid_from": valid_from, "threshold_minutes": threshold_minutes,
        "cap_minutes": cap_minutes, "hourly_rate": rate, "duration_years": duration_years,
        **_check_model_values(previous, model, overrun_allowed, quorum_percent,
                              majority_percent, instalments)})
    _describe(preview, groupement, today)
    if not preview.changes:
        raise InvalidField(gettext("Aucun paramètre ne change par rapport à la version en "
                                   "vigueur à cette date."),
                           field="threshold_minutes", code="no_change")
    return preview


def _describe(p: VersionPreview, groupement, today: date) -> None:
    """Fill the changes (old → new, who), the unchanged values and the notes."""
    start, old, new = p.valid_from, p.previous, p.values
    day = reader_date(start)
    if p.following:
        until = {"day": day, "until": reader_date(p.following.valid_from - timedelta(days=1)),
                 "next": reader_date(p.following.valid_from)}
        rate_effect = gettext(
            "Séances datées à partir du %(day)s jusqu'au %(until)s (la version du %(next)s "
            "prend ensuite le relais) ; chaque séance garde le taux en vigueur à sa date.",
            **until)
        threshold_effect = gettext(
            "Demandes rédigées à partir du %(day)s jusqu'au %(until)s (la version du %(next)s "
            "prend ensuite le relais) ; une demande garde le seuil du jour où elle a été "
            "rédigée.", **until)
    else:
        rate_effect = gettext("Séances datées à partir du %(day)s ; chaque séance garde le taux "
                              "en vigueur à sa date.", day=day)
        threshold_effect = gettext("Demandes rédigées à partir du %(day)s ; une demande garde "
                                   "le seuil du jour où elle a été rédigée.", day=day)
    cap_effect = _cap_effect(start, p.following, old.cap_minutes)
    effects = {
        "hourly_rate": (gettext("Taux horaire TTC"), _money(old.hourly_rate),
                        _money(new["hourly_rate"]), rate_effect),
        "threshold_minutes": (gettext("Seuil de gratuité sur site"),
                              hours_minutes(old.threshold_minutes),
                              hours_minutes(new["threshold_minutes"]), threshold_effect),
        "cap_minutes": (gettext("Plafond annuel par bénéficiaire"), hours_minutes(old.cap_minutes),
                        hours_minutes(new["cap_minutes"]), cap_effect),
        "duration_years": (gettext("Durée d'une période de la convention"),
                           _years(old.duration_years), _years(new["duration_years"]),
                           gettext("Renouvellements dont la nouvelle période commence à partir "
                                   "du %(day)s ; la période en cours (jusqu'au %(end)s) ne "
                                   "change pas.", day=day,
                                   end=reader_date(convention_end(groupement)))),
    }
    for key, (label, before, after, effect) in effects.items():
        if Decimal(getattr(old, key)) != Decimal(new[key]):
            p.changes.append(Change(label, before, after, effect))
        else:
            p.unchanged.append((label, before))
    _describe_model(p)
    changed = {c.label for c in p.changes}
    p.notes.append(gettext("La facturation %(year)s et antérieure ne change pas, ni ses "
                           "plafonds : elle garde les paramètres de ses dates.",
                           year=start.year - 1))
    if effects["hourly_rate"][0] in changed:
        p.notes.append(gettext("Facturation %(year)s et suivantes : nouveau taux pour toutes les "
                               "séances.", year=start.year) if _jan_first(start) else
                       gettext("Facturation %(year)s : les séances datées avant le %(day)s "
                               "restent à %(old)s, les suivantes passent à %(new)s.",
                               year=start.year, day=day, old=_money(old.hourly_rate),
                               new=_money(new["hourly_rate"])))
    elif effects["cap_minutes"][0] in changed or effects["threshold_minutes"][0] in changed:
        p.notes.append(gettext("Le taux horaire ne change pas : les montants de %(year)s et "
                               "suivants restent calculés au même taux.", year=start.year))
    if today.year < start.year:
        p.notes.append(gettext("L'année en cours (%(year)s) n'est pas concernée.",
                               year=today.year))


def _describe_model(p: VersionPreview) -> None:
    """The model's change, and the ordered-hours settings of an ordered-hours version."""
    old, new, start = p.previous, p.values, p.valid_from
    first = start.year if _jan_first(start) else start.year + 1
    labels = {
        "model": (gettext("Modèle de la convention"), lambda v: v.label,
                  gettext("Années %(first)s et suivantes (le modèle d'une année est celui de la "
                          "version en vigueur au 1er janvier ; %(previous)s garde le sien). Les "
                          "interventions sont comptées sur les heures commandées par le "
                          "bénéficiaire ; appels provisionnels et régularisation remplacent le "
                          "seuil et le plafond.", first=first, previous=first - 1)
                  if new["model"] == ConventionModel.ORDERED_HOURS else
                  gettext("Années %(first)s et suivantes (le modèle d'une année est celui de la "
                          "version en vigueur au 1er janvier ; %(previous)s garde le sien). "
                          "Retour à la facturation à l'intervention (seuil, plafond, taux).",
                          first=first, previous=first - 1)),
        "overrun_allowed": (gettext("Dépassement des heures commandées"),
                            lambda v: gettext("Autorisé") if v else gettext("Refusé"),
                            gettext("Séances enregistrées à partir de cette date.")),
        "quorum_percent": (gettext("Quorum des votes pondérés"),
                           lambda v: gettext("%(num)s %% des voix", num=v),
                           gettext("Votes de l'assemblée générale ouverts à partir de cette "
                                   "date.")),
        "majority_percent": (gettext("Majorité des votes pondérés"),
                             lambda v: gettext("plus de %(num)s %% des voix exprimées", num=v),
                             gettext("Votes de l'assemblée générale ouverts à partir de cette "
                                     "date.")),
        "instalments": (gettext("Échéances de l'appel provisionnel"),
                        lambda v: ngettext("%(num)s échéance", "%(num)s échéances", v),
                        gettext("Appels provisionnels des années %(first)s et suivantes.",
                                first=first)),
    }
    keys = ORDERED_KEYS if new["model"] == ConventionModel.ORDERED_HOURS else ("model",)
    for key in keys:
        label, show, effect = labels[key]
        before, after = getattr(old, key), new[key]
        if key == "model":
            before = before or ConventionModel.PER_INTERVENTION
        if before != after:
            p.changes.append(Change(label, show(before), show(after), effect))
        elif new["model"] == ConventionModel.ORDERED_HOURS:
            # (a per-intervention version's preview stays as it was before issue 16)
            p.unchanged.append((label, show(before)))


def _jan_first(day: date) -> bool:
    return (day.month, day.day) == (1, 1)


def _cap_effect(start: date, following: ConventionVersion | None, old_cap: int) -> str:
    """Which years take the new cap: those whose 1 January falls in the version."""
    first = start.year if _jan_first(start) else start.year + 1
    kept = {"first": first, "previous": first - 1, "cap": hours_minutes(old_cap)}
    if following is None:
        return gettext("Plafond des années %(first)s et suivantes ; %(previous)s garde %(cap)s "
                       "(le plafond d'une année est celui de la version en vigueur au 1er "
                       "janvier).", **kept)
    end = following.valid_from
    last = end.year - 1 if _jan_first(end) else end.year
    if last < first:
        return gettext("Ce plafond ne s'appliquera à aucune année : la version du %(day)s sera "
                       "en vigueur au 1er janvier %(first)s.", day=reader_date(end), first=first)
    if last == first:
        return gettext("Plafond de l'année %(first)s ; %(previous)s garde %(cap)s (le plafond "
                       "d'une année est celui de la version en vigueur au 1er janvier).", **kept)
    return gettext("Plafond des années %(first)s à %(last)s ; %(previous)s garde %(cap)s (le "
                   "plafond d'une année est celui de la version en vigueur au 1er janvier).",
                   last=last, **kept)


def _years(n: int) -> str:
    return ngettext("%(num)s an", "%(num)s ans", n)


def create_version(actor: User, *, today: date | None = None, **values) -> ConventionVersion:
    """Save a previewed version (every check of :func:`preview_version` again)."""
    preview = preview_version(actor, today=today, **values)
    v = preview.values
    version = ConventionVersion(
        groupement_id=actor.groupement_id, valid_from=v["valid_from"],
        start_date=preview.previous.start_date, duration_years=v["duration_years"],
        threshold_minutes=v["threshold_minutes"], cap_minutes=v["cap_minutes"],
        hourly_rate=v["hourly_rate"], **{key: v[key] for key in ORDERED_KEYS})
    db.session.add(version)
    db.session.flush()
    record(actor, "convention.version_create", version,
           after={"valid_from": v["valid_from"].isoformat(),
                  "threshold_minutes": v["threshold_minutes"], "cap_minutes": v["cap_minutes"],
                  "hourly_rate": str(v["hourly_rate"]), "duration_years": v["duration_years"],
                  **{key: (str(v[key]) if key == "model" else v[key])
                     for key in ORDERED_KEYS}},
           before={"version_id": preview.previous.id})
    db.session.commit()
    return version


def get_version(user: User, version_id: int) -> ConventionVersion:
    """A version of the user's groupement (:class:`NotFound` otherwise)."""
    version = db.session.get(ConventionVersion, version_id)
    if version is None or version.groupement_id != user.groupement_id:
        raise NotFound(gettext("Version introuvable."))
    return version


def delete_version(actor: User, version: ConventionVersion,
                   today: date | None = None) -> None:
    """Delete a version that has not come into force yet."""
    if version.groupement_id != actor.groupement_id:
        raise NotFound(gettext("Version introuvable."))
    _require_coordinator(actor)
    today = today or timeutil.local_today(actor.groupement.timezone)
    if version.valid_from <= today:
        raise RuleRefused(gettext("Cette version est (ou a été) en vigueur : elle ne se "
                                  "modifie ni ne se supprime ; créez une nouvelle version à "
                                  "une date future."),
                          code="in_force")
    record(actor, "convention.version_delete", version,
           before={"valid_from": version.valid_from.isoformat(),
                   "threshold_minutes": version.threshold_minutes,
                   "cap_minutes": version.cap_minutes, "hourly_rate": str(version.hourly_rate),
                   "duration_years": version.duration_years})
    db.session.delete(version)
    db.session.commit()
