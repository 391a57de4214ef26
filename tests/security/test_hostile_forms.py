"""Hostile input on the web forms (issue 5, item 3): the answer is the form again
with its errors (200 or a 4xx), the « Requête invalide » page for a NUL byte, or
the success redirect; never a 500. A refusal changes nothing in the database, and
markup typed into a field never comes back unescaped.

Each form starts from valid values with some fields replaced by the hostile
values of :mod:`tests.security.test_hostile_api` (encoded as a browser would,
lone surrogates as invalid UTF-8), unknown fields added, or fields dropped.
"""

from __future__ import annotations

import email
import email.policy
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from gic.auth.models import LoginAddress
from gic.extensions import db
from gic.meetings import minutes as steps
from gic.meetings import services as meetings
from gic.models import LoginFailure
from gic.timeutil import local_today
from tests.api.conftest import Api
from tests.conftest import PASSWORD, login
from tests.security.test_hostile_api import (
    DATES,
    HOSTILE,
    MARKUP,
    SAFE_TEXT,
    TIMES,
    VALID_DATES,
    VALID_TIMES,
    Scene,
    assert_unchanged,
    hostile_text,
    one_example,
    snapshot,
)

# Hundreds of hostile values through every form.
pytestmark = pytest.mark.slow

FORM_VALUES = st.one_of(hostile_text(), st.sampled_from(DATES + TIMES + MARKUP),
                        st.integers().map(str),
                        st.sampled_from(["", "on", "y", "None", str(2**31), str(2**63),
                                         "-1", "1e309"]))


def encode(fields: dict[str, str | list[str]]) -> bytes:
    """``application/x-www-form-urlencoded`` as a browser sends it; a lone surrogate
    becomes the invalid UTF-8 bytes it would be (``surrogatepass``)."""
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(quote(name.encode("utf-8", "surrogatepass"), safe="") + "="
                         + quote(item.encode("utf-8", "surrogatepass"), safe=""))
    return "&".join(parts).encode("ascii")


def mutated(base: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    """``base`` with some fields replaced (or given several values), dropped, or
    unknown fields added."""
    def mutate(values, overrides, dropped, repeated):
        body = {k: v for k, v in values.items() if k not in dropped}
        body.update(overrides)
        for name in repeated:
            if name in body and not isinstance(body[name], list):
                body[name] = [body[name], "x"]
        return body

    return base.flatmap(lambda b: st.builds(
        mutate, st.just(b),
        st.dictionaries(st.sampled_from(sorted(b)) | st.sampled_from(
            ["state", "groupement_id", "csrf_token", "id"]), FORM_VALUES, max_size=3),
        st.sets(st.sampled_from(sorted(b)), max_size=2),
        st.sets(st.sampled_from(sorted(b)), max_size=1)))


class FormScene(Scene):
    """The API scene plus a meeting with its minutes in draft, logged-in clients."""

    def __init__(self, app, world, api: Api):
        super().__init__(world, api)
        self.app = app
        self.clients = {}
        for key, user in (("tech_A", world.technicians["A"]), ("tech_B", world.technicians["B"]),
                          ("dir_A", world.directors["A"]), ("coord", world.coordinator)):
            client = app.test_client()
            assert login(client, user).status_code == 302
            self.clients[key] = client
        past = meetings.plan_meeting(world.coordinator, kind="technicians",
                                     day=local_today() - timedelta(days=30),
                                     title=None, start=time(14, 0), duration_minutes=120,
                                     place="Salle du conseil")
        self.minutes_url = (f"/meetings/{past.id}/minutes/"
                            f"{steps.start_minutes(past, world.coordinator).version}")


@pytest.fixture
def fscene(app, world, client) -> FormScene:
    return FormScene(app, world, Api(client))


def form_targets(s: FormScene) -> dict:
    """target -> (client key, url maker, base fields)."""
    ids = {k: str(v) for k, v in s.ids.items()}
    session = st.fixed_dictionaries({"date": VALID_DATES, "start": VALID_TIMES,
                                     "end": st.just("20:00"),
                                     "mode": st.sampled_from(["onsite", "remote"]),
                                     "notes": SAFE_TEXT})
    return {
        "new": ("tech_B", lambda: "/interventions/new", st.fixed_dictionaries({
            "provider_id": st.just(ids["A"]), "axis": st.sampled_from(["2", "3"]),
            "nature": st.sampled_from(["incident", "deployment"]), "description": SAFE_TEXT,
            "urgency": st.sampled_from(["normal", "high"]),
            "estimated_onsite_minutes": st.sampled_from(["1:00", "7 h 30", "45 min", ""]),
            "estimated_remote_minutes": st.sampled_from(["0", "2"])})),
        "session": ("tech_A", lambda: f"/interventions/{s.logging()}/sessions", session),
        "edit_session": ("tech_A", lambda: f"/interventions/sessions/{s.patchable()}/edit",
                         session),
        "accept": ("dir_A", lambda: f"/interventions/{s.active()}/accept",
                   st.fixed_dictionaries({"technician_id": st.just(
                       str(s.user_ids["tech_A"]))})),
        "decline": ("dir_A", lambda: f"/interventions/{s.active()}/decline",
                    st.fixed_dictionaries({"reason": SAFE_TEXT})),
        "complete": ("tech_A", lambda: f"/interventions/{s.worked()}/complete",
                     st.fixed_dictionaries({"report": SAFE_TEXT})),
        "establishment": ("coord", lambda: "/admin/establishments", st.fixed_dictionaries({
            "est-name": SAFE_TEXT, "est-finess": st.from_regex(r"\A(?:\d{2}|2A)\d{7}\Z")})),
        "user": ("coord", lambda: "/admin/users", st.fixed_dictionaries({
            "user-email": st.from_regex(r"\A[a-z]{1,12}@[a-z]{1,8}\.fr\Z"),
            "user-name": SAFE_TEXT,
            "user-role": st.sampled_from(["technician", "director", "coordinator"]),
            "user-establishment_id": st.just(ids["C"]),
            "user-password": st.just("mot-de-passe-long")})),
        "meeting": ("coord", lambda: "/meetings/new", st.fixed_dictionaries({
            "kind": st.sampled_from(["technicians", "directors"]), "title": SAFE_TEXT,
            "day": st.sampled_from(["2026-12-10", "2027-01-15"]), "start": VALID_TIMES,
            "duration_minutes": st.sampled_from(["2:00", "1 h 30", "45 min"]),
            "place": SAFE_TEXT, "video_url": st.sampled_from(["", "https://visio.test/gic"]),
            "invitees": st.just([str(s.user_ids["tech_A"])]),
            "agenda": SAFE_TEXT})),
        "decision": ("coord", lambda: s.minutes_url + "/decisions", st.fixed_dictionaries({
            "text": SAFE_TEXT, "needs_unanimity": st.sampled_from(["", "y"])})),
        "action": ("coord", lambda: s.minutes_url + "/actions", st.fixed_dictionaries({
            "text": SAFE_TEXT, "owner_id": st.just(str(s.user_ids["tech_A"])),
            "due_date": VALID_DATES})),
    }


def assert_no_raw_markup(fields: dict, page: str) -> None:
    """Markup typed in a field is shown escaped (or not at all), never as tags."""
    for value in fields.values():
        for item in value if isinstance(value, list) else [value]:
            for markup in MARKUP:
                if markup in item and "<" in markup:
                    assert markup not in page, markup


@pytest.mark.parametrize("target", ["new", "session", "edit_session", "accept", "decline",
                                    "complete", "establishment", "user", "meeting",
                                    "decision", "action"])
def test_hostile_forms_answer_the_form_and_refusals_change_nothing(fscene, target):
    who, url_of, base = form_targets(fscene)[target]
    client = fscene.clients[who]
    url = url_of()  # makes the intervention once: every example is rolled back

    @HOSTILE
    @given(fields=mutated(base))
    def run(fields):
        assert url_of() == url  # the previous examples left the scene as made
        with one_example(fscene) as before:
            response = client.post(url, data=encode(fields),
                                   content_type="application/x-www-form-urlencoded")
            event(f"{target}: {response.status_code}")
            assert response.status_code in (200, 302, 400, 403, 409, 422), \
                response.status_code
            if response.status_code == 302:
                page = client.get(response.headers["Location"])
                assert page.status_code == 200
                assert_no_raw_markup(fields, page.get_data(as_text=True))
                return
            page = response.get_data(as_text=True)
            if response.status_code == 400:
                assert "Requête invalide" in page  # the NUL guard, before any form
            else:
                assert "<form" in page  # the form again, saying what is wrong
                assert 'class="error"' in page or "flash-error" in page
            assert_no_raw_markup(fields, page)
            db.session.rollback()
            assert_unchanged(before, snapshot())

    run()


# --- Login ----------------------------------------------------------------------------

@HOSTILE
@given(fields=mutated(st.fixed_dictionaries({
    "email": st.sampled_from(["tech.a@gic65.test", "nobody@gic65.test", "TECH.A@GIC65.TEST"]),
    "password": st.sampled_from([PASSWORD, "wrong-password"])})),
    address=st.ip_addresses().map(str))
def test_hostile_login_is_the_form_or_a_login_and_only_counts_a_failure(app, world, fields,
                                                                         address):
    # A login remembers its address (login_address): only a success may add one.
    skip = frozenset({"login_failure", "login_address"})
    before = snapshot(skip_tables=skip)
    failures = db.session.scalar(select(func.count(LoginFailure.id)))
    addresses = db.session.scalar(select(func.count(LoginAddress.id)))
    client = app.test_client()
    response = client.post("/login", data=encode(fields),
                           content_type="application/x-www-form-urlencoded",
                           environ_base={"REMOTE_ADDR": address})
    event(f"login: {response.status_code}")
    assert response.status_code in (200, 302, 400, 429), response.status_code
    page = response.get_data(as_text=True)
    assert_no_raw_markup(fields, page)
    db.session.rollback()
    assert_unchanged(before, snapshot(skip_tables=skip))
    added = db.session.scalar(select(func.count(LoginFailure.id))) - failures
    if response.status_code != 302:
        assert db.session.scalar(select(func.count(LoginAddress.id))) == addresses
    if response.status_code == 302:
        assert client.get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200
    elif response.status_code == 400:
        assert "Requête invalide" in page and added == 0
    else:
        assert '<form' in page and "Mot de passe" in page
        assert added <= 1
        if response.status_code == 429:
            assert added == 0 and "Trop de tentatives" in page


@pytest.mark.emails
def test_a_title_with_line_breaks_still_sends_every_invitation_on_one_line(app, fscene):
    """Found by these tests: a meeting title sent with CR/LF (a crafted request: the
    browser's one-line field cannot) made every invitation e-mail fail, since an
    e-mail header is one line; the subject is now flattened when the mail is written."""
    outbox = Path(app.config["MAIL_OUTBOX"])
    sent_before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    response = fscene.clients["coord"].post("/meetings/new", data=encode({
        "kind": "technicians", "title": "Réunion\r\nBcc: evil@example.com", "day": "2026-12-10",
        "start": "14:00", "duration_minutes": "2:00", "place": "Salle 2"}),
        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    mails = sorted(set(outbox.glob("*.eml")) - sent_before)
    assert len(mails) == len(fscene.world.technicians)  # every invitee got his e-mail
    for mail in mails:
        message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
        subject = str(message["Subject"])
        assert "Réunion Bcc: evil@example.com" in subject and "\n" not in subject
        assert message["Bcc"] is None and message["To"].endswith("@gic65.test")
