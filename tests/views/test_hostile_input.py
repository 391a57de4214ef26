"""Hostile input on pages answers a clean 4xx and changes nothing (found in review).

Ids beyond an integer column, absurd page numbers and NUL bytes used to reach
the database and crash with a 500 (PostgreSQL refuses NUL in text); the error
page itself then crashed on the failed transaction.
"""

import pytest
from sqlalchemy import func, select

from gic.billing.services import close_year, reopen_year
from gic.errors import InvalidField, RuleRefused
from gic.extensions import db
from gic.interventions.models import Intervention
from gic.models import LoginFailure
from gic.timeutil import local_today
from tests.conftest import login
from tests.helpers import accepted

HUGE = "99999999999999999999"


@pytest.mark.parametrize("method, path", [
    ("get", f"/interventions/{HUGE}"),
    ("get", "/interventions/2147483648"),
    ("post", f"/interventions/{HUGE}/activate"),
    ("post", f"/interventions/{HUGE}/accept"),
    ("get", f"/interventions/sessions/{HUGE}/edit"),
    ("post", f"/interventions/sessions/{HUGE}/delete"),
    ("post", f"/profile/tokens/{HUGE}/revoke"),
    ("get", f"/billing/{HUGE}"),
])
def test_ids_beyond_an_integer_column_are_404(client, world, method, path):
    login(client, world.directors["B"])
    assert getattr(client, method)(path).status_code == 404


@pytest.mark.parametrize("query", [f"page={2**62}", "page=-5", "page=abc"])
def test_absurd_page_numbers_show_a_page(client, world, query):
    accepted(world)
    login(client, world.directors["B"])
    assert client.get(f"/interventions/?{query}").status_code == 200
    assert client.get(f"/audit/?{query}").status_code == 200


def test_huge_filter_or_select_value_is_a_form_error(client, world):
    login(client, world.technicians["B"])
    assert client.get(f"/interventions/?establishment={HUGE}").status_code == 422
    response = client.post("/interventions/new", data={
        "provider_id": HUGE, "axis": "2", "nature": "incident", "description": "Panne",
        "urgency": "normal", "estimated_onsite": "1:00", "estimated_remote": "0"})
    assert response.status_code in (200, 422)
    assert db.session.scalar(select(func.count(Intervention.id))) == 0


@pytest.mark.parametrize("path, data", [
    ("/login", {"email": "a\x00@b.fr", "password": "x"}),
    ("/profile", {"name": "jeton\x00"}),
    ("/interventions/new", {"provider_id": "1", "axis": "2", "nature": "incident",
                            "description": "a\x00b", "urgency": "normal"}),
])
def test_nul_bytes_are_refused_before_any_query(client, world, path, data):
    if path != "/login":
        login(client, world.technicians["B"])
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "Requête invalide" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0
    assert db.session.scalar(select(func.count(Intervention.id))) == 0


def test_services_refuse_nul_too(world):
    from gic.interventions import services
    with pytest.raises(InvalidField):
        services.create_draft(world.technicians["B"], provider_id=world.establishments["A"].id,
                              axis=2, nature="incident", description="a\x00b")


def test_a_year_that_has_not_ended_cannot_be_closed(world):
    this_year = local_today().year
    for year in (this_year, this_year + 3):
        with pytest.raises(RuleRefused) as refused:
            close_year(world.accountant, year)
        assert refused.value.code == "year_not_ended"
        assert f"1er janvier {year + 1}" in refused.value.message


def test_reopen_checks_the_year(world):
    with pytest.raises(InvalidField):
        reopen_year(world.coordinator, 10**12, "erreur de saisie")
