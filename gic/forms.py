"""Input helpers shared by every area's forms, pages and the API."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import wtforms
from flask import request
from flask_babel import lazy_gettext
from werkzeug.routing import IntegerConverter
from wtforms import Field
from wtforms.widgets import TextInput

MAX_INT = 2**31 - 1  # database integer columns: larger ids cannot exist
MAX_PAGE = 1_000_000


def digits_up_to(limit: int) -> str:
    """A regular expression matching the decimal numbers from 0 to ``limit``."""
    digits = str(limit)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        rest = len(digits) - i - 1
        if digit != "0":  # the same start, a smaller digit here, then any digits
            tail = rf"\d{{{rest}}}" if rest else ""
            options.append(f"{digits[:i]}[0-{int(digit) - 1}]{tail}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond an integer column is a 404,
    answered by the router before any query (no overflow error in the database).

    The bound is in the pattern, not only in ``to_python``: werkzeug picks the
    rule for the request's method before converting, so a number refused by
    ``to_python`` on a path that other methods also serve answered 405 with an
    ``Allow`` header listing methods that would have been refused too.
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)
        if not self.signed and not self.fixed_digits and self.max is not None:
            self.regex = digits_up_to(self.max)


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


# --- Money typed by people ------------------------------------------------------

_MONEY = re.compile(r"^\d{1,9}(?:[.,]\d{1,2})?$")


def parse_money(text: str | None) -> Decimal | None:
    """Euros as people type them: « 1 500,50 », « 30 », « 30.5 € » -> Decimal;
    empty -> None; anything else raises ValueError."""
    text = (text or "").replace("€", "").replace("\u202f", "").replace("\xa0", "")
    text = text.replace(" ", "").strip()
    if not text:
        return None
    if not _MONEY.match(text):
        raise ValueError(text)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern already refused it
        raise ValueError(text) from None


class TypedTextField(Field):
    """A value people type as text (an amount, a duration), read by ``parse`` and
    shown back by ``show``; what was typed is kept on a refusal, with ``unreadable``.
    Subclasses set the three."""

    widget = TextInput()
    unreadable = lazy_gettext("Valeur illisible.")

    @staticmethod
    def parse(text: str):  # pragma: no cover - every subclass sets its own
        raise NotImplementedError

    @staticmethod
    def show(value) -> str:  # pragma: no cover - every subclass sets its own
        raise NotImplementedError

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        try:
            self.data = self.parse(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.unreadable)) from None


def show_money(value: Decimal | None) -> str:
    """The editable form of an amount: Decimal("1500.5") -> « 1500,50 »."""
    return "" if value is None else f"{value:.2f}".replace(".", ",")


class MoneyField(TypedTextField):
    """An amount in euros typed as text, kept as a ``Decimal`` (never a float)."""

    parse = staticmethod(parse_money)
    show = staticmethod(show_money)
    unreadable = lazy_gettext("Montant illisible : écrivez par exemple « 30,00 » ou « 1 500 ».")


# --- Dates, times and numbers: a refusal says what to type ------------------------
# WTForms' own messages (« N'est pas une date valide ») leave people guessing: every
# form imports these fields from here instead of from ``wtforms``.

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the first one is what the page shows back
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


class DateField(wtforms.DateField):
    """A date: « AAAA-MM-JJ » (what the browser's date picker sends) or « JJ/MM/AAAA »
    (typed where there is no picker)."""

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        kwargs.setdefault("invalid_value_message",
                          lazy_gettext("Date illisible : écrivez-la « JJ/MM/AAAA » ou "
                                       "« AAAA-MM-JJ »."))
        super().__init__(label, validators, format=format or list(DATE_FORMATS), **kwargs)


class TimeField(wtforms.TimeField):
    """A time of day, « 9:00 » or « 09:00 » (seconds accepted, as some browsers send)."""

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        kwargs.setdefault("invalid_value_message",
                          lazy_gettext("Heure illisible : écrivez-la « 9:00 » ou « 09:00 »."))
        super().__init__(label, validators, format=format or list(TIME_FORMATS), **kwargs)


class IntegerField(wtforms.IntegerField):
    """A whole number."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message",
                          lazy_gettext("Nombre illisible : écrivez un nombre entier, "
                                       "par exemple « 3 »."))
        super().__init__(label, validators, **kwargs)


class YearField(IntegerField):
    """A year, four digits."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_value_message",
                          lazy_gettext("Année illisible : écrivez-la « AAAA », "
                                       "par exemple « 2026 »."))
        super().__init__(label, validators, **kwargs)
