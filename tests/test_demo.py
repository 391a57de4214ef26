"""The demo data of SPEC §9: accounts, idempotence, lifelike content that obeys
every billing rule, meetings with finalised minutes and published bilans. Two
full loads only (password hashing makes them ~2 s each)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gic.convention import rules
from gic.convention.history import cap_for_year, terms_on
from gic.demo_data import GIC65, PASSWORD, account_emails
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import ConventionVersion, Establishment, Groupement, Role, User
from gic.notifications.models import Notification
from tests.conftest import TODAY

# Loads the whole demo (both groupements) through the services.
pytestmark = [pytest.mark.emails, pytest.mark.slow]


def row_counts() -> dict[str, int]:
    """Rows of every table."""
    db.session.rollback()  # read what the command committed
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_demo_command_creates_the_accounts_and_a_second_run_adds_nothing(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Données de démonstration créées : GIC 65" in result.output
    assert "Données de démonstration créées : GCSMS Démo" in result.output
    assert "Données de démonstration créées : GCSMS ISI Démo" in result.output
    assert f"mot de passe : {PASSWORD}" in result.output
    assert "/login" in result.output
    emails = account_emails()
    # SPEC §9 table, exactly
    for email in ("coordination@gic65.test", "compta@gic65.test", "directeur@epas65.test",
                  "tech@epas65.test", "directeur@larrieu.test", "tech@larrieu.test",
                  "directeur@ehpad-argeles.test", "tech@ehpad-argeles.test",
                  "coordination@gcsms-demo.test"):
        assert email in emails
    for email in emails:
        assert email in result.output

    before = row_counts()
    assert before["intervention"] > 20 and before["intervention_session"] > 40
    assert before["meeting"] >= 15 and before["meeting_minutes"] >= 13
    assert before["meeting_vote"] >= 6 and before["bilan_version"] >= 3
    # The services' e-mails went to the test outbox, one file per e-mailed notification.
    emailed = db.session.scalar(select(func.count(Notification.id)).where(
        Notification.emailed_at.is_not(None)))
    assert emailed > 0
    assert len(list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))) == emailed
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "rien n'a été ajouté" in again.output
    for email in emails:  # still prints the accounts
        assert email in again.output
    assert row_counts() == before

    for email in emails:  # every account logs in with the demo password
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, email
        assert "/login" not in response.headers["Location"]
        assert client.get("/").status_code == 200


def test_demo_data_is_lifelike_and_obeys_the_rules(app, monkeypatch):
    # A "today" one year before the pinned clock: the whole data set is in the past.
    # Imported here, once the app (and so every blueprint) is loaded: importing
    # gic.admin.services first runs into the blueprints' import cycle.
    from gic.billing.models import YearClosure
    from gic.billing.services import billing_summary
    from gic.convention import ledger
    from gic.demo import load_demo

    today = date(TODAY.year - 1, 11, 23)
    year = today.year
    # The shipped setting (the suite's default lets other tests log old sessions freely).
    monkeypatch.setitem(app.config, "SESSION_BACKDATE_DAYS", 30)
    result = load_demo(today=today)
    assert result.created == ["GIC 65", "GCSMS Démo", "GCSMS ISI Démo"]
    assert result.skipped == []

    gic65 = db.session.scalars(select(Groupement).where(Groupement.name == "GIC 65")).one()
    version = db.session.scalars(select(ConventionVersion).where(
        ConventionVersion.groupement_id == gic65.id)).one()
    assert (version.start_date, version.duration_years, version.threshold_minutes,
            version.cap_minutes, version.hourly_rate) == (
        date(2019, 9, 30), 3, 420, 2100, Decimal("25.00"))
    names = {e.name: e for e in db.session.scalars(
        select(Establishment).where(Establishment.groupement_id == gic65.id))}
    assert set(names) == {"EPAS 65", "Centre Jean-Marie Larrieu", "EHPAD d'Argelès-Gazost"}
    assert all(len(e.finess) == 9 and e.finess.isdigit() for e in names.values())

    interventions = list(db.session.scalars(
        select(Intervention).where(Intervention.groupement_id == gic65.id)))
    assert {State(i.state) for i in interventions} == set(State)
    sessions = list(db.session.scalars(select(InterventionSession).join(Intervention).where(
        Intervention.groupement_id == gic65.id)))
    assert {s.mode for s in sessions} == {"remote", "onsite"}
    assert {s.year for s in sessions} == {year - 2, year - 1, year}
    assert all(date(year - 2, 1, 1) <= s.date < today for s in sessions)
    assert all(i.created_at.year >= year - 2 for i in interventions)
    assert any("serveur de fichiers" in i.description.lower() for i in interventions)

    # Past years: every intervention that has sessions is validated; the oldest is closed.
    for i in interventions:
        if i.sessions and max(s.year for s in i.sessions) < year:
            assert i.state == State.VALIDATED
    assert db.session.scalar(select(YearClosure.closed).where(
        YearClosure.groupement_id == gic65.id, YearClosure.year == year - 2)) is True

    # R1–R5 recomputed from the stored sessions: billable and free on-site work,
    # never a beneficiary above the cap, and the SQL agrees with the pure rules.
    billable: dict[tuple[int, int], int] = defaultdict(int)
    free_onsite = 0
    for i in interventions:
        if i.state not in (State.ACCEPTED, State.COMPLETED, State.VALIDATED):
            assert not i.sessions
            continue
        if i.secondment_id is not None:  # R8: billed under its secondment, outside the cap
            continue
        facts = [rules.SessionFact(day=s.date, mode=rules.Mode(s.mode), minutes=s.minutes)
                 for s in i.sessions]
        per_year = rules.billable_by_year(facts, i.threshold_minutes)
        if not per_year and any(f.mode == rules.Mode.ONSITE for f in facts):
            free_onsite += 1
        for y, minutes in per_year.items():
            billable[(i.beneficiary_id, y)] += minutes
    assert free_onsite >= 2 and len(billable) >= 6
    for (beneficiary_id, y), minutes in billable.items():
        assert minutes <= cap_for_year(gic65.id, y)
        assert ledger.cap_use(beneficiary_id, [y]) == {y: minutes}

    # One beneficiary near its cap this year: EHPAD d'Argelès-Gazost, 32 h of 35 h.
    argeles = names["EHPAD d'Argelès-Gazost"]
    assert billable[(argeles.id, year)] == 1920
    accountant = db.session.scalars(select(User).where(User.email == GIC65.accountant[0])).one()
    summary = billing_summary(accountant, year)
    near = {b["beneficiary_id"]: b for b in summary.beneficiaries}[argeles.id]
    assert near["remaining_minutes"] == 180
    epas = names["EPAS 65"]
    assert {"provider_id": epas.id, "beneficiary_id": argeles.id, "billable_minutes": 900,
            "amount": Decimal("375.00")} in summary.lines
    assert [p["beneficiary_id"] for p in summary.pending] == [argeles.id]

    # The second groupement: its own people and establishments, another rate.
    other = db.session.scalars(select(Groupement).where(Groupement.name == "GCSMS Démo")).one()
    assert terms_on(other.id, today).hourly_rate == Decimal("30.00")
    coordinator = db.session.scalars(select(User).where(
        User.email == "coordination@gcsms-demo.test")).one()
    assert coordinator.groupement_id == other.id
    assert db.session.scalar(select(func.count(Establishment.id)).where(
        Establishment.groupement_id == other.id)) == 3
    assert db.session.scalar(select(func.count(Intervention.id)).where(
        Intervention.groupement_id == other.id)) >= 5

    # The stories' workflow notifications are in the lists at their dates, the old ones
    # read, and none was e-mailed (the demo does not mail years of past news at install).
    told = list(db.session.scalars(select(Notification).where(
        Notification.groupement_id == gic65.id, Notification.kind == "intervention")))
    assert len(told) > 2 * len(interventions)
    assert all(n.emailed_at is None for n in told)
    midnight = datetime.combine(today, datetime.min.time())
    assert all(n.created_at < midnight for n in told)
    week_ago = midnight - timedelta(days=7)
    assert all(n.read_at is not None for n in told if n.created_at < week_ago - timedelta(days=1))

    check_meetings(gic65, today)
    check_bilans(gic65, other, today)
    check_isi(today)
    # GCSMS Démo has its own meetings with finalised minutes.
    from gic.meetings.models import Meeting, Minutes, MinutesStatus
    assert db.session.scalar(select(func.count(Minutes.id)).join(Meeting).where(
        Meeting.groupement_id == other.id, Minutes.status == MinutesStatus.FINAL)) >= 2


def check_isi(today: date) -> None:
    """Issue 16: GCSMS ISI Démo, in the ordered-hours model: 8 members and 6 users,
    this year's orders voted and called, next year's being collected, sessions that
    consume them (one beneficiary beyond 80 %, one beyond its order)."""
    from gic.ordered import ledger
    from gic.ordered.models import ContributionDocument, DocumentKind

    isi = db.session.scalars(select(Groupement).where(Groupement.name == "GCSMS ISI Démo")).one()
    year = today.year
    version = db.session.scalars(select(ConventionVersion).where(
        ConventionVersion.groupement_id == isi.id)).one()
    assert (version.model, version.overrun_allowed, version.threshold_minutes,
            version.hourly_rate) == ("ordered_hours", True, 0, Decimal("45.00"))
    figures = ledger.year_figures(isi.id, year)
    rows = {r.name: r for r in figures.rows}
    assert len(rows) == 14
    assert sum(not r.is_member for r in rows.values()) == 6
    assert all(r.ordered_minutes for r in rows.values())
    assert figures.voted and figures.voted_on == date(year - 1, 12, 9)
    assert figures.budget == figures.totals.called == Decimal("520") * 45
    assert db.session.scalar(select(func.count(ContributionDocument.id)).where(
        ContributionDocument.groupement_id == isi.id,
        ContributionDocument.kind == DocumentKind.CALL)) == 14
    pinede, cigalieres = rows["La Pinède"], rows["Cigalières"]
    assert (pinede.consumed_minutes, pinede.consumption.alert_level) == (15 * 60, 80)
    assert (cigalieres.consumed_minutes, cigalieres.consumption.over_minutes) == (9 * 60, 60)
    assert len(ledger.ordered_minutes(isi.id, year + 1)) == 6
    assert not ledger.year_figures(isi.id, year + 1).voted


def check_meetings(gic65: Groupement, today: date) -> None:
    """Per year 3 technicians' and 1 directors' meeting; every state; finalised
    minutes with attendance, summary, decisions, a unanimous vote, actions."""
    from gic.audit.models import AuditEntry
    from gic.meetings.models import (
        Meeting,
        MeetingKind,
        MeetingStatus,
        MinutesStatus,
        Presence,
        VoteChoice,
    )
    from gic.meetings.votes import unanimity

    year = today.year
    midnight = datetime(year, today.month, today.day)
    meetings = list(db.session.scalars(select(Meeting).where(
        Meeting.groupement_id == gic65.id).order_by(Meeting.starts_at)))
    assert {m.status for m in meetings} == set(MeetingStatus)
    for y in (year - 2, year - 1, year):
        kinds = [m.kind for m in meetings
                 if m.local_date.year == y and m.status != MeetingStatus.CANCELLED]
        assert sorted(kinds) == [MeetingKind.DIRECTORS] + [MeetingKind.TECHNICIANS] * 3, y
    assert min(m.local_date for m in meetings) >= date(year - 2, 1, 1)
    assert all(m.created_at < m.starts_at and m.created_at < midnight for m in meetings)

    # One still to come (within a month), one cancelled, the others held.
    planned = [m for m in meetings if m.status == MeetingStatus.PLANNED]
    assert len(planned) == 1 and today < planned[0].local_date <= today + timedelta(days=31)
    assert not planned[0].minutes
    cancelled = [m for m in meetings if m.status == MeetingStatus.CANCELLED]
    assert len(cancelled) == 1 and not cancelled[0].minutes
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    assert all(m.local_date < today for m in held)

    # The most recent one's minutes are still a draft, more than 15 days later.
    drafts = [m for m in held if not any(v.is_final for v in m.minutes)]
    assert drafts == [held[-1]]
    assert today - timedelta(days=30) <= drafts[0].local_date < today - timedelta(days=15)
    assert [v.status for v in drafts[0].minutes] == [MinutesStatus.DRAFT]

    finals = [v for m in held[:-1] for v in m.minutes]
    assert len(finals) == len(held) - 1 == 10
    for minutes in finals:
        assert minutes.is_final and minutes.summary
        assert minutes.meeting.starts_at < minutes.finalised_at < midnight
        assert minutes.finalised_by.role == Role.COORDINATOR
        assert minutes.attendance and minutes.decisions
        assert all(a.owner_id and a.due_date for a in minutes.actions)
        finalised = db.session.scalars(select(AuditEntry.at).where(
            AuditEntry.object_type == "Minutes", AuditEntry.object_id == minutes.id,
            AuditEntry.action == "minutes.finalise")).one()
        assert finalised == minutes.finalised_at
    assert any(a.presence == Presence.EXCUSED for m in finals for a in m.attendance)
    actions = [a for m in finals for a in m.actions]
    assert any(a.done for a in actions) and any(a.carried_from_id for a in actions)
    latest = max((m for m in finals if m.meeting.kind == MeetingKind.TECHNICIANS),
                 key=lambda m: m.meeting.starts_at)
    assert any(not a.done for a in latest.actions)  # still open, carried into the draft
    assert {a.carried_from_id for a in drafts[0].minutes[0].actions} >= {
        a.id for a in latest.actions if not a.done}

    # The directors' renewal: unanimity of the three members, every vote « pour ».
    unanimous = [d for m in finals for d in m.decisions if d.needs_unanimity]
    assert unanimous and all(d.minutes.meeting.kind == MeetingKind.DIRECTORS
                             for d in unanimous)
    renewal = next(d for d in unanimous if "Renouvellement de la convention" in d.text)
    assert unanimity(renewal).status == "reached"
    assert [v.choice for v in renewal.votes] == [VoteChoice.FOR] * 3
    assert {v.establishment_id for v in renewal.votes} == {
        e.id for e in db.session.scalars(select(Establishment).where(
            Establishment.groupement_id == gic65.id))}
    assert all(v.user.role == Role.DIRECTOR for v in renewal.votes)

    # Directors were told of each finalised version; old notifications are read.
    told = list(db.session.scalars(select(Notification).where(
        Notification.groupement_id == gic65.id, Notification.kind == "minutes")))
    assert len({n.key for n in told}) == len(finals)
    assert all(n.created_at < midnight and n.read_at is not None for n in told)


def check_bilans(gic65: Groupement, other: Groupement, today: date) -> None:
    """The bilans of the two full years are published, with their meetings."""
    from gic.reports.models import BilanStatus, BilanVersion

    year = today.year
    versions = {(v.groupement_id, v.year): v for v in db.session.scalars(select(BilanVersion))}
    assert set(versions) == {(gic65.id, year - 2), (gic65.id, year - 1), (other.id, year - 1)}
    for (_, y), v in versions.items():
        assert v.status == BilanStatus.PUBLISHED and v.version == 1
        assert v.published_by.role == Role.COORDINATOR
        assert date(y + 1, 1, 1) <= v.published_at.date() < today
    last = versions[(gic65.id, year - 1)].data
    assert last["year"] == year - 1 and last["totals"]["minutes"] > 0
    assert len(last["meetings"]) == 4  # held: 3 technicians', 1 directors' (not the cancelled)
    assert all(m["minutes_version"] == 1 for m in last["meetings"])
    directors = db.session.scalar(select(func.count(User.id)).where(
        User.groupement_id == gic65.id, User.role == Role.DIRECTOR))
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.groupement_id == gic65.id, Notification.kind == "bilan")) == 2 * directors
    # Every area of the convention has its part in the published bilan.
    sections = last["sections"]
    assert sections["equipment"]["totals"]["loans"] > 0
    assert sections["trainings"]["trainings"] and sections["exchanges"]["pairs"]

    # The journal names each kind of object the demo audited in French.
    from gic.audit.models import AuditEntry
    from gic.audit.present import OBJECT_NAMES
    kinds = set(db.session.scalars(select(AuditEntry.object_type).distinct()))
    shown_by_page = {"Intervention", "InterventionSession", "YearClosure", "Establishment",
                     "User", "ApiToken"}
    assert len(kinds) > 10
    assert sorted(kinds - shown_by_page - set(OBJECT_NAMES)) == []
