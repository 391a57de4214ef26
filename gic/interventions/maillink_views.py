"""The page an e-mail's action link opens (issue 13, item 2; :mod:`maillinks`).

No login: the signed link names its person. GET (and HEAD) show a one-screen
confirmation with what the e-mail showed, never more; only the page's POST, with
its CSRF token, acts, through the step's service with the link's person as actor
(his permission as of now), audited « depuis le lien de l'e-mail ». Acting does
not log anyone in. The answers are neither cached, indexed nor sent as referrer.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import force_locale, gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm

from gic.audit.services import via
from gic.errors import DomainError
from gic.extensions import db
from gic.interventions import bp, maillinks, mails, notices, services
from gic.interventions.forms import AcceptForm, ActionForm, DeclineForm

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
                   "X-Robots-Tag": "noindex, nofollow"}
ENDPOINT = "interventions.email_action"

FORMS = {"activate": ActionForm, "accept": AcceptForm, "decline": DeclineForm,
         "validate": ActionForm}
QUESTIONS = {"activate": lazy_gettext("Activer la demande ?"),
             "accept": lazy_gettext("Accepter la demande ?"),
             "decline": lazy_gettext("Refuser la demande ?"),
             "validate": lazy_gettext("Valider les heures ?")}
BUTTONS = {"activate": lazy_gettext("Activer la demande"),
           "accept": lazy_gettext("Accepter et affecter"),
           "decline": lazy_gettext("Refuser la demande"),
           "validate": lazy_gettext("Valider les heures")}
CALLS = {
    "activate": lambda i, user, form: services.activate(i, user),
    "accept": lambda i, user, form: services.accept(i, user, form.technician_id.data),
    "decline": lambda i, user, form: services.decline(i, user, form.reason.data),
    "validate": lambda i, user, form: services.validate(i, user),
}
DONE = {
    "activate": lazy_gettext("Demande activée : l'établissement prestataire peut maintenant y "
                             "répondre."),
    "accept": lazy_gettext("Demande acceptée : le technicien affecté est prévenu."),
    "decline": lazy_gettext("Demande refusée : le motif est transmis à l'établissement "
                            "bénéficiaire."),
    "validate": lazy_gettext("Heures validées : elles entrent dans la facturation."),
}


@bp.after_request
def _private(response):
    """The link's token is in the URL: no cache keeps the page, no search engine
    lists it, no other site learns it as referrer (error pages included)."""
    if request.endpoint == ENDPOINT:
        response.headers.update(PRIVATE_HEADERS)
    return response


def _page(status: int, **values):
    return render_template("interventions/email_action.html", **values), status


@bp.route("/email/<token>", methods=["GET", "POST"])
def email_action(token: str):
    """Confirm, then do, the action of an e-mail's link (see the module's docstring)."""
    visitor = current_user._get_current_object() if current_user.is_authenticated else None
    try:
        link = maillinks.read(token, visitor)
    except maillinks.LinkRefused as refusal:
        db.session.rollback()
        if refusal.language is None:  # not even known whose link it is
            return _page(refusal.status, refusal=refusal.message)
        with force_locale(refusal.language):
            return _page(refusal.status, refusal=refusal.message)
    with force_locale(link.user.language.value):  # the page of his e-mail, in his language
        return _confirm_or_act(link)


def _confirm_or_act(link: maillinks.EmailLink):
    """The confirmation page of a valid link, or the step done on its POST."""
    i, user = link.intervention, link.user
    form: FlaskForm = FORMS[link.action]()
    if link.action == "accept":
        form.set_choices(services.assignable_technicians(i))
        if not form.is_submitted() and link.technician_id:
            form.technician_id.data = link.technician_id
    status, error = 200, None
    if form.is_submitted():
        status = 422
        if form.validate():
            state = str(i.state)
            try:
                with via("email"):
                    CALLS[link.action](i, user, form)
            except DomainError as refusal:
                db.session.rollback()
                if refusal.code == "wrong_state":  # another step won the race
                    return _page(410, refusal=maillinks.what_happened(i, state))
                status, error = refusal.status, refusal.message
                if refusal.field and refusal.field in form:
                    form[refusal.field].errors = [*form[refusal.field].errors, error]
            else:
                return _page(200, done=str(DONE[link.action]), i=i)
        else:
            error = gettext("Rien n'est fait : corrigez le champ signalé.")
    return _page(status, i=i, user=user, action=link.action, form=form, error=error,
                 question=str(QUESTIONS[link.action]), button=str(BUTTONS[link.action]),
                 facts=mails.stakes(i, user), excerpt=notices.excerpt(i))
