"""R9: closing a year freezes its billing; only a coordinator reopens it, with a reason."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing import services as billing
from gic.billing.models import YearClosure
from gic.errors import Forbidden, InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import InterventionSession
from gic.timeutil import utcnow
from tests.helpers import accepted, hm, session


def finish(world, i, beneficiary="B"):
    services.complete(i, i.technician, "Fait.")
    services.validate(i, world.directors[beneficiary])


def count_sessions() -> int:
    return db.session.scalar(select(func.count(InterventionSession.id)))


def refused(exc_type, call, *args, **kwargs):
    """A refused call changes nothing (rolled back as views do)."""
    before = count_sessions()
    with pytest.raises(exc_type) as error:
        call(*args, **kwargs)
    db.session.rollback()
    assert count_sessions() == before
    return error.value


def force_closed(world, year: int) -> None:
    """A closure written directly, to reach states the services never produce
    (an unsettled intervention with sessions in a closed year): defence in depth."""
    db.session.add(YearClosure(groupement_id=world.groupement.id, year=year,
                               closed_by_id=world.accountant.id, closed_at=utcnow()))
    db.session.commit()


# --- Closing ------------------------------------------------------------------------

def test_close_refused_while_interventions_unsettled_message_lists_them(world):
    done = accepted(world)
    session(world, done, date(2024, 5, 6), "08:00", "10:00")
    finish(world, done)
    open_one = accepted(world)
    session(world, open_one, date(2024, 6, 3), "08:00", "10:00")
    completed = accepted(world, provider="C")
    session(world, completed, date(2024, 7, 1), "08:00", "10:00")
    services.complete(completed, completed.technician, "Fait.")
    elsewhere = accepted(world)  # sessions in 2025 only: not in the way
    session(world, elsewhere, date(2025, 1, 6), "08:00", "10:00")

    error = refused(RuleRefused, billing.close_year, world.accountant, 2024)
    assert error.status == 409 and error.code == "interventions_pending"
    assert error.extra["intervention_ids"] == [open_one.id, completed.id]
    assert f"n° {open_one.id}" in error.message and f"n° {completed.id}" in error.message
    assert f"n° {done.id}" not in error.message
    assert not billing.is_closed(world.groupement.id, 2024)

    finish(world, open_one)
    services.validate(completed, world.directors["B"])
    billing.close_year(world.accountant, 2024)
    assert billing.is_closed(world.groupement.id, 2024)
    assert billing.billing_summary(world.accountant, 2024).closed is True
    assert billing.billing_summary(world.accountant, 2025).closed is False


def test_close_twice_refused(world):
    billing.close_year(world.accountant, 2023)
    assert refused(RuleRefused, billing.close_year, world.accountant, 2023).code == "year_closed"


@pytest.mark.parametrize("who", ["coordinator", "director", "technician"])
def test_only_an_accountant_closes(world, who):
    actor = getattr(world, who) if who == "coordinator" else getattr(world, who + "s")["A"]
    refused(Forbidden, billing.close_year, actor, 2024)
    assert not billing.is_closed(world.groupement.id, 2024)


def test_closing_is_per_groupement(world, other_world):
    billing.close_year(world.accountant, 2024)
    assert billing.is_closed(world.groupement.id, 2024)
    assert not billing.is_closed(other_world.groupement.id, 2024)


# --- A closed year is frozen -----------------------------------------------------------

def test_no_session_can_be_created_in_a_closed_year(world):
    i = accepted(world)
    billing.close_year(world.accountant, 2024)
    error = refused(RuleRefused, session, world, i, date(2024, 12, 2), "08:00", "10:00",
                    mode="remote")
    assert error.status == 409 and error.code == "year_closed" and "2024" in error.message
    session(world, i, date(2025, 1, 6), "08:00", "10:00")


def test_no_session_can_be_moved_into_a_closed_year(world):
    i = accepted(world)
    s = session(world, i, date(2025, 1, 6), "08:00", "10:00", mode="remote")
    billing.close_year(world.accountant, 2024)
    error = refused(RuleRefused, services.update_session, s, i.technician,
                    day=date(2024, 12, 30))
    assert error.code == "year_closed"
    db.session.expire_all()
    assert db.session.get(InterventionSession, s.id).date == date(2025, 1, 6)


def test_sessions_dated_in_a_closed_year_cannot_change_or_go(world):
    i = accepted(world)
    s = session(world, i, date(2024, 12, 30), "08:00", "10:00", mode="remote")
    force_closed(world, 2024)
    for call, kwargs in ((services.update_session, {"end": hm("11:00")}),
                         (services.update_session, {"notes": "seulement la note"}),
                         (services.update_session, {"day": date(2025, 1, 6)}),
                         (services.delete_session, {})):
        error = refused(RuleRefused, call, s, i.technician, **kwargs)
        assert error.code == "year_closed"
    db.session.expire_all()
    s = db.session.get(InterventionSession, s.id)
    assert (s.date, s.minutes, s.notes) == (date(2024, 12, 30), 120, "")


def test_next_year_session_making_closed_year_billable_refused(world):
    i = accepted(world)
    session(world, i, date(2024, 12, 30), "08:00", "12:00")  # 4 h: free for now
    force_closed(world, 2024)
    error = refused(RuleRefused, session, world, i, date(2025, 1, 6), "08:00", "12:00")
    assert error.code == "year_closed" and "2024" in error.message
    # What keeps 2024 unchanged is still allowed: remote, or staying under 7 h.
    session(world, i, date(2025, 1, 6), "08:00", "12:00", mode="remote")
    session(world, i, date(2025, 1, 7), "08:00", "10:00")
    assert count_sessions() == 3


def test_next_year_change_making_closed_year_free_refused(world):
    i = accepted(world)
    session(world, i, date(2024, 12, 30), "08:00", "12:00")
    late = session(world, i, date(2025, 1, 6), "08:00", "12:00")  # 8 h: all billable
    force_closed(world, 2024)
    assert refused(RuleRefused, services.delete_session, late,
                   i.technician).code == "year_closed"
    assert refused(RuleRefused, services.update_session, late, i.technician,
                   mode="remote").code == "year_closed"
    # 2024's 240 billable minutes stay billable: extending 2025 is fine.
    services.update_session(late, i.technician, end=hm("13:00"))


# --- Reopening ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["accountant", "director", "technician"])
def test_only_a_coordinator_reopens(world, who):
    billing.close_year(world.accountant, 2024)
    actor = getattr(world, who) if who == "accountant" else getattr(world, who + "s")["B"]
    refused(Forbidden, billing.reopen_year, actor, 2024, "Erreur de saisie")
    assert billing.is_closed(world.groupement.id, 2024)


def test_reopen_needs_a_reason_and_a_closed_year(world):
    billing.close_year(world.accountant, 2024)
    assert refused(InvalidField, billing.reopen_year, world.coordinator, 2024,
                   "   ").field == "reason"
    assert billing.is_closed(world.groupement.id, 2024)
    assert refused(RuleRefused, billing.reopen_year, world.coordinator, 2023,
                   "Erreur").code == "wrong_state"


def test_close_and_reopen_are_audited_and_reopen_unfreezes(world):
    i = accepted(world)
    billing.close_year(world.accountant, 2024)
    billing.reopen_year(world.coordinator, 2024, "  Séance oubliée du 2 décembre  ")
    assert not billing.is_closed(world.groupement.id, 2024)
    session(world, i, date(2024, 12, 2), "08:00", "10:00")

    entries = list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(("year.close", "year.reopen")))
        .order_by(AuditEntry.id)))
    assert [(e.action, e.actor_id) for e in entries] == [
        ("year.close", world.accountant.id), ("year.reopen", world.coordinator.id)]
    closed, reopened = entries
    assert closed.after == {"year": 2024, "closed": True}
    assert reopened.before == {"year": 2024, "closed": True}
    assert reopened.after == {"year": 2024, "closed": False}
    assert reopened.reason == "Séance oubliée du 2 décembre"
    assert {e.groupement_id for e in entries} == {world.groupement.id}

    services.complete(i, i.technician, "Fait.")
    services.validate(i, world.directors["B"])
    billing.close_year(world.accountant, 2024)  # closes again once settled
    assert billing.is_closed(world.groupement.id, 2024)
