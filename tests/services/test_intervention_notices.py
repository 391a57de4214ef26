"""Whose move it is: each step of a request notifies the next person (issue 12, item 6),
once, never the actor, within the groupement, by e-mail unless he chose the app only."""

from __future__ import annotations

import email
import email.policy
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions import notices, services
from gic.models import Role
from gic.notifications.models import Notification
from tests.conftest import add_user
from tests.helpers import accepted, session

# They read the e-mails of notifications (or check that none left).
pytestmark = pytest.mark.emails


def told(i, step: str) -> dict[str, Notification]:
    """The notifications of one step of ``i``, by recipient's e-mail."""
    db.session.expire_all()
    return {n.user.email: n for n in db.session.scalars(select(Notification).where(
        Notification.key == f"intervention:{i.id}:{step}"))}


def draft(world, drafter=None, beneficiary="B", provider="A"):
    return services.create_draft(
        drafter or world.technicians[beneficiary], provider_id=world.establishments[provider].id,
        axis=2, nature="incident", description="Serveur de fichiers en panne")


def mails(app) -> list[email.message.EmailMessage]:
    outbox = Path(app.config["MAIL_OUTBOX"])
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(outbox.glob("*-intervention.eml"))] if outbox.exists() else []


def test_each_step_tells_the_person_whose_move_it_is(world):
    tech_a, tech_b = world.technicians["A"], world.technicians["B"]
    dir_a, dir_b = world.directors["A"], world.directors["B"]
    i = draft(world)
    [n] = told(i, "create").values()
    assert n.user_id == dir_b.id and n.kind == "intervention"
    assert n.subject == (f"À activer : demande n° {i.id} (Établissement B, prestataire "
                         "Établissement A)")
    assert n.body.startswith(f"Technicien B a rédigé la demande n° {i.id} : « Serveur de "
                             "fichiers en panne »\nBénéficiaire : Établissement B · "
                             "prestataire : Établissement A.\nÀ vous de l'activer")
    assert n.link == f"/interventions/{i.id}"

    services.activate(i, dir_b)
    assert set(told(i, "activate")) == {dir_a.email}
    assert "À vous de l'accepter" in told(i, "activate")[dir_a.email].body
    services.accept(i, dir_a, tech_a.id)
    assert set(told(i, "accept")) == {tech_a.email}
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    services.complete(i, tech_a, "Fait.")
    assert set(told(i, "complete")) == {dir_b.email}
    assert told(i, "complete")[dir_b.email].subject.startswith("Heures à valider : ")
    services.validate(i, dir_b)
    assert set(told(i, "validate")) == {dir_a.email, tech_a.email}
    # Nobody outside the request was told anything; the drafter had no move to make.
    people = {n.user_id for n in db.session.scalars(select(Notification))}
    assert people == {dir_a.id, dir_b.id, tech_a.id}
    assert tech_b.id not in people


def test_decline_tells_the_drafter_and_the_beneficiary_s_directors_with_the_reason(world):
    i = draft(world)
    services.activate(i, world.directors["B"])
    services.decline(i, world.directors["A"], "Aucun technicien disponible en décembre.")
    declined = told(i, "decline")
    # The drafter, and the beneficiary's director who had activated it.
    assert set(declined) == {world.technicians["B"].email, world.directors["B"].email}
    n = declined[world.technicians["B"].email]
    assert n.subject.startswith(f"Refusée : demande n° {i.id} ")
    assert n.body.endswith("Motif du refus : Aucun technicien disponible en décembre.")


def test_cancel_tells_the_drafter_and_the_provider_it_had_reached(world):
    withdrawn = draft(world)  # a draft: only the beneficiary's side knew of it
    services.cancel(withdrawn, world.directors["B"])
    assert set(told(withdrawn, "cancel")) == {world.technicians["B"].email}

    i = accepted(world)
    services.cancel(i, world.directors["B"])
    assert set(told(i, "cancel")) == {world.technicians["B"].email,
                                      world.directors["A"].email,
                                      world.technicians["A"].email}


def test_the_actor_is_never_told_of_his_own_action(world):
    dir_b = world.directors["B"]
    deputy = add_user(world.groupement, "adjoint.b@gic65.test", Role.DIRECTOR,
                      world.establishments["B"], "Direction adjointe B")
    db.session.commit()
    i = draft(world, drafter=dir_b)  # the director drafts and will activate himself
    assert set(told(i, "create")) == {deputy.email}  # not « à vous d'activer » to himself
    services.activate(i, dir_b)
    services.cancel(i, dir_b)  # his own request: no « annulée » for him
    assert set(told(i, "cancel")) == {world.directors["A"].email}

    own = draft(world, drafter=dir_b)
    services.cancel(own, dir_b)
    assert told(own, "cancel") == {}


def test_each_step_notifies_once(world, app):
    i = draft(world)
    services.activate(i, world.directors["B"])
    assert notices.tell(i, "activate", world.directors["B"]) == 0  # same key: nothing new
    assert notices.tell(i, "create", world.technicians["B"]) == 0
    assert len(told(i, "activate")) == 1 and len(told(i, "create")) == 1
    assert len(mails(app)) == 2


def test_only_the_groupement_is_told(world, other_world):
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    services.complete(i, i.technician, "Fait.")
    services.validate(i, world.directors["B"])
    groupements = {n.groupement_id for n in db.session.scalars(select(Notification))}
    assert groupements == {world.groupement.id}
    others = {u.id for u in [*other_world.directors.values(), *other_world.technicians.values()]}
    assert not others & {n.user_id for n in db.session.scalars(select(Notification))}


def test_in_app_only_stores_the_notification_but_writes_no_email(world, app):
    dir_a, dir_b = world.directors["A"], world.directors["B"]
    dir_b.notify_by_email = False
    db.session.commit()
    i = draft(world)
    [n] = told(i, "create").values()
    assert n.user_id == dir_b.id and n.emailed_at is None and n.read_at is None
    assert mails(app) == []

    services.activate(i, dir_b)  # the provider's director kept the default: e-mail
    [n] = told(i, "activate").values()
    assert n.emailed_at is not None
    [message] = mails(app)
    assert message["To"] == dir_a.email
    assert message["Subject"] == (f"À accepter ou refuser : demande n° {i.id} "
                                  "(Établissement B, prestataire Établissement A)")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Bonjour Direction A,\n\nDirection B a activé la demande n° ")
    assert f"Voir : http://127.0.0.1:5000/interventions/{i.id}\n" in body


def test_acting_on_a_request_marks_ones_own_notifications_about_it_read(world):
    dir_a = world.directors["A"]
    i = draft(world)
    other = draft(world)
    services.activate(i, world.directors["B"])
    services.activate(other, world.directors["B"])
    assert told(i, "activate")[dir_a.email].read_at is None
    services.accept(i, dir_a, world.technicians["A"].id)
    assert told(i, "activate")[dir_a.email].read_at is not None  # his « à vous » is done
    assert told(other, "activate")[dir_a.email].read_at is None  # another request's is not
    assert told(i, "accept")[world.technicians["A"].email].read_at is None


def test_a_step_done_clears_the_other_directors_notice_of_it(world):
    """Two directors at B: once one has activated, the other's « à vous de l'activer »
    is read too; the new step's notices are unread."""
    deputy = add_user(world.groupement, "adjoint@gic65.test", Role.DIRECTOR,
                      world.establishments["B"])
    i = draft(world)
    assert told(i, "create")[deputy.email].read_at is None
    services.activate(i, world.directors["B"])
    assert told(i, "create")[deputy.email].read_at is not None
    assert told(i, "activate")[world.directors["A"].email].read_at is None


def test_a_technician_who_moved_away_is_not_told(world):
    """He could not open the request any more (the link would answer 404)."""
    from gic.admin.users import update_user

    i = accepted(world)
    tech = world.technicians["A"]
    session(world, i, date(2026, 11, 20), "09:00", "10:00")
    services.complete(i, tech, "Serveur réparé.")
    update_user(world.coordinator, tech, establishment_id=world.establishments["C"].id)
    services.validate(i, world.directors["B"])
    assert set(told(i, "validate")) == {world.directors["A"].email}


def test_a_mail_server_down_costs_one_try_and_undoes_nothing(world, monkeypatch):
    """Three directors to tell and a mail server that does not answer: one try (10 s
    at worst, not 30), the step stands, every notice is in the app, none marked e-mailed."""
    from gic.notifications import services as notifications

    for n in (2, 3):
        add_user(world.groupement, f"direction{n}@gic65.test", Role.DIRECTOR,
                 world.establishments["B"])
    tries = []

    def down(n, parts=None):
        tries.append(n.user_id)
        raise OSError("Connection timed out")

    monkeypatch.setattr(notifications, "send_email", down)
    i = draft(world)
    assert len(told(i, "create")) == 3 and len(tries) == 1
    assert all(n.emailed_at is None for n in told(i, "create").values())
