"""Exchanges and advice (axis 1): logged by the giver, free, seen by both
establishments and the coordinator, changed by their author while the year is
open, and counted in the bilan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing.services import close_year
from gic.convention import ledger
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.exchanges import services
from gic.exchanges.models import Exchange
from gic.extensions import db
from tests.conftest import TODAY
from tests.views.test_dashboard import counted_queries


def advise(world, giver="A", recipient="B", *, by="technicians", day=date(2026, 10, 5),
           minutes=30, **extra):
    values = {"topic": "Paramétrage du pare-feu", "notes": "Ports à ouvrir"}
    values.update(extra)
    return services.log_exchange(getattr(world, by)[giver],
                                 recipient_id=world.establishments[recipient].id, day=day,
                                 minutes=minutes, **values)


def test_an_exchange_is_logged_by_its_giver_free_and_audited(world):
    e = advise(world, by="directors")
    assert (e.giver_id, e.giver_establishment_id, e.recipient_id, e.minutes) == (
        world.directors["A"].id, world.establishments["A"].id, world.establishments["B"].id, 30)
    entry = db.session.scalar(select(AuditEntry))
    assert (entry.action, entry.establishment_id, entry.other_establishment_id) == (
        "exchange.create", world.establishments["A"].id, world.establishments["B"].id)
    # Never billed, never in the cap.
    assert ledger.cap_use(world.establishments["B"].id, [2026]).get(2026, 0) == 0


@pytest.mark.parametrize("who", ["coordinator", "accountant"])
def test_only_staff_log_advice(world, who):
    with pytest.raises(Forbidden):
        services.log_exchange(getattr(world, who), recipient_id=world.establishments["B"].id,
                              day=date(2026, 10, 5), topic="Conseil", minutes=30)


@pytest.mark.parametrize(("values", "field"), [
    ({"recipient": "A"}, "recipient_id"), ({"minutes": 0}, "minutes"),
    ({"minutes": None}, "minutes"), ({"minutes": -5}, "minutes"), ({"topic": ""}, "topic"),
    ({"day": TODAY + timedelta(days=1)}, "date"), ({"notes": "x" * 2001}, "notes"),
])
def test_each_field_is_checked(world, values, field):
    with pytest.raises(InvalidField) as refused:
        advise(world, **values)
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(Exchange.id))) == 0


def test_the_recipient_belongs_to_the_groupement(world, other_world):
    with pytest.raises(InvalidField) as refused:
        services.log_exchange(world.technicians["A"],
                              recipient_id=other_world.establishments["X"].id,
                              day=date(2026, 10, 5), topic="Conseil", minutes=30)
    assert refused.value.field == "recipient_id"


def test_visibility(world, other_world):
    a_to_b = advise(world)
    c_to_a = advise(world, "C", "A")

    def seen(user):
        return {x.id for x in db.session.scalars(services.visible_exchanges(user))}

    assert seen(world.directors["B"]) == {a_to_b.id}
    assert seen(world.technicians["A"]) == {a_to_b.id, c_to_a.id}
    assert seen(world.coordinator) == {a_to_b.id, c_to_a.id}
    assert seen(other_world.coordinator) == set()
    with pytest.raises(Forbidden):
        services.visible_exchanges(world.accountant)
    with pytest.raises(NotFound):
        services.get_exchange(world.technicians["C"], a_to_b.id)
    with pytest.raises(NotFound):
        services.get_exchange(other_world.directors["X"], a_to_b.id)


def test_only_the_author_changes_it_while_the_year_is_open(world):
    mine = advise(world, day=date(2025, 10, 5))
    for other in (world.directors["A"], world.technicians["B"], world.coordinator):
        with pytest.raises(Forbidden, match="auteur"):
            services.update_exchange(mine, other, recipient_id=mine.recipient_id, day=mine.date,
                                     topic="Autre", minutes=60)
    assert services.editable_ids(world.technicians["A"], [mine]) == {mine.id}
    assert services.editable_ids(world.directors["A"], [mine]) == set()
    services.update_exchange(mine, world.technicians["A"],
                             recipient_id=world.establishments["C"].id, day=mine.date,
                             topic="Sauvegardes", minutes=45, notes="")
    assert (mine.recipient_id, mine.topic, mine.minutes) == (world.establishments["C"].id,
                                                             "Sauvegardes", 45)
    close_year(world.accountant, 2025)
    assert services.editable_ids(world.technicians["A"], [mine]) == set()
    with pytest.raises(RuleRefused, match="clôturée"):
        services.delete_exchange(mine, world.technicians["A"])
    with pytest.raises(RuleRefused, match="clôturée"):
        advise(world, day=date(2025, 12, 1))
    recent = advise(world)
    services.delete_exchange(recent, world.technicians["A"])
    assert db.session.scalar(select(func.count(Exchange.id))) == 1
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["exchange.create", "exchange.update", "year.close", "exchange.create",
                       "exchange.delete"]


def test_bilan_section(world):
    e = world.establishments
    advise(world, "A", "B", day=date(2025, 2, 1), minutes=30)
    advise(world, "A", "B", day=date(2025, 3, 1), minutes=45, by="directors")
    advise(world, "B", "A", day=date(2025, 4, 1), minutes=60)
    advise(world, "C", "B", day=date(2025, 12, 31), minutes=20)
    advise(world, "C", "B", day=date(2026, 1, 1), minutes=90)  # another year
    gid = world.groupement.id
    with counted_queries() as few:
        section = services.bilan_section(gid, 2025)
    assert section["totals"] == {"exchanges": 4, "minutes": 155}
    assert section["pairs"] == [
        {"giver_id": e["A"].id, "recipient_id": e["B"].id, "exchanges": 2, "minutes": 75},
        {"giver_id": e["B"].id, "recipient_id": e["A"].id, "exchanges": 1, "minutes": 60},
        {"giver_id": e["C"].id, "recipient_id": e["B"].id, "exchanges": 1, "minutes": 20}]
    assert section["establishments"] == [
        {"id": e["A"].id, "given": 2, "given_minutes": 75, "received": 1,
         "received_minutes": 60},
        {"id": e["B"].id, "given": 1, "given_minutes": 60, "received": 3,
         "received_minutes": 95},
        {"id": e["C"].id, "given": 1, "given_minutes": 20, "received": 0,
         "received_minutes": 0}]
    for n in range(5):
        advise(world, "A", "C", day=date(2025, 5, 1 + n))
    gid = world.groupement.id
    with counted_queries() as many:
        assert services.bilan_section(gid, 2025)["totals"]["exchanges"] == 9
    assert len(many) == len(few) <= 2
