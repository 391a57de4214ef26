"""Demo secondments (R8) of GIC 65, through the real services.

- « Migration de la messagerie »: EPAS 65 seconds its technician to the EHPAD
  d'Argelès-Gazost (the beneficiary near its cap) at an agreed hourly rate,
  approved by both directors, with a validated intervention of three days on
  site, far beyond what the cap still allows: billed under the secondment.
- « Renouvellement du parc de l'accueil »: the Centre Jean-Marie Larrieu offers
  a lump sum secondment to EPAS 65; its director proposed it (his approval), EPAS
  65's director has not answered yet (her dashboard shows it).

Dated around ``builder.today``; timestamps and audit entries moved back to the
days the story happened, like the rest of the demo.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from gic.audit.models import AuditEntry
from gic.demo_context import DemoContext
from gic.errors import DomainError
from gic.extensions import db
from gic.interventions import services as interventions
from gic.interventions.models import Intervention, InterventionSession
from gic.notifications.services import in_app_only
from gic.secondments import services
from gic.secondments.models import Secondment

PARIS = ZoneInfo("Europe/Paris")
WORK = ((0, "08:30", "12:30", "onsite", "Bascule des boîtes du siège."),
        (0, "13:30", "17:00", "onsite", "Agendas partagés et listes de diffusion."),
        (1, "08:30", "12:30", "onsite", "Boîtes des unités de soins."),
        (1, "13:30", "17:00", "onsite", "Archives et carnets d'adresses."),
        (2, "08:30", "12:30", "onsite", "Postes des cadres, smartphones."),
        (2, "14:00", "16:00", "remote", "Contrôles à distance, passation à l'équipe locale."))


def load_demo(builder: DemoContext) -> None:
    """Add GIC 65's two secondments (nothing for a groupement without E, L, A)."""
    if not {"E", "L", "A"} <= set(builder.places):
        return
    try:
        _approved_with_work(builder)
        _awaiting_second_approval(builder)
    except DomainError as error:  # a rule said no: keep what the services stored
        builder.result.skipped.append(f"{builder.demo.name} : détachement ({error.message})")


def _hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _approved_with_work(builder) -> None:
    today, places = builder.today, builder.places
    start, end = today - timedelta(days=60), today + timedelta(days=45)
    s = services.propose(
        builder.directors["A"], provider_id=places["E"].id, beneficiary_id=places["A"].id,
        project="Migration de la messagerie",
        description="Migration des boîtes aux lettres, des agendas partagés et des archives "
                    "vers la messagerie régionale, avec un technicien de l'EPAS 65 détaché à "
                    "mi-temps. Le volume dépasse le plafond annuel de la convention.",
        start_date=start, end_date=end, pricing="hourly", hourly_rate=Decimal("28.00"),
        technician_ids=[builder.technicians["E"].id])
    services.approve(s, builder.directors["E"])
    _backdate_secondment(builder, s, start - timedelta(days=20), start - timedelta(days=17))

    technician = builder.technicians["E"]
    days = builder.free_days(technician, start + timedelta(days=7), 3)
    if days is None or not all(start <= d <= end for d in days):
        builder.result.skipped.append(f"{builder.demo.name} : intervention du détachement "
                                      "(pas assez de jours passés dans la période)")
        return
    with in_app_only():  # told in the lists (backdated below), not by e-mail
        i = interventions.create_draft(
            builder.technicians["A"], provider_id=places["E"].id, axis=2, nature="deployment",
            description="Migration de la messagerie : bascule des boîtes, des agendas et des "
                        "archives (détachement temporaire).",
            estimated_onsite_minutes=1140, estimated_remote_minutes=120, secondment_id=s.id)
        # Drafted a few days before its sessions (SESSION_BACKDATE_DAYS), as in real life.
        i.created_at = _drafted_at(builder, days)
        interventions.activate(i, builder.directors["A"])
        interventions.accept(i, builder.directors["E"], technician.id)
        now = datetime.combine(today, time(0, 0), PARIS)
        for n, begin, finish, mode, notes in WORK:  # (day of the intervention, block…)
            interventions.log_session(i, technician, day=days[n], start=_hm(begin),
                                      end=_hm(finish), mode=mode, notes=notes, now=now)
        interventions.complete(i, technician, "Messagerie migrée : 46 boîtes, 12 agendas "
                                              "partagés et les archives depuis 2015. Équipe "
                                              "locale formée à l'administration courante.")
        interventions.validate(i, builder.directors["A"])
    _backdate_intervention(builder, i, days)


def _awaiting_second_approval(builder) -> None:
    today, places = builder.today, builder.places
    start = today + timedelta(days=10)
    s = services.propose(
        builder.directors["L"], provider_id=places["L"].id, beneficiary_id=places["E"].id,
        project="Renouvellement du parc de l'accueil",
        description="Remplacement des huit postes de l'accueil et du standard, masterisation "
                    "et reprise des données, par le technicien du Centre Jean-Marie Larrieu.",
        start_date=start, end_date=start + timedelta(days=60), pricing="lump_sum",
        lump_sum=Decimal("1200.00"))
    at = builder.at(today - timedelta(days=4), 10, 20)
    _stamp(s.id, at, provider_approved_at=at)


# --- backdating ------------------------------------------------------------------

def _audit_at(object_type: str, object_id: int, action: str, at: datetime) -> None:
    db.session.execute(update(AuditEntry).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id,
        AuditEntry.action == action).values(at=at))


def _stamp(secondment_id: int, created: datetime, **values) -> None:
    db.session.execute(update(Secondment).where(Secondment.id == secondment_id)
                       .values(created_at=created, updated_at=max([created, *values.values()]),
                               **values))
    _audit_at("Secondment", secondment_id, "secondment.propose", created)
    db.session.commit()


def _backdate_secondment(builder, s: Secondment, proposed: date, approved: date) -> None:
    proposed_at = builder.at(proposed, 9, 40)
    approved_at = builder.at(approved, 16, 5)
    _audit_at("Secondment", s.id, "secondment.approve", approved_at)
    _stamp(s.id, proposed_at, beneficiary_approved_at=proposed_at,
           provider_approved_at=approved_at, approved_at=approved_at)


def _drafted_at(builder, days: list[date]) -> datetime:
    return builder.at(days[0] - timedelta(days=4), 9, 15)


def _backdate_intervention(builder, i: Intervention, days: list[date]) -> None:
    created = _drafted_at(builder, days)
    stamps = {"create": ("created_at", created),
              "activate": ("activated_at", created + timedelta(hours=2)),
              "accept": ("decided_at", created + timedelta(days=1)),
              "complete": ("completed_at", builder.at(days[-1], 17, 30)),
              "validate": ("validated_at", builder.at(days[-1] + timedelta(days=2), 11, 0))}
    for action, (_, at) in stamps.items():
        _audit_at("Intervention", i.id, f"intervention.{action}", at)
        builder.notified_at(f"intervention:{i.id}:{action}", at)
    values = dict(stamps.values())
    db.session.execute(update(Intervention).where(Intervention.id == i.id)
                       .values(updated_at=max(values.values()), **values))
    for s in i.sessions:
        at = builder.at(s.date, s.end_time.hour, s.end_time.minute)
        db.session.execute(update(InterventionSession).where(InterventionSession.id == s.id)
                           .values(created_at=at, updated_at=at))
        _audit_at("InterventionSession", s.id, "session.create", at)
    db.session.commit()
