"""French formatting of minutes, without Flask but for Babel's gettext (used by rules'
messages too); the English forms for the pages of an English reader (``locale="en"``,
see gic/web.py)."""

import re

from flask_babel import gettext

# French typography: no line break inside « 7 h 20 », « n° 12 », « … ».
NBSP = "\u00a0"


def hours_minutes(minutes: int, space: str = " ", locale: str = "fr") -> str:
    """Exact minutes as users write hours: 440 -> "7 h 20", 2100 -> "35 h 00";
    thousands of hours grouped as French does (narrow no-break space, as Babel):
    41_701_990 -> "695 033 h 10". Pages pass ``space=NBSP`` (the ``hm`` filter) so
    that « 51 h 30 » never breaks across lines; exports and e-mails keep plain spaces.
    In English (``locale="en"``) the thousands take a comma: "695,033 h 10"."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(int(minutes))
    hours = f"{minutes // 60:,}"
    if locale.startswith("fr"):
        hours = hours.replace(",", "\u202f")
    return f"{sign}{hours}{space}h{space}{minutes % 60:02d}"


def numero(value) -> str:
    """« n° 12 » with a no-break space: the number never starts a line alone
    (« No. 12 » for an English reader)."""
    # TRANSLATORS: the sign before a number (« n° 12 »).
    sign = gettext("n°")
    return f"{sign}{NBSP}{value}"


def quoted(value) -> str:
    """« value » between French quotes, no-break spaces inside."""
    return f"«{NBSP}{value}{NBSP}»"


_HOURS = re.compile(r"(?<=\d)[ \u00a0]h(?:[ \u00a0](?=\d{2}\b)|(?=\d)|\b)")
_NUMERO = re.compile(r"\b([nN]°)[ \u00a0]+")
_OPENING = re.compile(r"«[ \u00a0]*")
_CLOSING = re.compile(r"[ \u00a0]*»")


def french_spacing(text: str) -> str:
    """No-break spaces where French typography wants them, in a text already
    written with ordinary spaces (a service's message, a flash): before « h » of
    a duration and between it and the minutes (« 7 h 20 », « 35 h »), after
    « n° », inside « ». Nothing else changes (HTML tags and entities are kept)."""
    text = _HOURS.sub(lambda m: m.group(0).replace(" ", NBSP), text)
    text = _NUMERO.sub(lambda m: m.group(1) + NBSP, text)
    text = _OPENING.sub("«" + NBSP, text)
    return _CLOSING.sub(NBSP + "»", text)


def _day(day: int) -> str:
    """Babel pattern of the day: French writes the first of the month « 1er »."""
    return "d'er'" if day == 1 else "d"


def long_date(value, locale: str = "fr") -> str:
    """« 14 mars 2025 », « 1er janvier 2026 »."""
    from babel.dates import format_date
    day = _day(value.day) if locale.startswith("fr") else "d"
    return format_date(value, f"{day} MMMM y", locale=locale)


def long_datetime(local, locale: str = "fr", weekday: bool = False) -> str:
    """A local (already converted) datetime: « mardi 1er décembre 2026 à 14:00 »;
    in English "Tuesday 1 December 2026 at 14:00"."""
    from babel.dates import format_datetime
    french = locale.startswith("fr")
    day = _day(local.day) if french else "d"
    prefix = "EEEE " if weekday else ""
    at = "'à'" if french else "'at'"
    return format_datetime(local, f"{prefix}{day} MMMM y {at} HH:mm", locale=locale)
