"""A technician without network (issue 14): the service worker keeps « Mes interventions »
and their pages, sessions typed offline wait in the outbox (IndexedDB) and are sent
once when the network comes back; a refusal comes back on its entry, still editable.

Screenshots at 390 px: /work/shots/offline-*.png when that folder exists (the review's),
under tests/e2e/screenshots/ otherwise.
"""

from __future__ import annotations

import re
import time as clock_time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from gic.extensions import db
from gic.interventions.models import InterventionSession
from tests.e2e.conftest import PHONE, SCREENSHOTS, expect
from tests.helpers import accepted, session

# Served in threads on their own connections: the journey's data is committed.
pytestmark = [pytest.mark.commits, pytest.mark.slow]

SHOTS = Path("/work/shots")
TODAY = date(2026, 11, 23)  # the suite's pinned day (tests.conftest)


def shot(page, name: str, top: str = "#saisie button[type=submit]") -> None:
    """The phone's screen from ``top`` down (by default the form's end and the outbox)."""
    folder = SHOTS if SHOTS.is_dir() else SCREENSHOTS
    folder.mkdir(exist_ok=True)
    page.locator(top).evaluate("e => e.scrollIntoView()")
    page.screenshot(path=str(folder / f"offline-{name}.png"))


def wait_until(page, script: str, timeout: float = 15) -> None:
    """Until the (async) ``script`` evaluated in the page answers true."""
    deadline = clock_time.monotonic() + timeout
    while not page.evaluate(script):
        assert clock_time.monotonic() < deadline, f"jamais vrai : {script}"
        page.wait_for_timeout(200)


def ready_offline(j, i) -> None:
    """Log in online: the dashboard installs the service worker, which keeps the pages
    of « Mes interventions »; then open the intervention, under the worker's control."""
    j.login(i.technician)
    expect(j.page.get_by_role("heading", name="Mes interventions")).to_be_visible()
    wait_until(j.page, "navigator.serviceWorker.ready.then(() => true)")
    wait_until(j.page, f"caches.open('gic-pages').then(c => c.match('/interventions/{i.id}'))"
                       ".then(Boolean)")
    j.page.get_by_role("link", name=i.title).click()
    expect(j.page.get_by_role("heading", level=1)).to_contain_text(i.title)
    wait_until(j.page, "navigator.serviceWorker.controller !== null")


def type_session(page, start: str, end: str, notes: str, *, mode: str = "Sur site") -> None:
    form = page.locator("form#saisie")
    form.get_by_label("Date").fill(TODAY.isoformat())
    form.get_by_label("Début").fill(start)
    form.get_by_label("Fin").fill(end)
    form.get_by_label(mode).check()
    form.get_by_label("Notes").fill(notes)
    form.get_by_role("button", name="Enregistrer la séance").click()


def stored(i) -> list[tuple]:
    db.session.rollback()  # what the server committed
    return [tuple(r) for r in db.session.execute(
        select(InterventionSession.start_time, InterventionSession.minutes,
               InterventionSession.client_uuid)
        .where(InterventionSession.intervention_id == i.id)
        .order_by(InterventionSession.start_time)).all()]


def test_two_sessions_typed_offline_are_sent_once_back_online(world, open_journey):
    i = accepted(world, provider="A", beneficiary="B")
    j = open_journey(PHONE)
    page = j.page
    ready_offline(j, i)

    page.context.set_offline(True)
    type_session(page, "08:00", "09:00", "Redémarrage du serveur de fichiers")
    outbox = page.locator("#en-attente")
    expect(outbox).to_be_visible()
    expect(page.locator("form#saisie [role=status]")).to_contain_text("Pas de réseau")
    shot(page, "form", top="#saisie .row")
    type_session(page, "09:30", "10:45", "Contrôle des sauvegardes", mode="À distance")
    entries = outbox.locator("li.outbox-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("23 novembre 2026 · 08:00–09:00 · Sur site")
    expect(entries.nth(0)).to_contain_text("non synchronisé")
    expect(entries.nth(0)).to_contain_text(re.compile(r"saisie à \d\d:\d\d"))
    expect(entries.nth(1)).to_contain_text("09:30–10:45 · À distance")
    type_session(page, "12:00", "13:00", "Saisie en trop")  # deleted: two taps
    expect(entries).to_have_count(3)
    entries.nth(2).get_by_role("button", name="Supprimer").click()
    entries.nth(2).get_by_role("button", name="Confirmer la suppression").click()
    expect(entries).to_have_count(2)
    assert stored(i) == []

    page.reload()  # still offline: the page kept by the service worker, the outbox kept
    expect(page.get_by_role("heading", level=1)).to_contain_text(i.title)
    expect(entries).to_have_count(2)
    j.check_accessibility("intervention hors ligne, deux séances en attente (téléphone)")
    shot(page, "outbox")
    j.go("/")  # « Mes interventions » offline, with what waits to be sent
    expect(page.get_by_role("heading", name="Mes interventions")).to_be_visible()
    expect(entries).to_have_count(2)
    expect(entries.nth(0).get_by_role("link", name=i.title)).to_be_visible()
    expect(entries.nth(0).get_by_role("button", name="Modifier")).to_have_count(0)
    expect(entries.nth(0).get_by_role("button", name="Supprimer")).to_be_visible()
    shot(page, "dashboard", top="#en-attente")
    page.get_by_role("link", name=i.title).first.click()
    expect(entries).to_have_count(2)

    page.context.set_offline(False)  # « online »: the outbox is replayed, the page reloaded
    sessions = page.locator("section[aria-labelledby=sessions-title] tbody tr")
    expect(sessions).to_have_count(2)
    expect(page.locator("#en-attente")).to_be_hidden()
    expect(sessions.nth(0)).to_contain_text("08:00–09:00")
    expect(sessions.nth(1)).to_contain_text("À distance")
    j.flash("(08:00–09:00) saisie hors ligne : envoyée")
    j.flash("(09:30–10:45) saisie hors ligne : envoyée")
    assert page.evaluate("idb.openDB('gic-offline').then(d => d.count('outbox'))") == 0
    rows = stored(i)
    assert [(r[0].strftime("%H:%M"), r[1]) for r in rows] == [("08:00", 60), ("09:30", 75)]
    assert all(r[2] for r in rows) and rows[0][2] != rows[1][2]

    page.reload()  # nothing left to send: no second copy
    expect(sessions).to_have_count(2)
    assert len(stored(i)) == 2


def test_an_entry_replayed_twice_is_one_session(world, open_journey):
    """Two tabs (or a response lost on the way) send the same entry: one session."""
    i = accepted(world, provider="A", beneficiary="B")
    j = open_journey(PHONE)
    page = j.page
    ready_offline(j, i)
    page.context.set_offline(True)
    type_session(page, "08:00", "09:00", "Imprimante de l'accueil")
    expect(page.locator("li.outbox-entry")).to_have_count(1)
    entry = page.evaluate("idb.openDB('gic-offline').then(d => d.getAll('outbox'))")[0]
    page.context.set_offline(False)  # this tab sends it and shows it stored
    sessions = page.locator("section[aria-labelledby=sessions-title] tbody tr")
    expect(sessions).to_have_count(1)
    expect(page.locator("#en-attente")).to_be_hidden()
    # Two other tabs, which had the entry too, send it again at the same moment.
    statuses = page.evaluate("""async (e) => {
      const send = () => {
        const body = new FormData();
        body.set('csrf_token', document.querySelector('input[name=csrf_token]').value);
        body.set('client_uuid', e.uuid);
        Object.entries(e.values).forEach(([k, v]) => body.set(k, v));
        return fetch(e.action, {method: 'POST', body, headers: {Accept: 'application/json'}})
          .then(async r => [r.status, (await r.json()).session.id]);
      };
      return Promise.all([send(), send()]);
    }""", entry)
    rows = stored(i)
    assert len(rows) == 1 and rows[0][2] == entry["uuid"]
    session_id = db.session.scalar(select(InterventionSession.id).where(
        InterventionSession.client_uuid == entry["uuid"]))
    assert statuses == [[200, session_id], [200, session_id]]  # the stored session, unchanged
    page.reload()
    expect(sessions).to_have_count(1)


def test_an_offline_entry_over_the_cap_comes_back_refused_and_editable(world, open_journey):
    """B has 33 h billable in 2026: 2 h left. 7 h 30 on site typed offline is refused
    with the minutes left; changed to 1 h 30 (under the free threshold), it is stored."""
    full = accepted(world, provider="C", beneficiary="B")
    for day in (2, 3, 4, 5):
        session(world, full, date(2026, 11, day), "08:00", "15:00")
    session(world, full, date(2026, 11, 6), "08:00", "13:00")
    i = accepted(world, provider="A", beneficiary="B")
    j = open_journey(PHONE)
    page = j.page
    ready_offline(j, i)

    page.context.set_offline(True)
    type_session(page, "00:30", "08:00", "Migration de la messagerie")
    page.context.set_offline(False)
    entry = page.locator("li.outbox-entry")
    expect(entry).to_contain_text("refusée par le serveur")
    expect(entry.get_by_role("alert")).to_contain_text("Séance refusée : le plafond annuel")
    expect(entry).to_contain_text(re.compile(r"Il reste 120 min \(2\s*h\s*00\)"))
    expect(entry).to_contain_text("non synchronisé")
    j.check_accessibility("séance hors ligne refusée (téléphone)")
    shot(page, "refused")
    assert stored(i) == []

    entry.get_by_role("button", name="Modifier").click()
    form = page.locator("form#saisie")
    expect(form.get_by_label("Début")).to_have_value("00:30")
    form.get_by_label("Début").fill("06:30")
    form.get_by_role("button", name="Enregistrer la séance").click()
    sessions = page.locator("section[aria-labelledby=sessions-title] tbody tr")
    expect(sessions).to_have_count(1)
    expect(sessions.nth(0)).to_contain_text("06:30–08:00")
    expect(page.locator("#en-attente")).to_be_hidden()
    assert [r[1] for r in stored(i)] == [90]
