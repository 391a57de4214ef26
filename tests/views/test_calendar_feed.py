"""The personal calendar feed (issue 14, item 4): made, shown once, regenerated and
disabled from the profile page; the feed parses with ``icalendar``, holds exactly
what its owner may see, and answers 404 to any token that is not live."""

from __future__ import annotations

import re
import subprocess
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import event, select

from gic.admin.users import set_active
from gic.audit.models import AuditEntry
from gic.calendar import services as calendar
from gic.calendar.models import CalendarFeed
from gic.extensions import db
from gic.interventions.models import InterventionSession
from gic.meetings import services as meetings
from tests.conftest import csrf_login, csrf_token, login
from tests.helpers import accepted, require_tool, session, text_of

PARIS = ZoneInfo("Europe/Paris")
PUBLIC = "https://gic.exemple.test"


@pytest.fixture(autouse=True)
def _public_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC)


def feed_path(raw: str) -> str:
    return f"/calendar/{raw}.ics"


def parsed(response) -> Calendar:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.get_data())


def events(response) -> dict[str, object]:
    """UID -> event of a feed answer."""
    return {str(e["UID"]): e for e in parsed(response).walk("VEVENT")}


def plan(world, kind: str, day: date, title: str, **values):
    return meetings.plan_meeting(world.coordinator, kind=kind, title=title, day=day,
                                 start=time(14, 0), duration_minutes=90, place="Salle du conseil",
                                 agenda=["Sauvegardes"], **values)


@pytest.fixture
def work(world):
    """A -> B request with sessions in and out of the window (A's technician), a
    C -> A one (C's technician); meetings of both kinds, one cancelled, one too old."""
    i = accepted(world)  # A's technician goes to B
    ids = {"i": i.id}
    ids["winter"] = session(world, i, date(2026, 3, 10), "08:00", "10:00").id
    ids["summer"] = session(world, i, date(2026, 7, 1), "14:00", "16:30", mode="remote").id
    ids["old"] = session(world, i, date(2025, 6, 2), "09:00", "11:00").id  # before the window
    other = accepted(world, provider="C", beneficiary="A")  # C's technician helps A
    ids["c_session"] = session(world, other, date(2026, 4, 7), "09:00", "12:00").id
    ids["technicians"] = plan(world, "technicians", date(2026, 12, 8),
                              "Réunion des techniciens").id
    ids["directors"] = plan(world, "directors", date(2027, 1, 12), "Assemblée des directions").id
    cancelled = plan(world, "technicians", date(2026, 12, 15), "Réunion annulée")
    meetings.set_status(cancelled, world.coordinator, "cancelled")
    ids["cancelled"] = cancelled.id
    ids["too_old"] = plan(world, "technicians", date(2025, 9, 1), "Réunion ancienne").id
    return ids


def uid(kind: str, oid: int) -> str:
    return f"{kind}-{oid}@gic.exemple.test"


# --- The feed's contents ------------------------------------------------------------------

def test_feed_parses_with_exact_events_uids_and_times(app, client, world, work):
    _, raw = calendar.generate(world.technicians["A"])
    response = client.get(feed_path(raw))
    assert response.headers["Cache-Control"] == "private, no-cache"
    cal = parsed(response)
    assert str(cal["X-WR-CALNAME"]) == "GIC – Technicien A"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    found = events(response)
    assert sorted(found) == sorted([
        uid("intervention-session", work["winter"]), uid("intervention-session", work["summer"]),
        uid("meeting", work["technicians"]), uid("meeting", work["cancelled"])])
    winter = found[uid("intervention-session", work["winter"])]
    # Local times with their zone: 08:00 in Paris in winter is 07:00 UTC, in summer −2 h.
    assert winter.decoded("DTSTART") == datetime(2026, 3, 10, 8, 0, tzinfo=PARIS)
    assert winter.decoded("DTSTART").astimezone(UTC) == datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    assert winter.decoded("DTEND") == datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)
    summer = found[uid("intervention-session", work["summer"])]
    assert summer.decoded("DTSTART").astimezone(UTC) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert summer.decoded("DTEND").astimezone(UTC) == datetime(2026, 7, 1, 14, 30, tzinfo=UTC)
    assert str(winter["SUMMARY"]) == "Intervention Établissement A → Établissement B (sur site)"
    assert str(summer["SUMMARY"]) == ("Intervention Établissement A → Établissement B "
                                      "(à distance)")
    assert str(winter["LOCATION"]) == "Établissement B" and "LOCATION" not in summer
    assert str(winter["URL"]) == f"{PUBLIC}/interventions/{work['i']}"
    assert "Séance de Technicien A, sur site" in str(winter["DESCRIPTION"])
    meeting = found[uid("meeting", work["technicians"])]
    assert meeting.decoded("DTSTART") == datetime(2026, 12, 8, 14, 0, tzinfo=PARIS)
    assert meeting.decoded("DTEND") == datetime(2026, 12, 8, 15, 30, tzinfo=PARIS)
    assert str(meeting["SUMMARY"]) == "Réunion des techniciens"
    assert str(meeting["URL"]) == f"{PUBLIC}/meetings/{work['technicians']}"
    assert str(meeting["STATUS"]) == "CONFIRMED"
    assert str(found[uid("meeting", work["cancelled"])]["STATUS"]) == "CANCELLED"


def test_dtstamp_comes_from_the_data_so_the_feed_is_stable(app, client, world, work, clock):
    _, raw = calendar.generate(world.technicians["A"])
    clock.shift(timedelta(days=2))
    first = client.get(feed_path(raw))
    stored = db.session.get(InterventionSession, work["winter"]).updated_at
    stamp = events(first)[uid("intervention-session", work["winter"])].decoded("DTSTAMP")
    assert stamp == stored.replace(tzinfo=UTC, microsecond=0)  # not the reading's "now"
    clock.shift(timedelta(hours=3))
    again = client.get(feed_path(raw))
    assert again.get_data() == first.get_data()
    # The calendar asks with its ETag: nothing changed, nothing sent.
    unchanged = client.get(feed_path(raw), headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""


def _uids(client, user) -> set[str]:
    _, raw = calendar.generate(user)
    return set(events(client.get(feed_path(raw))))


def test_each_role_sees_what_its_permissions_allow(app, client, world, other_world, work):
    s = {k: uid("intervention-session", work[k]) for k in ("winter", "summer", "c_session")}
    tech_meetings = {uid("meeting", work["technicians"]), uid("meeting", work["cancelled"])}
    all_meetings = tech_meetings | {uid("meeting", work["directors"])}
    # A technician: his own work only, not his establishment's other requests.
    assert _uids(client, world.technicians["A"]) == {s["winter"], s["summer"]} | tech_meetings
    assert _uids(client, world.technicians["C"]) == {s["c_session"]} | tech_meetings
    assert _uids(client, world.technicians["B"]) == tech_meetings  # B's own request, not his work
    # Directors: their establishment's interventions (given or received).
    assert _uids(client, world.directors["A"]) == set(s.values()) | all_meetings
    assert _uids(client, world.directors["B"]) == {s["winter"], s["summer"]} | all_meetings
    assert _uids(client, world.directors["C"]) == {s["c_session"]} | all_meetings
    # The coordinator: the whole groupement; the accountant reads no meeting he is not
    # invited to.
    assert _uids(client, world.coordinator) == set(s.values()) | all_meetings
    assert _uids(client, world.accountant) == set(s.values())
    # Another groupement: nothing of this one.
    assert _uids(client, other_world.coordinator) == set()
    assert _uids(client, other_world.technicians["X"]) == set()


def test_feed_queries_do_not_grow_with_the_data(app, client, world):
    """Sessions, their establishments and technicians, meetings and their agenda: a
    fixed number of statements whatever the feed holds."""
    _, raw = calendar.generate(world.directors["A"])

    @contextmanager
    def counted():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    def measure() -> int:
        db.session.expire_all()
        with counted() as statements:
            assert client.get(feed_path(raw)).status_code == 200
        return len(statements)

    i = accepted(world)
    session(world, i, date(2026, 2, 2), "08:00", "09:00")
    plan(world, "technicians", date(2026, 12, 1), "Une")
    small = measure()
    for n in range(6):
        j = accepted(world, beneficiary="BC"[n % 2])
        for k in range(3):
            session(world, j, date(2026, 2, 3) + timedelta(days=n * 3 + k), "08:00", "09:00")
        plan(world, "directors", date(2026, 12, 2) + timedelta(days=n), f"Réunion {n}")
    large = measure()
    assert len(events(client.get(feed_path(raw)))) == 1 + 1 + 18 + 6
    assert small == large


# --- The address: made, shown once, regenerated, disabled ------------------------------------

def _address(page: str) -> str:
    return re.search(r"<code class=\"token\">(webcal://[^<]+)</code>", page)[1]


def test_profile_makes_shows_once_regenerates_and_disables(app, csrf_client, world, work):
    client = csrf_client
    me = world.technicians["A"]
    csrf_login(client, me)
    page = text_of(client.get("/profile"))
    assert "Abonnement calendrier" in page and "Aucun abonnement actif." in page
    made = client.post("/profile/calendar", data={"csrf_token": csrf_token(page)})
    assert made.status_code == 200
    page = text_of(made)
    webcal = _address(page)
    assert re.fullmatch(r"webcal://gic\.exemple\.test/calendar/cal_[\w-]{43}\.ics", webcal)
    https = PUBLIC + webcal.removeprefix("webcal://gic.exemple.test")
    assert f'href="{webcal}"' in page and https in page
    path = https.removeprefix(PUBLIC)
    assert uid("intervention-session", work["winter"]) in events(client.get(path))
    # Shown once: the profile then names it by its first characters only.
    page = text_of(client.get("/profile"))
    raw = path.removeprefix("/calendar/").removesuffix(".ics")
    assert raw not in page and f"<code>{raw[:12]}…</code>" in page
    assert "dernière lecture par un agenda : " in page and "jamais" not in page.split(
        "Abonnement actif")[1].split("</p>")[0]
    stored = db.session.scalars(select(CalendarFeed)).one()
    assert stored.token_hash == CalendarFeed.hash(raw) and raw not in str(vars(stored))
    # « Régénérer »: a new address, the old one is dead at once.
    regenerated = text_of(client.post("/profile/calendar", data={"csrf_token": csrf_token(page)}))
    assert "l'ancienne ne fonctionne plus" in regenerated
    new_path = _address(regenerated).removeprefix("webcal://gic.exemple.test")
    assert new_path != path
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200
    # « Désactiver »: no address any more.
    response = client.post("/profile/calendar/disable", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile#calendar"
    assert client.get(new_path).status_code == 404
    assert "Aucun abonnement actif." in text_of(client.get("/profile"))
    assert db.session.scalars(select(CalendarFeed)).all() == []
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("calendar.%"))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.establishment_id) for e in entries] == [
        ("calendar.create", me.id, me.establishment_id),
        ("calendar.regenerate", me.id, me.establishment_id),
        ("calendar.revoke", me.id, me.establishment_id)]
    assert entries[1].before == {"prefix": raw[:12]} and entries[2].before == entries[1].after


def test_the_profile_forms_need_their_csrf_token(app, csrf_client, world):
    client = csrf_client
    csrf_login(client, world.directors["B"])
    assert client.post("/profile/calendar").status_code == 400
    assert calendar.feed_of(world.directors["B"]) is None
    calendar.generate(world.directors["B"])
    assert client.post("/profile/calendar/disable").status_code == 400
    assert calendar.feed_of(world.directors["B"]) is not None


def test_the_journal_names_the_calendar_actions(app, client, world):
    calendar.generate(world.directors["A"])
    calendar.generate(world.directors["A"])
    calendar.disable(world.directors["A"])
    login(client, world.directors["A"])
    page = text_of(client.get("/audit/"))
    for label in ("Abonnement calendrier créé", "Abonnement calendrier désactivé",
                  "Adresse de l'abonnement calendrier régénérée"):
        assert label in page


# --- Tokens that are not live -------------------------------------------------------------

def test_unknown_tokens_get_the_same_404(app, client, world):
    _, raw = calendar.generate(world.technicians["A"])
    answers = [client.get(feed_path(t)) for t in (
        "cal_" + "A" * 43, raw[:-1], raw.removeprefix("cal_"), "x", "cal_" + "B" * 200)]
    assert {r.status_code for r in answers} == {404}
    assert len({r.get_data() for r in answers}) == 1  # nothing tells them apart
    assert not any(r.mimetype == "text/calendar" for r in answers)
    assert client.get(feed_path(raw)).status_code == 200


def test_a_deactivated_account_has_no_feed(app, client, world, work):
    me = world.directors["A"]
    _, raw = calendar.generate(me)
    me.active = False  # whatever the way: the feed follows the account
    db.session.commit()
    assert client.get(feed_path(raw)).status_code == 404
    me.active = True
    db.session.commit()
    assert client.get(feed_path(raw)).status_code == 200
    # Deactivated by the coordinator: the address is revoked with the API tokens,
    # and reactivation does not bring it back.
    set_active(world.coordinator, me, False)
    assert client.get(feed_path(raw)).status_code == 404
    set_active(world.coordinator, me, True)
    assert client.get(feed_path(raw)).status_code == 404
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "calendar.revoke")).one()
    assert entry.actor_id is None and "désactivation" in entry.reason


def test_a_new_password_revokes_the_address(app, client, world):
    from gic.auth.passwords import reset_password, reset_token
    me = world.technicians["B"]
    _, raw = calendar.generate(me)
    reset_password(reset_token(me), "un-nouveau-mot-de-passe", "192.0.2.1")
    assert client.get(feed_path(raw)).status_code == 404


# --- In a real calendar client ------------------------------------------------------------

def test_khal_reads_the_feed(app, client, world, work, tmp_path):
    """Debian's khal prints the feed's events (``khal printics``)."""
    require_tool("khal", "khal")
    _, raw = calendar.generate(world.technicians["A"])
    path = tmp_path / "gic.ics"
    path.write_bytes(client.get(feed_path(raw)).get_data())
    config = tmp_path / "khal.conf"
    (tmp_path / "cal").mkdir()
    config.write_text(f"[calendars]\n[[gic]]\npath = {tmp_path / 'cal'}\n"
                      "[locale]\ndefault_timezone = Europe/Paris\nlocal_timezone = Europe/Paris\n"
                      "timeformat = %H:%M\ndateformat = %Y-%m-%d\n"
                      "longdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\n"
                      "longdatetimeformat = %Y-%m-%d %H:%M\n")
    result = subprocess.run(["khal", "-c", str(config), "printics", str(path)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "4 events found" in result.stdout
    assert "2026-03-10 08:00-2026-03-10 10:00 Intervention Établissement A → " \
           "Établissement B (sur site)" in result.stdout.replace("\u00a0", " ")
