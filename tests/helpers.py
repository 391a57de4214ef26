"""Shortcuts to put an intervention in a given state through the real services,
Office documents to attach to a technical file, and the outside tools the tests read
documents with."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date, time
from functools import cache

import pytest
from sqlalchemy import LargeBinary, TextClause
from sqlalchemy import text as sql_text

from gic.interventions import services
from gic.interventions.models import Intervention


def text_of(response) -> str:
    """The page's HTML unescaped, French spacing normalised (the pages and Babel put
    no-break spaces before « h », after « n° », inside « »)."""
    text = html.unescape(response.get_data(as_text=True))
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def visible_text(response, *, tag_gap: str = " ") -> str:
    """The page's visible text: tags dropped (replaced by ``tag_gap``), French spacing
    normalised, runs of blanks as one space."""
    text = re.sub(r"<[^>]+>", tag_gap, response.get_data(as_text=True))
    text = html.unescape(text).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def hm(text: str) -> time:
    """'09:30' -> time(9, 30)."""
    h, m = text.split(":")
    return time(int(h), int(m))


def accepted(world, provider: str = "A", beneficiary: str = "B", *,
             estimated_onsite_minutes: int = 0, axis: int = 2) -> Intervention:
    """A request from ``beneficiary`` to ``provider``, activated and accepted."""
    i = services.create_draft(
        world.technicians[beneficiary], provider_id=world.establishments[provider].id,
        axis=axis, nature="incident", description="Serveur de fichiers en panne",
        estimated_onsite_minutes=estimated_onsite_minutes)
    services.activate(i, world.directors[beneficiary])
    services.accept(i, world.directors[provider], world.technicians[provider].id)
    return i


def session(world, i: Intervention, day: date, start: str, end: str, mode: str = "onsite",
            provider: str | None = None):
    """Log a session as the assigned technician."""
    technician = i.technician
    return services.log_session(i, technician, day=day, start=hm(start), end=hm(end),
                                mode=mode, notes="")


# --- Office documents to attach (technical files) ------------------------------------

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


def docx_file(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A real DOCX (python-docx): the paragraphs, then a table of rows if given."""
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_file(body: str) -> bytes:
    """An ODT as LibreOffice writes it: ``mimetype`` first and stored, then
    ``content.xml`` whose ``office:text`` holds ``body`` (ODF XML)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return buffer.getvalue()


# --- The whole database, to prove that a refusal changed nothing -----------------------

# Changed on every authenticated API call, by design (last use of a token).
VOLATILE = {("api_token", "last_used_at")}


@cache
def _every_row(dialect: str) -> TextClause:
    """One statement that reads every row of every table but the ``VOLATILE`` columns,
    each table as one JSON text (rows in primary-key order, binary columns in hex):
    one round trip per snapshot instead of one per table."""
    from gic.extensions import db

    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    parts = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
        order = ", ".join(quoted(c.name) for c in table.primary_key.columns)
        if dialect == "postgresql":
            values = ", ".join(quoted(c.name) for c in columns)
            rows = (f"SELECT coalesce(json_agg(json_build_array({values}) ORDER BY {order})"
                    f"::text, '[]') FROM {quoted(table.name)}")
        else:
            values = ", ".join(f"hex({quoted(c.name)})" if isinstance(c.type, LargeBinary)
                               else quoted(c.name) for c in columns)
            rows = (f"SELECT json_group_array(json_array({values})) FROM "
                    f"(SELECT * FROM {quoted(table.name)} ORDER BY {order})")
        parts.append(f"({rows}) AS {quoted(table.name)}")
    return sql_text("SELECT " + ", ".join(parts))


def database_rows(*, skip_tables: frozenset[str] = frozenset()) -> dict[str, str]:
    """Every row of every table but ``skip_tables``, read fresh from the database in
    one statement: table name -> its rows as JSON text."""
    from gic.extensions import db
    row = db.session.execute(_every_row(db.session.get_bind().dialect.name)).one()
    return {name: rows for name, rows in row._mapping.items() if name not in skip_tables}


# --- Outside tools ----------------------------------------------------------------------

def unavailable(message: str) -> None:
    """What a test cannot do on this machine: a failure in CI (``CI`` set: the project's
    scripts install what the tests need, so a missing tool is a broken build), a skip
    elsewhere."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require_tool(command: str, package: str) -> None:
    """The Debian ``package`` giving ``command`` (installed by ``scripts/test``)."""
    if shutil.which(command) is None:
        unavailable(f"{command} introuvable : paquet Debian {package} "
                    "(scripts/test l'installe avec apt-get)")


def pdftotext(content: bytes, *, layout: bool = True) -> str:
    """The text of a PDF by poppler's ``pdftotext``, non-breaking spaces made plain."""
    require_tool("pdftotext", "poppler-utils")
    done = subprocess.run(["pdftotext", *(["-layout"] if layout else []), "-", "-"],
                          input=content, capture_output=True, check=True)
    return done.stdout.decode().replace("\u00a0", " ").replace("\u202f", " ")
