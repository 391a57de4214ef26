"""The notifications page: one's own only, unread in bold, mark read, the nav badge."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from gic.extensions import db
from gic.notifications.models import Notification
from tests.conftest import csrf_login, csrf_token, login
from tests.helpers import text_of


def add(user, subject: str, *, key: str | None = None, link: str | None = None,
        read: bool = False, minutes_ago: int = 0) -> Notification:
    """A stored notification (no e-mail: the page is what is tested here)."""
    at = datetime(2026, 11, 23, 6, 0) - timedelta(minutes=minutes_ago)
    n = Notification(groupement_id=user.groupement_id, user_id=user.id, kind="test",
                     key=key or subject, subject=subject, body=f"Détail : {subject}.",
                     link=link, created_at=at, read_at=at if read else None)
    db.session.add(n)
    db.session.commit()
    return n


def client_of(app, user):
    client = app.test_client()
    login(client, user)
    return client


def read_at(n: Notification):
    db.session.expire_all()
    return db.session.get(Notification, n.id).read_at


def badge(page: str) -> str | None:
    match = re.search(r"Notifications <span class=\"badge\">(\d+)</span></a>", page)
    return match.group(1) if match else None


@pytest.mark.parametrize("role", ["technician", "director", "accountant", "coordinator"])
def test_every_role_reads_its_own_notifications_only(app, world, other_world, role):
    user = {"technician": world.technicians["A"], "director": world.directors["A"],
            "accountant": world.accountant, "coordinator": world.coordinator}[role]
    add(user, "Pour moi : plafond à 80 %")
    add(world.directors["B"], "Pour la direction B")
    add(other_world.coordinator, "Pour l'autre groupement")
    response = client_of(app, user).get("/notifications/")
    assert response.status_code == 200
    page = text_of(response)
    assert "<strong>Pour moi : plafond à 80 %</strong>" in page
    assert "Détail : Pour moi : plafond à 80 %." in page
    assert "Pour la direction B" not in page and "Pour l'autre groupement" not in page


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/notifications/"), ("post", "/notifications/1/read"),
    ("post", "/notifications/read-all")])
def test_anonymous_is_sent_to_the_login_page(client, world, method, url):
    add(world.directors["A"], "Secret")
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(Notification.read_at)) is None


def test_newest_first_unread_in_bold_and_paginated(app, world):
    director = world.directors["A"]
    for n in range(35):
        add(director, f"Message {n:02d}", minutes_ago=n, read=n % 2 == 1)
    client = client_of(app, director)
    first = text_of(client.get("/notifications/"))
    subjects = re.findall(r"<h2>(?:<strong>)?(Message \d\d)", first)
    assert subjects[:3] == ["Message 00", "Message 01", "Message 02"]
    assert len(set(subjects)) == 30
    assert "<strong>Message 00</strong>" in first and "<strong>Message 01</strong>" not in first
    assert "Page 1 sur 2" in first and "35 notifications" in first
    second = text_of(client.get("/notifications/?page=2"))
    assert re.findall(r"<h2>(?:<strong>)?(Message \d\d)", second) == [
        f"Message {n}" for n in range(30, 35)]
    assert "Aucune notification sur cette page" in text_of(client.get("/notifications/?page=9"))
    assert client.get("/notifications/?page=abc").status_code == 200


def test_mark_one_read_and_open_its_link(app, world):
    director = world.directors["A"]
    plain = add(director, "Sans lien")
    linked = add(director, "Plafond", link="/billing/2026")
    client = client_of(app, director)
    response = client.post(f"/notifications/{plain.id}/read", data={"page": "2"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications/?page=2")
    assert read_at(plain) is not None and read_at(linked) is None
    response = client.post(f"/notifications/{linked.id}/read", data={"open": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/billing/2026"
    assert read_at(linked) is not None
    page = text_of(client.get("/notifications/"))
    assert "<strong>" not in page.split("<main", 1)[1] and "lue" in page


@pytest.mark.parametrize("link", ["//evil.test/x", "https://evil.test/", "/\\evil.test"])
def test_open_never_leaves_the_site(app, world, link):
    n = add(world.directors["A"], "Lien douteux", link=link)
    response = client_of(app, world.directors["A"]).post(f"/notifications/{n.id}/read",
                                                         data={"open": "1"})
    assert response.headers["Location"] == "/notifications/"


@pytest.mark.parametrize("owner", ["other user", "other groupement", "unknown"])
def test_someone_elses_notification_is_404_and_unchanged(app, world, other_world, owner):
    target = {"other user": world.directors["B"], "other groupement": other_world.coordinator,
              "unknown": None}[owner]
    n = add(target, "Pas pour vous") if target else None
    response = client_of(app, world.directors["A"]).post(
        f"/notifications/{n.id if n else 999}/read", data={"open": "1"})
    assert response.status_code == 404
    if n:
        assert read_at(n) is None


def test_read_all_marks_only_ones_own(app, world):
    mine = [add(world.directors["A"], f"À moi {n}") for n in range(3)]
    theirs = add(world.directors["B"], "À la direction B")
    client = client_of(app, world.directors["A"])
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "3 notifications marquées comme lues." in text_of(response)
    assert all(read_at(n) is not None for n in mine)
    assert read_at(theirs) is None


def test_nav_badge_counts_unread_with_one_query(app, world):
    director = world.directors["A"]
    add(director, "Un")
    add(director, "Deux")
    add(director, "Déjà lue", read=True)
    add(world.directors["B"], "Pas à moi")
    client = client_of(app, director)
    with counted_badge_queries() as queries:
        page = text_of(client.get("/"))
    assert badge(page) == "2" and len(queries) == 1
    client.post("/notifications/read-all")
    assert badge(text_of(client.get("/"))) is None
    with counted_badge_queries() as queries:  # nobody logged in: no query
        app.test_client().get("/login")
    assert queries == []


@contextmanager
def counted_badge_queries():
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "count(notification.id)" in statement.lower():
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_forms_need_the_csrf_token(csrf_client, world):
    n = add(world.directors["A"], "Protégée")
    client = csrf_client
    csrf_login(client, world.directors["A"])
    assert client.post(f"/notifications/{n.id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert read_at(n) is None
    page = client.get("/notifications/").get_data(as_text=True)
    response = client.post(f"/notifications/{n.id}/read", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert read_at(n) is not None


# --- The choice of e-mail or in-app only, on the profile page ---------------------

def emailed(user) -> bool:
    db.session.expire_all()
    return db.session.get(type(user), user.id).notify_by_email


def test_profile_chooses_in_app_only_then_email_again(csrf_client, world):
    director = world.directors["B"]
    client = csrf_client
    csrf_login(client, director)
    page = text_of(client.get("/profile"))
    assert '<h2 id="notifications">Notifications</h2>' in page
    assert 'action="/profile/notifications"' in page
    assert re.search(r'<input checked id="channel-0" name="channel" type="radio" '
                     r'value="email"> Par e-mail et dans GIC', page)  # today's default

    assert client.post("/profile/notifications", data={"channel": "app"}).status_code == 400
    assert emailed(director)  # without the CSRF token: nothing changed

    token = csrf_token(page)
    response = client.post("/profile/notifications", data={"channel": "app",
                                                           "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile#notifications"
    assert not emailed(director)
    page = text_of(client.get("/profile"))
    assert "Préférence enregistrée : vos notifications restent dans GIC, sans e-mail." in page
    assert re.search(r'<input checked id="channel-1" name="channel" type="radio" value="app">',
                     page)
    assert emailed(world.directors["A"])  # his choice only

    client.post("/profile/notifications", data={"channel": "email", "csrf_token": token})
    assert emailed(director)


@pytest.mark.parametrize("value", ["", "sms", "APP", "email" * 50])
def test_profile_refuses_an_unknown_channel_in_french(client, world, value):
    director = world.directors["B"]
    director.notify_by_email = False
    db.session.commit()
    login(client, director)
    response = client.post("/profile/notifications", data={"channel": value})
    assert response.status_code == 302
    assert not emailed(director)  # bad input changes nothing
    page = text_of(client.get("/profile"))
    assert "Choisissez « par e-mail » ou « dans GIC seulement »." in page
