"""The bilan pages: list of years, one year's bilan (page and PDF), draft and publish.

Every member of the groupement reads the published versions, coordinators the
drafts too (:func:`services.check_reader` and :func:`services.visible_version`
decide); a year with no version the reader may see is a 404. Forms post to one
service each; its refusal is flashed in French.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from gic import timeutil
from gic.convention.rules import is_plausible_year
from gic.errors import Forbidden, InvalidField, NotFound
from gic.forms import MAX_INT
from gic.pages import back_to
from gic.policy import can
from gic.reports import bp, services
from gic.reports.forms import DraftForm, NewDraftForm, PublishForm
from gic.reports.present import bilan_pdf, page_context, pdf_response


def _current_year() -> int:
    return timeutil.local_today(current_user.groupement.timezone).year


def _version_or_abort(year: int):
    """The version of ``year`` the page shows (``?version=n`` or the latest visible)."""
    version = request.args.get("version", type=int)
    if version is not None and not 1 <= version <= MAX_INT:
        abort(404)
    try:
        return services.visible_version(current_user, year, version)
    except Forbidden:
        abort(403)
    except (InvalidField, NotFound):  # an implausible year, or nothing to read
        if (can(current_user, "report.prepare") and version is None
                and is_plausible_year(year)):
            return None
        abort(404)


def _render_index(form: NewDraftForm, status: int = 200):
    try:
        years = services.bilan_years(current_user)
    except Forbidden:
        abort(403)
    return render_template("reports/index.html", years=years, form=form,
                           current_year=_current_year()), status


@bp.route("/")
@login_required
def index():
    """The years with a bilan the reader may see, and their status."""
    return _render_index(NewDraftForm(year=_current_year() - 1))


@bp.route("/draft", methods=["POST"])
@login_required
@back_to(".index")
def new_draft():
    """The coordinator prepares the draft of the year chosen on the index page."""
    form = NewDraftForm()
    if not form.validate_on_submit():
        if not can(current_user, "report.prepare"):
            abort(403)
        return _render_index(form, status=422)
    return _draft(form.year.data)


def _draft(year: int):
    draft = services.refresh_draft(current_user, year)  # refused: back to the index
    flash(gettext("Brouillon du bilan %(year)s à jour (version %(version)s).", year=year,
                  version=draft.version), "success")
    return redirect(url_for("reports.year", year=year))


@bp.route("/<int:year>")
@login_required
def year(year: int):
    """The bilan of ``year``: the latest version the reader may see."""
    version = _version_or_abort(year)
    if version is None:  # a coordinator, no version yet: offer to prepare it (still a 404)
        return render_template("reports/missing.html", year=year, form=DraftForm(),
                               current_year=_current_year()), 404
    return render_template(
        "reports/year.html", **page_context(version, current_user),
        versions=services.versions_of_year(current_user, year),
        year_ended=services.year_ended(current_user.groupement, year),
        draft_form=DraftForm(), publish_form=PublishForm())


@bp.route("/<int:year>.pdf")
@login_required
def pdf(year: int):
    """The same bilan as an A4 PDF (charts included)."""
    version = _version_or_abort(year)
    if version is None:
        abort(404)
    return pdf_response(version, bilan_pdf(version, current_user))


@bp.route("/<int:year>/draft", methods=["POST"])
@login_required
@back_to(".index")
def draft(year: int):
    """The coordinator generates or recomputes the draft of ``year``."""
    if not DraftForm().validate_on_submit():
        abort(400)
    return _draft(year)


@bp.route("/<int:year>/publish", methods=["POST"])
@login_required
@back_to(".year")
def publish(year: int):
    """The coordinator publishes the draft: frozen, and each director notified."""
    if not PublishForm().validate_on_submit():
        abort(400)
    version = services.publish(current_user, year)  # refused: back to the year
    flash(gettext("Bilan %(year)s publié (version %(version)s) : chaque direction a été "
                  "notifiée.", year=year, version=version.version), "success")
    return redirect(url_for("reports.year", year=year))
