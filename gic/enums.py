"""Enumerations whose members carry the French word users read.

A state, a kind or a role is declared once, with its label::

    class State(Labelled):
        DRAFT = "draft", "Brouillon"

The member is the stored string (``State.DRAFT == "draft"``, JSON and templates
print ``draft``) and ``State.DRAFT.label`` is « Brouillon ». Columns store them
by value and load them back as members (:func:`gic.database.enum_type`), so
code and templates read ``intervention.state.label``: no dict of labels, no
``State(intervention.state)`` conversion. Pure Python: :mod:`gic.convention.rules` uses it.
"""

from __future__ import annotations

import enum


class Labelled(enum.StrEnum):
    """A ``StrEnum`` whose members are declared ``NAME = "value", "Libellé"``."""

    label: str

    def __new__(cls, value: str, label: str) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member
