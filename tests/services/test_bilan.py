"""The annual bilan (SPEC §5): its numbers, its versions, publication and the job."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from sqlalchemy import event, func, select

from gic.audit.models import AuditEntry
from gic.billing.services import billing_summary
from gic.errors import Forbidden, InvalidField, NotFound, RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.models import ConventionVersion, Groupement
from gic.notifications.models import Notification
from gic.reports import services as bilan
from gic.reports.models import BilanStatus, BilanVersion
from gic.reports.services import compute_bilan
from tests.conftest import add_user
from tests.helpers import accepted, session

YEAR = 2025


def finish(world, i, beneficiary: str, validate: bool = True) -> None:
    services.complete(i, i.technician, "Fait.")
    if validate:
        services.validate(i, world.directors[beneficiary])


def build_2025(world) -> dict:
    """Interventions of 2025 (and one over the turn of the year), all through the services.

    - A→B axis 2, 4 h on site on 30/12/2024 + 4 h on 02/01/2025, validated (billable: 8 h);
    - A→B axis 2, 10 h on site in March, validated (250,00 €);
    - B→A axis 3, 7 h on site in March, validated (175,00 €);
    - C→B axis 2, 7 h 20 on site in May, validated (183,33 €);
    - A→C axis 2, 8 h on site in June, accepted: billable, pending;
    - A→B axis 2, 2 h remote + 1 h on site in June, completed: free, pending.
    """
    turn = accepted(world, "A", "B")
    session(world, turn, date(2024, 12, 30), "08:00", "12:00")
    session(world, turn, date(YEAR, 1, 2), "08:00", "12:00")
    finish(world, turn, "B")
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(YEAR, 3, 3), "08:00", "18:00")
    finish(world, a_to_b, "B")
    b_to_a = accepted(world, "B", "A", axis=3)
    session(world, b_to_a, date(YEAR, 3, 4), "08:00", "15:00")
    finish(world, b_to_a, "A")
    c_to_b = accepted(world, "C", "B")
    session(world, c_to_b, date(YEAR, 5, 5), "08:00", "15:20")
    finish(world, c_to_b, "B")
    a_to_c = accepted(world, "A", "C")
    session(world, a_to_c, date(YEAR, 6, 6), "08:00", "16:00")
    free = accepted(world, "A", "B")
    session(world, free, date(YEAR, 6, 10), "08:00", "10:00", mode="remote")
    session(world, free, date(YEAR, 6, 11), "08:00", "09:00")
    finish(world, free, "B", validate=False)
    return {"turn": turn, "a_to_b": a_to_b, "b_to_a": b_to_a, "c_to_b": c_to_b,
            "a_to_c": a_to_c, "free": free}


def by_id(rows, key, value):
    return next(r for r in rows if r[key] == value)


# --- The numbers -----------------------------------------------------------------

def test_numbers_match_the_data_built_through_the_services(world):
    build_2025(world)
    e = {k: v.id for k, v in world.establishments.items()}
    data = compute_bilan(world.groupement.id, YEAR)

    assert data["year"] == YEAR and data["groupement"]["name"] == "GIC 65"
    assert data["convention"] == {"threshold_minutes": 420, "cap_minutes": 2100,
                                  "hourly_rate": "25.00"}
    assert data["totals"] == {"interventions": 6, "pending_interventions": 2,
                              "onsite_minutes": 2240, "remote_minutes": 120, "minutes": 2360}
    assert by_id(data["by_axis"], "axis", 2) == {
        "axis": 2, "label": by_id(data["by_axis"], "axis", 2)["label"], "interventions": 5,
        "pending_interventions": 2, "onsite_minutes": 1820, "remote_minutes": 120,
        "minutes": 1940}
    assert by_id(data["by_axis"], "axis", 3)["interventions"] == 1
    assert by_id(data["by_axis"], "axis", 3)["onsite_minutes"] == 420

    a = by_id(data["per_establishment"], "establishment_id", e["A"])
    b = by_id(data["per_establishment"], "establishment_id", e["B"])
    c = by_id(data["per_establishment"], "establishment_id", e["C"])
    assert (a["given"]["interventions"], a["given"]["minutes"]) == (4, 1500)
    assert (a["given"]["onsite_minutes"], a["given"]["remote_minutes"]) == (1380, 120)
    assert (a["received"]["interventions"], a["received"]["minutes"]) == (1, 420)
    assert by_id(a["received"]["by_axis"], "axis", 3)["onsite_minutes"] == 420
    assert (b["received"]["interventions"], b["received"]["minutes"]) == (4, 1460)
    assert b["received"]["pending_interventions"] == 1
    assert (c["given"]["interventions"], c["received"]["minutes"]) == (1, 480)

    ab = by_id([m for m in data["matrix"] if m["beneficiary_id"] == e["B"]],
               "provider_id", e["A"])
    assert (ab["interventions"], ab["onsite_minutes"], ab["remote_minutes"]) == (3, 900, 120)
    assert {(m["provider_id"], m["beneficiary_id"]) for m in data["matrix"]} == {
        (e["A"], e["B"]), (e["B"], e["A"]), (e["C"], e["B"]), (e["A"], e["C"])}

    # Billing: validated only, one rounding per pair (R6).
    assert data["billing"]["lines"] == [
        {"provider_id": e["A"], "beneficiary_id": e["B"], "billable_minutes": 840,
         "amount": "350.00"},
        {"provider_id": e["B"], "beneficiary_id": e["A"], "billable_minutes": 420,
         "amount": "175.00"},
        {"provider_id": e["C"], "beneficiary_id": e["B"], "billable_minutes": 440,
         "amount": "183.33"},
    ]
    assert (data["billing"]["total_minutes"], data["billing"]["total_amount"]) == (1700, "708.33")
    assert sorted((s["from_id"], s["to_id"], s["amount"]) for s in data["billing"]["settlements"]
                  ) == sorted([(e["B"], e["A"], "175.00"), (e["B"], e["C"], "183.33")])
    assert (a["billed_given_minutes"], a["billed_given_amount"]) == (840, "350.00")
    assert (b["billed_received_minutes"], b["billed_received_amount"]) == (1280, "533.33")

    # Cap use counts pending and validated billable minutes.
    assert b["cap"] == {"billable_minutes": 1280, "cap_minutes": 2100, "remaining_minutes": 820}
    assert c["cap"]["billable_minutes"] == 480
    assert data["pending"] == {"interventions": 2, "billable_interventions": 1,
                               "billable_minutes": 480}

    months = {m["month"]: (m["onsite_minutes"], m["remote_minutes"]) for m in data["months"]}
    assert len(data["months"]) == 12
    assert months == {1: (240, 0), 2: (0, 0), 3: (1020, 0), 4: (0, 0), 5: (440, 0),
                      6: (540, 120), 7: (0, 0), 8: (0, 0), 9: (0, 0), 10: (0, 0),
                      11: (0, 0), 12: (0, 0)}
    assert data["meetings"] == []
    assert json.loads(json.dumps(data)) == data  # plain JSON, as stored


def test_billing_figures_are_the_yearly_billings(world):
    build_2025(world)
    data = compute_bilan(world.groupement.id, YEAR)
    summary = billing_summary(world.accountant, YEAR)
    assert data["billing"]["lines"] == [{**line, "amount": str(line["amount"])}
                                        for line in summary.lines]
    assert [{"beneficiary_id": p["establishment_id"], **p["cap"]}
            for p in sorted(data["per_establishment"], key=lambda p: p["establishment_id"])
            ] == summary.beneficiaries


def test_previous_year_counts_only_its_own_sessions(world):
    build_2025(world)
    data = compute_bilan(world.groupement.id, 2024)
    assert data["totals"]["interventions"] == 1 and data["totals"]["onsite_minutes"] == 240
    assert data["billing"]["lines"][0]["billable_minutes"] == 240
    assert data["billing"]["lines"][0]["amount"] == "100.00"


def test_empty_year_and_other_groupement_are_zero(world, other_world):
    build_2025(world)
    data = compute_bilan(other_world.groupement.id, YEAR)
    assert data["totals"]["minutes"] == 0 and data["matrix"] == []
    assert data["billing"]["lines"] == [] and data["billing"]["total_amount"] == "0.00"
    assert [p["cap"]["cap_minutes"] for p in data["per_establishment"]] == [2100, 2100]
    assert {e["name"] for e in data["establishments"]} == {"Établissement X", "Établissement Y"}


def test_query_count_does_not_grow_with_the_data(world):
    def count() -> int:
        n = {"q": 0}

        def listener(*_args):
            n["q"] += 1
        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            compute_bilan(world.groupement.id, YEAR)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return n["q"]

    i = accepted(world, "A", "B")
    session(world, i, date(YEAR, 2, 2), "08:00", "09:00", mode="remote")
    few = count()
    build_2025(world)
    assert count() == few


def held_meetings(world) -> dict:
    """Meetings of 2025 through the meetings services: one held with finalised minutes,
    one held without, one cancelled, one still planned; one held in 2024."""
    from gic.meetings import minutes
    from gic.meetings import services as meetings

    def plan(day, start="14:00", kind="technicians", title=None):
        return meetings.plan_meeting(world.coordinator, kind=kind, title=title, day=day,
                                     start=time.fromisoformat(start), duration_minutes=120,
                                     place="EPAS 65, salle B")

    with_minutes = plan(date(YEAR, 3, 12), title="Réunion de printemps")
    minutes.finalise(minutes.start_minutes(with_minutes, world.coordinator), world.coordinator)
    held = meetings.set_status(plan(date(YEAR, 11, 20), kind="directors"), world.coordinator,
                               "held")
    meetings.set_status(plan(date(YEAR, 6, 1)), world.coordinator, "cancelled")
    plan(date(YEAR, 9, 1))
    meetings.set_status(plan(date(2024, 12, 31), "23:30"), world.coordinator, "held")
    return {"with_minutes": with_minutes, "held": held}


def test_meetings_held_with_their_minutes(world):
    made = held_meetings(world)
    data = compute_bilan(world.groupement.id, YEAR)
    assert [(m["id"], m["kind"], m["minutes_version"]) for m in data["meetings"]] == [
        (made["with_minutes"].id, "technicians", 1), (made["held"].id, "directors", None)]
    assert data["meetings"][0]["title"] == "Réunion de printemps"
    assert data["meetings"][0]["starts_at"] == "2025-03-12T13:00"  # UTC, 14:00 in Paris
    # 31/12/2024 23:30 in Paris is 22:30 UTC: a 2024 meeting, not in 2025.
    assert compute_bilan(world.groupement.id, 2024)["meetings"][0]["starts_at"] == (
        "2024-12-31T22:30")


# --- Versions: draft, publication, freezing -------------------------------------

def test_draft_is_created_then_refreshed_in_place(world):
    build_2025(world)
    draft = bilan.generate_draft(world.groupement.id, YEAR)
    assert (draft.version, draft.status) == (1, BilanStatus.DRAFT)
    stamp = draft.computed_at
    assert bilan.generate_draft(world.groupement.id, YEAR).id == draft.id
    assert draft.computed_at == stamp  # nothing changed: nothing written
    extra = accepted(world, "C", "A")
    session(world, extra, date(YEAR, 9, 1), "08:00", "10:00", mode="remote")
    again = bilan.generate_draft(world.groupement.id, YEAR)
    assert again.id == draft.id and again.version == 1
    assert again.data["totals"]["remote_minutes"] == 240
    assert db.session.scalar(select(func.count(BilanVersion.id))) == 1


def test_publish_freezes_and_a_new_draft_is_the_next_version(world):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    published = bilan.publish(world.coordinator, YEAR)
    assert published.status == BilanStatus.PUBLISHED and published.published_at
    assert published.published_by_id == world.coordinator.id
    frozen = json.dumps(published.data, sort_keys=True)

    late = accepted(world, "C", "A")
    session(world, late, date(YEAR, 10, 1), "08:00", "16:00")
    finish(world, late, "A")
    draft = bilan.generate_draft(world.groupement.id, YEAR)
    assert draft.id != published.id and draft.version == 2
    assert draft.data["billing"]["total_minutes"] == 1700 + 480
    db.session.expire_all()
    v1 = db.session.get(BilanVersion, published.id)
    assert v1.status == BilanStatus.PUBLISHED
    assert json.dumps(v1.data, sort_keys=True) == frozen
    # Directors still read version 1; the coordinator reads the new draft.
    assert bilan.visible_version(world.directors["A"], YEAR).version == 1
    assert bilan.visible_version(world.coordinator, YEAR).version == 2
    assert bilan.publish(world.coordinator, YEAR).version == 2
    assert bilan.visible_version(world.directors["A"], YEAR).version == 2
    assert bilan.visible_version(world.directors["A"], YEAR, version=1).id == published.id
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "bilan.publish")
                              .order_by(AuditEntry.id))
    assert [entry.after for entry in audit] == [{"year": YEAR, "version": 1},
                                               {"year": YEAR, "version": 2}]


def test_a_refresh_racing_a_publication_leaves_the_published_version_alone(world, monkeypatch):
    build_2025(world)
    draft = bilan.generate_draft(world.groupement.id, YEAR)
    bilan.publish(world.coordinator, YEAR)
    frozen = json.dumps(draft.data, sort_keys=True)
    extra = accepted(world, "C", "A")
    session(world, extra, date(YEAR, 9, 1), "08:00", "10:00", mode="remote")
    monkeypatch.setattr(bilan, "_draft", lambda gid, year: draft)  # read before the publish
    bilan.generate_draft(world.groupement.id, YEAR)
    db.session.expire_all()
    v1 = db.session.get(BilanVersion, draft.id)
    assert v1.status == BilanStatus.PUBLISHED
    assert json.dumps(v1.data, sort_keys=True) == frozen


def test_publish_notifies_each_director_once(world, other_world):
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    gone = add_user(world.groupement, "ancien@gic65.test", "director",
                    world.establishments["A"])
    gone.active = False
    db.session.commit()
    bilan.publish(world.coordinator, YEAR)
    notes = list(db.session.scalars(select(Notification).where(Notification.kind == "bilan")
                                    .order_by(Notification.user_id)))
    assert [n.user_id for n in notes] == sorted(d.id for d in world.directors.values())
    assert {n.key for n in notes} == {f"bilan:{world.groupement.id}:{YEAR}:1"}
    assert all(n.link == f"/bilan/{YEAR}" and "2025" in n.subject for n in notes)
    with pytest.raises(RuleRefused) as error:  # nothing left to publish
        bilan.publish(world.coordinator, YEAR)
    assert error.value.code == "no_draft"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "bilan")) == 3


@pytest.mark.parametrize("who", ["tech_A", "dir_A", "accountant"])
def test_only_a_coordinator_publishes_or_prepares(world, who):
    user = {"tech_A": world.technicians["A"], "dir_A": world.directors["A"],
            "accountant": world.accountant}[who]
    bilan.generate_draft(world.groupement.id, YEAR)
    with pytest.raises(Forbidden):
        bilan.publish(user, YEAR)
    with pytest.raises(Forbidden):
        bilan.refresh_draft(user, YEAR)
    db.session.rollback()
    assert db.session.scalar(select(BilanVersion.status)) == BilanStatus.DRAFT
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_publish_refusals(world):
    with pytest.raises(RuleRefused) as error:
        bilan.publish(world.coordinator, YEAR)
    assert error.value.code == "no_draft"
    bilan.refresh_draft(world.coordinator, 2026)  # the current year: a draft, not publishable
    with pytest.raises(RuleRefused) as error:
        bilan.publish(world.coordinator, 2026)
    assert error.value.code == "year_not_ended"
    with pytest.raises(RuleRefused):
        bilan.refresh_draft(world.coordinator, 2027)
    with pytest.raises(InvalidField):
        bilan.refresh_draft(world.coordinator, 1999)


def test_who_reads_which_version(world, other_world):
    bilan.generate_draft(world.groupement.id, YEAR)
    members = (world.directors["B"], world.technicians["A"], world.accountant)
    for user in members:
        with pytest.raises(NotFound):  # a draft is the coordinator's only
            bilan.visible_version(user, YEAR)
    assert bilan.visible_version(world.coordinator, YEAR).status == BilanStatus.DRAFT
    bilan.publish(world.coordinator, YEAR)
    for user in members:  # the published bilan is everyone's (SPEC §5)
        assert bilan.visible_version(user, YEAR).status == BilanStatus.PUBLISHED
    bilan.generate_draft(world.groupement.id, YEAR)  # version 2, a draft
    assert [[v.version for v in year] for year in bilan.bilan_years(world.accountant)] == [[1]]
    assert [[v.version for v in year] for year in bilan.bilan_years(world.coordinator)] == [
        [2, 1]]
    for user in (other_world.coordinator, other_world.directors["X"]):
        with pytest.raises(NotFound):
            bilan.visible_version(user, YEAR)
    assert bilan.bilan_years(other_world.coordinator) == []


# --- The 1 January job -------------------------------------------------------------

def test_job_drafts_last_year_for_every_groupement_and_is_idempotent(world, other_world):
    build_2025(world)
    young = Groupement(name="GCSMS Récent")
    db.session.add(young)
    db.session.flush()
    db.session.add(ConventionVersion(groupement_id=young.id, valid_from=date(2026, 2, 1),
                                     start_date=date(2026, 2, 1)))
    db.session.commit()

    def rows():
        return db.session.execute(
            select(BilanVersion.id, BilanVersion.groupement_id, BilanVersion.year,
                   BilanVersion.version, BilanVersion.status, BilanVersion.computed_at)
            .order_by(BilanVersion.id)).all()

    counts = bilan.job_bilan_draft(date(2026, 1, 1))
    assert counts == {"groupements": 2, "brouillons créés": 2, "brouillons actualisés": 0}
    first = rows()
    assert [(r.groupement_id, r.year, r.version, r.status) for r in first] == [
        (world.groupement.id, YEAR, 1, "draft"),  # not the groupement starting in 2026
        (other_world.groupement.id, YEAR, 1, "draft")]

    counts = bilan.job_bilan_draft(date(2026, 1, 1))
    assert counts == {"groupements": 2, "brouillons créés": 0, "brouillons actualisés": 2}
    assert rows() == first  # running twice changes nothing

    bilan.publish(world.coordinator, YEAR)
    published = rows()
    assert bilan.job_bilan_draft(date(2026, 1, 1))["groupements"] == 1  # the other one
    assert rows() == published  # a published year is left alone, no version 2
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.kind == "bilan")) == 3  # from publishing only


def test_job_isolates_a_failing_groupement(world, other_world, monkeypatch):
    real = bilan.compute_bilan

    def flaky(groupement_id, year):
        if groupement_id == world.groupement.id:
            raise RuntimeError("boom")
        return real(groupement_id, year)

    monkeypatch.setattr(bilan, "compute_bilan", flaky)
    with pytest.raises(bilan.BilanJobFailed, match="GIC 65"):
        bilan.job_bilan_draft(date(2026, 1, 1))
    assert db.session.execute(select(BilanVersion.groupement_id)).scalars().all() == [
        other_world.groupement.id]
