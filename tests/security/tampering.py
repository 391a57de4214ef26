"""Helpers of the tampering tests: "nothing changed" snapshots, logged-in clients."""

from __future__ import annotations

import html

from gic.extensions import db
from gic.interventions import services
from gic.interventions.models import Intervention
from tests.conftest import login
from tests.helpers import database_rows

UNKNOWN_ID = 2_000_000_000  # a plausible id that exists nowhere


def snapshot() -> dict[str, str]:
    """Every row of every table (but login failures and tokens, whose last use
    any API request updates): what "nothing changed" is compared against."""
    rows = database_rows(skip_tables=frozenset({"login_failure", "api_token"}))
    db.session.rollback()
    return rows


def changed(before: dict[str, str]) -> list[str]:
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
