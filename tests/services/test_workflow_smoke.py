"""The worked examples of SPEC §4, through the real services and database."""

from datetime import date
from decimal import Decimal

import pytest

from gic.billing.services import billing_summary
from gic.errors import RuleRefused
from gic.interventions import services
from tests.helpers import accepted, session


def complete_and_validate(world, i, beneficiary="B"):
    services.complete(i, i.technician, "Fait.")
    services.validate(i, world.directors[beneficiary])


def test_example_5_and_8_pair_rounding_once(world):
    for day in (date(2025, 3, 3), date(2025, 3, 10)):
        i = accepted(world)
        session(world, i, day, "08:00", "15:20")
        complete_and_validate(world, i)
    summary = billing_summary(world.accountant, 2025)
    assert summary.lines == [{"provider_id": world.establishments["A"].id,
                              "beneficiary_id": world.establishments["B"].id,
                              "billable_minutes": 880, "amount": Decimal("366.67")}]


def test_example_6_cap_refusal_message(world):
    # B already used 30 h billable (on-site 10 h x 3 interventions from C)
    for n in range(3):
        i = accepted(world, provider="C")
        session(world, i, date(2025, 2, 3 + n), "08:00", "18:00")
    i = accepted(world)
    session(world, i, date(2025, 4, 1), "08:00", "12:00")
    with pytest.raises(RuleRefused) as refused:
        session(world, i, date(2025, 4, 2), "08:00", "11:00")
    assert refused.value.extra["remaining_minutes"] == 300
    assert "300 min" in refused.value.message
    assert len(i.sessions) == 1
