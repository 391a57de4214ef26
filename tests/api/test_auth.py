"""Bearer tokens: POST /tokens, 401 for missing/bad/revoked tokens, login throttling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.models import ApiToken, LoginFailure
from tests.api.conftest import error_of
from tests.conftest import PASSWORD


def test_post_tokens_gives_a_working_token(api, world):
    user = world.technicians["A"]
    response = api.post("/tokens", json={"email": user.email.upper(), "password": PASSWORD,
                                         "name": "script"})
    assert response.status_code == 201
    raw = response.get_json()["token"]
    assert raw.startswith("gic_")
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token.name == "script" and token.token_hash == ApiToken.hash(raw)
    assert raw not in (token.token_hash, token.prefix)  # only the hash is stored
    me = api.get("/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email


@pytest.mark.parametrize("body", [
    {"email": "tech.a@gic65.test", "password": "wrong-password"},
    {"email": "nobody@gic65.test", "password": PASSWORD},
])
def test_post_tokens_bad_credentials_401_same_message(api, world, body):
    response = api.post("/tokens", json=body)
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "invalid_credentials"
    assert error["message"] == "E-mail ou mot de passe incorrect."
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_post_tokens_missing_field_422(api, world):
    response = api.post("/tokens", json={"email": "tech.a@gic65.test"})
    assert response.status_code == 422
    assert error_of(response)["field"] == "password"


def test_inactive_user_gets_no_token(api, world):
    world.technicians["A"].active = False
    db.session.commit()
    response = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD})
    assert response.status_code == 401


def test_throttling_429_after_too_many_failures(api, world, app):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for email in ("tech.a@gic65.test", "ghost@gic65.test"):
        for _ in range(limit):
            assert api.post("/tokens", json={"email": email,
                                             "password": "nope"}).status_code == 401
    # Locked out: even the right password, and the same answer for an unknown e-mail.
    known = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD})
    unknown = api.post("/tokens", json={"email": "ghost@gic65.test", "password": PASSWORD})
    assert known.status_code == unknown.status_code == 429
    assert error_of(known) == error_of(unknown)
    assert error_of(known)["code"] == "too_many_attempts"
    assert "Trop de tentatives" in error_of(known)["message"]
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_colleagues_behind_one_address_are_not_locked_out(api, world, app):
    """One colleague's typos lock his own e-mail, not the whole establishment's NAT address."""
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        api.post("/tokens", json={"email": "tech.a@gic65.test", "password": "nope"})
    colleague = api.post("/tokens", json={"email": "dir.a@gic65.test", "password": PASSWORD})
    assert colleague.status_code == 201


@pytest.fixture
def low_limits(app, monkeypatch):
    """Sweep limits low enough to reach in a few attempts (each attempt hashes a
    password); still above the per-(e-mail, address) limit, as in production."""
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_EMAIL", 8)
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 9)
    assert app.config["LOGIN_MAX_FAILURES"] < 8


def test_throttling_by_email_from_many_addresses(api, world, app, low_limits):
    per_email = app.config["LOGIN_MAX_FAILURES_PER_EMAIL"]
    for n in range(per_email):
        api.post("/tokens", json={"email": "tech.a@gic65.test", "password": "nope"},
                 environ_base={"REMOTE_ADDR": f"10.0.{n // 200}.{n % 200}"})
    response = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 429
    assert db.session.scalar(select(func.count(LoginFailure.id))) == per_email


def test_throttling_a_sweep_from_one_address(api, world, app, low_limits):
    per_address = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(per_address - 1):
        api.post("/tokens", json={"email": f"guess{n}@gic65.test", "password": "nope"})
    # One attempt below the limit, a right password still gets through.
    assert api.post("/tokens", json={"email": "tech.b@gic65.test",
                                     "password": PASSWORD}).status_code == 201
    api.post("/tokens", json={"email": "guess-last@gic65.test", "password": "nope"})
    response = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD})
    assert response.status_code == 429
    # Another address is not locked out.
    assert api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD},
                    environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 201


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer gic_not-a-real-token",
    "Bearer not-even-prefixed", "Bearer gic_" + "x" * 500, "Token gic_abc",
])
def test_missing_or_bad_token_401(api, world, header):
    headers = {"Authorization": header} if header is not None else {}
    response = api.get("/me", headers=headers)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_401(api, world):
    from gic.auth.services import revoke_token
    user = world.directors["B"]
    assert api.get("/me", user).status_code == 200
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    revoke_token(user, token.id)
    response = api.get("/me", user)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def test_token_of_deactivated_user_401(api, world):
    user = world.directors["B"]
    assert api.get("/me", user).status_code == 200
    user.active = False
    db.session.commit()
    assert api.get("/me", user).status_code == 401


def test_session_cookie_is_not_enough(api, client, world):
    from tests.conftest import login
    login(client, world.coordinator)
    assert api.get("/me").status_code == 401


def test_token_use_is_recorded(api, world):
    user = world.accountant
    api.get("/me", user)
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token.last_used_at is not None


# --- Tokens with an expiry (issue 12, item 8) ---------------------------------------

def test_a_token_may_expire(api, world, clock):
    user = world.technicians["A"]
    response = api.post("/tokens", json={"email": user.email, "password": PASSWORD,
                                         "name": "script", "expires_in_days": 30})
    assert response.status_code == 201
    body = response.get_json()
    assert body["expires_at"].startswith("2026-12-23T")  # 30 days after the pinned now
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert api.get("/me", headers=headers).status_code == 200
    clock.shift(timedelta(days=30, minutes=1))
    assert api.get("/me", headers=headers).status_code == 401
    token = db.session.get(ApiToken, body["id"])
    assert token.revoked_at is None and token.is_expired()


def test_without_expiry_a_token_lasts_until_revoked(api, world, clock):
    response = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD})
    assert response.get_json()["expires_at"] is None
    clock.shift(timedelta(days=3000))
    assert api.get("/me", headers={
        "Authorization": f"Bearer {response.get_json()['token']}"}).status_code == 200


@pytest.mark.parametrize("days", [0, -1, 3651])
def test_an_impossible_expiry_is_refused_before_any_login(api, world, days):
    response = api.post("/tokens", json={"email": "tech.a@gic65.test", "password": PASSWORD,
                                         "expires_in_days": days})
    assert response.status_code == 422
    assert error_of(response)["field"] == "expires_in_days"
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_the_profile_page_creates_an_expiring_token(app, client, world):
    from tests.conftest import login
    login(client, world.directors["A"])
    page = client.post("/profile", data={"name": "tableur", "expires_in_days": "90"})
    assert page.status_code == 200
    token = db.session.scalars(select(ApiToken).where(ApiToken.name == "tableur")).one()
    assert (token.expires_at - token.created_at).days == 90
    text = page.get_data(as_text=True)
    assert "Expire le" in text and "21 février 2027" in text
    assert client.post("/profile", data={"name": "x", "expires_in_days": "12"}
                       ).status_code == 200  # not an offered choice: refused
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.name == "x")) == 0
