"""Tell the person whose move it is, at each step of a request's life (SPEC §3).

Called by :mod:`gic.interventions.services` once a step is committed, so web and
API notify alike. One notification per intervention, step and person (the key
``intervention:<id>:<step>``); the actor is never told of his own action (and
his pending ones about the request count as read), and only people of the
intervention's groupement are told. Each one's e-mail adds the minutes and amount
at stake and his own action links (:mod:`gic.interventions.mails`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import force_locale, gettext, lazy_gettext
from sqlalchemy import update

from gic import timeutil
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.interventions.permissions import can_view
from gic.models import User
from gic.notifications.models import Notification
from gic.notifications.services import directors_of, link_for, notify

EXCERPT = 120  # characters of the description quoted in the message


def _beneficiary_directors(i: Intervention) -> list[User]:
    return directors_of(i.groupement_id, [i.beneficiary_id])


def _provider_directors(i: Intervention) -> list[User]:
    return directors_of(i.groupement_id, [i.provider_id])


def _technician(i: Intervention) -> list[User]:
    return [i.technician] if i.technician is not None else []


def _cancelled_people(i: Intervention) -> list[User]:
    """The drafter, and the provider's side if the request had reached it."""
    people = [i.created_by]
    if i.activated_at is not None:
        people += _provider_directors(i) + _technician(i)
    return people


# step: (who is told, subject's start, what to do); in each reader's language.
STEPS: dict[str, tuple[Callable[[Intervention], list[User]], str, str]] = {
    "create": (_beneficiary_directors, lazy_gettext("À activer"),
               lazy_gettext("À vous de l'activer (ou de l'annuler).")),
    "activate": (_provider_directors, lazy_gettext("À accepter ou refuser"),
                 lazy_gettext("À vous de l'accepter en affectant un technicien, ou de la "
                              "refuser.")),
    "accept": (_technician, lazy_gettext("Intervention confiée"),
               lazy_gettext("Elle vous est confiée : saisissez vos séances, puis terminez-la "
                            "avec un compte rendu.")),
    "decline": (lambda i: [i.created_by] + _beneficiary_directors(i), lazy_gettext("Refusée"),
                lazy_gettext("Motif du refus : %(reason)s")),
    "cancel": (_cancelled_people, lazy_gettext("Annulée"),
               lazy_gettext("Elle n'est plus à traiter.")),
    "complete": (_beneficiary_directors, lazy_gettext("Heures à valider"),
                 lazy_gettext("À vous de valider les heures : elles ne sont facturées qu'une "
                              "fois validées.")),
    "validate": (lambda i: _provider_directors(i) + _technician(i),
                 lazy_gettext("Heures validées"),
                 lazy_gettext("Les heures sont validées : l'intervention est close.")),
}

# The notice's first line, by step (whole sentences: the translation may reorder them).
DONE = {
    "create": lazy_gettext("%(actor)s a rédigé la demande n° %(number)s : « %(excerpt)s »"),
    "activate": lazy_gettext("%(actor)s a activé la demande n° %(number)s : « %(excerpt)s »"),
    "accept": lazy_gettext("%(actor)s a accepté la demande n° %(number)s : « %(excerpt)s »"),
    "decline": lazy_gettext("%(actor)s a refusé la demande n° %(number)s : « %(excerpt)s »"),
    "cancel": lazy_gettext("%(actor)s a annulé la demande n° %(number)s : « %(excerpt)s »"),
    "complete": lazy_gettext("%(actor)s a terminé la demande n° %(number)s : « %(excerpt)s »"),
    "validate": lazy_gettext("%(actor)s a validé les heures de la demande n° %(number)s : "
                             "« %(excerpt)s »"),
}


def tell(i: Intervention, step: str, actor: User) -> int:
    """Notify whoever must act (or know) after ``step``; returns how many were told.

    The unread notifications of the request's earlier steps are marked read, the
    actor's and everyone else's: the move they asked for is made (a second director
    of the establishment no longer reads « à vous de l'activer » once it is active).
    """
    db.session.execute(update(Notification).where(
        Notification.read_at.is_(None),
        Notification.key.startswith(f"intervention:{i.id}:", autoescape=True))
        .values(read_at=timeutil.utcnow()))
    who, title, todo = STEPS[step]
    people = _recipients(who(i), i, actor)
    if not people:
        db.session.commit()  # the read marks
        return 0
    # Each reader's notice (and e-mail) in his language (notify writes the texts
    # under it). The read marks are committed with the new notices (by notify), or
    # below when everyone was already told.
    told = notify(
        people, kind="intervention", key=f"intervention:{i.id}:{step}",
        subject=lambda: gettext("%(step)s : demande n° %(number)s (%(beneficiary)s, "
                                "prestataire %(provider)s)", step=title, number=i.id,
                                beneficiary=i.beneficiary.name, provider=i.provider.name),
        body=lambda: "\n".join((
            str(DONE[step]) % {"actor": actor.name, "number": i.id, "excerpt": excerpt(i)},
            gettext("Bénéficiaire : %(beneficiary)s · prestataire : %(provider)s.",
                    beneficiary=i.beneficiary.name, provider=i.provider.name),
            str(todo) % {"reason": i.decline_reason or ""})),
        link=link_for("interventions.detail", intervention_id=i.id),
        actor=actor, parts=lambda user: _parts(i, user))
    if not told:
        db.session.commit()  # the read marks (notify committed them with its notices)
    return len(told)


def _parts(i: Intervention, user: User):
    """What ``user``'s e-mail adds (:func:`mails.parts`), in his language."""
    from gic.interventions import mails  # it reads the services, which import this module
    with force_locale(user.language.value):
        return mails.parts(i, user)


def excerpt(i: Intervention) -> str:
    """The start of the description, on one line, as the notices quote it."""
    text = " ".join(i.description.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT - 1].rstrip() + "…"


def _recipients(users: Iterable[User | None], i: Intervention, actor: User) -> list[User]:
    """Each person once, never the actor, only people who can open the request (its
    groupement; not a technician who has since moved to another establishment)."""
    found: dict[int, User] = {}
    for user in users:
        if user is not None and user.id != actor.id and can_view(user, i):
            found.setdefault(user.id, user)
    return list(found.values())

