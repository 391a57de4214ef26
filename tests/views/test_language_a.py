"""English pages (issue 17 item 7), helper A's areas: the shared layout and error
page, the dashboards, login and profile, administration, the audit log, the
notifications and their e-mails, the calendar feed, the date and hour filters.
An English profile reads them in English; French stays exactly as it was."""

from __future__ import annotations

import email
import email.policy
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale

from gic.calendar import services as calendar
from gic.calendar.feed import build_feed
from gic.enums import Language
from gic.extensions import db
from gic.interventions.services import create_draft
from gic.jobs import run_job
from gic.models import Role
from gic.web import fr_date, hm
from tests.conftest import TODAY, add_user, client_for
from tests.helpers import accepted, session, text_of


def english(*users) -> None:
    for user in users:
        user.language = Language.EN
    db.session.commit()


def onsite_days(world, days: int) -> None:
    """Sessions of 7 h 00 given by A to B in March 2026 (billable)."""
    i = accepted(world, "A", "B")
    for n in range(days):
        session(world, i, date(2026, 3, 2) + timedelta(days=n), "08:00", "15:00")


def eml(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


# --- Pages ---------------------------------------------------------------------------

def test_dashboard_menu_and_dates_in_english_for_an_english_technician(app, world):
    tech = world.technicians["A"]
    english(tech)
    page = text_of(client_for(app, tech).get("/"))
    assert '<html lang="en">' in page
    for text in ("Dashboard", "My hours this month", "Current month, up to 23 November 2026.",
                 "My interventions", "Log out", "Skip to content", "Interventions in progress"):
        assert text in page
    for text in ("Tableau de bord", "Mes heures ce mois-ci", "Se déconnecter", "novembre"):
        assert text not in page


def test_the_same_dashboard_stays_french_for_a_french_technician(app, world):
    page = text_of(client_for(app, world.technicians["A"]).get("/"))
    assert '<html lang="fr">' in page
    for text in ("Tableau de bord", "Mes heures ce mois-ci",
                 "Mois en cours, jusqu'au 23 novembre 2026.", "Se déconnecter",
                 "Aucune intervention ne vous est affectée en ce moment."):
        assert text in page
    assert "Dashboard" not in page
    page = text_of(client_for(app, world.directors["B"]).get("/"))
    assert "demande à activer, à accepter ou à valider" in page  # 0: singular in French
    assert "demandes à activer" not in page


def test_director_dashboard_in_english(app, world):
    director = world.directors["B"]
    english(director)
    page = text_of(client_for(app, director).get("/"))
    for text in ("Waiting for you", "Cap 2026", "Hours given", "To accept or decline",
                 "requests to activate, accept or validate",  # 0: plural in English
                 "No request to activate.", "Billing 2026"):
        assert text in page
    for text in ("En attente de vous", "Heures données", "Aucune demande à activer."):
        assert text not in page


def test_profile_and_login_pages_in_english(app, world, client):
    tech = world.technicians["A"]
    english(tech)
    page = text_of(client_for(app, tech).get("/profile"))
    for text in ("My profile", "Calendar subscription", "API access tokens", "Create a token",
                 "Token name (for example: accounting script)", "Until revoked",
                 "By e-mail and in GIC", "Receive my notifications", "No active subscription."):
        assert text in page
    for text in ("Mon profil", "Jetons d'accès à l'API", "Créer un jeton",
                 "Par e-mail et dans GIC"):
        assert text not in page

    page = text_of(client.get("/login?lang=en"))
    assert "Forgotten password?" in page and "E-mail address" in page
    assert "Mot de passe oublié" not in page
    response = client.post("/login", data={"email": tech.email, "password": "wrong-password"})
    assert "Incorrect e-mail or password." in text_of(response)


def test_a_flash_message_and_a_refusal_in_english(app, world):
    coordinator = world.coordinator
    english(coordinator)
    client = client_for(app, coordinator)
    response = client.post("/profile/notifications", data={"channel": "app"},
                           follow_redirects=True)
    assert "Preference saved: your notifications stay in GIC, without e-mail." in \
        text_of(response)

    # A refused action (domain error, RuleRefused): one's own account.
    response = client.post(f"/admin/users/{coordinator.id}/deactivate", follow_redirects=True)
    page = text_of(response)
    assert "You cannot deactivate your own account." in page
    assert "Vous ne pouvez pas désactiver votre propre compte." not in page
    db.session.refresh(coordinator)
    assert coordinator.active


def test_administration_pages_in_english(app, world):
    coordinator = world.coordinator
    english(coordinator)
    client = client_for(app, coordinator)
    page = text_of(client.get("/admin/"))
    for text in ("establishments and users", "Add a user", "Add an establishment",
                 "Billing identity", "— None (coordination, accounting) —", "Initial password",
                 "Required for a technician or a director."):
        assert text in page
    assert "Ajouter un utilisateur" not in page and "Mot de passe initial" not in page

    response = client.post("/admin/users", data={
        "user-email": "new.tech@gic65.test", "user-name": "Nouveau technicien",
        "user-role": "technician", "user-establishment_id": world.establishments["A"].id,
        "user-password": "a-long-password"}, follow_redirects=True)
    assert "Account of Nouveau technicien created (" in text_of(response)

    # A refused field (InvalidField from the service) reads in English too.
    response = client.post("/admin/establishments", data={
        "est-name": "Doublon", "est-finess": world.establishments["A"].finess})
    assert "An establishment of this groupement already has this FINESS number." in \
        text_of(response)

    page = text_of(client.get(f"/admin/users/{world.technicians['A'].id}"))
    assert "Deactivate the account" in page and "Send a new password link" in page
    page = text_of(client.get(f"/admin/establishments/{world.establishments['A'].id}/identity"))
    assert "Billing identity not filled in yet." in page and "Legal name" in page


def test_audit_log_in_english_its_codes_unchanged(app, world):
    coordinator = world.coordinator
    english(coordinator)
    client = client_for(app, coordinator)
    client.post("/admin/users", data={
        "user-email": "new.tech@gic65.test", "user-name": "Nouveau technicien",
        "user-role": "technician", "user-establishment_id": world.establishments["A"].id,
        "user-password": "a-long-password"})
    page = text_of(client.get("/audit/"))
    for text in ("Audit log", "Who", "Before → after", "User created", "role: "):
        assert text in page
    assert "Journal d'audit" not in page and "Utilisateur créé" not in page


def test_notifications_page_and_its_flash_in_english(app, world):
    director = world.directors["A"]
    english(director)
    client = client_for(app, director)
    page = text_of(client.get("/notifications/"))
    assert "No notifications." in page and "Aucune notification" not in page
    create_draft(world.technicians["A"], provider_id=world.establishments["B"].id, axis=2,
                 nature="incident", description="Imprimante", estimated_onsite_minutes=0)
    # A's director is told to activate it (in the app only here)
    page = text_of(client.get("/notifications/"))
    assert "Mark all as read" in page and "1 unread" in page
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "1 notification marked as read." in text_of(response)


def test_error_page_in_english(app, world):
    tech = world.technicians["A"]
    english(tech)
    response = client_for(app, tech).get("/admin/")
    assert response.status_code == 403
    page = text_of(response)
    assert "Access denied" in page and "Back to the dashboard" in page
    assert "Accès refusé" not in page


# --- E-mails: in the recipient's language ---------------------------------------------

@pytest.mark.emails
def test_the_same_notification_is_e_mailed_in_each_recipient_s_language(app, world):
    english_director = world.directors["B"]
    french_director = add_user(world.groupement, "dir2.b@gic65.test", Role.DIRECTOR,
                               world.establishments["B"], "Seconde direction B")
    english(english_director)
    onsite_days(world, 4)  # 28 h 00: 80 % of the cap
    run_job("cap_alerts", TODAY)

    mails = {m["To"]: m for m in map(eml, Path(app.config["MAIL_OUTBOX"]).glob(
        "*-cap_alert.eml"))}
    sent = mails[english_director.email]
    assert sent["Subject"] == "Annual cap: 80 % reached for Établissement B (2026)"
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Hello Direction B,\n\nThe billable hours of 2026 received by "
                           "Établissement B reach 28 h 00 / 35 h 00")
    assert "See: http://127.0.0.1:5000/billing/2026" in body
    assert "Bonjour" not in body and "plafond" not in body
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="en">' in html and "View in GIC" in html and "Voir dans GIC" not in html

    sent = mails[french_director.email]
    assert sent["Subject"] == "Plafond annuel : 80 % atteints pour Établissement B (2026)"
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Bonjour Seconde direction B,\n\nLes heures facturables de 2026 "
                           "reçues par Établissement B atteignent 28 h 00 / 35 h 00")
    assert "Voir : http://127.0.0.1:5000/billing/2026" in body
    html = sent.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="fr">' in html and "Voir dans GIC" in html


def test_a_password_reset_link_is_written_in_the_account_s_language(app, world, client):
    tech = world.technicians["A"]
    english(tech)
    client.post("/password/forgot", data={"email": tech.email})
    [path] = Path(app.config["MAIL_OUTBOX"]).glob("*password-reset*.eml")
    message = eml(path)
    assert message["Subject"] == "GIC: choose a new password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert body.startswith("Hello Technicien A,\n\nYou asked to choose a new password for GIC.")
    assert "do not reply" in body and "Bonjour" not in body


def test_the_calendar_feed_follows_its_subscriber_s_language(app, world):
    tech = world.technicians["A"]
    english(tech)
    i = accepted(world, "A", "B")
    session(world, i, TODAY - timedelta(days=1), "09:00", "12:00")
    calendar.generate(tech)
    feed = build_feed(tech).decode().replace("\r\n ", "")
    assert "Your intervention sessions and your meetings (GIC)" in feed
    assert "Session by Technicien A" in feed and "Provider: Établissement A" in feed
    assert "Prestataire" not in feed and "Séance de" not in feed


# --- Filters ----------------------------------------------------------------------------

def test_date_and_hour_filters_follow_the_language(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert fr_date(date(2026, 12, 3)) == "3 December 2026"
            assert fr_date(date(2026, 1, 1)) == "1 January 2026"
            assert fr_date(date(2026, 12, 3), "short") == "03/12/2026"
            assert fr_date(datetime(2026, 12, 1, 13, 0)) == "1 December 2026 at 14:00"
            assert hm(41_701_990) == "695,033\u00a0h\u00a010"
        with force_locale("fr"):  # French, byte for byte as before
            assert fr_date(date(2026, 12, 3)) == "3 décembre 2026"
            assert fr_date(date(2026, 1, 1)) == "1er janvier 2026"
            assert fr_date(datetime(2026, 12, 1, 13, 0)) == "1er décembre 2026 à 14:00"
            assert hm(41_701_990) == "695\u202f033\u00a0h\u00a010"
