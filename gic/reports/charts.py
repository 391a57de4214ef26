"""Server-side SVG charts of the bilan, the same in the page and in the PDF.

No JavaScript and no ``style`` attribute (the CSP forbids inline styles): SVG
presentation attributes (``fill``, ``font-size``…) and CSS classes only. Each
chart is an accessible image (``role="img"`` named by its ``<title>`` and
``<desc>``); every bar carries a ``<title>`` with its exact value, and the page
repeats the numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from flask_babel import gettext
from markupsafe import Markup, escape

from gic.formatting import hours_minutes

COLORS = {"onsite": "#0b5cad", "remote": "#8fbbe6", "given": "#1f7a3a", "received": "#d08a1e",
          "grid": "#d5dbe1", "text": "#1b1f24", "muted": "#5b6470"}
FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"'
NICE_STEPS_HOURS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def _months() -> tuple[str, ...]:
    """The months' short names under the bars, in the reader's language."""
    return (gettext("janv."), gettext("févr."), gettext("mars"), gettext("avr."),
            gettext("mai"), gettext("juin"), gettext("juil."), gettext("août"),
            gettext("sept."), gettext("oct."), gettext("nov."), gettext("déc."))


def _month_names() -> tuple[str, ...]:
    """The months' names in the charts' descriptions and bar titles."""
    return (gettext("janvier"), gettext("février"), gettext("mars"), gettext("avril"),
            gettext("mai"), gettext("juin"), gettext("juillet"), gettext("août"),
            gettext("septembre"), gettext("octobre"), gettext("novembre"),
            gettext("décembre"))


def _step(max_minutes: int, ticks: int = 5) -> int:
    """A round grid step in minutes so that about ``ticks`` lines cover the maximum."""
    hours = max(1, math.ceil(max_minutes / 60))
    for step in NICE_STEPS_HOURS:
        if hours / step <= ticks:
            return step * 60
    return math.ceil(hours / ticks) * 60


def _open(chart_id: str, width: int, height: int, title: str, desc: str, css: str) -> list[str]:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} '
           f'{height}" width="{width}" height="{height}" role="img" '
           f'aria-labelledby="{chart_id}-title {chart_id}-desc" {FONT} font-size="12">')
    return [
        svg,
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _bar(x: float, y: float, w: float, h: float, fill: str, css: str, label: str) -> str:
    return (f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{fill}"><title>{escape(label)}</title></rect>')


def _legend(x: int, y: int, items: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for label, color in items:
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{color}"/>')
        parts.append(f'<text x="{x + 18}" y="{y}" fill="{COLORS["text"]}">{escape(label)}</text>')
        x += 30 + 7 * len(label)
    return parts


def monthly_hours(months: Sequence[dict], *, chart_id: str = "chart-months") -> Markup:
    """Stacked bars per month: on-site at the bottom, remote on top (hours)."""
    width, height = 640, 270
    left, right, top, bottom = 56, 12, 14, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [m["onsite_minutes"] + m["remote_minutes"] for m in months]
    step = _step(max(totals, default=0))
    scale_max = max(step, math.ceil(max(totals, default=0) / step) * step)
    short, names = _months(), _month_names()
    desc = gettext("Heures par mois, sur site et à distance : %(list)s.", list="; ".join(
        gettext("%(month)s %(onsite)s sur site, %(remote)s à distance", month=names[i],
                onsite=hours_minutes(m["onsite_minutes"]),
                remote=hours_minutes(m["remote_minutes"])) for i, m in enumerate(months)))
    parts = _open(chart_id, width, height, gettext("Heures d'intervention par mois"), desc,
                  "chart-months")
    for tick in range(0, scale_max + 1, step):
        y = top + plot_h - plot_h * tick / scale_max
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                     f'stroke="{COLORS["grid"]}" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'fill="{COLORS["muted"]}">{tick // 60} h</text>')
    slot = plot_w / 12
    bar_w = slot * 0.62
    for i, m in enumerate(months):
        x = left + slot * i + (slot - bar_w) / 2
        base = top + plot_h
        for key, label in (("onsite_minutes", gettext("%(month)s : %(time)s sur site")),
                           ("remote_minutes", gettext("%(month)s : %(time)s à distance"))):
            minutes = m[key]
            if minutes <= 0:
                continue
            h = plot_h * minutes / scale_max
            base -= h
            mode = key.removesuffix("_minutes")
            parts.append(_bar(x, base, bar_w, h, COLORS[mode], f"bar-{mode}",
                              label % {"month": names[i], "time": hours_minutes(minutes)}))
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" '
                     f'text-anchor="middle" fill="{COLORS["text"]}">{short[i]}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                 f'y2="{top + plot_h}" stroke="{COLORS["muted"]}" stroke-width="1"/>')
    parts += _legend(left, height - 14, ((gettext("Sur site"), COLORS["onsite"]),
                                         (gettext("À distance"), COLORS["remote"])))
    parts.append("</svg>")
    return Markup("".join(parts))


def given_received(rows: Sequence[tuple[str, int, int, bool]], *,
                   chart_id: str = "chart-given") -> Markup:
    """Horizontal bars per establishment: hours given (as provider) and received.

    ``rows`` are ``(name, given_minutes, received_minutes, is_readers_own)``; the
    reader's establishment is written in bold and marked « (vous) ».
    """
    width, row_h, top = 640, 64, 8
    left, right = 12, 90
    height = top + row_h * max(1, len(rows)) + 30
    plot_w = width - left - right
    biggest = max([v for _, g, r, _ in rows for v in (g, r)], default=0)
    scale_max = max(60, biggest)
    desc = gettext("Heures données et reçues par établissement : %(list)s.", list="; ".join(
        gettext("%(name)s a donné %(given)s et reçu %(received)s", name=name,
                given=hours_minutes(g), received=hours_minutes(r))
        for name, g, r, _ in rows))
    parts = _open(chart_id, width, height, gettext("Heures données et reçues par établissement"),
                  desc, "chart-given")
    y = top
    for name, given, received, mine in rows:
        weight = ' font-weight="bold"' if mine else ""
        label = gettext("%(name)s (vous)", name=name) if mine else name
        parts.append(f'<text x="{left}" y="{y + 12}" fill="{COLORS["text"]}"{weight}>'
                     f'{escape(label)}</text>')
        for k, (key, minutes, title) in enumerate((
                ("given", given, gettext("%(name)s a donné %(time)s")),
                ("received", received, gettext("%(name)s a reçu %(time)s")))):
            bar_y = y + 18 + k * 20
            w = plot_w * minutes / scale_max
            if minutes > 0:
                parts.append(_bar(left, bar_y, max(w, 1.5), 16, COLORS[key], f"bar-{key}",
                                  title % {"name": name, "time": hours_minutes(minutes)}))
            parts.append(f'<text x="{left + w + 6:.1f}" y="{bar_y + 12}" '
                         f'fill="{COLORS["muted"]}">{hours_minutes(minutes)}</text>')
        y += row_h
    parts += _legend(left, height - 10, ((gettext("Heures données"), COLORS["given"]),
                                         (gettext("Heures reçues"), COLORS["received"])))
    parts.append("</svg>")
    return Markup("".join(parts))
