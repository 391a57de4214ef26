"""Interventions pages: list, draft, detail with the next actions, sessions.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal (:class:`gic.errors.DomainError`) is rolled back,
shown in French on the page (and on the field it names), and answered with its
status (403, 409, 422) without redirecting, so what the user typed is kept.
"""

from __future__ import annotations

import uuid

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload

from gic import timeutil
from gic.admin.services import establishments_of
from gic.api.errors import domain_error, json_error
from gic.api.serializers import session_json
from gic.audit.present import ACTION_LABELS
from gic.audit.services import steps_of
from gic.convention import rules
from gic.convention.cap import cap_status
from gic.convention.ledger import intervention_billing
from gic.errors import DomainError, Forbidden, NotFound
from gic.formatting import long_date
from gic.interventions import (
    bp,
    services,
    sheet,
)
from gic.interventions.forms import (
    AcceptForm,
    ActionForm,
    CompleteForm,
    DeclineForm,
    DraftForm,
    FilterForm,
    LogSessionForm,
    ReferenceForm,
    SessionForm,
)
from gic.interventions.models import Intervention, InterventionSession, State
from gic.interventions.permissions import (
    DRAFT_REFUSAL,
    can_set_reference,
    next_actions,
    on_behalf,
)
from gic.models import User
from gic.ordered.consumption import order_status
from gic.pages import load, paginate
from gic.pages import me as _me
from gic.pages import refused as _refused
from gic.policy import authorize, can
from gic.secondments import services as secondments

PER_PAGE = 25
FILTER_FIELDS = {"year": "year", "state": "state", "establishment_id": "establishment"}

NEXT_STEPS = {
    State.DRAFT: lazy_gettext("En attente d'activation par la direction de l'établissement "
                              "%(beneficiary)s."),
    State.ACTIVE: lazy_gettext("En attente de la réponse de la direction de l'établissement "
                               "%(provider)s (acceptation avec un technicien, ou refus motivé)."),
    State.ACCEPTED: lazy_gettext("%(technician)s (%(provider)s) intervient : saisie du temps "
                                 "passé, puis fin de l'intervention avec un compte rendu."),
    State.COMPLETED: lazy_gettext("Intervention terminée : en attente de la validation des "
                                  "heures par la direction de l'établissement %(beneficiary)s."),
    State.VALIDATED: lazy_gettext("Heures validées par la direction de l'établissement "
                                  "%(beneficiary)s : elles sont prises en compte dans la "
                                  "facturation."),
    State.DECLINED: lazy_gettext("Demande refusée par la direction de l'établissement "
                                 "%(provider)s. Rien d'autre à faire."),
    State.CANCELLED: lazy_gettext("Demande annulée. Rien d'autre à faire."),
}


def _load(intervention_id: int) -> Intervention:
    return load(services.get_intervention, intervention_id)


def _load_session(session_id: int) -> InterventionSession:
    return load(services.get_session, session_id)



# --- List -------------------------------------------------------------------

@bp.route("/")
@login_required
def index():
    """Interventions the user may see, filtered (year, state, establishment), 25 a page."""
    me = _me()
    form = FilterForm(request.args)
    form.set_choices(establishments_of(me))
    filters = {k: request.args[k] for k in FILTER_FIELDS.values() if request.args.get(k)}
    page, status, error = None, 200, None
    if form.validate():
        try:
            stmt = services.filter_interventions(
                services.visible_interventions(me), year=form.year.data,
                state=form.state.data or None, establishment_id=form.establishment.data)
        except DomainError as refusal:
            status = _refused(refusal, form, FILTER_FIELDS)
            error = refusal.message
        else:
            stmt = stmt.options(selectinload(Intervention.beneficiary),
                                selectinload(Intervention.provider),
                                selectinload(Intervention.technician))
            page = paginate(stmt, PER_PAGE)
    else:
        status, error = 422, gettext("Filtre invalide : corrigez la valeur signalée.")
    return render_template("interventions/index.html", form=form, page=page, error=error,
                           filters=filters), status


# --- Draft ------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Draft a request for one's own establishment (technician or director)."""
    me = _me()
    if not can(me, "intervention.draft"):
        flash(str(DRAFT_REFUSAL), "error")
        return render_template("error.html", code=403), 403
    form = DraftForm()
    form.set_choices([e for e in establishments_of(me) if e.id != me.establishment_id],
                     rules.AXES)
    attachable = secondments.attachable_secondments(me)
    form.set_secondments(attachable)
    chosen = [s for s in attachable if str(s.id) == request.args.get("secondment_id")]
    if chosen and not form.is_submitted():  # « Nouvelle demande sous ce détachement »
        form.secondment_id.data, form.provider_id.data = chosen[0].id, chosen[0].provider_id
    status, error = 200, None
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                i = services.create_draft(
                    me, provider_id=form.provider_id.data, axis=form.axis.data,
                    nature=form.nature.data, description=form.description.data,
                    urgency=form.urgency.data or "normal",
                    estimated_onsite_minutes=form.estimated_onsite_minutes.data or 0,
                    estimated_remote_minutes=form.estimated_remote_minutes.data or 0,
                    secondment_id=form.secondment_id.data,
                    beneficiary_reference=form.beneficiary_reference.data)
            except DomainError as refusal:
                status, error = _refused(refusal, form), refusal.message
            else:
                flash(gettext("%(title)s enregistrée en brouillon. La direction de "
                              "l'établissement %(name)s doit maintenant l'activer.",
                              title=i.title, name=i.beneficiary.name), "success")
                return redirect(url_for(".detail", intervention_id=i.id))
        else:
            error = gettext("La demande n'est pas enregistrée : corrigez les champs signalés.")
    return render_template("interventions/new.html", form=form, error=error), status


# --- Detail -----------------------------------------------------------------

def _render_detail(i: Intervention, *, status: int = 200, refusal: str | None = None,
                   cap_refused: bool = False, **posted: FlaskForm):
    """The detail page with the forms of the user's next actions (``posted`` kept);
    ``cap_refused``: the refusal is the cap's, the page offers a secondment."""
    me = _me()
    actions = next_actions(me, i)
    forms: dict[str, FlaskForm] = {
        "action": ActionForm(formdata=None),
        "accept": AcceptForm(formdata=None),
        "decline": DeclineForm(formdata=None),
        "complete": CompleteForm(formdata=None),
        "reference": ReferenceForm(formdata=None,
                                   data={"beneficiary_reference": i.beneficiary_reference}),
        "session": LogSessionForm(formdata=None, data={
            "date": timeutil.local_today(me.groupement.timezone), "mode": rules.Mode.ONSITE.value,
            "client_uuid": str(uuid.uuid4())}),
    }
    forms.update(posted)
    if "accept" in actions:
        forms["accept"].set_choices(services.assignable_technicians(i))
    sessions = i.sessions
    totals = i.totals()
    next_step = str(NEXT_STEPS[i.state]) % {
        "beneficiary": i.beneficiary.name, "provider": i.provider.name,
        "technician": i.technician.name if i.technician else gettext("Le technicien")}
    reference = can_set_reference(me, i)
    shown = _shown_form(posted, [*actions, *(["set_reference"] if reference else [])])
    on_field = shown and any(refusal in errors for errors in forms[shown].errors.values())
    return render_template("interventions/detail.html", i=i, actions=actions, forms=forms,
                           can_set_reference=reference,
                           sessions=sessions, totals=totals, next_step=next_step,
                           billed=intervention_billing(me, i), cap=cap_status(i),
                           order=order_status(i),
                           refusal=refusal, cap_refused=cap_refused, posted=shown,
                           steps=steps_of(i), step_labels=ACTION_LABELS,
                           standin=_standin_on(me, i, actions),
                           refusal_in_form=None if on_field else refusal), status


def _standin_on(me: User, i: Intervention, actions: list[str]):
    """The stand-in through which ``me`` may act on ``i`` now (the page says for
    which direction), or None."""
    for action in actions:
        standin = on_behalf(action, me, i)
        if standin is not None:
            return standin
    return None


# The forms with fields, by the action that shows them: a refusal of one of them is
# shown in it, and its action URL ends with its #id (see the template).
FORM_ACTIONS = {"accept": "accept", "decline": "decline", "session": "log_session",
                "complete": "complete", "reference": "set_reference"}


def _shown_form(posted: dict[str, FlaskForm], actions) -> str | None:
    """The posted form, if the page shows it (a forbidden action's form is not shown:
    its refusal then goes at the top of the page). In the form, the refusal is shown
    above the fields unless it is already on one of them."""
    key = next(iter(posted), None)
    return key if FORM_ACTIONS.get(key) in actions else None


@bp.route("/<int:intervention_id>")
@login_required
def detail(intervention_id: int):
    """One intervention: parties, state, what happens next, sessions, allowed actions."""
    return _render_detail(_load(intervention_id))


def _act(intervention_id: int, key: str, form: FlaskForm, call, success):
    """Run one workflow step from a POSTed form; refusals re-render the page.
    ``success``: the message, or a function of the intervention giving it."""
    i = _load(intervention_id)
    if key == "accept":
        form.set_choices(services.assignable_technicians(i))
    if not form.validate_on_submit():
        return _render_detail(i, status=422, refusal=gettext(
            "Action non effectuée : corrigez les champs signalés."), **{key: form})
    try:
        call(i, form)
    except DomainError as error:
        status = _refused(error, form)
        return _render_detail(i, status=status, refusal=error.message,
                              cap_refused=error.code == "cap_exceeded", **{key: form})
    flash(success(i) if callable(success) else str(success), "success")
    return redirect(url_for(".detail", intervention_id=i.id))


@bp.post("/<int:intervention_id>/activate")
@login_required
def activate(intervention_id: int):
    """The beneficiary's director activates the request."""
    return _act(intervention_id, "action", ActionForm(),
                lambda i, f: services.activate(i, _me()),
                lazy_gettext("Demande activée : l'établissement prestataire peut maintenant "
                             "y répondre."))


@bp.post("/<int:intervention_id>/accept")
@login_required
def accept(intervention_id: int):
    """The provider's director accepts and assigns a technician."""
    return _act(intervention_id, "accept", AcceptForm(),
                lambda i, f: services.accept(i, _me(), f.technician_id.data),
                lazy_gettext("Demande acceptée : le technicien affecté peut saisir son temps "
                             "passé."))


@bp.post("/<int:intervention_id>/decline")
@login_required
def decline(intervention_id: int):
    """The provider's director declines with a reason."""
    return _act(intervention_id, "decline", DeclineForm(),
                lambda i, f: services.decline(i, _me(), f.reason.data),
                lazy_gettext("Demande refusée : le motif est visible par l'établissement "
                             "bénéficiaire."))


@bp.post("/<int:intervention_id>/cancel")
@login_required
def cancel(intervention_id: int):
    """Cancel a request on which no time was logged."""
    return _act(intervention_id, "action", ActionForm(),
                lambda i, f: services.cancel(i, _me()), lazy_gettext("Demande annulée."))


def _complete(i: Intervention, form: CompleteForm) -> None:
    services.complete(i, _me(), form.report.data,
                      signatory_name=form.signatory_name.data,
                      signatory_signature=form.signatory_signature.data,
                      technician_signature=form.technician_signature.data)


@bp.post("/<int:intervention_id>/complete")
@login_required
def complete(intervention_id: int):
    """The assigned technician completes with a report, and the signed sheet if both
    signed on the screen."""
    return _act(intervention_id, "complete", CompleteForm(), _complete, lambda i: (
        gettext("Intervention terminée avec sa fiche signée, enregistrée en PDF : la "
                "direction bénéficiaire doit valider les heures.") if i.sheet is not None
        else gettext("Intervention terminée : la direction bénéficiaire doit valider les "
                     "heures.")))


@bp.get("/<int:intervention_id>/fiche.pdf")
@login_required
def sheet_pdf(intervention_id: int):
    """The signed sheet as stored (the same bytes at each download), for whoever
    sees the intervention; 404 otherwise or when there is none."""
    try:
        i, signed = services.signed_sheet(_me(), intervention_id)
    except NotFound:
        abort(404)
    return Response(signed.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{sheet.file_name(i)}"'})


@bp.post("/<int:intervention_id>/reference")
@login_required
def set_reference(intervention_id: int):
    """The beneficiary's staff gives its internal reference for the request."""
    return _act(intervention_id, "reference", ReferenceForm(),
                lambda i, f: services.set_reference(i, _me(), f.beneficiary_reference.data),
                lazy_gettext("Référence interne enregistrée."))


@bp.post("/<int:intervention_id>/validate")
@login_required
def validate(intervention_id: int):
    """The beneficiary's director validates the hours."""
    return _act(intervention_id, "action", ActionForm(),
                lambda i, f: services.validate(i, _me()),
                lazy_gettext("Heures validées : elles entrent dans la facturation."))


# --- Sessions ---------------------------------------------------------------

def _session_values(form: SessionForm) -> dict:
    return {"day": form.date.data, "start": form.start.data, "end": form.end.data,
            "mode": form.mode.data, "notes": form.notes.data or ""}


def _say_repeated_hour(form: SessionForm) -> None:
    """The night of the autumn change, which 02:xx was counted (real minutes)."""
    note = rules.repeated_time_note(form.date.data, [form.start.data, form.end.data],
                                    _me().groupement.timezone)
    if note:
        flash(note, "info")


def _log_session(i, form: LogSessionForm) -> None:
    try:
        services.log_session(i, _me(), client_uuid=form.client_uuid.data,
                             **_session_values(form))
    except DomainError as error:
        # The form shown again is a new entry: its next sending must not be taken for
        # the replay of this one (whose UUID may be stored: « same key, other values »).
        form.client_uuid.data = str(uuid.uuid4())
        if error.field == "client_uuid":  # hidden: the message goes above the fields
            error.field = None
        raise
    _say_repeated_hour(form)


@bp.post("/<int:intervention_id>/sessions")
@login_required
def log_session(intervention_id: int):
    """The assigned technician logs a session (refused: nothing stored, input kept).
    Asked for JSON (the offline outbox's replay), it answers JSON."""
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
            "application/json":
        return _log_session_json(intervention_id)
    return _act(intervention_id, "session", LogSessionForm(), _log_session,
                lazy_gettext("Temps passé enregistré."))


def _log_session_json(intervention_id: int):
    """The outbox's replay of one entry (same form, CSRF token and rules as the page):
    201 with the session, 200 if its UUID was already stored (nothing changes), or
    the JSON error of SPEC §8 with the refusal in French (and ``remaining_minutes``
    for the cap), which the page shows on the entry."""
    form = LogSessionForm()
    try:
        i = services.get_intervention(_me(), intervention_id)
        if not form.validate_on_submit():
            fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
            first = next(iter(fields.values()), [gettext("Champ invalide.")])[0]
            return json_error(422, "invalid_field",
                              gettext("Séance non enregistrée : %(error)s", error=first),
                              field=next(iter(fields), None), fields=fields)
        s, created = services.log_session_once(
            i, _me(), client_uuid=form.client_uuid.data, **_session_values(form))
    except DomainError as error:
        return domain_error(error)
    # Shown by the page the outbox reloads once its entries are sent.
    flash(gettext("Séance du %(day)s (%(start)s–%(end)s) saisie hors ligne : envoyée, temps "
                  "passé enregistré.", day=long_date(s.date), start=s.start_time.strftime("%H:%M"),
                  end=s.end_time.strftime("%H:%M")), "success")
    return jsonify({"session": session_json(s), "created": created}), 201 if created else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    """Change a session under the same rules as logging it."""
    me = _me()
    s = _load_session(session_id)
    i = s.intervention
    if "log_session" not in next_actions(me, i):
        try:
            authorize(me, "intervention.log_session", i)
        except Forbidden as error:
            return _render_detail(i, status=403, refusal=error.message)
        return _render_detail(i, status=409, refusal=gettext(
            "Cette séance ne peut plus être modifiée : la demande est à l'état « %(state)s ».",
            state=i.state.label))
    form = SessionForm(data={"date": s.date, "start": s.start_time, "end": s.end_time,
                             "mode": s.mode, "notes": s.notes})
    status, error, cap_refused = 200, None, False
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                services.update_session(s, me, **_session_values(form))
            except DomainError as refusal:
                status, error = _refused(refusal, form), refusal.message
                cap_refused = refusal.code == "cap_exceeded"
            else:
                _say_repeated_hour(form)
                flash(gettext("Séance modifiée."), "success")
                return redirect(url_for(".detail", intervention_id=i.id))
        else:
            error = gettext("Séance non modifiée : corrigez les champs signalés.")
    return render_template("interventions/session_edit.html", s=s, i=i, form=form,
                           error=error, cap_refused=cap_refused), status


@bp.post("/sessions/<int:session_id>/delete")
@login_required
def delete_session(session_id: int):
    """Remove a session (same rules: state, closed year, assigned technician)."""
    s = _load_session(session_id)
    i = s.intervention
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.delete_session(s, _me())
        except DomainError as error:
            return _render_detail(i, status=_refused(error), refusal=error.message)
        flash(gettext("Séance supprimée."), "success")
    return redirect(url_for(".detail", intervention_id=i.id))
