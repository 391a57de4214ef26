"""Domain errors raised by rules and services, with a French message.

Views show ``message`` on the page; the API turns the error into the SPEC §8
JSON body ``{"error": {"code", "message"}}`` with ``status``. No Flask here.
The message is given through ``gettext`` (or a ``lazy_gettext`` constant): it
is read once, when the error is raised, in the language of that request.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refusal the user must read; ``code`` is stable, ``message`` is French."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 **extra: object) -> None:
        message = str(message)  # a lazy string is translated now, once
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    """Unknown object, or one the user may not even know exists (other groupement)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The user is known and sees the object but may not do this."""

    status = 403
    code = "forbidden"


class RuleRefused(DomainError):
    """A convention rule or the workflow refuses the action (cap, closed year, state)."""

    status = 409
    code = "rule_refused"


class InvalidField(DomainError):
    """A field has a value that cannot be accepted."""

    status = 422
    code = "invalid_field"
