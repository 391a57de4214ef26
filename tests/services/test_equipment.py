"""The equipment register (axis 5): loans and donations, returns by the lender only,
who sees what, the overdue job, the minutes' « loans outstanding » and the bilan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing.services import close_year
from gic.equipment import services
from gic.equipment.models import Movement
from gic.equipment.queries import loans_out_on
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.notifications.models import Notification
from tests.conftest import TODAY
from tests.views.test_dashboard import counted_queries


def lend(world, lender="A", borrower="B", *, day=date(2026, 9, 1), due=date(2026, 10, 1),
         by="technicians", **extra):
    """A loan recorded by the lender's technician (or director)."""
    values = {"item": "Commutateur 24 ports", "category": "network", "serial_number": "SN-1"}
    values.update(extra)
    return services.record_movement(
        getattr(world, by)[lender], kind="loan", to_id=world.establishments[borrower].id,
        day=day, expected_return=due, **values)


def give(world, giver="A", receiver="B", day=date(2026, 5, 4), **extra):
    """A donation recorded by the giver's technician."""
    values = {"item": "Trois écrans 24 pouces", "category": "workstation"}
    values.update(extra)
    return services.record_movement(world.technicians[giver], kind="donation",
                                    to_id=world.establishments[receiver].id, day=day, **values)


# --- Recording ---------------------------------------------------------------------

def test_a_loan_and_a_donation_are_recorded_and_audited(world):
    loan = lend(world, condition_out="Bon état", notes="Pendant la panne")
    gift = give(world, "C", "A")
    assert (loan.kind, loan.from_id, loan.to_id) == ("loan", world.establishments["A"].id,
                                                     world.establishments["B"].id)
    assert loan.is_out and loan.created_by_id == world.technicians["A"].id
    assert gift.expected_return is None and not gift.is_out
    entries = db.session.execute(select(AuditEntry.action, AuditEntry.establishment_id,
                                        AuditEntry.other_establishment_id)
                                 .order_by(AuditEntry.id)).all()
    e = world.establishments
    assert entries == [("equipment.create", e["A"].id, e["B"].id),
                       ("equipment.create", e["C"].id, e["A"].id)]


@pytest.mark.parametrize(("due", "message"), [
    (None, "Un prêt a une date de retour prévue."),
    (date(2026, 9, 1), "La date de retour prévue doit être après la date du prêt."),
    (date(2026, 8, 31), "La date de retour prévue doit être après la date du prêt."),
])
def test_a_loan_needs_an_expected_return_after_its_date(world, due, message):
    with pytest.raises(InvalidField) as refused:
        lend(world, day=date(2026, 9, 1), due=due)
    assert (refused.value.field, refused.value.message) == ("expected_return", message)
    assert db.session.scalar(select(func.count(Movement.id))) == 0


def test_a_donation_has_no_return(world):
    with pytest.raises(InvalidField) as refused:
        give(world, expected_return=date(2026, 6, 1))
    assert refused.value.field == "expected_return"
    gift = give(world)
    with pytest.raises(RuleRefused, match="Un don est définitif"):
        services.record_return(gift, world.technicians["A"], returned_on=date(2026, 6, 1))
    assert gift.returned_on is None


@pytest.mark.parametrize(("to", "field"), [("own", "to_id"), ("other", "to_id"),
                                           ("missing", "to_id")])
def test_the_receiver_is_another_establishment_of_the_same_groupement(world, other_world,
                                                                      to, field):
    to_id = {"own": world.establishments["A"].id, "other": other_world.establishments["X"].id,
             "missing": None}[to]
    with pytest.raises(InvalidField) as refused:
        services.record_movement(world.technicians["A"], kind="loan", to_id=to_id,
                                 item="Portable", category="workstation",
                                 day=date(2026, 9, 1), expected_return=date(2026, 10, 1))
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(Movement.id))) == 0


@pytest.mark.parametrize(("field", "values"), [
    ("item", {"item": "  "}), ("category", {"category": "jouet"}), ("kind", {"kind": "vol"}),
    ("date", {"day": TODAY + timedelta(days=1)}), ("serial_number", {"serial_number": "x" * 101}),
])
def test_each_field_is_checked(world, field, values):
    arguments = {"kind": "loan", "to_id": world.establishments["B"].id, "item": "Portable",
                 "category": "workstation", "day": date(2026, 9, 1),
                 "expected_return": TODAY + timedelta(days=30)}
    arguments.update(values)
    with pytest.raises(InvalidField) as refused:
        services.record_movement(world.technicians["A"], **arguments)
    assert refused.value.field == field


@pytest.mark.parametrize("who", ["coordinator", "accountant"])
def test_only_an_establishment_s_staff_records(world, who):
    with pytest.raises(Forbidden):
        services.record_movement(getattr(world, who), kind="donation",
                                 to_id=world.establishments["B"].id, item="Écran",
                                 category="workstation", day=date(2026, 9, 1))


# --- Return ------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["tech_B", "dir_B", "tech_C", "coordinator"])
def test_only_the_lender_records_the_return(world, who):
    loan = lend(world)
    user = {"tech_B": world.technicians["B"], "dir_B": world.directors["B"],
            "tech_C": world.technicians["C"], "coordinator": world.coordinator}[who]
    with pytest.raises(Forbidden, match="établissement prêteur"):
        services.record_return(loan, user, returned_on=date(2026, 9, 20))
    db.session.rollback()
    assert db.session.get(Movement, loan.id).returned_on is None


def test_the_return_is_recorded_once(world):
    loan = lend(world)
    services.record_return(loan, world.directors["A"], returned_on=date(2026, 9, 20),
                           condition_back="Une vis manquante")
    assert (loan.returned_on, loan.condition_back, loan.returned_by_id) == (
        date(2026, 9, 20), "Une vis manquante", world.directors["A"].id)
    with pytest.raises(RuleRefused, match="déjà enregistré"):
        services.record_return(loan, world.technicians["A"], returned_on=date(2026, 9, 21))
    assert db.session.get(Movement, loan.id).returned_on == date(2026, 9, 20)
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["equipment.create", "equipment.return"]
    with pytest.raises(RuleRefused, match="terminé"):  # a returned loan is history
        services.delete_movement(loan, world.technicians["A"])


@pytest.mark.parametrize(("day", "field"), [(date(2026, 8, 31), "returned_on"),
                                            (TODAY + timedelta(days=1), "returned_on")])
def test_a_return_is_dated_between_the_loan_and_today(world, day, field):
    loan = lend(world)
    with pytest.raises(InvalidField) as refused:
        services.record_return(loan, world.technicians["A"], returned_on=day)
    assert refused.value.field == field


# --- Changes and closed years ------------------------------------------------------

def test_the_lender_corrects_or_removes_a_movement_others_cannot(world):
    loan = lend(world)
    with pytest.raises(Forbidden):
        services.update_movement(loan, world.technicians["B"], kind="loan",
                                 to_id=world.establishments["B"].id, item="Autre",
                                 category="network", day=loan.date,
                                 expected_return=loan.expected_return)
    services.update_movement(loan, world.directors["A"], kind="loan",
                             to_id=world.establishments["C"].id, item="Commutateur 48 ports",
                             category="network", day=loan.date,
                             expected_return=date(2026, 12, 1))
    assert (loan.to_id, loan.item) == (world.establishments["C"].id, "Commutateur 48 ports")
    assert services.allowed_actions(world.technicians["A"], loan) == ["return", "edit",
                                                                      "delete"]
    assert services.allowed_actions(world.technicians["C"], loan) == []
    services.delete_movement(loan, world.technicians["A"])
    assert db.session.scalar(select(func.count(Movement.id))) == 0
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["equipment.create", "equipment.update", "equipment.delete"]


def test_a_closed_year_freezes_its_movements_but_not_a_return(world):
    loan = lend(world, day=date(2025, 11, 3), due=date(2025, 12, 1))
    close_year(world.accountant, 2025)
    with pytest.raises(RuleRefused, match="2025 est clôturée"):
        lend(world, day=date(2025, 6, 1), due=date(2025, 7, 1))
    with pytest.raises(RuleRefused, match="clôturée"):
        services.delete_movement(loan, world.technicians["A"])
    assert services.allowed_actions(world.technicians["A"], loan) == ["return"]
    services.record_return(loan, world.technicians["A"], returned_on=date(2026, 1, 6))
    assert loan.returned_on == date(2026, 1, 6)


# --- Who sees what -----------------------------------------------------------------

def test_visibility(world, other_world):
    a_to_b = lend(world)
    c_to_a = give(world, "C", "A")
    foreign = services.record_movement(other_world.technicians["X"], kind="donation",
                                       to_id=other_world.establishments["Y"].id, item="Écran",
                                       category="workstation", day=date(2026, 9, 1))

    def seen(user):
        return {m.id for m in db.session.scalars(services.visible_movements(user))}

    assert seen(world.technicians["B"]) == {a_to_b.id}
    assert seen(world.directors["A"]) == {a_to_b.id, c_to_a.id}
    assert seen(world.coordinator) == {a_to_b.id, c_to_a.id}
    assert seen(other_world.coordinator) == {foreign.id}
    with pytest.raises(Forbidden):
        services.visible_movements(world.accountant)
    with pytest.raises(NotFound):
        services.get_movement(world.technicians["C"], a_to_b.id)
    with pytest.raises(NotFound):
        services.get_movement(other_world.coordinator, a_to_b.id)
    assert services.get_movement(world.coordinator, a_to_b.id) is a_to_b


def test_loans_out_and_overdue_with_the_delay(world):
    late = lend(world, day=date(2026, 9, 1), due=TODAY - timedelta(days=12), item="Onduleur")
    soon = lend(world, "B", "A", day=date(2026, 10, 1), due=TODAY + timedelta(days=3))
    back = lend(world, day=date(2026, 6, 1), due=date(2026, 7, 1))
    services.record_return(back, world.technicians["A"], returned_on=date(2026, 6, 30))
    give(world)
    out = list(db.session.scalars(services.loans_out(world.coordinator)))
    assert out == [late, soon]
    assert [late.days_late(TODAY), soon.days_late(TODAY)] == [12, 0]
    assert services.overdue_for(world.technicians["B"]) == [(late, 12)]
    assert services.overdue_for(world.directors["A"]) == [(late, 12)]
    assert services.overdue_for(world.technicians["C"]) == []
    assert services.overdue_for(world.coordinator) == []


# --- The job -----------------------------------------------------------------------

def test_the_overdue_job_tells_both_directors_once(world, other_world):
    late = lend(world, day=date(2026, 9, 1), due=date(2026, 10, 1), item="Onduleur APC")
    lend(world, "B", "C", day=date(2026, 9, 1), due=date(2026, 11, 30))  # not due yet
    returned = lend(world, "C", "A", day=date(2026, 8, 1), due=date(2026, 9, 1))
    services.record_return(returned, world.technicians["C"], returned_on=date(2026, 9, 10))
    give(world, "C", "B")
    assert services.job_overdue_returns(date(2026, 10, 1)) == {"groupements": 2,
                                                              "notifications": 0}
    assert services.job_overdue_returns(date(2026, 10, 11)) == {"groupements": 2,
                                                               "notifications": 2}
    sent = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert [n.user_id for n in sent] == sorted([world.directors["A"].id,
                                                world.directors["B"].id])
    assert sent[0].subject == "Matériel non rendu : Onduleur APC (10 jours de retard)"
    assert "Établissement A a prêté « Onduleur APC »" in sent[0].body
    assert sent[0].link == f"/equipment/{late.id}"
    # Running again, even days later, sends nothing twice.
    assert services.job_overdue_returns(date(2026, 10, 11))["notifications"] == 0
    assert services.job_overdue_returns(date(2026, 10, 20))["notifications"] == 0
    # A new expected date set by the lender starts a new alert when it passes too.
    services.update_movement(late, world.technicians["A"], kind="loan",
                             to_id=late.to_id, item=late.item, category="network",
                             day=late.date, expected_return=date(2026, 11, 2))
    assert services.job_overdue_returns(date(2026, 11, 3))["notifications"] == 2
    assert db.session.scalar(select(func.count(Notification.id))) == 4


# --- Minutes and bilan -------------------------------------------------------------

def test_loans_out_on_a_day_for_the_minutes(world):
    late = lend(world, day=date(2026, 3, 2), due=date(2026, 4, 1), serial_number="")
    lend(world, "B", "C", day=date(2026, 4, 20), due=date(2026, 6, 1))
    back = lend(world, "C", "A", day=date(2026, 2, 1), due=date(2026, 3, 1))
    services.record_return(back, world.technicians["C"], returned_on=date(2026, 4, 10))
    out = loans_out_on(world.groupement.id, date(2026, 4, 10))
    assert [(loan["id"], loan["days_late"]) for loan in out] == [(late.id, 9)]
    assert out[0] | {"id": 0} == {
        "id": 0, "item": "Commutateur 24 ports", "category": "network",
        "category_label": "Réseau", "serial_number": "", "date": "2026-03-02",
        "expected_return": "2026-04-01", "from_id": world.establishments["A"].id,
        "from_name": "Établissement A", "to_id": world.establishments["B"].id,
        "to_name": "Établissement B", "days_late": 9}
    assert len(loans_out_on(world.groupement.id, date(2026, 4, 9))) == 2  # C -> A not back
    assert len(loans_out_on(world.groupement.id, date(2026, 5, 1))) == 2


def test_bilan_section(world):
    e = world.establishments
    old = lend(world, "C", "A", day=date(2024, 12, 1), due=date(2025, 3, 1))  # out since 2024
    back = lend(world, day=date(2025, 2, 3), due=date(2025, 3, 3), category="server")
    services.record_return(back, world.technicians["A"], returned_on=date(2025, 3, 1))
    lend(world, "B", "A", day=date(2025, 11, 2), due=date(2026, 1, 15), category="phone")
    give(world, "A", "C", day=date(2025, 6, 1))
    give(world, "B", "C", day=date(2025, 7, 1))
    lend(world, day=date(2026, 2, 1), due=date(2026, 3, 1))  # another year
    gid = world.groupement.id
    with counted_queries() as few:
        section = services.bilan_section(gid, 2025)
    assert section["year"] == 2025 and section["as_of"] == "2025-12-31"
    assert section["totals"] == {"loans": 2, "donations": 2, "returned": 1, "out": 2,
                                 "overdue": 1}
    per = {row["id"]: row for row in section["establishments"]}
    assert list(per) == [e["A"].id, e["B"].id, e["C"].id]
    assert per[e["A"].id] == {"id": e["A"].id, "loans_given": 1, "loans_received": 1,
                              "donations_given": 1, "donations_received": 0, "out_lent": 0,
                              "out_borrowed": 2}
    assert per[e["C"].id]["donations_received"] == 2 and per[e["C"].id]["out_lent"] == 1
    assert section["by_category"] == [  # in the order of the categories, used ones only
        {"category": "workstation", "label": "Poste de travail", "loans": 0, "donations": 2},
        {"category": "phone", "label": "Téléphonie", "loans": 1, "donations": 0},
        {"category": "server", "label": "Serveur", "loans": 1, "donations": 0}]
    assert [m["date"] for m in section["movements"]] == ["2025-02-03", "2025-06-01",
                                                         "2025-07-01", "2025-11-02"]
    assert section["movements"][0]["returned_on"] == "2025-03-01"
    assert old.id not in {m["id"] for m in section["movements"]}
    # The current year counts what is out today; a fixed number of queries.
    current = services.bilan_section(world.groupement.id, TODAY.year)
    assert current["as_of"] == TODAY.isoformat() and current["totals"]["out"] == 3
    for n in range(6):
        give(world, "A", "B", day=date(2025, 8, 1 + n))
    gid = world.groupement.id
    with counted_queries() as many:
        assert services.bilan_section(gid, 2025)["totals"]["donations"] == 8
    assert len(many) == len(few) <= 6
