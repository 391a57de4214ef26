"""Demo technical files: each establishment's file written through the services in
the first demo year (one left incomplete), its PRA updated after a later
restoration test, the plan of its server rack attached, and a few reads — by its
own staff, and by the technician of an accepted intervention — in the read log.
Timestamps are then moved back to the days they happened."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from gic.audit.models import AuditEntry
from gic.demo_context import DemoContext
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.techfiles import services
from gic.techfiles.access import access_to, log_read
from gic.techfiles.demo_content import Place, rack_pdf, recovery_update, sections
from gic.techfiles.models import (
    ReadKind,
    SectionKind,
    TechFileAttachment,
    TechFileRead,
    TechFileSection,
    TechFileVersion,
)

ROOMS = ("sous-sol du bâtiment administratif", "rez-de-chaussée, à côté de la chaufferie",
         "premier étage, local fermé derrière l'accueil")
WINGS = ("aile des unités de vie", "bâtiment des ateliers", "aile nord, local d'étage")
# Server names of the demo places (epas-ad01…); another place gets a slug of its name.
PREFIXES = {"E": "epas", "L": "larrieu", "A": "argeles", "T": "tilleuls", "V": "valdadour",
            "J": "stjacques"}


def load_demo(builder: DemoContext) -> None:
    """Technical files of the groupement's establishments (see the module's docstring)."""
    today = builder.today
    start = date(today.year - 2, 3, 2)
    domains = [builder.directors[key].email.rpartition("@")[2] for key in builder.places
               if key in builder.technicians]
    # The places with a technician of their own (all of them, except GCSMS ISI
    # Démo's, where a few members employ the groupement's technicians).
    places = [(key, e) for key, e in builder.places.items() if key in builder.technicians]
    for n, (key, establishment) in enumerate(places):
        director, technician = builder.directors[key], builder.technicians[key]
        prefix = PREFIXES.get(key) or "".join(c for c in establishment.name.lower()
                                              if c.isalnum())[:8]
        domain = domains[n] if domains.count(domains[n]) == 1 else f"{prefix}.{domains[n]}"
        place = Place(name=establishment.name, prefix=prefix,
                      domain=domain, network=10 + n, director=director.name,
                      room=ROOMS[n % len(ROOMS)], wing=WINGS[n % len(WINGS)])
        day = start + timedelta(days=9 * n)
        complete = n != len(places) - 1  # the last one is still being written
        texts = sections(place, day + timedelta(days=20), complete=complete)
        for m, (kind, text) in enumerate(texts.items()):
            author = technician if m % 3 else director
            _save(builder, author, establishment.id, kind, text, 0,
                  builder.at(day + timedelta(days=m), 10, 5 + 7 * m))
        if complete:
            tested = date(today.year - 1, 10, 14)
            _save(builder, technician, establishment.id, SectionKind.RECOVERY,
                  recovery_update(texts[SectionKind.RECOVERY], tested), 1,
                  builder.at(tested + timedelta(days=1), 16, 30))
            attachment = services.add_attachment(
                technician, establishment.id, filename="Plan de la baie B1.pdf",
                data=rack_pdf(establishment.name, place.prefix),
                description="Baie B1 de la salle serveur, vue de face")
            at = builder.at(day + timedelta(days=12), 11, 20)
            db.session.execute(update(TechFileAttachment)
                               .where(TechFileAttachment.id == attachment.id)
                               .values(uploaded_at=at))
            _audit_at("TechFileAttachment", attachment.id, "techfiles.attachment_add", at)
            db.session.commit()
            _staff_reads(builder, establishment, director, technician, day)
    _visitor_reads(builder)


def _save(builder, author, establishment_id: int, kind: SectionKind, text: str,
          base_version: int, at: datetime) -> None:
    version = services.save_section(author, establishment_id, kind, text,
                                    base_version=base_version)
    db.session.execute(update(TechFileVersion).where(TechFileVersion.id == version.id)
                       .values(created_at=at))
    db.session.execute(update(TechFileSection).where(TechFileSection.id == version.section_id)
                       .values(updated_at=at))
    _audit_at("TechFileSection", version.section_id, "techfiles.section_save", at)
    db.session.commit()


def _audit_at(object_type: str, object_id: int, action: str, at: datetime) -> None:
    """Backdate the newest audit entry of this action on this object."""
    newest = select(func.max(AuditEntry.id)).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id,
        AuditEntry.action == action).scalar_subquery()
    db.session.execute(update(AuditEntry).where(AuditEntry.id == newest).values(at=at))


def _read(builder, user, establishment, kind: ReadKind, at: datetime, **what) -> None:
    entry = log_read(user, establishment, access_to(user, establishment), kind, **what)
    db.session.execute(update(TechFileRead).where(TechFileRead.id == entry.id).values(at=at))
    db.session.commit()


def _staff_reads(builder, establishment, director, technician, day: date) -> None:
    """The establishment's people open their own file now and then."""
    for weeks, user in ((3, director), (10, technician), (30, technician), (60, director)):
        when = day + timedelta(weeks=weeks)
        if when < builder.today:
            _read(builder, user, establishment, ReadKind.FILE, builder.at(when, 9, 40))


def _visitor_reads(builder) -> None:
    """The technicians of the accepted interventions read the file they were opened."""
    accepted = db.session.scalars(
        select(Intervention).where(Intervention.groupement_id == builder.groupement.id,
                                   Intervention.state == State.ACCEPTED)
        .order_by(Intervention.id)).all()
    for i in accepted:
        establishment, technician = i.beneficiary, i.technician
        opened = (i.decided_at or i.created_at).date() + timedelta(days=1)
        day = min(opened, builder.today - timedelta(days=1))
        _read(builder, technician, establishment, ReadKind.FILE, builder.at(day, 8, 50))
        for attachment in services.attachments_of(establishment.id)[:1]:
            _read(builder, technician, establishment, ReadKind.ATTACHMENT,
                  builder.at(day, 8, 55), attachment=attachment)
