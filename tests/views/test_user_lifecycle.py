"""A user's life after creation (issue 12, item 7): the coordinator edits, deactivates,
reactivates a person of his groupement and sends a password reset link; anyone
asks for one with « Mot de passe oublié ». Every change is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.auth.models import PasswordResetRequest
from gic.auth.services import create_token, user_for_token
from gic.extensions import db
from gic.interventions import services
from gic.models import LoginFailure, Role, User
from tests.conftest import PASSWORD, TODAY, add_user, client_for, login
from tests.helpers import accepted, session, text_of

# They read the e-mails of notifications (or check that none left).
pytestmark = pytest.mark.emails

NEW_PASSWORD = "un-nouveau-mot-de-passe"


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def mails(app) -> list[str]:
    outbox = Path(app.config["MAIL_OUTBOX"])
    return [p.read_text(encoding="utf-8") for p in sorted(outbox.glob("*password-reset*.eml"))]


def reset_path(mail: str) -> str:
    """The path of the reset link of an e-mail (its full address is on PUBLIC_URL)."""
    return re.search(r"https?://[^/\s]+(/password/reset/\S+)", mail)[1]


def logged_in(client) -> bool:
    return client.get("/interventions/").status_code == 200


# --- Editing ------------------------------------------------------------------------

def test_the_list_links_to_each_person_s_page(app, world):
    client = client_for(app, world.coordinator)
    page = client.get("/admin/").get_data(as_text=True)
    assert f'href="/admin/users/{world.technicians["A"].id}"' in page
    page = text_of(client.get(f"/admin/users/{world.technicians['A'].id}"))
    assert "tech.a@gic65.test" in page and "Désactiver le compte" in page
    assert "Envoyer un lien de nouveau mot de passe" in page


def test_coordinator_edits_name_role_and_establishment(app, world):
    tech = world.technicians["A"]
    client = client_for(app, world.coordinator)
    response = client.post(f"/admin/users/{tech.id}", data={
        "name": "Technicienne A", "role": "director",
        "establishment_id": str(world.establishments["C"].id)})
    assert response.status_code == 302
    db.session.refresh(tech)
    assert (tech.name, tech.role, tech.establishment_id) == (
        "Technicienne A", Role.DIRECTOR, world.establishments["C"].id)
    [entry] = audit("user.update")
    assert entry.actor_id == world.coordinator.id and entry.object_id == tech.id
    assert entry.before["role"] == "technician" and entry.after["role"] == "director"
    assert "Compte de Technicienne A enregistré." in text_of(client.get(response.location))
    journal = text_of(client.get("/audit/"))
    assert "Utilisateur modifié" in journal and "rôle : Technique → Direction" in journal


def test_a_technician_with_work_in_progress_keeps_his_establishment(app, world):
    """Only the assigned technician logs time and completes: moved elsewhere, he could
    no longer open his requests, which would stay stuck."""
    i = accepted(world)  # B → A, technician A
    tech = world.technicians["A"]
    client = client_for(app, world.coordinator)
    for data in ({"establishment_id": str(world.establishments["C"].id), "role": "technician"},
                 {"establishment_id": str(world.establishments["A"].id), "role": "director"}):
        response = client.post(f"/admin/users/{tech.id}", data={"name": tech.name, **data})
        assert response.status_code == 422
        assert f"interventions en cours (n° {i.id})" in text_of(response)
        db.session.refresh(tech)
        assert (tech.role, tech.establishment_id) == (Role.TECHNICIAN,
                                                      world.establishments["A"].id)
    assert audit("user.update") == []
    session(world, i, TODAY - timedelta(days=1), "09:00", "10:00")
    services.complete(i, tech, "Serveur réparé.")  # done: he may move now
    response = client.post(f"/admin/users/{tech.id}", data={
        "name": tech.name, "role": "technician",
        "establishment_id": str(world.establishments["C"].id)})
    assert response.status_code == 302


def test_an_invalid_edit_says_why_and_changes_nothing(app, world):
    tech = world.technicians["A"]
    response = client_for(app, world.coordinator).post(f"/admin/users/{tech.id}", data={
        "name": "Autre nom", "role": "technician", "establishment_id": ""})
    assert response.status_code == 422
    assert "Un technicien ou une direction appartient à un établissement." in text_of(response)
    db.session.refresh(tech)
    assert tech.name == "Technicien A" and tech.establishment_id is not None
    assert audit("user.update") == []


@pytest.mark.parametrize("url", ["/admin/users/{id}", "/admin/users/{id}/deactivate",
                                 "/admin/users/{id}/reactivate",
                                 "/admin/users/{id}/reset-password"])
def test_another_groupement_s_person_is_not_found(app, world, other_world, url):
    target = other_world.technicians["X"]
    client = client_for(app, world.coordinator)
    url = url.format(id=target.id)
    assert client.get(url).status_code == (404 if url.endswith(str(target.id)) else 405)
    assert client.post(url, data={"name": "Piraté", "role": "coordinator"}).status_code == 404
    db.session.refresh(target)
    assert target.active and target.name == "Technicien X" and target.role == Role.TECHNICIAN
    assert mails(app) == []


@pytest.mark.parametrize("who", ["technician", "director", "accountant"])
def test_only_the_coordinator_manages_accounts(app, world, who):
    actor = {"technician": world.technicians["B"], "director": world.directors["B"],
             "accountant": world.accountant}[who]
    target = world.technicians["A"]
    client = client_for(app, actor)
    assert client.get(f"/admin/users/{target.id}").status_code == 403
    assert client.post(f"/admin/users/{target.id}/deactivate").status_code == 403
    assert client.post(f"/admin/users/{target.id}/reset-password").status_code == 403
    db.session.refresh(target)
    assert target.active


# --- Deactivation and reactivation ------------------------------------------------

def test_deactivation_ends_sessions_and_revokes_tokens_reactivation_revives_none(app, world):
    tech = world.technicians["A"]
    own = client_for(app, tech)
    token = create_token(tech, "script")[1]
    assert logged_in(own) and user_for_token(token) is not None
    coordinator = client_for(app, world.coordinator)
    response = coordinator.post(f"/admin/users/{tech.id}/deactivate")
    assert response.status_code == 302
    assert "sessions sont fermées" in text_of(coordinator.get(response.location))
    db.session.refresh(tech)
    assert not tech.active
    assert not logged_in(own)  # the open session is over
    assert user_for_token(token) is None
    assert login(app.test_client(), tech).status_code == 200  # no login either
    [entry] = audit("user.deactivate")
    assert entry.after == {"active": False, "email": tech.email, "revoked_tokens": 1}

    response = coordinator.post(f"/admin/users/{tech.id}/reactivate")
    assert response.status_code == 302
    db.session.refresh(tech)
    assert tech.active and len(audit("user.reactivate")) == 1
    assert user_for_token(token) is None  # old tokens stay revoked
    fresh = app.test_client()
    assert login(fresh, tech).status_code == 302 and logged_in(fresh)
    assert "Utilisateur désactivé" in text_of(coordinator.get("/audit/"))


def test_coordinator_cannot_deactivate_himself(app, world):
    client = client_for(app, world.coordinator)
    page = text_of(client.get(f"/admin/users/{world.coordinator.id}"))
    assert "Vous ne pouvez pas désactiver votre propre compte." in page
    response = client.post(f"/admin/users/{world.coordinator.id}/deactivate",
                           follow_redirects=True)
    assert "Vous ne pouvez pas désactiver votre propre compte." in text_of(response)
    db.session.refresh(world.coordinator)
    assert world.coordinator.active and audit("user.deactivate") == []


def test_the_groupement_keeps_an_active_coordinator(app, world):
    coordinator = world.coordinator
    client = client_for(app, coordinator)
    response = client.post(f"/admin/users/{coordinator.id}", data={
        "name": coordinator.name, "role": "accountant", "establishment_id": ""})
    assert response.status_code == 422
    assert "au moins un coordinateur actif" in text_of(response)
    db.session.refresh(coordinator)
    assert coordinator.role == Role.COORDINATOR
    # With a second coordinator, either may step down or be deactivated.
    second = add_user(world.groupement, "coord2@gic65.test", Role.COORDINATOR)
    db.session.commit()
    assert client.post(f"/admin/users/{second.id}/deactivate").status_code == 302
    db.session.refresh(second)
    assert not second.active
    response = client.post(f"/admin/users/{coordinator.id}", data={
        "name": coordinator.name, "role": "accountant", "establishment_id": ""})
    assert response.status_code == 422  # the second one is no longer active
    assert client.post(f"/admin/users/{second.id}/reactivate").status_code == 302
    response = client.post(f"/admin/users/{coordinator.id}", data={
        "name": coordinator.name, "role": "accountant", "establishment_id": ""})
    assert response.status_code == 302 and response.location == "/"  # stepped down
    assert client.get("/admin/").status_code == 403


# --- Password reset links -----------------------------------------------------------

def test_coordinator_sends_a_single_use_link_that_ends_other_sessions(app, world):
    tech = world.technicians["A"]
    elsewhere = client_for(app, tech)
    coordinator = client_for(app, world.coordinator)
    response = coordinator.post(f"/admin/users/{tech.id}/reset-password")
    assert response.status_code == 302
    assert "Lien envoyé à Technicien A" in text_of(coordinator.get(response.location))
    [mail] = mails(app)
    assert "To: tech.a@gic65.test" in mail and "La coordination de votre groupement" in mail
    assert app.config["PUBLIC_URL"] + "/password/reset/" in mail
    assert len(audit("user.reset_link")) == 1
    path = reset_path(mail)

    anonymous = app.test_client()
    form = text_of(anonymous.get(path))
    assert "Nouveau mot de passe" in form and "tech.a@gic65.test" in form
    mismatch = anonymous.post(path, data={"password": NEW_PASSWORD, "confirm": "autre chose"})
    assert mismatch.status_code == 422 and "Les deux mots de passe diffèrent." in text_of(mismatch)
    short = anonymous.post(path, data={"password": "court", "confirm": "court"})
    assert short.status_code == 422 and "au moins 8 caractères" in text_of(short)
    done = anonymous.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/login")
    assert not logged_in(elsewhere)  # the other sessions ended
    assert login(app.test_client(), tech).status_code == 200  # old password refused
    assert login(app.test_client(), tech, NEW_PASSWORD).status_code == 302
    [entry] = audit("user.password_reset")
    assert entry.actor_id == tech.id
    # Once used, the link is dead.
    again = anonymous.get(path)
    assert again.status_code == 400 and "déjà servi" in text_of(again)
    replay = anonymous.post(path, data={"password": "encore-un-autre", "confirm":
                                        "encore-un-autre"})
    assert replay.status_code == 400
    assert login(app.test_client(), tech, NEW_PASSWORD).status_code == 302


def test_a_link_expires_and_cannot_be_forged(app, world, clock):
    tech = world.technicians["A"]
    client_for(app, world.coordinator).post(f"/admin/users/{tech.id}/reset-password")
    path = reset_path(mails(app)[0])
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = app.test_client().get(forged)
    assert response.status_code == 400 and "n'est pas valable" in text_of(response)
    assert app.test_client().get("/password/reset/n-importe-quoi").status_code == 400
    clock.shift(timedelta(hours=app.config["PASSWORD_RESET_HOURS"], minutes=1))
    response = app.test_client().post(path, data={"password": NEW_PASSWORD,
                                                  "confirm": NEW_PASSWORD})
    assert response.status_code == 400 and "a expiré" in text_of(response)
    db.session.refresh(tech)
    assert tech.check_password(PASSWORD)


def test_no_link_for_a_deactivated_account(app, world):
    tech = world.technicians["A"]
    coordinator = client_for(app, world.coordinator)
    coordinator.post(f"/admin/users/{tech.id}/reset-password")
    path = reset_path(mails(app)[0])
    coordinator.post(f"/admin/users/{tech.id}/deactivate")
    assert app.test_client().get(path).status_code == 400  # a link sent before
    response = coordinator.post(f"/admin/users/{tech.id}/reset-password", follow_redirects=True)
    assert "réactivez-le d'abord" in text_of(response)
    assert len(mails(app)) == 1


# --- « Mot de passe oublié » ---------------------------------------------------------

def forgot(client, email, addr="192.0.2.10"):
    return client.post("/password/forgot", data={"email": email},
                       environ_base={"REMOTE_ADDR": addr})


def test_the_login_page_links_to_forgotten_password(app, client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Mot de passe oublié ?" in page
    assert "Recevoir un lien" in client.get("/password/forgot").get_data(as_text=True)


def test_same_answer_whether_or_not_the_e_mail_exists(app, world):
    world.technicians["B"].active = False
    db.session.commit()
    answers = []
    for email in ("TECH.A@gic65.test", "personne@gic65.test", "tech.b@gic65.test"):
        client = app.test_client()
        response = forgot(client, email)
        answers.append((response.status_code, response.location,
                        text_of(client.get(response.location))))
    assert len(set(answers)) == 1
    assert answers[0][0] == 302 and "Si un compte actif correspond" in answers[0][2]
    [mail] = mails(app)  # the known, active account only
    assert "To: tech.a@gic65.test" in mail and "Vous avez demandé" in mail
    assert db.session.scalar(select(func.count(PasswordResetRequest.id))) == 3
    response = forgot(app.test_client(), "")
    assert response.status_code == 422 and "Indiquez votre e-mail." in text_of(response)


def test_forgotten_password_is_throttled(app, world):
    client = app.test_client()
    for _ in range(5):
        assert forgot(client, "tech.a@gic65.test").status_code == 302
    assert len(mails(app)) == 3  # no more e-mails to one address, same answer
    for n in range(5):
        assert forgot(client, f"inconnu{n}@gic65.test").status_code == 302
    refused = forgot(client, "tech.b@gic65.test")  # too many from this address
    assert refused.status_code == 429 and "Trop de demandes" in text_of(refused)
    assert len(mails(app)) == 3
    # Another address is not refused, but tech A still gets no more e-mails.
    assert forgot(client, "tech.b@gic65.test", addr="192.0.2.99").status_code == 302
    assert forgot(client, "tech.a@gic65.test", addr="192.0.2.99").status_code == 302
    assert len(mails(app)) == 4


def test_the_link_lifts_the_login_lock(app, world):
    tech = world.technicians["A"]
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_EMAIL"]):
        app.test_client().post("/login", data={"email": tech.email, "password": "faux"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    traveller = {"REMOTE_ADDR": "203.0.113.5"}
    locked = app.test_client().post("/login", data={"email": tech.email, "password": PASSWORD},
                                    environ_base=traveller)
    assert locked.status_code == 429
    forgot(app.test_client(), tech.email, addr="203.0.113.5")
    path = reset_path(mails(app)[0])
    app.test_client().post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                           environ_base=traveller)
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0
    response = app.test_client().post("/login", data={"email": tech.email,
                                                      "password": NEW_PASSWORD},
                                      environ_base=traveller)
    assert response.status_code == 302


def test_a_reset_e_mail_reaches_nobody_else(app, world, other_world):
    """The link names one account: the mail goes to its address only, and its
    path opens that account only."""
    forgot(app.test_client(), other_world.technicians["X"].email)
    [mail] = mails(app)
    assert "To: tech.x@demo.test" in mail
    page = text_of(app.test_client().get(reset_path(mail)))
    assert "tech.x@demo.test" in page and "gic65" not in page
    assert db.session.get(User, world.technicians["A"].id).check_password(PASSWORD)


# --- The mail server -------------------------------------------------------------------

class FakeSMTP:
    """Stands for smtplib.SMTP: records messages, or fails when ``down``."""

    sent: list = []
    down = False

    def __init__(self, host, port, timeout):
        if FakeSMTP.down:
            raise OSError("connexion refusée")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    import gic.notifications.services as mail
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.exemple.test")
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "sent", [])
    monkeypatch.setattr(FakeSMTP, "down", False)
    return FakeSMTP


def test_a_coordinator_is_told_when_the_mail_server_is_down(app, world, smtp):
    smtp.down = True
    tech = world.technicians["A"]
    response = client_for(app, world.coordinator).post(
        f"/admin/users/{tech.id}/reset-password", follow_redirects=True)
    assert response.status_code == 200
    assert "L'e-mail n'a pas pu partir" in text_of(response)
    assert audit("user.reset_link") == []


def test_forgotten_password_mails_leave_after_the_answer(app, world, smtp):
    """With a real mail server the e-mail leaves from a thread: a known e-mail does
    not make the answer slower than an unknown one; a failure changes nothing."""
    import time
    response = forgot(app.test_client(), "tech.a@gic65.test")
    assert response.status_code == 302
    for _ in range(100):
        if smtp.sent:
            break
        time.sleep(0.05)
    [message] = smtp.sent
    assert message["To"] == "tech.a@gic65.test"
    assert "/password/reset/" in message.get_content()
    smtp.down = True
    assert forgot(app.test_client(), "tech.b@gic65.test").status_code == 302


def test_a_password_reset_also_revokes_the_api_tokens(app, world):
    """Tokens made by whoever had the account stop working with the new password."""
    from gic.auth.passwords import reset_password, reset_token

    tech = world.technicians["A"]
    raw = create_token(tech, "script")[1]
    reset_password(reset_token(tech), "un-nouveau-secret", "192.0.2.7")
    assert user_for_token(raw) is None


def test_a_deactivated_account_costs_a_password_check_like_any_other(app, world, monkeypatch):
    """The login's time must not tell a deactivated account from an active one."""
    from gic.auth import services as auth

    checks = []
    original = User.check_password
    monkeypatch.setattr(User, "check_password",
                        lambda self, password: checks.append(self.id) or original(self, password))
    tech = world.technicians["A"]
    tech.active = False
    db.session.flush()
    with pytest.raises(auth.InvalidCredentials):
        auth.authenticate(tech.email, PASSWORD, "192.0.2.8")
    assert checks == [tech.id]


def test_a_moved_technician_no_longer_acts_on_his_old_assignment(app, world):
    """Second layer under the refusal to move him: if his establishment changed
    anyway (database edit, older data), the assignment opens nothing any more."""
    from gic.errors import Forbidden
    from gic.techfiles.access import opens_file

    i = accepted(world)  # B → A, technician A
    tech = world.technicians["A"]
    assert opens_file(tech, i)
    tech.establishment_id = world.establishments["C"].id
    db.session.flush()
    assert not opens_file(tech, i)
    with pytest.raises(Forbidden):
        session(world, i, TODAY - timedelta(days=1), "09:00", "10:00")


def test_a_link_sent_before_a_deactivation_stays_dead_after_reactivation(app, world):
    from gic.admin.users import set_active
    from gic.auth.passwords import InvalidResetLink, reset_token, user_for_reset_token

    tech = world.technicians["A"]
    token = reset_token(tech)
    set_active(world.coordinator, tech, False)
    set_active(world.coordinator, tech, True)
    with pytest.raises(InvalidResetLink):
        user_for_reset_token(token)
    assert user_for_reset_token(reset_token(tech)) == tech  # a new link works
