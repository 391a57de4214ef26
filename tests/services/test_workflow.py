"""The life of a request (SPEC §3) through the services: who may do each step,
in which state, and what the audit log keeps."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, State
from gic.interventions.permissions import next_actions
from gic.timeutil import local_today
from tests.helpers import accepted, hm, session


def draft(world, beneficiary="B", provider="A", **kwargs):
    fields = {"axis": 2, "nature": "incident", "description": "Serveur de fichiers en panne"}
    fields.update(kwargs)
    return services.create_draft(world.technicians[beneficiary],
                                 provider_id=world.establishments[provider].id, **fields)


def state_of(i) -> State:
    db.session.expire_all()
    return State(db.session.get(Intervention, i.id).state)


def people(world, other_world=None):
    """Everybody who might try an action (and the other groupement's director)."""
    found = {f"technician {x}": u for x, u in world.technicians.items()}
    found.update({f"director {x}": u for x, u in world.directors.items()})
    found.update(coordinator=world.coordinator, accountant=world.accountant)
    if other_world is not None:
        found["director X (other groupement)"] = other_world.directors["X"]
    return found


EVERYONE = ["technician A", "technician B", "technician C", "director A", "director B",
            "director C", "coordinator", "accountant", "director X (other groupement)"]


def prepare(world, action: str):
    """An intervention in the state where ``action`` is possible."""
    if action == "activate":
        return draft(world)
    if action in ("accept", "decline"):
        i = draft(world)
        services.activate(i, world.directors["B"])
        return i
    if action == "cancel":
        return accepted(world)
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    if action == "validate":
        services.complete(i, i.technician, "Fait.")
    return i


def perform(world, action: str, i, actor):
    if action == "accept":
        return services.accept(i, actor, world.technicians["A"].id)
    if action == "decline":
        return services.decline(i, actor, "Pas de technicien disponible.")
    if action == "complete":
        return services.complete(i, actor, "Switch remplacé, tests faits.")
    return getattr(services, action)(i, actor)


ALLOWED = {
    "activate": {"director B"},
    "accept": {"director A"},
    "decline": {"director A"},
    "cancel": {"director B"},
    "complete": {"technician A"},
    "validate": {"director B"},
}
RESULT = {"activate": State.ACTIVE, "accept": State.ACCEPTED, "decline": State.DECLINED,
          "cancel": State.CANCELLED, "complete": State.COMPLETED, "validate": State.VALIDATED}


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_table(world, other_world, action, who):
    i = prepare(world, action)
    start = state_of(i)
    actor = people(world, other_world)[who]
    if who in ALLOWED[action]:
        perform(world, action, i, actor)
        assert state_of(i) == RESULT[action]
    else:
        with pytest.raises(Forbidden) as refused:
            perform(world, action, i, actor)
        assert refused.value.status == 403 and refused.value.message
        db.session.rollback()
        assert state_of(i) == start


def test_the_drafter_may_cancel_his_draft_only(world):
    i = draft(world)
    services.cancel(i, world.technicians["B"])
    assert state_of(i) == State.CANCELLED
    j = draft(world)
    services.activate(j, world.directors["B"])
    with pytest.raises(Forbidden):
        services.cancel(j, world.technicians["B"])


def test_full_life_and_its_audit(world):
    i = draft(world, estimated_onsite_minutes=480, urgency="urgent")
    assert (i.state, i.threshold_minutes, i.urgency) == (State.DRAFT, 420, "urgent")
    services.activate(i, world.directors["B"])
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    assert i.technician_id == world.technicians["A"].id
    session(world, i, date(2025, 3, 3), "08:00", "15:20")
    services.complete(i, world.technicians["A"], "Serveur réinstallé.")
    services.validate(i, world.directors["B"])
    assert state_of(i) == State.VALIDATED

    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "Intervention").order_by(AuditEntry.id)))
    assert [(e.action, e.actor_id) for e in entries] == [
        ("intervention.create", world.technicians["B"].id),
        ("intervention.activate", world.directors["B"].id),
        ("intervention.accept", world.directors["A"].id),
        ("intervention.complete", world.technicians["A"].id),
        ("intervention.validate", world.directors["B"].id),
    ]
    states = [((e.before or {}).get("state"), e.after["state"]) for e in entries]
    assert states == [(None, "draft"), ("draft", "active"), ("active", "accepted"),
                      ("accepted", "completed"), ("completed", "validated")]
    accept_entry = entries[2]
    assert accept_entry.before["technician_id"] is None
    assert accept_entry.after["technician_id"] == world.technicians["A"].id
    assert entries[3].after["report"] == "Serveur réinstallé."
    b, a = world.establishments["B"].id, world.establishments["A"].id
    assert {(e.establishment_id, e.other_establishment_id) for e in entries} == {(b, a)}


def test_decline_needs_a_reason_and_is_kept(world):
    i = prepare(world, "decline")
    with pytest.raises(InvalidField) as refused:
        services.decline(i, world.directors["A"], "   ")
    assert refused.value.field == "reason"
    db.session.rollback()
    services.decline(i, world.directors["A"], "Technicien en congé.")
    assert (state_of(i), i.decline_reason) == (State.DECLINED, "Technicien en congé.")


@pytest.mark.parametrize("who", ["technician B", "director A", "technician C"])
def test_accept_assigns_a_technician_of_the_provider_only(world, who):
    i = prepare(world, "accept")
    with pytest.raises(InvalidField) as refused:
        services.accept(i, world.directors["A"], people(world)[who].id)
    assert refused.value.field == "technician_id"
    db.session.rollback()
    assert state_of(i) == State.ACTIVE


@pytest.mark.parametrize(("action", "state_maker"), [
    ("activate", "accept"),    # already active
    ("accept", "activate"),    # still a draft
    ("decline", "cancel"),     # accepted
    ("complete", "validate"),  # already completed
    ("validate", "cancel"),    # accepted, not completed
])
def test_actions_refused_in_the_wrong_state(world, action, state_maker):
    i = prepare(world, state_maker)
    start = state_of(i)
    actor = people(world)[next(iter(ALLOWED[action]))]
    with pytest.raises(RuleRefused) as refused:
        perform(world, action, i, actor)
    assert refused.value.status == 409 and refused.value.code == "wrong_state"
    db.session.rollback()
    assert state_of(i) == start


def test_work_done_is_never_erased_by_a_cancel(world):
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "10:00", mode="remote")
    assert "cancel" not in next_actions(world.directors["B"], i)
    with pytest.raises(RuleRefused) as refused:
        services.cancel(i, world.directors["B"])
    assert "jamais effacé" in refused.value.message
    db.session.rollback()
    assert state_of(i) == State.ACCEPTED


def test_complete_needs_a_session_and_a_report(world):
    i = accepted(world)
    with pytest.raises(RuleRefused):
        services.complete(i, i.technician, "Rien fait.")
    db.session.rollback()
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    with pytest.raises(InvalidField) as refused:
        services.complete(i, i.technician, "  ")
    assert refused.value.field == "report"
    db.session.rollback()
    assert state_of(i) == State.ACCEPTED


def test_next_actions_follow_the_state(world):
    i = draft(world)
    assert next_actions(world.directors["B"], i) == ["activate", "cancel"]
    assert next_actions(world.directors["A"], i) == []
    services.activate(i, world.directors["B"])
    assert next_actions(world.directors["A"], i) == ["accept", "decline"]
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    assert "log_session" in next_actions(world.technicians["A"], i)
    assert next_actions(world.directors["B"], i) == ["cancel"]
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    assert next_actions(world.technicians["A"], i) == ["complete", "log_session"]
    assert next_actions(world.directors["B"], i) == []
    services.complete(i, world.technicians["A"], "Fait.")
    assert next_actions(world.technicians["A"], i) == []
    assert next_actions(world.directors["B"], i) == ["validate"]


# --- Drafting ----------------------------------------------------------------------

@pytest.mark.parametrize("nature", ["user_support", "user_training", "permanent_change"])
def test_forbidden_natures_refused_at_drafting(world, nature):
    with pytest.raises(InvalidField) as refused:
        draft(world, nature=nature)
    assert refused.value.code == "nature_refused" and "convention" in refused.value.message
    db.session.rollback()
    assert db.session.scalars(select(Intervention)).first() is None


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"axis": 1}, "axis"),
    ({"axis": 5}, "axis"),
    ({"description": "  "}, "description"),
    ({"urgency": "yesterday"}, "urgency"),
    ({"estimated_onsite_minutes": -1}, "estimated_onsite_minutes"),
])
def test_draft_fields_checked(world, kwargs, field):
    with pytest.raises(InvalidField) as refused:
        draft(world, **kwargs)
    assert refused.value.field == field


def test_provider_is_another_establishment_of_the_groupement(world, other_world):
    for provider_id in (world.establishments["B"].id, other_world.establishments["X"].id,
                        999_999):
        with pytest.raises(InvalidField) as refused:
            services.create_draft(world.technicians["B"], provider_id=provider_id, axis=2,
                                  nature="incident", description="Réseau")
        assert refused.value.field == "provider_id"


@pytest.mark.parametrize("who", ["coordinator", "accountant"])
def test_only_establishment_staff_draft(world, who):
    with pytest.raises(Forbidden):
        services.create_draft(getattr(world, who), provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="Réseau")


def test_draft_for_own_establishment_only(world):
    with pytest.raises(Forbidden):
        services.create_draft(world.technicians["B"], beneficiary_id=world.establishments["C"].id,
                              provider_id=world.establishments["A"].id, axis=2,
                              nature="incident", description="Réseau")


# --- R7: activation against the cap ---------------------------------------------------

def test_activation_refused_when_the_estimate_would_break_the_cap(world):
    year = local_today().year  # R7 looks at the current year
    end_of_year = datetime(year, 12, 31, 23, 0, tzinfo=ZoneInfo("Europe/Paris"))
    full = accepted(world, provider="C")
    for n in range(4):  # 28 h billable for B this year (whatever today's date)
        services.log_session(full, full.technician, day=date(year, 1, 5 + n), start=hm("08:00"),
                             end=hm("15:00"), mode="onsite", now=end_of_year)
    big = draft(world, estimated_onsite_minutes=480)
    with pytest.raises(RuleRefused) as refused:
        services.activate(big, world.directors["B"])
    assert refused.value.code == "cap_exceeded"
    assert refused.value.extra["remaining_minutes"] == 420
    assert "détachement" in refused.value.message
    db.session.rollback()
    assert state_of(big) == State.DRAFT
    small = draft(world, estimated_onsite_minutes=419)  # would be free
    services.activate(small, world.directors["B"])
    fits = draft(world, estimated_onsite_minutes=420)  # reaches the cap exactly
    services.activate(fits, world.directors["B"])
    assert state_of(small) == state_of(fits) == State.ACTIVE
