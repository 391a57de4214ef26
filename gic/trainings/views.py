"""Pages of the common trainings: the list, organise one, its page, correct, remove.

Thin handlers: load (or 404) -> check the form's shape -> call one service ->
flash -> redirect. A refusal is rolled back and shown on its field in the reader's language,
with its status (403, 409, 422), what the user typed kept.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import login_required

from gic.errors import DomainError, Forbidden
from gic.extensions import db
from gic.pages import load, me, paginate, refusal_page, refused
from gic.policy import authorize
from gic.registers import today_of
from gic.trainings import bp, services
from gic.trainings.forms import ButtonForm, training_form
from gic.trainings.models import Training

PER_PAGE = 25


def _load(training_id: int) -> Training:
    return load(services.get_training, training_id)


@bp.route("/")
@login_required
def index():
    """The groupement's trainings, newest first (25 a page), with their attendance."""
    user = me()
    page = paginate(services.with_attendance(services.visible_trainings(user)), PER_PAGE)
    return render_template("trainings/index.html", page=page,
                           today=today_of(user.groupement_id))


def _form_page(form, training: Training | None, groups, status: int = 200,
               error: str | None = None):
    return render_template("trainings/form.html", form=form, training=training, groups=groups,
                           error=error), status


def _save(training: Training | None):
    """The form page of a new training (``None``) or of a change, and its POST."""
    user = me()
    keep = [a.user_id for a in training.attendees] if training else []
    groups = services.people_by_establishment(user.groupement_id, keep)
    eids = [e.id for e, _ in groups]
    data = None
    if training is not None:
        data = {"topic": str(training.topic), "title": training.title, "date": training.date,
                "start_time": training.start_time, "trainer": training.trainer,
                "duration_minutes": training.duration_minutes, "place": training.place,
                "notes": training.notes, "attendees": keep,
                **{f"guests_{g.establishment_id}": g.count for g in training.guests}}
    form = training_form(eids, data=data)
    if not form.is_submitted():
        if training is None:
            form.date.data = today_of(user.groupement_id)
        return _form_page(form, training, groups)
    if not form.validate():
        what = (gettext("Formation non modifiée : corrigez les champs signalés.") if training
                else gettext("Formation non enregistrée : corrigez les champs signalés."))
        return _form_page(form, training, groups, 422, what)
    try:
        if training is None:
            training = services.create_training(user, **form.values(eids))
        else:
            services.update_training(training, user, **form.values(eids))
    except DomainError as error:
        return _form_page(form, training if training and training.id else None, groups,
                          refused(error, form), error.message)
    flash(gettext("Formation « %(title)s » enregistrée.", title=training.title), "success")
    return redirect(url_for(".detail", training_id=training.id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The coordinator or a director records a common training."""
    try:
        authorize(me(), "training.organise")
    except Forbidden as refusal:
        return refusal_page(refusal)
    return _save(None)


def _detail_page(t: Training, status: int = 200, error: str | None = None):
    t = db.session.scalars(services.with_attendance(
        services.visible_trainings(me()).where(Training.id == t.id))).one()
    by_establishment: dict[int, dict] = {}
    for a in t.attendees:
        row = by_establishment.setdefault(a.establishment_id, {
            "name": a.establishment.name, "people": [], "guests": 0})
        row["people"].append(a.user.name)
    for g in t.guests:
        row = by_establishment.setdefault(g.establishment_id, {
            "name": g.establishment.name, "people": [], "guests": 0})
        row["guests"] = g.count
    rows = sorted(by_establishment.values(), key=lambda r: r["name"])
    return render_template("trainings/detail.html", t=t, rows=rows, error=error,
                           can_change=services.can_change(me(), t),
                           button=ButtonForm(formdata=None)), status


@bp.route("/<int:training_id>")
@login_required
def detail(training_id: int):
    """One training: topic, date, trainer, attendees per establishment, person-hours."""
    return _detail_page(_load(training_id))


@bp.route("/<int:training_id>/edit", methods=["GET", "POST"])
@login_required
def edit(training_id: int):
    """Correct a training (its organiser or the coordinator, year not closed)."""
    t = _load(training_id)
    try:
        services.authorize_change(t, me())
    except DomainError as error:
        return _detail_page(t, refused(error), error.message)
    return _save(t)


@bp.post("/<int:training_id>/delete")
@login_required
def delete(training_id: int):
    """Remove a training recorded by mistake."""
    t = _load(training_id)
    if not ButtonForm().validate_on_submit():
        return _detail_page(t, 400, gettext("Le formulaire a expiré : rechargez la page."))
    try:
        services.delete_training(t, me())
    except DomainError as error:
        return _detail_page(t, refused(error), error.message)
    flash(gettext("Formation supprimée."), "success")
    return redirect(url_for(".index"))
