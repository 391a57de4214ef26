"""Which files may be attached to a technical file: size, extension and content.

Pure functions, no Flask, no database. A file is accepted when its extension is
in :data:`ALLOWED` AND its first bytes are what that format starts with (PDF
``%PDF-``, PNG signature, JPEG ``FF D8 FF``, a ZIP holding the parts of an
OpenDocument / Office Open XML file, UTF-8 text without NUL bytes). The stored
content type comes from this table, never from the browser. Office files with
macros are refused. Refusals are :class:`gic.errors.InvalidField` in French.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from gic.errors import InvalidField

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024  # 5 Mo per file
MAX_FILENAME = 150
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
    "png": FileType("image/png", _starts(b"\x89PNG\r\n\x1a\n"), "image PNG"),
    "jpg": FileType("image/jpeg", _starts(b"\xff\xd8\xff"), "image JPEG"),
    "jpeg": FileType("image/jpeg", _starts(b"\xff\xd8\xff"), "image JPEG"),
    "txt": FileType("text/plain; charset=utf-8", _text, "texte (UTF-8)"),
    "odt": FileType(ODT, _zip_with("content.xml", ODT), "texte OpenDocument"),
    "ods": FileType(ODS, _zip_with("content.xml", ODS), "classeur OpenDocument"),
    "docx": FileType(DOCX, _zip_with("word/document.xml"), "document Word"),
    "xlsx": FileType(XLSX, _zip_with("xl/workbook.xml"), "classeur Excel"),
    "vsdx": FileType(VSDX, _zip_with("visio/document.xml"), "schéma Visio"),
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
        raise InvalidField("Choisissez un fichier à joindre.", field=FIELD)
    if not data:
        raise InvalidField(f"« {name} » est vide.", field=FIELD)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidField(f"« {name} » dépasse la taille autorisée "
                           f"({MAX_ATTACHMENT_BYTES // (1024 * 1024)} Mo par fichier).",
                           field=FIELD)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    kind = ALLOWED.get(extension)
    if kind is None:
        raise InvalidField(f"Type de fichier refusé pour « {name} » : formats acceptés "
                           f"{ALLOWED_LABEL}.", field=FIELD)
    if not kind.matches(data):
        raise InvalidField(f"Le contenu de « {name} » n'est pas un fichier {kind.label} "
                           "valide : fichier refusé.", field=FIELD)
    if data.startswith(b"PK\x03\x04") and _has_macros(data):
        raise InvalidField(f"« {name} » contient des macros : enregistrez-le sans macros "
                           "avant de le joindre.", field=FIELD)
    return CheckedFile(name, kind.content_type, data)


def _has_macros(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(MACROS.search(n) for n in archive.namelist())
