"""The English catalogue follows the code (issue 17 item 7): every message of the
code and the templates is translated, no translation is left of a message that
is gone, and a translation keeps the message's placeholders. ``scripts/i18n``
updates the catalogue and lists what is missing."""

from __future__ import annotations

import shutil

import pytest
from babel.messages.catalog import Catalog

from gic import i18n
from gic.enums import Language


@pytest.fixture(scope="module")
def found() -> Catalog:
    """The messages of the code and the templates, extracted once for the module
    (reading every file takes seconds; the tests below spoil only the catalogue)."""
    return i18n.extract()


def test_the_english_catalogue_translates_every_message_and_nothing_else(found):
    assert i18n.problems(Language.EN, found) == []


def test_the_catalogue_has_every_enum_label():
    catalog = i18n.read(Language.EN)
    from gic.interventions.models import State
    assert catalog.get(State.DRAFT._label).string == "Draft"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A copy of the catalogues to spoil."""
    directory = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS, directory)
    monkeypatch.setattr(i18n, "TRANSLATIONS", directory)
    return directory


def _spoil(change, found: Catalog) -> list[str]:  # noqa: ANN001
    catalog = i18n.read(Language.EN)
    change(catalog)
    i18n.write(Language.EN, catalog)
    return i18n.problems(Language.EN, found)


def test_an_untranslated_message_is_reported(scratch, found):
    def forget(catalog: Catalog) -> None:
        catalog.get("Brouillon").string = ""
    problems = _spoil(forget, found)
    assert len(problems) == 1 and problems[0].startswith("non traduit : 'Brouillon' (gic/")


def test_a_message_missing_from_the_catalogue_is_reported(scratch, found):
    problems = _spoil(lambda catalog: catalog.delete("Brouillon"), found)
    assert len(problems) == 1 and problems[0].startswith("absent du catalogue : 'Brouillon'")


def test_a_translation_of_a_message_gone_from_the_code_is_reported(scratch, found):
    problems = _spoil(lambda catalog: catalog.add("Un message disparu", "A message gone"),
                      found)
    assert problems == ["traduction d'un message disparu : 'Un message disparu'"]


def test_a_translation_that_loses_a_placeholder_is_reported(scratch, found):
    def lose(catalog: Catalog) -> None:
        catalog.add("Bonjour %(name)s", "Hello", flags=["python-format"])
    problems = _spoil(lose, found)
    assert any("placeholder" in p or "name" in p for p in problems), problems


def test_update_keeps_translations_and_drops_stale_ones(scratch, found):
    catalog = i18n.read(Language.EN)
    catalog.add("Un message disparu", "A message gone")
    i18n.write(Language.EN, catalog)
    updated = i18n.update(Language.EN, found)
    assert updated.get("Un message disparu") is None
    assert updated.get("Brouillon").string == "Draft"


def test_catalogues_are_compiled_when_missing_or_older(scratch):
    mo = scratch / "en" / "LC_MESSAGES" / "messages.mo"
    mo.unlink(missing_ok=True)
    assert i18n.compile_catalogues(scratch) == [mo]
    assert i18n.compile_catalogues(scratch) == []

