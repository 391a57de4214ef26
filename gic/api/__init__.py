"""JSON API v1 (SPEC §8): bearer tokens, JSON errors, OpenAPI document.

Routes are attached by the modules create_app imports (auth, bilan, billing,
interventions, openapi, views), not here: they import this package's ``bp``.
"""

from flask import Blueprint

from gic.api import errors

bp = Blueprint("api", __name__)
errors.register(bp)
