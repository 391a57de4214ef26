"""Login safety (issue 5, item 4), beyond tests/api/test_auth.py (which covers the
API's 429, per-e-mail and per-address throttling and tokens).

- The login page is throttled like ``POST /api/v1/tokens`` (one shared count),
  locks out temporarily, and its answers never tell whether an e-mail exists:
  the same status and the same page for a known and an unknown e-mail, before
  and during the lockout, right password or not; the lockout ends with its window.
- The session is renewed at login (nothing put in it before survives, the cookie
  changes, a planted pre-login cookie is not logged in) and logout invalidates
  it (a copied cookie no longer works).
- Security headers on every kind of answer; HSTS only over HTTPS.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from gic.extensions import db
from gic.models import LoginFailure
from tests.conftest import PASSWORD, csrf_token, login, make_app

KNOWN, UNKNOWN = "tech.a@gic65.test", "personne@gic65.test"


def attempt(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password})


def normalised(response, email: str) -> str:
    """The page without what legitimately differs: the e-mail typed, the CSRF token."""
    page = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "CSRF", page)


def failures() -> int:
    return db.session.scalar(select(func.count(LoginFailure.id)))


# --- Throttling without revealing anything ------------------------------------------

def test_before_the_lockout_known_and_unknown_e_mails_get_the_same_page(app, client, world):
    wrong = attempt(client, KNOWN, "wrong-password")
    unknown = attempt(client, UNKNOWN, "wrong-password")
    unknown_right = attempt(client, UNKNOWN, PASSWORD)
    world.technicians["B"].active = False
    db.session.commit()
    inactive = attempt(client, "tech.b@gic65.test", PASSWORD)  # right password, deactivated
    assert {r.status_code for r in (wrong, unknown, unknown_right, inactive)} == {200}
    pages = {normalised(wrong, KNOWN), normalised(unknown, UNKNOWN),
             normalised(unknown_right, UNKNOWN), normalised(inactive, "tech.b@gic65.test")}
    assert len(pages) == 1
    assert "E-mail ou mot de passe incorrect." in pages.pop()
    assert failures() == 4  # unknown e-mails count too: they get locked out the same way


def test_the_login_page_locks_out_and_says_the_same_for_every_e_mail(app, client, world):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for email in (KNOWN, UNKNOWN):
        for _ in range(limit):
            assert attempt(client, email, "wrong-password").status_code == 200
    counted = failures()
    right = attempt(client, KNOWN, PASSWORD)  # locked out: even the right password
    wrong = attempt(client, KNOWN, "wrong-password")
    unknown = attempt(client, UNKNOWN, PASSWORD)
    assert right.status_code == wrong.status_code == unknown.status_code == 429
    assert normalised(right, KNOWN) == normalised(wrong, KNOWN) == normalised(unknown, UNKNOWN)
    assert "Trop de tentatives de connexion" in right.get_data(as_text=True)
    assert '<form' in right.get_data(as_text=True)  # the form, not an error page
    assert failures() == counted  # refused before checking: nothing more is counted
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_the_lockout_ends_with_its_window(app, client, world):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attempt(client, KNOWN, "wrong-password")
    assert attempt(client, KNOWN, PASSWORD).status_code == 429
    window = timedelta(minutes=app.config["LOGIN_WINDOW_MINUTES"], seconds=1)
    db.session.execute(update(LoginFailure).values(at=LoginFailure.at - window))
    db.session.commit()
    response = attempt(client, KNOWN, PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert failures() == 0  # a success forgets the e-mail's failures


def test_the_page_and_the_api_share_one_count(app, client, world):
    """« Rate-limited like the login page » (SPEC §8): failures on either count for both."""
    limit = app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit):
        if n % 2:
            attempt(client, KNOWN, "wrong-password")
        else:
            client.post("/api/v1/tokens", json={"email": KNOWN, "password": "wrong"})
    assert attempt(client, KNOWN, PASSWORD).status_code == 429
    api = client.post("/api/v1/tokens", json={"email": KNOWN, "password": PASSWORD})
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "too_many_attempts"


def test_api_answers_are_byte_identical_for_known_and_unknown_e_mails(app, client, world):
    def ask(email, password):
        response = client.post("/api/v1/tokens", json={"email": email, "password": password})
        return response.status_code, response.get_data(), dict(response.headers)

    assert ask(KNOWN, "wrong-password") == ask(UNKNOWN, "wrong-password")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        ask(KNOWN, "wrong-password")
        ask(UNKNOWN, "wrong-password")
    assert ask(KNOWN, PASSWORD) == ask(UNKNOWN, PASSWORD)
    assert ask(KNOWN, PASSWORD)[0] == 429


def test_unknown_e_mails_cost_one_password_check_like_known_ones(app, client, world,
                                                                 monkeypatch):
    """The time of an answer must not tell whether the e-mail exists: an unknown
    e-mail is checked against a dummy hash, exactly one check either way."""
    import werkzeug.security

    import gic.models
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(hash_, password):
        calls.append(hash_.split("$", 1)[0])
        return real(hash_, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", counting)
    monkeypatch.setattr(gic.models, "check_password_hash", counting)
    attempt(client, KNOWN, "wrong-password")
    assert len(calls) == 1
    attempt(client, UNKNOWN, "wrong-password")
    assert len(calls) == 2
    assert calls[0] == calls[1]  # the dummy is hashed the way real passwords are


def test_passwords_are_hashed_with_scrypt_unless_the_settings_say_otherwise(app, world,
                                                                            monkeypatch):
    """Production hashes with werkzeug's scrypt; the suite's cheap method is a setting."""
    from gic import create_app
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}) \
        .config["PASSWORD_HASH_METHOD"] == "scrypt"
    user = world.technicians["A"]
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "scrypt")
    user.set_password("un-mot-de-passe-solide")
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("un-mot-de-passe-solide")
    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    user.set_password("un-autre-mot-de-passe")
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")
    assert user.check_password("un-autre-mot-de-passe")


# --- Lock-out is no weapon (issue 12, item 8) -----------------------------------------

def from_addr(client, email: str, password: str, addr: str):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_strangers_cannot_lock_the_owner_out_of_his_usual_address(app, world):
    """20 wrong passwords for a known e-mail from 20 addresses used to lock its owner
    out everywhere for 15 minutes: now the strangers' addresses are refused (and an
    unknown e-mail gets the very same answers), his usual address is not."""
    home = "192.0.2.1"
    assert from_addr(app.test_client(), KNOWN, PASSWORD, home).status_code == 302
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_EMAIL"]):
        for email in (KNOWN, UNKNOWN):
            from_addr(app.test_client(), email, "wrong-password", f"198.51.100.{n}")
    stranger = from_addr(app.test_client(), KNOWN, PASSWORD, "203.0.113.9")
    unknown = from_addr(app.test_client(), UNKNOWN, PASSWORD, "203.0.113.9")
    assert stranger.status_code == unknown.status_code == 429
    assert normalised(stranger, KNOWN) == normalised(unknown, UNKNOWN)
    assert "Mot de passe oublié" in stranger.get_data(as_text=True)
    owner = app.test_client()
    assert from_addr(owner, KNOWN, PASSWORD, home).status_code == 302
    assert owner.get("/", environ_base={"REMOTE_ADDR": home}).status_code == 200


def test_guessers_at_the_owner_s_address_are_still_throttled(app, world):
    home = "192.0.2.1"
    assert from_addr(app.test_client(), KNOWN, PASSWORD, home).status_code == 302
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert from_addr(app.test_client(), KNOWN, "wrong-password", home).status_code == 200
    assert from_addr(app.test_client(), KNOWN, PASSWORD, home).status_code == 429


def test_an_address_is_the_owner_s_for_a_while_only(app, world, clock):
    home = "192.0.2.1"
    assert from_addr(app.test_client(), KNOWN, PASSWORD, home).status_code == 302
    clock.shift(timedelta(days=91))
    for n in range(app.config["LOGIN_MAX_FAILURES_PER_EMAIL"]):
        from_addr(app.test_client(), KNOWN, "wrong-password", f"198.51.100.{n}")
    assert from_addr(app.test_client(), KNOWN, PASSWORD, home).status_code == 429


@pytest.mark.parametrize("settings", [{"GIC_ENV": "production", "SECRET_KEY": "x" * 32},
                                      {"PUBLIC_URL": "https://gic.exemple.fr"}],
                         ids=["production", "https"])
def test_cookies_are_secure_in_production_or_behind_https(database_url, settings):
    """Forced even when instance/config.py (or a test) says False."""
    secured = make_app(database_url, SESSION_COOKIE_SECURE=False, **settings)
    try:
        assert secured.config["SESSION_COOKIE_SECURE"] is True
        assert secured.config["REMEMBER_COOKIE_SECURE"] is True
        response = secured.test_client().get("/login?lang=fr", base_url="https://localhost")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        with secured.app_context():
            db.engine.dispose()


def test_cookies_are_not_forced_secure_in_development(app):
    assert not app.config.get("SESSION_COOKIE_SECURE")


# --- Session renewed at login, invalidated at logout ------------------------------

def test_login_renews_the_session(app, world):
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "valeur posée avant la connexion"
    planted = client.get_cookie("session").value
    assert login(client, world.directors["A"]).status_code == 302
    renewed = client.get_cookie("session").value
    assert renewed != planted
    with client.session_transaction() as session:
        assert "planted" not in session and session.get("_user_id")
    assert client.get("/").status_code == 200
    # The attacker who planted the pre-login cookie is not logged in with it.
    attacker = app.test_client()
    attacker.set_cookie("session", planted)
    response = attacker.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_invalidates_a_copied_session_cookie(app, world):
    user = world.directors["A"]
    client = app.test_client()
    login(client, user)
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/interventions/").status_code == 200  # the copy works while logged in
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    for c in (thief, client):
        gone = c.get("/interventions/")
        assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    login(client, user)  # logging in again does not revive the old cookie
    assert client.get("/interventions/").status_code == 200
    assert thief.get("/interventions/").status_code == 302


def test_logout_needs_a_post_with_the_csrf_token(csrf_client, world):
    client = csrf_client
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": KNOWN, "password": PASSWORD,
                                "csrf_token": csrf_token(page)})
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # a link or an image cannot log out
    assert client.post("/logout").status_code == 400  # nor a forged form
    assert client.get("/").status_code == 200


# --- Security headers -----------------------------------------------------------------

def csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


PAGES = [(None, "/login"), (None, "/nowhere"), (None, "/static/gic.css"),
         (None, "/api/v1/openapi.json"), (None, "/api/v1/me"), ("coordinator", "/"),
         ("coordinator", "/interventions/"), ("coordinator", "/admin/"),
         ("coordinator", "/meetings/new"), ("accountant", "/billing/2025"),
         ("tech_A", "/interventions/new"), ("tech_A", "/profile"), ("tech_A", "/audit/")]


@pytest.mark.parametrize(("who", "url"), PAGES, ids=[f"{w}:{u}" for w, u in PAGES])
def test_security_headers_on_every_kind_of_answer(app, world, who, url):
    client = app.test_client()
    if who:
        user = {"coordinator": world.coordinator, "accountant": world.accountant,
                "tech_A": world.technicians["A"]}[who]
        login(client, user)
    response = client.get(url)
    page = response.get_data(as_text=True)
    response.close()  # static files are streamed from an open file
    assert response.status_code in (200, 401, 403, 404)
    directives = csp(response)
    scripts = directives.get("script-src", directives["default-src"])
    assert scripts == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"] and directives["form-action"] == ["'self'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin")
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    if response.mimetype == "text/html":
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script
        assert not re.search(r"\son[a-z]+\s*=", page)  # no event handler attribute
        assert not re.search(r"\sstyle\s*=", page) and "javascript:" not in page


@pytest.mark.parametrize("url", ["/login", "/nowhere", "/api/v1/openapi.json"])
def test_hsts_only_over_https(app, client, url):
    secure = client.get(url, base_url="https://localhost")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts)[1]) >= 365 * 24 * 3600
    assert "Strict-Transport-Security" not in client.get(url).headers
    # A client claiming HTTPS through a proxy header is not believed without a proxy.
    forged = client.get(url, headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_hsts_behind_a_trusted_proxy(database_url):
    proxied = make_app(database_url, PROXY_FIX_X_FOR=1)
    try:
        response = proxied.test_client().get(
            "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
        assert "max-age=" in response.headers["Strict-Transport-Security"]
    finally:
        with proxied.app_context():
            db.engine.dispose()
