"""The bilan's versions: who reads them, drafts refreshed, publication frozen.

A groupement-year has at most one draft, recomputed on demand (and by the
1 January job); publishing freezes it as version n, notifies every director,
and any later draft becomes version n + 1. Every member of the groupement reads
its published versions (SPEC §5: « remis auprès de chaque direction », and
everybody gets it: directors, technicians, accountants); coordinators read drafts
too and publish.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from gic import timeutil
from gic.audit.services import record
from gic.convention.rules import check_year
from gic.errors import NotFound, RuleRefused
from gic.extensions import db
from gic.models import ConventionVersion, Groupement, User
from gic.notifications.services import directors_of, notify
from gic.policy import authorize, can
from gic.reports import bp
from gic.reports.compute import compute_bilan
from gic.reports.models import BilanStatus, BilanVersion

log = logging.getLogger(__name__)

def check_reader(user: User) -> None:
    """Raise :class:`Forbidden` for a role that does not read the bilan."""
    authorize(user, "report.read")


def _visible(user: User) -> list:
    """Filters of the versions ``user`` may read (his groupement; published unless coordinator)."""
    filters = [BilanVersion.groupement_id == user.groupement_id]
    if not can(user, "report.read_drafts"):
        filters.append(BilanVersion.status == BilanStatus.PUBLISHED)
    return filters


def visible_version(user: User, year: int, version: int | None = None) -> BilanVersion:
    """The latest version of ``year`` the user may read (or the one asked for).

    Members see published versions only, coordinators drafts too; 404 when
    there is none (another groupement's bilan is never
    reachable: every lookup is within the user's own groupement).
    """
    check_reader(user)
    check_year(year)
    stmt = select(BilanVersion).where(*_visible(user), BilanVersion.year == year)
    if version is not None:
        stmt = stmt.where(BilanVersion.version == version)
    found = db.session.scalars(stmt.order_by(BilanVersion.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound(gettext("Aucun bilan %(year)s disponible.", year=year)
                       if can(user, "report.read_drafts")
                       else gettext("Le bilan %(year)s n'est pas publié.", year=year))
    return found


@dataclass(frozen=True)
class VersionInfo:
    """A version's heading, without its data (for lists)."""

    id: int
    year: int
    version: int
    status: BilanStatus
    computed_at: datetime
    published_at: datetime | None

    @property
    def is_published(self) -> bool:
        """True once frozen."""
        return self.status == BilanStatus.PUBLISHED


def _infos(*filters) -> list[VersionInfo]:
    rows = db.session.execute(
        select(BilanVersion.id, BilanVersion.year, BilanVersion.version, BilanVersion.status,
               BilanVersion.computed_at, BilanVersion.published_at)
        .where(*filters).order_by(BilanVersion.year.desc(), BilanVersion.version.desc()))
    return [VersionInfo(*row) for row in rows]


def versions_of_year(user: User, year: int) -> list[VersionInfo]:
    """Every version of ``year`` the user may read, newest first."""
    check_reader(user)
    return _infos(*_visible(user), BilanVersion.year == year)


def bilan_years(user: User) -> list[list[VersionInfo]]:
    """Per year (newest first), the versions the user may read, newest first."""
    check_reader(user)
    years: dict[int, list[VersionInfo]] = {}
    for info in _infos(*_visible(user)):
        years.setdefault(info.year, []).append(info)
    return list(years.values())


def _draft(groupement_id: int, year: int) -> BilanVersion | None:
    return db.session.scalars(select(BilanVersion).where(
        BilanVersion.groupement_id == groupement_id, BilanVersion.year == year,
        BilanVersion.status == BilanStatus.DRAFT)).first()


def generate_draft(groupement_id: int, year: int) -> BilanVersion:
    """Create or refresh the draft of ``year``; published versions are never touched.

    An existing draft is recomputed (and left as is when nothing changed); with
    no draft, a new one takes the next version number (n + 1 after version n
    was published). Commits.
    """
    check_year(year)
    data = compute_bilan(groupement_id, year)
    draft = _draft(groupement_id, year)
    if draft is not None:
        if draft.data != data:
            # Conditional: a draft published meanwhile stays frozen as published.
            db.session.execute(
                update(BilanVersion)
                .where(BilanVersion.id == draft.id, BilanVersion.status == BilanStatus.DRAFT)
                .values(data=data, computed_at=timeutil.utcnow())
                .execution_options(synchronize_session=False))
            db.session.commit()
            db.session.refresh(draft)
        return draft
    last = db.session.scalar(select(func.max(BilanVersion.version)).where(
        BilanVersion.groupement_id == groupement_id, BilanVersion.year == year)) or 0
    draft = BilanVersion(groupement_id=groupement_id, year=year, version=last + 1,
                         status=BilanStatus.DRAFT, data=data)
    db.session.add(draft)
    try:
        db.session.commit()
    except IntegrityError:  # another run created it meanwhile (one draft per year)
        db.session.rollback()
        draft = _draft(groupement_id, year)
        if draft is None:
            raise
    return draft





def refresh_draft(actor: User, year: int) -> BilanVersion:
    """The coordinator generates (or recomputes) the draft of a year already begun."""
    authorize(actor, "report.prepare")
    check_year(year)
    if year > timeutil.local_today(actor.groupement.timezone).year:
        raise RuleRefused(gettext("L'année %(year)s n'a pas commencé : pas de bilan à préparer.",
                                  year=year),
                          code="year_not_started")
    return generate_draft(actor.groupement_id, year)


def bilan_link(year: int) -> str:
    """The path of a year's bilan page (notifications link to it)."""
    return f"{bp.url_prefix}/{year}"


def year_ended(groupement: Groupement, year: int) -> bool:
    """A bilan is published once its year is over (in the groupement's time zone)."""
    return year < timeutil.local_today(groupement.timezone).year


def publish(actor: User, year: int) -> BilanVersion:
    """The coordinator publishes the draft of an ended year: the version is frozen
    and each director of the groupement is notified once. Commits."""
    authorize(actor, "report.publish")
    check_year(year)
    groupement = actor.groupement
    if not year_ended(groupement, year):
        raise RuleRefused(gettext("L'année %(year)s n'est pas terminée : son bilan pourra être "
                                  "publié à partir du 1er janvier %(next)s.",
                                  year=year, next=year + 1), code="year_not_ended")
    draft = _draft(actor.groupement_id, year)
    if draft is None:
        raise RuleRefused(gettext("Aucun brouillon du bilan %(year)s à publier : générez-le "
                                  "d'abord.", year=year),
                          code="no_draft")
    # Conditional update: of two coordinators publishing at once, one wins.
    done = db.session.execute(
        update(BilanVersion)
        .where(BilanVersion.id == draft.id, BilanVersion.status == BilanStatus.DRAFT)
        .values(status=BilanStatus.PUBLISHED, published_at=timeutil.utcnow(),
                published_by_id=actor.id)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise RuleRefused(gettext("Le bilan %(year)s vient d'être publié.", year=year),
                          code="already_published")
    record(actor, "bilan.publish", draft, after={"year": year, "version": draft.version})
    db.session.commit()
    db.session.refresh(draft)
    key = f"bilan:{actor.groupement_id}:{year}:{draft.version}"
    notify(directors_of(actor.groupement_id), kind="bilan", key=key,  # each in his language
           subject=lambda: gettext("Bilan annuel %(year)s publié", year=year),
           body=lambda: gettext("Le bilan annuel %(year)s du groupement %(name)s (version "
                                "%(version)s) est publié. Vous pouvez le consulter et le "
                                "télécharger en PDF.", year=year, name=groupement.name,
                                version=draft.version),
           link=bilan_link(year))
    return draft


class BilanJobFailed(Exception):
    """Some groupements' drafts failed (each rolled back); the others were made."""


def job_bilan_draft(today: date) -> dict[str, int]:
    """Scheduled on 1 January: the draft of last year for every groupement.

    Idempotent: an existing draft is refreshed (unchanged data writes nothing),
    a year already published is left alone (a new version is the coordinator's
    call), and a groupement whose convention starts after that year gets no
    bilan. Each groupement is isolated: a failure is rolled back and logged, the
    others are still drafted, then :class:`BilanJobFailed` names the failed ones.
    Returns counts for the job log.
    """
    year = today.year - 1
    starts = dict(db.session.execute(
        select(ConventionVersion.groupement_id, func.min(ConventionVersion.start_date))
        .group_by(ConventionVersion.groupement_id)).all())
    existing = {(gid, str(status)) for gid, status in db.session.execute(
        select(BilanVersion.groupement_id, BilanVersion.status).where(BilanVersion.year == year))}
    counts = {"groupements": 0, "brouillons créés": 0, "brouillons actualisés": 0}
    failed = []
    for gid, name in db.session.execute(
            select(Groupement.id, Groupement.name).order_by(Groupement.id)).all():
        start = starts.get(gid)
        if start is None or start.year > year:
            continue
        has_draft = (gid, BilanStatus.DRAFT.value) in existing
        if (gid, BilanStatus.PUBLISHED.value) in existing and not has_draft:
            continue
        try:
            draft = generate_draft(gid, year)
        except Exception:  # noqa: BLE001 - isolated per groupement, reported below
            db.session.rollback()
            log.exception("bilan %s of groupement %s (%s) failed", year, gid, name)
            failed.append(name)
            continue
        counts["groupements"] += 1
        counts["brouillons actualisés" if has_draft else "brouillons créés"] += 1
        log.info("bilan %s of groupement %s: draft version %s", year, gid, draft.version)
    if failed:
        raise BilanJobFailed(f"Bilan {year} : échec pour {', '.join(failed)} ; "
                             f"{counts['groupements']} autre(s) groupement(s) traité(s).")
    return counts
