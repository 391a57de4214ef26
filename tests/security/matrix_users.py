"""Authorization rows of the user lifecycle (issue 12, item 7; see tests/security/matrix.py).

The coordinator manages the people of his groupement (another groupement's
coordinator finds nobody: 404; every other role: 403). « Mot de passe oublié »
and reset links are for anyone: a link names its account, whoever opens it.
"""

from __future__ import annotations

from tests.security.matrix import Route, api, coordinator_only, web, who

UID = "user_id"


def _people(ok):
    """The coordinator's work on a person of the first groupement."""
    return web(logged=403, coordinator=ok, other_coord=404)


def _edit_form(ctx) -> dict:
    return {"name": "Nom corrigé", "role": "technician",
            "establishment_id": str(ctx.world.establishments["C"].id)}


ROUTES = {
    ("auth.forgot_password", "GET"): Route(who(anon=200, logged=200)),
    # Same answer for every e-mail; an unknown one here (nothing is sent).
    ("auth.forgot_password", "POST"): Route(who(anon=302, logged=302),
                                            body={"email": "personne@exemple.test"}),
    # A valid link of another groupement's technician opens its form for anyone…
    ("auth.reset_password", "GET"): Route(who(anon=200, logged=200),
                                          args={"token": "reset_token"}),
    # …and a forged one is refused (a valid POST is tested in tests/views).
    ("auth.reset_password", "POST"): Route(who(anon=400, logged=400),
                                           args={"token": "forged_reset_token"},
                                           body={"password": "un-mot-de-passe",
                                                 "confirm": "un-mot-de-passe"}),
    ("admin.edit_user", "GET"): Route(_people(200), args={UID: "user_edit"}),
    ("admin.edit_user", "POST"): Route(_people(302), args={UID: "user_edit"},
                                       body=_edit_form),
    ("admin.deactivate_user", "POST"): Route(_people(302), args={UID: "user_deactivate"}),
    ("admin.reactivate_user", "POST"): Route(_people(302), args={UID: "user_reactivate"}),
    ("admin.send_reset_link", "POST"): Route(_people(302), args={UID: "user_reset"}),
    ("api.list_users", "GET"): Route(coordinator_only(200, maker=api)),
    ("api.update_user", "PATCH"): Route(api(logged=403, coordinator=200, other_coord=404),
                                        args={UID: "user_patch"}, body={"name": "Nom API"}),
}


def build(ctx) -> None:
    """One person of C per action (one deactivated, to reactivate), and reset links."""
    from gic.auth.passwords import reset_token
    from gic.extensions import db
    from gic.models import Role
    from tests.conftest import add_user
    world = ctx.world
    for name in ("user_edit", "user_deactivate", "user_reactivate", "user_reset",
                 "user_patch"):
        user = add_user(world.groupement, f"{name.replace('_', '.')}@gic65.test",
                        Role.TECHNICIAN, world.establishments["C"], f"Cible {name}")
        user.active = name != "user_reactivate"
        ctx.ids[name] = user.id
    db.session.commit()
    token = reset_token(ctx.other.technicians["X"])
    ctx.ids["reset_token"] = token
    ctx.ids["forged_reset_token"] = token[:-4] + ("AAAA" if not token.endswith("AAAA")
                                                  else "BBBB")


def owned(tables, gid) -> dict:
    """The login addresses of the groupement's people."""
    from sqlalchemy import select
    users = select(tables["user"].c.id).where(tables["user"].c.groupement_id == gid)
    return {"login_address": tables["login_address"].c.user_id.in_(users)}
