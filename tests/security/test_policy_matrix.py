"""The policy's tables (gic.policy) against the authorization matrix
(tests/security/matrix*.py), issue 17 item 2.

The matrix stays the black-box proof: HTTP answers, role by role. Here, each route
whose permission gate is one action of the policy names it (:data:`GATES`), and for
every role of the matrix ``can(user, action, obj)`` must agree with the declared
answer: allowed where the route lets the role through (2xx, 302, or a refusal of the
body or of a rule: 409, 422), refused where it answers 403. A 404 is the scope's
answer (another groupement's or establishment's object), decided before the
permission: not compared. Anonymous callers may do nothing.

Every action of the policy gates a route here, or only shapes what a page shows
(:data:`SHOWN`, each with the tests that prove it): a rule nobody checks fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gic import policy
from gic.equipment.models import Movement
from gic.extensions import db
from gic.interventions.models import Intervention, InterventionSession
from gic.meetings.models import Decision, Meeting
from gic.models import Establishment
from gic.trainings.models import Training
from tests.security.matrix import LOGIN, MATRIX, ROLES
from tests.security.test_authorization_matrix import base  # noqa: F401 (the matrix's world)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PASSED = {200, 201, 204, 302, 409, 422}  # through the gate: the body or a rule answered
SCOPE = 404


def _get(model, name: str):
    return lambda ctx: db.session.get(model, ctx.ids[name])


def _intervention(name: str):
    return _get(Intervention, name)


def _session_intervention(name: str):
    return lambda ctx: db.session.get(InterventionSession, ctx.ids[name]).intervention


def _decision_meeting(name: str):
    return lambda ctx: db.session.get(Decision, ctx.ids[name]).minutes.meeting


def _both(web: tuple[str, str], api: tuple[str, str], gate) -> dict:
    return {web: gate, api: gate}


# (endpoint, method) -> (action, the object it is asked about: ctx -> object, or None)
GATES: dict[tuple[str, str], tuple[str, object]] = {
    ("admin.index", "GET"): ("admin.manage", None),
    ("admin.create_establishment", "POST"): ("admin.manage", None),
    ("admin.create_user", "POST"): ("admin.manage", None),
    ("admin.edit_user", "GET"): ("admin.manage", None),
    ("admin.edit_user", "POST"): ("admin.manage", None),
    ("admin.deactivate_user", "POST"): ("admin.manage", None),
    ("admin.reactivate_user", "POST"): ("admin.manage", None),
    ("admin.send_reset_link", "POST"): ("admin.manage", None),
    ("api.create_establishment", "POST"): ("admin.manage", None),
    ("api.create_user", "POST"): ("admin.manage", None),
    ("api.list_users", "GET"): ("admin.manage", None),
    ("api.update_user", "PATCH"): ("admin.manage", None),
    ("admin.establishment_identity", "GET"): ("admin.read_identity", None),
    ("admin.establishment_identity", "POST"): ("admin.edit_identity", None),
    ("audit.index", "GET"): ("audit.read", None),
    ("billing.pair", "GET"): ("billing.read", None),
    ("billing.export_csv", "GET"): ("billing.read", None),
    ("billing.export_xlsx", "GET"): ("billing.read", None),
    ("api.billing", "GET"): ("billing.read", None),
    ("api.billing_csv", "GET"): ("billing.read", None),
    ("api.billing_xlsx", "GET"): ("billing.read", None),
    ("billing.documents", "GET"): ("billing.read_documents", None),
    ("billing.document_pdf", "GET"): ("billing.read_documents", None),
    ("billing.document_facturx", "GET"): ("billing.read_documents", None),
    ("billing.recovery_pack", "GET"): ("billing.read_documents", None),
    ("api.billing_documents", "GET"): ("billing.read_documents", None),
    ("api.billing_document_pdf", "GET"): ("billing.read_documents", None),
    ("api.billing_document_facturx", "GET"): ("billing.read_documents", None),
    ("api.billing_recovery_pack", "GET"): ("billing.read_documents", None),
    ("billing.close", "POST"): ("billing.close", None),
    ("api.close_year", "POST"): ("billing.close", None),
    ("billing.reopen", "POST"): ("billing.reopen", None),
    ("equipment.index", "GET"): ("equipment.read", None),
    ("equipment.out", "GET"): ("equipment.read", None),
    ("equipment.detail", "GET"): ("equipment.read", None),
    ("equipment.new", "GET"): ("equipment.record", None),
    ("equipment.new", "POST"): ("equipment.record", None),
    ("equipment.edit", "GET"): ("equipment.lend", _get(Movement, "loan_view")),
    ("equipment.edit", "POST"): ("equipment.lend", _get(Movement, "loan_edit")),
    ("equipment.delete", "POST"): ("equipment.lend", _get(Movement, "loan_delete")),
    ("equipment.record_return", "POST"): ("equipment.record_return",
                                          _get(Movement, "loan_return")),
    ("exchanges.index", "GET"): ("exchange.read", None),
    ("exchanges.new", "GET"): ("exchange.log", None),
    ("exchanges.new", "POST"): ("exchange.log", None),
    ("governance.procedures_index", "GET"): ("governance.follow", None),
    ("governance.procedure", "GET"): ("governance.follow", None),
    ("governance.vote", "POST"): ("governance.vote", None),
    ("governance.withdraw", "POST"): ("governance.manage_procedures", None),
    ("governance.close_vote", "POST"): ("governance.manage_procedures", None),
    ("governance.propose", "GET"): ("governance.manage_procedures", None),
    ("governance.propose", "POST"): ("governance.manage_procedures", None),
    ("governance.open_renewal", "POST"): ("governance.manage_procedures", None),
    ("governance.edit_card", "GET"): ("governance.edit_card", None),
    ("governance.edit_card", "POST"): ("governance.edit_card", None),
    ("governance.new_version", "GET"): ("governance.edit_versions", None),
    ("governance.preview_version", "POST"): ("governance.edit_versions", None),
    ("governance.create_version", "POST"): ("governance.edit_versions", None),
    ("governance.delete_version", "POST"): ("governance.edit_versions", None),
    ("interventions.new", "GET"): ("intervention.draft", None),
    ("interventions.new", "POST"): ("intervention.draft", None),
    ("api.create_intervention", "POST"): ("intervention.draft", None),
    **_both(("interventions.detail", "GET"), ("api.get_intervention", "GET"),
            ("intervention.view", _intervention("view"))),
    ("interventions.activate", "POST"): ("intervention.activate",
                                         _intervention("activate_web")),
    ("api.activate", "POST"): ("intervention.activate", _intervention("activate_api")),
    ("interventions.accept", "POST"): ("intervention.accept", _intervention("accept_web")),
    ("api.accept", "POST"): ("intervention.accept", _intervention("accept_api")),
    ("interventions.decline", "POST"): ("intervention.decline", _intervention("decline_web")),
    ("api.decline", "POST"): ("intervention.decline", _intervention("decline_api")),
    ("interventions.cancel", "POST"): ("intervention.cancel", _intervention("cancel_web")),
    ("api.cancel", "POST"): ("intervention.cancel", _intervention("cancel_api")),
    ("interventions.complete", "POST"): ("intervention.complete",
                                         _intervention("complete_web")),
    ("api.complete", "POST"): ("intervention.complete", _intervention("complete_api")),
    ("interventions.validate", "POST"): ("intervention.validate",
                                         _intervention("validate_web")),
    ("api.validate", "POST"): ("intervention.validate", _intervention("validate_api")),
    ("interventions.log_session", "POST"): ("intervention.log_session",
                                            _intervention("log_web")),
    ("api.log_session", "POST"): ("intervention.log_session", _intervention("log_api")),
    ("interventions.edit_session", "GET"): ("intervention.log_session",
                                            _session_intervention("session_edit")),
    ("interventions.edit_session", "POST"): ("intervention.log_session",
                                             _session_intervention("session_edit")),
    ("interventions.delete_session", "POST"): ("intervention.log_session",
                                               _session_intervention("session_delete_web")),
    ("api.update_session", "PATCH"): ("intervention.log_session",
                                      _session_intervention("session_patch")),
    ("api.delete_session", "DELETE"): ("intervention.log_session",
                                       _session_intervention("session_delete_api")),
    ("interventions.set_reference", "POST"): ("intervention.set_reference",
                                              _intervention("reference_web")),
    ("api.update_intervention", "PATCH"): ("intervention.set_reference",
                                           _intervention("reference_api")),
    ("meetings.new", "GET"): ("meeting.manage", None),
    ("meetings.new", "POST"): ("meeting.manage", None),
    ("meetings.edit", "GET"): ("meeting.manage", _get(Meeting, "open_meeting")),
    ("meetings.edit", "POST"): ("meeting.manage", _get(Meeting, "open_meeting")),
    ("meetings.status", "POST"): ("meeting.manage", _get(Meeting, "status_meeting")),
    ("meetings.start_minutes", "POST"): ("meeting.manage", _get(Meeting, "held_meeting")),
    ("meetings.detail", "GET"): ("meeting.view", _get(Meeting, "final_meeting")),
    ("meetings.ics", "GET"): ("meeting.view", _get(Meeting, "final_meeting")),
    ("meetings.minutes", "GET"): ("meeting.view", _get(Meeting, "final_meeting")),
    ("meetings.vote", "POST"): ("meeting.vote", _decision_meeting("decision_vote")),
    ("ordered.index", "GET"): ("ordered.read", None),
    ("ordered.year_page", "GET"): ("ordered.read", None),
    ("ordered.document_pdf", "GET"): ("ordered.read", None),
    ("ordered.save_orders", "POST"): ("ordered.manage", None),
    ("ordered.record_vote", "POST"): ("ordered.manage", None),
    ("ordered.issue_calls", "POST"): ("ordered.manage", None),
    ("ordered.cancel_vote", "POST"): ("ordered.manage", None),
    ("ordered.save_expenses", "POST"): ("ordered.manage", None),
    ("ordered.regularise", "POST"): ("ordered.manage", None),
    ("ordered.set_participation", "POST"): ("ordered.manage", None),
    ("reports.index", "GET"): ("report.read", None),
    ("reports.year", "GET"): ("report.read", None),
    ("api.bilan", "GET"): ("report.read", None),
    ("reports.new_draft", "POST"): ("report.prepare", None),
    ("reports.draft", "POST"): ("report.prepare", None),
    ("reports.publish", "POST"): ("report.publish", None),
    ("secondments.new", "GET"): ("secondment.propose", None),
    ("secondments.new", "POST"): ("secondment.propose", None),
    ("standins.index", "GET"): ("standin.name", None),
    ("standins.index", "POST"): ("standin.name", None),
    ("standins.end", "POST"): ("standin.name", None),
    ("techfiles.edit", "GET"): ("techfile.edit", _get(Establishment, "techfile_B")),
    ("techfiles.edit", "POST"): ("techfile.edit", _get(Establishment, "techfile_B")),
    ("techfiles.upload", "POST"): ("techfile.edit", _get(Establishment, "techfile_B")),
    ("techfiles.delete_attachment", "POST"): ("techfile.edit",
                                              _get(Establishment, "techfile_B")),
    ("techfiles.reads", "GET"): ("techfile.read_log", _get(Establishment, "techfile_B")),
    ("techfiles.purge", "POST"): ("techfile.read_log", _get(Establishment, "techfile_B")),
    ("trainings.new", "GET"): ("training.organise", None),
    ("trainings.new", "POST"): ("training.organise", None),
    ("trainings.edit", "GET"): ("training.change", _get(Training, "training_view")),
    ("trainings.edit", "POST"): ("training.change", _get(Training, "training_edit")),
    ("trainings.delete", "POST"): ("training.change", _get(Training, "training_delete")),
}

# Actions that gate no route of their own but shape a page (a list's scope, a label,
# a button, a script): action -> the test that proves what it shows.
SHOWN = {
    "audit.read_all": "tests/views/test_audit_views.py::test_entries_are_readable_in_french",
    "billing.read_all": "tests/services/test_billing_page.py::"
                        "test_the_accountant_reads_every_list_at_the_pages_asked",
    "billing.read_own": "tests/services/test_billing_page.py::test_a_director_reads_his_pairs_only",
    "calendar.all_sessions": "tests/views/test_calendar_feed.py::"
                             "test_each_role_sees_what_its_permissions_allow",
    "equipment.read_all": "tests/services/test_equipment.py::test_visibility",
    "exchange.read_all": "tests/services/test_exchanges.py::test_visibility",
    "intervention.work_offline": "tests/views/test_offline_views.py::"
                                 "test_scripts_are_files_only_for_the_technician_and_the_csp_"
                                 "stays_strict",
    "ordered.read_all": "tests/views/test_ordered_views.py::test_who_reads_the_page",
    "report.read_drafts": "tests/views/test_bilan_views.py::test_a_draft_is_the_coordinators_only",
    "report.highlight_own": "tests/views/test_bilan_published_views.py::"
                            "test_director_reads_the_whole_groupement_with_his_establishment_"
                            "highlighted",
    "secondment.read_all": "tests/services/test_secondments.py::"
                           "test_scope_parties_read_coordinator_and_accountant_too_others_404",
    "techfile.visit": "tests/views/test_techfiles_views.py::"
                      "test_access_of_the_assigned_technician_ends_with_the_intervention",
    "techfile.overview": "tests/views/test_techfiles_views.py::"
                         "test_the_coordinator_sees_how_complete_each_file_is_not_its_content",
}


def test_every_action_of_the_policy_gates_a_route_or_shapes_a_page():
    gated = {action for action, _ in GATES.values()}
    assert not gated & set(SHOWN)
    assert gated | set(SHOWN) == set(policy.RULES)
    assert set(GATES) <= set(MATRIX), "GATES names routes the matrix does not declare"
    for test in SHOWN.values():
        path, _, name = test.partition("::")
        assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), test


def test_the_tables_agree_with_the_matrix_role_by_role(app, base):  # noqa: F811
    """For each gated route and each role, ``can()`` says what the matrix's answer says."""
    ctx = base.acting_as("coordinator")
    disagreements, compared = [], 0
    for key, (action, load) in GATES.items():
        obj = load(ctx) if load else None
        for role in ROLES:
            expected = MATRIX[key].expect[role]
            user = ctx.user(role)
            allowed = policy.can(user, action, obj)
            if user is None:
                assert expected in (LOGIN, 401, 200), (key, role, expected)
                if allowed:
                    disagreements.append(f"{key} {action}: anonymous allowed")
                continue
            if expected == SCOPE:
                continue
            assert expected in PASSED | {403}, f"{key} as {role}: unexpected {expected}"
            compared += 1
            if allowed != (expected in PASSED):
                disagreements.append(f"{key[1]} {key[0]} as {role}: the matrix answers "
                                     f"{expected}, can({action!r}) says {allowed}")
    assert not disagreements, "\n".join(disagreements)
    assert compared >= 1000, compared
