"""Stand-ins (issue 13 item 1, « suppléance »): who may name whom, the dates, no
overlap, ending early; and each director action through a stand-in, in its range
(allowed, audited « pour la direction de … ») and outside it (refused); the
director's notifications copied to the stand-in, marked as such."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.governance import procedures
from gic.interventions import services as interventions
from gic.interventions.models import State
from gic.interventions.permissions import next_actions
from gic.models import Role
from gic.notifications.models import Notification
from gic.secondments import services as secondments
from gic.secondments.models import SecondmentStatus
from gic.standins import services
from gic.standins.access import acting_for, directs, standing_in
from gic.standins.models import Standin
from tests.conftest import TODAY, add_user
from tests.helpers import accepted, session

WEEK_END = TODAY + timedelta(days=6)


def name(world, letter="B", who=None, start=TODAY, end=WEEK_END) -> Standin:
    """Director ``letter`` names ``who`` (default: his technician) from start to end."""
    return services.name_standin(world.directors[letter],
                                 standin_id=(who or world.technicians[letter]).id,
                                 starts_on=start, ends_on=end)


def draft(world, provider="A", beneficiary="B"):
    return interventions.create_draft(
        world.technicians[beneficiary], provider_id=world.establishments[provider].id,
        axis=2, nature="incident", description="Imprimante réseau hors service")


def active(world, provider="A", beneficiary="B"):
    i = draft(world, provider, beneficiary)
    interventions.activate(i, world.directors[beneficiary])
    return i


def completed(world, day=date(2026, 11, 2)):
    i = accepted(world, "A", "B")
    session(world, i, day, "08:00", "10:00")
    interventions.complete(i, world.technicians["A"], "Remplacée.")
    return i


def entry_of(action: str, object_id: int) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_id == object_id)).one()


# --- naming ------------------------------------------------------------------------------

def test_a_director_names_a_person_of_his_establishment_who_is_told(world):
    s = name(world)
    assert (s.establishment_id, s.director_id, s.standin_id) == (
        world.establishments["B"].id, world.directors["B"].id, world.technicians["B"].id)
    assert (s.starts_on, s.ends_on, s.ended_early_at) == (TODAY, WEEK_END, None)
    told = db.session.scalars(select(Notification).where(
        Notification.user_id == world.technicians["B"].id)).one()
    assert "Direction B vous désigne pour suppléer la direction de Établissement B" in told.body
    assert entry_of("standin.create", s.id).actor_id == world.directors["B"].id


def test_an_accountant_of_the_establishment_may_stand_in_too(world):
    deputy = add_user(world.groupement, "adjointe.b@gic65.test", Role.ACCOUNTANT,
                      world.establishments["B"], "Adjointe B")
    assert name(world, who=deputy).standin_id == deputy.id


@pytest.mark.parametrize("namer", ["coordinator", "technician", "accountant"])
def test_only_a_director_names_a_stand_in(world, namer):
    actor = {"coordinator": world.coordinator, "technician": world.technicians["B"],
             "accountant": world.accountant}[namer]
    with pytest.raises(Forbidden, match="Seule la direction"):
        services.name_standin(actor, standin_id=world.technicians["A"].id,
                              starts_on=TODAY, ends_on=WEEK_END)
    assert db.session.scalar(select(Standin.id)) is None


def test_a_stand_in_cannot_name_another(world):
    name(world)
    with pytest.raises(Forbidden):
        services.name_standin(world.technicians["B"], standin_id=world.directors["B"].id,
                              starts_on=TODAY, ends_on=WEEK_END)


def test_who_may_not_be_named(world, other_world):
    b = world.establishments["B"]
    coordinator_of_b = add_user(world.groupement, "coord.b@gic65.test", Role.COORDINATOR, b)
    gone = add_user(world.groupement, "parti.b@gic65.test", Role.TECHNICIAN, b, "Parti")
    gone.active = False
    refused = {
        world.technicians["A"].id: "une personne de votre établissement",
        other_world.technicians["X"].id: "une personne de votre établissement",
        world.directors["B"].id: "autre personne que vous-même",
        coordinator_of_b.id: "La coordination ne peut pas suppléer",
        gone.id: "désactivé",
        999_999: "une personne de votre établissement",
    }
    for person_id, message in refused.items():
        with pytest.raises(InvalidField, match=message) as caught:
            services.name_standin(world.directors["B"], standin_id=person_id,
                                  starts_on=TODAY, ends_on=WEEK_END)
        assert caught.value.field == "standin_id"
    assert db.session.scalar(select(Standin.id)) is None


def test_the_dates_start_today_at_the_earliest_and_are_in_order(world):
    with pytest.raises(InvalidField, match="aujourd'hui au plus tôt") as caught:
        name(world, start=TODAY - timedelta(days=1))
    assert caught.value.field == "starts_on"
    with pytest.raises(InvalidField, match="avant le premier") as caught:
        name(world, start=TODAY + timedelta(days=3), end=TODAY + timedelta(days=2))
    assert caught.value.field == "ends_on"
    assert name(world, start=TODAY, end=TODAY).ends_on == TODAY  # one day is a range


def test_ranges_of_one_establishment_do_not_overlap(world):
    deputy = add_user(world.groupement, "adjoint.b@gic65.test", Role.TECHNICIAN,
                      world.establishments["B"], "Adjoint B")
    name(world, start=TODAY + timedelta(days=2), end=TODAY + timedelta(days=5))
    for start, end in ((TODAY, TODAY + timedelta(days=2)),
                       (TODAY + timedelta(days=5), TODAY + timedelta(days=9)),
                       (TODAY + timedelta(days=3), TODAY + timedelta(days=4)),
                       (TODAY, TODAY + timedelta(days=30))):
        with pytest.raises(RuleRefused, match="chevauche la suppléance de Technicien B") as caught:
            name(world, who=deputy, start=start, end=end)
        assert caught.value.code == "standin_overlap"
        db.session.rollback()
    # Next to it, and in another establishment at the same time: allowed.
    name(world, who=deputy, start=TODAY + timedelta(days=6), end=TODAY + timedelta(days=8))
    name(world, "C", start=TODAY + timedelta(days=2), end=TODAY + timedelta(days=5))
    assert db.session.scalar(select(db.func.count(Standin.id))) == 3


def test_a_range_ended_early_no_longer_blocks_a_new_one(world):
    s = name(world)
    services.end_standin(s, world.directors["B"])
    assert name(world).id != s.id


# --- in force, or not ------------------------------------------------------------------------

def test_in_force_only_within_its_range(world, clock):
    technician = world.technicians["B"]
    b = world.establishments["B"].id
    s = name(world, start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=2))
    assert not directs(technician, b) and standing_in(technician) == []
    clock.move_to("2026-11-24 08:00 +01:00")
    assert directs(technician, b) and acting_for(technician, b).id == s.id
    assert not directs(technician, world.establishments["A"].id)  # his own only
    clock.move_to("2026-11-25 23:30 +01:00")
    assert directs(technician, b)  # the last day is included, in Paris time
    clock.move_to("2026-11-26 00:30 +01:00")
    assert not directs(technician, b)


def test_a_stand_in_loses_the_rights_when_he_leaves_or_the_director_does(world):
    technician = world.technicians["B"]
    b = world.establishments["B"].id
    name(world)
    technician.establishment_id = world.establishments["C"].id
    db.session.flush()
    assert not directs(technician, b)
    technician.establishment_id = b
    world.directors["B"].active = False
    db.session.flush()
    assert not directs(technician, b)


def test_the_director_himself_is_never_acting_through_a_stand_in(world):
    name(world)
    assert directs(world.directors["B"], world.establishments["B"].id)
    assert acting_for(world.directors["B"], world.establishments["B"].id) is None


# --- ending early -------------------------------------------------------------------------------

def test_ending_early_stops_the_rights_at_once_and_keeps_the_days_used(world):
    s = name(world)
    ended = services.end_standin(s, world.directors["B"])
    assert ended.ended_early_at is not None and ended.ends_on == TODAY
    assert not directs(world.technicians["B"], world.establishments["B"].id)
    assert entry_of("standin.end", s.id).before["ends_on"] == WEEK_END.isoformat()
    told = db.session.scalars(select(Notification.subject).where(
        Notification.user_id == world.technicians["B"].id, Notification.key.endswith(":end"))).one()
    assert told.startswith("Fin de la suppléance")
    with pytest.raises(RuleRefused, match="déjà terminée"):
        services.end_standin(s, world.directors["B"])


def test_a_range_not_started_yet_is_withdrawn_with_its_dates(world):
    later = TODAY + timedelta(days=10)
    s = services.end_standin(name(world, start=later, end=later), world.directors["B"])
    assert (s.starts_on, s.ends_on) == (later, later) and s.ended_early_at is not None
    assert s.status_on(TODAY) == "terminée par anticipation"


def test_only_a_director_of_the_establishment_ends_it(world, other_world):
    s = name(world)
    for actor in (world.technicians["B"], world.coordinator):
        with pytest.raises(Forbidden):
            services.end_standin(s, actor)
    for actor in (world.directors["A"], other_world.directors["X"]):
        with pytest.raises(NotFound):
            services.end_standin(s, actor)
    assert s.ended_early_at is None


# --- each director action through a stand-in --------------------------------------------------

def test_activate_in_range_is_audited_for_the_direction(world):
    name(world)
    i = draft(world)
    assert "activate" in next_actions(world.technicians["B"], i)
    interventions.activate(i, world.technicians["B"])
    assert i.state == State.ACTIVE
    entry = entry_of("intervention.activate", i.id)
    assert entry.actor_id == world.technicians["B"].id
    assert entry.on_behalf == ("pour la direction de Établissement B "
                               "(suppléance de Direction B)")


def test_activate_out_of_range_is_refused(world, clock):
    name(world, start=TODAY + timedelta(days=1), end=TODAY + timedelta(days=1))
    i = draft(world)
    assert "activate" not in next_actions(world.technicians["B"], i)
    with pytest.raises(Forbidden, match="Seule la direction"):
        interventions.activate(i, world.technicians["B"])
    db.session.rollback()
    clock.move_to("2026-11-25 09:00 +01:00")  # the day after the range
    with pytest.raises(Forbidden):
        interventions.activate(i, world.technicians["B"])


def test_accept_and_assign_and_decline_for_the_provider(world, clock):
    deputy = add_user(world.groupement, "adjoint.a@gic65.test", Role.ACCOUNTANT,
                      world.establishments["A"], "Adjoint A")
    name(world, "A", who=deputy)
    first, second = active(world), active(world)
    interventions.accept(first, deputy, world.technicians["A"].id)
    assert (first.state, first.technician_id) == (State.ACCEPTED, world.technicians["A"].id)
    interventions.decline(second, deputy, "Pas de technicien disponible.")
    assert second.state == State.DECLINED
    for action, i in (("accept", first), ("decline", second)):
        assert entry_of(f"intervention.{action}", i.id).on_behalf.startswith(
            "pour la direction de Établissement A")
    third = active(world)
    clock.move_to("2026-12-01 09:00 +01:00")  # after the range
    with pytest.raises(Forbidden):
        interventions.accept(third, deputy, world.technicians["A"].id)
    db.session.rollback()
    with pytest.raises(Forbidden):
        interventions.decline(third, deputy, "Non.")


def test_a_provider_stand_in_does_not_act_for_the_beneficiary(world):
    name(world, "A")
    i = draft(world)
    with pytest.raises(Forbidden):
        interventions.activate(i, world.technicians["A"])


def test_validate_in_and_out_of_range(world, clock):
    name(world)
    i = completed(world)
    interventions.validate(i, world.technicians["B"])
    assert i.state == State.VALIDATED
    assert entry_of("intervention.validate", i.id).standin_id is not None
    other = completed(world, date(2026, 11, 3))
    clock.move_to("2026-12-01 09:00 +01:00")
    with pytest.raises(Forbidden):
        interventions.validate(other, world.technicians["B"])


def test_cancel_in_and_out_of_range(world, clock):
    name(world)
    i = active(world)  # once active, only the beneficiary's direction cancels
    interventions.cancel(i, world.technicians["B"])
    assert i.state == State.CANCELLED
    assert entry_of("intervention.cancel", i.id).standin_id is not None
    other = active(world)
    clock.move_to("2026-12-01 09:00 +01:00")
    with pytest.raises(Forbidden):
        interventions.cancel(other, world.technicians["B"])


def test_the_drafter_cancelling_his_draft_acts_in_his_own_name(world):
    name(world)
    i = draft(world)
    interventions.cancel(i, world.technicians["B"])
    assert entry_of("intervention.cancel", i.id).standin_id is None


def test_the_director_acting_himself_is_audited_in_his_own_name(world):
    name(world)
    i = draft(world)
    interventions.activate(i, world.directors["B"])
    assert entry_of("intervention.activate", i.id).on_behalf is None


def _proposal(world):
    return secondments.propose(
        world.technicians["A"], provider_id=world.establishments["A"].id,
        beneficiary_id=world.establishments["B"].id, project="Messagerie",
        description="Bascule.", start_date=date(2027, 1, 1), end_date=date(2027, 6, 30),
        pricing="hourly", hourly_rate=Decimal("30.00"))


def test_approve_and_refuse_a_secondment_in_and_out_of_range(world, clock):
    name(world)
    s = _proposal(world)
    assert "approve" in secondments.next_actions(world.technicians["B"], s)
    assert secondments.awaiting_approval(world.technicians["B"]) == [s]
    secondments.approve(s, world.technicians["B"])
    assert s.beneficiary_approved_by_id == world.technicians["B"].id
    assert entry_of("secondment.approve", s.id).on_behalf.startswith(
        "pour la direction de Établissement B")
    refused = _proposal(world)
    secondments.refuse(refused, world.technicians["B"], "Pas cette année.")
    assert refused.status == SecondmentStatus.REFUSED
    assert entry_of("secondment.refuse", refused.id).standin_id is not None
    late = _proposal(world)
    clock.move_to("2026-12-01 09:00 +01:00")
    assert secondments.next_actions(world.technicians["B"], late) == []
    with pytest.raises(Forbidden):
        secondments.approve(late, world.technicians["B"])


def test_vote_on_a_membership_in_and_out_of_range(world, clock):
    accepted(world)  # the groupement is at work: a new member is voted on
    name(world)
    procedure = procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                          finess="650781995", contact="Mme Verdier")
    ballot = procedures.cast_ballot(procedure, world.technicians["B"], choice="for")
    assert ballot.user_id == world.technicians["B"].id
    assert entry_of("governance.vote", procedure.id).on_behalf.startswith(
        "pour la direction de Établissement B")
    late = procedures.propose_member(world.coordinator, name="IME de Tarbes",
                                     finess="650781996", contact="M. Lafont")
    clock.move_to("2026-12-01 09:00 +01:00")
    with pytest.raises(Forbidden):
        procedures.cast_ballot(late, world.technicians["B"], choice="for")


# --- notifications ---------------------------------------------------------------------------

def test_the_director_notices_go_to_the_stand_in_marked(world):
    deputy = add_user(world.groupement, "adjoint.b@gic65.test", Role.ACCOUNTANT,
                      world.establishments["B"], "Adjoint B")
    name(world, who=deputy)
    i = draft(world)  # drafted by B's technician: the director is told « à activer »
    copy = db.session.scalars(select(Notification).where(
        Notification.user_id == deputy.id, Notification.key == f"intervention:{i.id}:create")
    ).one()
    assert copy.subject.endswith("(suppléance de Direction B)")
    assert copy.body.startswith("Message adressé à Direction B : vous le recevez en "
                                "suppléance de la direction de Établissement B")
    original = db.session.scalars(select(Notification).where(
        Notification.user_id == world.directors["B"].id,
        Notification.key == f"intervention:{i.id}:create")).one()
    assert "suppléance" not in original.subject


def test_no_copy_outside_the_range_nor_to_the_actor(world):
    later = TODAY + timedelta(days=3)
    deputy = add_user(world.groupement, "adjoint.b@gic65.test", Role.ACCOUNTANT,
                      world.establishments["B"], "Adjoint B")
    name(world, who=deputy, start=later, end=later)
    draft(world)
    assert db.session.scalars(select(Notification.key).where(
        Notification.user_id == deputy.id)).all() == [f"standin:{deputy_range(deputy)}:create"]


def deputy_range(person) -> int:
    return db.session.scalar(select(Standin.id).where(Standin.standin_id == person.id))


def test_the_stand_in_acting_is_not_told_of_his_own_action(world):
    name(world)  # B's technician stands in, and drafts: no « à activer » copy for him
    i = draft(world)
    assert db.session.scalars(select(Notification.key).where(
        Notification.user_id == world.technicians["B"].id,
        Notification.key == f"intervention:{i.id}:create")).all() == []
