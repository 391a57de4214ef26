"""What a request's notice e-mail shows each reader (issue 13, item 3): the minutes
and the amount at stake, and his personal action links (:mod:`maillinks`).

The confirmation page of a link shows the same facts, no more. Amounts (R6) only
for those who read the billing (directors, accountants); a technician reads minutes.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from flask_babel import gettext, lazy_gettext

from gic import timeutil
from gic.convention import rules
from gic.convention.history import terms_on
from gic.convention.ledger import billing_scope
from gic.errors import Forbidden
from gic.extensions import db
from gic.formatting import hours_minutes
from gic.interventions import maillinks
from gic.interventions.models import Intervention, State
from gic.interventions.permissions import next_actions
from gic.interventions.services import assignable_technicians
from gic.models import Groupement, User
from gic.notifications.services import EmailParts, public_link

# Past this many technicians, one « Accepter et choisir le technicien » link
# instead of one link per technician (the page has the list).
MAX_ACCEPT_LINKS = 6
LABELS = {"activate": lazy_gettext("Activer la demande"),
          "validate": lazy_gettext("Valider les heures"),
          "decline": lazy_gettext("Refuser la demande")}
AFTER_WORK = (State.COMPLETED, State.VALIDATED)


def money(value: Decimal) -> str:
    """« 175,00 € » (French, outside any request: scheduled jobs send e-mails too)."""
    return format_currency(value, "EUR", locale="fr_FR")


def reads_amounts(user: User) -> bool:
    """Directors and accountants read what work costs (as on the billing pages)."""
    try:
        billing_scope(user)
    except Forbidden:
        return False
    return True


def stakes(i: Intervention, reader: User) -> list[tuple[str, str]]:
    """(label, value) lines: the time estimated, or once work is logged the time
    spent and what of it is billable (R1–R4), and for a reader of billing the
    amount (R6: on-site minutes at the rate of each session's day; an estimate at
    today's rate)."""
    threshold = hours_minutes(i.threshold_minutes)
    facts = []
    if i.sessions or i.state in AFTER_WORK:
        totals = i.totals()
        facts.append((gettext("Temps passé"), gettext(
            "%(onsite)s sur site, %(remote)s à distance",
            onsite=hours_minutes(totals.onsite), remote=hours_minutes(totals.remote))))
        if i.secondment_id is not None:
            facts.append((gettext("Facturation"),
                          gettext("selon le détachement, hors plafond annuel")))
            return facts
        billable = totals.billable
        facts.append((gettext("Heures facturables"), gettext(
            "%(billable)s (seuil de %(threshold)s sur site atteint)",
            billable=hours_minutes(billable), threshold=threshold) if billable else gettext(
            "%(billable)s (sous le seuil de gratuité de %(threshold)s sur site)",
            billable=hours_minutes(billable), threshold=threshold)))
        if reads_amounts(reader):
            amount = rules.amount([(s.minutes, s.hourly_rate) for s in i.sessions
                                   if s.mode == rules.Mode.ONSITE]) if billable else Decimal(0)
            facts.append((gettext("Montant"), money(amount)))
        return facts
    facts.append((gettext("Temps estimé"), gettext(
        "%(onsite)s sur site, %(remote)s à distance",
        onsite=hours_minutes(i.estimated_onsite_minutes),
        remote=hours_minutes(i.estimated_remote_minutes))))
    if i.secondment_id is not None:
        facts.append((gettext("Facturation"), gettext("selon le détachement, hors plafond annuel")))
        return facts
    if reads_amounts(reader):
        onsite = i.estimated_onsite_minutes
        if rules.threshold_reached(onsite, i.threshold_minutes) and onsite:
            groupement = db.session.get(Groupement, i.groupement_id)
            rate = terms_on(groupement.id, timeutil.local_today(groupement.timezone)).hourly_rate
            facts.append((gettext("Montant estimé"), gettext(
                "%(amount)s (%(onsite)s sur site à %(rate)s de l'heure)",
                amount=money(rules.amount([(onsite, rate)])), onsite=hours_minutes(onsite),
                rate=money(rate))))
        else:
            facts.append((gettext("Montant estimé"), gettext(
                "%(amount)s (sous le seuil de gratuité de %(threshold)s sur site)",
                amount=money(Decimal(0)), threshold=threshold)))
    return facts


def action_links(user: User, i: Intervention) -> list[tuple[str, str, str]]:
    """The buttons of ``user``'s e-mail: (label, full URL, style), one per action he
    may take now; to accept, one per technician of the provider (named: the
    e-mail goes to the provider's director, who knows them)."""
    allowed = next_actions(user, i)
    links = []
    for action in maillinks.ACTIONS:
        if action not in allowed:
            continue
        if action == "accept":
            technicians = assignable_technicians(i)
            if len(technicians) > MAX_ACCEPT_LINKS:
                links.append((gettext("Accepter et choisir le technicien"),
                              _url(user, i, action), ""))
            else:
                links += [(gettext("Accepter et affecter %(name)s", name=t.name),
                           _url(user, i, action, t.id), "") for t in technicians]
            continue
        links.append((str(LABELS[action]), _url(user, i, action),
                      "danger" if action == "decline" else ""))
    return links


def _url(user: User, i: Intervention, action: str, technician_id: int | None = None) -> str:
    return public_link("interventions.email_action",
                       token=maillinks.make_token(user, i, action, technician_id))


def parts(i: Intervention, user: User) -> EmailParts:
    """What ``user``'s e-mail about ``i`` adds to the notice: stakes and links."""
    links = action_links(user, i)
    note = ""
    if links:
        note = gettext("Liens personnels, valables %(hours)s heures et une seule fois : "
                       "chacun ouvre une page de confirmation, rien n'est fait avant votre "
                       "clic sur son bouton. Ne transférez pas cet e-mail.",
                       hours=format(maillinks.hours(), "g"))
    return EmailParts(facts=tuple(stakes(i, user)), actions=tuple(links), note=note)
