"""Convention parameters as dated versions (SPEC §2): a future date only, a
preview of what changes, and billing that picks each session's rate by its date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing import queries
from gic.billing.models import YearClosure
from gic.convention.history import cap_for_year, terms_on
from gic.convention.rules import round_cents
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.governance.versions import (
    create_version,
    delete_version,
    preview_version,
    versions_of,
)
from gic.interventions import services as interventions
from gic.models import ConventionVersion
from gic.timeutil import local_today
from tests.helpers import accepted

TODAY = date(2026, 11, 23)
PARIS = ZoneInfo("Europe/Paris")
SAME = {"threshold_minutes": 420, "cap_minutes": 2100, "hourly_rate": Decimal("25.00"),
        "duration_years": 3}


def values(**changes) -> dict:
    return {**SAME, **changes}


def count_versions() -> int:
    return db.session.scalar(select(func.count(ConventionVersion.id)))


@pytest.mark.parametrize("day", [date(2026, 11, 23), date(2026, 11, 22), date(2019, 9, 30)])
def test_the_past_and_today_are_never_rewritten(world, day):
    with pytest.raises(InvalidField, match="le 24 novembre 2026 au plus tôt") as refused:
        preview_version(world.coordinator, valid_from=day, today=TODAY,
                        **values(hourly_rate=Decimal("30.00")))
    assert refused.value.field == "valid_from" and refused.value.code == "not_future"
    with pytest.raises(InvalidField):
        create_version(world.coordinator, valid_from=day, today=TODAY,
                       **values(hourly_rate=Decimal("30.00")))
    assert count_versions() == 1


def test_preview_lists_each_change_and_the_years_it_leaves_alone(world):
    preview = preview_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                              **values(hourly_rate=Decimal("27.50"), cap_minutes=2400))
    changes = {c.label: c for c in preview.changes}
    assert set(changes) == {"Taux horaire TTC", "Plafond annuel par bénéficiaire"}
    rate = changes["Taux horaire TTC"]
    assert (rate.old, rate.new) == ("25,00 €", "27,50 €")
    assert "Séances datées à partir du 1er janvier 2027" in rate.effect
    cap = changes["Plafond annuel par bénéficiaire"]
    assert (cap.old, cap.new) == ("35 h 00", "40 h 00")
    assert cap.effect.startswith("Plafond des années 2027 et suivantes ; 2026 garde 35 h 00")
    assert [label for label, _ in preview.unchanged] == [
        "Seuil de gratuité sur site", "Durée d'une période de la convention"]
    assert ("La facturation 2026 et antérieure ne change pas, ni ses plafonds : elle garde "
            "les paramètres de ses dates.") in preview.notes
    assert "Facturation 2027 et suivantes : nouveau taux pour toutes les séances." in preview.notes
    assert count_versions() == 1  # a preview saves nothing


def test_a_cap_changed_in_the_year_applies_from_the_next_1_january(world):
    preview = preview_version(world.coordinator, valid_from=date(2027, 3, 1), today=TODAY,
                              **values(cap_minutes=2400, hourly_rate=Decimal("26.00")))
    cap = next(c for c in preview.changes if c.label.startswith("Plafond"))
    assert cap.effect.startswith("Plafond des années 2028 et suivantes ; 2027 garde 35 h 00")
    assert any(n.startswith("Facturation 2027 : les séances datées avant le 1er mars 2027 "
                            "restent à 25,00 €") for n in preview.notes)
    version = create_version(world.coordinator, valid_from=date(2027, 3, 1), today=TODAY,
                             **values(cap_minutes=2400, hourly_rate=Decimal("26.00")))
    assert version.start_date == date(2019, 9, 30)  # the convention's start is kept
    g = world.groupement
    assert (cap_for_year(g.id, 2026), cap_for_year(g.id, 2027),
            cap_for_year(g.id, 2028)) == (2100, 2100, 2400)
    assert terms_on(g.id, date(2027, 2, 28)).hourly_rate == Decimal("25.00")
    assert terms_on(g.id, date(2027, 3, 1)).hourly_rate == Decimal("26.00")
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "convention.version_create")).one()
    assert entry.after["hourly_rate"] == "26.00" and entry.actor_id == world.coordinator.id


def test_a_version_between_two_says_until_when(world):
    create_version(world.coordinator, valid_from=date(2027, 6, 1), today=TODAY,
                   **values(hourly_rate=Decimal("28.00")))
    preview = preview_version(world.coordinator, valid_from=date(2027, 3, 1), today=TODAY,
                              **values(cap_minutes=2400))
    assert preview.previous.valid_from == date(2019, 9, 30)
    assert preview.following.valid_from == date(2027, 6, 1)
    cap = preview.changes[0]
    assert cap.effect.startswith("Ce plafond ne s'appliquera à aucune année")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({}, "threshold_minutes", "Aucun paramètre ne change"),
    ({"hourly_rate": Decimal("25.005")}, "hourly_rate", "au centime"),
    ({"hourly_rate": Decimal(-1)}, "hourly_rate", "de 0 à 1 000"),
    ({"cap_minutes": 0}, "cap_minutes", "positif"),
    ({"threshold_minutes": 25 * 60}, "threshold_minutes", "de 0 à 24 h"),
    ({"duration_years": 0}, "duration_years", "de 1 à 10 ans"),
])
def test_values_are_checked(world, changes, field, message):
    with pytest.raises(InvalidField, match=message) as refused:
        preview_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                        **values(**changes))
    assert refused.value.field == field


def test_one_version_a_day_never_in_a_closed_year_coordinator_only(world):
    create_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                   **values(hourly_rate=Decimal("26.00")))
    with pytest.raises(InvalidField, match="commence déjà ce jour-là"):
        create_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                       **values(hourly_rate=Decimal("27.00")))
    db.session.add(YearClosure(groupement_id=world.groupement.id, year=2028,
                               closed_by_id=world.accountant.id))
    db.session.commit()
    with pytest.raises(InvalidField, match="2028 est clôturée"):
        create_version(world.coordinator, valid_from=date(2028, 5, 1), today=TODAY,
                       **values(hourly_rate=Decimal("27.00")))
    for user in (world.directors["A"], world.accountant, world.technicians["A"]):
        with pytest.raises(Forbidden):
            preview_version(user, valid_from=date(2027, 2, 1), today=TODAY,
                            **values(hourly_rate=Decimal("27.00")))
    assert count_versions() == 2


def test_only_a_future_version_is_deleted(world):
    future = create_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                            **values(hourly_rate=Decimal("26.00")))
    first = db.session.scalars(select(ConventionVersion).order_by(ConventionVersion.id)).first()
    with pytest.raises(RuleRefused, match="ne se modifie ni ne se supprime") as refused:
        delete_version(world.coordinator, first, today=TODAY)
    assert refused.value.code == "in_force"
    with pytest.raises(RuleRefused):  # once its day has come, too
        delete_version(world.coordinator, future, today=date(2027, 1, 1))
    with pytest.raises(Forbidden):
        delete_version(world.directors["A"], future, today=TODAY)
    assert [row.state for row in versions_of(world.coordinator, today=TODAY)] == [
        "current", "future"]
    delete_version(world.coordinator, future, today=TODAY)
    assert count_versions() == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "convention.version_delete")) == 1


def test_a_session_on_the_new_versions_first_day_uses_its_rate(world):
    today = local_today()
    first_day = today + timedelta(days=1)
    create_version(world.coordinator, valid_from=first_day,
                   **values(hourly_rate=Decimal("31.00")))
    i = accepted(world)
    technician = world.technicians["A"]
    before = interventions.log_session(i, technician, day=today - timedelta(days=1),
                                       start=time(8, 0), end=time(12, 0), mode="onsite")
    evening = datetime.combine(first_day, time(20, 0), tzinfo=PARIS)
    after = interventions.log_session(i, technician, day=first_day, start=time(8, 0),
                                      end=time(12, 0), mode="onsite", now=evening)
    assert before.hourly_rate == Decimal("25.00") and after.hourly_rate == Decimal("31.00")
    # 8 h on site (billable): each half at the rate of its date (R6, rounded once).
    expected: dict[int, Decimal] = {}
    for s, rate in ((before, Decimal(25)), (after, Decimal(31))):
        expected[s.year] = expected.get(s.year, Decimal(0)) + 240 * rate / 60
    for year, amount in expected.items():
        pairs = queries.pair_totals(world.groupement.id, year, validated_only=False)
        _minutes, weighted = pairs[(world.establishments["A"].id, world.establishments["B"].id)]
        assert round_cents(weighted / 60) == round_cents(amount)
    if before.year == after.year:
        assert expected == {before.year: Decimal(224)}  # 4 h × 25 € + 4 h × 31 €
