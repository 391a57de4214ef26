"""Issue 16, item 4: in the ordered-hours model, the cap alerts' job tells the
beneficiary's directors when its sessions reach 80 %, then 100 %, of its hours
ordered — once per level and year; the per-intervention model keeps its cap alerts."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from gic.extensions import db
from gic.jobs import run_job
from gic.jobs.models import JobStatus
from gic.notifications.models import Notification
from tests.helpers import accepted, session
from tests.ordered_helpers import H, make_ordered
from tests.services.test_ordered_consumption import order

TODAY = date(2026, 11, 23)


def alerts() -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(
        Notification.kind.in_(("order_alert", "cap_alert"))).order_by(Notification.id)))


def test_alerts_at_80_then_100_percent_of_the_hours_ordered(world, other_world):
    make_ordered(world, overrun_allowed=False)
    order(world, "B", 10 * H)
    i = accepted(world)
    session(world, i, date(2026, 11, 2), "08:00", "15:00", mode="remote")  # 7 h = 70 %
    assert run_job("cap_alerts", TODAY).status == JobStatus.OK
    assert alerts() == []

    session(world, i, date(2026, 11, 3), "08:00", "09:00")  # 8 h = 80 %
    for _ in range(2):  # the second run sends nothing
        assert run_job("cap_alerts", TODAY).status == JobStatus.OK
    [alert] = alerts()
    b = world.establishments["B"]
    assert (alert.user_id, alert.kind, alert.key) == (
        world.directors["B"].id, "order_alert", f"order:{b.id}:2026:80")
    assert alert.subject == "Heures commandées : 80 % consommés pour Établissement B (2026)"
    assert "8 h 00 / 10 h 00 heures commandées, soit 80 %" in alert.body
    assert "Il reste 2 h 00 commandées." in alert.body
    assert alert.link == "/billing/2026"

    session(world, i, date(2026, 11, 4), "08:00", "10:00")  # 10 h = 100 %
    run_job("cap_alerts", TODAY + timedelta(days=1))
    full = alerts()[-1]
    assert full.key == f"order:{b.id}:2026:100"
    assert full.subject == "Heures commandées atteintes pour Établissement B (2026)"
    assert "10 h 00 / 10 h 00" in full.body
    assert "ne permet pas de les dépasser" in full.body
    assert {n.user_id for n in alerts()} == {world.directors["B"].id}


def test_an_allowed_overrun_is_announced_as_such(world):
    make_ordered(world, overrun_allowed=True)
    order(world, "C", 2 * H)
    i = accepted(world, "A", "C")
    session(world, i, date(2026, 11, 2), "08:00", "12:00")  # 200 %: only the 100 % alert
    run_job("cap_alerts", TODAY)
    [alert] = alerts()
    assert alert.key == f"order:{world.establishments['C'].id}:2026:100"
    assert "La convention permet de les dépasser" in alert.body


def test_the_cap_is_no_longer_watched_in_an_ordered_year(world):
    make_ordered(world)
    order(world, "B", 100 * H)
    i = accepted(world)
    for day in range(2, 7):  # 35 h on site: the cap of the per-intervention model
        session(world, i, date(2026, 3, day), "08:00", "15:00")
    run_job("cap_alerts", TODAY)
    assert alerts() == []  # 35 % of the hours ordered, and no cap alert
