"""``GET /api/v1/bilan/{year}`` and ``.pdf`` (SPEC §8): same readers as the page."""

from __future__ import annotations

from datetime import date

import pytest

from gic.extensions import db
from gic.reports import services as bilan
from gic.reports.models import BilanVersion
from tests.api.conftest import error_of
from tests.conftest import worlds_built_once
from tests.helpers import accepted, session
from tests.services.test_bilan import YEAR, build_2025, finish

USERS = ["tech_A", "dir_A", "dir_B", "coordinator", "accountant", "other_dir",
         "other_coordinator", "other_accountant"]
# Once 2025 is published in the first groupement (version 1) with a draft version 2.
# Every member reads the published version (SPEC §5); another groupement has none.
STATUS = {"tech_A": 200, "dir_A": 200, "dir_B": 200, "coordinator": 200, "accountant": 200,
          "other_dir": 404, "other_coordinator": 404, "other_accountant": 404}


def user_of(world, other_world, key):
    return {"tech_A": world.technicians["A"], "dir_A": world.directors["A"],
            "dir_B": world.directors["B"], "coordinator": world.coordinator,
            "accountant": world.accountant, "other_dir": other_world.directors["X"],
            "other_coordinator": other_world.coordinator,
            "other_accountant": other_world.accountant}[key]


def build_versions(world) -> dict[str, int]:
    """Version 1 published, then a late validated intervention and a draft version 2."""
    build_2025(world)
    bilan.generate_draft(world.groupement.id, YEAR)
    v1 = bilan.publish(world.coordinator, YEAR)
    late = accepted(world, "C", "A")
    session(world, late, date(YEAR, 10, 1), "08:00", "16:00")
    finish(world, late, "A")
    v2 = bilan.generate_draft(world.groupement.id, YEAR)
    return {"v1": v1.id, "v2": v2.id}


# Every test of the file starts from both versions, built once for the file.
base, world, other_world, extra = worlds_built_once(build_versions)


@pytest.fixture
def versions(extra) -> tuple[BilanVersion, BilanVersion]:
    found = db.session.get(BilanVersion, extra["v1"]), db.session.get(BilanVersion, extra["v2"])
    db.session.commit()  # as the services leave the session
    return found


@pytest.mark.parametrize("who", USERS)
def test_permission_table(api, world, other_world, versions, who):
    user = user_of(world, other_world, who)
    for path in (f"/bilan/{YEAR}", f"/bilan/{YEAR}.pdf"):
        response = api.get(path, user)
        assert response.status_code == STATUS[who], (path, response.status_code)
        if STATUS[who] != 200:
            assert error_of(response)["code"] in ("forbidden", "not_found")


def test_anonymous_gets_401(api, versions):
    response = api.get(f"/bilan/{YEAR}")
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


def test_director_reads_the_published_version(api, world, versions):
    v1, _ = versions
    body = api.get(f"/bilan/{YEAR}", world.directors["A"]).get_json()
    assert (body["year"], body["version"], body["status"]) == (YEAR, 1, "published")
    assert body["published_at"] == v1.published_at.isoformat(timespec="seconds") + "Z"
    data = body["data"]
    assert data["billing"]["total_amount"] == "708.33"  # frozen: the late 8 h are not there
    assert data["totals"]["minutes"] == 2360
    assert data["billing"]["lines"][0]["amount"] == "350.00"
    assert [m["month"] for m in data["months"]] == list(range(1, 13))


@pytest.mark.parametrize("who", ["tech_A", "accountant"])
def test_technicians_and_accountants_read_the_published_version(api, world, other_world,
                                                                 versions, who):
    """The bilan is everyone's (SPEC §5), the draft (version 2) the coordinator's only."""
    body = api.get(f"/bilan/{YEAR}", user_of(world, other_world, who)).get_json()
    assert (body["year"], body["version"], body["status"]) == (YEAR, 1, "published")
    assert body["data"]["billing"]["total_amount"] == "708.33"


def test_coordinator_reads_the_draft(api, world, versions):
    body = api.get(f"/bilan/{YEAR}", world.coordinator).get_json()
    assert (body["version"], body["status"], body["published_at"]) == (2, "draft", None)
    assert body["data"]["billing"]["total_amount"] == "908.33"  # + 8 h × 25 €


def test_pdf(api, world, versions):
    response = api.get(f"/bilan/{YEAR}.pdf", world.directors["B"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert api.get(f"/bilan/{YEAR}.pdf", world.directors["B"]).data == response.data
    assert 'filename="bilan-2025-v1.pdf"' in response.headers["Content-Disposition"]


def test_the_api_serves_the_pdf_stored_for_the_web_page(app, api, world, versions,
                                                        monkeypatch):
    from tests.views.test_bilan_views import client_for

    web = client_for(app, world.directors["B"]).get(f"/bilan/{YEAR}.pdf").data
    monkeypatch.setattr("gic.reports.present.write_pdf", pytest.fail)  # no rendering now
    assert api.get(f"/bilan/{YEAR}.pdf", world.directors["B"]).data == web
