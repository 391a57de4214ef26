"""The convention model chosen on a version (issue 16, item 1): a new version says
its model and ordered-hours settings; left empty, they are the previous version's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gic.convention import history
from gic.errors import InvalidField
from gic.governance.versions import create_version, preview_version
from gic.models import ConventionModel

TODAY = date(2026, 11, 23)
SAME = {"threshold_minutes": 420, "cap_minutes": 2100, "hourly_rate": Decimal("25.00"),
        "duration_years": 3}


def test_choosing_the_ordered_model_is_a_change_from_its_first_1_january(world):
    preview = preview_version(world.coordinator, valid_from=date(2027, 3, 1), today=TODAY,
                              model="ordered_hours", overrun_allowed="no", instalments=2,
                              **SAME)
    changes = {c.label: c for c in preview.changes}
    model = changes["Modèle de la convention"]
    assert model.old.startswith("Facturation à l'intervention")
    assert model.new.startswith("Heures commandées")
    assert model.effect.startswith("Années 2028 et suivantes")  # 1 March: from 2028
    assert (changes["Dépassement des heures commandées"].new,
            changes["Échéances de l'appel provisionnel"].new) == ("Refusé", "2 échéances")
    assert ("Quorum des votes pondérés", "50 % des voix") in preview.unchanged


def test_settings_left_empty_are_the_previous_versions(world):
    create_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                   model="ordered_hours", overrun_allowed=False, quorum_percent=60,
                   majority_percent=66, instalments=3, **SAME)
    later = create_version(world.coordinator, valid_from=date(2028, 1, 1), today=TODAY,
                           **{**SAME, "hourly_rate": Decimal("46.00")})
    assert (later.model, later.overrun_allowed, later.quorum_percent, later.majority_percent,
            later.instalments) == (ConventionModel.ORDERED_HOURS, False, 60, 66, 3)
    gid = world.groupement.id
    assert [history.is_ordered(gid, y) for y in (2026, 2027, 2028)] == [False, True, True]
    back = create_version(world.coordinator, valid_from=date(2029, 1, 1), today=TODAY,
                          model="per_intervention", instalments=99, **SAME)
    assert back.model == ConventionModel.PER_INTERVENTION and back.instalments == 3
    assert not history.is_ordered(gid, 2029)


@pytest.mark.parametrize("field, value", [("model", "forfait"), ("instalments", 0),
                                          ("quorum_percent", 101), ("majority_percent", 100),
                                          ("overrun_allowed", "parfois")])
def test_bad_settings_are_refused_on_their_field(world, field, value):
    with pytest.raises(InvalidField) as refused:
        preview_version(world.coordinator, valid_from=date(2027, 1, 1), today=TODAY,
                        **{"model": "ordered_hours", **SAME, field: value})
    assert refused.value.field == field
