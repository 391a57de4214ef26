"""Helpers of the tampering tests: "nothing changed" snapshots, logged-in clients."""

from __future__ import annotations

import html

from sqlalchemy import select

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention
from tests.conftest import login

UNKNOWN_ID = 2_000_000_000  # a plausible id that exists nowhere


def snapshot() -> dict[str, list]:
    """Every row of every table (but login failures and tokens, whose last use
    any API request updates): what "nothing changed" is compared against."""
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("login_failure", "api_token"):
            continue
        rows[table.name] = [tuple(r) for r in db.session.execute(
            select(table).order_by(*table.primary_key.columns))]
    db.session.rollback()
    return rows


def changed(before: dict[str, list]) -> list[str]:
    """Tables whose rows differ from ``before``."""
    after = snapshot()
    return [name for name in before if before[name] != after[name]]


def text(response) -> str:
    """The page's text with HTML entities decoded (« N'est pas… »)."""
    return html.unescape(response.get_data(as_text=True))


def warm(api, *users) -> None:
    """Make the callers' API tokens before a snapshot (making one is audited)."""
    for user in users:
        api.token(user)


def browser(app, user):
    """A test client logged in as ``user`` through the login form."""
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def draft(world, provider: str = "A", beneficiary: str = "B") -> Intervention:
    """A request of ``beneficiary`` to ``provider``, drafted by its technician."""
    return services.create_draft(world.technicians[beneficiary],
                                 provider_id=world.establishments[provider].id, axis=2,
                                 nature="incident", description="Serveur en panne")
