"""Equipment register pages through the web client: French pages, who may record
and return, refusals keeping the input, the dashboards' overdue block, the
minutes' « loans outstanding » (page and DOCX), CSRF."""

from __future__ import annotations

import io
import re
from datetime import date, time, timedelta

import pytest
from docx import Document
from sqlalchemy import func, select

from gic.equipment import services
from gic.equipment.models import Movement
from gic.exchanges.services import log_exchange
from gic.extensions import db
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.trainings.services import create_training
from tests.conftest import TODAY, csrf_login, csrf_token
from tests.views.test_dashboard import counted_queries
from tests.views.test_meetings_views import client_for, text_of


def lend(world, lender="A", borrower="B", *, day=date(2026, 9, 1),
         due=TODAY - timedelta(days=5), item="Onduleur APC 1500"):
    return services.record_movement(world.technicians[lender], kind="loan",
                                    to_id=world.establishments[borrower].id, item=item,
                                    category="other", serial_number="AS123", day=day,
                                    expected_return=due, condition_out="Batterie neuve")


def form(world, **changes):
    data = {"kind": "loan", "to_id": str(world.establishments["B"].id),
            "item": "Commutateur 24 ports HP", "category": "network", "serial_number": "CN52",
            "date": "2026-10-02", "expected_return": "2026-12-15",
            "condition_out": "Bon état", "notes": "Pendant les travaux"}
    data.update(changes)
    return data


# --- Lists -------------------------------------------------------------------------

def test_register_and_loans_out_in_french(app, world):
    late = lend(world)
    services.record_movement(world.technicians["C"], kind="donation",
                             to_id=world.establishments["A"].id, item="Écrans Iiyama",
                             category="workstation", day=date(2026, 5, 4))
    client = client_for(app, world.technicians["A"])
    page = text_of(client.get("/equipment/"))
    assert "Registre du matériel" in page and "Enregistrer un prêt ou un don" in page
    assert "Onduleur APC 1500" in page and "Écrans Iiyama" in page and "Don définitif" in page
    assert "En retard de 5 jours" in page
    out = client.get("/equipment/out")
    assert out.status_code == 200
    assert "Prêts en cours" in text_of(out) and "Écrans Iiyama" not in text_of(out)
    detail = text_of(client.get(f"/equipment/{late.id}"))
    assert "Prêté par Établissement A" in detail and "Enregistrer le retour" in detail
    borrower = text_of(client_for(app, world.directors["B"]).get(f"/equipment/{late.id}"))
    assert "Enregistrer le retour" not in borrower
    assert "Le retour sera enregistré par Établissement A" in borrower
    coordinator = text_of(client_for(app, world.coordinator).get("/equipment/"))
    assert "tout le groupement, en lecture seule" in coordinator
    assert "Enregistrer un prêt ou un don" not in coordinator


def test_outsiders_and_the_accountant(app, world, other_world):
    m = lend(world)
    accountant = client_for(app, world.accountant)
    response = accountant.get("/equipment/")
    assert response.status_code == 403
    assert "réservé aux équipes des établissements" in text_of(response)
    assert accountant.get(f"/equipment/{m.id}").status_code == 403
    assert client_for(app, world.technicians["C"]).get(f"/equipment/{m.id}").status_code == 404
    assert client_for(app, other_world.coordinator).get(f"/equipment/{m.id}").status_code == 404


# --- Recording ---------------------------------------------------------------------

def test_a_technician_records_a_loan(app, world):
    client = client_for(app, world.technicians["A"])
    page = text_of(client.get("/equipment/new"))
    assert "Votre établissement, Établissement A" in page
    response = client.post("/equipment/new", data=form(world))
    m = db.session.scalar(select(Movement))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/equipment/{m.id}")
    assert (m.item, m.expected_return, m.created_by_id) == (
        "Commutateur 24 ports HP", date(2026, 12, 15), world.technicians["A"].id)
    assert "Prêt enregistré" in text_of(client.get(response.headers["Location"]))


@pytest.mark.parametrize(("changes", "message"), [
    ({"expected_return": ""}, "Un prêt a une date de retour prévue."),
    ({"expected_return": "2026-10-01"}, "doit être après la date du prêt"),
    ({"kind": "donation"}, "Un don est définitif"),
    ({"date": "2099-01-01"}, "ne peut pas être dans le futur"),
    ({"category": ""}, "Choisissez une catégorie."),
])
def test_refusals_keep_the_input(app, world, changes, message):
    client = client_for(app, world.technicians["A"])
    response = client.post("/equipment/new", data=form(world, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in text_of(response)
    assert 'value="Commutateur 24 ports HP"' in page and "Pendant les travaux" in page
    assert db.session.scalar(select(func.count(Movement.id))) == 0


@pytest.mark.parametrize("who", ["coordinator", "accountant"])
def test_only_staff_may_record(app, world, who):
    client = client_for(app, getattr(world, who))
    assert client.get("/equipment/new").status_code == 403
    assert client.post("/equipment/new", data=form(world)).status_code == 403
    assert db.session.scalar(select(func.count(Movement.id))) == 0


# --- Return, change, delete -----------------------------------------------------

def test_only_the_lender_records_the_return_once(app, world):
    m = lend(world)
    data = {"returned_on": TODAY.isoformat(), "condition_back": "Rayure sur le capot"}
    borrower = client_for(app, world.directors["B"])
    response = borrower.post(f"/equipment/{m.id}/return", data=data)
    assert response.status_code == 403 and "Seul l'établissement prêteur" in text_of(response)
    assert db.session.get(Movement, m.id).returned_on is None
    lender = client_for(app, world.directors["A"])
    early = lender.post(f"/equipment/{m.id}/return", data={"returned_on": "2026-08-01"})
    assert early.status_code == 422 and "ne peut pas précéder" in text_of(early)
    assert lender.post(f"/equipment/{m.id}/return", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Movement, m.id).condition_back == "Rayure sur le capot"
    again = lender.post(f"/equipment/{m.id}/return", data=data)
    assert again.status_code == 409 and "déjà enregistré" in text_of(again)


def test_the_lender_edits_and_deletes(app, world):
    m = lend(world)
    assert client_for(app, world.technicians["B"]).get(f"/equipment/{m.id}/edit").status_code \
        == 403
    client = client_for(app, world.technicians["A"])
    page = client.get(f"/equipment/{m.id}/edit").get_data(as_text=True)
    assert 'value="Onduleur APC 1500"' in page
    refused = client.post(f"/equipment/{m.id}/edit",
                          data=form(world, to_id=str(world.establishments["A"].id)))
    assert refused.status_code == 422 and "autre établissement que le vôtre" in text_of(refused)
    assert client.post(f"/equipment/{m.id}/edit", data=form(world)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Movement, m.id).item == "Commutateur 24 ports HP"
    assert client_for(app, world.directors["B"]).post(f"/equipment/{m.id}/delete") \
        .status_code == 403
    assert client.post(f"/equipment/{m.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(Movement.id))) == 0


# --- Dashboards and minutes ----------------------------------------------------------

@pytest.mark.parametrize(("who", "shown"), [("dir_A", True), ("tech_B", True), ("dir_C", False),
                                            ("coordinator", False)])
def test_dashboards_show_overdue_loans(app, world, who, shown):
    lend(world)
    user = {"dir_A": world.directors["A"], "tech_B": world.technicians["B"],
            "dir_C": world.directors["C"], "coordinator": world.coordinator}[who]
    page = text_of(client_for(app, user).get("/"))
    assert ("Matériel prêté non rendu" in page and "5 jours" in page) is shown


def test_minutes_list_the_loans_outstanding(app, world):
    lend(world, day=date(2026, 9, 1), due=date(2026, 10, 1))
    meeting = meetings.plan_meeting(world.coordinator, kind="technicians", title=None,
                                    day=date(2026, 10, 20), start=time(14, 0),
                                    duration_minutes=120, place="Salle du conseil")
    minutes = steps.start_minutes(meeting, world.coordinator)
    assert [loan["days_late"] for loan in minutes.snapshot["equipment"]] == [19]
    steps.finalise(minutes, world.coordinator)
    client = client_for(app, world.technicians["C"])
    page = text_of(client.get(f"/meetings/{meeting.id}/minutes/1"))
    assert re.search(r"Matériel non rendu .*Onduleur APC 1500 .*Établissement A .*"
                     r"Établissement B .*1er septembre 2026 .*1er octobre 2026 .*19 jours", page)
    document = Document(io.BytesIO(client.get(f"/meetings/{meeting.id}/minutes/1.docx").data))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    assert ["Onduleur APC 1500 (Autre, n° AS123)", "Établissement A", "Établissement B",
            "1er septembre 2026", "1er octobre 2026", "19 jours"] in rows


def test_forms_need_the_csrf_token(csrf_client, world):
    m = lend(world)
    client = csrf_client
    csrf_login(client, world.technicians["A"])
    assert client.post("/equipment/new", data=form(world)).status_code == 400
    assert client.post(f"/equipment/{m.id}/return",
                       data={"returned_on": TODAY.isoformat()}).status_code == 400
    token = csrf_token(client.get("/equipment/new").get_data(as_text=True))
    assert client.post("/equipment/new", data=form(world, csrf_token=token)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Movement.id))) == 2


# --- Lists issue a fixed number of queries ------------------------------------------

def _round(world, n: int) -> None:
    """One more movement, training and exchange on day ``n`` of September 2026."""
    lend(world, day=date(2026, 9, n), item=f"Portable {n}")
    create_training(world.coordinator, topic="security", title=f"Séance {n}",
                    day=date(2026, 9, n), duration_minutes=60, trainer="Cyber-Occitanie",
                    attendee_ids=[world.technicians["A"].id, world.technicians["B"].id],
                    guests={world.establishments["C"].id: 2})
    log_exchange(world.technicians["A"], recipient_id=world.establishments["B"].id,
                 day=date(2026, 9, n), topic=f"Conseil {n}", minutes=30)


@pytest.mark.parametrize("url", ["/equipment/", "/equipment/out", "/trainings/",
                                 "/exchanges/", "/"])
def test_list_pages_issue_a_fixed_number_of_queries(app, world, url):
    client = client_for(app, world.technicians["A"])
    _round(world, 1)
    with counted_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(2, 8):
        _round(world, n)
    with counted_queries() as many:
        page = client.get(url)
    assert page.status_code == 200 and len(many) == len(few)
