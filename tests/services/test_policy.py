"""The permission policy (gic.policy, issue 17 item 2): each area's table, role by
role, against the truth table below; an unknown action fails loudly; nobody
anonymous may do anything; a refusal carries the rule's message."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from gic import policy
from gic.errors import Forbidden
from gic.interventions.models import Intervention, State
from gic.meetings.models import Meeting, MeetingKind
from tests.conftest import World

PEOPLE = ("tech_A", "dir_A", "tech_B", "dir_B", "accountant", "coordinator")
TECHS, DIRS = {"tech_A", "tech_B"}, {"dir_A", "dir_B"}
STAFF = TECHS | DIRS
EVERYONE = set(PEOPLE)


def _person(world: World, name: str):
    if name in ("accountant", "coordinator"):
        return getattr(world, name)
    kind, _, letter = name.partition("_")
    return (world.technicians if kind == "tech" else world.directors)[letter]


def _objects(world: World) -> dict[str, object]:
    """One object per kind the rules look at, all of establishments A and B: an
    A -> B intervention accepted for A's technician (drafted by B's), a technicians'
    meeting, a loan made by A, A's technical file, a training organised by A's director."""
    e = world.establishments
    intervention = Intervention(
        groupement_id=world.groupement.id, provider_id=e["A"].id, beneficiary_id=e["B"].id,
        technician_id=world.technicians["A"].id, created_by_id=world.technicians["B"].id,
        state=State.ACCEPTED)
    meeting = Meeting(groupement_id=world.groupement.id, kind=MeetingKind.TECHNICIANS)
    return {"intervention": intervention, "meeting": meeting,
            "movement": SimpleNamespace(from_id=e["A"].id),
            "establishment": e["A"],
            "training": SimpleNamespace(organiser_id=world.directors["A"].id)}


# action -> (the object it is asked about, or None; who of PEOPLE may do it).
TRUTH: dict[str, tuple[str | None, set[str]]] = {
    "admin.manage": (None, {"coordinator"}),
    "admin.read_identity": (None, {"coordinator", "accountant"}),
    "admin.edit_identity": (None, {"coordinator"}),
    "audit.read": (None, DIRS | {"coordinator"}),
    "audit.read_all": (None, {"coordinator"}),
    "billing.read": (None, DIRS | {"accountant"}),
    "billing.read_all": (None, {"accountant"}),
    "billing.read_own": (None, DIRS),
    "billing.read_documents": (None, DIRS | {"accountant"}),
    "billing.close": (None, {"accountant"}),
    "billing.reopen": (None, {"coordinator"}),
    "calendar.all_sessions": (None, DIRS | {"accountant", "coordinator"}),
    "equipment.read": (None, STAFF | {"coordinator"}),
    "equipment.read_all": (None, {"coordinator"}),
    "equipment.record": (None, STAFF),
    "equipment.lend": ("movement", {"tech_A", "dir_A"}),
    "equipment.record_return": ("movement", {"tech_A", "dir_A"}),
    "exchange.read": (None, STAFF | {"coordinator"}),
    "exchange.read_all": (None, {"coordinator"}),
    "exchange.log": (None, STAFF),
    "governance.follow": (None, DIRS | {"coordinator"}),
    "governance.vote": (None, DIRS),
    "governance.manage_procedures": (None, {"coordinator"}),
    "governance.edit_card": (None, {"coordinator"}),
    "governance.edit_versions": (None, {"coordinator"}),
    "intervention.activate": ("intervention", {"dir_B"}),
    "intervention.accept": ("intervention", {"dir_A"}),
    "intervention.decline": ("intervention", {"dir_A"}),
    "intervention.cancel": ("intervention", {"dir_B"}),  # the drafter only while a draft
    "intervention.complete": ("intervention", {"tech_A"}),
    "intervention.validate": ("intervention", {"dir_B"}),
    "intervention.log_session": ("intervention", {"tech_A"}),
    "intervention.draft": (None, STAFF),
    "intervention.view": ("intervention", EVERYONE),
    "intervention.set_reference": ("intervention", {"tech_B", "dir_B"}),
    "intervention.work_offline": (None, TECHS),
    "meeting.manage": ("meeting", {"coordinator"}),
    "meeting.view": ("meeting", STAFF | {"coordinator"}),
    "meeting.vote": ("meeting", DIRS),
    "ordered.read": (None, DIRS | {"accountant", "coordinator"}),
    "ordered.read_all": (None, {"accountant", "coordinator"}),
    "ordered.manage": (None, {"coordinator"}),
    "report.read": (None, EVERYONE),
    "report.read_drafts": (None, {"coordinator"}),
    "report.prepare": (None, {"coordinator"}),
    "report.publish": (None, {"coordinator"}),
    "report.highlight_own": (None, DIRS),
    "secondment.read_all": (None, {"accountant", "coordinator"}),
    "secondment.propose": (None, STAFF),
    "standin.name": (None, DIRS),
    "techfile.edit": ("establishment", {"tech_A", "dir_A"}),
    "techfile.read_log": ("establishment", {"dir_A"}),
    "techfile.visit": (None, TECHS),
    "techfile.overview": (None, {"coordinator"}),
    "training.organise": (None, DIRS | {"coordinator"}),
    "training.change": ("training", {"dir_A", "coordinator"}),
}


def test_the_truth_table_names_every_action_of_the_policy():
    assert set(TRUTH) == set(policy.RULES)
    assert all(action.partition(".")[0] in policy.AREAS for action in policy.RULES)


@pytest.mark.parametrize("area", sorted(policy.AREAS))
def test_each_area_s_table_role_by_role(world, area):
    objects = _objects(world)
    found, expected = {}, {}
    for action, (kind, allowed) in TRUTH.items():
        if not action.startswith(f"{area}."):
            continue
        obj = objects[kind] if kind else None
        found[action] = {name for name in PEOPLE if policy.can(_person(world, name), action, obj)}
        expected[action] = allowed
    assert found and found == expected


def test_the_drafter_cancels_his_draft_only(world):
    i = _objects(world)["intervention"]
    i.state = State.DRAFT
    assert policy.can(world.technicians["B"], "intervention.cancel", i)
    assert not policy.can(world.technicians["A"], "intervention.cancel", i)


def test_an_unknown_action_fails_loudly(world):
    for who in (world.coordinator, None, AnonymousUserMixin()):
        with pytest.raises(KeyError):
            policy.can(who, "billing.clsoe")
    with pytest.raises(KeyError):
        policy.authorize(world.coordinator, "close")  # not namespaced: unknown
    with pytest.raises(KeyError):
        policy.refusal_message("admin.users")


def test_nobody_anonymous_may_do_anything(world):
    objects = _objects(world)
    for action, (kind, _) in TRUTH.items():
        obj = objects[kind] if kind else None
        assert not policy.can(None, action, obj), action
        assert not policy.can(AnonymousUserMixin(), action, obj), action


def test_a_refusal_carries_the_rule_s_french_message(world):
    with pytest.raises(Forbidden) as refused:
        policy.authorize(world.coordinator, "billing.close")
    assert refused.value.message == "Seul un comptable peut clôturer une année."
    assert refused.value.status == 403
    assert policy.refusal_message("billing.close") == refused.value.message
    policy.authorize(world.accountant, "billing.close")  # allowed: no error
    assert all(message.strip() for _, message in policy.RULES.values())
