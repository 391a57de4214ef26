"""The main menu of each role: only pages the role may open (each link answers 200)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

ROLES = ["tech_A", "dir_A", "accountant", "coordinator"]


@pytest.fixture(autouse=True)
def first_page_is_the_login(app, monkeypatch):
    """Templates compiled anew by an anonymous visitor's login page, as when the
    server has just started: the menu must still be decided per user, per request."""
    from jinja2.utils import LRUCache
    monkeypatch.setattr(app.jinja_env, "cache", LRUCache(400))
    assert app.test_client().get("/login").status_code == 200


def user_of(world, key):
    return {"tech_A": world.technicians["A"], "dir_A": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[key]


def menu_links(client) -> dict[str, str]:
    """Label -> href of the main navigation of the home page."""
    page = client.get("/").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Navigation principale">(.*?)</nav>', page, re.DOTALL)[1]
    links = {}
    for href, label in re.findall(r'<a href="([^"]+)">(.*?)</a>', nav, re.DOTALL):
        links[re.sub(r"<[^>]+>|\s+", " ", label).split(" ")[0] if "badge" in label
              else label.strip()] = href
    return links


@pytest.mark.parametrize("who", ROLES)
def test_every_menu_link_opens(app, world, who):
    client = app.test_client()
    assert login(client, user_of(world, who)).status_code == 302
    links = menu_links(client)
    assert len(links) >= 5
    refused = {label: client.get(href, follow_redirects=True).status_code
               for label, href in links.items()}
    assert {label: status for label, status in refused.items() if status != 200} == {}


@pytest.mark.parametrize("who", ROLES)
def test_everyone_has_the_bilan_in_the_menu(app, world, who):
    client = app.test_client()
    login(client, user_of(world, who))
    assert menu_links(client).get("Bilan") == "/bilan/"


def test_the_accountants_cooperation_menu(app, world):
    client = app.test_client()
    login(client, world.accountant)
    links = menu_links(client)
    assert "Matériel" not in links and "Échanges et conseils" not in links
    assert {"Formations", "Détachements", "Dossiers techniques"} <= set(links)
