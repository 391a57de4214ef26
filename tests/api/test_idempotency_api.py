"""``Idempotency-Key`` on POST /interventions/{id}/sessions (issue 14): a replay of a
stored key answers 200 with the stored session and changes nothing."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from gic.extensions import db
from gic.interventions.models import InterventionSession
from tests.api.conftest import error_of
from tests.helpers import accepted

BODY = {"date": "2025-03-03", "start": "08:00", "end": "10:00", "mode": "onsite",
        "notes": "Onduleur"}


def count_sessions() -> int:
    return db.session.scalar(select(func.count(InterventionSession.id)))


def test_a_replayed_key_answers_the_stored_session_with_200(api, world):
    i = accepted(world)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(f"/interventions/{i.id}/sessions", i.technician, json=BODY, headers=key)
    again = api.post(f"/interventions/{i.id}/sessions", i.technician, json=BODY, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count_sessions() == 1
    other = api.post(f"/interventions/{i.id}/sessions", i.technician,
                     json={**BODY, "start": "10:00", "end": "11:00"})
    assert other.status_code == 201 and count_sessions() == 2  # no key: a new session


def test_the_same_key_with_other_values_or_no_uuid_is_refused(api, world):
    i = accepted(world)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    api.post(f"/interventions/{i.id}/sessions", i.technician, json=BODY, headers=key)
    conflict = api.post(f"/interventions/{i.id}/sessions", i.technician,
                        json={**BODY, "end": "11:00"}, headers=key)
    assert conflict.status_code == 409
    assert error_of(conflict)["code"] == "idempotency_conflict"
    bad = api.post(f"/interventions/{i.id}/sessions", i.technician,
                   json={**BODY, "start": "12:00", "end": "13:00"},
                   headers={"Idempotency-Key": "42"})
    assert bad.status_code == 422 and error_of(bad)["field"] == "Idempotency-Key"
    assert count_sessions() == 1
