"""Grouped queries of the techfiles area: how complete each file is (index page)
and the figures of the annual bilan. A fixed number of queries, whatever the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select

from gic.extensions import db
from gic.models import Establishment
from gic.techfiles.models import (
    SectionKind,
    TechFileAttachment,
    TechFileRead,
    TechFileSection,
    TechFileVersion,
)

# « Autres informations » is optional: a file is complete with the other five.
REQUIRED = tuple(k for k in SectionKind if k != SectionKind.OTHER)
SECTIONS_TOTAL = len(REQUIRED)


@dataclass(frozen=True)
class FileSummary:
    """How far an establishment's file is written (required sections; no content)."""

    sections_filled: int = 0
    attachments: int = 0
    updated_at: datetime | None = None


def file_summaries(establishment_ids: list[int]) -> dict[int, FileSummary]:
    """Filled sections, attachments and last change per establishment (two queries)."""
    if not establishment_ids:
        return {}
    sections = {row.establishment_id: row for row in db.session.execute(
        select(TechFileSection.establishment_id,
               func.count(TechFileSection.id).label("filled"),
               func.max(TechFileSection.updated_at).label("updated_at"))
        .where(TechFileSection.establishment_id.in_(establishment_ids),
               TechFileSection.kind.in_(REQUIRED), TechFileSection.body != "")
        .group_by(TechFileSection.establishment_id))}
    files = {row.establishment_id: row for row in db.session.execute(
        select(TechFileAttachment.establishment_id,
               func.count(TechFileAttachment.id).label("count"),
               func.max(TechFileAttachment.uploaded_at).label("uploaded_at"))
        .where(TechFileAttachment.establishment_id.in_(establishment_ids),
               TechFileAttachment.deleted_at.is_(None))
        .group_by(TechFileAttachment.establishment_id))}
    summaries = {}
    for eid in establishment_ids:
        s, f = sections.get(eid), files.get(eid)
        stamps = [t for t in (s.updated_at if s else None, f.uploaded_at if f else None) if t]
        summaries[eid] = FileSummary(s.filled if s else 0, f.count if f else 0,
                                     max(stamps) if stamps else None)
    return summaries


def bilan_section(groupement_id: int, year: int) -> dict:
    """Technical files in the bilan of ``year``: per establishment and for the
    groupement, required sections written at the end of the year, versions saved and files
    attached during it, reads by the establishment's staff and by other
    establishments' technicians (through an intervention). Five grouped queries."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    establishments = list(db.session.execute(
        select(Establishment.id).where(Establishment.groupement_id == groupement_id)
        .order_by(Establishment.name)).scalars())
    latest = (select(TechFileVersion.section_id,
                     func.max(TechFileVersion.version).label("version"))
              .where(TechFileVersion.created_at < end)
              .group_by(TechFileVersion.section_id).subquery())
    filled = dict(db.session.execute(
        select(TechFileSection.establishment_id, func.count())
        .join(latest, latest.c.section_id == TechFileSection.id)
        .join(TechFileVersion, and_(TechFileVersion.section_id == latest.c.section_id,
                                    TechFileVersion.version == latest.c.version))
        # a past version erased by its director still counted as written
        .where(TechFileSection.groupement_id == groupement_id,
               TechFileSection.kind.in_(REQUIRED),
               (TechFileVersion.body != "") | TechFileVersion.purged_at.is_not(None))
        .group_by(TechFileSection.establishment_id)).all())
    updates = dict(db.session.execute(
        select(TechFileSection.establishment_id, func.count(TechFileVersion.id))
        .join(TechFileVersion, TechFileVersion.section_id == TechFileSection.id)
        .where(TechFileSection.groupement_id == groupement_id,
               TechFileVersion.created_at >= start, TechFileVersion.created_at < end)
        .group_by(TechFileSection.establishment_id)).all())
    attached = dict(db.session.execute(
        select(TechFileAttachment.establishment_id, func.count(TechFileAttachment.id))
        .where(TechFileAttachment.groupement_id == groupement_id,
               TechFileAttachment.uploaded_at >= start, TechFileAttachment.uploaded_at < end)
        .group_by(TechFileAttachment.establishment_id)).all())
    external = case((TechFileRead.intervention_id.is_not(None), 1), else_=0)
    reads = {row.establishment_id: row for row in db.session.execute(
        select(TechFileRead.establishment_id, func.count(TechFileRead.id).label("total"),
               func.sum(external).label("external"))
        .where(TechFileRead.groupement_id == groupement_id,
               TechFileRead.at >= start, TechFileRead.at < end)
        .group_by(TechFileRead.establishment_id))}
    rows = []
    for eid in establishments:
        r = reads.get(eid)
        total, outside = (int(r.total), int(r.external or 0)) if r else (0, 0)
        rows.append({"establishment_id": eid, "sections_filled": int(filled.get(eid, 0)),
                     "versions_saved": int(updates.get(eid, 0)),
                     "attachments_added": int(attached.get(eid, 0)),
                     "reads_staff": total - outside, "reads_external": outside})
    keys = ("sections_filled", "versions_saved", "attachments_added", "reads_staff",
            "reads_external")
    return {"year": year, "sections_total": SECTIONS_TOTAL,
            "files_complete": sum(1 for r in rows if r["sections_filled"] == SECTIONS_TOTAL),
            "totals": {k: sum(r[k] for r in rows) for k in keys},
            "establishments": rows}
