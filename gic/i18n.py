"""The interface's languages: French by default and complete, English available.

Messages are written in French in the code and the templates (``_()``,
``gettext``, ``lazy_gettext``, ``N_`` for labels declared before any request)
and translated from the catalogue ``gic/translations/en/LC_MESSAGES/messages.po``.
``scripts/i18n`` extracts them (:func:`extract`) and updates the catalogue
(:func:`update`), keeping every translation already made;
``tests/unit/test_catalogue.py`` fails on a message without its translation, a
translation of a message that is gone, or placeholders that differ
(:func:`problems`).

Which language: a signed-in person's profile (:attr:`gic.models.User.language`,
kept across logins); before login, ``?lang=`` kept in the session; French
otherwise. The JSON API answers in French whatever the caller's profile (its
messages are part of the contract, SPEC §8). Documents of record (statements,
contribution documents, signed sheets, minutes, the published bilan) are written
in French whoever asks for them: they are the groupement's, not the reader's.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask, has_request_context, request, session
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

from gic.enums import Language

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ROOT = TRANSLATIONS.parent.parent
DEFAULT = Language.FR
TRANSLATED = (Language.EN,)

# Where the messages are: the package's Python and the templates ({% trans %} trimmed).
METHODS = [("gic/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"trimmed": "true"}}
# The header's dates stay put: updating the catalogue changes only its messages.
HEADER_DATE = datetime(2026, 12, 3, tzinfo=UTC)
HEADER = "Translations of GIC's interface (French source messages). Made by scripts/i18n."
KEYWORDS = DEFAULT_KEYWORDS | {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}


def in_french():
    """``with in_french():`` what is written there is in French whoever reads or
    acts: documents of record, and what is stored to be read by all (default meeting
    titles, procedure reasons, the audit log's wording)."""
    return force_locale(DEFAULT.value)


def _text_not_markup(self: LazyString) -> Markup:
    """A ``lazy_gettext`` string is text: Jinja escapes it like any other string
    (Flask-Babel's ``__html__`` would print it as trusted markup, unescaped)."""
    return escape(str(self))


LazyString.__html__ = _text_not_markup


def select_locale() -> str:
    """The language of this request (see the module's docstring); French outside a
    request (jobs, commands: they choose with ``force_locale`` per reader)."""
    if not has_request_context() or request.path.startswith("/api/"):
        return DEFAULT.value
    if current_user and current_user.is_authenticated:
        return current_user.language.value
    chosen = request.args.get("lang")
    if chosen in set(Language):
        session["lang"] = chosen
    return session.get("lang", DEFAULT.value)


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each ``.po`` whose ``.mo`` is missing or older (the ``.mo`` files are
    not kept in git: made here when the app starts, as ``pybabel compile`` would).
    Written to a temporary file then renamed: two processes starting together
    never read half a catalogue. Returns the files written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(temporary, mo)
        written.append(mo)
    return written


def catalogue_path(language: Language) -> Path:
    return TRANSLATIONS / language.value / "LC_MESSAGES" / "messages.po"


def extract() -> Catalog:
    """Every message of the code and the templates, as a template catalogue."""
    template = Catalog(project="GIC", charset="utf-8", creation_date=HEADER_DATE)
    for filename, line, message, comments, context in extract_from_dir(
            ROOT, METHODS, OPTIONS, KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        template.add(message, None, [(filename, line)], auto_comments=comments,
                     context=context)
    return template


def read(language: Language) -> Catalog:
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language.value)


def write(language: Language, catalog: Catalog) -> None:
    """Sorted by message, without line numbers: a change elsewhere in a file does
    not touch the catalogue."""
    catalog.header_comment = "# " + HEADER
    catalog.creation_date = catalog.revision_date = HEADER_DATE
    catalog.fuzzy = False
    catalog.project, catalog.version = "GIC", "1"
    catalog.msgid_bugs_address = catalog.last_translator = catalog.language_team = ""
    with catalogue_path(language).open("wb") as target:
        write_po(target, catalog, width=100, sort_output=True, include_lineno=False,
                 omit_header=False, ignore_obsolete=True)


def update(language: Language, found: Catalog | None = None) -> Catalog:
    """Bring the catalogue in line with the messages (``found``: :func:`extract`'s,
    when already made): new ones come in untranslated, translations of messages
    that are gone are dropped."""
    catalog = read(language)
    catalog.update(found or extract(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    write(language, catalog)
    return catalog


def problems(language: Language, found: Catalog | None = None) -> list[str]:
    """What is wrong with a catalogue: untranslated, fuzzy, stale, wrong placeholders
    (``found``: :func:`extract`'s, when already made)."""
    catalog, found = read(language), found or extract()
    wrong = []
    for message in found:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            wrong.append(f"absent du catalogue : {message.id!r} ({_where(message)})")
        elif not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            wrong.append(f"non traduit : {message.id!r} ({_where(message)})")
        elif entry.fuzzy:
            wrong.append(f"traduction à revoir (fuzzy) : {message.id!r}")
    for entry in catalog:
        if entry.id and found.get(entry.id, context=entry.context) is None:
            wrong.append(f"traduction d'un message disparu : {entry.id!r}")
    for entry, errors in catalog.check():
        wrong.extend(f"{entry.id!r} : {error}" for error in errors)
    wrong.extend(f"message obsolète : {entry!r}" for entry in catalog.obsolete)
    return wrong


def _where(message) -> str:  # noqa: ANN001
    return ", ".join(f"{name}:{line}" for name, line in message.locations[:2])


def init_app(app: Flask) -> None:
    """Compile the catalogues and trim the whitespace of ``{% trans %}`` blocks."""
    compile_catalogues()
    app.jinja_env.policies["ext.i18n.trimmed"] = True


def main() -> int:
    """``scripts/i18n``: update each catalogue, then list what is left to translate."""
    left = 0
    for language in TRANSLATED:
        catalog = update(language)
        wrong = problems(language)
        print(f"{catalogue_path(language).relative_to(ROOT)} : {len(catalog)} messages, "
              f"{len(wrong)} à reprendre")
        for problem in wrong:
            print("  " + problem)
        left += len(wrong)
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
