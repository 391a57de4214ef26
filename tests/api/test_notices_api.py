"""The API's workflow steps notify like the web's: both call the same services."""

from __future__ import annotations

from sqlalchemy import select

from gic.extensions import db
from gic.notifications.models import Notification
from tests.api.flows import accepted, draft, finish, log


def notified(key: str) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Notification.user_id).where(Notification.key == key)))


def test_each_api_step_tells_whose_move_it_is(api, world):
    i = accepted(api, world)
    key = f"intervention:{i['id']}"
    assert notified(f"{key}:create") == {world.directors["B"].id}
    assert notified(f"{key}:activate") == {world.directors["A"].id}
    assert notified(f"{key}:accept") == {world.technicians["A"].id}
    assert log(api, world, i, "2025-03-03", "08:00", "10:00").status_code == 201
    finish(api, world, i)
    assert notified(f"{key}:complete") == {world.directors["B"].id}
    assert notified(f"{key}:validate") == {world.directors["A"].id, world.technicians["A"].id}
    # The directors see it in their notifications, with the request's page as link.
    [n] = db.session.scalars(select(Notification).where(Notification.key == f"{key}:complete"))
    assert n.link == f"/interventions/{i['id']}" and f"n° {i['id']}" in n.subject


def test_an_api_decline_tells_the_drafter_and_the_beneficiary_s_directors(api, world):
    i = draft(api, world)
    assert api.post(f"/interventions/{i['id']}/activate", world.directors["B"]).status_code == 200
    response = api.post(f"/interventions/{i['id']}/decline", world.directors["A"],
                        json={"reason": "Pas de technicien disponible."})
    assert response.status_code == 200, response.get_json()
    assert notified(f"intervention:{i['id']}:decline") == {world.technicians["B"].id,
                                                           world.directors["B"].id}
