"""Authorization rows of the common trainings (see tests/security/matrix.py).

Every member of the groupement reads its trainings (the accountant too); the
coordinator and directors organise; the coordinator and the organising director
(A's) change them; other groupements do not know them (404).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.security.matrix import Route, web

TID = "training_id"


def _organiser_only(ok):
    return web(logged=403, coordinator=ok, dir_A=ok, other_coord=404, other_dir=404)


def _training_form(ctx) -> dict:
    """Attendees of the first groupement: refused (422) to another groupement's people."""
    world = ctx.world
    return {"topic": "security", "title": "Sensibilisation à l'hameçonnage",
            "date": "2026-10-06", "start_time": "14:00", "duration_minutes": "2 h",
            "trainer": "Cyber-Occitanie", "place": "Salle du conseil", "notes": "",
            "attendees": [str(world.technicians["A"].id)],
            f"guests_{world.establishments['B'].id}": "3"}


ROUTES = {
    ("trainings.index", "GET"): Route(web(logged=200)),
    ("trainings.new", "GET"): Route(web(logged=403, dirs=200, coordinator=200, other=200)),
    ("trainings.new", "POST"): Route(web(logged=403, dirs=302, coordinator=302, other=422),
                                     body=_training_form),
    ("trainings.detail", "GET"): Route(web(logged=200, other=404), args={TID: "training_view"}),
    ("trainings.edit", "GET"): Route(_organiser_only(200), args={TID: "training_view"}),
    ("trainings.edit", "POST"): Route(_organiser_only(302), args={TID: "training_edit"},
                                      body=_training_form),
    ("trainings.delete", "POST"): Route(_organiser_only(302), args={TID: "training_delete"}),
}


def build(ctx) -> None:
    """Trainings organised by A's director, attended by B's technician."""
    from gic.trainings.services import create_training
    from tests.security.test_authorization_matrix import MARK
    world = ctx.world
    for name in ("training_view", "training_edit", "training_delete"):
        ctx.ids[name] = create_training(
            world.directors["A"], topic="network", title=f"Wi-Fi {MARK}", day=date(2026, 6, 9),
            duration_minutes=120, trainer=MARK, notes=MARK,
            attendee_ids=[world.technicians["B"].id],
            guests={world.establishments["C"].id: 2}).id


def owned(tables, gid) -> dict:
    """The attendance rows of the groupement's trainings."""
    trainings = select(tables["training"].c.id).where(tables["training"].c.groupement_id == gid)
    return {"training_attendee": tables["training_attendee"].c.training_id.in_(trainings),
            "training_guests": tables["training_guests"].c.training_id.in_(trainings)}
