"""Build a benchmark dataset into an empty, migrated database (seeded, bulk).

    python -m bench.generate --dataset region --url sqlite:///bench/data/region.sqlite3

The database is migrated first (``flask db upgrade``, through Flask-Migrate)
and must hold no groupement. Rows are made in Python from one seeded
``random.Random`` and written in bulk (:mod:`bench.bulk`): same seed, same
rows. What is built follows the convention roughly: sessions only on
accepted, completed or validated interventions, on-site billable ones within
the beneficiary's annual cap, no two sessions of a technician overlapping,
closed years fully settled, an audit entry for each session and transition.

It prints, and returns, the counts and what the measures run on (the
« targets »: groupement, users, year, the intervention that receives the
timed session), also written as JSON next to the database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.bulk import BulkWriter
from bench.datasets import DATASETS, END, EXPORT_YEAR, Dataset, GroupementPlan, dataset
from bench.sessions import InterventionMaker

PASSWORD = "bench-password"
COLUMNS = {
    "groupement": ("id", "name", "timezone", "created_at"),
    "convention_version": ("id", "groupement_id", "valid_from", "start_date", "duration_years",
                           "threshold_minutes", "cap_minutes", "hourly_rate", "created_at"),
    "establishment": ("id", "groupement_id", "name", "finess", "lock_version", "created_at"),
    "user": ("id", "groupement_id", "establishment_id", "email", "name", "role",
             "password_hash", "active", "session_token", "created_at"),
    "year_closure": ("id", "groupement_id", "year", "closed", "closed_at", "closed_by_id"),
    "notification": ("id", "groupement_id", "user_id", "kind", "key", "subject", "body",
                     "link", "created_at", "read_at", "emailed_at"),
    "meeting": ("id", "groupement_id", "kind", "title", "starts_at", "duration_minutes",
                "place", "video_url", "status", "sequence", "created_by_id", "created_at",
                "updated_at"),
    "meeting_minutes": ("id", "meeting_id", "version", "status", "summary", "snapshot",
                        "created_by_id", "created_at", "finalised_at", "finalised_by_id"),
}


class Ids:
    """The next id of each table (the database is empty: ids start at 1)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


class Generator:
    """Builds the groupements of a dataset through a :class:`BulkWriter`."""

    def __init__(self, writer: BulkWriter, seed: int, audit: bool = True,
                 notifications_per_user: int = 12) -> None:
        self.writer = writer
        self.rng = random.Random(seed)
        self.ids = Ids()
        self.audit = audit
        self.notifications_per_user = notifications_per_user
        # One hash for every generated user, its salt drawn from the seed (reproducible);
        # the format of werkzeug's generate_password_hash("pbkdf2:sha256:1000").
        salt = f"{self.rng.getrandbits(64):016x}"
        digest = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt.encode(), 1000).hex()
        self.password_hash = f"pbkdf2:sha256:1000${salt}${digest}"
        self.targets: list[dict] = []
        self.sessions_by_groupement: dict[str, int] = {}

    def _write(self, table: str, rows: list[tuple]) -> None:
        self.writer.write(table, COLUMNS[table], rows)

    def build(self, data: Dataset) -> None:
        """Every groupement of the dataset, then commit."""
        for plan in data.groupements:
            self.groupement(plan)
            self.writer.commit()

    def groupement(self, plan: GroupementPlan) -> None:
        """One groupement: members, convention, people, closures, meetings, work."""
        ids = self.ids
        created = datetime.combine(plan.start, datetime.min.time()) - timedelta(days=30)
        gid = ids("groupement")
        self._write("groupement", [(gid, plan.name, "Europe/Paris", created)])
        versions, rate_by_year = [], {}
        for first, rate in plan.rates:
            valid_from = plan.start if first <= plan.start.year else date(first, 1, 1)
            versions.append((ids("convention_version"), gid, valid_from, plan.start, 3,
                             plan.threshold_minutes, plan.cap_minutes, rate, created))
        for year in range(plan.start.year, END.year + 1):
            rate_by_year[year] = [r for first, r in plan.rates if first <= year][-1]
        self._write("convention_version", versions)
        establishments, users = [], []
        directors: dict[int, int] = {}
        technicians: dict[int, list[int]] = {}
        slug = f"g{gid}"
        for k, (name, count) in enumerate(zip(plan.establishments, plan.technicians, strict=True)):
            eid = ids("establishment")
            establishments.append((eid, gid, name, f"{65 + gid % 30:02d}{gid % 1000:03d}{k:04d}",
                                   0, created))
            directors[eid] = ids("user")
            users.append(self._user(directors[eid], gid, eid, f"directeur.{k + 1}@{slug}.bench",
                                    f"Direction {name}", "director", created))
            technicians[eid] = []
            for t in range(count):
                uid = ids("user")
                technicians[eid].append(uid)
                users.append(self._user(uid, gid, eid, f"tech.{k + 1}.{t + 1}@{slug}.bench",
                                        f"Technicien {t + 1} ({name})", "technician", created))
        coordinator, accountant = ids("user"), ids("user")
        users.append(self._user(coordinator, gid, None, f"coordination@{slug}.bench",
                                f"Coordination {plan.name}", "coordinator", created))
        users.append(self._user(accountant, gid, None, f"compta@{slug}.bench",
                                f"Comptabilité {plan.name}", "accountant", created))
        self._write("establishment", establishments)
        self._write("user", users)
        self._write("year_closure", [
            (ids("year_closure"), gid, year, True, datetime(year + 1, 1, 20, 9), accountant)
            for year in range(plan.start.year, END.year - 1)])
        self._notifications(gid, [u[0] for u in users])
        if plan.meetings:
            self._meetings(gid, plan, coordinator)
        maker = InterventionMaker(self, plan, gid, rate_by_year, directors, technicians)
        bench = maker.bench_intervention() if plan.target else None
        made = maker.run()
        self.sessions_by_groupement[plan.name] = made
        if bench is not None:
            self.targets.append({
                "label": plan.target, "groupement_id": gid, "groupement": plan.name,
                "year": EXPORT_YEAR, "current_year": END.year,
                "coordinator_id": coordinator, "accountant_id": accountant,
                "director_id": directors[bench["beneficiary_id"]],
                "beneficiary_id": bench["beneficiary_id"],
                "technician_id": bench["technician_id"],
                "intervention_id": bench["intervention_id"],
                "session": bench["session"], "sessions": made,
                "establishments": len(establishments)})

    def _user(self, uid: int, gid: int, eid: int | None, email: str, name: str, role: str,
              created: datetime) -> tuple:
        token = f"{self.rng.getrandbits(128):032x}"
        return (uid, gid, eid, email, name, role, self.password_hash, True, token, created)

    def _notifications(self, gid: int, user_ids: list[int]) -> None:
        rows = []
        kinds = (("cap", "Plafond annuel atteint à 80 %"), ("meeting", "Réunion à venir"),
                 ("bilan", "Bilan annuel publié"), ("minutes", "Compte rendu à finaliser"))
        last = datetime.combine(END, datetime.min.time())
        for uid in user_ids:
            for n in range(self.notifications_per_user):
                kind, subject = kinds[n % len(kinds)]
                at = last - timedelta(days=(self.notifications_per_user - n) * 20, hours=2)
                unread = n >= self.notifications_per_user - 3
                rows.append((self.ids("notification"), gid, uid, kind, f"bench:{n}", subject,
                             subject + ".", "/", at, None if unread else at + timedelta(hours=5),
                             at + timedelta(minutes=1)))
        self._write("notification", rows)

    def _meetings(self, gid: int, plan: GroupementPlan, coordinator: int) -> None:
        meetings, minutes = [], []
        schedule = ((3, "technicians", "Réunion des techniciens"),
                    (6, "technicians", "Réunion des techniciens"),
                    (10, "technicians", "Réunion des techniciens"),
                    (12, "directors", "Réunion des directions"))
        for year in range(plan.start.year, END.year + 1):
            for month, kind, title in schedule:
                starts = datetime(year, month, 12, 13, 0)
                if starts.date() < plan.start:
                    continue
                held = starts.date() < END
                mid = self.ids("meeting")
                meetings.append((mid, gid, kind, f"{title} {month:02d}/{year}", starts, 120,
                                 "Salle du conseil", "", "held" if held else "planned", 0,
                                 coordinator, starts - timedelta(days=30),
                                 starts - timedelta(days=30)))
                if held:
                    done = starts + timedelta(days=7)
                    minutes.append((self.ids("meeting_minutes"), mid, 1, "final",
                                    "Compte rendu de la réunion.", {}, coordinator, done, done,
                                    coordinator))
        self._write("meeting", meetings)
        self._write("meeting_minutes", minutes)


def migrate(app) -> None:
    """``flask db upgrade`` on the app's database."""
    from flask_migrate import upgrade
    with app.app_context():
        upgrade()


def generate(url: str, name: str, seed: int = 6, meta_path: Path | None = None) -> dict:
    """Migrate the database at ``url``, build dataset ``name``; the summary (also as JSON)."""
    from gic import create_app
    from gic.extensions import db
    from gic.interventions.models import Intervention, InterventionSession
    from gic.models import Groupement

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    started = time.perf_counter()
    migrate(app)
    data = dataset(name, seed)
    with app.app_context():
        if db.session.scalar(select(func.count(Groupement.id))):
            raise SystemExit(f"{url} : la base n'est pas vide "
                             "(le générateur part d'une base vide).")
        db.session.remove()
        writer = BulkWriter(db.engine)
        generator = Generator(writer, seed, data.audit, data.notifications_per_user)
        generator.build(data)
        writer.finish()
        elapsed = time.perf_counter() - started
        counted = {
            "groupements": db.session.scalar(select(func.count(Groupement.id))),
            "interventions": db.session.scalar(select(func.count(Intervention.id))),
            "sessions": db.session.scalar(select(func.count(InterventionSession.id))),
        }
        db.session.remove()
        db.engine.dispose()
    summary = {"dataset": name, "description": data.description, "seed": seed,
               "database": app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0],
               "seconds": round(elapsed, 1), "rows": dict(writer.counts),
               "write_seconds": {k: round(v, 1) for k, v in writer.seconds.items()},
               "counted": counted,
               "end": END.isoformat(), "targets": generator.targets}
    if meta_path is not None:
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line: build one dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, required=True)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of an empty database")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--meta", type=Path, help="where to write the summary (JSON)")
    args = parser.parse_args(argv)
    summary = generate(args.url, args.dataset, args.seed, args.meta)
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
