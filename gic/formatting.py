"""French formatting of minutes, without Flask (used by rules' messages too)."""


def hours_minutes(minutes: int) -> str:
    """Exact minutes as users write hours: 440 -> "7 h 20", 2100 -> "35 h 00"."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(int(minutes))
    return f"{sign}{minutes // 60} h {minutes % 60:02d}"
