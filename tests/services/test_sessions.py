"""Logging, changing and removing sessions (« temps passé »): SPEC §3 rules and audit."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.convention import ledger
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import InterventionSession, State
from gic.models import Role
from tests.conftest import add_user
from tests.helpers import accepted, hm, session

DAY = date(2025, 3, 3)
PARIS = ZoneInfo("Europe/Paris")


def count_sessions() -> int:
    return db.session.scalar(select(func.count(InterventionSession.id)))


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def log(i, day=DAY, start="08:00", end="10:00", mode="onsite", actor=None, **kw):
    return services.log_session(i, actor or i.technician, day=day, start=hm(start),
                                end=hm(end), mode=mode, **kw)


def refused(exc_type, call, *args, **kwargs):
    """Run a refused call; roll back as the views do; return the error."""
    before = count_sessions()
    with pytest.raises(exc_type) as error:
        call(*args, **kwargs)
    db.session.rollback()
    assert count_sessions() == before
    return error.value


# --- Times --------------------------------------------------------------------------

def test_stored_minutes_year_and_rate(world):
    i = accepted(world)
    s = log(i, date(2025, 10, 26), "01:30", "03:30", notes=" Bascule heure d'hiver ")
    db.session.expire_all()
    s = db.session.get(InterventionSession, s.id)
    assert (s.minutes, s.year, Decimal(s.hourly_rate), s.mode, s.notes) == (
        180, 2025, Decimal("25.00"), "onsite", "Bascule heure d'hiver")
    assert s.technician_id == world.technicians["A"].id


@pytest.mark.parametrize(("day", "start", "end", "field"), [
    (DAY, "10:00", "09:00", "end"),
    (DAY, "10:00", "10:00", "end"),
    (date(2030, 1, 7), "08:00", "09:00", "date"),
    (date(2019, 9, 27), "08:00", "09:00", "date"),
])
def test_invalid_times_refused_422(world, day, start, end, field):
    i = accepted(world)
    error = refused(InvalidField, log, i, day, start, end)
    assert error.status == 422 and error.field == field


def test_later_today_is_the_future(world):
    i = accepted(world)
    now = datetime(2025, 3, 3, 12, 0, tzinfo=PARIS)
    error = refused(InvalidField, log, i, DAY, "11:00", "13:00", now=now)
    assert "futur" in error.message
    assert log(i, DAY, "11:00", "12:00", now=now).minutes == 60


def test_unknown_mode_refused(world):
    i = accepted(world)
    assert refused(InvalidField, log, i, mode="teleport").field == "mode"


# --- Overlaps -----------------------------------------------------------------------

def test_overlap_with_own_session_on_another_intervention_refused(world):
    first = accepted(world, beneficiary="B")
    second = accepted(world, beneficiary="C")
    assert first.technician_id == second.technician_id
    log(first, start="08:00", end="10:00")
    error = refused(InvalidField, log, second, start="09:30", end="11:00")
    assert error.status == 422 and error.field == "start" and "chevauche" in error.message
    log(second, start="10:00", end="11:00")  # touching is not overlapping
    log(second, day=date(2025, 3, 4), start="08:00", end="10:00")  # another day


def test_other_technicians_may_work_at_the_same_time(world):
    mine = accepted(world, provider="A")
    theirs = accepted(world, provider="C")
    log(mine, start="08:00", end="10:00")
    log(theirs, start="08:00", end="10:00")
    assert count_sessions() == 2


def test_update_refuses_an_overlap_but_not_with_itself(world):
    i = accepted(world)
    s1 = log(i, start="08:00", end="10:00")
    log(i, start="13:00", end="15:00")
    services.update_session(s1, i.technician, start=hm("08:30"), end=hm("12:00"))
    assert s1.minutes == 210
    error = refused(InvalidField, services.update_session, s1, i.technician,
                    end=hm("13:30"))
    assert error.field == "start"
    db.session.expire_all()
    assert db.session.get(InterventionSession, s1.id).end_time == time(12, 0)


# --- Update and delete --------------------------------------------------------------

def test_update_recomputes_minutes_year_and_rate(world):
    i = accepted(world)
    s = log(i, start="08:00", end="10:00")
    services.update_session(s, i.technician, day=date(2024, 12, 30), end=hm("16:00"),
                            mode="onsite", notes="Baie de brassage")
    db.session.expire_all()
    s = db.session.get(InterventionSession, s.id)
    assert (s.date, s.minutes, s.year, s.notes) == (date(2024, 12, 30), 480, 2024,
                                                   "Baie de brassage")
    b = world.establishments["B"].id
    assert ledger.cap_use(b, [2024, 2025]) == {2024: 480}


def test_update_keeps_unchanged_fields(world):
    i = accepted(world)
    s = log(i, start="08:00", end="10:00", notes="Serveur")
    services.update_session(s, i.technician, mode="remote")
    assert (s.date, s.start_time, s.end_time, s.mode, s.minutes, s.notes) == (
        DAY, time(8), time(10), "remote", 120, "Serveur")


def test_update_that_would_break_the_cap_refused(world):
    for n in range(4):  # 28 h billable for B
        full = accepted(world, provider="C")
        log(full, date(2025, 2, 3 + n), "08:00", "15:00")
    i = accepted(world)
    s = log(i, start="08:00", end="12:00")  # free
    error = refused(RuleRefused, services.update_session, s, i.technician, end=hm("17:00"))
    assert error.code == "cap_exceeded" and error.extra["remaining_minutes"] == 420
    db.session.expire_all()
    assert db.session.get(InterventionSession, s.id).minutes == 240
    services.update_session(db.session.get(InterventionSession, s.id), i.technician,
                            end=hm("15:00"))
    assert ledger.cap_use(world.establishments["B"].id, [2025]) == {2025: 2100}


def test_switching_billable_work_to_remote_frees_the_cap(world):
    i = accepted(world)
    s = log(i, start="08:00", end="15:00")
    b = world.establishments["B"].id
    assert ledger.cap_use(b, [2025]) == {2025: 420}
    services.update_session(s, i.technician, mode="remote")
    assert ledger.cap_use(b, [2025]) == {}


def test_delete_session(world):
    i = accepted(world)
    s = log(i, start="08:00", end="15:00")
    b = world.establishments["B"].id
    assert ledger.cap_use(b, [2025]) == {2025: 420}
    services.delete_session(s, i.technician)
    assert count_sessions() == 0
    assert ledger.cap_use(b, [2025]) == {}


# --- Who and when ------------------------------------------------------------------

ACTORS = ["technician B", "director A", "director B", "coordinator", "accountant",
          "other technician A"]


def actor_named(world, name: str):
    if name == "other technician A":
        return add_user(world.groupement, "tech2.a@gic65.test", Role.TECHNICIAN,
                        world.establishments["A"])
    if name in ("coordinator", "accountant"):
        return getattr(world, name)
    role, letter = name.split()
    return (world.technicians if role == "technician" else world.directors)[letter]


@pytest.mark.parametrize("name", ACTORS)
def test_only_the_assigned_technician_logs_changes_or_removes(world, name):
    i = accepted(world)
    s = log(i)
    actor = actor_named(world, name)
    db.session.commit()
    refused(Forbidden, log, i, day=date(2025, 3, 4), actor=actor)
    refused(Forbidden, services.update_session, s, actor, end=hm("11:00"))
    refused(Forbidden, services.delete_session, s, actor)
    assert count_sessions() == 1


def test_other_groupement_technician_cannot_log(world, other_world):
    i = accepted(world)
    refused(Forbidden, log, i, actor=other_world.technicians["X"])


def test_sessions_only_while_accepted(world):
    # Not yet accepted: nobody is assigned, so nobody may log.
    draft = services.create_draft(world.technicians["B"],
                                  provider_id=world.establishments["A"].id, axis=2,
                                  nature="incident", description="Imprimantes")
    refused(Forbidden, log, draft, actor=world.technicians["A"])
    services.activate(draft, world.directors["B"])
    refused(Forbidden, log, draft, actor=world.technicians["A"])

    # Accepted then cancelled before any work: no more sessions.
    cancelled = accepted(world)
    services.cancel(cancelled, world.directors["B"])
    error = refused(RuleRefused, log, cancelled)
    assert error.code == "wrong_state" and "Annulée" in error.message

    # Completed, then validated: sessions are frozen.
    i = accepted(world)
    s = log(i)
    services.complete(i, i.technician, "Fait.")
    for state in (State.COMPLETED, State.VALIDATED):
        assert i.state == state
        assert refused(RuleRefused, log, i, day=date(2025, 3, 5)).code == "wrong_state"
        assert refused(RuleRefused, services.update_session, s, i.technician,
                       end=hm("11:00")).code == "wrong_state"
        assert refused(RuleRefused, services.delete_session, s,
                       i.technician).code == "wrong_state"
        if state == State.COMPLETED:
            services.validate(i, world.directors["B"])
    assert count_sessions() == 1


# --- Audit ----------------------------------------------------------------------------

def test_audit_entries_with_before_and_after(world):
    i = accepted(world)
    tech = i.technician
    s = session(world, i, DAY, "08:00", "10:00")
    sid = s.id
    services.update_session(s, tech, end=hm("11:00"), notes="Switch changé")
    services.delete_session(s, tech)

    (created,) = audit("session.create")
    (updated,) = audit("session.update")
    (deleted,) = audit("session.delete")
    b, a = world.establishments["B"].id, world.establishments["A"].id
    for entry in (created, updated, deleted):
        assert (entry.actor_id, entry.object_type, entry.object_id) == (
            tech.id, "InterventionSession", sid)
        assert (entry.establishment_id, entry.other_establishment_id,
                entry.groupement_id) == (b, a, world.groupement.id)
    expected_first = {"intervention_id": i.id, "date": "2025-03-03", "start": "08:00",
                      "end": "10:00", "mode": "onsite", "minutes": 120, "notes": ""}
    expected_second = {**expected_first, "end": "11:00", "minutes": 180,
                       "notes": "Switch changé"}
    assert created.before is None and created.after == expected_first
    assert updated.before == expected_first and updated.after == expected_second
    assert deleted.before == expected_second and deleted.after is None


def test_refused_session_writes_no_audit(world):
    i = accepted(world)
    log(i)
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    refused(InvalidField, log, i, start="09:00", end="11:00")
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries


# --- How far back a session may be dated ----------------------------------------------------

@pytest.fixture
def backdate_30(app, monkeypatch):
    """The production limit (the suite's own config lifts it: see tests/conftest.py)."""
    monkeypatch.setitem(app.config, "SESSION_BACKDATE_DAYS", 30)


def test_a_session_is_dated_30_days_before_its_request_at_most(world, backdate_30, clock):
    """A request of October 2026 could log 2025 sessions: it changed the 2025 cap use
    and made 2026 minutes billable. 30 days before the drafting: yes; 31: no."""
    clock.move_to(datetime(2026, 10, 12, 9, 0, tzinfo=ZoneInfo("Europe/Paris")))
    i = accepted(world)
    clock.move_to(datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris")))
    for day in (date(2025, 3, 3), date(2026, 9, 11)):
        with pytest.raises(InvalidField) as refused:
            session(world, i, day, "08:00", "15:00")
        assert refused.value.field == "date"
        assert refused.value.message == (
            "Une séance ne peut pas être datée de plus de 30 jours avant la demande "
            "(rédigée le 12/10/2026) : le 12/09/2026 au plus tôt.")
    assert db.session.scalar(select(func.count(InterventionSession.id))) == 0
    assert ledger.cap_use(world.establishments["B"].id, [2025]) == {}
    assert session(world, i, date(2026, 9, 12), "08:00", "15:00").minutes == 420
    s = session(world, i, date(2026, 10, 20), "08:00", "09:00")
    with pytest.raises(InvalidField):  # a change is held to the same limit
        services.update_session(s, s.intervention.technician, day=date(2026, 9, 1),
                                start=hm("08:00"), end=hm("09:00"), mode="onsite")


def test_a_session_is_never_dated_before_its_establishment_joined(app, world, backdate_30,
                                                                  clock):
    """An establishment admitted by unanimity takes part from its admission on."""
    from gic.governance import procedures
    from gic.models import Establishment
    clock.move_to(datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris")))
    procedure = procedures.propose_member(world.coordinator, name="IME de Bagnères",
                                          finess="650781995", contact="Mme Verdier")
    for letter in "ABC":
        procedures.cast_ballot(procedure, world.directors[letter], choice="for")
    candidate = db.session.scalars(select(Establishment).where(
        Establishment.finess == "650781995")).one()
    technician = add_user(world.groupement, "tech@ime.test", Role.TECHNICIAN, candidate)
    director = add_user(world.groupement, "dir@ime.test", Role.DIRECTOR, candidate)
    world.establishments["I"], world.technicians["I"] = candidate, technician
    world.directors["I"] = director
    clock.move_to(datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris")))
    i = accepted(world, "A", "I")
    with pytest.raises(InvalidField) as refused:
        session(world, i, date(2026, 11, 1), "08:00", "09:00")
    assert refused.value.message == ("IME de Bagnères n'est membre du groupement que depuis "
                                     "le 02/11/2026 : une séance ne peut pas être datée "
                                     "d'avant.")
    assert session(world, i, date(2026, 11, 2), "08:00", "09:00").minutes == 60
