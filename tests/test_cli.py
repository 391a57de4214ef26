"""Flask commands through app.test_cli_runner(): tokens, a fresh install's groupement
and first users. (The demo command is tested in test_demo.py.)"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.models import ApiToken, ConventionVersion, Groupement, Role, User
from tests.conftest import login


def fresh(stmt):
    """Read what a command committed (the command ran in its own app context)."""
    db.session.rollback()
    return db.session.scalars(stmt)


# --- create-token -----------------------------------------------------------------

def test_create_token_prints_a_token_that_authenticates(world, runner):
    from gic.auth.services import user_for_token
    technician = world.technicians["A"]
    result = runner.invoke(args=["create-token", technician.email.upper(),
                                 "--name", "script de facturation"])
    assert result.exit_code == 0, result.output
    raw = result.stdout.strip()
    assert raw.startswith("gic_") and "\n" not in raw
    assert "ne sera plus affiché" in result.stderr
    token = fresh(select(ApiToken)).one()
    assert token.name == "script de facturation" and token.user_id == technician.id
    assert token.token_hash == ApiToken.hash(raw) and raw not in token.token_hash
    assert user_for_token(raw).id == technician.id
    assert user_for_token(raw + "x") is None


@pytest.mark.parametrize("email", ["nobody@gic65.test", "inactive"])
def test_create_token_refuses_unknown_or_inactive_users(world, runner, email):
    if email == "inactive":
        world.directors["B"].active = False
        db.session.commit()
        email = world.directors["B"].email
    result = runner.invoke(args=["create-token", email])
    assert result.exit_code == 1
    assert "Utilisateur inconnu ou désactivé" in result.output
    assert fresh(select(func.count(ApiToken.id))).one() == 0


# --- a fresh install: create-groupement, then create-user -------------------------

def test_fresh_install_groupement_then_first_coordinator_who_can_log_in(app, runner, client):
    result = runner.invoke(args=["create-groupement", "GIC Bigorre", "--start-date",
                                 "2021-01-04", "--rate", "27.5", "--cap-minutes", "1800"])
    assert result.exit_code == 0, result.output
    assert "Groupement créé : GIC Bigorre" in result.output
    groupement = fresh(select(Groupement)).one()
    version = fresh(select(ConventionVersion)).one()
    assert version.groupement_id == groupement.id
    assert (version.start_date, version.valid_from, version.duration_years,
            version.threshold_minutes, version.cap_minutes, version.hourly_rate) == (
        date(2021, 1, 4), date(2021, 1, 4), 3, 420, 1800, Decimal("27.50"))

    result = runner.invoke(args=[
        "create-user", "--email", "Coordination@Bigorre.test", "--name", "Alice Pujo",
        "--groupement", "GIC Bigorre"], input="un-long-secret\nun-long-secret\n")
    assert result.exit_code == 0, result.output
    assert "Utilisateur créé : coordination@bigorre.test (Coordination, GIC Bigorre)" \
        in result.output
    user = fresh(select(User)).one()
    assert (user.role, user.groupement_id, user.establishment_id) == (
        Role.COORDINATOR, groupement.id, None)
    assert user.password_hash != "un-long-secret"
    assert login(client, user, "un-long-secret").status_code == 302
    actions = set(fresh(select(AuditEntry.action)))
    assert {"groupement.create", "user.create"} <= actions


def test_create_groupement_refuses_a_duplicate_name(world, runner):
    result = runner.invoke(args=["create-groupement", world.groupement.name])
    assert result.exit_code == 1
    assert "Un groupement porte déjà ce nom." in result.output
    assert fresh(select(func.count(Groupement.id))).one() == 1


@pytest.mark.parametrize("role, with_establishment, ok", [
    ("technician", True, True),
    ("director", True, True),
    ("accountant", False, True),
    ("coordinator", False, True),
    ("technician", False, False),
    ("director", False, False),
])
def test_create_user_roles_and_establishments(world, runner, role, with_establishment, ok):
    args = ["create-user", "--email", "nouveau@gic65.test", "--name", "Nouvelle Personne",
            "--role", role, "--groupement", world.groupement.name,
            "--password", "mot-de-passe-solide"]
    if with_establishment:
        args += ["--establishment-id", str(world.establishments["C"].id)]
    result = runner.invoke(args=args)
    user = fresh(select(User).where(User.email == "nouveau@gic65.test")).first()
    if ok:
        assert result.exit_code == 0, result.output
        assert user.role == role and user.groupement_id == world.groupement.id
        assert user.establishment_id == (world.establishments["C"].id
                                         if with_establishment else None)
    else:
        assert result.exit_code == 1
        assert "appartient à un établissement" in result.output
        assert user is None


@pytest.mark.parametrize("change, message", [
    ({"--groupement": "Inconnu"}, "Groupement inconnu : Inconnu"),
    ({"--password": "court"}, "au moins 8 caractères"),
    ({"--email": "pas-une-adresse"}, "Adresse e-mail invalide."),
    ({"--email": "dir.a@gic65.test"}, "déjà utilisée"),
    ({"--establishment-id": "other"}, "Établissement inconnu dans ce groupement."),
])
def test_create_user_refusals_change_nothing(world, other_world, runner, change, message):
    options = {"--email": "nouveau@gic65.test", "--name": "Nouvelle Personne",
               "--role": "technician", "--groupement": world.groupement.name,
               "--establishment-id": str(world.establishments["A"].id),
               "--password": "mot-de-passe-solide"}
    if change.get("--establishment-id") == "other":  # an establishment of GCSMS Démo
        change = {"--establishment-id": str(other_world.establishments["X"].id)}
    options.update(change)
    count = fresh(select(func.count(User.id))).one()
    result = runner.invoke(args=["create-user", *[x for kv in options.items() for x in kv]])
    assert result.exit_code != 0
    assert message in result.output
    assert fresh(select(func.count(User.id))).one() == count


def test_demo_on_a_database_not_yet_migrated_says_what_to_do(tmp_path):
    from tests.conftest import make_app
    app = make_app("sqlite:///" + str(tmp_path / "empty.sqlite3"))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "flask --app gic db upgrade" in result.output
    with app.app_context():
        db.engine.dispose()


# --- Settings from the environment --------------------------------------------------------

def test_every_setting_can_come_from_a_gic_environment_variable(monkeypatch):
    """GIC_<NAME> (containers, systemd units), parsed as JSON where it can be."""
    from gic import create_app
    monkeypatch.setenv("GIC_LOGIN_WINDOW_MINUTES", "30")
    monkeypatch.setenv("GIC_PUBLIC_URL", "https://gic.exemple.test")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["LOGIN_WINDOW_MINUTES"] == 30
    assert app.config["PUBLIC_URL"] == "https://gic.exemple.test"


@pytest.mark.parametrize(("host", "port", "url"), [
    (None, None, "http://127.0.0.1:5000"), ("127.0.0.1", "5201", "http://127.0.0.1:5201"),
    ("0.0.0.0", "8000", "http://127.0.0.1:8000"), ("gic.local", "80", "http://gic.local:80"),
])
def test_the_default_public_url_follows_host_and_port(monkeypatch, host, port, url):
    """scripts/run exports HOST and PORT: e-mails link to where the app answers."""
    from gic import create_app
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    for name, value in (("HOST", host), ("PORT", port)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PUBLIC_URL"] == url


# --- set-password, deactivate-user (issue 12, item 7) --------------------------------

def test_set_password_ends_sessions_and_is_audited(app, world, runner):
    tech = world.technicians["A"]
    client = app.test_client()
    assert login(client, tech).status_code == 302
    result = runner.invoke(args=["set-password", tech.email.upper()],
                           input="un-nouveau-secret\nun-nouveau-secret\n")
    assert result.exit_code == 0, result.output
    assert "Mot de passe changé pour tech.a@gic65.test" in result.output
    assert client.get("/interventions/").status_code == 302  # the session ended
    assert login(app.test_client(), tech, "un-nouveau-secret").status_code == 302
    entry = fresh(select(AuditEntry).where(AuditEntry.action == "user.password_set")).one()
    assert entry.actor_id is None and entry.object_id == tech.id


@pytest.mark.parametrize(("args", "message"), [
    (["set-password", "personne@gic65.test", "--password", "un-bon-secret"],
     "Utilisateur inconnu : personne@gic65.test"),
    (["set-password", "tech.a@gic65.test", "--password", "court"], "au moins 8 caractères"),
    (["deactivate-user", "personne@gic65.test"], "Utilisateur inconnu"),
    (["deactivate-user", "coord@gic65.test"], "dernier coordinateur actif"),
])
def test_account_commands_refuse_with_a_message(world, runner, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and message in result.output
    assert fresh(select(func.count(AuditEntry.id))).one() == 0
    assert all(u.active for u in fresh(select(User)))


def test_deactivate_user_revokes_tokens_and_sessions(app, world, runner):
    from gic.auth.services import create_token, user_for_token
    director = world.directors["B"]
    raw = create_token(director, "script")[1]
    client = app.test_client()
    login(client, director)
    result = runner.invoke(args=["deactivate-user", director.email])
    assert result.exit_code == 0, result.output
    assert "1 jeton(s) d'API révoqué(s)" in result.output
    assert fresh(select(User).where(User.id == director.id)).one().active is False
    assert user_for_token(raw) is None
    assert client.get("/interventions/").status_code == 302
    assert fresh(select(AuditEntry).where(AuditEntry.action == "user.deactivate")).one()
    again = runner.invoke(args=["deactivate-user", director.email])
    assert again.exit_code == 0 and "déjà désactivé" in again.output


def test_create_token_with_an_expiry(world, runner):
    result = runner.invoke(args=["create-token", "tech.a@gic65.test", "--expires-in-days", "7"])
    assert result.exit_code == 0, result.output
    token = fresh(select(ApiToken)).one()
    assert (token.expires_at - token.created_at).days == 7
