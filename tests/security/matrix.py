"""The declared authorization matrix: for every route of the app and every role,
the answer expected (read by ``test_authorization_matrix.py``).

Roles: anonymous; technician and director of A (the provider of the
interventions), of B (their beneficiary), of C (same groupement, not involved);
the groupement's accountant and coordinator; a coordinator and a director of
another groupement. Objects are A -> B interventions, meetings and minutes,
notifications and tokens of the first groupement (see the test's world).

An expectation is an HTTP status, or ``LOGIN`` (a redirect to the login page).
A plain 302 means a redirect anywhere but the login page (the action went
through). Every (endpoint, method) of ``app.url_map`` must be declared here:
a new route without its row fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

LOGIN = "login"

ROLES = ("anon", "tech_A", "dir_A", "tech_B", "dir_B", "tech_C", "dir_C",
         "accountant", "coordinator", "other_coord", "other_dir")
GROUPS = {
    "logged": ROLES[1:],
    "same": ROLES[1:9],
    "other": ("other_coord", "other_dir"),
    "techs": ("tech_A", "tech_B", "tech_C"),
    "dirs": ("dir_A", "dir_B", "dir_C"),
    # Who sees an A -> B intervention (SPEC §1); the others get 404 on it.
    "viewers": ("tech_A", "dir_A", "tech_B", "dir_B", "accountant", "coordinator"),
    "outsiders": ("tech_C", "dir_C", "other_coord", "other_dir"),
    # A draft is the beneficiary's business: the provider's people (A) do not see
    # it before B's director activates it (404, like any outsider).
    "draft_viewers": ("tech_B", "dir_B", "accountant", "coordinator"),
    "draft_outsiders": ("tech_A", "dir_A", "tech_C", "dir_C", "other_coord", "other_dir"),
    # Who reads a technicians' meeting of the first groupement.
    "meeting_readers": ("tech_A", "dir_A", "tech_B", "dir_B", "tech_C", "dir_C",
                        "coordinator"),
    "meeting_blind": ("accountant", "other_coord", "other_dir"),
}


def who(**spec: Any) -> dict[str, Any]:
    """Expectations per role from group or role names (later keys override)."""
    cells: dict[str, Any] = {}
    for name, expected in spec.items():
        for role in GROUPS.get(name, (name,)):
            if role not in ROLES:
                raise KeyError(f"unknown role or group {name!r}")
            cells[role] = expected
    missing = [role for role in ROLES if role not in cells]
    if missing:
        raise ValueError(f"roles without an expectation: {missing}")
    return cells


def web(**spec: Any) -> dict[str, Any]:
    """A page: anonymous visitors are sent to the login page."""
    return who(anon=LOGIN, **spec)


def api(**spec: Any) -> dict[str, Any]:
    """An API endpoint: anonymous callers get 401."""
    return who(anon=401, **spec)


def web_scoped(**allowed: Any) -> dict[str, Any]:
    """An action on an A -> B intervention: 403 for those who see it, 404 for the rest."""
    return web(viewers=403, outsiders=404, **allowed)


def api_scoped(**allowed: Any) -> dict[str, Any]:
    """The API twin of :func:`web_scoped`."""
    return api(viewers=403, outsiders=404, **allowed)


def web_draft(**allowed: Any) -> dict[str, Any]:
    """An action on an A -> B draft: 403 for those who see it, 404 for the rest
    (the provider A included)."""
    return web(draft_viewers=403, draft_outsiders=404, **allowed)


def api_draft(**allowed: Any) -> dict[str, Any]:
    """The API twin of :func:`web_draft`."""
    return api(draft_viewers=403, draft_outsiders=404, **allowed)


def coordinator_only(ok: Any, other_coord: Any | None = None, *, maker=web) -> dict[str, Any]:
    """Coordination work: the coordinator passes, every other role is refused (403);
    another groupement's coordinator acts in his own groupement (``other_coord``)."""
    return maker(logged=403, coordinator=ok,
                 other_coord=ok if other_coord is None else other_coord)


def minutes_draft(ok: Any) -> dict[str, Any]:
    """A minutes draft exists for the coordinator only: everyone else gets 404."""
    return web(logged=404, coordinator=ok)


@dataclass(frozen=True)
class Route:
    """One declared cell row: expectations, URL arguments (names of the test
    world's objects, or literal values) and the body sent (form, or JSON for the API)."""

    expect: dict[str, Any]
    args: dict[str, str | int] = field(default_factory=dict)
    body: dict[str, Any] | Callable[[Any], dict[str, Any]] | None = None


# --- Bodies: minimal valid input, so that only the permission gate decides -----

def _provider(ctx) -> int:
    """Another establishment than the caller's (A, or B for A's people);
    for another groupement's caller, an establishment of the first (refused)."""
    mine = getattr(ctx.me, "establishment_id", None)
    letter = "B" if mine == ctx.world.establishments["A"].id else "A"
    return ctx.world.establishments[letter].id


def _draft_form(ctx) -> dict:
    return {"provider_id": str(_provider(ctx)), "axis": "2", "nature": "incident",
            "description": "Imprimante du secrétariat en panne", "urgency": "normal",
            "estimated_onsite_minutes": "1:00", "estimated_remote_minutes": ""}


def _draft_json(ctx) -> dict:
    return {"provider_id": _provider(ctx), "axis": 2, "nature": "incident",
            "description": "Imprimante du secrétariat en panne"}


def _credentials(ctx) -> dict:
    """The caller's own; an anonymous visitor uses those of another groupement's
    technician (so that nothing of the first groupement changes)."""
    from tests.conftest import PASSWORD
    user = ctx.me or ctx.other.technicians["X"]
    return {"email": user.email, "password": PASSWORD}


def _user_form(ctx) -> dict:
    return {"user-email": "nouvelle.personne@exemple.test", "user-name": "Nouvelle personne",
            "user-role": "technician",
            "user-establishment_id": str(ctx.world.establishments["C"].id),
            "user-password": "un-mot-de-passe"}


def _user_json(ctx) -> dict:
    return {"email": "api.personne@exemple.test", "name": "Personne API", "role": "technician",
            "establishment_id": ctx.world.establishments["C"].id,
            "password": "un-mot-de-passe"}


def _meeting_form(ctx) -> dict:
    return {"kind": "technicians", "title": "Réunion de printemps", "day": "2026-12-10",
            "start": "15:00", "duration_minutes": "2:00", "place": "Salle 3",
            "video_url": "", "agenda": "Sauvegardes",
            "invitees": [str(ctx.world.technicians["A"].id)]}


def _presences(ctx) -> dict:
    return {f"presence_{row_id}": "excused" for row_id in ctx.ids["attendance_rows"]}


SESSION_FORM = {"date": "2025-06-02", "start": "09:00", "end": "10:00", "mode": "remote",
                "notes": ""}
SESSION_JSON = {"date": "2025-06-03", "start": "09:00", "end": "10:00", "mode": "remote"}


def _technician_form(ctx) -> dict:
    return {"technician_id": str(ctx.world.technicians["A"].id)}


def _technician_json(ctx) -> dict:
    return {"technician_id": ctx.world.technicians["A"].id}


# --- The table -------------------------------------------------------------------

IID = "intervention_id"
MID = "meeting_id"
DRAFT = {MID: "draft_meeting", "version": 1}

MATRIX: dict[tuple[str, str], Route] = {
    # Home, login, profile
    ("main.index", "GET"): Route(web(logged=200)),
    # The service worker and the manifest: static files, public (no data in them).
    ("main.service_worker", "GET"): Route(who(anon=200, logged=200)),
    ("main.manifest", "GET"): Route(who(anon=200, logged=200)),
    ("auth.login", "GET"): Route(who(anon=200, logged=302)),
    ("auth.login", "POST"): Route(who(anon=302, logged=302), body=_credentials),
    ("auth.logout", "POST"): Route(web(logged=LOGIN)),
    ("auth.profile", "GET"): Route(web(logged=200)),
    ("auth.profile", "POST"): Route(web(logged=200), body={"name": "script"}),
    ("auth.notifications", "POST"): Route(web(logged=302), body={"channel": "app"}),
    ("auth.language", "POST"): Route(web(logged=302), body={"language": "fr"}),
    # Someone else's token "does not exist" (404), like an unknown one.
    ("auth.revoke_token", "POST"): Route(web(logged=404, tech_B=302),
                                         args={"token_id": "token_B"}),

    # Coordination
    ("admin.index", "GET"): Route(coordinator_only(200)),
    ("admin.create_establishment", "POST"): Route(
        coordinator_only(302), body={"est-name": "EHPAD Les Pins", "est-finess": "650001234"}),
    # Another groupement's coordinator names an establishment of the first: refused.
    ("admin.create_user", "POST"): Route(coordinator_only(302, 422), body=_user_form),
    ("audit.index", "GET"): Route(web(logged=403, dirs=200, coordinator=200, other=200)),

    # Billing: accountants read and close, directors read their pairs, the
    # coordinator sees the closing state and reopens.
    ("billing.index", "GET"): Route(web(logged=302)),
    ("billing.year", "GET"): Route(web(logged=200, techs=403), args={"year": 2025}),
    # One pair's interventions: its two directors and the accountant; C's director
    # finds no such pair (404), nor does anyone of another groupement (SPEC §8).
    ("billing.pair", "GET"): Route(web(logged=403, other=404, accountant=200, dir_A=200,
                                       dir_B=200, dir_C=404),
                                   args={"year": 2025, "provider_id": "establishment_A",
                                         "beneficiary_id": "establishment_B"}),
    # Exports: the accountant's whole year, a director's own pairs (another
    # groupement's director gets his own groupement's).
    ("billing.export_csv", "GET"): Route(web(logged=403, accountant=200, dirs=200, other_dir=200),
                                         args={"year": 2025}),
    ("billing.export_xlsx", "GET"): Route(web(logged=403, accountant=200, dirs=200,
                                              other_dir=200), args={"year": 2025}),
    ("billing.close", "POST"): Route(web(logged=403, accountant=302), args={"year": 2024}),
    ("billing.reopen", "POST"): Route(coordinator_only(302), args={"year": 2022},
                                      body={"reason": "Erreur de saisie"}),

    # Bilan: every member reads published versions (technicians and accountants
    # too, SPEC §5), the coordinator drafts too; another groupement has no bilan
    # 2025 (404, nothing of the first leaks).
    ("reports.index", "GET"): Route(web(logged=200)),
    ("reports.year", "GET"): Route(web(same=200, other=404), args={"year": 2025}),
    ("reports.pdf", "GET"): Route(web(same=200, other=404), args={"year": 2025}),
    ("reports.new_draft", "POST"): Route(coordinator_only(302), body={"year": "2023"}),
    ("reports.draft", "POST"): Route(coordinator_only(302), args={"year": 2024}),
    ("reports.publish", "POST"): Route(coordinator_only(302), args={"year": 2024}),

    # Interventions (web)
    ("interventions.index", "GET"): Route(web(logged=200)),
    ("interventions.new", "GET"): Route(web(logged=403, techs=200, dirs=200, other_dir=200)),
    # Another groupement's director names a provider of the first: refused.
    ("interventions.new", "POST"): Route(web(logged=403, techs=302, dirs=302, other_dir=422),
                                         body=_draft_form),
    ("interventions.detail", "GET"): Route(web(viewers=200, outsiders=404),
                                           args={IID: "view"}),
    ("interventions.activate", "POST"): Route(web_draft(dir_B=302), args={IID: "activate_web"}),
    ("interventions.accept", "POST"): Route(web_scoped(dir_A=302), args={IID: "accept_web"},
                                            body=_technician_form),
    ("interventions.decline", "POST"): Route(web_scoped(dir_A=302), args={IID: "decline_web"},
                                             body={"reason": "Personne de disponible."}),
    ("interventions.cancel", "POST"): Route(web_draft(dir_B=302, tech_B=302),
                                            args={IID: "cancel_web"}),
    ("interventions.complete", "POST"): Route(web_scoped(tech_A=302), args={IID: "complete_web"},
                                              body={"report": "Serveur remis en service."}),
    ("interventions.validate", "POST"): Route(web_scoped(dir_B=302), args={IID: "validate_web"}),
    ("interventions.log_session", "POST"): Route(web_scoped(tech_A=302), args={IID: "log_web"},
                                                 body=SESSION_FORM),
    ("interventions.edit_session", "GET"): Route(web_scoped(tech_A=200),
                                                 args={"session_id": "session_edit"}),
    ("interventions.edit_session", "POST"): Route(
        web_scoped(tech_A=302), args={"session_id": "session_edit"},
        body={"date": "2025-02-10", "start": "13:00", "end": "14:00", "mode": "onsite",
              "notes": "Corrigé"}),
    ("interventions.delete_session", "POST"): Route(web_scoped(tech_A=302),
                                                    args={"session_id": "session_delete_web"}),

    # Meetings: the coordinator plans and writes; technicians read technicians'
    # meetings, directors every meeting; the accountant (not invited) nothing.
    ("meetings.index", "GET"): Route(web(logged=200)),
    ("meetings.new", "GET"): Route(coordinator_only(200)),
    # Another groupement's coordinator invites people of the first: refused.
    ("meetings.new", "POST"): Route(coordinator_only(302, 422), body=_meeting_form),
    ("meetings.detail", "GET"): Route(web(meeting_readers=200, meeting_blind=404),
                                      args={MID: "final_meeting"}),
    ("meetings.ics", "GET"): Route(web(meeting_readers=200, meeting_blind=404),
                                   args={MID: "final_meeting"}),
    ("meetings.edit", "GET"): Route(web(meeting_readers=403, meeting_blind=404, coordinator=200),
                                    args={MID: "open_meeting"}),
    ("meetings.edit", "POST"): Route(web(meeting_readers=403, meeting_blind=404, coordinator=302),
                                     args={MID: "open_meeting"}, body=_meeting_form),
    ("meetings.status", "POST"): Route(
        web(meeting_readers=403, meeting_blind=404, coordinator=302),
        args={MID: "status_meeting"}, body={"status": "held"}),
    ("meetings.start_minutes", "POST"): Route(
        web(meeting_readers=403, meeting_blind=404, coordinator=302), args={MID: "held_meeting"}),
    ("meetings.minutes", "GET"): Route(web(meeting_readers=200, meeting_blind=404),
                                       args={MID: "final_meeting", "version": 1}),
    ("meetings.minutes_pdf_file", "GET"): Route(web(meeting_readers=200, meeting_blind=404),
                                                args={MID: "final_meeting", "version": 1}),
    ("meetings.minutes_docx_file", "GET"): Route(web(meeting_readers=200, meeting_blind=404),
                                                 args={MID: "final_meeting", "version": 1}),
    ("meetings.edit_minutes", "GET"): Route(minutes_draft(200), args=DRAFT),
    ("meetings.edit_minutes", "POST"): Route(minutes_draft(302), args=DRAFT,
                                             body={"summary": "Tour de table."}),
    ("meetings.presences", "POST"): Route(minutes_draft(302), args=DRAFT, body=_presences),
    ("meetings.add_attendee", "POST"): Route(minutes_draft(302), args=DRAFT,
                                             body={"user_id": "", "name": "Invité extérieur",
                                                   "presence": "present"}),
    ("meetings.remove_attendee", "POST"): Route(minutes_draft(302),
                                                args={**DRAFT, "item_id": "attendance_remove"}),
    ("meetings.add_decision", "POST"): Route(minutes_draft(302), args=DRAFT,
                                             body={"text": "Acheter un onduleur"}),
    ("meetings.remove_decision", "POST"): Route(minutes_draft(302),
                                                args={**DRAFT, "item_id": "decision_remove"}),
    ("meetings.add_action", "POST"): Route(minutes_draft(302), args=DRAFT,
                                           body={"text": "Inventaire", "owner_id": "",
                                                 "due_date": ""}),
    ("meetings.action_done", "POST"): Route(minutes_draft(302),
                                            args={**DRAFT, "item_id": "action_done"},
                                            body={"done": "1"}),
    ("meetings.remove_action", "POST"): Route(minutes_draft(302),
                                              args={**DRAFT, "item_id": "action_remove"}),
    ("meetings.refresh", "POST"): Route(minutes_draft(302), args=DRAFT),
    ("meetings.finalise", "POST"): Route(minutes_draft(302),
                                         args={MID: "finalise_meeting", "version": 1}),
    # Votes on a draft's decision: member directors vote; the coordinator reads it
    # but may not vote; for anyone else the draft's decision does not exist.
    ("meetings.vote", "GET"): Route(web(logged=404, dirs=200, coordinator=200),
                                    args={"decision_id": "decision_vote"}),
    ("meetings.vote", "POST"): Route(web(logged=404, dirs=302, coordinator=403),
                                     args={"decision_id": "decision_vote"},
                                     body={"choice": "for", "comment": ""}),

    # Notifications: one's own only.
    ("notifications.index", "GET"): Route(web(logged=200)),
    ("notifications.read", "POST"): Route(web(logged=404, dir_B=302),
                                          args={"notification_id": "notification_B"}),
    ("notifications.read_all", "POST"): Route(web(logged=302)),

    # --- JSON API ------------------------------------------------------------------
    ("api.openapi", "GET"): Route(who(anon=200, logged=200)),
    ("api.create_token", "POST"): Route(who(anon=201, logged=201), body=_credentials),
    ("api.me", "GET"): Route(api(logged=200)),
    ("api.establishments", "GET"): Route(api(logged=200)),
    ("api.create_establishment", "POST"): Route(
        coordinator_only(201, maker=api), body={"name": "EHPAD API", "finess": "650005678"}),
    ("api.create_user", "POST"): Route(coordinator_only(201, 422, maker=api), body=_user_json),
    ("api.list_interventions", "GET"): Route(api(logged=200)),
    ("api.create_intervention", "POST"): Route(
        api(logged=403, techs=201, dirs=201, other_dir=422), body=_draft_json),
    ("api.get_intervention", "GET"): Route(api(viewers=200, outsiders=404), args={IID: "view"}),
    ("api.activate", "POST"): Route(api_draft(dir_B=200), args={IID: "activate_api"}),
    ("api.accept", "POST"): Route(api_scoped(dir_A=200), args={IID: "accept_api"},
                                  body=_technician_json),
    ("api.decline", "POST"): Route(api_scoped(dir_A=200), args={IID: "decline_api"},
                                   body={"reason": "Personne de disponible."}),
    ("api.cancel", "POST"): Route(api_draft(dir_B=200, tech_B=200), args={IID: "cancel_api"}),
    ("api.complete", "POST"): Route(api_scoped(tech_A=200), args={IID: "complete_api"},
                                    body={"report": "Serveur remis en service."}),
    ("api.validate", "POST"): Route(api_scoped(dir_B=200), args={IID: "validate_api"}),
    ("api.log_session", "POST"): Route(api_scoped(tech_A=201), args={IID: "log_api"},
                                       body=SESSION_JSON),
    ("api.update_session", "PATCH"): Route(api_scoped(tech_A=200),
                                           args={"session_id": "session_patch"},
                                           body={"notes": "Précision"}),
    ("api.delete_session", "DELETE"): Route(api_scoped(tech_A=204),
                                            args={"session_id": "session_delete_api"}),
    ("api.billing", "GET"): Route(api(logged=403, dirs=200, accountant=200, other_dir=200),
                                  args={"year": 2025}),
    ("api.billing_csv", "GET"): Route(api(logged=403, dirs=200, accountant=200, other_dir=200),
                                      args={"year": 2025}),
    ("api.billing_xlsx", "GET"): Route(api(logged=403, dirs=200, accountant=200, other_dir=200),
                                       args={"year": 2025}),
    ("api.close_year", "POST"): Route(api(logged=403, accountant=200), args={"year": 2023}),
    ("api.bilan", "GET"): Route(api(same=200, other=404), args={"year": 2025}),
    ("api.bilan_pdf", "GET"): Route(api(same=200, other=404), args={"year": 2025}),
}

# Routes that end the session: called last for each role.
LAST = ("auth.logout",)

# --- Rows declared by each area --------------------------------------------------
# ``tests/security/matrix_<area>.py`` declares its routes in ``ROUTES`` (same shape
# as MATRIX, built with the helpers above), may define ``build(ctx)`` adding the
# objects its URLs name to ``ctx.ids``, and ``owned(tables, gid)`` returning
# {table name: condition} for its tables without a ``groupement_id`` column (so the
# leak check compares them too).
AREA_MODULES = [import_module(f"tests.security.{path.stem}")
                for path in sorted(Path(__file__).parent.glob("matrix_*.py"))]
for _module in AREA_MODULES:
    _clash = set(_module.ROUTES) & set(MATRIX)
    assert not _clash, f"{_module.__name__} declares routes twice: {sorted(_clash)}"
    MATRIX.update(_module.ROUTES)
