"""Input helpers shared by every area's forms, pages and the API."""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # database integer columns: larger ids cannot exist
MAX_PAGE = 1_000_000


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond an integer column is a 404,
    answered by the router before any query (no overflow error in the database)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def optional_int(value) -> int | None:
    """Coerce a select's value: '' (the « all / none » choice) -> None, else a
    plausible id; anything else raises ValueError, which WTForms reports on the field."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 0 <= number <= MAX_INT:
        raise ValueError("hors limites")
    return number


def page_arg() -> int:
    """The ``?page=`` of a paginated list, clamped to 1…MAX_PAGE."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)
