"""Demo data of SPEC §9: GIC 65 and a second groupement, GCSMS Démo; and a third,
GCSMS ISI Démo, in the ordered-hours model (issue 16).

Everything that follows the workflow goes through the real services
(create_draft, activate, accept, log_session, complete, validate, close_year…),
so the convention's rules hold in the demo as they would for real users. The
stories cover the last two full civil years and the current one, dated from
today, with the meetings of :mod:`gic.demo_meetings` in between and the bilans
published at the end; then the timestamps (and audit entries) are moved back to
the days the stories happened, so lists and the audit log read naturally. Loading twice
adds nothing: a groupement that already exists is left alone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import select, update

from gic import timeutil
from gic.admin.services import (
    create_establishment,
    create_groupement,
    create_user,
    create_user_unattended,
)
from gic.audit.models import AuditEntry
from gic.billing.models import YearClosure
from gic.billing.services import close_year
from gic.convention.constants import DEFAULT_CAP_MINUTES, DEFAULT_DURATION_YEARS
from gic.demo_context import DemoContext, DemoResult
from gic.demo_data import DEMOS, PASSWORD, Story, account_emails
from gic.demo_meetings import MeetingsBuilder
from gic.equipment import demo as equipment_demo
from gic.errors import DomainError
from gic.exchanges import demo as exchanges_demo
from gic.extensions import db
from gic.governance import demo as governance_demo
from gic.interventions import services
from gic.interventions.models import Intervention, InterventionSession, State
from gic.models import ConventionModel, Establishment, Groupement, User
from gic.notifications.services import in_app_only
from gic.ordered import demo as ordered_demo
from gic.secondments import demo as secondments_demo
from gic.techfiles import demo as techfiles_demo
from gic.trainings import demo as trainings_demo

# Each area's own part, ``load_demo(context)``, after the interventions and
# meetings, before years are closed and bilans published.
AREA_DEMOS = (equipment_demo.load_demo, trainings_demo.load_demo, exchanges_demo.load_demo,
              techfiles_demo.load_demo, secondments_demo.load_demo, governance_demo.load_demo,
              ordered_demo.load_demo)


def load_demo(today: date | None = None) -> DemoResult:
    """Create the demo groupements that do not exist yet (idempotent)."""
    today = today or timeutil.local_today()
    result = DemoResult()
    for demo in DEMOS:
        if db.session.scalar(select(Groupement.id).where(Groupement.name == demo.name)):
            continue
        _Builder(demo, today, result).build()
        result.created.append(demo.name)
    return result


def demo_accounts() -> list[User]:
    """The demo users that exist, in the order of SPEC §9."""
    emails = account_emails()
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    return [users[e] for e in emails if e in users]


def format_accounts(users: list[User], base_url: str) -> str:
    """A plain-text table of the demo accounts and where to log in."""
    rows = [(u.email, u.role.label, u.establishment.name if u.establishment
             else f"{u.groupement.name} (groupement)") for u in users]
    header = ("E-mail", "Rôle", "Établissement")
    widths = [max(len(r[n]) for r in [header, *rows]) for n in range(3)]
    lines = [f"Comptes de démonstration (mot de passe : {PASSWORD})", ""]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        lines.append("  ".join(value.ljust(widths[n]) for n, value in enumerate(row)).rstrip())
    lines += ["", f"Connexion : {base_url.rstrip('/')}/login"]
    return "\n".join(lines)


class _Builder(DemoContext):
    """Builds one demo groupement through the services, then backdates it."""

    def build(self) -> None:
        """Groupement, convention, people, establishments, then the stories in date order."""
        demo = self.demo
        self.groupement = create_groupement(
            demo.name, start_date=demo.start, duration_years=DEFAULT_DURATION_YEARS,
            threshold_minutes=demo.threshold_minutes, cap_minutes=DEFAULT_CAP_MINUTES,
            hourly_rate=Decimal(demo.rate))
        if demo.model != ConventionModel.PER_INTERVENTION:
            # Set up so from the start: the first version uses its model (issue 16).
            version = self.groupement.convention_versions[0]
            version.model, version.overrun_allowed = demo.model, demo.overrun_allowed
            db.session.commit()
        email, name = demo.coordinator
        coordinator = create_user_unattended(self.groupement, email=email, name=name,
                                             role="coordinator", establishment_id=None,
                                             password=PASSWORD)
        self.coordinator = coordinator
        accountant = self._user(*demo.accountant, "accountant") if demo.accountant else None
        self.accountant = accountant
        for place in demo.places:
            e = create_establishment(coordinator, name=place.name, finess=place.finess)
            self.places[place.key] = e
            self.directors[place.key] = self._user(*place.director, "director", e.id)
            if place.technician:  # a « utilisateur » of GCSMS ISI Démo has none
                self.technicians[place.key] = self._user(*place.technician, "technician",
                                                         e.id)
        setup_day = date(self.today.year - 2, 1, 6)
        self._backdate_setup(self.at(setup_day, 9, 0))
        # Stories and meetings in date order: a meeting's pre-filled minutes see
        # the work logged before it, as they would have on the day.
        meetings = MeetingsBuilder(self)
        steps = [(self._target(s), 0, partial(self._story, s))
                 for s in sorted(demo.stories, key=lambda s: (s.year, s.when))]
        steps += [(day, 1, partial(meetings.hold, m, day)) for day, m in meetings.dated()]
        for _day, _rank, step in sorted(steps, key=lambda s: s[:2]):
            step()
        for load_area_demo in AREA_DEMOS:  # equipment, trainings… each area's own demo
            load_area_demo(self)
        for years_ago in demo.close_years_ago:
            self._close(accountant, self.today.year - years_ago)
        meetings.publish_bilans()

    def _user(self, email: str, name: str, role: str, establishment_id: int | None = None):
        """A person created by the groupement's coordinator, as in real life."""
        return create_user(self.coordinator, email=email, name=name, role=role,
                           establishment_id=establishment_id, password=PASSWORD)

    # --- dates ------------------------------------------------------------------

    def _target(self, story: Story) -> date:
        year = self.today.year + story.year
        nominal = date(2001, *story.when)  # a non-leap year
        offset = (nominal - date(2001, 1, 1)).days
        if story.year == 0:  # squeeze the year into the days already gone
            offset = offset * (self.today - date(year, 1, 1)).days // 365
        return date(year, 1, 1) + timedelta(days=offset)

    # --- one story --------------------------------------------------------------

    def _story(self, story: Story) -> None:
        p, b = story.provider, story.beneficiary
        technician = self.technicians[p]
        target = self._target(story)
        count = len({w.day for w in story.work})
        days = self.free_days(technician, target, count)
        if days is None:
            self.result.skipped.append(f"{self.demo.name} : « {story.description} » "
                                       "(pas assez de jours passés cette année)")
            return
        drafter = (self.directors[b] if story.by_director or b not in self.technicians
                   else self.technicians[b])
        start = days[0] if days else target
        stamps = {"create": self.at(start - timedelta(days=3), 9, self.rng.randrange(60))}
        stamps["activate"] = stamps["create"] + timedelta(days=1, hours=1)
        stamps["decide"] = stamps["create"] + timedelta(days=2, hours=2)
        i = None
        try:
            # The workflow's notifications go to the lists (backdated below), not by e-mail.
            with in_app_only():
                i = services.create_draft(
                    drafter, provider_id=self.places[p].id, axis=story.axis,
                    nature=story.nature, description=story.description, urgency=story.urgency,
                    estimated_onsite_minutes=story.onsite, estimated_remote_minutes=story.remote)
                # Drafted on the story's day, before its sessions (SESSION_BACKDATE_DAYS).
                i.created_at = stamps["create"]
                self._advance(i, story, days, stamps)
        except DomainError as error:  # a rule said no: keep what the services stored
            self.result.skipped.append(f"{self.demo.name} : « {story.description} » "
                                       f"({error.message})")
        if i is not None:
            self._backdate(i, stamps)

    def _advance(self, i: Intervention, story: Story, days: list[date], stamps: dict) -> None:
        p, b = story.provider, story.beneficiary
        if story.state == State.DRAFT:
            return
        if story.state == State.CANCELLED and not story.by_director:
            services.cancel(i, i.created_by)  # the drafter withdraws his draft
            stamps["cancel"] = stamps["activate"]
            return
        services.activate(i, self.directors[b])
        if story.state == State.ACTIVE:
            return
        if story.state == State.CANCELLED:
            services.cancel(i, self.directors[b])
            stamps["cancel"] = stamps["decide"]
            return
        if story.state == State.DECLINED:
            services.decline(i, self.directors[p], story.reason)
            return
        technician = self.technicians[p]
        services.accept(i, self.directors[p], technician.id)
        for work in story.work:
            services.log_session(i, technician, day=days[work.day], start=_hm(work.start),
                                 end=_hm(work.end), mode=work.mode, notes=work.notes,
                                 now=self.now)
        if story.state == State.ACCEPTED:
            return
        services.complete(i, technician, story.report)
        last = days[-1]
        stamps["complete"] = self.at(last, 17, 40)
        if story.state == State.VALIDATED:
            services.validate(i, self.directors[b])
            stamps["validate"] = self.at(last + timedelta(days=3), 10, self.rng.randrange(60))

    # --- backdating -----------------------------------------------------------

    def _backdate(self, i: Intervention, stamps: dict[str, datetime]) -> None:
        """Move the intervention's timestamps and audit entries to the story's days."""
        columns = {"create": "created_at", "activate": "activated_at", "accept": "decided_at",
                   "decline": "decided_at", "complete": "completed_at",
                   "validate": "validated_at", "cancel": "cancelled_at"}
        stamps = dict(stamps, accept=stamps["decide"], decline=stamps["decide"])
        values = {}
        for action, column in columns.items():
            if getattr(i, column) is not None and action in stamps:
                values[column] = stamps[action]
                self.audit_at("Intervention", i.id, f"intervention.{action}", stamps[action])
                self.notified_at(f"intervention:{i.id}:{action}", stamps[action])
        values["updated_at"] = max(values.values())
        db.session.execute(update(Intervention).where(Intervention.id == i.id).values(**values))
        for s in db.session.scalars(select(InterventionSession)
                                    .where(InterventionSession.intervention_id == i.id)):
            at = self.at(s.date, s.end_time.hour, s.end_time.minute)
            db.session.execute(update(InterventionSession).where(InterventionSession.id == s.id)
                               .values(created_at=at, updated_at=at))
            self.audit_at("InterventionSession", s.id, "session.create", at)
        db.session.commit()

    def _backdate_setup(self, at: datetime) -> None:
        gid = self.groupement.id
        for model in (Groupement, Establishment, User):
            key = model.id if model is Groupement else model.groupement_id
            db.session.execute(update(model).where(key == gid).values(created_at=at))
        db.session.execute(update(AuditEntry).where(AuditEntry.groupement_id == gid).values(at=at))
        db.session.commit()

    def _close(self, accountant: User, year: int) -> None:
        closure = close_year(accountant, year)
        at = self.at(date(year + 1, 2, 12), 11, 15)
        db.session.execute(update(YearClosure).where(YearClosure.id == closure.id)
                           .values(closed_at=at))
        self.audit_at("YearClosure", closure.id, "year.close", at)
        db.session.commit()


def _hm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))

