"""Time the app on a generated dataset: pages and API calls, bilan, exports, hand SQL.

    python -m bench.run --url URL --meta bench/data/region-sqlite.json --out result.json

Everything goes through the Flask app in-process (the test client, logged-in
users for pages, API tokens for the API), as a request in production would,
minus the network. For each target groupement of the dataset (see
:mod:`bench.generate`), each measure is timed (:func:`bench.timing.timed`)
and its SQL queries counted once. The hand-tuned SQL (:mod:`bench.sql`) is
timed in the same run and its figures compared with the app's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, text

from bench import sql
from bench.generate import PASSWORD
from bench.timing import QueryCounter, Timing, timed

BUDGET_JSON = 1.0
BUDGET_LIST = 0.1
BUDGET_XLSX = 10.0
ROLES = ("technician", "director", "accountant", "coordinator")


def make_app(url: str):
    """The app on the benchmark's database (CSRF off: only the login form posts)."""
    from gic import create_app
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "WTF_CSRF_ENABLED": False,
                       "MAIL_OUTBOX": tempfile.mkdtemp(prefix="gic-bench-outbox-")})


class Target:
    """One groupement-year to measure, with logged-in clients and API tokens."""

    def __init__(self, app, meta: dict) -> None:
        from gic.auth.services import create_token
        from gic.extensions import db
        from gic.models import User
        self.app, self.meta = app, meta
        self.gid, self.year = meta["groupement_id"], meta["year"]
        self.clients, self.tokens = {}, {}
        emails = {}
        with app.app_context():
            for role in ROLES:
                user = db.session.get(User, meta[f"{role}_id"])
                emails[role] = user.email
                self.tokens[role] = create_token(user, "banc d'essai")[1]
            db.session.remove()
        # Outside any app context: each request gets its own, with a fresh ``g``
        # (Flask-Login caches the user there), as in production.
        for role in ROLES:
            client = app.test_client()
            response = client.post("/login", data={"email": emails[role], "password": PASSWORD})
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                raise RuntimeError(f"connexion impossible pour {emails[role]}")
            self.clients[role] = client

    @property
    def pair(self) -> tuple[int, int]:
        """The first pair (provider, beneficiary) billed in the year: its page is measured."""
        if not hasattr(self, "_pair"):
            from gic.billing.services import summary_for
            from gic.extensions import db
            with self.app.app_context():
                line = summary_for(self.gid, self.year).lines[0]
                db.session.remove()
            self._pair = (line["provider_id"], line["beneficiary_id"])
        return self._pair

    def api(self, role: str, method: str, path: str, **kwargs):
        """An API call as ``role`` (bearer token)."""
        client = self.app.test_client()
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def page(self, role: str, path: str):
        """A page as ``role`` (logged-in session)."""
        return self.clients[role].get(path)


def _ok(response, status: int = 200):
    body = response.get_data()  # consume streamed bodies inside the timing
    if response.status_code != status:
        raise RuntimeError(f"{response.request.path}: {response.status_code} "
                           f"{body[:300]!r}")
    return response


def measures(target: Target) -> list[dict]:
    """The measures of SPEC §10 / issue 6 for one target: name, label, budget, call."""
    y = target.year
    current = target.meta["current_year"]
    iid = target.meta["intervention_id"]
    return [
        {"name": "api_billing", "label": f"GET /api/v1/billing/{y} (comptable)",
         "budget": BUDGET_JSON, "call": lambda: _ok(target.api("accountant", "GET",
                                                                f"/billing/{y}"))},
        {"name": "api_bilan", "label": f"GET /api/v1/bilan/{y} (coordination)",
         "budget": BUDGET_JSON, "call": lambda: _ok(target.api("coordinator", "GET",
                                                                f"/bilan/{y}"))},
        # A job (1 January, the coordinator's « régénérer »): the page and the API
        # read its stored snapshot (api_bilan, bilan_page carry the budget).
        {"name": "bilan_compute", "label": f"calcul du bilan {y} (compute_bilan, tâche)",
         "budget": None, "call": lambda: _in_app(target, _compute_bilan, y)},
        {"name": "bilan_draft", "label": f"régénération du brouillon {y} (generate_draft)",
         "budget": None, "call": lambda: _in_app(target, _generate_draft, y)},
        {"name": "export_csv", "label": f"GET /api/v1/billing/{y}.csv",
         "budget": None, "call": lambda: _ok(target.api("accountant", "GET",
                                                         f"/billing/{y}.csv"))},
        {"name": "export_xlsx", "label": f"GET /api/v1/billing/{y}.xlsx",
         "budget": BUDGET_XLSX, "call": lambda: _ok(target.api("accountant", "GET",
                                                                f"/billing/{y}.xlsx"))},
        {"name": "list_coordinator", "label": "/interventions/ (coordination)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page("coordinator",
                                                                 "/interventions/"))},
        {"name": "list_director", "label": "/interventions/ (direction)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page("director", "/interventions/"))},
        {"name": "list_technician", "label": "/interventions/ (technicien)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page("technician",
                                                                "/interventions/"))},
        {"name": "list_year", "label": f"/interventions/?year={y} (coordination)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page(
             "coordinator", f"/interventions/?year={y}"))},
        {"name": "list_meetings", "label": "/meetings/ (coordination)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page("coordinator", "/meetings/"))},
        {"name": "list_audit", "label": "/audit/ (coordination)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page("coordinator", "/audit/"))},
        # The accountant's dashboard is the current year's billing summary: the
        # billing's budget; the others show lists (a list page's budget).
        *[{"name": f"dashboard_{role}", "label": f"tableau de bord ({label})",
           "budget": budget, "call": (lambda role=role: _ok(target.page(role, "/")))}
          for role, label, budget in (
              ("technician", "technicien", BUDGET_LIST), ("director", "direction", BUDGET_LIST),
              ("accountant", "comptable (facturation de l'année)", BUDGET_JSON),
              ("coordinator", "coordination", BUDGET_LIST))],
        {"name": "billing_page", "label": f"/billing/{y} (comptable)",
         "budget": BUDGET_JSON, "call": lambda: _ok(target.page("accountant", f"/billing/{y}"))},
        {"name": "billing_pair", "label": f"/billing/{y}/paires/… (comptable, une paire)",
         "budget": BUDGET_LIST, "call": lambda: _ok(target.page(
             "accountant", f"/billing/{y}/paires/{target.pair[0]}-{target.pair[1]}"))},
        {"name": "bilan_page", "label": f"/bilan/{y} (coordination)",
         "budget": BUDGET_JSON, "call": lambda: _ok(target.page("coordinator", f"/bilan/{y}"))},
        {"name": "session_create", "label": f"POST /api/v1/interventions/{iid}/sessions "
                                            f"(plafond, {current})",
         "budget": None, "call": lambda: _ok(target.api(
             "technician", "POST", f"/interventions/{iid}/sessions",
             json=target.meta["session"]), 201),
         "after": lambda response: _in_app(target, _delete_session, response.get_json()["id"])},
        {"name": "sql_billing", "label": f"SQL écrit à la main : facturation {y}",
         "budget": None, "call": lambda: _in_app(target, _sql, sql.billing, y)},
        {"name": "sql_bilan", "label": f"SQL écrit à la main : agrégats du bilan {y}",
         "budget": None, "call": lambda: _in_app(target, _sql, sql.bilan, y)},
        {"name": "app_billing", "label": f"facturation {y} par l'app (summary_for)",
         "budget": BUDGET_JSON, "call": lambda: _in_app(target, _summary, y)},
    ]


def comparisons(target: Target) -> list[dict]:
    """Before / after pairs of the fixes, timed in the same run (bench/baseline.py)."""
    from bench import baseline
    from gic.billing import queries
    from gic.convention import ledger
    from gic.extensions import db
    from gic.models import User
    from gic.pages import BoundedPage
    from gic.reports import queries as report_queries
    y, gid = target.year, target.gid
    current = target.meta["current_year"]
    beneficiary = target.meta["beneficiary_id"]
    iid = target.meta["intervention_id"]

    def bilan_after(_):
        from gic.billing.services import summary_for
        return (summary_for(gid, y), report_queries.activity_by_pair_axis(gid, y),
                report_queries.minutes_by_month(gid, y))

    def bilan_before(_):
        return baseline.summary_before(gid, y), baseline.bilan_activity_before(gid, y)

    pairs = [
        ("billing", f"facturation {y} : 3 passes sur tout l'historique → 1 passe sur l'année",
         lambda _: baseline.summary_before(gid, y),
         lambda _: queries.year_billing(gid, y)),
        ("bilan", f"agrégats du bilan {y} : 7 passes → 3",
         bilan_before, bilan_after),
        ("cap", f"contrôle du plafond ({current}) à la saisie d'une séance",
         lambda _: baseline.cap_use_before(beneficiary, [current], exclude_intervention_id=iid),
         lambda _: ledger.cap_use(beneficiary, [current], exclude_intervention_id=iid)),
        ("direction", f"heures données / reçues ({current}), tableau de bord direction",
         lambda _: baseline.minutes_by_direction_before(beneficiary, current),
         lambda _: queries.minutes_by_direction(beneficiary, current)),
    ]
    def year_list(_):
        from gic.interventions import services
        user = db.session.get(User, target.meta["coordinator_id"])
        return services.filter_interventions(services.visible_interventions(user), year=y,
                                             state=None, establishment_id=None)

    def waiting_after(_):
        from gic.main.services import waiting_requests
        return waiting_requests(db.session.get(User, target.meta["director_id"]))

    pairs += [
        ("fold", f"facturation {y} : repli en Python → sommes par paire en SQL",
         lambda _: baseline.year_billing_python_fold(gid, y),
         lambda _: queries.year_billing(gid, y)),
        ("count", f"/interventions/?year={y} : total exact → compté jusqu'à 1 000",
         lambda t: baseline.exact_count(year_list(t)),
         lambda t: BoundedPage(select=year_list(t), session=db.session(), page=1,
                               per_page=25, max_per_page=25, error_out=False).total),
        ("waiting", "demandes en attente de la direction : ordre des numéros → index "
                    "(groupement, état)",
         lambda _: baseline.director_waiting_before(
             db.session.get(User, target.meta["director_id"])),
         waiting_after),
    ]
    if target.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pairs.append(("jit", f"facturation {y} : JIT de PostgreSQL actif → désactivé",
                      lambda _: _with_jit(lambda: queries.year_billing(gid, y)),
                      lambda _: queries.year_billing(gid, y)))
    return [{"name": name, "label": label, "before": before, "after": after}
            for name, label, before, after in pairs]


def _with_jit(call):
    """``call`` with PostgreSQL's JIT back on (the app turns it off), then off again."""
    from gic.extensions import db
    db.session.execute(text("SET jit = on"))
    try:
        return call()
    finally:
        db.session.execute(text("SET jit = off"))


def _in_app(target: Target, function, *args):
    from gic.extensions import db
    with target.app.app_context():
        try:
            return function(target, *args)
        finally:
            db.session.remove()


def _compute_bilan(target: Target, year: int):
    from gic.reports.compute import compute_bilan
    return compute_bilan(target.gid, year)


def _generate_draft(target: Target, year: int):
    from gic.reports.services import generate_draft
    return generate_draft(target.gid, year).id


def _summary(target: Target, year: int):
    from gic.billing.services import summary_for
    return summary_for(target.gid, year)


def _sql(target: Target, statement, year: int):
    from gic.extensions import db
    return statement(db.session, target.gid, year)


def _delete_session(target: Target, session_id: int) -> None:
    """Undo the timed session: the row and its audit entry (the data stays the same)."""
    from gic.audit.models import AuditEntry
    from gic.extensions import db
    from gic.interventions.models import InterventionSession
    db.session.execute(delete(AuditEntry).where(AuditEntry.object_type == "InterventionSession",
                                                AuditEntry.object_id == session_id))
    db.session.execute(delete(InterventionSession).where(InterventionSession.id == session_id))
    db.session.commit()


def check_hand_sql(target: Target) -> dict:
    """The hand SQL's figures against the app's: billing and bilan (empty lists: equal)."""
    return _in_app(target, _check)


def _check(target: Target) -> dict:
    from gic.billing.services import summary_for
    from gic.extensions import db
    from gic.reports.compute import compute_bilan
    app_billing = sql.app_billing_figures(summary_for(target.gid, target.year))
    hand_billing = sql.billing_figures(sql.billing(db.session, target.gid, target.year))
    app_bilan = sql.app_bilan_figures(compute_bilan(target.gid, target.year))
    hand_bilan = sql.bilan_figures(sql.bilan(db.session, target.gid, target.year))
    return {"billing": sql.differences(app_billing, hand_billing),
            "bilan": sql.differences(app_bilan, hand_bilan),
            "pairs": len(app_billing["lines"]), "pending": len(app_billing["pending"])}


def export_lines(target: Target) -> int:
    """Lines of the year's export: billed interventions, pending ones, pairs, settlements."""
    from gic.billing.exports import views
    from gic.billing.services import export_detail
    from gic.extensions import db
    from gic.models import User
    with target.app.app_context():
        user = db.session.get(User, target.meta["accountant_id"])
        lines = sum(len(view.rows) for view in views(export_detail(user, target.year)))
        db.session.remove()
    return lines


def run_target(target: Target, runs: int, only: set[str] | None = None,
               profile_dir: Path | None = None, log=print) -> dict:
    """Every measure of ``target``: timings, query counts, budget met or not."""
    from gic.extensions import db
    with target.app.app_context():
        counter = QueryCounter(db.engine)
    _in_app(target, _generate_draft, target.year)  # the snapshot GET /bilan reads
    results = []
    for measure in measures(target):
        if only and measure["name"] not in only:
            continue
        after = measure.get("after")
        timing: Timing = timed(measure["call"], runs=runs, after=after)
        with counter.counting():
            result = measure["call"]()
        queries = counter.count
        if after:
            after(result)
        entry = {"name": measure["name"], "label": measure["label"],
                 "budget": measure["budget"], "queries": queries, **timing.as_json()}
        if measure["budget"] is not None:
            entry["met"] = timing.median < measure["budget"]
        results.append(entry)
        log(f"  {measure['name']:<22} médiane {timing.median * 1000:9.1f} ms "
            f"(min {timing.low * 1000:.1f}, max {timing.high * 1000:.1f}, {len(timing.runs)} "
            f"passages, {queries} requêtes)", flush=True)
        if profile_dir is not None:
            from bench.profile import profile_call
            profile_call(measure["call"], profile_dir / f"{measure['name']}.txt", after)
    fixes = []
    if not only or "fixes" in only:
        for pair in comparisons(target):
            before = timed(lambda pair=pair: _in_app(target, pair["before"]), runs=runs)
            after = timed(lambda pair=pair: _in_app(target, pair["after"]), runs=runs)
            fixes.append({"name": pair["name"], "label": pair["label"],
                          "before": before.as_json(), "after": after.as_json(),
                          "ratio": round(before.median / after.median, 2)})
            log(f"  avant/après {pair['name']:<10} {before.median * 1000:9.1f} ms → "
                f"{after.median * 1000:9.1f} ms (× {before.median / after.median:.1f})",
                flush=True)
    return {"target": target.meta, "measures": results, "fixes": fixes,
            "check": check_hand_sql(target), "export_lines": export_lines(target)}


def main(argv: list[str] | None = None) -> int:
    """Command line: measure one generated dataset."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--meta", type=Path, required=True, help="the generator's summary")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="comma-separated measure names")
    parser.add_argument("--profile", type=Path, help="folder for pyinstrument reports")
    args = parser.parse_args(argv)
    meta = json.loads(args.meta.read_text())
    app = make_app(args.url)
    only = set(args.only.split(",")) if args.only else None
    started = time.perf_counter()
    results = []
    for target_meta in meta["targets"]:
        print(f"{meta['dataset']} / {target_meta['label']} ({target_meta['groupement']}, "
              f"{target_meta['sessions']} séances)", flush=True)
        target = Target(app, target_meta)
        profile_dir = (args.profile / f"{meta['dataset']}-{meta['database'].split('+')[0]}-"
                       f"g{target.gid}") if args.profile else None
        results.append(run_target(target, args.runs, only, profile_dir))
    out = {"dataset": meta["dataset"], "database": meta["database"], "generation": meta,
           "targets": results, "seconds": round(time.perf_counter() - started, 1)}
    with make_app(args.url).app_context():
        from gic.extensions import db
        out["server_version"] = db.session.connection().dialect.server_version_info
        db.session.remove()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
