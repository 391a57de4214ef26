"""Files about meetings: the iCalendar invitation, the minutes in PDF and DOCX.

The iCalendar file is written by hand following RFC 5545 (text escaping,
75-octet line folding, CRLF). The PDF is the minutes page's own template in its
print variant, rendered by WeasyPrint; the DOCX is built with python-docx. Both
carry fixed dates (the finalisation's), so a finalised version's files are the
same bytes at every download, and are written in French whoever downloads them
(documents of record: ``gic.i18n.in_french``); the iCalendar invitation is in
the reader's language.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import render_template
from flask_babel import gettext

from gic import pdf
from gic.convention.weights import shares
from gic.i18n import in_french
from gic.meetings.minutes import readable_versions
from gic.meetings.models import Meeting, MeetingStatus, Minutes, to_local
from gic.meetings.votes import Outcome, outcome
from gic.models import User

PRODID = "-//GIC//Reunions du groupement//FR"


# --- iCalendar -----------------------------------------------------------------

def ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, newline."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def ics_param(value: str) -> str:
    """A parameter value (e.g. CN): quoted when it holds ``:;,``; no DQUOTE allowed."""
    value = value.replace('"', "'").replace("\r", " ").replace("\n", " ")
    return f'"{value}"' if any(c in value for c in ":;,") else value


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (RFC 5545 §3.1) without splitting a
    UTF-8 character, ending with CRLF."""
    data = line.encode("utf-8")
    parts, limit = [], 75
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # inside a multi-byte character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = 74  # continuation lines start with one space
    parts.append(data)
    return b"\r\n ".join(parts) + b"\r\n"


def _utc(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting: Meeting, page_url: str) -> bytes:
    """The invitation (METHOD:REQUEST; CANCEL once cancelled), stable UID, times in UTC."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    description = [meeting.kind.label]
    if meeting.agenda:
        description.append(gettext("Ordre du jour :"))
        description.extend(f"{item.position}. {item.text}" for item in meeting.agenda)
    if meeting.video_url:
        description.append(gettext("Visioconférence : %(url)s", url=meeting.video_url))
    description.append(gettext("Détails : %(url)s", url=page_url))
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'REQUEST'}",
        "BEGIN:VEVENT",
        f"UID:gic-meeting-{meeting.id}-{meeting.created_at:%Y%m%dT%H%M%S}@gic",
        f"SEQUENCE:{meeting.sequence}",
        f"DTSTAMP:{_utc(meeting.updated_at)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.starts_at + timedelta(minutes=meeting.duration_minutes))}",
        f"SUMMARY:{ics_text(meeting.title)}",
    ]
    if meeting.place:
        lines.append(f"LOCATION:{ics_text(meeting.place)}")
    if meeting.video_url:
        lines.append(f"URL:{meeting.video_url}")
    lines.append(f"DESCRIPTION:{ics_text(chr(10).join(description))}")
    organizer = meeting.created_by
    lines.append(f"ORGANIZER;CN={ics_param(organizer.name)}:mailto:{organizer.email}")
    for invitee in meeting.invitees:
        user = invitee.user
        lines.append(f"ATTENDEE;CN={ics_param(user.name)};CUTYPE=INDIVIDUAL;"
                     f"ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:"
                     f"mailto:{user.email}")
    lines += [f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}", "END:VEVENT",
              "END:VCALENDAR"]
    return b"".join(fold(line) for line in lines)


# --- What the minutes page, the PDF and the DOCX show ----------------------------

def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def cap_use_percent(used: int, cap_minutes: int) -> int | None:
    """The share of the cap used, in whole percent rounded half up (None without a cap)."""
    if not cap_minutes:
        return None
    return int((Decimal(100 * used) / cap_minutes).quantize(Decimal(1), ROUND_HALF_UP))


def minutes_context(user: User, minutes: Minutes) -> dict:
    """The values the minutes template (page and PDF) and the DOCX use: both show
    the same figures (the groupement's totals, each cap use in percent) from here."""
    snap = minutes.snapshot
    rows = snap["establishments"]
    totals = {d: {k: sum(r[d][k] for r in rows) for k in ("interventions", "onsite", "remote")}
              for d in ("given", "received")}
    outcomes: dict[int, Outcome] = {d.id: outcome(d) for d in minutes.decisions if d.is_voted}
    vote = snap.get("vote")
    previous = snap.get("previous_meeting")
    return {
        "meeting": minutes.meeting, "minutes": minutes, "snap": snap,
        "period_start": _day(snap["period"]["start"]), "period_end": _day(snap["period"]["end"]),
        "previous_date": _day(previous["date"]) if previous else None,
        "totals": totals, "outcomes": outcomes,
        "cap_rows": [dict(r, percent=cap_use_percent(r["used"], snap["cap"]["cap_minutes"]))
                     for r in snap["cap"]["rows"]],
        # The finalisation in the groupement's time zone (the page's is the reader's, the same).
        "finalised_local": (to_local(minutes.finalised_at, minutes.meeting.groupement.timezone)
                            if minutes.finalised_at else None),
        "open_actions": [dict(a, due_date=_day(a["due_date"])) for a in snap["open_actions"]],
        "versions": readable_versions(user, minutes.meeting),
        # The ordered-hours model: each voter's contributions and weight (issue 16 item 6).
        "vote": vote, "voter_rows": _voter_rows(vote),
        "stamp": minutes.finalised_at or minutes.created_at,
    }


def _voter_rows(vote: dict | None) -> list[dict]:
    """Each voter of the snapshot with its contributions and weight in percent."""
    if not vote:
        return []
    amounts = [Decimal(v["amount"]) for v in vote["voters"]]
    return [dict(v, amount=a, percent=p)
            for v, a, p in zip(vote["voters"], amounts, shares(amounts), strict=True)]


def document_name(minutes: Minutes, extension: str) -> str:
    """« compte-rendu-12-v2.pdf »."""
    return f"compte-rendu-{minutes.meeting_id}-v{minutes.version}.{extension}"


# --- PDF -----------------------------------------------------------------------

def minutes_html(user: User, minutes: Minutes) -> str:
    """The minutes page, print variant: what the PDF shows (in French, see the module)."""
    with in_french():
        return render_template("meetings/minutes.html", print=True,
                               **minutes_context(user, minutes))


def minutes_pdf(user: User, minutes: Minutes) -> bytes:
    """The minutes page, print variant, through WeasyPrint."""
    return pdf.write_pdf(minutes_html(user, minutes), css=render_template("meetings/print.css"))


# --- DOCX ----------------------------------------------------------------------

def minutes_docx(user: User, minutes: Minutes) -> bytes:
    """The minutes as a Word document: headings, and tables for attendance,
    activity, cap use, decisions (with votes) and actions."""
    from gic.meetings.docx_writer import write_minutes

    with in_french():  # a document of record (see the module)
        context = minutes_context(user, minutes)
        document = write_minutes(context)
    stamp: datetime = context["stamp"]
    properties = document.core_properties
    properties.title = f"Compte rendu — {minutes.meeting.title}"
    properties.author = properties.last_modified_by = "GIC"
    properties.comments = ""
    properties.revision = minutes.version
    properties.created = properties.modified = stamp.replace(tzinfo=UTC)
    properties.last_printed = stamp.replace(tzinfo=UTC)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip_dates(buffer.getvalue(), stamp)


def fixed_zip_dates(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip (DOCX) with every entry dated ``stamp``: python-docx dates
    entries with the current time, which would make each download differ."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute,
            stamp.second - stamp.second % 2)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
