"""Authorization rows of the e-mail action links (issue 13, item 2; see
tests/security/matrix.py).

A link needs no login: it names its person (here another groupement's director,
so that an anonymous call changes nothing of the first groupement). Opened by
its person or by a visitor who is not logged in: the confirmation page (GET), the
step done (POST). Anyone logged in as somebody else is refused (403), whatever
his role. Forged, expired and used links: tests/views/test_email_links.py.
"""

from __future__ import annotations

from tests.security.matrix import Route, who

HOLDERS = {"anon": 200, "other_dir": 200}

ROUTES = {
    ("interventions.email_action", "GET"): Route(who(logged=403, **HOLDERS),
                                                 args={"token": "email_link"}),
    ("interventions.email_action", "POST"): Route(who(logged=403, **HOLDERS),
                                                  args={"token": "email_link"}, body={}),
}


def build(ctx) -> None:
    """Another groupement's draft X -> Y and its director X's « Activer » link."""
    from gic.interventions import services
    from gic.interventions.maillinks import make_token
    other = ctx.other
    draft = services.create_draft(other.technicians["X"], provider_id=other.establishments["Y"].id,
                                  axis=2, nature="incident", description="Onduleur en alarme")
    ctx.ids["email_link"] = make_token(other.directors["X"], draft, "activate")
