"""Typed states (issue 17 item 3): enum columns are stored as the same strings as
before and load back as their enum members, each with its French label."""

from __future__ import annotations

import enum
import importlib

import pytest
from sqlalchemy import text

from gic.enums import Labelled
from gic.extensions import db
from gic.interventions.models import Intervention, State
from gic.models import Role, User
from tests.helpers import accepted

# Every module that declares the enums of the columns.
MODULES = ["gic.models", "gic.convention.rules", "gic.interventions.models", "gic.meetings.models",
           "gic.governance.models", "gic.convention.weights", "gic.jobs.models",
           "gic.techfiles.models", "gic.secondments.models", "gic.billing.models",
           "gic.ordered.models", "gic.trainings.models", "gic.reports.models",
           "gic.equipment.models"]


def test_a_state_is_stored_as_its_string_and_loads_back_as_the_member(world):
    i = accepted(world)
    db.session.flush()
    stored = db.session.execute(text("SELECT state FROM intervention WHERE id = :id"),
                                {"id": i.id}).scalar_one()
    assert (type(stored), stored) == (str, "accepted")
    db.session.expire_all()
    loaded = db.session.get(Intervention, i.id)
    assert loaded.state is State.ACCEPTED
    assert (loaded.state.label, loaded.state == "accepted", f"{loaded.state}") == (
        "Acceptée", True, "accepted")


def test_a_string_set_on_an_enum_column_reads_back_as_the_member(world):
    user = db.session.get(User, world.technicians["A"].id)
    user.role = "director"
    assert user.role is Role.DIRECTOR and user.role.label == "Direction"
    with pytest.raises(ValueError):
        user.role = "boss"


def test_columns_selected_alone_are_typed_too(world):
    i = accepted(world)
    rows = db.session.execute(db.select(Intervention.state).where(Intervention.id == i.id))
    assert rows.scalar_one() is State.ACCEPTED


def _labelled_enums():
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Labelled) and value is not Labelled
                    and value.__module__ == name):
                yield value


@pytest.mark.parametrize("kind", list(_labelled_enums()), ids=lambda k: k.__name__)
def test_every_member_carries_a_french_label(kind: type[enum.StrEnum]):
    assert all(isinstance(m.label, str) and m.label and m.label != m.value for m in kind)
    assert [kind(m.value) for m in kind] == list(kind)
