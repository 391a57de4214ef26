"""Which files may be attached to a technical file: size, extension and content.

Pure functions, no Flask, no database. A file is accepted when its extension is
in :data:`ALLOWED` AND its first bytes are what that format starts with (PDF
``%PDF-``, PNG signature, JPEG ``FF D8 FF``, a ZIP holding the parts of an
OpenDocument / Office Open XML file, UTF-8 text without NUL bytes). The stored
content type comes from this table, never from the browser. Office files with
macros are refused. Refusals are :class:`gic.errors.InvalidField` (gettext).

:func:`scanned_text` reads the text of a text, DOCX or ODT file (zipfile and
xml.etree, with a size limit against zip bombs), for the password check.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from flask_babel import gettext

from gic.enums import N_
from gic.errors import InvalidField

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # 5 Mo per file
MAX_FILENAME = 150
MAX_SCANNED_XML = 20 * 1024 * 1024  # uncompressed text part of a DOCX or ODT that is read
FIELD = "file"


def _starts(*signatures: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(signatures)


def _text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _zip_with(required: str, mimetype: str | None = None) -> Callable[[bytes], bool]:
    """A ZIP archive holding ``required`` (and, for OpenDocument, its mimetype first)."""
    def check(data: bytes) -> bool:
        if not data.startswith(b"PK\x03\x04"):
            return False
        if mimetype is not None and data[30:38 + len(mimetype)] != b"mimetype" + mimetype.encode():
            return False
        try:  # reads the central directory only: nothing is decompressed
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return False
        return required in names
    return check


ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VSDX = "application/vnd.ms-visio.drawing.main+xml"


@dataclass(frozen=True)
class FileType:
    """An accepted format: its content type, how it starts, its name for users."""

    content_type: str
    matches: Callable[[bytes], bool]
    label: str


ALLOWED: dict[str, FileType] = {
    "pdf": FileType("application/pdf", _starts(b"%PDF-"), "PDF"),
    "png": FileType("image/png", _starts(b"\x89PNG\r\n\x1a\n"), N_("image PNG")),
    "jpg": FileType("image/jpeg", _starts(b"\xff\xd8\xff"), N_("image JPEG")),
    "jpeg": FileType("image/jpeg", _starts(b"\xff\xd8\xff"), N_("image JPEG")),
    "txt": FileType("text/plain; charset=utf-8", _text, N_("texte (UTF-8)")),
    "odt": FileType(ODT, _zip_with("content.xml", ODT), N_("texte OpenDocument")),
    "ods": FileType(ODS, _zip_with("content.xml", ODS), N_("classeur OpenDocument")),
    "docx": FileType(DOCX, _zip_with("word/document.xml"), N_("document Word")),
    "xlsx": FileType(XLSX, _zip_with("xl/workbook.xml"), N_("classeur Excel")),
    "vsdx": FileType(VSDX, _zip_with("visio/document.xml"), N_("schéma Visio")),
}
ALLOWED_LABEL = "PDF, PNG, JPEG, TXT, ODT, ODS, DOCX, XLSX, VSDX"
MACROS = re.compile(r"(^|/)vbaProject\.bin$|^Basic/", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed: its safe name, content type and bytes."""

    filename: str
    content_type: str
    data: bytes


def safe_filename(name: str | None) -> str:
    """The file's own name without any folder, control character or quote, shortened."""
    name = unicodedata.normalize("NFC", name or "")
    name = PureWindowsPath(PurePosixPath(name).name).name
    name = "".join(c for c in name if c.isprintable() and c not in '"\\/:*?<>|')
    name = " ".join(name.split()).strip(". ")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        keep = MAX_FILENAME - len(extension) - 1
        short_extension = dot and 0 < len(extension) <= 10
        name = f"{stem[:keep]}.{extension}" if short_extension else name[:MAX_FILENAME]
    return name


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    """Accept a file by size, extension and content, or raise :class:`InvalidField`."""
    name = safe_filename(filename)
    if not name:
        raise InvalidField(gettext("Choisissez un fichier à joindre."), field=FIELD)
    if not data:
        raise InvalidField(gettext("« %(name)s » est vide.", name=name), field=FIELD)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidField(gettext("« %(name)s » dépasse la taille autorisée (%(mb)s Mo par "
                                   "fichier).", name=name,
                                   mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)), field=FIELD)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    kind = ALLOWED.get(extension)
    if kind is None:
        raise InvalidField(gettext("Type de fichier refusé pour « %(name)s » : formats "
                                   "acceptés %(allowed)s.", name=name, allowed=ALLOWED_LABEL),
                           field=FIELD)
    if not kind.matches(data):
        raise InvalidField(gettext("Le contenu de « %(name)s » n'est pas un fichier %(kind)s "
                                   "valide : fichier refusé.", name=name,
                                   kind=gettext(kind.label)), field=FIELD)
    if data.startswith(b"PK\x03\x04") and _has_macros(data):
        raise InvalidField(gettext("« %(name)s » contient des macros : enregistrez-le sans "
                                   "macros avant de le joindre.", name=name), field=FIELD)
    return CheckedFile(name, kind.content_type, data)


def _has_macros(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(MACROS.search(n) for n in archive.namelist())


# --- The text of an attachment, for the password check ------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
TEXT_PARTS = {DOCX: "word/document.xml", ODT: "content.xml"}
MAX_SPACES = 100  # <text:s text:c="…"/> repeats a space: a bounded number of times


def scanned_text(checked: CheckedFile) -> str | None:
    """The text of a text, DOCX or ODT attachment, one paragraph (or table row, as
    « | a | b | ») per line; None for the formats that are not read (PDF, images,
    spreadsheets). A document whose text cannot be read safely is refused."""
    if checked.content_type.startswith("text/plain"):
        return checked.data.decode("utf-8").lstrip("\ufeff")
    part = TEXT_PARTS.get(checked.content_type)
    if part is None:
        return None
    try:
        # defusedxml: no DTD, no entity (an Office file never has one: entity bombs),
        # whatever the part's encoding.
        root = SafeElementTree.fromstring(_read_part(checked, part), forbid_dtd=True)
        lines = _docx_lines(root) if checked.content_type == DOCX else _odt_lines(root)
        return "\n".join(lines)
    except DefusedXmlException:
        raise InvalidField(gettext("« %(name)s » n'est pas un document valide : fichier "
                                   "refusé.", name=checked.filename), field=FIELD) from None
    except (ElementTree.ParseError, zipfile.BadZipFile, zlib.error, EOFError, KeyError,
            NotImplementedError, RuntimeError, RecursionError):
        # a damaged or encrypted archive, an unknown compression, absurdly deep nesting…
        raise InvalidField(gettext("Le texte de « %(name)s » n'a pas pu être lu pour vérifier "
                                   "qu'il ne contient pas de mot de passe : fichier refusé. "
                                   "Enregistrez-le de nouveau avec votre traitement de texte.",
                                   name=checked.filename), field=FIELD) from None


def _read_part(checked: CheckedFile, part: str) -> bytes:
    """One member of the archive, read at most up to :data:`MAX_SCANNED_XML` bytes
    (the size the archive announces is not trusted)."""
    too_big = InvalidField(gettext("« %(name)s » contient trop de texte pour être vérifié "
                                   "(%(mb)s Mo de texte au plus) : découpez-le en plusieurs "
                                   "fichiers.", name=checked.filename,
                                   mb=MAX_SCANNED_XML // (1024 * 1024)), field=FIELD)
    with zipfile.ZipFile(io.BytesIO(checked.data)) as archive:
        if archive.getinfo(part).file_size > MAX_SCANNED_XML:
            raise too_big
        with archive.open(part) as member:
            xml = member.read(MAX_SCANNED_XML + 1)
    if len(xml) > MAX_SCANNED_XML:
        raise too_big
    return xml


def _docx_lines(element: ElementTree.Element) -> Iterator[str]:
    """Paragraphs and table rows of ``word/document.xml`` in reading order."""
    for child in element:
        if child.tag == W + "p":
            yield _docx_paragraph(child)
        elif child.tag == W + "tbl":
            for row in child.iter(W + "tr"):
                cells = (" ".join(_docx_paragraph(p) for p in cell.iter(W + "p"))
                         for cell in row.findall(W + "tc"))
                yield "| " + " | ".join(cells) + " |"
        else:  # body, content controls, text boxes…
            yield from _docx_lines(child)


def _docx_paragraph(paragraph: ElementTree.Element) -> str:
    """A paragraph's text (deleted revisions included: they are in the file)."""
    parts = []
    for node in paragraph.iter():
        if node.tag in (W + "t", W + "delText"):
            parts.append(node.text or "")
        elif node.tag == W + "tab":
            parts.append("\t")
        elif node.tag in (W + "br", W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _odt_lines(element: ElementTree.Element) -> Iterator[str]:
    """Paragraphs, headings and table rows of ``content.xml`` in reading order."""
    for child in element:
        if child.tag in (TEXT + "p", TEXT + "h"):
            yield _odt_text(child)
        elif child.tag == TABLE + "table":
            for row in child.iter(TABLE + "table-row"):
                cells = (" ".join(_odt_text(p) for p in cell.iter(TEXT + "p"))
                         for cell in row.findall(TABLE + "table-cell"))
                yield "| " + " | ".join(cells) + " |"
        else:  # body, sections, lists, frames…
            yield from _odt_lines(child)


def _odt_text(element: ElementTree.Element) -> str:
    """The text of a paragraph: spans, spaces (``text:s``), tabs, line breaks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == TEXT + "s":
            count = child.get(TEXT + "c", "1")
            parts.append(" " * min(int(count) if count.isdigit() else 1, MAX_SPACES))
        elif child.tag == TEXT + "tab":
            parts.append("\t")
        elif child.tag == TEXT + "line-break":
            parts.append("\n")
        else:
            parts.append(_odt_text(child))
        parts.append(child.tail or "")
    return "".join(parts)
