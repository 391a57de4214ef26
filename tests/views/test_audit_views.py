"""The audit log page: who reads what, and entries readable in French."""

from __future__ import annotations

from datetime import date

import pytest

from gic.audit.services import record
from gic.billing.services import close_year, reopen_year
from gic.extensions import db
from gic.interventions import services
from tests.conftest import login
from tests.helpers import accepted, hm, session, text_of


def page_for(app, user, url="/audit/"):
    client = app.test_client()
    if user is not None:
        login(client, user)
    return client.get(url)


@pytest.fixture
def history(world):
    """A→B: drafted, activated, accepted, a session added, changed and removed, another
    added; C→A only drafted. 2024 closed then reopened."""
    i = accepted(world, "A", "B")
    s = session(world, i, date(2025, 3, 14), "08:00", "15:20")
    services.update_session(s, i.technician, end=hm("16:00"))
    services.delete_session(s, i.technician)
    session(world, i, date(2025, 3, 17), "09:00", "10:30", mode="remote")
    other = services.create_draft(world.technicians["C"],
                                  provider_id=world.establishments["A"].id, axis=2,
                                  nature="incident", description="Sauvegardes")
    close_year(world.accountant, 2024)
    reopen_year(world.coordinator, 2024, "Facture rectificative")
    return i, other


@pytest.mark.parametrize(("who", "status"), [
    (None, 302), ("technician", 403), ("accountant", 403), ("director", 200),
    ("coordinator", 200),
])
def test_permission_table(app, world, history, who, status):
    user = {None: None, "technician": world.technicians["A"], "accountant": world.accountant,
            "director": world.directors["A"], "coordinator": world.coordinator}[who]
    response = page_for(app, user)
    assert response.status_code == status
    if who is None:
        assert "/login" in response.headers["Location"]
    if status == 200:
        assert "Journal d'audit" in text_of(response)


def test_entries_are_readable_in_french(app, world, history):
    i, _ = history
    page = text_of(page_for(app, world.coordinator))
    assert "Activation de la demande" in page
    assert "état : Brouillon → Activée" in page
    assert "état : Activée → Acceptée" in page
    assert "technicien : — → Technicien A" in page
    assert "Direction B" in page and "Technicien A" in page  # who
    assert "Séance ajoutée" in page
    assert "14 mars 2025, 08:00–15:20 (7 h 20, sur site)" in page
    assert "Séance modifiée" in page
    assert ("14 mars 2025, 08:00–15:20 (7 h 20, sur site) → "
            "14 mars 2025, 08:00–16:00 (8 h 00, sur site)") in page
    assert "Séance supprimée" in page
    assert "17 mars 2025, 09:00–10:30 (1 h 30, à distance)" in page
    assert f'href="/interventions/{i.id}">Demande n° {i.id}</a>' in page
    assert f'href="/interventions/{i.id}">Séance de la demande n° {i.id}</a>' in page
    assert "Clôture de l'année" in page and "année 2024 clôturée" in page
    assert "Réouverture de l'année" in page and "motif : Facture rectificative" in page
    assert 'href="/billing/2024"' in page


def test_directors_see_only_their_establishments_entries(app, world, other_world, history):
    i, other = history
    x_to_y = accepted(other_world, "X", "Y")

    page_b = text_of(page_for(app, world.directors["B"]))
    assert f"Demande n° {i.id}<" in page_b
    assert f"Demande n° {other.id}<" not in page_b  # C→A does not concern B
    assert "Clôture de l'année" not in page_b        # groupement-wide, coordinator's

    page_c = text_of(page_for(app, world.directors["C"]))
    assert f"Demande n° {other.id}<" in page_c
    assert f"Demande n° {i.id}<" not in page_c

    page_y = text_of(page_for(app, other_world.directors["Y"]))
    assert f"Demande n° {x_to_y.id}<" in page_y
    assert f"Demande n° {i.id}<" not in page_y and "Technicien A" not in page_y

    page_coord = text_of(page_for(app, world.coordinator))
    assert f"Demande n° {x_to_y.id}<" not in page_coord
    assert "Technicien X" not in page_coord


def test_pagination_by_fifty(app, world):
    for n in range(60):
        record(world.coordinator, "establishment.create", world.establishments["A"],
               after={"name": f"Entrée {n}", "finess": "650000000"})
    db.session.commit()
    first = text_of(page_for(app, world.coordinator))
    assert first.count('data-label="Date"') == 50
    assert "Entrée 59" in first and "Entrée 9<" not in first
    assert "Page 1 sur 2" in first and "60 entrées" in first
    second = text_of(page_for(app, world.coordinator, "/audit/?page=2"))
    assert second.count('data-label="Date"') == 10
    assert "Entrée 9<" in second and "Entrée 59" not in second
