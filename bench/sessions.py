"""Interventions of one groupement with their sessions and audit entries, in bulk.

:class:`InterventionMaker` draws interventions one after the other until the
groupement's number of sessions is reached: a creation day (by the year
weights), two distinct establishments, a state (recent requests are still
open, older ones settled), then, for the states where work is recorded, the
sessions: remote ones (R1), on-site ones under the threshold (R2) or reaching
it (R3). A billable intervention that would break the beneficiary's annual cap
(R5) becomes a free one. Each technician has a calendar of half days (morning
08:00–12:30, afternoon 13:30–18:00, a full day takes both), so his sessions
never overlap; evenings stay free for the session the benchmark creates.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from bench.datasets import END, EXPORT_YEAR, GroupementPlan

FLUSH_SESSIONS = 20_000
INTERVENTION_COLUMNS = (
    "id", "groupement_id", "beneficiary_id", "provider_id", "axis", "nature", "description",
    "urgency", "estimated_onsite_minutes", "estimated_remote_minutes", "threshold_minutes",
    "state", "technician_id", "decline_reason", "report", "created_by_id", "created_at",
    "activated_at", "decided_at", "completed_at", "validated_at", "cancelled_at", "updated_at")
SESSION_COLUMNS = ("id", "intervention_id", "technician_id", "date", "start_time", "end_time",
                   "mode", "minutes", "year", "hourly_rate", "notes", "created_at", "updated_at")
AUDIT_COLUMNS = ("id", "groupement_id", "establishment_id", "other_establishment_id",
                 "actor_id", "at", "action", "object_type", "object_id", "before", "after",
                 "reason")
DESCRIPTIONS = (
    "Serveur de fichiers en panne", "Déploiement de postes de soins", "Remplacement du pare-feu",
    "Messagerie inaccessible", "Câblage de la salle de soins", "Migration de l'annuaire",
    "Mise à jour du logiciel de soins", "Installation d'imprimantes", "Panne du Wi-Fi",
    "Sauvegardes en échec", "Téléphonie : autocommutateur", "Nouveaux postes de l'accueil",
    "Réseau de la cuisine centrale", "Sécurisation des accès distants", "Poste du médecin",
)
RECENT_DAYS = 45
BASE_DAY = date(2010, 1, 1).toordinal()
AM, PM, FULL = 0, 1, 2
TIMES = {m: time(m // 60, m % 60) for m in range(24 * 60)}


class InterventionMaker:
    """Draws a groupement's interventions and writes them through the generator."""

    def __init__(self, generator, plan: GroupementPlan, gid: int,
                 rate_by_year: dict[int, Decimal], directors: dict[int, int],
                 technicians: dict[int, list[int]]) -> None:
        self.g, self.plan, self.gid = generator, plan, gid
        self.rng = generator.rng
        self.rates = rate_by_year
        self.directors, self.technicians = directors, technicians
        self.establishments = list(directors)
        self.used: dict[tuple[int, int], int] = {}   # billable minutes per (beneficiary, year)
        self.busy: set[int] = set()                  # (technician, day, half day) taken
        self.interventions: list[tuple] = []
        self.sessions: list[tuple] = []
        self.audit: list[tuple] = []
        self.made = 0
        years = [y for y in sorted(plan.year_weights) if plan.start.year <= y <= END.year]
        self.years = years
        self.weights = [plan.year_weights[y] for y in years]

    # --- Writing --------------------------------------------------------------------

    def flush(self) -> None:
        """Write the buffered rows (interventions before their sessions)."""
        writer = self.g.writer
        writer.write("intervention", INTERVENTION_COLUMNS, self.interventions)
        writer.write("intervention_session", SESSION_COLUMNS, self.sessions)
        if self.audit:
            writer.write("audit_entry", AUDIT_COLUMNS, self.audit)
        self.interventions, self.sessions, self.audit = [], [], []

    def _log(self, actor: int, at: datetime, action: str, kind: str, object_id: int,
             beneficiary: int, provider: int, after: dict, before: dict | None = None) -> None:
        if self.g.audit:
            self.audit.append((self.g.ids("audit_entry"), self.gid, beneficiary, provider, actor,
                               at, action, kind, object_id, before, after, None))

    # --- Calendar -------------------------------------------------------------------

    def _take(self, technician: int, day: date, slot: int) -> int | None:
        """Book a free half day (or full day) on ``day`` or the next days; its slot."""
        busy = self.busy
        for shift in range(8):
            key = (technician * 8192 + day.toordinal() + shift - BASE_DAY) * 2
            if slot == FULL:
                if key not in busy and key + 1 not in busy:
                    busy.add(key)
                    busy.add(key + 1)
                    return shift * 4 + FULL
            else:
                for half in (slot, 1 - slot):
                    if key + half not in busy:
                        busy.add(key + half)
                        return shift * 4 + half
        return None

    def _times(self, slot: int, minutes: int) -> tuple[int, int]:
        rng = self.rng
        if slot == FULL:
            start = 450 + 15 * rng.randrange(0, 7)
        else:
            start = (480 if slot == AM else 810) + 15 * rng.randrange(0, (270 - minutes) // 15 + 1)
        return start, start + minutes

    # --- One intervention ---------------------------------------------------------------

    def _plan_sessions(self, beneficiary: int, created: date) -> list[tuple[str, int, int]]:
        """(mode, minutes, slot) of the work to do, billable only within the cap."""
        rng, mix, plan = self.rng, self.plan.mix, self.plan
        roll = rng.random()
        work: list[tuple[str, int, int]] = []
        if roll < mix.billable:
            if rng.random() < mix.full_day:
                work = [("onsite", rng.randrange(plan.threshold_minutes, 545, 5), FULL)]
            else:
                work = [("onsite", rng.randrange(210, 275, 5), rng.randrange(2)),
                        ("onsite", rng.randrange(210, 275, 5), rng.randrange(2))]
            planned = sum(m for _, m, _ in work)
            if (planned < plan.threshold_minutes or self.used.get((beneficiary, created.year), 0)
                    + planned > plan.cap_minutes):
                roll = mix.billable  # over the cap: a free on-site intervention instead
                work = []
        if not work and roll < mix.billable + mix.onsite_free:
            left = plan.threshold_minutes - 5
            for _ in range(rng.randrange(1, 3)):
                minutes = min(rng.randrange(30, 205, 5), left)
                if minutes < 15:
                    break
                work.append(("onsite", minutes, rng.randrange(2)))
                left -= minutes
        elif not work:
            work = [("remote", rng.randrange(15, 185, 5), rng.randrange(2))
                    for _ in range(rng.randrange(1, mix.max_remote + 1))]
        if work[0][0] == "onsite" and rng.random() < mix.extra_remote:
            work.append(("remote", rng.randrange(15, 125, 5), rng.randrange(2)))
        return work

    def _state(self, created: date) -> str:
        roll = self.rng.random()
        if (END - created).days < RECENT_DAYS:
            for state, share in (("draft", .12), ("active", .12), ("accepted", .36),
                                 ("completed", .2), ("validated", .12), ("cancelled", .04)):
                if roll < share:
                    return state
                roll -= share
            return "declined"
        if roll < .06:
            return "cancelled"
        if roll < .12:
            return "declined"
        if created.year == EXPORT_YEAR and created.month >= 10 and roll < .2:
            return "completed"  # late validations: pending in the last full year
        return "validated"

    def intervention(self, created: date, state: str | None = None,
                     work: list[tuple[str, int, int]] | None = None,
                     pair: tuple[int, int] | None = None) -> dict:
        """Draw (or build as told) one intervention with its sessions; its ids."""
        rng, g, plan = self.rng, self.g, self.plan
        if pair is None:
            n = len(self.establishments)
            b = rng.randrange(n)
            p = rng.randrange(n - 1)
            beneficiary = self.establishments[b]
            provider = self.establishments[p + 1 if p >= b else p]
        else:
            beneficiary, provider = pair
        iid = g.ids("intervention")
        state = state or self._state(created)
        axis = 3 if rng.random() < .3 else 2
        nature = "incident" if axis == 3 else rng.choice(("occasional_work", "deployment"))
        technician = rng.choice(self.technicians[provider]) if state in (
            "accepted", "completed", "validated") else None
        drafter = (rng.choice(self.technicians[beneficiary]) if rng.random() < .6
                   else self.directors[beneficiary])
        at = datetime.combine(created, time(8 + rng.randrange(9), 5 * rng.randrange(12)))
        stamps = {"activated_at": None, "decided_at": None, "completed_at": None,
                  "validated_at": None, "cancelled_at": None}
        if state != "draft":
            stamps["activated_at"] = at + timedelta(hours=2)
        if state in ("accepted", "completed", "validated", "declined"):
            stamps["decided_at"] = at + timedelta(hours=5)
        if state == "cancelled":
            stamps["cancelled_at"] = at + timedelta(hours=20)
        rows: list[tuple] = []
        if technician is not None:
            work = work if work is not None else self._plan_sessions(beneficiary, created)
            if state == "accepted" and pair is None:
                work = work[:rng.randrange(len(work) + 1)]  # still under way
            booked = self._within_cap(beneficiary, self._days(technician, created, work))
            rows = self._sessions(iid, technician, booked, (beneficiary, provider))
            if not rows and state != "accepted":
                state = "accepted"
        onsite = sum(r[7] for r in rows if r[6] == "onsite")
        if rows and state in ("completed", "validated"):
            stamps["completed_at"] = rows[-1][11] + timedelta(hours=1)
            if state == "validated":
                stamps["validated_at"] = min(stamps["completed_at"] + timedelta(days=2),
                                             datetime.combine(END, time(18)))
        last = max([at] + [s for s in stamps.values() if s is not None])
        self.interventions.append((
            iid, self.gid, beneficiary, provider, axis, nature, rng.choice(DESCRIPTIONS),
            "urgent" if axis == 3 and rng.random() < .5 else "normal",
            60 * round(onsite / 60), 60 * round(sum(r[7] for r in rows) / 60) - 60 * round(
                onsite / 60), plan.threshold_minutes, state, technician,
            "Aucun technicien disponible à ces dates." if state == "declined" else None,
            "Intervention réalisée ; compte rendu transmis à la direction."
            if state in ("completed", "validated") else None,
            drafter, at, stamps["activated_at"], stamps["decided_at"], stamps["completed_at"],
            stamps["validated_at"], stamps["cancelled_at"], last))
        self._log(drafter, at, "intervention.create", "Intervention", iid, beneficiary, provider,
                  {"state": "draft", "technician_id": None, "axis": axis, "nature": nature,
                   "beneficiary_id": beneficiary, "provider_id": provider})
        if state != "draft":
            final = {"active": "activate", "accepted": "accept", "completed": "complete",
                     "validated": "validate", "declined": "decline", "cancelled": "cancel"}[state]
            actor = (technician if final == "complete"
                     else self.directors[provider if final in ("accept", "decline")
                                         else beneficiary])
            previous = {"activate": "draft", "accept": "active", "decline": "active",
                        "complete": "accepted", "validate": "completed", "cancel": "active"}
            self._log(actor, last, f"intervention.{final}", "Intervention", iid, beneficiary,
                      provider, {"state": state, "technician_id": technician},
                      before={"state": previous[final], "technician_id": None})
        self.sessions.extend(rows)
        self.made += len(rows)
        return {"intervention_id": iid, "beneficiary_id": beneficiary, "provider_id": provider,
                "technician_id": technician, "state": state, "sessions": rows}

    def _days(self, technician: int, created: date,
              work: list[tuple[str, int, int]]) -> list[tuple[date, int, int, str, int]]:
        """Book the technician's calendar: (day, start, end, mode, minutes) of each session."""
        rng = self.rng
        booked = []
        left = self.plan.sessions - self.made  # the groupement's count is exact
        day = created + timedelta(days=rng.randrange(1, 11))
        for mode, minutes, slot in work:
            if day > END or len(booked) >= left:
                break
            taken = self._take(technician, day, slot)
            if taken is None:
                continue
            day += timedelta(days=taken // 4)
            if day > END:
                break
            start, end = self._times(taken % 4, minutes)
            booked.append((day, start, end, mode, minutes))
            day += timedelta(days=rng.randrange(1, 7))
        return booked

    def _within_cap(self, beneficiary: int, booked: list) -> list:
        """R5: a billable intervention that would break a year's cap loses on-site
        sessions (from the last) until it is free (under the threshold)."""
        threshold, cap = self.plan.threshold_minutes, self.plan.cap_minutes
        while True:
            onsite = [b for b in booked if b[3] == "onsite"]
            total = sum(b[4] for b in onsite)
            if total < threshold:
                return booked
            by_year: dict[int, int] = {}
            for b in onsite:
                by_year[b[0].year] = by_year.get(b[0].year, 0) + b[4]
            if all(self.used.get((beneficiary, y), 0) + m <= cap for y, m in by_year.items()):
                for y, m in by_year.items():
                    self.used[(beneficiary, y)] = self.used.get((beneficiary, y), 0) + m
                return booked
            last = max(n for n, b in enumerate(booked) if b[3] == "onsite")
            booked = booked[:last] + booked[last + 1:]

    def _sessions(self, iid: int, technician: int, booked: list,
                  pair: tuple[int, int]) -> list[tuple]:
        g = self.g
        rows = []
        for day, start, end, mode, minutes in booked:
            sid = g.ids("intervention_session")
            stamp = datetime.combine(day, TIMES[end])
            rows.append((sid, iid, technician, day, TIMES[start], TIMES[end], mode, minutes,
                         day.year, self.rates[day.year], "", stamp, stamp))
            self._log(technician, stamp, "session.create", "InterventionSession", sid, *pair,
                      {"intervention_id": iid, "date": day.isoformat(), "mode": mode,
                       "start": f"{start // 60:02d}:{start % 60:02d}",
                       "end": f"{end // 60:02d}:{end % 60:02d}", "minutes": minutes,
                       "notes": ""})
        return rows

    # --- The groupement -----------------------------------------------------------------

    def bench_intervention(self) -> dict:
        """The accepted intervention that receives the benchmark's timed session.

        400 on-site minutes already logged this year: the timed 60-minute
        on-site session makes it billable (460 ≥ 420), so the cap check (R5)
        reads the beneficiary's billable minutes of the year. Room under the
        cap is kept for it.
        """
        beneficiary, provider = self.establishments[0], self.establishments[1]
        # Kept free for it: its 400 minutes and the timed 60 become billable together.
        self.used[(beneficiary, END.year)] = 460
        made = self.intervention(END - timedelta(days=12), state="accepted",
                                 work=[("onsite", 400, FULL)], pair=(beneficiary, provider))
        made["session"] = {"date": END.isoformat(), "start": "18:30", "end": "19:30",
                           "mode": "onsite", "notes": "Séance du banc d'essai"}
        return made

    def run(self) -> int:
        """Interventions until the groupement's sessions are made; how many sessions."""
        rng, plan = self.rng, self.plan
        spans = {}
        for year in self.years:
            first = max(date(year, 1, 1), plan.start)
            last = min(date(year, 12, 31), END)
            spans[year] = (first, (last - first).days + 1)
        while self.made < plan.sessions:
            year = rng.choices(self.years, self.weights)[0]
            first, days = spans[year]
            self.intervention(first + timedelta(days=rng.randrange(days)))
            if len(self.sessions) >= FLUSH_SESSIONS:
                self.flush()
        self.flush()
        return self.made
