"""The yearly billing page, year closing and reopening, through the web client."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from gic.audit.models import AuditEntry
from gic.billing.models import YearClosure
from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention
from gic.timeutil import local_today
from tests.conftest import client_for, csrf_login, worlds_built_once
from tests.helpers import accepted, session, text_of

YEAR = 2025


def finish(world, i, beneficiary, validate=True):
    services.complete(i, i.technician, "Fait.")
    if validate:
        services.validate(i, world.directors[beneficiary])


def bill(world) -> dict[str, int]:
    """2025: A→B 10 h (250,00 €) and B→A 7 h (175,00 €) validated, so B pays A 75,00 €;
    C→B 7 h 20 validated (183,33 €); A→C 8 h on site accepted, not validated (pending).
    Built once for the file (``extra``): no test here depends on its absence."""
    a_to_b = accepted(world, "A", "B")
    session(world, a_to_b, date(YEAR, 3, 3), "08:00", "18:00")
    finish(world, a_to_b, "B")
    b_to_a = accepted(world, "B", "A")
    session(world, b_to_a, date(YEAR, 3, 4), "08:00", "15:00")
    finish(world, b_to_a, "A")
    c_to_b = accepted(world, "C", "B")
    session(world, c_to_b, date(YEAR, 3, 5), "08:00", "15:20")
    finish(world, c_to_b, "B")
    pending = accepted(world, "A", "C")
    session(world, pending, date(YEAR, 3, 6), "08:00", "16:00")
    made = {"a_to_b": a_to_b, "b_to_a": b_to_a, "c_to_b": c_to_b, "pending": pending}
    return {name: i.id for name, i in made.items()}


base, world, other_world, extra = worlds_built_once(bill)


@pytest.fixture
def billed(extra) -> dict[str, Intervention]:
    """The interventions of :func:`bill`, by name."""
    return {name: db.session.get(Intervention, i) for name, i in extra.items()}


# --- Who may read --------------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("technician", 403), ("director", 200), ("accountant", 200),
    ("coordinator", 200),
])
def test_permission_table(app, world, billed, who, status):
    user = {None: None, "technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[who]
    response = client_for(app, user).get(f"/billing/{YEAR}")
    assert response.status_code == status
    page = text_of(response)
    if who is None:
        assert "/login" in response.headers["Location"]
    elif who == "coordinator":
        # Coordinators manage closures but do not read amounts (SPEC §1).
        assert "Clôture de l'année" in page
        assert "€" not in page and "Règlements nets" not in page
    elif status == 200:
        assert "Règlements nets" in page and "250,00 €" in page


def test_index_redirects_to_the_current_year(app, world):
    response = client_for(app, world.accountant).get("/billing/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/billing/{local_today().year}")


def year_links(response) -> list[int]:
    """The years the « Années » navigation of a billing page leads to."""
    import re
    nav = re.search(r'<nav class="pagination" aria-label="Années">(.*?)</nav>',
                    response.get_data(as_text=True), re.DOTALL)[1]
    return [int(y) for y in re.findall(r'href="/billing/(\d{4})"', nav)]


@pytest.mark.parametrize("who", ["accountant", "director", "coordinator"])
def test_year_navigation_stays_within_the_conventions_years(app, world, who, clock):
    """The convention started on 2019-09-30; the test sets today in 2026, then in 2027."""
    clock.move_to(datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Paris")))
    user = {"accountant": world.accountant, "director": world.directors["A"],
            "coordinator": world.coordinator}[who]
    client = client_for(app, user)
    assert year_links(client.get("/billing/2019")) == [2026, 2020]  # no « ← 2018 »
    assert year_links(client.get("/billing/2020")) == [2019, 2026, 2021]
    assert year_links(client.get("/billing/2026")) == [2025]  # no « 2027 → »
    clock.move_to(datetime(2027, 2, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris")))
    client = client_for(app, user)  # a new login: the old session has expired by then
    # previous, this year, next: 2027 has come
    assert year_links(client.get("/billing/2026")) == [2025, 2027, 2027]


@pytest.mark.parametrize("who", ["accountant", "coordinator"])
def test_implausible_year_is_not_found(app, world, who):
    user = world.accountant if who == "accountant" else world.coordinator
    assert client_for(app, user).get("/billing/1999").status_code == 404


def test_accountant_sees_everything(app, world, billed):
    page = text_of(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    assert "Année ouverte" in page
    for amount in ("250,00 €", "175,00 €", "183,33 €"):
        assert amount in page
    assert "10 h 00" in page and "7 h 20" in page
    assert "608,33 €" in page and "24 h 20" in page  # totals
    for paid in ("<strong>75,00 €</strong> à l'établissement Établissement A",
                 "<strong>183,33 €</strong> à l'établissement Établissement C"):
        assert f"Établissement B paie {paid}" in page
    pending = billed["pending"]
    assert f'href="/interventions/{pending.id}">Demande n° {pending.id}</a>' in page
    # Cap use per beneficiary: B received 10 h + 7 h 20 billable, C 8 h (pending counts).
    assert "<strong>17 h 20</strong> / 35 h 00" in page
    assert "<strong>8 h 00</strong> / 35 h 00" in page
    assert "Clôturer l'année 2025" in page
    assert "Rouvrir" not in page


def test_director_sees_only_his_own_pairs(app, world, billed):
    page = text_of(client_for(app, world.directors["A"]).get(f"/billing/{YEAR}"))
    assert "250,00 €" in page and "175,00 €" in page
    assert "183,33 €" not in page  # C→B does not involve A
    assert "Établissement B paie <strong>75,00 €</strong> à l'établissement Établissement A" in page
    assert "Clôturer" not in page
    page_c = text_of(client_for(app, world.directors["C"]).get(f"/billing/{YEAR}"))
    assert "183,33 €" in page_c
    assert "250,00 €" not in page_c and "175,00 €" not in page_c
    assert f"Demande n° {billed['pending'].id}" in page_c  # A→C involves C
    assert "<strong>8 h 00</strong> / 35 h 00" in page_c
    assert "17 h 20" not in page_c  # B's cap use is not C's business


def test_other_groupement_is_isolated(app, world, other_world, billed):
    x_to_y = accepted(other_world, "X", "Y")
    session(other_world, x_to_y, date(YEAR, 3, 3), "08:00", "15:00")
    finish(other_world, x_to_y, "Y")
    page = text_of(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    assert "Établissement X" not in page and "210,00 €" not in page
    other = text_of(client_for(app, other_world.accountant).get(f"/billing/{YEAR}"))
    assert "Établissement X" in other and "210,00 €" in other  # 7 h at 30 €
    assert "Établissement A" not in other and "250,00 €" not in other


# --- Closing and reopening -------------------------------------------------------

def closure(world) -> YearClosure | None:
    db.session.expire_all()
    return db.session.scalars(select(YearClosure).where(
        YearClosure.groupement_id == world.groupement.id, YearClosure.year == YEAR)).first()


def test_close_is_refused_while_interventions_are_pending_then_works(app, world, billed):
    client = client_for(app, world.accountant)
    refused = client.post(f"/billing/{YEAR}/close", follow_redirects=True)
    page = text_of(refused)
    assert refused.status_code == 200
    assert f"Clôture de {YEAR} impossible" in page
    assert f"n° {billed['pending'].id}" in page
    assert closure(world) is None

    finish(world, billed["pending"], "C")
    done = client.post(f"/billing/{YEAR}/close", follow_redirects=True)
    page = text_of(done)
    assert f"L'année {YEAR} est clôturée" in page
    assert "Année clôturée" in page and "Clôturer l'année" not in page
    assert closure(world).closed is True
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "year.close"))


@pytest.mark.parametrize("who", ["technician", "director", "coordinator"])
def test_only_an_accountant_closes(app, world, who):
    user = {"technician": world.technicians["A"], "director": world.directors["A"],
            "coordinator": world.coordinator}[who]
    response = client_for(app, user).post(f"/billing/{YEAR}/close")
    assert response.status_code == 403
    assert closure(world) is None


def test_close_needs_the_csrf_token(csrf_client, world, billed):
    finish(world, billed["pending"], "C")
    client = csrf_client
    csrf_login(client, world.accountant)  # logging in needs a token too
    assert client.get(f"/billing/{YEAR}").status_code == 200  # logged in
    assert client.post(f"/billing/{YEAR}/close").status_code == 400
    assert closure(world) is None


@pytest.fixture
def closed_year(world, billed):
    finish(world, billed["pending"], "C")
    from gic.billing.services import close_year
    close_year(world.accountant, YEAR)


def test_reopen_needs_a_reason_and_is_audited(app, world, closed_year):
    client = client_for(app, world.coordinator)
    page = text_of(client.get(f"/billing/{YEAR}"))
    assert "Année clôturée" in page and "Rouvrir l'année 2025" in page

    missing = client.post(f"/billing/{YEAR}/reopen", data={"reason": "   "})
    assert missing.status_code == 422
    assert "Indiquez le motif de la réouverture." in text_of(missing)
    assert closure(world).closed is True

    done = client.post(f"/billing/{YEAR}/reopen",
                       data={"reason": "Erreur de saisie sur la demande n° 3"},
                       follow_redirects=True)
    assert f"L'année {YEAR} est rouverte." in text_of(done)
    row = closure(world)
    assert row.closed is False and row.reopen_reason == "Erreur de saisie sur la demande n° 3"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "year.reopen")).one()
    assert entry.actor_id == world.coordinator.id
    assert entry.reason == "Erreur de saisie sur la demande n° 3"


@pytest.mark.parametrize("who", ["technician", "director", "accountant"])
def test_only_a_coordinator_reopens(app, world, closed_year, who):
    user = {"technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant}[who]
    response = client_for(app, user).post(f"/billing/{YEAR}/reopen", data={"reason": "Parce que"})
    assert response.status_code == 403
    assert closure(world).closed is True


def test_reopening_an_open_year_says_so(app, world):
    page = text_of(client_for(app, world.coordinator).post(
        f"/billing/{YEAR}/reopen", data={"reason": "Test"}, follow_redirects=True))
    assert f"L'année {YEAR} n'est pas clôturée." in page


# --- A year too large for one page (issue 6: ~100,000 interventions a year) ------

def two_more_a_to_b(world):
    """Two more validated A→B interventions of 2025 (7 h each, 175,00 €): A→B has three."""
    made = []
    for day in (date(YEAR, 4, 7), date(YEAR, 4, 8)):
        i = accepted(world, "A", "B")
        session(world, i, day, "08:00", "15:00")
        finish(world, i, "B")
        made.append(i)
    return made


def test_a_long_year_is_shown_a_page_at_a_time(app, world, billed, monkeypatch):
    """One pair a page, one intervention under each pair: the rest is a link away,
    the totals are the whole year's, and every list keeps the others' page."""
    from gic.billing import page as billing_page
    monkeypatch.setattr(billing_page, "PAIRS_PER_PAGE", 1)
    monkeypatch.setattr(billing_page, "DETAIL_PER_PAIR", 1)
    monkeypatch.setattr(billing_page, "SETTLEMENTS_PER_PAGE", 1)
    a_to_b = [billed["a_to_b"], *two_more_a_to_b(world)]
    client = client_for(app, world.accountant)

    first = text_of(client.get(f"/billing/{YEAR}"))
    # Pairs ordered (provider, beneficiary): A→B first, then B→A, then C→B.
    assert "Total de l'année (3 paires)" in first
    assert "958,33 €" in first and "38 h 20" in first  # 600 + 175 + 183,33; all pairs
    assert f"Demande n° {a_to_b[0].id}" in first
    assert f"Demande n° {a_to_b[1].id}" not in first
    a, b = world.establishments["A"].id, world.establishments["B"].id
    pair_url = f"/billing/{YEAR}/paires/{a}-{b}"
    assert f'href="{pair_url}">Voir les 3 demandes de la paire</a> (2 de plus' in first
    assert "Page 1 sur 3" in first and "paires=2" in first
    assert "183,33 €" not in first.split("Règlements nets")[0]  # C→B is on page 3

    third = text_of(client.get(f"/billing/{YEAR}?paires=3&reglements=2"))
    assert "Établissement C</td>" in third and "183,33 €" in third
    assert "Page 3 sur 3" in third and "Page 2 sur 2" in third
    assert "paires=3" in third  # the settlements' links keep the pairs' page
    # Past the end: the last page, not an error.
    assert "Page 3 sur 3" in text_of(client.get(f"/billing/{YEAR}?paires=99"))

    pair = text_of(client.get(pair_url))
    assert "Établissement A → Établissement B" in pair
    assert "600,00 €" in pair and "24 h 00 validées, 3 demandes" in pair
    for i in a_to_b:
        assert f"Demande n° {i.id}" in pair
    assert "Demandes 1 à 3 sur 3" in pair


def test_the_pair_page_pages_and_keeps_its_scope(app, world, billed, monkeypatch):
    from gic.billing import views
    monkeypatch.setattr(views, "PAIR_PER_PAGE", 2)
    a_to_b = [billed["a_to_b"], *two_more_a_to_b(world)]
    a, b, c = (world.establishments[k].id for k in "ABC")
    url = f"/billing/{YEAR}/paires/{a}-{b}"
    director_b = client_for(app, world.directors["B"])
    first = text_of(director_b.get(url))
    assert "Demandes 1 à 2 sur 3" in first and "Page 1 sur 2" in first
    assert f"Demande n° {a_to_b[2].id}" not in first
    second = text_of(director_b.get(url + "?page=2"))
    assert f"Demande n° {a_to_b[2].id}" in second and "Demandes 3 à 3 sur 3" in second
    assert "600,00 €" in second  # the pair's total on every page
    past = director_b.get(url + "?page=5")
    assert past.status_code == 302 and past.headers["Location"].endswith(url)
    # Not C's pair; A→C has nothing validated; a pair of another groupement's ids.
    assert client_for(app, world.directors["C"]).get(url).status_code == 404
    accountant = client_for(app, world.accountant)
    assert accountant.get(f"/billing/{YEAR}/paires/{a}-{c}").status_code == 404
    assert accountant.get(f"/billing/{YEAR}/paires/{a}-{b}").status_code == 200
    assert client_for(app, world.technicians["A"]).get(url).status_code == 403
    assert client_for(app, world.coordinator).get(url).status_code == 403
    assert accountant.get(f"/billing/1800/paires/{a}-{b}").status_code == 404


def test_pending_interventions_are_paged(app, world, billed, monkeypatch):
    from gic.billing import page as billing_page
    monkeypatch.setattr(billing_page, "PENDING_PER_PAGE", 1)
    more = accepted(world, "B", "C")
    session(world, more, date(YEAR, 5, 5), "08:00", "16:00")  # billable, not validated
    client = client_for(app, world.accountant)
    first = text_of(client.get(f"/billing/{YEAR}"))
    assert f"Demande n° {billed['pending'].id}" in first and f"Demande n° {more.id}" not in first
    assert "2 demandes, 1 par page" in first
    second = text_of(client.get(f"/billing/{YEAR}?attente=2"))
    assert f"Demande n° {more.id}" in second
    assert "<strong>16 h 00</strong> / 35 h 00" in second  # C: both pending, on every page


def test_page_links_ignore_hostile_query_arguments(app, world, billed, monkeypatch):
    """The pager's links copy the query string: a « year » that clashes with the
    path, or url_for's own options (« _external », « _scheme »), change nothing."""
    from gic.billing import page as billing_page
    monkeypatch.setattr(billing_page, "PAIRS_PER_PAGE", 1)
    client = client_for(app, world.accountant)
    response = client.get(f"/billing/{YEAR}?year=1999&_external=1&_scheme=javascript&paires=2")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="/billing/{YEAR}?paires=3"' in page and f'href="/billing/{YEAR}?paires=1"' in page
    assert "javascript:" not in page and "http://" not in page.split("<main")[1]
    assert "/billing/1999" not in page


# --- Establishments that are not (or no longer) members -----------------------------------

def test_the_year_page_names_a_candidate_establishment(app, world, billed):
    """A candidate (created once the groupement is running) has a cap gauge like every
    beneficiary of the API's summary: the page names it instead of failing (was a 500)."""
    from gic.admin.services import create_establishment
    from gic.models import MembershipStatus
    candidate = create_establishment(world.coordinator, name="IME de Bagnères",
                                     finess="650781995")
    assert candidate.status == MembershipStatus.CANDIDATE
    for who in (world.accountant, world.directors["B"], world.coordinator):
        response = client_for(app, who).get(f"/billing/{YEAR}")
        assert response.status_code == 200, who.email
    page = text_of(client_for(app, world.accountant).get(f"/billing/{YEAR}"))
    assert "IME de Bagnères" in page and "75,00 €" in page
    pair = client_for(app, world.accountant).get(
        f"/billing/{YEAR}/paires/{world.establishments['A'].id}-{world.establishments['B'].id}")
    assert pair.status_code == 200


def test_another_groupements_pair_is_not_found_for_anyone(app, world, other_world, billed):
    """SPEC §8: another groupement's establishments are 404, before the role's 403."""
    a, b = world.establishments["A"].id, world.establishments["B"].id
    path = f"/billing/{YEAR}/paires/{a}-{b}"
    assert client_for(app, world.accountant).get(path).status_code == 200
    assert client_for(app, world.technicians["A"]).get(path).status_code == 403
    for who in (other_world.accountant, other_world.technicians["X"],
                other_world.directors["X"], other_world.coordinator):
        assert client_for(app, who).get(path).status_code == 404, who.email
