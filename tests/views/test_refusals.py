"""The app-wide answer to a refusal no page caught (gic.pages.refusal_answer): the
pages without a form leave their 403/404 and flash-and-redirect to it."""

from __future__ import annotations

from flask import get_flashed_messages

from gic.errors import Forbidden, NotFound, RuleRefused
from gic.pages import refusal_answer
from tests.conftest import client_for
from tests.helpers import text_of

REFUSAL = RuleRefused("Action impossible aujourd'hui.", field="day")


def test_a_refused_page_says_why_in_french(app, world):
    response = client_for(app, world.technicians["A"]).get("/audit/")
    assert response.status_code == 403
    page = text_of(response)
    assert "Accès refusé" in page
    assert "Le journal d'audit est réservé à la coordination et aux directions." in page


def test_a_refused_action_goes_back_to_its_declared_page_and_part(app):
    with app.test_request_context("/profile/notifications", method="POST"):
        response = refusal_answer(REFUSAL)
        assert response.status_code == 302
        assert response.headers["Location"] == "/profile#notifications"
        assert get_flashed_messages(with_categories=True) == [
            ("error", "Action impossible aujourd'hui.")]


def test_a_refused_action_goes_back_to_the_same_site_page_that_posted_it(app):
    with app.test_request_context("/notifications/7/read", method="POST",
                                  headers={"Referer": "http://localhost/notifications/?page=2"}):
        response = refusal_answer(REFUSAL)
        assert response.status_code == 302
        assert response.headers["Location"] == "http://localhost/notifications/?page=2"


def test_with_no_page_to_go_back_to_the_error_page_carries_the_message(app):
    with app.test_request_context("/notifications/7/read", method="POST",
                                  headers={"Referer": "https://elsewhere.example/"}):
        body, status = refusal_answer(REFUSAL)
        assert status == 409
        assert "Action refusée" in body and "Action impossible aujourd" in body
        assert get_flashed_messages() == ["Action impossible aujourd'hui."]


def test_forbidden_and_not_found_are_error_pages_not_redirects(app):
    with app.test_request_context("/admin/users/7/deactivate", method="POST"):
        body, status = refusal_answer(Forbidden("Réservé à la coordination du groupement."))
        assert status == 403 and "Accès refusé" in body
    with app.test_request_context("/admin/users/7/deactivate", method="POST"):
        body, status = refusal_answer(NotFound("Utilisateur introuvable."))
        assert status == 404 and "Page introuvable" in body
        assert get_flashed_messages() == []  # not the user's to know it exists


def test_under_the_api_the_refusal_is_the_json_error(app):
    with app.test_request_context("/api/v1/not-a-route", method="POST"):
        response, status = refusal_answer(REFUSAL)
        assert status == 409
        assert response.get_json() == {"error": {
            "code": "rule_refused", "message": "Action impossible aujourd'hui.", "field": "day"}}
