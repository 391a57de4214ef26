"""The coordinator's establishments and users page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.models import Establishment, User
from tests.conftest import client_for, login
from tests.helpers import text_of


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def user_of(world, who):
    return {None: None, "technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[who]


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("technician", 403), ("director", 403), ("accountant", 403),
    ("coordinator", 200),
])
def test_permission_table(app, world, who, status):
    response = client_for(app, user_of(world, who)).get("/admin/")
    assert response.status_code == status
    if who is None:
        assert "/login" in response.headers["Location"]


def test_coordinator_sees_his_groupement_only(app, world, other_world):
    page = text_of(client_for(app, world.coordinator).get("/admin/"))
    for letter in "ABC":
        assert f"Établissement {letter}<" in page
        assert world.technicians[letter].email in page
    assert "Établissement X" not in page and other_world.coordinator.email not in page
    # Roles are offered with their French names.
    for label in ("Technique", "Direction", "Comptabilité", "Coordination"):
        assert f">{label}</option>" in page


def test_create_establishment(app, world):
    client = client_for(app, world.coordinator)
    response = client.post("/admin/establishments",
                           data={"est-name": "EHPAD de Lourdes", "est-finess": "650781234"})
    assert response.status_code == 302
    e = db.session.scalars(select(Establishment).where(Establishment.finess == "650781234")).one()
    assert e.name == "EHPAD de Lourdes" and e.groupement_id == world.groupement.id
    assert count(AuditEntry, AuditEntry.action == "establishment.create") == 1
    page = text_of(client.get("/admin/"))
    assert "Établissement « EHPAD de Lourdes » ajouté." in page
    assert "650781234" in page


@pytest.mark.parametrize("finess", ["12345", "65078123A", "2C0781234", "6507812345"])
def test_invalid_finess_shows_a_french_error_and_stores_nothing(app, world, finess):
    before = count(Establishment)
    response = client_for(app, world.coordinator).post(
        "/admin/establishments", data={"est-name": "EHPAD de Lourdes", "est-finess": finess})
    assert response.status_code == 422
    assert "Le numéro FINESS compte 9 caractères" in text_of(response)
    assert count(Establishment) == before
    assert count(AuditEntry) == 0


def test_corsican_finess_is_accepted(app, world):
    response = client_for(app, world.coordinator).post(
        "/admin/establishments", data={"est-name": "EHPAD d'Ajaccio", "est-finess": "2a0001234"})
    assert response.status_code == 302
    assert count(Establishment, Establishment.finess == "2A0001234") == 1


def test_duplicate_finess_is_refused(app, world):
    response = client_for(app, world.coordinator).post(
        "/admin/establishments",
        data={"est-name": "Doublon", "est-finess": world.establishments["A"].finess})
    assert response.status_code == 422
    assert "déjà ce numéro FINESS" in text_of(response)
    assert count(Establishment, Establishment.name == "Doublon") == 0


def new_user_data(world, **changes):
    data = {"user-email": "Nouveau.Tech@gic65.test", "user-name": "Nouveau Technicien",
            "user-role": "technician", "user-establishment_id": str(world.establishments["B"].id),
            "user-password": "un-bon-mot-de-passe"}
    data.update(changes)
    return data


def test_create_user_who_can_then_log_in(app, world):
    response = client_for(app, world.coordinator).post("/admin/users", data=new_user_data(world))
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nouveau.tech@gic65.test")).one()
    assert user.role == "technician" and user.establishment_id == world.establishments["B"].id
    assert user.groupement_id == world.groupement.id
    assert user.password_hash != "un-bon-mot-de-passe"
    assert count(AuditEntry, AuditEntry.action == "user.create") == 1
    fresh = app.test_client()
    assert login(fresh, user, "un-bon-mot-de-passe").status_code == 302
    assert "Nouveau Technicien" in text_of(fresh.get("/"))


def test_accountant_without_establishment(app, world):
    response = client_for(app, world.coordinator).post("/admin/users", data=new_user_data(
        world, **{"user-email": "compta2@gic65.test", "user-role": "accountant",
                  "user-establishment_id": ""}))
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "compta2@gic65.test")).one()
    assert user.establishment_id is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"user-establishment_id": ""},
     "Un technicien ou une direction appartient à un établissement."),
    ({"user-password": "court"}, "Le mot de passe doit contenir au moins 8 caractères."),
    ({"user-email": "tech.a@gic65.test"}, "Cette adresse e-mail est déjà utilisée."),
    ({"user-email": "pas-une-adresse"}, "Adresse e-mail invalide."),
])
def test_refused_user_shows_why_and_stores_nothing(app, world, changes, message):
    before = count(User)
    response = client_for(app, world.coordinator).post("/admin/users",
                                                       data=new_user_data(world, **changes))
    assert response.status_code == 422
    assert message in text_of(response)
    assert count(User) == before


def test_establishment_of_another_groupement_is_refused(app, world, other_world):
    data = new_user_data(world, **{
        "user-establishment_id": str(other_world.establishments["X"].id)})
    response = client_for(app, world.coordinator).post("/admin/users", data=data)
    assert response.status_code == 422
    assert "Établissement inconnu dans ce groupement." in text_of(response)
    assert count(User, User.email == "nouveau.tech@gic65.test") == 0


@pytest.mark.parametrize("who", ["technician", "director", "accountant"])
def test_only_the_coordinator_creates(app, world, who):
    client = client_for(app, user_of(world, who))
    users, establishments = count(User), count(Establishment)
    assert client.post("/admin/users", data=new_user_data(world)).status_code == 403
    assert client.post("/admin/establishments",
                       data={"est-name": "X", "est-finess": "650781234"}).status_code == 403
    assert client.post("/admin/establishments", data={}).status_code == 403
    assert (count(User), count(Establishment)) == (users, establishments)
