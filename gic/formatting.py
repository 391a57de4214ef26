"""French formatting of minutes, without Flask (used by rules' messages too)."""


def hours_minutes(minutes: int) -> str:
    """Exact minutes as users write hours: 440 -> "7 h 20", 2100 -> "35 h 00";
    thousands of hours grouped as French does (narrow no-break space, as Babel):
    41_701_990 -> "695 033 h 10"."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(int(minutes))
    hours = f"{minutes // 60:,}".replace(",", "\u202f")
    return f"{sign}{hours} h {minutes % 60:02d}"


def _day(day: int) -> str:
    """Babel pattern of the day: French writes the first of the month « 1er »."""
    return "d'er'" if day == 1 else "d"


def long_date(value, locale: str = "fr") -> str:
    """« 14 mars 2025 », « 1er janvier 2026 »."""
    from babel.dates import format_date
    day = _day(value.day) if locale.startswith("fr") else "d"
    return format_date(value, f"{day} MMMM y", locale=locale)


def long_datetime(local, locale: str = "fr", weekday: bool = False) -> str:
    """A local (already converted) datetime: « mardi 1er décembre 2026 à 14:00 »."""
    from babel.dates import format_datetime
    day = _day(local.day) if locale.startswith("fr") else "d"
    prefix = "EEEE " if weekday else ""
    return format_datetime(local, f"{prefix}{day} MMMM y 'à' HH:mm", locale=locale)
