"""Every endpoint's happy path, with what it stores."""

from __future__ import annotations

from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.billing.models import YearClosure
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession
from gic.models import Establishment, User
from tests.api import flows


def test_me(api, world):
    user = world.technicians["A"]
    body = api.get("/me", user).get_json()
    assert body["id"] == user.id and body["email"] == "tech.a@gic65.test"
    assert body["role"] == "technician"
    assert body["establishment"] == {"id": world.establishments["A"].id,
                                     "name": "Établissement A",
                                     "finess": world.establishments["A"].finess}
    assert body["groupement"] == {"id": world.groupement.id, "name": "GIC 65"}
    assert "password_hash" not in body


def test_me_without_establishment(api, world):
    body = api.get("/me", world.accountant).get_json()
    assert body["role"] == "accountant" and body["establishment"] is None


def test_establishments_lists_own_groupement_only(api, world, other_world):
    body = api.get("/establishments", world.directors["A"]).get_json()
    assert [e["name"] for e in body["items"]] == ["Établissement A", "Établissement B",
                                                  "Établissement C"]
    other = api.get("/establishments", other_world.coordinator).get_json()
    assert [e["name"] for e in other["items"]] == ["Établissement X", "Établissement Y"]


def test_create_establishment(api, world):
    response = api.post("/establishments", world.coordinator,
                        json={"name": "EHPAD de Lourdes", "finess": "2a0001234"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["finess"] == "2A0001234" and body["name"] == "EHPAD de Lourdes"
    stored = db.session.get(Establishment, body["id"])
    assert stored.groupement_id == world.groupement.id


def test_create_user(api, world):
    response = api.post("/users", world.coordinator, json={
        "email": "Nouveau@GIC65.test", "name": "Nouveau technicien", "role": "technician",
        "establishment_id": world.establishments["C"].id, "password": "un-bon-mot-de-passe"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "nouveau@gic65.test" and body["role"] == "technician"
    user = db.session.get(User, body["id"])
    assert user.establishment_id == world.establishments["C"].id
    assert user.check_password("un-bon-mot-de-passe")
    assert "password" not in body and "password_hash" not in body


def test_create_accountant_without_establishment(api, world):
    response = api.post("/users", world.coordinator, json={
        "email": "compta2@gic65.test", "name": "Compta", "role": "accountant",
        "establishment_id": None, "password": "un-bon-mot-de-passe"})
    assert response.status_code == 201
    assert response.get_json()["establishment_id"] is None


def test_created_user_is_listed_then_changed(api, world):
    """POST /users, GET /users, PATCH /users/{id}: a person's whole life in the API
    (details in test_users_api.py)."""
    created = api.post("/users", world.coordinator, json={
        "email": "vie@gic65.test", "name": "Vie", "role": "technician",
        "establishment_id": world.establishments["C"].id, "password": "un-bon-mot-de-passe"})
    uid = created.get_json()["id"]
    listed = api.get("/users", world.coordinator).get_json()["items"]
    assert created.get_json() in listed
    changed = api.patch(f"/users/{uid}", world.coordinator,
                        json={"name": "Vie (B)", "establishment_id": world.establishments["B"].id,
                              "active": False})
    assert changed.status_code == 200
    assert changed.get_json() == {**created.get_json(), "name": "Vie (B)", "active": False,
                                  "establishment_id": world.establishments["B"].id}


def test_create_draft(api, world):
    response = api.post("/interventions", world.directors["B"], json={
        "beneficiary_id": world.establishments["B"].id,
        "provider_id": world.establishments["A"].id, "axis": 3, "nature": "deployment",
        "description": "Déploiement de postes", "urgency": "urgent",
        "estimated_onsite_minutes": 300, "estimated_remote_minutes": 60})
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "draft" and body["axis"] == 3 and body["urgency"] == "urgent"
    assert body["sessions"] == [] and body["billable_minutes"] == 0
    assert body["actions"] == ["activate", "cancel"]
    i = db.session.get(Intervention, body["id"])
    assert (i.beneficiary_id, i.provider_id) == (world.establishments["B"].id,
                                                 world.establishments["A"].id)
    assert i.estimated_onsite_minutes == 300 and i.created_by_id == world.directors["B"].id


def test_whole_life_through_the_api(api, world):
    i = flows.draft(api, world)
    assert i["beneficiary_id"] == world.establishments["B"].id  # defaulted to the drafter's
    path = f"/interventions/{i['id']}"
    body = api.post(path + "/activate", world.directors["B"]).get_json()
    assert body["state"] == "active" and body["activated_at"].endswith("Z")
    body = api.post(path + "/accept", world.directors["A"],
                    json={"technician_id": world.technicians["A"].id}).get_json()
    assert body["state"] == "accepted" and body["technician_id"] == world.technicians["A"].id
    created = api.post(path + "/sessions", world.technicians["A"], json={
        "date": "2025-03-14", "start": "09:00", "end": "12:30", "mode": "onsite",
        "notes": "Remplacement du disque"})
    assert created.status_code == 201
    s = created.get_json()
    assert (s["date"], s["start"], s["end"], s["mode"], s["minutes"], s["notes"]) == (
        "2025-03-14", "09:00", "12:30", "onsite", 210, "Remplacement du disque")
    remote = flows.log(api, world, i, "2025-03-15", "10:00", "11:00", mode="remote")
    assert remote.status_code == 201
    patched = api.patch(f"/sessions/{s['id']}", world.technicians["A"],
                        json={"end": "16:20", "notes": "Disque et sauvegarde"})
    assert patched.status_code == 200
    assert patched.get_json()["minutes"] == 440
    assert patched.get_json()["notes"] == "Disque et sauvegarde"
    detail = api.get(path, world.technicians["A"]).get_json()
    assert [x["date"] for x in detail["sessions"]] == ["2025-03-14", "2025-03-15"]
    assert (detail["onsite_minutes"], detail["remote_minutes"]) == (440, 60)
    assert detail["billable_minutes"] == 440
    assert detail["billable_minutes_by_year"] == {"2025": 440}
    assert detail["actions"] == ["complete", "log_session"]
    deleted = api.delete(f"/sessions/{remote.get_json()['id']}", world.technicians["A"])
    assert deleted.status_code == 204 and deleted.data == b""
    assert db.session.get(InterventionSession, remote.get_json()["id"]) is None
    body = api.post(path + "/complete", world.technicians["A"],
                    json={"report": "Serveur réparé."}).get_json()
    assert body["state"] == "completed" and body["report"] == "Serveur réparé."
    body = api.post(path + "/validate", world.directors["B"]).get_json()
    assert body["state"] == "validated" and body["actions"] == []
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "Intervention", AuditEntry.object_id == i["id"])
        .order_by(AuditEntry.id)).all()
    assert actions == ["intervention.create", "intervention.activate", "intervention.accept",
                       "intervention.complete", "intervention.validate"]


def test_decline(api, world):
    i = flows.draft(api, world)
    api.post(f"/interventions/{i['id']}/activate", world.directors["B"])
    response = api.post(f"/interventions/{i['id']}/decline", world.directors["A"],
                        json={"reason": "Pas de technicien disponible ce mois-ci."})
    assert response.status_code == 200
    assert response.get_json()["state"] == "declined"
    stored = db.session.get(Intervention, i["id"])
    assert stored.decline_reason == "Pas de technicien disponible ce mois-ci."


def test_decline_needs_a_reason(api, world):
    i = flows.draft(api, world)
    api.post(f"/interventions/{i['id']}/activate", world.directors["B"])
    response = api.post(f"/interventions/{i['id']}/decline", world.directors["A"], json={})
    assert response.status_code == 422
    assert db.session.get(Intervention, i["id"]).state == "active"


def test_cancel(api, world):
    i = flows.draft(api, world)
    response = api.post(f"/interventions/{i['id']}/cancel", world.technicians["B"], json={})
    assert response.status_code == 200
    assert db.session.get(Intervention, i["id"]).state == "cancelled"


def test_list_scoping_filters_and_pagination(api, world, other_world):
    ab = [flows.draft(api, world, "A", "B")["id"] for _ in range(3)]
    cb = flows.draft(api, world, "C", "B")["id"]
    api.post(f"/interventions/{cb}/activate", world.directors["B"])

    def ids(user, query=""):
        response = api.get(f"/interventions{query}", user)
        assert response.status_code == 200
        return [x["id"] for x in response.get_json()["items"]]

    assert ids(world.coordinator) == [cb, *reversed(ab)]
    assert ids(world.directors["A"]) == []  # B's drafts: not the provider's business yet
    assert ids(world.directors["B"]) == [cb, *reversed(ab)]
    assert ids(world.technicians["C"]) == [cb]
    assert ids(other_world.coordinator) == []
    assert ids(world.accountant, "?state=active") == [cb]
    assert ids(world.accountant, f"?establishment={world.establishments['C'].id}") == [cb]
    assert ids(world.accountant, "?year=2020") == []
    page = api.get("/interventions?per_page=2&page=2", world.coordinator).get_json()
    assert (page["page"], page["per_page"], page["total"]) == (2, 2, 4)
    assert [x["id"] for x in page["items"]] == [ab[1], ab[0]]
    assert "sessions" not in page["items"][0]
    capped = api.get("/interventions?per_page=1000", world.coordinator).get_json()
    assert capped["per_page"] == 100 and len(capped["items"]) == 4
    beyond = api.get("/interventions?page=9", world.coordinator).get_json()
    assert beyond["items"] == [] and beyond["total"] == 4


def test_list_by_session_year(api, world):
    i = flows.accepted(api, world)
    flows.log(api, world, i, "2024-06-03", "08:00", "09:00")
    body = api.get("/interventions?year=2024", world.accountant).get_json()
    assert [x["id"] for x in body["items"]] == [i["id"]]


def test_billing_and_close(api, world):
    i = flows.accepted(api, world)
    flows.log(api, world, i, "2025-03-14", "08:00", "15:00")
    flows.finish(api, world, i)
    body = api.get("/billing/2025", world.accountant).get_json()
    a, b = world.establishments["A"].id, world.establishments["B"].id
    assert body["year"] == 2025 and body["closed"] is False
    assert body["lines"] == [{"provider_id": a, "beneficiary_id": b,
                              "billable_minutes": 420, "amount": "175.00"}]
    response = api.post("/billing/2025/close", world.accountant)
    assert response.status_code == 200
    assert response.get_json()["closed"] is True
    closure = db.session.scalars(select(YearClosure)).one()
    assert (closure.year, closure.closed, closure.closed_by_id) == (2025, True,
                                                                    world.accountant.id)
    assert api.get("/billing/2025", world.accountant).get_json()["closed"] is True
    again = api.post("/billing/2025/close", world.accountant)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "year_closed"


def test_token_creation_is_audited(api, world):
    api.get("/me", world.directors["A"])
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "token.create")) == 1
