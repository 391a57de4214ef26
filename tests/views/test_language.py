"""The interface's language (issue 17 item 7): French by default, English chosen on
the profile and kept across logins; before login, ``?lang=`` for the session; the
JSON API in French whatever the profile."""

from __future__ import annotations

import re

from flask_login import login_user

from gic import i18n
from gic.enums import Language
from gic.extensions import db
from tests.conftest import csrf_login, csrf_token, login


def html_lang(page: str) -> str:
    return re.search(r'<html lang="(\w+)"', page).group(1)


def test_french_by_default_then_english_chosen_on_the_profile_and_kept(csrf_client, world):
    tech = world.technicians["A"]
    csrf_login(csrf_client, tech)
    page = csrf_client.get("/profile").get_data(as_text=True)
    assert html_lang(page) == "fr" and "Technique" in page
    assert re.search(r'<input checked id="language-0" name="language" type="radio" value="fr">',
                     page)

    response = csrf_client.post("/profile/language", data={
        "language": "en", "csrf_token": csrf_token(page)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Language saved: English." in page
    assert html_lang(page) == "en"
    assert "Technical" in page  # the role's label, from the catalogue
    db.session.refresh(tech)
    assert tech.language is Language.EN

    csrf_client.post("/logout", data={"csrf_token": csrf_token(page)})
    csrf_login(csrf_client, tech)
    assert html_lang(csrf_client.get("/profile").get_data(as_text=True)) == "en"


def test_an_unknown_language_is_refused_and_changes_nothing(client, world):
    tech = world.technicians["A"]
    login(client, tech)
    response = client.post("/profile/language", data={"language": "de"},
                           follow_redirects=True)
    assert "Choisissez une des langues proposées." in response.get_data(as_text=True)
    db.session.refresh(tech)
    assert tech.language is Language.FR


def test_before_login_the_language_is_chosen_for_the_session(client, world):
    assert html_lang(client.get("/login").get_data(as_text=True)) == "fr"
    assert html_lang(client.get("/login?lang=en").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/login").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/login?lang=xx").get_data(as_text=True)) == "en"
    assert html_lang(client.get("/login?lang=fr").get_data(as_text=True)) == "fr"


def test_the_profile_wins_over_the_session_once_logged_in(client, world):
    tech = world.technicians["A"]
    client.get("/login?lang=en")
    login(client, tech)
    assert html_lang(client.get("/profile").get_data(as_text=True)) == "fr"


def test_the_api_answers_in_french_whatever_the_profile(app, world):
    tech = world.technicians["A"]
    tech.language = Language.EN
    db.session.flush()
    with app.test_request_context("/api/v1/me"):
        login_user(tech)
        assert i18n.select_locale() == "fr"
    with app.test_request_context("/profile"):
        login_user(tech)
        assert i18n.select_locale() == "en"


def test_the_number_sign_follows_the_language(app):
    from flask_babel import force_locale

    from gic.formatting import NBSP, numero
    with app.test_request_context("/"):
        assert numero(12) == f"n°{NBSP}12"
        with force_locale("en"):
            assert numero(12) == f"No.{NBSP}12"
