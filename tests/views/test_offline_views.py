"""What the offline outbox relies on (issue 14): the session form's UUID, its JSON
answer to a replay (CSRF, role and scope as the page), the service worker and the
manifest at the root, the vendored scripts, and the strict CSP kept."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions.models import InterventionSession
from tests.conftest import csrf_login, csrf_token
from tests.helpers import accepted, session, text_of

STATIC = Path(__file__).resolve().parents[2] / "gic" / "static"
JSON = {"Accept": "application/json"}
DAY = "2026-11-23"  # the suite's pinned day


def served(client, path: str) -> tuple[int, bytes]:
    """Status and body of a file the app serves (the response closed)."""
    with client.get(path) as response:
        return response.status_code, response.data


def count_sessions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(InterventionSession.id)))


def entry(token: str, key: str, start: str = "08:00", end: str = "10:00", **extra) -> dict:
    return {"csrf_token": token, "client_uuid": key, "date": DAY, "start": start,
            "end": end, "mode": "onsite", "notes": "Onduleur", **extra}


@pytest.fixture
def tech(world, csrf_client):
    """The assigned technician of an accepted A -> B request, logged in, CSRF on;
    ``(client, intervention, the form's CSRF token)``."""
    i = accepted(world, provider="A", beneficiary="B")
    csrf_login(csrf_client, i.technician)
    page = csrf_client.get(f"/interventions/{i.id}").get_data(as_text=True)
    return csrf_client, i, csrf_token(page)


def test_the_form_carries_a_fresh_uuid_and_the_outbox_stays_hidden(tech):
    client, i, _ = tech
    pages = [client.get(f"/interventions/{i.id}").get_data(as_text=True) for _ in range(2)]
    keys = [re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', p)[1] for p in pages]
    assert keys[0] != keys[1] and all(uuid.UUID(k) for k in keys)
    assert re.search(r'<section [^>]*id="en-attente"[^>]* hidden>', pages[0])
    assert 'data-outbox' in pages[0] and 'rel="manifest"' in pages[0]


def test_a_double_tap_without_script_stores_one_session(tech):
    client, i, token = tech
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(f"/interventions/{i.id}/sessions", data=entry(token, key))
        assert response.status_code == 302
    assert count_sessions() == 1


def test_a_replay_answers_json_once_then_the_stored_session(tech):
    client, i, token = tech
    key = str(uuid.uuid4())
    first = client.post(f"/interventions/{i.id}/sessions", data=entry(token, key), headers=JSON)
    assert first.status_code == 201 and first.get_json()["created"] is True
    again = client.post(f"/interventions/{i.id}/sessions", data=entry(token, key), headers=JSON)
    assert again.status_code == 200 and again.get_json()["created"] is False
    assert again.get_json()["session"] == first.get_json()["session"]
    assert first.get_json()["session"]["minutes"] == 120
    assert count_sessions() == 1
    page = client.get(f"/interventions/{i.id}").get_data(as_text=True)
    assert "saisie hors ligne : envoyée" in page  # the page the outbox reloads says so


def test_a_refusal_comes_back_as_json_with_the_minutes_left(world, tech):
    client, i, token = tech
    full = accepted(world, provider="C", beneficiary="B")
    for day in (2, 3, 4, 5):
        session(world, full, date(2026, 11, day), "08:00", "15:00")
    session(world, full, date(2026, 11, 6), "08:00", "13:00")  # 33 h: 2 h left
    response = client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                           data=entry(token, str(uuid.uuid4()), "00:30", "08:00"))
    error = response.get_json()["error"]
    assert response.status_code == 409
    assert (error["code"], error["remaining_minutes"]) == ("cap_exceeded", 120)
    assert "Il reste 120 min" in error["message"]
    assert count_sessions() == 5  # C's, nothing more


def test_same_key_other_values_and_bad_fields_answer_json_errors(tech):
    client, i, token = tech
    key = str(uuid.uuid4())
    client.post(f"/interventions/{i.id}/sessions", data=entry(token, key), headers=JSON)
    conflict = client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                           data=entry(token, key, "08:00", "11:00"))
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "idempotency_conflict"
    invalid = client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                          data=entry(token, str(uuid.uuid4()), "", "11:00"))
    error = invalid.get_json()["error"]
    assert invalid.status_code == 422 and error["field"] == "start"
    assert error["message"] == "Séance non enregistrée : Indiquez l'heure de début."
    not_uuid = client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                           data=entry(token, "pas-un-uuid", "12:00", "13:00"))
    assert not_uuid.status_code == 422
    assert not_uuid.get_json()["error"]["field"] == "client_uuid"
    assert count_sessions() == 1


def test_a_replay_needs_the_csrf_token_the_role_and_the_scope(world, tech, csrf_client):
    client, i, token = tech
    key = str(uuid.uuid4())
    forged = client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                         data=entry("forged", key))
    assert forged.status_code == 400
    other = accepted(world, provider="C", beneficiary="B")  # not his: another's request
    hidden = client.post(f"/interventions/{other.id}/sessions", headers=JSON,
                         data=entry(token, key))
    assert hidden.status_code == 404 and hidden.get_json()["error"]["code"] == "not_found"
    director = world.directors["A"]
    csrf_client.post("/logout", data={"csrf_token": token})
    csrf_login(csrf_client, director)
    page = csrf_client.get(f"/interventions/{i.id}").get_data(as_text=True)
    denied = csrf_client.post(f"/interventions/{i.id}/sessions", headers=JSON,
                              data=entry(csrf_token(page), key))
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
    assert count_sessions() == 0


# --- Service worker, manifest, scripts -----------------------------------------------

def test_the_service_worker_is_served_at_the_root_never_cached(client):
    response = client.get("/sw.js")
    source = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    revalidated = client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]})
    assert revalidated.status_code == 304
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # Everything it loads is the app's own, vendored by scripts/vendor-js (no CDN).
    assert "https://" not in source and "googleapis" not in source
    prefix = re.search(r"const WORKBOX = '(/static/vendor/[^']+/)'", source)[1]
    for module in ("workbox-sw.js", "workbox-core.prod.js", "workbox-routing.prod.js",
                   "workbox-strategies.prod.js", "workbox-expiration.prod.js", "LICENSE"):
        assert served(client, prefix + module)[0] == 200, module
    for path in re.findall(r"'(/static/[^']+\.[a-z]+)'", source):
        assert served(client, path)[0] == 200, path


def test_the_manifest_makes_gic_installable(client):
    response = client.get("/manifest.webmanifest")
    manifest = json.loads(response.get_data(as_text=True))
    response.close()
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    assert (manifest["short_name"], manifest["start_url"], manifest["display"]) == (
        "GIC", "/", "standalone")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        status, image = served(client, icon["src"])
        assert status == 200 and image.startswith(b"\x89PNG")


def test_scripts_are_files_only_for_the_technician_and_the_csp_stays_strict(app, world):
    from tests.views.test_interventions_views import client_for
    accepted(world, provider="A", beneficiary="B")  # « Mes interventions » lists it
    tech = client_for(app, world.technicians["A"]).get("/")
    page = tech.get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert [re.search(r'src="([^"]+)"', attrs)[1] for attrs, _ in scripts] == [
        "/static/vendor/idb-8.0.4/idb.js", "/static/offline.js"]
    assert not any(body.strip() for _, body in scripts)
    assert 'data-offline-pages' in page and 'id="en-attente"' in page
    csp = tech.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    director = client_for(app, world.directors["A"]).get("/").get_data(as_text=True)
    assert "<script" not in director  # other people's pages are as before
    assert (STATIC / "vendor" / "idb-8.0.4" / "LICENSE").is_file()


def test_without_script_a_refused_entry_is_shown_again_with_a_new_uuid(tech):
    """Back button after a stored session, other values, same form: refused, and the
    form shown again is a new entry (its next sending is stored)."""
    client, i, token = tech
    key = str(uuid.uuid4())
    client.post(f"/interventions/{i.id}/sessions", data=entry(token, key))
    refused = client.post(f"/interventions/{i.id}/sessions",
                          data=entry(token, key, "10:00", "11:00"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "déjà été enregistrée avec d'autres valeurs" in text_of(refused)
    fresh = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', page)[1]
    assert fresh != key
    again = client.post(f"/interventions/{i.id}/sessions",
                        data=entry(token, fresh, "10:00", "11:00"))
    assert again.status_code == 302 and count_sessions() == 2
