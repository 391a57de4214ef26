"""Common trainings (axis 4): who organises, attendees of the groupement only,
duration, corrections, closed years, and the bilan's person-hours."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing.services import close_year
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.trainings import services
from gic.trainings.models import Training, TrainingAttendee
from tests.conftest import add_user
from tests.views.test_dashboard import counted_queries


def organise(world, who=None, *, day=date(2026, 3, 10), minutes=120, attendees=(),
             guests=None, **extra):
    values = {"topic": "security", "title": "Sensibilisation à l'hameçonnage",
              "trainer": "Cyber-Occitanie", "place": "Salle du conseil",
              "start_time": time(14, 0)}
    values.update(extra)
    return services.create_training(who or world.coordinator, day=day, duration_minutes=minutes,
                                    attendee_ids=[u.id for u in attendees], guests=guests,
                                    **values)


def test_a_training_is_recorded_with_its_attendees_and_audited(world):
    e = world.establishments
    t = organise(world, attendees=[world.technicians["A"], world.directors["B"]],
                 guests={e["A"].id: 4, e["C"].id: 0, e["B"].id: None})
    assert (t.topic.label, t.duration_minutes, t.organiser_id) == ("Sécurité", 120,
                                                                   world.coordinator.id)
    assert {(a.user_id, a.establishment_id) for a in t.attendees} == {
        (world.technicians["A"].id, e["A"].id), (world.directors["B"].id, e["B"].id)}
    assert [(g.establishment_id, g.count) for g in t.guests] == [(e["A"].id, 4)]
    assert t.attendee_count == 6
    entry = db.session.scalar(select(AuditEntry))
    assert entry.action == "training.create" and entry.after["guests"] == {str(e["A"].id): 4}


@pytest.mark.parametrize(("who", "allowed"), [("coordinator", True), ("dir_B", True),
                                              ("tech_A", False), ("accountant", False)])
def test_who_organises(world, who, allowed):
    user = {"coordinator": world.coordinator, "dir_B": world.directors["B"],
            "tech_A": world.technicians["A"], "accountant": world.accountant}[who]
    if allowed:
        assert organise(world, user).organiser_id == user.id
    else:
        with pytest.raises(Forbidden):
            organise(world, user)
        assert db.session.scalar(select(func.count(Training.id))) == 0


def test_attendees_come_from_the_groupement_s_establishments(world, other_world):
    for outsider in (other_world.technicians["X"], world.accountant, world.coordinator):
        with pytest.raises(InvalidField) as refused:
            organise(world, attendees=[world.technicians["A"], outsider])
        assert refused.value.field == "attendees"
    with pytest.raises(InvalidField):
        organise(world, guests={other_world.establishments["X"].id: 2})
    with pytest.raises(InvalidField) as refused:
        organise(world, guests={world.establishments["A"].id: -1})
    assert refused.value.field == f"guests_{world.establishments['A'].id}"
    assert db.session.scalar(select(func.count(Training.id))) == 0


@pytest.mark.parametrize(("values", "field"), [
    ({"minutes": 0}, "duration_minutes"), ({"minutes": None}, "duration_minutes"),
    ({"minutes": 13 * 60}, "duration_minutes"), ({"topic": "cuisine"}, "topic"),
    ({"title": " "}, "title"), ({"trainer": ""}, "trainer"), ({"day": None}, "date"),
])
def test_each_field_is_checked(world, values, field):
    with pytest.raises(InvalidField) as refused:
        organise(world, **values)
    assert refused.value.field == field


def test_a_training_may_be_planned_ahead(world):
    assert organise(world, day=date(2026, 12, 15)).date == date(2026, 12, 15)


def test_corrections_keep_the_establishment_of_the_day(world):
    tech_a, tech_b = world.technicians["A"], world.technicians["B"]
    t = organise(world, world.directors["A"], attendees=[tech_a])
    tech_a.establishment_id = world.establishments["C"].id  # moved since
    db.session.commit()
    with pytest.raises(Forbidden):  # another director
        services.update_training(t, world.directors["B"], topic="security", title="X",
                                 day=t.date, duration_minutes=60, trainer="Y")
    db.session.rollback()
    services.update_training(t, world.directors["A"], topic="network", title="Wi-Fi",
                             day=t.date, duration_minutes=90, trainer="Nadia",
                             attendee_ids=[tech_a.id, tech_b.id])
    rows = dict(db.session.execute(select(TrainingAttendee.user_id,
                                          TrainingAttendee.establishment_id)).all())
    assert rows == {tech_a.id: world.establishments["A"].id,
                    tech_b.id: world.establishments["B"].id}
    assert (t.topic, t.duration_minutes, t.title) == ("network", 90, "Wi-Fi")
    services.update_training(t, world.coordinator, topic="network", title="Wi-Fi",
                             day=t.date, duration_minutes=90, trainer="Nadia",
                             attendee_ids=[tech_b.id])
    assert [a.user_id for a in t.attendees] == [tech_b.id]
    services.delete_training(t, world.coordinator)
    assert db.session.scalar(select(func.count(TrainingAttendee.id))) == 0
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["training.create", "training.update", "training.update",
                       "training.delete"]


def test_a_closed_year_freezes_its_trainings(world):
    t = organise(world, day=date(2025, 5, 5))
    close_year(world.accountant, 2025)
    assert not services.can_change(world.coordinator, t)
    with pytest.raises(RuleRefused, match="clôturée"):
        services.delete_training(t, world.coordinator)
    with pytest.raises(RuleRefused, match="clôturée"):
        organise(world, day=date(2025, 6, 1))


def test_every_member_reads_other_groupements_do_not(world, other_world):
    t = organise(world)
    for user in (world.technicians["C"], world.accountant, world.directors["B"]):
        assert services.get_training(user, t.id) is t
        assert list(db.session.scalars(services.visible_trainings(user))) == [t]
    with pytest.raises(NotFound):
        services.get_training(other_world.coordinator, t.id)
    assert list(db.session.scalars(services.visible_trainings(other_world.directors["X"]))) == []


def test_people_by_establishment(world):
    gone = add_user(world.groupement, "parti@gic65.test", "technician",
                    world.establishments["A"], "Ancien technicien")
    gone.active = False
    db.session.commit()
    groups = services.people_by_establishment(world.groupement.id)
    assert [(e.name, [u.name for u in people]) for e, people in groups] == [
        ("Établissement A", ["Direction A", "Technicien A"]),
        ("Établissement B", ["Direction B", "Technicien B"]),
        ("Établissement C", ["Direction C", "Technicien C"])]
    kept = services.people_by_establishment(world.groupement.id, keep=[gone.id])
    assert [u.name for u in kept[0][1]] == ["Ancien technicien", "Direction A", "Technicien A"]


def test_bilan_section_counts_person_hours_per_establishment(world):
    e, tech, direction = world.establishments, world.technicians, world.directors
    organise(world, day=date(2025, 3, 3), minutes=180, attendees=[tech["A"], tech["B"]],
             guests={e["A"].id: 4})  # 6 attendees × 3 h
    organise(world, day=date(2025, 9, 9), minutes=90, topic="network",
             attendees=[tech["A"], direction["A"], tech["C"]])  # 3 × 1 h 30
    organise(world, day=date(2026, 1, 5), minutes=60, attendees=[tech["B"]])  # another year
    gid = world.groupement.id
    with counted_queries() as few:
        section = services.bilan_section(gid, 2025)
    assert section["totals"] == {"trainings": 2, "minutes": 270, "attendees": 9,
                                 "person_minutes": 6 * 180 + 3 * 90}
    per = {row["id"]: row for row in section["establishments"]}
    assert per[e["A"].id] == {"id": e["A"].id, "trainings": 2, "attendees": 7,
                              "person_minutes": 5 * 180 + 2 * 90}
    assert per[e["B"].id] == {"id": e["B"].id, "trainings": 1, "attendees": 1,
                              "person_minutes": 180}
    assert per[e["C"].id]["person_minutes"] == 90
    assert [(t["topic"], t["trainings"], t["person_minutes"]) for t in section["by_topic"]] == [
        ("security", 1, 1080), ("network", 1, 270)]
    assert [(t["date"], t["attendees"]) for t in section["trainings"]] == [
        ("2025-03-03", 6), ("2025-09-09", 3)]
    for n in range(5):
        organise(world, day=date(2025, 10, 1 + n), attendees=[tech["C"]], guests={e["B"].id: 1})
    gid = world.groupement.id
    with counted_queries() as many:
        assert services.bilan_section(gid, 2025)["totals"]["trainings"] == 7
    assert len(many) == len(few) <= 4
    empty = services.bilan_section(world.groupement.id, 2024)
    assert empty["totals"] == {"trainings": 0, "minutes": 0, "attendees": 0,
                               "person_minutes": 0}
    assert len(empty["establishments"]) == 3
