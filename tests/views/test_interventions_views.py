"""Interventions web UI through the test client: the whole life, who may do what
(parametrized permission table), the list (scope, filters, pages, constant queries)
and phone-friendly markup. Refusals: ``test_interventions_refusals.py``."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, func, select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from gic.timeutil import local_today
from tests.conftest import client_for
from tests.helpers import session

DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 3)


def text(response) -> str:
    """The page as the user reads it (entities decoded, French no-break spaces as
    plain spaces: the tests of the spacing itself read the raw page)."""
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def plain(response) -> str:
    """The page's text without tags."""
    return re.sub(r"<[^>]+>", "", text(response))


def sessions_of(i: Intervention) -> list[InterventionSession]:
    return list(db.session.scalars(select(InterventionSession).where(
        InterventionSession.intervention_id == i.id).order_by(InterventionSession.date)))


def state_of(i: Intervention) -> str:
    return db.session.scalar(select(Intervention.state).where(Intervention.id == i.id))


def draft(world, beneficiary="B", provider="A", **extra) -> Intervention:
    values = {"axis": 2, "nature": "incident", "description": "Serveur de fichiers en panne"}
    values.update(extra)
    return services.create_draft(world.technicians[beneficiary],
                                 provider_id=world.establishments[provider].id, **values)


def session_data(day=DAY1, start="08:00", end="12:00", mode="onsite", notes=""):
    return {"date": day.isoformat(), "start": start, "end": end, "mode": mode, "notes": notes}


# --- The whole life -----------------------------------------------------------

def test_whole_life_through_the_web(app, world):
    a, b = world.establishments["A"], world.establishments["B"]
    tech_b = client_for(app, world.technicians["B"])
    page = text(tech_b.get("/interventions/"))
    assert "Nouvelle demande" in page
    form_page = text(tech_b.get("/interventions/new"))
    assert "Établissement A" in form_page and 'value="user_support"' not in form_page
    r = tech_b.post("/interventions/new", data={
        "provider_id": a.id, "axis": "2", "nature": "incident", "urgency": "urgent",
        "description": "Serveur de fichiers en panne\nles postes ne voient plus P:",
        "estimated_onsite_minutes": "7:30", "estimated_remote_minutes": "1 h 15"})
    assert r.status_code == 302
    i = db.session.scalars(select(Intervention)).one()
    assert (i.beneficiary_id, i.provider_id, i.state, i.urgency) == (b.id, a.id, "draft", "urgent")
    assert (i.estimated_onsite_minutes, i.estimated_remote_minutes) == (450, 75)
    page = text(tech_b.get(r.headers["Location"], follow_redirects=True))
    assert "En attente d'activation par la direction de l'établissement Établissement B" in page
    assert "7 h 30 sur site · 1 h 15 à distance" in page
    assert "Activer la demande" not in page

    dir_b = client_for(app, world.directors["B"])
    assert "Activer la demande" in text(dir_b.get(f"/interventions/{i.id}"))
    assert dir_b.post(f"/interventions/{i.id}/activate").status_code == 302
    assert state_of(i) == State.ACTIVE

    dir_a = client_for(app, world.directors["A"])
    page = text(dir_a.get(f"/interventions/{i.id}"))
    assert "En attente de la réponse de la direction de l'établissement Établissement A" in page
    assert "Technicien A" in page and "Refuser la demande" in page
    r = dir_a.post(f"/interventions/{i.id}/accept",
                   data={"technician_id": world.technicians["A"].id})
    assert r.status_code == 302
    assert state_of(i) == State.ACCEPTED

    tech_a = client_for(app, world.technicians["A"])
    assert "Saisir du temps passé" in text(tech_a.get(f"/interventions/{i.id}"))
    r = tech_a.post(f"/interventions/{i.id}/sessions",
                    data=session_data(DAY1, "08:00", "12:00", notes="Disque remplacé"))
    assert r.status_code == 302
    r = tech_a.post(f"/interventions/{i.id}/sessions",
                    data=session_data(DAY2, "09:00", "10:30", mode="remote"))
    assert r.status_code == 302
    first, second = sessions_of(i)
    assert (first.minutes, first.mode, second.minutes, second.mode) == (240, "onsite", 90, "remote")
    page = plain(tech_a.get(f"/interventions/{i.id}"))
    assert "2 novembre 2026" in page and "08:00–12:00" in page and "Disque remplacé" in page
    assert "Total sur site : 4 h 00 · à distance : 1 h 30" in page

    edit = text(tech_a.get(f"/interventions/sessions/{first.id}/edit"))
    assert 'value="08:00"' in edit and 'value="2026-11-02"' in edit
    r = tech_a.post(f"/interventions/sessions/{first.id}/edit",
                    data=session_data(DAY1, "08:00", "15:20", notes="Disque remplacé"))
    assert r.status_code == 302
    assert tech_a.post(f"/interventions/sessions/{second.id}/delete").status_code == 302
    [only] = sessions_of(i)
    assert (only.id, only.minutes) == (first.id, 440)
    assert "facturable : 7 h 20" in plain(tech_a.get(f"/interventions/{i.id}"))

    r = tech_a.post(f"/interventions/{i.id}/complete", data={"report": "Disque changé, RAID ok."})
    assert r.status_code == 302
    assert state_of(i) == State.COMPLETED
    page = text(dir_b.get(f"/interventions/{i.id}"))
    assert ("en attente de la validation des heures par la direction de l'établissement "
            "Établissement B" in page)
    assert "Disque changé, RAID ok." in page
    assert dir_b.post(f"/interventions/{i.id}/validate").status_code == 302
    assert state_of(i) == State.VALIDATED
    assert "Heures validées" in text(dir_b.get(f"/interventions/{i.id}"))

    actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["intervention.create", "intervention.activate", "intervention.accept",
                       "session.create", "session.create", "session.update", "session.delete",
                       "intervention.complete", "intervention.validate"]


def test_decline_with_reason_is_shown_to_the_beneficiary(app, world):
    i = draft(world)
    services.activate(i, world.directors["B"])
    dir_a = client_for(app, world.directors["A"])
    r = dir_a.post(f"/interventions/{i.id}/decline", data={"reason": "  "})
    assert r.status_code == 422
    assert "Indiquez le motif du refus." in text(r)
    assert state_of(i) == State.ACTIVE
    r = dir_a.post(f"/interventions/{i.id}/decline", data={"reason": "Technicien en congés."})
    assert r.status_code == 302
    page = text(client_for(app, world.directors["B"]).get(f"/interventions/{i.id}"))
    assert "Refusée" in page and "Technicien en congés." in page
    assert "Ce que vous pouvez faire" not in page


# --- Who may do what ------------------------------------------------------------

def in_state(world, state: str) -> Intervention:
    """B asks A; built through the services up to ``state``."""
    i = draft(world)
    if state == "draft":
        return i
    services.activate(i, world.directors["B"])
    if state == "active":
        return i
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    if state == "accepted":
        return i
    session(world, i, DAY1, "08:00", "10:00")
    if state == "worked":
        return i
    services.complete(i, world.technicians["A"], "Fait.")
    return i


def actor(world, other_world, who: str):
    kind, _, letter = who.partition(":")
    if kind == "other":
        return other_world.directors["X"]
    if kind in ("coordinator", "accountant"):
        return getattr(world, kind)
    return {"director": world.directors, "technician": world.technicians}[kind][letter]


ACTIONS = {  # action -> (state needed, url, data)
    "activate": ("draft", "/interventions/{i}/activate", {}),
    "accept": ("active", "/interventions/{i}/accept", {"technician_id": "{tech_a}"}),
    "decline": ("active", "/interventions/{i}/decline", {"reason": "Non."}),
    "cancel": ("active", "/interventions/{i}/cancel", {}),
    "log_session": ("accepted", "/interventions/{i}/sessions",
                    session_data(DAY2, "13:00", "14:00")),
    "complete": ("worked", "/interventions/{i}/complete", {"report": "Fait."}),
    "validate": ("completed", "/interventions/{i}/validate", {}),
    "edit_session": ("worked", "/interventions/sessions/{s}/edit",
                     session_data(DAY1, "08:00", "11:00")),
    "delete_session": ("worked", "/interventions/sessions/{s}/delete", {}),
}

PERMISSIONS = [
    ("activate", "director:A", 404),  # the provider does not see a draft
    ("activate", "technician:B", 403),
    ("activate", "coordinator", 403), ("activate", "accountant", 403),
    ("activate", "director:C", 404), ("activate", "other", 404),
    ("accept", "director:B", 403), ("accept", "technician:A", 403),
    ("accept", "coordinator", 403), ("accept", "other", 404),
    ("decline", "director:B", 403), ("decline", "coordinator", 403),
    ("cancel", "director:A", 403), ("cancel", "technician:B", 403),
    ("cancel", "coordinator", 403), ("cancel", "other", 404),
    ("log_session", "director:A", 403), ("log_session", "technician:B", 403),
    ("log_session", "coordinator", 403), ("log_session", "technician:C", 404),
    ("complete", "director:A", 403), ("complete", "technician:B", 403),
    ("validate", "technician:A", 403), ("validate", "director:A", 403),
    ("validate", "coordinator", 403), ("validate", "accountant", 403),
    ("validate", "other", 404),
    ("edit_session", "director:B", 403), ("edit_session", "coordinator", 403),
    ("edit_session", "director:C", 404), ("edit_session", "other", 404),
    ("delete_session", "technician:B", 403), ("delete_session", "director:A", 403),
    ("delete_session", "other", 404),
]


@pytest.mark.parametrize(("action", "who", "status"), PERMISSIONS)
def test_permission_table(app, world, other_world, action, who, status):
    state, url, data = ACTIONS[action]
    i = in_state(world, state)
    sessions_before = [(s.id, s.minutes) for s in sessions_of(i)]
    audit_before = db.session.scalar(select(func.count(AuditEntry.id)))
    sid = sessions_before[0][0] if sessions_before else 0
    data = {k: v.format(tech_a=world.technicians["A"].id) for k, v in data.items()}
    client = client_for(app, actor(world, other_world, who))
    r = client.post(url.format(i=i.id, s=sid), data=data)
    assert r.status_code == status
    if status == 403:
        assert re.search(r"Seul(e)? ", text(r)), "the French reason is shown"
    assert state_of(i) == ("accepted" if state == "worked" else state)
    assert [(s.id, s.minutes) for s in sessions_of(i)] == sessions_before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == audit_before


def test_other_groupement_and_uninvolved_establishment_get_404_on_pages(app, world,
                                                                        other_world):
    i = in_state(world, "worked")
    [s] = sessions_of(i)
    for user in (other_world.coordinator, world.directors["C"], world.technicians["C"]):
        client = client_for(app, user)
        assert client.get(f"/interventions/{i.id}").status_code == 404
        assert client.get(f"/interventions/sessions/{s.id}/edit").status_code == 404
    assert client_for(app, world.accountant).get(f"/interventions/{i.id}").status_code == 200


def test_only_the_allowed_buttons_are_shown(app, world):
    i = in_state(world, "active")
    coordinator = text(client_for(app, world.coordinator).get(f"/interventions/{i.id}"))
    assert "Accepter" not in coordinator and "Activer" not in coordinator
    assert "Ce que vous pouvez faire" not in coordinator
    director_a = text(client_for(app, world.directors["A"]).get(f"/interventions/{i.id}"))
    assert "Accepter et affecter" in director_a and "Annuler la demande" not in director_a
    director_b = text(client_for(app, world.directors["B"]).get(f"/interventions/{i.id}"))
    assert "Annuler la demande" in director_b and "Accepter et affecter" not in director_b


def test_coordinator_cannot_draft(app, world):
    client = client_for(app, world.coordinator)
    assert "Nouvelle demande" not in text(client.get("/interventions/"))
    r = client.get("/interventions/new")
    assert r.status_code == 403
    assert "Seuls les techniciens et directions" in text(r)
    r = client.post("/interventions/new", data={"provider_id": world.establishments["A"].id,
                                                "axis": "2", "nature": "incident",
                                                "description": "x"})
    assert r.status_code == 403
    assert db.session.scalar(select(func.count(Intervention.id))) == 0


# --- List -----------------------------------------------------------------------

def test_list_is_scoped_and_filtered(app, world, other_world):
    b_asks_a = in_state(world, "accepted")
    c_asks_a = draft(world, beneficiary="C")
    a_asks_b = draft(world, beneficiary="A", provider="B")
    elsewhere = services.create_draft(other_world.technicians["X"],
                          provider_id=other_world.establishments["Y"].id, axis=2,
                          nature="incident", description="Autre groupement")

    def numbers(client, query=""):
        r = client.get("/interventions/" + query)
        assert r.status_code == 200
        return [int(n) for n in re.findall(r">n° (\d+)</a>", text(r))]

    coordinator = client_for(app, world.coordinator)
    assert numbers(coordinator) == [a_asks_b.id, c_asks_a.id, b_asks_a.id]
    assert numbers(coordinator, "?state=accepted") == [b_asks_a.id]
    assert numbers(coordinator, f"?establishment={world.establishments['C'].id}") == [
        c_asks_a.id]
    assert numbers(coordinator, f"?year={local_today().year}&state=draft") == [
        a_asks_b.id, c_asks_a.id]
    assert numbers(coordinator, "?year=2021") == []
    assert numbers(client_for(app, world.technicians["C"])) == [c_asks_a.id]
    # B provides to A: A's draft is not B's business until A's director activates it.
    assert numbers(client_for(app, world.directors["B"])) == [b_asks_a.id]
    assert numbers(client_for(app, world.directors["A"])) == [a_asks_b.id, b_asks_a.id]
    assert numbers(client_for(app, other_world.coordinator)) == [elsewhere.id]


@pytest.mark.parametrize(("query", "message"), [
    ("?state=bogus", "État inconnu."),
    ("?year=1900", "Année invalide."),
    ("?year=abc", "Filtre invalide"),
    ("?establishment=abc", "Filtre invalide"),
])
def test_bad_filters_give_a_clean_error(app, world, query, message):
    draft(world)
    r = client_for(app, world.coordinator).get("/interventions/" + query)
    assert r.status_code == 422
    page = text(r)
    assert message in page and "n° " not in page


def test_list_paginates_and_keeps_filters(app, world):
    for _ in range(30):
        draft(world)
    client = client_for(app, world.coordinator)
    first = text(client.get("/interventions/?state=draft"))
    assert first.count('data-label="N°"') == 25
    assert "page 1 sur 2" in first and "page=2" in first and "state=draft" in first
    second = text(client.get("/interventions/?state=draft&page=2"))
    assert second.count('data-label="N°"') == 5


def test_a_list_longer_than_counted_still_pages(app, world, monkeypatch):
    """Past gic.pages.COUNT_LIMIT rows the total is « plus de … » (no full COUNT(*)
    at a million sessions) and « suivante » is offered while a page is full."""
    from gic import pages
    monkeypatch.setattr(pages, "COUNT_LIMIT", 30)
    made = [draft(world).id for _ in range(60)]
    client = client_for(app, world.coordinator)
    first = text(client.get("/interventions/?state=draft"))
    assert "Plus de 30 demandes · page 1 : affinez avec les filtres" in first
    assert first.count('data-label="N°"') == 25 and "Page suivante" in first
    third = text(client.get("/interventions/?state=draft&page=3"))
    assert third.count('data-label="N°"') == 10  # 60 = 25 + 25 + 10, the oldest last
    assert f"n° {made[0]}<" in third and "Page suivante" not in third
    assert "state=draft&page=2" in third  # « précédente » keeps the filter
    monkeypatch.setattr(pages, "COUNT_LIMIT", 1000)
    exact = text(client.get("/interventions/?state=draft"))
    assert "60 demandes · page 1 sur 3" in exact and "affinez" not in exact


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_list_queries_do_not_grow_with_rows(app, world):
    for n in range(30):  # B asks A: A sees the 20 activated ones, not B's drafts
        in_state(world, ("draft", "active", "accepted")[n % 3])
    for _ in range(10):  # and its own 10 drafts
        draft(world, beneficiary="A", provider="B")
    i = draft(world, beneficiary="C", provider="B")
    services.activate(i, world.directors["C"])
    services.accept(i, world.directors["B"], world.technicians["B"].id)
    few_client = client_for(app, world.directors["C"])  # sees 1 request
    many_client = client_for(app, world.directors["A"])  # sees 30 (a page of 25)
    db.session.expunge_all()  # the test shares the session: start each page cold
    with count_queries() as few:
        assert text(few_client.get("/interventions/")).count('data-label="N°"') == 1
    db.session.expunge_all()
    with count_queries() as many:
        assert text(many_client.get("/interventions/")).count('data-label="N°"') == 25
    assert len(many) == len(few), "\n".join(many)


# --- Phone-friendly markup --------------------------------------------------------

def test_phone_friendly_markup(app, world):
    i = in_state(world, "worked")
    client = client_for(app, world.technicians["A"])
    listing = client.get("/interventions/").get_data(as_text=True)
    assert '<meta name="viewport"' in listing
    assert '<table class="responsive">' in listing
    for label in ("N°", "État", "Prestataire → bénéficiaire", "Axe", "Nature",
                  "Technicien", "Créée le"):
        assert f'data-label="{label}"' in listing
    detail = client.get(f"/interventions/{i.id}").get_data(as_text=True)
    for label in ("Date", "Horaires", "Mode", "Durée", "Notes", "Actions"):
        assert f'data-label="{label}"' in detail
    assert 'type="date"' in detail and 'type="time"' in detail
    assert "style=" not in detail  # CSP: no inline style
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", detail, re.S)
    assert scripts and all(' src="/static/' in attrs and not body.strip()
                           for attrs, body in scripts)  # nor inline script: files of the app


# --- What a validated intervention bills ------------------------------------------------

def billed_intervention(world) -> Intervention:
    """A -> B, 7 h 20 on site on two days of 2025 and 1 h remote (worked example 5)."""
    from tests.helpers import accepted
    i = accepted(world, "A", "B")
    session(world, i, date(2025, 3, 3), "08:00", "12:00")
    session(world, i, date(2025, 3, 4), "08:00", "11:20")
    session(world, i, date(2025, 3, 5), "14:00", "15:00", mode="remote")
    services.complete(i, world.technicians["A"], "Fait.")
    return i


def billing_card(response) -> str:
    """The « Facturation » card of the detail page, as text ('' when absent)."""
    found = re.search(r'<div class="card" id="facturation">(.*?)</div>', text(response), re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[1])).replace("\u00a0", " ") \
        .replace("\u202f", " ") if found else ""


@pytest.mark.parametrize("who", ["dir_A", "dir_B", "accountant"])
def test_a_validated_intervention_shows_its_amount(app, world, who):
    i = billed_intervention(world)
    user = {"dir_A": world.directors["A"], "dir_B": world.directors["B"],
            "accountant": world.accountant}[who]
    client = client_for(app, user)
    assert billing_card(client.get(f"/interventions/{i.id}")) == ""  # not validated yet
    services.validate(i, world.directors["B"])
    card = billing_card(client.get(f"/interventions/{i.id}"))
    assert "2025 183,33 € pour 7 h 20 facturables" in card  # 440 × 25 / 60, R6
    a, b = world.establishments["A"].id, world.establishments["B"].id
    assert f'href="/billing/2025/paires/{a}-{b}"' in text(client.get(f"/interventions/{i.id}"))


@pytest.mark.parametrize("who", ["tech_A", "tech_B", "coordinator"])
def test_the_amount_is_for_the_billing_readers_only(app, world, who):
    i = billed_intervention(world)
    services.validate(i, world.directors["B"])
    user = {"tech_A": world.technicians["A"], "tech_B": world.technicians["B"],
            "coordinator": world.coordinator}[who]
    response = client_for(app, user).get(f"/interventions/{i.id}")
    assert response.status_code == 200 and billing_card(response) == ""
    assert "facturable : 7 h 20" in plain(response).replace("\u00a0", " ").replace("\u202f", " ")


def test_the_amount_per_year_and_a_free_one(app, world):
    from tests.helpers import accepted
    across = accepted(world, "A", "B")
    session(world, across, date(2024, 12, 16), "08:00", "12:00")
    session(world, across, date(2025, 1, 13), "08:00", "12:00")
    free = accepted(world, "A", "B")
    session(world, free, date(2025, 2, 3), "08:00", "14:59")
    for i in (across, free):
        services.complete(i, world.technicians["A"], "Fait.")
        services.validate(i, world.directors["B"])
    client = client_for(app, world.directors["B"])
    card = billing_card(client.get(f"/interventions/{across.id}"))
    assert "2024 100,00 € pour 4 h 00 facturables" in card
    assert "2025 100,00 € pour 4 h 00 facturables" in card
    assert "Rien à facturer" in billing_card(client.get(f"/interventions/{free.id}"))
