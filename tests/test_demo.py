"""The demo data of SPEC §9: accounts, idempotence, lifelike content that obeys
every billing rule. Two full loads only (password hashing makes them ~2 s each)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from gic import rules
from gic.demo_data import GIC65, PASSWORD, account_emails
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import ConventionVersion, Establishment, Groupement, User


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


def test_demo_data_is_lifelike_and_obeys_the_rules(app):
    # A fixed "today" one year back: the whole data set is in the past, whatever the date.
    # Imported here, once the app (and so every blueprint) is loaded: importing
    # gic.admin.services first runs into the blueprints' import cycle.
    from gic.billing import queries
    from gic.billing.models import YearClosure
    from gic.billing.services import billing_summary
    from gic.demo import load_demo

    today = date(date.today().year - 1, 11, 23)
    year = today.year
    result = load_demo(today=today)
    assert result.created == ["GIC 65", "GCSMS Démo"]
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
        facts = [rules.SessionFact(day=s.date, mode=rules.Mode(s.mode), minutes=s.minutes)
                 for s in i.sessions]
        per_year = rules.billable_by_year(facts, i.threshold_minutes)
        if not per_year and any(f.mode == rules.Mode.ONSITE for f in facts):
            free_onsite += 1
        for y, minutes in per_year.items():
            billable[(i.beneficiary_id, y)] += minutes
    assert free_onsite >= 2 and len(billable) >= 6
    for (beneficiary_id, y), minutes in billable.items():
        assert minutes <= gic65.cap_for_year(y)
        assert queries.cap_use(beneficiary_id, [y]) == {y: minutes}

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
    assert other.terms_on(today).hourly_rate == Decimal("30.00")
    coordinator = db.session.scalars(select(User).where(
        User.email == "coordination@gcsms-demo.test")).one()
    assert coordinator.groupement_id == other.id
    assert db.session.scalar(select(func.count(Establishment.id)).where(
        Establishment.groupement_id == other.id)) == 3
    assert db.session.scalar(select(func.count(Intervention.id)).where(
        Intervention.groupement_id == other.id)) >= 5
