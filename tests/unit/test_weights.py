"""The weighted vote of the ordered-hours model (GIC issue 16, item 6), from plain values.

Worked example: three members contributed 4 950, 2 250 and 1 800 EUR this year
(9 000 EUR): they weigh 55 %, 25 % and 20 % of the votes. Quorum: the weight of
the members who voted (abstentions included); majority: the weight of the votes
for among the votes expressed (for + against), more than the version's percent
(a tie never adopts at 50 %).
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from gic.convention.weights import (
    WeightedVote,
    percent_text,
    shares,
    tally,
    truncated_percent,
)

A, B, C = 1, 2, 3
AMOUNTS = {A: D("4950.00"), B: D("2250.00"), C: D("1800.00")}


def votes(**choices) -> list[WeightedVote]:
    """The three members, with a choice each (``a="for"``…; absent: not voted)."""
    return [WeightedVote(key, AMOUNTS[key], choices.get(name))
            for name, key in (("a", A), ("b", B), ("c", C))]


def test_weights_of_the_worked_example():
    assert shares([D("4950.00"), D("2250.00"), D("1800.00")]) == [D("55.00"), D("25.00"),
                                                                  D("20.00")]


def test_displayed_weights_add_up_to_one_hundred():
    # Largest remainder at 0.01 %: the earliest member takes the leftover hundredth.
    assert shares([D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert shares([D(2), D(1)]) == [D("66.67"), D("33.33")]
    assert shares([D("1000"), D("1000"), D("1000"), D("1000"), D("1000"), D("1000"),
                   D("1000")]) == [D("14.29")] * 4 + [D("14.28")] * 3
    assert sum(shares([D("4996"), D("5004"), D("0.01")])) == D("100.00")


def test_members_with_no_contribution_weigh_nothing():
    assert shares([D("4950"), D("0")]) == [D("100.00"), D("0.00")]
    assert shares([]) == []


def test_while_nobody_contributed_every_member_weighs_the_same():
    assert shares([D("0"), D("0")]) == [D("50.00"), D("50.00")]
    nobody = [WeightedVote(1, D("0"), "for"), WeightedVote(2, D("0"), None),
              WeightedVote(3, D("0"), "against")]
    result = tally(nobody, 50, 50, closed=True)
    assert result.quorum_reached and result.voted_percent == D("66.66")
    assert result.status == "rejected"  # one for, one against: a tie
    nobody[1] = WeightedVote(2, D("0"), "for")
    assert tally(nobody, 50, 50, closed=True).status == "adopted"


def test_the_largest_member_alone_carries_a_vote_everyone_cast():
    result = tally(votes(a="for", b="against", c="against"), 50, 50, closed=True)
    assert result.total == D("9000.00")
    assert (result.yes, result.no, result.abstained) == (D("4950.00"), D("4050.00"), D(0))
    assert result.quorum_reached and result.voted_percent == D("100.00")
    assert result.yes_percent == D("55.00") and result.no_percent == D("45.00")
    assert result.status == "adopted"


def test_the_two_smaller_members_cannot_outvote_the_largest():
    result = tally(votes(a="against", b="for", c="for"), 50, 50, closed=True)
    assert result.yes_percent == D("45.00")
    assert result.status == "rejected"


def test_quorum_counts_the_weight_of_those_who_voted():
    # B and C alone weigh 45 %: under a 50 % quorum, nothing is decided.
    result = tally(votes(b="for", c="for"), 50, 50, closed=True)
    assert result.voted_percent == D("45.00") and not result.quorum_reached
    assert result.status == "no_quorum"
    # With a 40 % quorum the same votes decide.
    assert tally(votes(b="for", c="for"), 40, 50, closed=True).status == "adopted"


def test_abstention_counts_for_the_quorum_not_for_the_majority():
    result = tally(votes(a="abstain", b="for", c="against"), 50, 50, closed=True)
    assert result.quorum_reached and result.voted_percent == D("100.00")
    assert result.expressed == D("4050.00")
    assert result.yes_percent == D("55.55")  # 2 250 / 4 050 = 55.555… %, shown truncated
    assert result.status == "adopted"


def test_everyone_abstaining_adopts_nothing():
    assert tally(votes(a="abstain", b="abstain", c="abstain"), 50, 50,
                 closed=True).status == "rejected"


def test_a_tie_does_not_adopt():
    pair = [WeightedVote(1, D("1000"), "for"), WeightedVote(2, D("1000"), "against")]
    result = tally(pair, 50, 50, closed=True)
    assert result.yes_percent == D("50.00")
    assert result.status == "rejected"


def test_the_votes_for_must_be_more_than_the_majority_percent_of_those_expressed():
    # Two thirds for: 66.67 % is more than 66 %, not more than 67 %.
    trio = [WeightedVote(1, D("2000"), "for"), WeightedVote(2, D("1000"), "against")]
    assert tally(trio, 50, 66, closed=True).status == "adopted"
    assert tally(trio, 50, 67, closed=True).status == "rejected"
    # Exactly 60 % for does not pass a 60 % majority.
    sixty = [WeightedVote(1, D("600"), "for"), WeightedVote(2, D("400"), "against")]
    assert tally(sixty, 50, 60, closed=True).status == "rejected"
    assert tally(sixty, 50, 59, closed=True).status == "adopted"
    # Below 50 %, the votes against must still be fewer.
    assert tally(sixty[::-1], 50, 30, closed=True).status == "adopted"
    assert tally([WeightedVote(1, D("400"), "for"), WeightedVote(2, D("600"), "against")],
                 50, 30, closed=True).status == "rejected"


def test_an_open_vote_is_decided_as_soon_as_the_rest_cannot_change_it():
    # A (55 %) for: even if B and C vote against, 55 % of 100 % expressed.
    assert tally(votes(a="for"), 50, 50, closed=False).status == "adopted"
    # A against: even if B and C vote for, 45 % < 50 %.
    assert tally(votes(a="against"), 50, 50, closed=False).status == "rejected"
    # B for: A and C still decide.
    assert tally(votes(b="for"), 50, 50, closed=False).status == "pending"
    # A for, but a 60 % majority: B and C (45 %) against would reject it.
    assert tally(votes(a="for"), 50, 60, closed=False).status == "pending"


def test_an_open_vote_is_not_adopted_before_the_quorum():
    # B and C for (45 %), A not voted: A's vote could still reject, so pending.
    assert tally(votes(b="for", c="for"), 50, 50, closed=False).status == "pending"
    # A for at a 60 % quorum: 55 % voted, A's side wins whatever the rest do,
    # but the quorum is not reached yet.
    assert tally(votes(a="for"), 60, 50, closed=False).status == "pending"
    assert tally(votes(a="for", c="abstain"), 60, 50, closed=False).status == "adopted"


def test_when_everyone_voted_the_open_vote_is_decided():
    result = tally(votes(a="against", b="for", c="for"), 50, 50, closed=False)
    assert result.status == "rejected" and not result.waiting


def test_a_member_without_contribution_votes_but_weighs_nothing():
    zero = WeightedVote(4, D("0.00"), None)
    # Every member with a weight voted: the outcome no longer waits for the fourth.
    result = tally(votes(a="for", b="for", c="against") + [zero], 50, 50, closed=False)
    assert result.status == "adopted"
    # Its vote does not tip a tie.
    pair = [WeightedVote(1, D("1000"), "for"), WeightedVote(2, D("1000"), "against"),
            WeightedVote(3, D("0"), "for")]
    assert tally(pair, 50, 50, closed=True).status == "rejected"


def test_displayed_tally_percentages_never_round_up_to_the_threshold():
    # 4 996 of 10 000 voted: 49.96 % is shown 49,9 %, the quorum of 50 % is not reached.
    pair = [WeightedVote(1, D("4996"), "for"), WeightedVote(2, D("5004"), None)]
    result = tally(pair, 50, 50, closed=True)
    assert result.voted_percent == D("49.96") and not result.quorum_reached
    pair = [WeightedVote(1, D("49999"), "for"), WeightedVote(2, D("50001"), None)]
    assert tally(pair, 50, 50, closed=True).voted_percent == D("49.99")  # not 50,00
    assert truncated_percent(D(2), D(3)) == D("66.66")
    assert truncated_percent(D(1), D(0)) == D("0.00")


def test_the_summary_says_quorum_and_majority_in_french():
    result = tally(votes(a="for", b="against", c="abstain"), 50, 50, closed=True)
    assert percent_text(D("55.00")) == "55,00\u00a0%"
    assert result.summary == (
        "Quorum atteint : 100,00\u00a0% des voix ont pris part au vote (minimum "
        "50\u00a0%). Pour : 68,75\u00a0% des voix exprimées, contre : 31,25\u00a0% "
        "(majorité requise : plus de 50\u00a0%).")
    missing = tally(votes(b="for"), 50, 50, closed=True)
    assert missing.summary == (
        "Quorum non atteint : 25,00\u00a0% des voix ont pris part au vote (minimum "
        "50\u00a0%).")


@pytest.mark.parametrize("choice", ["yes", "", "FOR"])
def test_an_unknown_choice_is_refused(choice):
    with pytest.raises(ValueError):
        tally([WeightedVote(1, D(1), choice)], 50, 50, closed=True)
