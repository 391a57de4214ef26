"""Flask commands (thin wrappers): ``flask --app gic <command>``.

``db upgrade`` comes from Flask-Migrate; the commands below load the demo data,
set up a fresh install (a groupement and its first coordinator) and create
personal API tokens, run the scheduler (``scheduler``) or the jobs once (``run-jobs``),
back up and restore the database (``backup``, ``restore``).
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from gic import timeutil
from gic.convention.constants import (
    DEFAULT_CAP_MINUTES,
    DEFAULT_DURATION_YEARS,
    DEFAULT_HOURLY_RATE,
    DEFAULT_THRESHOLD_MINUTES,
)
from gic.errors import DomainError
from gic.extensions import db
from gic.jobs import JOBS
from gic.models import Groupement, Role, User


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (demo_command, create_groupement_command, create_user_command,
                    create_token_command, set_password_command, deactivate_user_command,
                    scheduler_command, run_jobs_command,
                    backup_command, restore_command):
        app.cli.add_command(command)


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo data (GIC 65, GCSMS Démo) if absent and print the demo accounts."""
    from gic import demo
    try:
        result = demo.load_demo()
    except (OperationalError, ProgrammingError) as error:
        raise click.ClickException(
            "Base de données non initialisée : lancez d'abord « flask --app gic db upgrade ». "
            f"({error.orig})") from None
    for name in result.created:
        click.echo(f"Données de démonstration créées : {name}")
    if not result.created:
        click.echo("Données de démonstration déjà présentes : rien n'a été ajouté.")
    for message in result.skipped:
        click.echo(f"Étape laissée de côté : {message}", err=True)
    click.echo()
    click.echo(demo.format_accounts(demo.demo_accounts(), current_app.config["PUBLIC_URL"]))


@click.command("create-groupement")
@with_appcontext
@click.argument("name")
@click.option("--start-date", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Début de la convention (AAAA-MM-JJ), par défaut aujourd'hui.")
@click.option("--duration-years", type=click.IntRange(1, 99), default=DEFAULT_DURATION_YEARS,
              show_default=True)
@click.option("--threshold-minutes", type=click.IntRange(0), default=DEFAULT_THRESHOLD_MINUTES,
              show_default=True, help="Seuil de gratuité sur site (minutes).")
@click.option("--cap-minutes", type=click.IntRange(0), default=DEFAULT_CAP_MINUTES,
              show_default=True, help="Plafond annuel facturable par bénéficiaire (minutes).")
@click.option("--rate", default=str(DEFAULT_HOURLY_RATE), show_default=True,
              help="Taux horaire TTC (EUR).")
def create_groupement_command(name: str, start_date, duration_years: int,
                              threshold_minutes: int, cap_minutes: int, rate: str) -> None:
    """Create a groupement with the first version of its convention."""
    from gic.admin.services import create_groupement
    try:
        hourly_rate = Decimal(rate).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise click.BadParameter("montant attendu, par exemple 25.00", param_hint="--rate") \
            from None
    with _domain_errors():
        start = start_date.date() if start_date else timeutil.local_today()
        g = create_groupement(name, start_date=start, duration_years=duration_years,
                              threshold_minutes=threshold_minutes, cap_minutes=cap_minutes,
                              hourly_rate=hourly_rate)
    click.echo(f"Groupement créé : {g.name} (n° {g.id}).")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default="coordinator",
              show_default=True)
@click.option("--groupement", "groupement_name", required=True, help="Nom du groupement.")
@click.option("--establishment-id", type=int, default=None,
              help="Établissement (obligatoire pour un technicien ou une direction).")
@click.option("--password", prompt="Mot de passe", hide_input=True,
              confirmation_prompt="Confirmez le mot de passe",
              help="Demandé s'il n'est pas donné.")
def create_user_command(email: str, name: str, role: str, groupement_name: str,
                        establishment_id: int | None, password: str) -> None:
    """Create a user, e.g. the first coordinator of a fresh install."""
    from gic.admin.services import create_user_unattended
    groupement = db.session.scalars(
        select(Groupement).where(Groupement.name == groupement_name)).first()
    if groupement is None:
        raise click.ClickException(f"Groupement inconnu : {groupement_name}")
    with _domain_errors():
        user = create_user_unattended(groupement, email=email, name=name, role=role,
                                      establishment_id=establishment_id, password=password)
    click.echo(f"Utilisateur créé : {user.email} ({user.role.label}, {groupement.name}).")


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="", help="Nom du jeton (ex. « script de facturation »).")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=None,
              help="Validité en jours ; par défaut jusqu'à la révocation.")
def create_token_command(email: str, name: str, expires_in_days: int | None) -> None:
    """Create a personal API token and print it once (only its hash is stored)."""
    from gic.auth.services import create_token
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None or not user.active:
        raise click.ClickException(f"Utilisateur inconnu ou désactivé : {email}")
    _, raw = create_token(user, name, expires_in_days=expires_in_days)
    click.echo(f"Jeton créé pour {user.email} ; il ne sera plus affiché :", err=True)
    click.echo(raw)


@click.command("set-password")
@with_appcontext
@click.argument("email")
@click.option("--password", prompt="Nouveau mot de passe", hide_input=True,
              confirmation_prompt="Confirmez le mot de passe",
              help="Demandé s'il n'est pas donné.")
def set_password_command(email: str, password: str) -> None:
    """Set a user's password (e.g. a coordinator who lost his): his sessions end and
    his login lock is lifted; audited."""
    from gic.auth.passwords import set_password_unattended
    user = _user_by_email(email)
    with _domain_errors():
        set_password_unattended(user, password)
    click.echo(f"Mot de passe changé pour {user.email} ; ses sessions sont fermées."
               + ("" if user.active else " Le compte reste désactivé."))


@click.command("deactivate-user")
@with_appcontext
@click.argument("email")
def deactivate_user_command(email: str) -> None:
    """Deactivate a user at once (sessions ended, every API token revoked; the
    groupement keeps an active coordinator); audited."""
    from gic.admin.users import deactivate_unattended
    user = _user_by_email(email)
    if not user.active:
        click.echo(f"{user.email} est déjà désactivé.")
        return
    with _domain_errors():
        revoked = deactivate_unattended(user)
    click.echo(f"Compte désactivé : {user.email} ; sessions fermées, {revoked} jeton(s) "
               "d'API révoqué(s).")


def _user_by_email(email: str) -> User:
    """The user with this e-mail (any case), or a command-line error."""
    user = db.session.scalars(
        select(User).where(func.lower(User.email) == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"Utilisateur inconnu : {email}")
    return user


@contextmanager
def _domain_errors():
    """Turn a service's refusal into a clean command-line error (exit code 1)."""
    try:
        yield
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs until stopped (one scheduler per installation: a second
    one exits at once). Run it next to the web server, never inside it."""
    from flask import current_app

    from gic.jobs.scheduler import SchedulerError, configure_logging, run_scheduler
    configure_logging()
    try:
        run_scheduler(current_app._get_current_object())
    except SchedulerError as error:
        raise click.ClickException(str(error)) from None


def _known_jobs(ctx, param, names: tuple[str, ...]) -> tuple[str, ...]:
    """Refuse unknown job names, listing the known ones."""
    unknown = [name for name in names if name not in JOBS]
    if unknown:
        raise click.BadParameter(f"tâche inconnue : {', '.join(unknown)} "
                                 f"(tâches : {', '.join(JOBS)}).")
    return names


@click.command("run-jobs")
@with_appcontext
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Jour de référence (AAAA-MM-JJ), par défaut aujourd'hui (Europe/Paris).")
@click.argument("names", nargs=-1, metavar="[TÂCHE]...", callback=_known_jobs)
def run_jobs_command(today, names: tuple[str, ...]) -> None:
    """Run jobs once: the named ones, or else those scheduled on that day; prints how
    each ended and exits with code 1 if one failed (for cron users and tests)."""
    from gic.jobs import TIMEZONE, JobStatus, due_jobs, run_job
    day = today.date() if today else timeutil.local_today(TIMEZONE)
    names = names or tuple(job.name for job in due_jobs(day))
    results = [run_job(name, day) for name in names]
    for result in results:
        click.echo(f"{result.name} ({day.isoformat()}) : {result.status.label} — "
                   f"{result.message.splitlines()[0] if result.message else ''}")
    failed = [result.name for result in results if result.status == JobStatus.ERROR]
    if failed:
        raise click.ClickException(f"Tâche(s) en erreur : {', '.join(failed)} "
                                   "(détails dans le journal).")


@click.command("backup")
@with_appcontext
@click.argument("path", required=False, type=click.Path(dir_okay=True, path_type=str))
def backup_command(path: str | None) -> None:
    """Write a consistent copy of the database while the app keeps running (SQLite
    backup API, or pg_dump for PostgreSQL) to PATH, a folder, or by default
    instance/backups/gic-<UTC timestamp>.sqlite3|.dump; print the file written."""
    from gic.backup import BackupError, backup
    try:
        written = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(str(written))


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=str))
@click.option("--yes", is_flag=True, help="Confirme le remplacement de toutes les données.")
def restore_command(path: str, yes: bool) -> None:
    """Replace ALL the data of the configured database by the backup PATH (made by
    ``backup`` on the same kind of database); refused without --yes."""
    from gic.backup import BackupError, restore
    if not yes:
        raise click.ClickException(
            f"Restauration refusée sans --yes : toutes les données de la base configurée "
            f"seraient remplacées par celles de {path}. Arrêtez l'application (et le "
            "planificateur), puis relancez avec --yes.")
    try:
        restore(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Base restaurée depuis {path}.")
