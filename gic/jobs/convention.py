"""Jobs about the convention itself: cap alerts (hours ordered in the ordered-hours
model, issue 16) and renewal notices (SPEC §6).

Each job walks every groupement (:func:`gic.per_groupement.for_each_groupement`) and
notifies through :func:`gic.notifications.services.notify`, whose key makes a
second run send nothing. The texts are written in each recipient's language
(:func:`gic.notifications.services.each_reader`).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, timedelta

from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import select

from gic.convention import rules, rules_ordered
from gic.convention.history import cap_for_year, is_ordered, terms_on, year_version
from gic.convention.ledger import cap_use_by_beneficiary
from gic.extensions import db
from gic.formatting import hours_minutes, long_date
from gic.governance.periods import convention_end, period_end  # noqa: F401 (re-exported)
from gic.models import Establishment, Groupement, Role
from gic.notifications.services import (
    directors_of,
    each_reader,
    link_for,
    notify,
    users_with_role,
)
from gic.ordered import ledger
from gic.per_groupement import for_each_groupement

RENEWAL_NOTICE_DAYS = 90  # notice before the end of the convention's current period


# --- Cap alerts --------------------------------------------------------------------

def cap_alerts(today: date) -> dict[str, int]:
    """Tell the beneficiary's directors when its billable hours of the year reach
    80 %, then 100 %, of the cap: once per level and year (only the highest level
    reached when a run finds both)."""
    return for_each_groupement(_cap_alerts_of, today)


def _cap_alerts_of(groupement: Groupement, today: date) -> int:
    year = today.year
    if is_ordered(groupement.id, year):  # no cap: the hours ordered (issue 16)
        return _order_alerts_of(groupement, year)
    cap = cap_for_year(groupement.id, year)
    use = cap_use_by_beneficiary(groupement.id, year)
    reached = {eid: level for eid, minutes in use.items()
               if (level := rules.cap_level(minutes, cap)) is not None}
    if not reached:
        return 0
    names, directors = _names_and_directors(groupement.id, reached)
    sent = 0
    for eid, level in sorted(reached.items()):
        subject, body = each_reader(functools.partial(_cap_text, names[eid], year, use[eid],
                                                      cap, level))
        sent += len(notify(directors[eid], kind="cap_alert", key=f"cap:{eid}:{year}:{level}",
                           subject=subject, body=body, link=link_for("billing.year", year=year)))
    return sent


def _hm(minutes: int) -> str:
    """« 7 h 20 » in the language being written (plain spaces: e-mails)."""
    return hours_minutes(minutes, locale=str(get_locale()))


def _cap_text(name: str, year: int, minutes: int, cap: int, level: int) -> tuple[str, str]:
    used = f"{_hm(minutes)} / {_hm(cap)}"
    if level >= 100:
        return (gettext("Plafond annuel atteint pour %(name)s (%(year)s)", name=name, year=year),
                gettext("Les heures facturables de %(year)s reçues par %(name)s ont atteint le "
                        "plafond annuel de la convention : %(used)s.\nAucune nouvelle séance "
                        "facturable ne peut plus être enregistrée pour cet établissement cette "
                        "année ; au-delà, la convention prévoit un détachement temporaire.",
                        year=year, name=name, used=used))
    return (gettext("Plafond annuel : %(level)s %% atteints pour %(name)s (%(year)s)",
                    level=level, name=name, year=year),
            gettext("Les heures facturables de %(year)s reçues par %(name)s atteignent "
                    "%(used)s, soit %(percent)s %% du plafond annuel de la convention.\n"
                    "Il reste %(left)s facturables cette année.", year=year, name=name,
                    used=used, percent=minutes * 100 // cap, left=_hm(cap - minutes)))


# --- Hours ordered (issue 16, item 4) ---------------------------------------------------

def _order_alerts_of(groupement: Groupement, year: int) -> int:
    """In a year of the ordered-hours model: tell the beneficiary's directors when
    the sessions of the year reach 80 %, then 100 %, of its hours ordered (once per
    level and year, only the highest level reached when a run finds both)."""
    ordered = ledger.ordered_minutes(groupement.id, year)
    consumed = ledger.consumed_minutes(groupement.id, year)
    reached = {eid: level for eid, minutes in consumed.items()
               if (level := rules_ordered.consumption(ordered.get(eid, 0),
                                                      minutes).alert_level) is not None}
    if not reached:
        return 0
    allowed = bool(year_version(groupement.id, year).overrun_allowed)
    names, directors = _names_and_directors(groupement.id, reached)
    sent = 0
    for eid, level in sorted(reached.items()):
        subject, body = each_reader(functools.partial(
            _order_text, names[eid], year, consumed[eid], ordered.get(eid, 0), level, allowed))
        sent += len(notify(directors[eid], kind="order_alert",
                           key=f"order:{eid}:{year}:{level}", subject=subject, body=body,
                           link=link_for("billing.year", year=year)))
    return sent


def _order_text(name: str, year: int, minutes: int, ordered: int, level: int,
                allowed: bool) -> tuple[str, str]:
    used = f"{_hm(minutes)} / {_hm(ordered)}"
    if level >= 100:
        beyond = (gettext("La convention permet de les dépasser : les heures en plus sont dues "
                          "au taux horaire et régularisées à la clôture de l'année.") if allowed
                  else gettext("La convention ne permet pas de les dépasser : aucune nouvelle "
                               "séance ne peut être enregistrée pour cet établissement cette "
                               "année sans une commande complémentaire, enregistrée par la "
                               "coordination."))
        return (gettext("Heures commandées atteintes pour %(name)s (%(year)s)", name=name,
                        year=year),
                gettext("Les séances de %(year)s reçues par %(name)s ont atteint les heures "
                        "commandées pour l'année : %(used)s.\n%(beyond)s", year=year,
                        name=name, used=used, beyond=beyond))
    return (gettext("Heures commandées : %(level)s %% consommés pour %(name)s (%(year)s)",
                    level=level, name=name, year=year),
            gettext("Les séances de %(year)s reçues par %(name)s atteignent %(used)s heures "
                    "commandées, soit %(percent)s %% de la commande de l'année.\nIl reste "
                    "%(left)s commandées.", year=year, name=name, used=used,
                    percent=minutes * 100 // ordered, left=_hm(ordered - minutes)))


# --- Renewal -----------------------------------------------------------------------

def convention_renewal(today: date) -> dict[str, int]:
    """From 90 days before the convention's end (as renewed by unanimity so far, see
    :mod:`gic.governance.periods`), tell every director and coordinator of the
    groupement to prepare its renewal: once per end, never after it."""
    return for_each_groupement(_renewal_of, today)


def _renewal_of(groupement: Groupement, today: date) -> int:
    end = convention_end(groupement)  # as renewed by unanimity so far
    days = (end - today).days
    if not 0 <= days <= RENEWAL_NOTICE_DAYS:
        return 0
    terms = terms_on(groupement.id, end + timedelta(days=1))  # the next period's duration
    recipients = (directors_of(groupement.id)
                  + users_with_role(groupement.id, Role.COORDINATOR))
    subject, body = each_reader(functools.partial(_renewal_text, groupement.name, end, days,
                                                  terms.duration_years))
    return len(notify(
        recipients, kind="convention_renewal", key=f"renewal:{groupement.id}:{end.isoformat()}",
        subject=subject, body=body, link=link_for("governance.procedures_index")))


def _renewal_text(name: str, end: date, days: int, years: int) -> tuple[str, str]:
    when = {0: gettext("aujourd'hui"), 1: gettext("demain")}.get(
        days, gettext("dans %(days)s jours", days=days))
    end_text = long_date(end, str(get_locale()))
    renewable = ngettext(
        "La convention est renouvelable par périodes de %(num)d an, avec l'accord de tous les "
        "établissements membres : il est temps de recueillir la décision de chaque direction "
        "(page « Groupement », adhésions et renouvellements).",
        "La convention est renouvelable par périodes de %(num)d ans, avec l'accord de tous les "
        "établissements membres : il est temps de recueillir la décision de chaque direction "
        "(page « Groupement », adhésions et renouvellements).", years)
    return (gettext("Convention de partenariat : la période se termine le %(day)s", day=end_text),
            gettext("La période en cours de la convention de partenariat du groupement "
                    "%(name)s se termine le %(day)s (%(when)s).", name=name, day=end_text,
                    when=when) + "\n" + renewable)


def _names_and_directors(groupement_id: int, establishment_ids
                         ) -> tuple[dict[int, str], dict[int, list]]:
    """The names of the establishments an alert is about, and their active directors."""
    names = dict(db.session.execute(select(Establishment.id, Establishment.name).where(
        Establishment.groupement_id == groupement_id,
        Establishment.id.in_(list(establishment_ids)))).all())
    directors = defaultdict(list)
    for director in directors_of(groupement_id, establishment_ids):
        directors[director.establishment_id].append(director)
    return names, directors
