"""Enumerations whose members carry the French word users read.

A state, a kind or a role is declared once, with its label::

    class State(Labelled):
        DRAFT = "draft", "Brouillon"

The member is the stored string (``State.DRAFT == "draft"``, JSON and templates
print ``draft``) and ``State.DRAFT.label`` is « Brouillon » (in English « Draft »:
the label is looked up in the catalogue each time it is read, in the reader's
language; ``pybabel extract`` finds the labels by the ``N_`` marker). Columns store them
by value and load them back as members (:func:`gic.database.enum_type`), so
code and templates read ``intervention.state.label``: no dict of labels, no
``State(intervention.state)`` conversion. Pure Python: :mod:`gic.convention.rules` uses it.
"""

from __future__ import annotations

import enum

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it now (gettext's ``N_``)."""
    return message


class Labelled(enum.StrEnum):
    """A ``StrEnum`` whose members are declared ``NAME = "value", N_("Libellé")``."""

    _label: str

    def __new__(cls, value: str, label: str) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        """The French label, or its translation in the current request's language."""
        return gettext(self._label)


class Language(Labelled):
    """The languages of the interface; each is named in its own language."""

    FR = "fr", "Français"
    EN = "en", "English"

    @property
    def label(self) -> str:  # a language's own name is not translated
        return self._label
