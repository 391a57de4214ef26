"""Acting from a notice's e-mail (issue 13, items 2 and 3): readable HTML and text
e-mails with the stakes, and action links that a mail scanner cannot trigger, that
work once, for their person only, within EMAIL_ACTION_HOURS, with his permission
as of the click, audited « depuis le lien de l'e-mail »."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gic.admin.users import update_user
from gic.audit.models import AuditEntry
from gic.extensions import db
from gic.interventions import maillinks, services
from gic.interventions.models import State
from gic.models import Role
from tests.conftest import add_user, csrf_login, csrf_token
from tests.helpers import accepted, session, text_of, visible_text

# They read the e-mails of notifications (or check that none left).
pytestmark = pytest.mark.emails

LINK = re.compile(r"https?://[^/\s]+(/interventions/email/[^\s\"<]+)")


def mails_to(app, user) -> list[email.message.EmailMessage]:
    """The intervention e-mails written to the outbox for ``user``, oldest first."""
    outbox = Path(app.config["MAIL_OUTBOX"])
    found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
             for p in sorted(outbox.glob("*-intervention.eml"))] if outbox.exists() else []
    return [m for m in found if m["To"] == user.email]


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def links(message) -> dict[str, str]:
    """Label -> path of each action link of the e-mail's text part."""
    return {label: LINK.search(url)[1] for label, url in
            re.findall(r"^(.+?) : (https?://\S+/interventions/email/\S+)$", plain(message),
                       re.MULTILINE)}


def draft(world, onsite: int = 0):
    return services.create_draft(
        world.technicians["B"], provider_id=world.establishments["A"].id, axis=2,
        nature="incident", description="Serveur de fichiers en panne",
        estimated_onsite_minutes=onsite, estimated_remote_minutes=60)


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def confirm(client, path: str, **data):
    """GET the confirmation page, then POST its form with its CSRF token."""
    page = client.get(path)
    assert page.status_code == 200, text_of(page)
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                   **data})


@pytest.fixture
def activation(app, world):
    """B's draft (8 h on site estimated) and the path of B's director's « Activer »."""
    i = draft(world, onsite=480)
    [message] = mails_to(app, world.directors["B"])
    return i, links(message)["Activer la demande"]


# --- The e-mails (item 3) -------------------------------------------------------------

def test_the_e_mail_is_html_and_text_in_french_with_the_stakes_and_its_link(app, world):
    i = draft(world, onsite=480)
    [message] = mails_to(app, world.directors["B"])
    assert message.get_content_type() == "multipart/alternative"
    text = plain(message)
    assert text.startswith("Bonjour Direction B,\n\nTechnicien B a rédigé la demande n° ")
    assert "Bénéficiaire : Établissement B · prestataire : Établissement A." in text
    assert "Temps estimé : 8 h 00 sur site, 1 h 00 à distance\n" in text
    # R6: 8 h on site at 25 € (the threshold of 7 h is reached), remote never billed.
    assert "Montant estimé : 200,00\u00a0€ (8 h 00 sur site à 25,00\u00a0€ de l'heure)" in text
    assert list(links(message)) == ["Activer la demande"]  # not « annuler »: not a link
    assert f"Voir : http://127.0.0.1:5000/interventions/{i.id}\n" in text
    body = html(message)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert "<td" in body and "Montant estimé" in body and "Établissement A" in body
    path = links(message)["Activer la demande"]
    assert f'href="http://127.0.0.1:5000{path}"' in body and ">Activer la demande</a>" in body
    assert "valables 72 heures et une seule fois" in body


def test_the_html_part_escapes_what_people_typed(app, world):
    services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                          axis=2, nature="incident",
                          description='<img src=x onerror="alert(1)"> panne')
    [message] = mails_to(app, world.directors["B"])
    assert "<img" not in html(message) and "&lt;img src=x" in html(message)


def test_under_the_threshold_the_estimate_costs_nothing(app, world):
    draft(world, onsite=120)
    [message] = mails_to(app, world.directors["B"])
    assert ("Montant estimé : 0,00\u00a0€ (sous le seuil de gratuité de 7 h 00 sur site)"
            in plain(message))


def test_the_provider_s_director_gets_one_accept_link_per_technician_and_a_decline(app, world):
    second = add_user(world.groupement, "tech2.a@gic65.test", Role.TECHNICIAN,
                      world.establishments["A"], "Technicienne A2")
    db.session.commit()
    i = draft(world)
    services.activate(i, world.directors["B"])
    [message] = mails_to(app, world.directors["A"])
    assert list(links(message)) == ["Accepter et affecter Technicien A",
                                    "Accepter et affecter Technicienne A2", "Refuser la demande"]
    assert "Technicien B" not in "".join(links(message))  # only A's technicians
    assert second.name in html(message)


def test_the_technician_reads_minutes_but_no_amount_and_gets_no_link(app, world):
    i = accepted(world, estimated_onsite_minutes=480)
    [message] = mails_to(app, i.technician)
    text = plain(message)
    assert "Temps estimé : 8 h 00 sur site" in text
    assert "€" not in text and "€" not in html(message)
    assert links(message) == {} and "/interventions/email/" not in html(message)


def test_hours_to_validate_show_the_time_spent_and_the_amount(app, world):
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "15:20")  # 7 h 20 on site: billable
    session(world, i, date(2025, 3, 4), "09:00", "10:00", mode="remote")
    services.complete(i, i.technician, "Serveur remis en service.")
    message = mails_to(app, world.directors["B"])[-1]
    text = plain(message)
    assert "Temps passé : 7 h 20 sur site, 1 h 00 à distance\n" in text
    assert "Heures facturables : 7 h 20 (seuil de 7 h 00 sur site atteint)\n" in text
    assert "Montant : 183,33\u00a0€\n" in text  # 440 min × 25 € / 60, half-up
    assert list(links(message)) == ["Valider les heures"]


# --- The link (item 2) ---------------------------------------------------------------

def test_prefetch_get_and_head_change_nothing(app, world, activation):
    i, path = activation
    before = audit_count()
    client = app.test_client()
    for method in ("HEAD", "GET", "GET"):
        response = client.open(path, method=method)
        assert response.status_code == 200
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]
    db.session.expire_all()
    assert i.state == State.DRAFT and audit_count() == before
    page = visible_text(client.get(path))
    assert "Activer la demande ?" in page and "Établissement A" in page
    assert "Montant estimé 200,00 € (8 h 00 sur site à 25,00 € de l'heure)" in page
    assert "Rien n'est fait avant votre clic" in page


def test_the_post_acts_once_audited_from_the_e_mail_without_logging_in(
        app, world, activation, csrf_client):
    i, path = activation
    response = confirm(csrf_client, path)
    assert response.status_code == 200
    assert "Demande activée" in text_of(response)
    db.session.expire_all()
    assert i.state == State.ACTIVE
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "intervention.activate")).one()
    assert entry.actor_id == world.directors["B"].id and entry.after["via"] == "email"
    # Not logged in by the link.
    assert csrf_client.get("/interventions/").status_code == 302
    director = app.test_client()
    csrf_login(director, world.directors["B"])
    assert "depuis le lien de l'e-mail" in text_of(director.get("/audit/"))
    # The provider was told, as after the web page's button; his step taken on the
    # web is not marked as coming from an e-mail.
    assert len(mails_to(app, world.directors["A"])) == 1
    services.accept(i, world.directors["A"], world.technicians["A"].id)
    accept = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "intervention.accept")).one()
    assert "via" not in accept.after

    # Used: the same link (GET or POST) says what happened instead.
    again = csrf_client.get(path)
    assert again.status_code == 410
    assert ("Cette demande a déjà été activée par Direction B le 23 novembre 2026 à 11:00"
            in text_of(again))
    token = csrf_token(text_of(csrf_client.get("/login")))  # this browser's CSRF token
    again = csrf_client.post(path, data={"csrf_token": token})
    assert again.status_code == 410 and "déjà été activée" in text_of(again)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "intervention.activate")) == 1


def test_without_its_csrf_token_the_post_does_nothing(app, world, activation, csrf_client):
    i, path = activation
    csrf_client.get(path)
    response = csrf_client.post(path, data={})
    assert response.status_code == 400
    assert response.headers["Referrer-Policy"] == "no-referrer"  # its error page too
    db.session.expire_all()
    assert i.state == State.DRAFT


def test_an_expired_link_is_refused_clearly(app, world, activation, clock):
    i, path = activation
    clock.shift(timedelta(hours=72, minutes=1))
    response = app.test_client().get(path)
    assert response.status_code == 410
    assert "Ce lien a expiré : il était valable 72 heures" in text_of(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_setting_sets_how_long_a_link_works(app, world, activation, clock, monkeypatch):
    monkeypatch.setitem(app.config, "EMAIL_ACTION_HOURS", 2)
    _, path = activation
    clock.shift(timedelta(hours=2, minutes=1))
    assert "valable 2 heures" in text_of(app.test_client().get(path))


@pytest.mark.parametrize("change", ["signature", "payload", "garbage"])
def test_a_tampered_link_is_refused(app, world, activation, change):
    i, path = activation
    token = path.rsplit("/", 1)[1]
    body, signature = token.rsplit(".", 1)
    forged = {"signature": f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
              "payload": maillinks._serializer().dumps([1, i.id, "activate", "draft", "x", None])
              [:-4] + "AAAA",
              "garbage": "n-importe-quoi"}[change]
    response = app.test_client().get(f"/interventions/email/{forged}")
    assert response.status_code == 400
    assert "Ce lien n'est pas valable" in text_of(response)
    db.session.expire_all()
    assert i.state == State.DRAFT


def test_a_link_is_its_person_s_only(app, world, activation, csrf_client):
    i, path = activation
    other = app.test_client()
    csrf_login(other, world.directors["C"])
    response = other.get(path)
    assert response.status_code == 403
    assert "Ce lien a été envoyé à une autre personne" in text_of(response)
    assert "Serveur de fichiers" not in text_of(response)  # nothing of the request
    # A token made for someone else than the one who may act is refused too.
    token = maillinks.make_token(world.directors["C"], i, "activate")
    response = app.test_client().get(f"/interventions/email/{token}")
    assert response.status_code == 403 and "Serveur de fichiers" not in text_of(response)


def test_the_permission_is_the_one_of_the_click(app, world, activation, csrf_client):
    """Sent while he directed B; he moved to C before clicking: refused, GET and POST."""
    i, path = activation
    page = csrf_client.get(path)
    token = csrf_token(page.get_data(as_text=True))
    update_user(world.coordinator, world.directors["B"],
                establishment_id=world.establishments["C"].id)
    response = csrf_client.post(path, data={"csrf_token": token})
    assert response.status_code == 403
    assert "Vous ne pouvez plus faire cette action" in text_of(response)
    assert "Serveur de fichiers" not in text_of(response)
    db.session.expire_all()
    assert i.state == State.DRAFT
    assert app.test_client().get(path).status_code == 403


def test_a_deactivated_account_s_link_no_longer_works(app, world, activation):
    i, path = activation
    update_user(world.coordinator, world.directors["B"], active=False)
    response = app.test_client().get(path)
    assert response.status_code == 410 and "n'est plus actif" in text_of(response)


def test_accept_from_the_link_assigns_the_technician_chosen(app, world, csrf_client):
    second = add_user(world.groupement, "tech2.a@gic65.test", Role.TECHNICIAN,
                      world.establishments["A"], "Technicienne A2")
    db.session.commit()
    i = draft(world)
    services.activate(i, world.directors["B"])
    [message] = mails_to(app, world.directors["A"])
    path = links(message)["Accepter et affecter Technicienne A2"]
    page = csrf_client.get(path)
    text = text_of(page)
    assert "Accepter la demande ?" in text
    # The select names A's technicians only, the e-mail's choice selected.
    assert f'<option selected value="{second.id}">Technicienne A2</option>' in text
    assert "Technicien A</option>" in text and "Technicien B" not in text
    response = csrf_client.post(path, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "technician_id": str(second.id)})
    assert response.status_code == 200 and "Demande acceptée" in text_of(response)
    db.session.expire_all()
    assert i.state == State.ACCEPTED and i.technician_id == second.id
    # The other links of the same e-mail are dead now: the request moved on.
    response = csrf_client.get(links(message)["Refuser la demande"])
    assert response.status_code == 410
    assert "Cette demande a déjà été acceptée par Direction A" in text_of(response)


def test_decline_needs_a_reason(app, world, csrf_client):
    i = draft(world)
    services.activate(i, world.directors["B"])
    path = links(mails_to(app, world.directors["A"])[0])["Refuser la demande"]
    page = csrf_client.get(path)
    token = csrf_token(page.get_data(as_text=True))
    response = csrf_client.post(path, data={"csrf_token": token, "reason": "  "})
    assert response.status_code == 422 and "Indiquez le motif du refus" in text_of(response)
    db.session.expire_all()
    assert i.state == State.ACTIVE
    response = csrf_client.post(path, data={"csrf_token": token,
                                            "reason": "Personne de disponible en décembre."})
    assert response.status_code == 200 and "Demande refusée" in text_of(response)
    db.session.expire_all()
    assert i.state == State.DECLINED
    assert i.decline_reason == "Personne de disponible en décembre."


def test_a_step_taken_on_the_web_meanwhile_wins_and_is_told(app, world, csrf_client):
    i = draft(world)
    services.activate(i, world.directors["B"])
    path = links(mails_to(app, world.directors["A"])[0])["Accepter et affecter Technicien A"]
    page = csrf_client.get(path)
    services.decline(i, world.directors["A"], "Finalement non.")  # from the web page
    response = csrf_client.post(path, data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "technician_id": str(world.technicians["A"].id)})
    assert response.status_code == 410
    assert "Cette demande a déjà été refusée par Direction A" in text_of(response)
    db.session.expire_all()
    assert i.state == State.DECLINED


def test_validate_from_the_link(app, world, csrf_client):
    i = accepted(world)
    session(world, i, date(2025, 3, 3), "08:00", "10:00")
    services.complete(i, i.technician, "Fait.")
    path = links(mails_to(app, world.directors["B"])[-1])["Valider les heures"]
    page = visible_text(csrf_client.get(path))
    assert "Valider les heures ?" in page and "Temps passé 2 h 00 sur site" in page
    response = confirm(csrf_client, path)
    assert response.status_code == 200 and "Heures validées" in text_of(response)
    db.session.expire_all()
    assert i.state == State.VALIDATED
    assert "Les heures de cette demande ont déjà été validées par Direction B" in text_of(
        csrf_client.get(path))


def test_a_refusal_of_the_service_is_shown_and_changes_nothing(app, world, csrf_client):
    """The cap (R7) refuses the activation: its message on the page, still a draft."""
    i = draft(world, onsite=36 * 60)  # more than the 35 h cap
    path = links(mails_to(app, world.directors["B"])[0])["Activer la demande"]
    response = confirm(csrf_client, path)
    assert response.status_code == 409
    assert "plafond" in text_of(response).lower()
    db.session.expire_all()
    assert i.state == State.DRAFT
